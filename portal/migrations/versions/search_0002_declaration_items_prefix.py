"""declaration-item names out of the contains-search (issue 15.1 against 15.2): their name_grams triggers
and rows dropped, a plain index on the name for the prefix search instead

The month-end writes every declaration item it builds; keeping their bigrams cost it more than the
declarations themselves (bench/scale.py: 290,000 gram rows for one month at 1M items, 2.2 s of a 4 s run).
The issue's contains-search covers enterprise, product, list-item and personnel names; a declaration
item's name is the name of the list items it merges (C-21), which stay contains-searchable.

Revision ID: search_0002
Revises: msg_0001
"""
from alembic import op

from portal.name_search import postgresql_ddl, sqlite_ddl

revision = "search_0002"
down_revision = "msg_0001"
branch_labels = None
depends_on = None

SOURCE, TABLE, COLUMN = 6, "declaration_items", "name"


def _ddl(dialect):
    return postgresql_ddl if dialect == "postgresql" else sqlite_ddl


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in _ddl(dialect)(SOURCE, TABLE, COLUMN)[1]:
        op.execute(statement)
    op.execute(f"DELETE FROM name_grams WHERE source = {SOURCE}")
    op.create_index("ix_declaration_items_name", TABLE, [COLUMN])


def downgrade():
    from portal.name_search import backfill_sql
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_declaration_items_name", table_name=TABLE)
    op.execute(backfill_sql(dialect, SOURCE, TABLE, COLUMN))
    for statement in _ddl(dialect)(SOURCE, TABLE, COLUMN)[0]:
        op.execute(statement)
