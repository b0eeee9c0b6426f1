"""freight modes: train runs, vehicle exports, flights, postal items and dispatches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "freight_train_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("train_number", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=5), nullable=False),
        sa.Column("destination", sa.String(length=5), nullable=False),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wagons", sa.JSON(), nullable=False),
        sa.Column("placements", sa.JSON(), nullable=False),
        sa.Column("transshipments", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_train_runs")),
    )
    op.create_index(op.f("ix_freight_train_runs_enterprise_id"), "freight_train_runs", ["enterprise_id"])
    op.create_index(op.f("ix_freight_train_runs_train_number"), "freight_train_runs", ["train_number"])
    op.create_index(op.f("ix_freight_train_runs_departure"), "freight_train_runs", ["departure"])

    op.create_table(
        "freight_vehicle_exports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("make", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("destination", sa.String(length=2), nullable=False),
        sa.Column("exit_port", sa.String(length=5), nullable=False),
        sa.Column("exit_date", sa.Date(), nullable=False),
        sa.Column("exit_month", sa.String(length=7), nullable=False),
        sa.Column("declaration_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_vehicle_exports")),
        sa.UniqueConstraint("vin", name=op.f("uq_freight_vehicle_exports_vin")),
    )
    op.create_index(op.f("ix_freight_vehicle_exports_enterprise_id"), "freight_vehicle_exports", ["enterprise_id"])
    op.create_index(op.f("ix_freight_vehicle_exports_make"), "freight_vehicle_exports", ["make"])
    op.create_index(op.f("ix_freight_vehicle_exports_destination"), "freight_vehicle_exports", ["destination"])
    op.create_index(op.f("ix_freight_vehicle_exports_exit_month"), "freight_vehicle_exports", ["exit_month"])

    op.create_table(
        "freight_flights",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("flight_number", sa.String(length=8), nullable=False),
        sa.Column("flight_date", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(length=3), nullable=False),
        sa.Column("destination", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_flights")),
        sa.UniqueConstraint("flight_number", "flight_date", name=op.f("uq_freight_flights_flight_number")),
    )
    op.create_index(op.f("ix_freight_flights_enterprise_id"), "freight_flights", ["enterprise_id"])
    op.create_index(op.f("ix_freight_flights_flight_date"), "freight_flights", ["flight_date"])

    op.create_table(
        "freight_awb_loads",
        sa.Column("flight_id", sa.String(length=32), nullable=False),
        sa.Column("awb", sa.String(length=11), nullable=False),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("gross_weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("chargeable_weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["flight_id"], ["freight_flights.id"], name=op.f("fk_freight_awb_loads_flight_id_freight_flights")
        ),
        sa.PrimaryKeyConstraint("flight_id", "awb", name=op.f("pk_freight_awb_loads")),
    )

    op.create_table(
        "freight_mail_dispatches",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_mail_dispatches")),
    )
    op.create_index(op.f("ix_freight_mail_dispatches_enterprise_id"), "freight_mail_dispatches", ["enterprise_id"])
    op.create_index(op.f("ix_freight_mail_dispatches_state"), "freight_mail_dispatches", ["state"])

    op.create_table(
        "freight_mail_receptacles",
        sa.Column("id", sa.String(length=29), nullable=False),
        sa.Column("dispatch_id", sa.String(length=20), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=8, scale=1), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["freight_mail_dispatches.id"],
            name=op.f("fk_freight_mail_receptacles_dispatch_id_freight_mail_dispatches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freight_mail_receptacles")),
    )
    op.create_index(op.f("ix_freight_mail_receptacles_dispatch_id"), "freight_mail_receptacles", ["dispatch_id"])

    op.create_table(
        "freight_postal_items",
        sa.Column("dispatch_id", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=13), nullable=False),
        sa.Column("receptacle_id", sa.String(length=29), nullable=False),
        sa.Column("sender_country", sa.String(length=2), nullable=False),
        sa.Column("addressee_country", sa.String(length=2), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("form", sa.String(length=4), nullable=False),
        sa.Column("gross_weight_kg", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("officer", sa.String(length=64), nullable=True),
        sa.Column("rules_version", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["freight_mail_dispatches.id"],
            name=op.f("fk_freight_postal_items_dispatch_id_freight_mail_dispatches"),
        ),
        sa.ForeignKeyConstraint(
            ["receptacle_id"],
            ["freight_mail_receptacles.id"],
            name=op.f("fk_freight_postal_items_receptacle_id_freight_mail_receptacles"),
        ),
        sa.PrimaryKeyConstraint("dispatch_id", "item_id", name=op.f("pk_freight_postal_items")),
    )
    op.create_index(op.f("ix_freight_postal_items_receptacle_id"), "freight_postal_items", ["receptacle_id"])
    op.create_index(op.f("ix_freight_postal_items_outcome"), "freight_postal_items", ["outcome"])


def downgrade() -> None:
    op.drop_table("freight_postal_items")
    op.drop_table("freight_mail_receptacles")
    op.drop_table("freight_mail_dispatches")
    op.drop_table("freight_awb_loads")
    op.drop_table("freight_flights")
    op.drop_table("freight_vehicle_exports")
    op.drop_table("freight_train_runs")
