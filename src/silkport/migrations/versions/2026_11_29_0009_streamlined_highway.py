"""streamlined highway: inspected containers and recognised inspections

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 05:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspected_containers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("container", sa.String(length=11), nullable=False),
        sa.Column("seals", sa.String(length=500), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("declaration_id", sa.String(length=32), nullable=False),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_inspected_containers_declaration_id_declarations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspected_containers")),
    )
    with op.batch_alter_table("inspected_containers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspected_containers_container"), ["container"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspected_containers_declaration_id"), ["declaration_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspected_containers_inspected_at"), ["inspected_at"], unique=False)

    op.create_table(
        "inspection_recognitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=32), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("corridor", sa.String(length=100), nullable=False),
        sa.Column("upstream_office", sa.String(length=16), nullable=False),
        sa.Column("upstream_declarations", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_inspection_recognitions_declaration_id_declarations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_recognitions")),
    )
    with op.batch_alter_table("inspection_recognitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_recognitions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_recognitions_declaration_id"), ["declaration_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_recognitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_recognitions_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_recognitions_at"))
    op.drop_table("inspection_recognitions")
    with op.batch_alter_table("inspected_containers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspected_containers_inspected_at"))
        batch_op.drop_index(batch_op.f("ix_inspected_containers_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_inspected_containers_container"))
    op.drop_table("inspected_containers")
