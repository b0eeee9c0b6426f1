"""bonded: accounts, lots, movements and postings (warehouses, maintenance, fuel)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bonded_accounts",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_accounts")),
    )
    op.create_index(op.f("ix_bonded_accounts_owner_id"), "bonded_accounts", ["owner_id"], unique=False)
    op.create_table(
        "bonded_lots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("declaration_ref", sa.String(length=64), nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reexport_by", sa.Date(), nullable=True),
        sa.Column("loss_allowance_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint("status IN ('bonded', 'duty_paid', 'domestic')", name=op.f("ck_bonded_lots_status_known")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bonded_lots_quantity_positive")),
        sa.CheckConstraint("value >= 0", name=op.f("ck_bonded_lots_value_not_negative")),
        sa.ForeignKeyConstraint(["parent_id"], ["bonded_lots.id"], name=op.f("fk_bonded_lots_parent_id_bonded_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_lots")),
    )
    op.create_index(op.f("ix_bonded_lots_hs_code"), "bonded_lots", ["hs_code"], unique=False)
    op.create_index("ix_bonded_lots_owner_admitted", "bonded_lots", ["owner_id", "admitted_at"], unique=False)
    op.create_table(
        "bonded_movements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=140), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("declaration_ref", sa.String(length=64), nullable=True),
        sa.Column("approval_ref", sa.String(length=64), nullable=True),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("duty", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_movements")),
        sa.UniqueConstraint("key", name=op.f("uq_bonded_movements_key")),
    )
    op.create_index(op.f("ix_bonded_movements_at"), "bonded_movements", ["at"], unique=False)
    op.create_index(op.f("ix_bonded_movements_owner_id"), "bonded_movements", ["owner_id"], unique=False)
    op.create_table(
        "bonded_norms",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("input_per_output", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("allowed_loss_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "allowed_loss_pct >= 0 AND allowed_loss_pct <= 100", name=op.f("ck_bonded_norms_loss_pct_range")
        ),
        sa.CheckConstraint("input_per_output > 0", name=op.f("ck_bonded_norms_norm_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_norms")),
    )
    op.create_index(op.f("ix_bonded_norms_owner_id"), "bonded_norms", ["owner_id"], unique=False)
    op.create_table(
        "bonded_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("lot_id", sa.String(length=32), nullable=False),
        sa.Column("movement_id", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("duty", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["bonded_lots.id"], name=op.f("fk_bonded_alerts_lot_id_bonded_lots")),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["bonded_movements.id"], name=op.f("fk_bonded_alerts_movement_id_bonded_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_alerts")),
    )
    op.create_index(op.f("ix_bonded_alerts_owner_id"), "bonded_alerts", ["owner_id"], unique=False)
    op.create_index(op.f("ix_bonded_alerts_status"), "bonded_alerts", ["status"], unique=False)
    op.create_table(
        "bonded_balances",
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("lot_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity >= 0 OR allows_negative", name=op.f("ck_bonded_balances_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_balances_account_id_bonded_accounts")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["bonded_lots.id"], name=op.f("fk_bonded_balances_lot_id_bonded_lots")),
        sa.PrimaryKeyConstraint("account_id", "lot_id", name=op.f("pk_bonded_balances")),
    )
    op.create_index(op.f("ix_bonded_balances_lot_id"), "bonded_balances", ["lot_id"], unique=False)
    op.create_table(
        "bonded_counts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("stocktake_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("lot_id", sa.String(length=32), nullable=False),
        sa.Column("book", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("counted", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_by", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("movement_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint("counted >= 0", name=op.f("ck_bonded_counts_counted_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_counts_account_id_bonded_accounts")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["bonded_lots.id"], name=op.f("fk_bonded_counts_lot_id_bonded_lots")),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["bonded_movements.id"], name=op.f("fk_bonded_counts_movement_id_bonded_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_counts")),
    )
    op.create_index(op.f("ix_bonded_counts_owner_id"), "bonded_counts", ["owner_id"], unique=False)
    op.create_index(op.f("ix_bonded_counts_stocktake_id"), "bonded_counts", ["stocktake_id"], unique=False)
    op.create_table(
        "bonded_fuel_readings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("book", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("measured", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("tolerance_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("within", sa.Boolean(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_fuel_readings_account_id_bonded_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_fuel_readings")),
    )
    op.create_index("ix_bonded_fuel_readings_account_day", "bonded_fuel_readings", ["account_id", "day"], unique=True)
    op.create_index(op.f("ix_bonded_fuel_readings_owner_id"), "bonded_fuel_readings", ["owner_id"], unique=False)
    op.create_table(
        "bonded_losses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("lot_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("movement_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bonded_losses_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_losses_account_id_bonded_accounts")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["bonded_lots.id"], name=op.f("fk_bonded_losses_lot_id_bonded_lots")),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["bonded_movements.id"], name=op.f("fk_bonded_losses_movement_id_bonded_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_losses")),
    )
    op.create_index(op.f("ix_bonded_losses_owner_id"), "bonded_losses", ["owner_id"], unique=False)
    op.create_table(
        "bonded_postings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("movement_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("lot_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_bonded_postings_quantity_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_postings_account_id_bonded_accounts")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["bonded_lots.id"], name=op.f("fk_bonded_postings_lot_id_bonded_lots")),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["bonded_movements.id"], name=op.f("fk_bonded_postings_movement_id_bonded_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_postings")),
    )
    op.create_index("ix_bonded_postings_account_lot", "bonded_postings", ["account_id", "lot_id"], unique=False)
    op.create_index(op.f("ix_bonded_postings_lot_id"), "bonded_postings", ["lot_id"], unique=False)
    op.create_index(op.f("ix_bonded_postings_movement_id"), "bonded_postings", ["movement_id"], unique=False)
    op.create_table(
        "bonded_uplifts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.String(length=32), nullable=False),
        sa.Column("airline_id", sa.String(length=32), nullable=False),
        sa.Column("flight_number", sa.String(length=8), nullable=False),
        sa.Column("aircraft_registration", sa.String(length=16), nullable=False),
        sa.Column("next_airport", sa.String(length=5), nullable=False),
        sa.Column("international", sa.Boolean(), nullable=False),
        sa.Column("tank", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("declaration_ref", sa.String(length=64), nullable=True),
        sa.Column("duty", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bonded_uplifts_quantity_positive")),
        sa.ForeignKeyConstraint(["id"], ["bonded_movements.id"], name=op.f("fk_bonded_uplifts_id_bonded_movements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_uplifts")),
    )
    op.create_index("ix_bonded_uplifts_airline_month", "bonded_uplifts", ["airline_id", "month"], unique=False)
    op.create_index(op.f("ix_bonded_uplifts_supplier_id"), "bonded_uplifts", ["supplier_id"], unique=False)
    op.create_table(
        "bonded_work_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("aircraft_registration", sa.String(length=16), nullable=False),
        sa.Column("domestic", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=120), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["bonded_accounts.id"], name=op.f("fk_bonded_work_orders_account_id_bonded_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonded_work_orders")),
    )
    op.create_index(op.f("ix_bonded_work_orders_owner_id"), "bonded_work_orders", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_bonded_work_orders_owner_id"), table_name="bonded_work_orders")
    op.drop_table("bonded_work_orders")
    op.drop_index(op.f("ix_bonded_uplifts_supplier_id"), table_name="bonded_uplifts")
    op.drop_index("ix_bonded_uplifts_airline_month", table_name="bonded_uplifts")
    op.drop_table("bonded_uplifts")
    op.drop_index(op.f("ix_bonded_postings_movement_id"), table_name="bonded_postings")
    op.drop_index(op.f("ix_bonded_postings_lot_id"), table_name="bonded_postings")
    op.drop_index("ix_bonded_postings_account_lot", table_name="bonded_postings")
    op.drop_table("bonded_postings")
    op.drop_index(op.f("ix_bonded_losses_owner_id"), table_name="bonded_losses")
    op.drop_table("bonded_losses")
    op.drop_index(op.f("ix_bonded_fuel_readings_owner_id"), table_name="bonded_fuel_readings")
    op.drop_index("ix_bonded_fuel_readings_account_day", table_name="bonded_fuel_readings")
    op.drop_table("bonded_fuel_readings")
    op.drop_index(op.f("ix_bonded_counts_stocktake_id"), table_name="bonded_counts")
    op.drop_index(op.f("ix_bonded_counts_owner_id"), table_name="bonded_counts")
    op.drop_table("bonded_counts")
    op.drop_index(op.f("ix_bonded_balances_lot_id"), table_name="bonded_balances")
    op.drop_table("bonded_balances")
    op.drop_index(op.f("ix_bonded_alerts_status"), table_name="bonded_alerts")
    op.drop_index(op.f("ix_bonded_alerts_owner_id"), table_name="bonded_alerts")
    op.drop_table("bonded_alerts")
    op.drop_index(op.f("ix_bonded_norms_owner_id"), table_name="bonded_norms")
    op.drop_table("bonded_norms")
    op.drop_index(op.f("ix_bonded_movements_owner_id"), table_name="bonded_movements")
    op.drop_index(op.f("ix_bonded_movements_at"), table_name="bonded_movements")
    op.drop_table("bonded_movements")
    op.drop_index("ix_bonded_lots_owner_admitted", table_name="bonded_lots")
    op.drop_index(op.f("ix_bonded_lots_hs_code"), table_name="bonded_lots")
    op.drop_table("bonded_lots")
    op.drop_index(op.f("ix_bonded_accounts_owner_id"), table_name="bonded_accounts")
    op.drop_table("bonded_accounts")
