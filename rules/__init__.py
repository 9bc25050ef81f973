"""Business rules as pure functions over plain data (no Flask, no database)."""
