"""list_heads (status, since): the admin home's "oldest waiting" age without reading every waiting list

The home shows, per work queue, since when its longest-waiting record waits. At 10M list items with
hundreds of thousands of lists at customs, `min(coalesce(status_changed_at, created_at))` over
`status IN (…)` read every one of them (72 ms); with this index each status's minimum is the index's first
entry (admin_views/dashboard.py `oldest`).

Revision ID: dash_0001
Revises: search_0002
"""
from alembic import op
import sqlalchemy as sa

revision = "dash_0001"
down_revision = "search_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_list_heads_status_since", "list_heads",
                    ["status", sa.text("coalesce(status_changed_at, created_at)")])


def downgrade():
    op.drop_index("ix_list_heads_status_since", table_name="list_heads")
