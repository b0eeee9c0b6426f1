"""analytics: covering indexes for the zone dashboard's queries; the declaration countries read model

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_declaration_countries",
        sa.Column("declaration_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("dispatch_country", sa.String(length=2), nullable=True),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_analytics_declaration_countries_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", "version", name=op.f("pk_analytics_declaration_countries")),
    )
    op.create_index(
        "ix_analytics_declaration_countries_cover",
        "analytics_declaration_countries",
        ["declaration_id", "version", "dispatch_country", "destination_country"],
        unique=False,
    )
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
    op.drop_index("ix_analytics_declaration_countries_cover", table_name="analytics_declaration_countries")
    op.drop_table("analytics_declaration_countries")
