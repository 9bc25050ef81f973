"""`flask --app wsgi init` and `demo`: idempotent loads, catalog counts (K-1), migrations match models."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db


def _counts():
    from portal.models import CatalogCategory, CatalogItem, CatalogService, CodeEntry, QualificationExclusion
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (CodeEntry, CatalogCategory, CatalogItem, CatalogService, QualificationExclusion)}


def test_init_twice_leaves_the_same_row_counts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _counts() == before
        assert before["code_entries"] > 3000


def test_k1_catalog_loaded_rows_equal_seed_totals(ctx):
    from portal.models import CatalogCategory, CatalogItem, CatalogService
    assert db.session.scalar(select(func.count()).select_from(CatalogCategory)) == 19
    assert db.session.scalar(select(func.count()).select_from(CatalogItem)) == 99
    assert db.session.scalar(select(func.count()).select_from(CatalogService)) == 392


def test_k2_home_shows_searchable_catalog(client):
    page = client.get("/").get_data(as_text=True)
    assert "全部应用" in page and "集中申报" in page
    found = client.get("/?q=集报清单汇总").get_data(as_text=True)
    assert "集报清单汇总" in found and "进口报关单一次录入" not in found


def test_migrations_match_the_models(ctx):
    """The migrations build exactly the portal's models and the tables of the packages that import nothing from
    the portal (issue 16): the database transport's queue and the simulated customs' cases, each on its own
    MetaData."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from scheduler.customs import store
    from tests.conftest import OUTSIDE_TABLES
    from wire import transport_db
    outside = {name for m in (transport_db.metadata, store.metadata) for name in m.tables}
    assert outside == set(OUTSIDE_TABLES)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [db.metadata, transport_db.metadata, store.metadata])
    assert diff == [], diff


def test_demo_loads_every_role_and_is_idempotent(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "staff" in first.output and "auditor" in first.output and "PIN" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    from portal.models import User
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {"staff", "auditor", "ent_admin", "ent_operator"}
        users = db.session.scalar(select(func.count()).select_from(User))
    assert users == 8
    response = client.post("/api/v1/tokens", json={"card_no": "DEMO01OPER", "pin": "123456"})
    assert response.status_code == 201 and response.json["login_mode"] == "card"


def test_demo_sets_short_customs_delays_unless_kept(app):
    from portal.models import Setting
    from seed.demo import DEMO_DELAYS
    from seed.load import DEFAULT_SETTINGS
    runner = app.test_cli_runner()

    def delays():
        with app.app_context():
            return {row.key: row.value for row in db.session.scalars(select(Setting)) if row.key in DEMO_DELAYS}

    kept = runner.invoke(args=["demo", "--keep-delays"])
    assert kept.exit_code == 0, kept.output
    assert delays() == {key: DEFAULT_SETTINGS[key][0] for key in DEMO_DELAYS}
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert delays() == DEMO_DELAYS and "演示用短延迟" in result.output
    # A filing is decided within a minute of the 10-second tick: three steps, each due after its delay.
    steps = ("delay_receive_seconds", "delay_review_seconds", "delay_decide_seconds")
    assert sum(int(DEMO_DELAYS[key]) + 10 for key in steps) <= 60
