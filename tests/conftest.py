"""Shared fixtures: one database per run (SQLite file or a fresh PostgreSQL database),
schema from the Alembic migrations, reference data loaded once, dynamic tables emptied after
every test. DATABASE_URL selects PostgreSQL."""
from __future__ import annotations

import os
import tempfile

import pytest
from sqlalchemy import create_engine, text

from tests import factories

REFERENCE_TABLES = {"code_entries", "catalog_categories", "catalog_items", "catalog_services",
                    "qualification_exclusions", "qualification_dependencies", "agent_qualification_rules",
                    "settings", "alembic_version", "name_gram_positions"}


# Tables of packages that import nothing from the portal (issue 16): not on db.metadata, emptied by name.
OUTSIDE_TABLES = ("transport_queue", "customs_cases")
# Reference tables that tests may edit (Q-4, C-20, S-2): put back as seeded after every test.
RESTORED_TABLES = ("qualification_exclusions", "qualification_dependencies", "agent_qualification_rules", "settings")


def pytest_collection_modifyitems(config, items):
    """Run the long tests (marked slow) first. The suite runs on two workers with --dist worksteal: a
    worker that runs out takes half of the other's waiting tests, so the long ones must not wait at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_url(tmp_root: str) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return "sqlite:///" + os.path.join(tmp_root, f"portal-{_worker()}.sqlite3")
    from sqlalchemy.engine import make_url
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1)
                   if base.startswith("postgresql://") else base)
    name = f"portal_test_{_worker()}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(uri: str) -> None:
    if not uri.startswith("postgresql"):
        return
    from sqlalchemy.engine import make_url
    url = make_url(uri)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app():
    """The portal wired to this run's own database, migrated and seeded once."""
    tmp_root = tempfile.mkdtemp(prefix="portal-tests-")
    uri = _database_url(tmp_root)
    from portal import create_app
    from portal.extensions import db
    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "test-secret",
        "FAST_HASHES": True, "UPLOAD_DIR": os.path.join(tmp_root, "uploads"), "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": "localhost",
    })
    os.makedirs(application.config["UPLOAD_DIR"], exist_ok=True)
    with application.app_context():
        from flask_migrate import upgrade
        from seed.load import load_reference
        upgrade()
        load_reference(db.session)
        db.session.commit()
        with db.engine.connect() as conn:
            application.config["TEST_RULE_ROWS"] = {
                name: [dict(row._mapping) for row in conn.execute(db.metadata.tables[name].select())]
                for name in RESTORED_TABLES}
    application.config["TEST_DATABASE_URI"] = uri
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    _drop_database(uri)


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every non-reference table after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from portal import clock
    from portal.extensions import db
    clock.set_fixed_now(None)
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)
                  if t.name not in REFERENCE_TABLES and t.name != "name_grams"]
        # The name bigrams go first: the name triggers' DELETE then has nothing to match (with the
        # statistics of a table that was empty at the last ANALYZE, PostgreSQL would nest-loop it).
        # DELETE beats TRUNCATE here: the tables are small and TRUNCATE has a fixed cost per table.
        # Rule tables and settings are reference data that tests may edit (Q-4, S-2): restored from the
        # snapshot taken after seeding, by Core statements (no audit rows, no ORM events).
        statements = [f"DELETE FROM {name}" for name in ("name_grams", *tables, *OUTSIDE_TABLES)]
        statements += [f"DELETE FROM {name}" for name in RESTORED_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(";\n".join(statements))  # one round trip (simple query protocol)
            else:
                for statement in statements:
                    conn.exec_driver_sql(statement)
            for table, rows in application.config["TEST_RULE_ROWS"].items():
                if rows:
                    conn.execute(db.metadata.tables[table].insert(), rows)
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for direct database work in a test."""
    with app.app_context():
        yield
        from portal.extensions import db
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client (CSRF stays on; use `csrf_token(client, url)` for forms)."""
    return app.test_client()


@pytest.fixture
def make(app):
    """Builder functions for enterprises, users, cards, tokens (tests/factories.py)."""
    with app.app_context():
        yield factories.Builder(app)
        from portal.extensions import db
        db.session.remove()


@pytest.fixture
def is_postgres(app) -> bool:
    """Tell whether this run uses PostgreSQL."""
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
