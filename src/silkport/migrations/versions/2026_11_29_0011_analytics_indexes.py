"""analytics: covering indexes for the zone dashboard's queries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_analytics_declarations_release",
        "declarations",
        ["release_at", "type", "office_code", "customs_value_cny"],
        unique=False,
    )
    op.create_index(
        "ix_analytics_vehicle_exports_exit",
        "freight_vehicle_exports",
        ["exit_date", "exit_port", "exit_month", "make", "destination"],
        unique=False,
    )
    op.create_index("ix_analytics_bonded_uplifts_at", "bonded_uplifts", ["at", "quantity", "duty"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_analytics_bonded_uplifts_at", table_name="bonded_uplifts")
    op.drop_index("ix_analytics_vehicle_exports_exit", table_name="freight_vehicle_exports")
    op.drop_index("ix_analytics_declarations_release", table_name="declarations")
