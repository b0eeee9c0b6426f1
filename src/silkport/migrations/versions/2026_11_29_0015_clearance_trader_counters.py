"""clearance: each declarant's record as counters (lodged, inspected, discrepancies), filled from the history

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clearance_trader_counters",
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("lodged", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Integer(), nullable=False),
        sa.Column("discrepancies", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "lodged >= 0 AND inspected >= 0 AND discrepancies >= 0",
            name=op.f("ck_clearance_trader_counters_not_negative"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_clearance_trader_counters")),
    )
    # the counters of the declarations and inspections already stored
    op.execute(
        """
        INSERT INTO clearance_trader_counters (enterprise_id, lodged, inspected, discrepancies)
        SELECT enterprise_id, sum(lodged), sum(inspected), sum(discrepancies) FROM (
            SELECT declarant_id AS enterprise_id, count(*) AS lodged, 0 AS inspected, 0 AS discrepancies
              FROM declarations WHERE lodgement_at IS NOT NULL GROUP BY declarant_id
            UNION ALL
            SELECT enterprise_id, 0, count(*), sum(CASE WHEN finding <> 'conform' THEN 1 ELSE 0 END)
              FROM inspections GROUP BY enterprise_id
        ) AS parts
        GROUP BY enterprise_id
        """
    )


def downgrade() -> None:
    op.drop_table("clearance_trader_counters")
