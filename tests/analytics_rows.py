"""Rows written straight into the store for the analytics tests: each builder fills a table's required
columns with plain values, so a test states only what its indicator reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from silkport.bonded.adapters.orm import (
    BondedAccountRow,
    BondedBalanceRow,
    BondedLotRow,
    BondedMovementRow,
    BondedUpliftRow,
)
from silkport.clearance.adapters.orm import DeclarationRow, DeclarationVersionRow, RulebookRow, StatusHistoryRow
from silkport.enterprises.adapters.orm import EnterpriseRow, EnterpriseSectorRow
from silkport.logistics.adapters.modes_orm import AwbLoadRow, FlightRow, VehicleExportRow
from silkport.logistics.adapters.orm import ConsignmentRow
from silkport.transit.adapters.orm import GuaranteeRow, OperationRow, TransportRow


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class Rows:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.n = 0

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:08d}"

    def enterprise(
        self, registered: date, area: str = "HORGOS", sectors: tuple[str, ...] = ("trade",), foreign: bool = False
    ) -> str:
        eid = self._id("ent")
        self.s.add(
            EnterpriseRow(
                id=eid,
                country="CN",
                name_en=f"Enterprise {eid}",
                area_code=area,
                registration_date=registered,
                foreign_invested=foreign,
                credit_grade="general",
                status="active",
                version=1,
            )
        )
        self.s.flush()
        for sector in sectors:
            self.s.add(EnterpriseSectorRow(enterprise_id=eid, sector=sector))
        return eid

    def rulebook(self, version: str, published: datetime) -> None:
        self.s.add(
            RulebookRow(
                version=version, content={}, fingerprint=version, published_at=published, published_by="t", active=False
            )
        )

    def declaration(
        self,
        *,
        kind: str = "import",
        office: str = "HRS-ROAD",
        value: str | None = "1000.00",
        lodged: datetime,
        released: datetime | None = None,
        arrived: datetime | None = None,
        lane: str | None = "green",
        rulebook: str | None = None,
        partner: str = "KZ",
        stages: dict[str, datetime] | None = None,
    ) -> str:
        did = self._id("dec")
        extra: dict[str, Any] = {f"{k}_at": v for k, v in (stages or {}).items()}
        self.s.add(
            DeclarationRow(
                id=did,
                declarant_id="ent-x",
                type=kind,
                office_code=office,
                transport_mode="road",
                status="released" if released else "lodged",
                lane=lane,
                rulebook_version=rulebook,
                settlement="paid",
                version=1,
                pre_arrival=False,
                audit_flags=[],
                customs_value_cny=Decimal(value) if value is not None else None,
                created_at=lodged,
                lodgement_at=lodged,
                arrival_at=arrived,
                release_at=released,
                **extra,
            )
        )
        self.s.flush()
        content = {"dispatch_country": partner if kind == "import" else "CN"}
        content["destination_country"] = "CN" if kind == "import" else partner
        self.s.add(DeclarationVersionRow(declaration_id=did, version=1, content=content, at=lodged, actor="t"))
        # the status changes the clearance services record (what the analytics' read models follow)
        self.status_change(did, "draft", "lodged", lodged)
        if released is not None:
            self.status_change(did, "cleared", "released", released)
        if stages and "exit" in stages:
            self.status_change(did, "released", "exited", stages["exit"])
        return did

    def status_change(self, declaration_id: str, before: str, after: str, at: datetime) -> None:
        self.s.add(
            StatusHistoryRow(
                declaration_id=declaration_id, at=at, actor="t", from_status=before, to_status=after, reason=None
            )
        )

    def flight(self, day: date, awb_kg: list[str], origin: str = "URC", destination: str = "ALA") -> str:
        fid = self._id("fl")
        self.s.add(
            FlightRow(
                id=fid,
                enterprise_id="ent-air",
                flight_number=f"KC{self.n % 10000}",
                flight_date=day,
                origin=origin,
                destination=destination,
                created_at=utc(2025, 1, 1),
            )
        )
        self.s.flush()
        for i, kg in enumerate(awb_kg):
            self.s.add(
                AwbLoadRow(
                    flight_id=fid,
                    awb=f"{self.n:08d}{i:03d}",
                    pieces=1,
                    gross_weight_kg=Decimal(kg),
                    chargeable_weight_kg=Decimal(kg),
                )
            )
        return fid

    def vehicle(self, day: date, make: str = "FAW", destination: str = "KZ", port: str = "CNHRS") -> str:
        vid = self._id("veh")
        self.s.add(
            VehicleExportRow(
                id=vid,
                enterprise_id="ent-veh",
                vin=f"LFV{self.n:014d}",
                make=make,
                model="J6",
                category="N3",
                destination=destination,
                exit_port=port,
                exit_date=day,
                exit_month=day.strftime("%Y-%m"),
                created_at=utc(2025, 1, 1),
            )
        )
        return vid

    def tir(self, created: datetime, hours: float | None, countries: tuple[str, ...] = ("CN", "KG")) -> str:
        ref = f"XK{self.n + 1:08d}"
        tid = self._id("tir")
        self.s.add(
            GuaranteeRow(
                reference=ref,
                chain="IRU",
                holder_id="CHN/001/01",
                holder_enterprise_id="ent-tir",
                amount=Decimal(100000),
                currency="EUR",
                valid_until=created + timedelta(days=60),
                registered_at=created,
                updated_at=created,
                state="in_use",
                transport_id=tid,
            )
        )
        self.s.flush()
        self.s.add(
            TransportRow(
                id=tid,
                guarantee_reference=ref,
                holder_id="CHN/001/01",
                holder_enterprise_id="ent-tir",
                vehicle="新A12345",
                goods_description="goods",
                gross_mass_kg=Decimal(1000),
                state="terminated",
                current_seals=[],
                created_at=created,
                w2w_seconds=None if hours is None else round(hours * 3600),
            )
        )
        self.s.flush()
        for i, country in enumerate(countries, start=1):
            self.s.add(
                OperationRow(
                    transport_id=tid,
                    sequence=i,
                    country=country,
                    office_of_start="A",
                    office_of_end="B",
                    state="discharged",
                    seals_at_start=[],
                    seals_at_termination=[],
                )
            )
        return tid

    def consignment(self, corridor: str, status: str, started: datetime, finished: datetime) -> str:
        cid = self._id("con")
        self.s.add(
            ConsignmentRow(
                id=cid,
                enterprise_id="ent-log",
                document_kind="cmr",
                document_number=cid,
                mode="road",
                corridor=corridor,
                shipper={},
                consignee={},
                goods_description="goods",
                packages=1,
                gross_mass_kg=Decimal(10),
                declaration_ids=[],
                equipment=[],
                status="delivered",
                milestones=[],
                created_at=started,
                updated_at=finished,
                clock_status=status,
                clock_started_at=started,
                clock_finished_at=finished,
            )
        )
        return cid

    def bonded_lot(self, qty: str, value: str, held: str, currency: str = "USD") -> str:
        lot = self._id("lot")
        account = f"stock:{lot}"
        self.s.add(
            BondedAccountRow(id=account, kind="stock", owner_id="ent-b", site="URC", label="s", allows_negative=False)
        )
        self.s.add(
            BondedLotRow(
                id=lot,
                owner_id="ent-b",
                status="bonded",
                category="parts",
                hs_code="880730",
                description="parts",
                origin="FR",
                unit="H87",
                quantity=Decimal(qty),
                value=Decimal(value),
                currency=currency,
                declaration_ref="D1",
                admitted_at=utc(2025, 1, 1),
                loss_allowance_pct=Decimal(0),
            )
        )
        self.s.flush()
        self.s.add(BondedBalanceRow(account_id=account, lot_id=lot, quantity=Decimal(held), allows_negative=False))
        return lot

    def uplift(self, at: datetime, litres: str, duty: str) -> str:
        mid = self._id("mov")
        self.s.add(BondedMovementRow(id=mid, kind="fuel_uplift", owner_id="ent-b", at=at, actor_id="u"))
        self.s.flush()
        self.s.add(
            BondedUpliftRow(
                id=mid,
                supplier_id="ent-b",
                airline_id="ent-air",
                flight_number="KC101",
                aircraft_registration="UP-A1",
                next_airport="KZALA",
                international=True,
                tank="T1",
                quantity=Decimal(litres),
                at=at,
                month=at.strftime("%Y-%m"),
                duty=Decimal(duty),
            )
        )
        return mid
