"""partner customs exchange: partners, outbound and inbound messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("outbound_key_id", sa.String(length=64), nullable=True),
        sa.Column("outbound_secret", sa.String(length=128), nullable=True),
        sa.Column("inbound_key_id", sa.String(length=64), nullable=False),
        sa.Column("inbound_secret", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_partners")),
        sa.UniqueConstraint("inbound_key_id", name=op.f("uq_partners_inbound_key_id")),
    )
    op.create_table(
        "partner_outbound",
        sa.Column("seq", _seq(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("message_type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_partner_outbound")),
        sa.UniqueConstraint("message_id", name=op.f("uq_partner_outbound_message_id")),
    )
    op.create_index(op.f("ix_partner_outbound_partner"), "partner_outbound", ["partner"], unique=False)
    op.create_index(op.f("ix_partner_outbound_next_attempt_at"), "partner_outbound", ["next_attempt_at"], unique=False)
    op.create_table(
        "partner_inbound",
        sa.Column("seq", _seq(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("message_type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_partner_inbound")),
        sa.UniqueConstraint("partner", "message_id", name="uq_partner_inbound_partner_message_id"),
    )
    op.create_index(op.f("ix_partner_inbound_next_attempt_at"), "partner_inbound", ["next_attempt_at"], unique=False)
    op.create_index(op.f("ix_partner_inbound_processed_at"), "partner_inbound", ["processed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_inbound_processed_at"), table_name="partner_inbound")
    op.drop_index(op.f("ix_partner_inbound_next_attempt_at"), table_name="partner_inbound")
    op.drop_table("partner_inbound")
    op.drop_index(op.f("ix_partner_outbound_next_attempt_at"), table_name="partner_outbound")
    op.drop_index(op.f("ix_partner_outbound_partner"), table_name="partner_outbound")
    op.drop_table("partner_outbound")
    op.drop_table("partners")
