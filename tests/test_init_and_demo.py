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
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
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
