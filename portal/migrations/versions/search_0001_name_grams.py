"""name bigrams for contains-search on names (issue 15.2): the name_grams side table, the triggers
that keep it on every write path, and the bigrams of the rows already there

SQLite: row triggers reading bigram offsets from name_gram_positions (1..300).
PostgreSQL: the name_bigrams(text) function and statement triggers with transition tables.
The source list is frozen here (portal/name_search.py NAME_SOURCES may only grow through new migrations).

Revision ID: search_0001
Revises: authhard_0001
"""
from alembic import op
import sqlalchemy as sa

from portal.name_search import MAX_POSITIONS, PG_BIGRAMS, backfill_sql, postgresql_ddl, sqlite_ddl

revision = "search_0001"
down_revision = "authhard_0001"
branch_labels = None
depends_on = None

SOURCES = {
    1: ("enterprises", "name_zh"),
    2: ("enterprises", "name_en"),
    3: ("products", "name"),
    4: ("bonded_book_items", "name"),
    5: ("list_items", "name"),
    6: ("declaration_items", "name"),
    7: ("management_personnel", "name"),
    8: ("declaration_personnel", "name"),
    9: ("investors", "name"),
    10: ("users", "name"),
}


def _ddl(dialect):
    return postgresql_ddl if dialect == "postgresql" else sqlite_ddl


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "name_grams",
        sa.Column("source", sa.SmallInteger(), nullable=False),
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "gram", "row_id", name="pk_name_grams"),
        sqlite_with_rowid=False,
    )
    positions = op.create_table(
        "name_gram_positions",
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_name_gram_positions")),
    )
    op.bulk_insert(positions, [{"n": n} for n in range(1, MAX_POSITIONS + 1)])
    if dialect == "postgresql":
        op.execute(PG_BIGRAMS)
    for source, (table, column) in SOURCES.items():
        op.execute(backfill_sql(dialect, source, table, column))
        for statement in _ddl(dialect)(source, table, column)[0]:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for source, (table, column) in SOURCES.items():
        for statement in _ddl(dialect)(source, table, column)[1]:
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS name_bigrams(text)")
    op.drop_table("name_gram_positions")
    op.drop_table("name_grams")
