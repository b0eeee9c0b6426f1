"""Indexes the dashboard's queries need on the contexts' tables (migration 0011 creates them).

They belong to the analytics (the read side), so they are declared here, on the contexts' tables, rather
than in each context's ORM module; ``silkport.migrations.models`` imports this module so that Alembic's
comparison sees them. Each is covering for its query: the database answers from the index alone.
"""

from __future__ import annotations

from sqlalchemy import Index

import silkport.analytics.facts  # noqa: F401  (its table is on the metadata too)
from silkport.bonded.adapters.orm import BondedUpliftRow
from silkport.clearance.adapters.orm import DeclarationRow
from silkport.logistics.adapters.modes_orm import VehicleExportRow
from silkport.logistics.adapters.orm import ConsignmentRow

#: foreign trade and its months: released declarations by time, type, office and value
DECLARATIONS_RELEASED = Index(
    "ix_analytics_declarations_release",
    DeclarationRow.release_at,
    DeclarationRow.type,
    DeclarationRow.office_code,
    DeclarationRow.customs_value_cny,
)
#: vehicle exports by exit date, port, month, make and destination
VEHICLE_EXITS = Index(
    "ix_analytics_vehicle_exports_exit",
    VehicleExportRow.exit_date,
    VehicleExportRow.exit_port,
    VehicleExportRow.exit_month,
    VehicleExportRow.make,
    VehicleExportRow.destination,
)
#: bonded fuel uplifts by time
UPLIFTS_AT = Index("ix_analytics_bonded_uplifts_at", BondedUpliftRow.at, BondedUpliftRow.quantity, BondedUpliftRow.duty)

#: delivery compliance: consignments by the instant their delivery clock finished (migration 0013)
CLOCKS_FINISHED = Index(
    "ix_analytics_consignments_clock",
    ConsignmentRow.clock_finished_at,
    ConsignmentRow.corridor,
    ConsignmentRow.clock_status,
    ConsignmentRow.clock_started_at,
)

ALL = (DECLARATIONS_RELEASED, VEHICLE_EXITS, UPLIFTS_AT, CLOCKS_FINISHED)
