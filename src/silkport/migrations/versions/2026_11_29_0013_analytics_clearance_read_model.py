"""analytics: the clearance read model (per day, office, lane, rulebook and stage counts), trade and vehicle counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_clearance_entries",
        sa.Column("declaration_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("rulebook", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=True),
        sa.Column("partner", sa.String(length=2), nullable=True),
        sa.Column("lodgement_to_acceptance", sa.Integer(), nullable=True),
        sa.Column("acceptance_to_risk", sa.Integer(), nullable=True),
        sa.Column("risk_to_release", sa.Integer(), nullable=True),
        sa.Column("release_to_exit", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_analytics_clearance_entries")),
    )
    op.create_table(
        "analytics_clearance_counts",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("rulebook", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain",
            "stage",
            "start",
            "office",
            "lane",
            "rulebook",
            "minutes",
            name=op.f("pk_analytics_clearance_counts"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_trade_counts",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("office", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=2), nullable=False),
        sa.Column("declarations", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "start", "office", "type", "partner", name=op.f("pk_analytics_trade_counts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_vehicle_counts",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("exit_port", sa.String(length=5), nullable=False),
        sa.Column("make", sa.String(length=40), nullable=False),
        sa.Column("destination", sa.String(length=2), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "start", "exit_port", "make", "destination", name=op.f("pk_analytics_vehicle_counts")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_read_model_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("status_change_id", sa.BigInteger(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_read_model_state")),
    )
    op.create_index(
        "ix_analytics_consignments_clock",
        "logistics_consignments",
        ["clock_finished_at", "corridor", "clock_status", "clock_started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_consignments_clock", table_name="logistics_consignments")
    op.drop_table("analytics_read_model_state")
    op.drop_table("analytics_trade_counts")
    op.drop_table("analytics_vehicle_counts")
    op.drop_table("analytics_clearance_counts")
    op.drop_table("analytics_clearance_entries")
