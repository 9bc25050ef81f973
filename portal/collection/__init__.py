"""Module C — centralized declaration (集中申报): operations over the collection registers (SPEC §4)."""
