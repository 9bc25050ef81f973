"""Module C flow tests."""
