"""customs messages (issue 16): the portal's message register (outbox and inbox), the platform's signing
keys, the card key columns, the database transport's queue and the simulated customs' own case table

The last two belong to packages that import nothing from the portal (wire/transport_db.py and
scheduler/customs/store.py define them on their own MetaData); they are created here so that one
`flask init` makes the whole embedded deployment.

Revision ID: msg_0001
Revises: search_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "msg_0001"
down_revision = "search_0001"
branch_labels = None
depends_on = None


def _times():
    return [sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def upgrade():
    op.create_table(
        "customs_messages",
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("msg_type", sa.String(length=40), nullable=False),
        sa.Column("register", sa.String(length=40), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("business_no", sa.String(length=64), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("in_reply_to", sa.String(length=36), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("return_status", sa.String(length=20), nullable=True),
        sa.Column("return_info", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("key_serial", sa.String(length=40), nullable=True),
        sa.Column("signature_valid", sa.Boolean(), nullable=True),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        *_times(),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("fk_customs_messages_enterprise_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_customs_messages_message_id")),
    )
    with op.batch_alter_table("customs_messages", schema=None) as batch_op:
        batch_op.create_index("ix_customs_messages_direction_status", ["direction", "status", "id"])
        batch_op.create_index("ix_customs_messages_record", ["register", "record_id"])
        batch_op.create_index("ix_customs_messages_created", ["created_at", "id"])
        batch_op.create_index(batch_op.f("ix_customs_messages_business_no"), ["business_no"])
        batch_op.create_index(batch_op.f("ix_customs_messages_enterprise_id"), ["enterprise_id"])
        batch_op.create_index(batch_op.f("ix_customs_messages_in_reply_to"), ["in_reply_to"])

    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.String(length=200), nullable=False),
        sa.Column("private_key_enc", sa.Text(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_signing_keys_name")),
        sa.UniqueConstraint("serial", name=op.f("uq_signing_keys_serial")),
    )

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("private_key_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cert_serial", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("certificate", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cards_cert_serial"), ["cert_serial"])

    # wire/transport_db.py: the embedded transport's queues (portal → customs, customs → portal).
    op.create_table(
        "transport_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=60), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=True),
        sa.Column("taken_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transport_queue")),
        sa.UniqueConstraint("queue", "message_id", name=op.f("uq_transport_queue_queue_message_id")),
    )
    op.create_index("ix_transport_queue_ready", "transport_queue", ["queue", "state", "available_at", "id"])

    # scheduler/customs/store.py: what the simulated customs knows of each message it received.
    op.create_table(
        "customs_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("msg_type", sa.String(length=40), nullable=False),
        sa.Column("register", sa.String(length=40), nullable=False),
        sa.Column("business_no", sa.String(length=64), nullable=True),
        sa.Column("cop_code", sa.String(length=18), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("key_serial", sa.String(length=40), nullable=True),
        sa.Column("signature_valid", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_cases")),
        sa.UniqueConstraint("message_id", name=op.f("uq_customs_cases_message_id")),
    )
    op.create_index("ix_customs_cases_due", "customs_cases", ["due_at", "id"])


def downgrade():
    op.drop_index("ix_customs_cases_due", table_name="customs_cases")
    op.drop_table("customs_cases")
    op.drop_index("ix_transport_queue_ready", table_name="transport_queue")
    op.drop_table("transport_queue")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cards_cert_serial"), type_="unique")
        batch_op.drop_column("certificate")
        batch_op.drop_column("cert_serial")
        batch_op.drop_column("private_key_enc")
        batch_op.drop_column("public_key")
    op.drop_table("signing_keys")
    op.drop_table("customs_messages")
