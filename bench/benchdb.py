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


def migrated_with_enterprises(session, count: int) -> list[int]:
    """Create the schema and the rule tables, then `count` auto-aggregating enterprises; return their ids."""
    from flask_migrate import upgrade

    from portal.models import Enterprise
    from rules.identifiers import make_uscc
    from seed.load import load_rule_tables
    upgrade()
    load_rule_tables(session)
    enterprises = [Enterprise(uscc=make_uscc("91440300", n), name_zh=f"压测企业{n}有限公司", customs_code="5300",
                              registration_code=f"44039{n:05d}", auto_aggregate=True)
                   for n in range(1, count + 1)]
    session.add_all(enterprises)
    session.flush()
    return [e.id for e in enterprises]
