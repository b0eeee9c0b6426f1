"""transit: TIR guarantees, transports and operations (eTIR)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tir_guarantees",
        sa.Column("reference", sa.String(length=10), nullable=False),
        sa.Column("chain", sa.String(length=10), nullable=False),
        sa.Column("holder_id", sa.String(length=24), nullable=False),
        sa.Column("holder_enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("transport_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_tir_guarantees")),
    )
    op.create_index(
        op.f("ix_tir_guarantees_holder_enterprise_id"), "tir_guarantees", ["holder_enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_tir_guarantees_holder_id"), "tir_guarantees", ["holder_id"], unique=False)
    op.create_index(op.f("ix_tir_guarantees_state"), "tir_guarantees", ["state"], unique=False)
    op.create_table(
        "tir_transports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("guarantee_reference", sa.String(length=10), nullable=False),
        sa.Column("holder_id", sa.String(length=24), nullable=False),
        sa.Column("holder_enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("vehicle", sa.String(length=35), nullable=False),
        sa.Column("goods_description", sa.Text(), nullable=False),
        sa.Column("gross_mass_kg", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("current_seals", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("w2w_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["guarantee_reference"],
            ["tir_guarantees.reference"],
            name=op.f("fk_tir_transports_guarantee_reference_tir_guarantees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tir_transports")),
    )
    op.create_index(op.f("ix_tir_transports_created_at"), "tir_transports", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_tir_transports_guarantee_reference"), "tir_transports", ["guarantee_reference"], unique=False
    )
    op.create_index(
        op.f("ix_tir_transports_holder_enterprise_id"), "tir_transports", ["holder_enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_tir_transports_state"), "tir_transports", ["state"], unique=False)
    op.create_table(
        "tir_incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("transport_id", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("certified_by", sa.String(length=128), nullable=False),
        sa.Column("seals_before", sa.JSON(), nullable=False),
        sa.Column("seals_after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transport_id"], ["tir_transports.id"], name=op.f("fk_tir_incidents_transport_id_tir_transports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tir_incidents")),
    )
    op.create_index(op.f("ix_tir_incidents_transport_id"), "tir_incidents", ["transport_id"], unique=False)
    op.create_table(
        "tir_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("transport_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=80), nullable=False),
        sa.Column("pair", sa.String(length=16), nullable=False),
        sa.Column("operation", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transport_id"], ["tir_transports.id"], name=op.f("fk_tir_messages_transport_id_tir_transports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tir_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_tir_messages_message_id")),
    )
    op.create_index(op.f("ix_tir_messages_transport_id"), "tir_messages", ["transport_id"], unique=False)
    op.create_table(
        "tir_operations",
        sa.Column("transport_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("office_of_start", sa.String(length=20), nullable=False),
        sa.Column("office_of_end", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("terminated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seals_at_start", sa.JSON(), nullable=False),
        sa.Column("seals_at_termination", sa.JSON(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["transport_id"], ["tir_transports.id"], name=op.f("fk_tir_operations_transport_id_tir_transports")
        ),
        sa.PrimaryKeyConstraint("transport_id", "sequence", name=op.f("pk_tir_operations")),
    )
    op.create_index(op.f("ix_tir_operations_country"), "tir_operations", ["country"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tir_operations_country"), table_name="tir_operations")
    op.drop_table("tir_operations")
    op.drop_index(op.f("ix_tir_messages_transport_id"), table_name="tir_messages")
    op.drop_table("tir_messages")
    op.drop_index(op.f("ix_tir_incidents_transport_id"), table_name="tir_incidents")
    op.drop_table("tir_incidents")
    op.drop_index(op.f("ix_tir_transports_state"), table_name="tir_transports")
    op.drop_index(op.f("ix_tir_transports_holder_enterprise_id"), table_name="tir_transports")
    op.drop_index(op.f("ix_tir_transports_guarantee_reference"), table_name="tir_transports")
    op.drop_index(op.f("ix_tir_transports_created_at"), table_name="tir_transports")
    op.drop_table("tir_transports")
    op.drop_index(op.f("ix_tir_guarantees_state"), table_name="tir_guarantees")
    op.drop_index(op.f("ix_tir_guarantees_holder_id"), table_name="tir_guarantees")
    op.drop_index(op.f("ix_tir_guarantees_holder_enterprise_id"), table_name="tir_guarantees")
    op.drop_table("tir_guarantees")
