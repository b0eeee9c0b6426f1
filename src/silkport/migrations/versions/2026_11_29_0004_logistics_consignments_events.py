"""logistics: consignments, legs, tracking events, SLA alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "logistics_consignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("document_kind", sa.String(length=16), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("corridor", sa.String(length=32), nullable=True),
        sa.Column("shipper", sa.JSON(), nullable=False),
        sa.Column("consignee", sa.JSON(), nullable=False),
        sa.Column("goods_description", sa.Text(), nullable=False),
        sa.Column("packages", sa.Integer(), nullable=False),
        sa.Column("gross_mass_kg", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("declaration_ids", sa.JSON(), nullable=False),
        sa.Column("equipment", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interrupted", sa.String(length=16), nullable=True),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_status", sa.String(length=16), nullable=True),
        sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_at_risk_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_culprit_leg", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logistics_consignments")),
        sa.UniqueConstraint("document_kind", "document_number", name=op.f("uq_logistics_consignments_document_kind")),
    )
    op.create_index(
        op.f("ix_logistics_consignments_clock_deadline"), "logistics_consignments", ["clock_deadline"], unique=False
    )
    op.create_index(
        op.f("ix_logistics_consignments_clock_finished_at"),
        "logistics_consignments",
        ["clock_finished_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_logistics_consignments_clock_status"), "logistics_consignments", ["clock_status"], unique=False
    )
    op.create_index(op.f("ix_logistics_consignments_corridor"), "logistics_consignments", ["corridor"], unique=False)
    op.create_index(
        op.f("ix_logistics_consignments_created_at"), "logistics_consignments", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_logistics_consignments_enterprise_id"), "logistics_consignments", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_logistics_consignments_mode"), "logistics_consignments", ["mode"], unique=False)
    op.create_index(op.f("ix_logistics_consignments_status"), "logistics_consignments", ["status"], unique=False)
    op.create_table(
        "logistics_events",
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=1000), nullable=False),
        sa.Column("event_type", sa.String(length=24), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone_offset", sa.String(length=6), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("biz_step", sa.String(length=500), nullable=True),
        sa.Column("disposition", sa.String(length=500), nullable=True),
        sa.Column("read_point", sa.String(length=2000), nullable=True),
        sa.Column("biz_location", sa.String(length=2000), nullable=True),
        sa.Column("captured_by", sa.String(length=32), nullable=False),
        sa.Column("captured_for", sa.String(length=32), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_logistics_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_logistics_events_event_id")),
    )
    op.create_index(op.f("ix_logistics_events_event_time"), "logistics_events", ["event_time"], unique=False)
    op.create_table(
        "logistics_consignment_keys",
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("consignment_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["logistics_consignments.id"],
            name=op.f("fk_logistics_consignment_keys_consignment_id_logistics_consignments"),
        ),
        sa.PrimaryKeyConstraint("object_id", "consignment_id", name=op.f("pk_logistics_consignment_keys")),
    )
    op.create_index(
        op.f("ix_logistics_consignment_keys_consignment_id"),
        "logistics_consignment_keys",
        ["consignment_id"],
        unique=False,
    )
    op.create_table(
        "logistics_event_objects",
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("event_ref", sa.String(length=32), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_ref"], ["logistics_events.ref"], name=op.f("fk_logistics_event_objects_event_ref_logistics_events")
        ),
        sa.PrimaryKeyConstraint("object_id", "event_ref", name=op.f("pk_logistics_event_objects")),
    )
    op.create_index(
        op.f("ix_logistics_event_objects_event_ref"), "logistics_event_objects", ["event_ref"], unique=False
    )
    op.create_index(
        "ix_logistics_event_objects_object_id_event_time",
        "logistics_event_objects",
        ["object_id", "event_time"],
        unique=False,
    )
    op.create_table(
        "logistics_legs",
        sa.Column("consignment_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("carrier", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=5), nullable=False),
        sa.Column("destination", sa.String(length=5), nullable=False),
        sa.Column("planned_departure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actual_departure", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at_border", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["logistics_consignments.id"],
            name=op.f("fk_logistics_legs_consignment_id_logistics_consignments"),
        ),
        sa.PrimaryKeyConstraint("consignment_id", "sequence", name=op.f("pk_logistics_legs")),
    )
    op.create_table(
        "logistics_sla_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consignment_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("corridor", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("culprit_leg", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["logistics_consignments.id"],
            name=op.f("fk_logistics_sla_alerts_consignment_id_logistics_consignments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logistics_sla_alerts")),
        sa.UniqueConstraint("consignment_id", "kind", name=op.f("uq_logistics_sla_alerts_consignment_id")),
    )
    op.create_index(
        op.f("ix_logistics_sla_alerts_enterprise_id"), "logistics_sla_alerts", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_logistics_sla_alerts_raised_at"), "logistics_sla_alerts", ["raised_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_logistics_sla_alerts_raised_at"), table_name="logistics_sla_alerts")
    op.drop_index(op.f("ix_logistics_sla_alerts_enterprise_id"), table_name="logistics_sla_alerts")
    op.drop_table("logistics_sla_alerts")
    op.drop_table("logistics_legs")
    op.drop_index("ix_logistics_event_objects_object_id_event_time", table_name="logistics_event_objects")
    op.drop_index(op.f("ix_logistics_event_objects_event_ref"), table_name="logistics_event_objects")
    op.drop_table("logistics_event_objects")
    op.drop_index(op.f("ix_logistics_consignment_keys_consignment_id"), table_name="logistics_consignment_keys")
    op.drop_table("logistics_consignment_keys")
    op.drop_index(op.f("ix_logistics_events_event_time"), table_name="logistics_events")
    op.drop_table("logistics_events")
    op.drop_index(op.f("ix_logistics_consignments_status"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_mode"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_enterprise_id"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_created_at"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_corridor"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_clock_status"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_clock_finished_at"), table_name="logistics_consignments")
    op.drop_index(op.f("ix_logistics_consignments_clock_deadline"), table_name="logistics_consignments")
    op.drop_table("logistics_consignments")
