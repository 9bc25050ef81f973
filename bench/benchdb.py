"""A scratch database for one benchmark run: a PostgreSQL database when DATABASE_URL points at a
server (created fresh, dropped afterwards), otherwise a SQLite file in a temporary folder."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def postgresql_database(url, name: str, template: str | None = None) -> tuple[str, callable]:
    """Create database `name` on the server of `url` (empty, or a copy of `template`); return (URL, drop)."""
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))

    def drop():
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
    return url.set(database=name).render_as_string(hide_password=False), drop


def scratch_database(name: str) -> tuple[str, callable]:
    """Return (SQLAlchemy URL, remove function) for a fresh database called `name`."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        if base.startswith("postgresql://"):
            base = base.replace("postgresql://", "postgresql+psycopg://", 1)
        return postgresql_database(make_url(base), name)
    folder = tempfile.mkdtemp(prefix=f"{name}-")
    return "sqlite:///" + os.path.join(folder, "bench.sqlite3"), lambda: shutil.rmtree(folder, ignore_errors=True)


def migrated_with_enterprises(session, count: int, names=None) -> list[int]:
    """Create the schema and the rule tables, then `count` auto-aggregating enterprises; return their ids.
    `names(n)` gives enterprise n's (Chinese name, English name); by default 压测企业<n>有限公司 and none."""
    from flask_migrate import upgrade

    from portal.models import Enterprise
    from rules.identifiers import make_uscc
    from seed.load import load_rule_tables
    upgrade()
    load_rule_tables(session)
    names = names or (lambda n: (f"压测企业{n}有限公司", None))
    enterprises = [Enterprise(uscc=make_uscc("91440300", n), name_zh=zh, name_en=en, customs_code="5300",
                              registration_code=f"44039{n:05d}", auto_aggregate=True)
                   for n, (zh, en) in ((n, names(n)) for n in range(1, count + 1))]
    session.add_all(enterprises)
    session.flush()
    return [e.id for e in enterprises]


@contextmanager
def grams_after_load(connection, tables: tuple[str, ...]):
    """Load `tables` without their name triggers, then fill their name_grams (for all their rows) in
    one set-based INSERT … SELECT per name column (the migration's backfill_sql) and put the triggers back.

    On PostgreSQL the name_grams primary key is dropped for the fill and built after (measured in
    README: Benchmarks); on SQLite name_grams is a WITHOUT ROWID table, its key is the table (inserting
    in key order measured no faster). Yields a dict that gets the fill's seconds, rows and size."""
    from portal.name_search import NAME_SOURCES, backfill_sql, postgresql_ddl, sqlite_ddl
    dialect = connection.dialect.name
    ddl = postgresql_ddl if dialect == "postgresql" else sqlite_ddl
    sources = [(source, table, column) for source, (table, column) in NAME_SOURCES.items() if table in tables]
    for source, table, column in sources:
        for statement in ddl(source, table, column)[1]:
            connection.execute(text(statement))
    figures: dict = {}
    yield figures
    started = time.perf_counter()
    for source, _table, _column in sources:  # the fill writes every row's grams: those already there go first
        connection.execute(text(f"DELETE FROM name_grams WHERE source = {source}"))
    if dialect == "postgresql":
        connection.execute(text("ALTER TABLE name_grams DROP CONSTRAINT pk_name_grams"))
    for source, table, column in sources:
        connection.execute(text(backfill_sql(dialect, source, table, column)))
    figures["fill_seconds"] = time.perf_counter() - started
    if dialect == "postgresql":
        connection.execute(text("ALTER TABLE name_grams ADD CONSTRAINT pk_name_grams PRIMARY KEY (source, gram, row_id)"))
    for source, table, column in sources:
        for statement in ddl(source, table, column)[0]:
            connection.execute(text(statement))
    figures["seconds"] = time.perf_counter() - started
    figures["rows"] = connection.execute(text("SELECT count(*) FROM name_grams")).scalar()
    if dialect == "postgresql":
        figures["bytes"] = connection.execute(text("SELECT pg_total_relation_size('name_grams')")).scalar()
