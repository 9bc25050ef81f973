"""A scratch database for one benchmark run: a PostgreSQL database when DATABASE_URL points at a
server (created fresh, dropped afterwards), otherwise a SQLite file in a temporary folder."""
from __future__ import annotations

import os
import shutil
import tempfile

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def scratch_database(name: str) -> tuple[str, callable]:
    """Return (SQLAlchemy URL, remove function) for a fresh database called `name`."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        if base.startswith("postgresql://"):
            base = base.replace("postgresql://", "postgresql+psycopg://", 1)
        url = make_url(base)
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop():
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()
        return url.set(database=name).render_as_string(hide_password=False), drop
    folder = tempfile.mkdtemp(prefix=f"{name}-")
    return "sqlite:///" + os.path.join(folder, "bench.sqlite3"), lambda: shutil.rmtree(folder, ignore_errors=True)
