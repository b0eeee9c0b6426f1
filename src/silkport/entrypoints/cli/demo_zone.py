"""The calibrated demo zone: two years of the zone (Nov 2023 - Sep 2025) built through the real services.

Every object is made by the service handler a user or a partner would reach through the API, with the
platform's units of work; nothing is inserted by SQL. Time is a settable clock: each step sets it to the
moment the step happens, so declarations are lodged, checked and released at the instants the simulation
draws. Volumes are calibrated to the article (``/work/shared/seed/xinjiang-ftz-article.txt``):

- 18,000+ new enterprises across Urumqi, Horgos and Kashgar and their sectors;
- ~780,000 commercial vehicle exports through Horgos (one export declaration per consignment of vehicles);
- Urumqi airport international cargo of 68,100 t in Jan-Aug 2025, ~+370 % on Jan-Aug 2024 (flights, AWBs);
- Kashgar - Kyrgyzstan bilateral trade of RMB 3.66 bn in Jan-Sep 2025 (declarations' customs values);
- TIR transports Kashgar - Kyrgyzstan delivered mostly within 48-72 h (eTIR messages, partner results);
- Horgos clearance ~3 h under the manual rulebook, ~1 h once the smart-port rulebook is published;
- bonded jet fuel receipts and uplifts for foreign carriers, bonded maintenance work orders.

A scale multiplies the count of each kind of object (``Scale.factors``); values per object stay realistic,
so the totals of a scaled run are the article's figures times the factor. The factors, the seed, the
switch date and the figures generated are recorded as the demo's metadata: an audit entry
``demo.finished`` (object ``demo``, id ``<scale>:<seed>``) whose ``after`` is :class:`DemoSummary` as JSON.
Running again with the same seed and scale finds it and does nothing; a different demo in the same
database is refused.

- legal desk cases since August 2024: litigation support cases, cross-border mediations that settle.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from typing import Any, cast

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from silkport.analytics import readmodel
from silkport.bonded.domain.model import Category, MovementKind
from silkport.bonded.services import handlers as bonded
from silkport.bootstrap import Platform
from silkport.clearance.adapters.rulebook_file import SHIPPED, load_shipped, parse_yaml
from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    Document,
    DocumentKind,
    Finding,
    GoodsItem,
    Incoterm,
    Lane,
    Party,
    Settlement,
    Stage,
    Status,
    TransportMode,
)
from silkport.clearance.domain.rules import Rulebook
from silkport.clearance.services import handlers as clearance
from silkport.disputes.domain.model import CaseType, NeutralRole, Outcome, OutcomeKind, PartyRole
from silkport.disputes.domain.model import Status as CaseStatus
from silkport.disputes.services import handlers as disputes
from silkport.disputes.services.ports import DisputesUnitOfWork
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import CreditGrade, EnterpriseDetails, Sector
from silkport.enterprises.services import handlers as enterprises
from silkport.infra.audit import AuditEntryRow
from silkport.logistics.domain.consignment import GoodsSummary
from silkport.logistics.domain.consignment import Party as LogisticsParty
from silkport.logistics.domain.epcis import Action, ObjectEvent
from silkport.logistics.domain.identifiers import awb_check_digit, vin_check_digit
from silkport.logistics.services import handlers as logistics
from silkport.logistics.services import modes
from silkport.logistics.services.handlers import BookConsignment, LegSpec
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.shared.clock import ZONE_TZ, FixedClock
from silkport.shared.errors import Conflict
from silkport.transit.domain.model import Leg, MessagePair
from silkport.transit.services import handlers as transit

START = datetime(2023, 11, 1, tzinfo=UTC)
END = datetime(2025, 10, 1, tzinfo=UTC)  # exclusive: the article's window ends with September 2025
#: the day the smart-port rulebook is published at Horgos (before it: the manual rulebook)
SWITCH = datetime(2024, 7, 1, tzinfo=UTC)
DEMO_OBJECT = "demo"

ProgressFactory = Callable[[str, int], Callable[[int], None]]


# -- scales ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How many of each kind of object, as a fraction of the article's real volume."""

    name: str
    factors: dict[str, float]

    def factor(self, kind: str) -> float:
        return self.factors[kind]


#: at full scale: enterprises 18,400; vehicles 780,000 in ~26,000 declarations of ~30 vehicles;
#: KG trade ~24,000 declarations; ~2,600 cargo flights with ~45,000 AWBs; ~6,000 TIR transports
FULL_VOLUMES: dict[str, int] = {
    "enterprises": 18_400,
    "vehicles": 780_000,
    "vehicle_declarations": 26_000,
    "horgos_general_declarations": 12_000,
    "kg_declarations": 24_000,
    "flights": 2_600,
    "tir_transports": 6_000,
    "fuel_uplifts": 9_000,
    "work_orders": 600,
    "litigation_cases": 110,
    "mediations": 240,  # ~90 % settle: with the judgments, ~270 cross-border disputes resolved
}

SCALES: dict[str, Scale] = {
    "full": Scale("full", dict.fromkeys(FULL_VOLUMES, 1.0)),
    "quick": Scale(
        "quick",
        {
            "enterprises": 0.02,
            "vehicles": 0.01,
            "vehicle_declarations": 0.01,
            "horgos_general_declarations": 0.01,
            "kg_declarations": 0.01,
            "flights": 0.05,
            "tir_transports": 0.01,
            "fuel_uplifts": 0.01,
            "work_orders": 0.05,
            "litigation_cases": 0.2,
            "mediations": 0.2,
        },
    ),
    "test": Scale(
        "test",
        {
            "enterprises": 0.001,
            "vehicles": 0.0002,
            "vehicle_declarations": 0.001,
            "horgos_general_declarations": 0.001,
            "kg_declarations": 0.001,
            "flights": 0.005,
            "tir_transports": 0.002,
            "fuel_uplifts": 0.002,
            "work_orders": 0.02,
            "litigation_cases": 0.03,
            "mediations": 0.03,
        },
    ),
}


# -- metadata -------------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """What a demo run made: recorded with the demo so the report can say what was scaled."""

    scale: str
    seed: int
    factors: dict[str, float]
    period: tuple[str, str]
    smart_port_switch: str
    counts: dict[str, int] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)
    #: the enterprises the demo sign-ins act for (trader, logistics, warehouse, airline)
    anchors: dict[str, str] = field(default_factory=dict)
    #: by what factor each of the article's figures (``silkport report`` claim keys) is scaled in this demo:
    #: divide the computed figure by it to compare with the article (ratios and durations are not scaled)
    claim_factors: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return out


class DemoExists(Exception):
    """A demo is already in this database."""

    def __init__(self, message: str, summary: DemoSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


def _summary_of(after: str | None) -> DemoSummary | None:
    if not after:
        return None
    raw = json.loads(after)
    raw["period"] = tuple(raw["period"])
    return DemoSummary(**raw)


def existing_demo(platform: Platform) -> tuple[str, str, DemoSummary | None] | None:
    """The last demo recorded in this database: (action, ``scale:seed``, summary when finished), if any."""
    with platform.session_factory() as session:
        row = session.execute(
            select(AuditEntryRow.action, AuditEntryRow.object_id, AuditEntryRow.after)
            .where(AuditEntryRow.object_type == DEMO_OBJECT)
            .order_by(AuditEntryRow.seq.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return row[0], row[1], _summary_of(row[2]) if row[0] == "demo.finished" else None


def _record(platform: Platform, action: str, object_id: str, after: dict[str, Any]) -> None:
    """The demo's own marker in the audit chain (who ran it, when, with which scale and seed)."""
    uow = platform.enterprises_uow()
    with uow:
        uow.audit.record(
            actor=SYSTEM, action=action, object_type=DEMO_OBJECT, object_id=object_id, before=None, after=after
        )
        uow.commit()


# -- helpers --------------------------------------------------------------------------------------------

D = Decimal
CENT = D("0.01")


def _money(value: float) -> Decimal:
    """A simulated draw as money: the float's shortest repr, rounded once to the fen."""
    return D(repr(value)).quantize(CENT, ROUND_HALF_UP)


def _fen_shares(total: float, weights: list[float]) -> list[Decimal]:
    """``total`` yuan split in proportion to ``weights`` in whole fen that add up exactly to the rounded total."""
    return [D(part) / 100 for part in _spread(int(_money(total) * 100), weights)]


def _months() -> list[datetime]:
    out, m = [], START
    while m < END:
        out.append(m)
        m = datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=UTC)
    return out


def _month_end(m: datetime) -> datetime:
    return datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=UTC)


def _spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders; the parts sum to ``total``)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [math.floor(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _instant(rng: random.Random, m: datetime, work_hours: bool = True) -> datetime:
    """A random instant in month ``m`` (in working hours, Urumqi time UTC+6, when asked)."""
    days = (_month_end(m) - m).days
    day = m + timedelta(days=rng.randrange(days))
    hour = rng.uniform(3, 13) if work_hours else rng.uniform(0, 24)  # 09:00-19:00 Urumqi time
    return day + timedelta(hours=hour)


class Ids:
    """Identifiers derived from the seed (where a service accepts them)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids-{seed}")

    def hex(self) -> str:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4).hex


def _uscc(division: str, seed: int, serial: int) -> str:
    body = f"91{division}{seed % 90 + 10:02d}{serial:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


# -- the generator --------------------------------------------------------------------------------------

AREAS: list[tuple[str, str, float, list[tuple[Sector, float]]]] = [
    # area, administrative division of the USCC, share of new enterprises, sectors and their weights
    (
        "URUMQI",
        "650100",
        0.46,
        [
            (Sector.LOGISTICS, 3),
            (Sector.AVIATION, 1),
            (Sector.BIOMEDICINE, 1.5),
            (Sector.DIGITAL, 2),
            (Sector.TRADE, 4),
            (Sector.FINANCE, 1),
            (Sector.SERVICES, 3),
            (Sector.MANUFACTURING, 2),
        ],
    ),
    (
        "HORGOS",
        "654004",
        0.32,
        [
            (Sector.TRADE, 5),
            (Sector.VEHICLES, 2),
            (Sector.LOGISTICS, 3),
            (Sector.SERVICES, 2),
            (Sector.ENERGY, 1),
            (Sector.TEXTILES, 1),
        ],
    ),
    (
        "KASHGAR",
        "653101",
        0.22,
        [
            (Sector.TRADE, 5),
            (Sector.AGRICULTURE, 2),
            (Sector.TEXTILES, 2),
            (Sector.LOGISTICS, 2),
            (Sector.MANUFACTURING, 1),
            (Sector.SERVICES, 1),
        ],
    ),
]
LEGAL_ZONE_OPENED = datetime(2024, 8, 1, tzinfo=UTC)
LEGAL_COUNTERPARTS = [
    ("KZ", "Asia/Almaty", "Almaty Trade LLP"),
    ("KG", "Asia/Bishkek", "Bishkek Import LLC"),
    ("UZ", "Asia/Tashkent", "Tashkent Savdo LLC"),
    ("RU", "Europe/Moscow", "Novosibirsk Logistika OOO"),
    ("TJ", "Asia/Dushanbe", "Dushanbe Commerce LLC"),
]
LEGAL_SUBJECTS = [
    "Unpaid invoice for a consignment of commercial vehicles",
    "Short delivery of cotton fabrics under a CIF contract",
    "Damaged tyres on arrival in Bishkek",
    "Late TIR delivery and the carrier's liability (CMR)",
    "Quality of dried apricots against the contract sample",
]
#: the desk's panel of mediators (demo names)
MEDIATORS = [
    f"{given} {family}"
    for family in ("Wang", "Zhang", "Liu", "Osmonov", "Karimova", "Nurlanovna", "Chen", "Ismailov")
    for given in ("Fang", "Min", "Yang", "Bakyt", "Dilnoza", "Aigul", "Lei", "Timur")
]
AREA_ZH = {"URUMQI": "乌鲁木齐", "HORGOS": "霍尔果斯", "KASHGAR": "喀什"}
INVESTORS = ["KZ", "UZ", "KG", "RU", "HK", "TJ", "TR", "AE", "SG", "PK", "DE"]

#: commercial vehicle makes: WMI, make, model, UNECE category, HS 2022 subheading, unit value CNY
VEHICLES: list[tuple[str, str, str, str, str, int]] = [
    ("LZZ", "SINOTRUK", "HOWO TX 6x4 tractor", "N3", "870121", 310_000),
    ("LFW", "FAW", "Jiefang J6P dump truck", "N3", "870423", 350_000),
    ("LGA", "DONGFENG", "KX 4x2 truck", "N2", "870422", 190_000),
    ("LRD", "FOTON", "Aumark light truck", "N1", "870421", 95_000),
    ("LZY", "YUTONG", "ZK6122 coach", "M3", "870210", 720_000),
    ("LKL", "KING LONG", "XMQ6127 bus", "M3", "870210", 650_000),
    ("LJ1", "JAC", "N-series light truck", "N1", "870421", 88_000),
    ("LS5", "CIMC", "three-axle trailer", "O4", "871639", 85_000),
]
VEHICLE_DESTINATIONS = [("KZ", 0.46), ("UZ", 0.2), ("KG", 0.1), ("RU", 0.14), ("TJ", 0.05), ("TM", 0.05)]
#: rail exports through Horgos: HS, description, unit, CNY per unit, net kg per unit
RAIL_EXPORTS: list[tuple[str, str, str, float, float]] = [
    ("847130", "Portable computers", "H87", 3000, 2.2),
    ("401110", "Tyres for passenger cars", "H87", 400, 9.5),
    ("610910", "T-shirts of cotton", "H87", 30, 0.2),
    ("640299", "Footwear, rubber soles", "PR", 60, 0.8),
]
KG_EXPORTS: list[tuple[str, str, str, float]] = [
    ("610910", "T-shirts of cotton", "H87", 30),
    ("401110", "Tyres for passenger cars", "H87", 180),
    ("847130", "Portable computers", "H87", 300),
    ("520812", "Cotton fabrics, unbleached", "MTK", 12),
]
KG_IMPORTS: list[tuple[str, str, str, float]] = [
    ("081310", "Dried apricots", "KGM", 21.0),
    ("080620", "Raisins", "KGM", 14.0),
    ("520100", "Raw cotton", "KGM", 16.0),
]
AIR_ROUTES = [
    ("CZ", "784", "ALA"),
    ("CZ", "784", "TAS"),
    ("KC", "465", "ALA"),
    ("HY", "250", "TAS"),
    ("CZ", "784", "FRU"),
    ("O3", "880", "NQZ"),
    ("CZ", "784", "IST"),
    ("CZ", "784", "FRA"),
]
FOREIGN_CARRIERS = [("KC", "P4-KC", "KZALA"), ("HY", "UK-", "UZTAS"), ("QH", "EX-", "KGFRU"), ("KC", "UP-A", "KZNQZ")]


def _air_tonnes(m: datetime) -> float:
    """Monthly international cargo at Urumqi: Jan-Aug 2024 14,490 t (68,100 / 4.7), Jan-Aug 2025 68,100 t."""
    if m.year == 2023:
        return 1_500.0
    if m.year == 2024:
        return 14_490.0 / 8 * (0.8 + 0.4 * (m.month - 1) / 7) if m.month <= 8 else 4_500.0 + 700 * (m.month - 9)
    if m.month <= 8:
        return 68_100.0 / 8 * (0.85 + 0.3 * (m.month - 1) / 7)
    return 9_000.0


def _kg_trade_cny(m: datetime) -> float:
    """Monthly Kashgar-Kyrgyzstan trade: RMB 3.66 bn in Jan-Sep 2025; lower a year before."""
    if m.year == 2025:
        return 3.66e9 / 9 * (0.85 + 0.3 * (m.month - 1) / 8)
    if m.year == 2024:
        return 2.7e9 / 12
    return 1.8e8


def horgos_smart_port() -> Rulebook:
    """The shipped smart-port rulebook as Horgos publishes it: plus a document check of the export licence of
    commercial vehicles (MOFCOM automobile export licensing), the one check the smart port keeps for them."""
    text = files("silkport.clearance").joinpath("data", SHIPPED["smart-port"]).read_text(encoding="utf-8")
    data = parse_yaml(text)
    data["version"] = f"{data['version']}-horgos"
    data["description"] = f"{data['description']} Horgos: commercial vehicle export licences are document-checked."
    data["rules"].append(
        {
            "id": "vehicle-export-licence",
            "kind": "hs_watch",
            "params": {"prefixes": ["8701", "8702", "8704", "8716"]},
            "weight": 30,
            "force_lane": "yellow",
            "reason": "item {item}: commercial vehicle (HS {hs}): check the automobile export licence",
            "trader_reason": "Item {item} needs an export licence: customs checks the documents.",
        }
    )
    return Rulebook.from_mapping(data)


def _zone_trade_cny(m: datetime) -> float:
    """The zone's monthly foreign trade: 40 % of Xinjiang's Jan-Sep 2025 total (RMB 400.6 bn, the analytics'
    configured reference, itself an estimate) in 2025; 32 % of Jan-Sep 2024's RMB 322.39 bn before."""
    if m.year == 2025:
        return 0.40 * 400.6e9 / 9
    return 0.32 * 322.39e9 / 9


class DemoBuilder:
    """Builds the demo zone; one method per step, each reporting progress."""

    def __init__(self, platform: Platform, clock: FixedClock, scale: Scale, seed: int, progress: ProgressFactory):
        self.p = platform
        self.clock = clock
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.ids = Ids(seed)
        self.progress = progress
        self.summary = DemoSummary(
            scale.name,
            seed,
            dict(scale.factors),
            (START.date().isoformat(), (END - timedelta(days=1)).date().isoformat()),
            SWITCH.isoformat(),
            todo=["legal desk: consultations, arbitrations, hearings, fees, documents and enforcement not generated"],
        )
        f = scale.factors
        self.summary.claim_factors = {
            "new_enterprises": f["enterprises"],
            "foreign_trade_share": f["horgos_general_declarations"],
            "air_cargo_tonnes": f["flights"],
            "air_cargo_yoy": 1.0,
            "vehicle_exports": f["vehicles"],
            "kashgar_kyrgyzstan_trade": f["kg_declarations"],
            "horgos_clearance_before": 1.0,
            "horgos_clearance_after": 1.0,
            "kashgar_kyrgyzstan_w2w": 1.0,
            "litigation_cases": f["litigation_cases"],
            "disputes_resolved": f["mediations"],
        }
        self.counts: Counter[str] = Counter()
        self.enterprises_by: dict[tuple[str, Sector], list[str]] = {}
        self.clearance_config = platform.clearance_config()
        self.officers = {
            office: Actor(
                f"demo-officer-{office.lower()}", f"officer {office}", Role.CUSTOMS_OFFICER, office_code=office
            )
            for office in ("HRS-ROAD", "HRS-RAIL", "KSS-TIR", "URC-AIR")
        }
        self.supervisor = Actor("demo-supervisor", "supervisor", Role.CUSTOMS_SUPERVISOR)
        self.clearance_hours: dict[str, list[float]] = {"before": [], "after": []}
        self.lanes: Counter[str] = Counter()

    def n(self, kind: str) -> int:
        return max(1, round(FULL_VOLUMES[kind] * self.scale.factor(kind)))

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def timed(self, name: str, step: Callable[[], None]) -> None:
        t0 = time.perf_counter()
        step()
        self.summary.seconds[name] = round(time.perf_counter() - t0, 2)

    # -- enterprises ---------------------------------------------------------------------------------
    def build_enterprises(self) -> None:
        total = self.n("enterprises")
        months = _months()
        per_month = _spread(total, [1.0 + 0.6 * i / len(months) for i in range(len(months))])
        # the anchor traders of each area (registered first, in November 2023) file the declarations
        tick = self.progress("enterprises", total)
        serial = 0
        uow = self.p.enterprises_uow()
        for m, count in zip(months, per_month, strict=True):
            for _ in range(count):
                serial += 1
                area, division, _share, sectors = self.rng.choices(AREAS, weights=[a[2] for a in AREAS])[0]
                if serial <= 3 * 4:  # anchors: a trader, a vehicle exporter, a logistics firm, an aviation firm
                    area, division, _s, _w = AREAS[(serial - 1) % 3]
                    main = [Sector.TRADE, Sector.VEHICLES, Sector.LOGISTICS, Sector.AVIATION][(serial - 1) // 3]
                else:
                    main = self.rng.choices([s for s, _ in sectors], weights=[w for _, w in sectors])[0]
                chosen = {main}
                if self.rng.random() < 0.25:
                    chosen.add(self.rng.choice([s for s, _ in sectors]))
                foreign = self.rng.random() < 0.18
                when = m if serial <= 12 else _instant(self.rng, m)
                self.at(when)
                details = EnterpriseDetails(
                    name_en=f"{area.title()} {main.value.title()} Enterprise {serial:05d} Co., Ltd.",
                    name_zh=f"{AREA_ZH[area]}示范企业{serial:05d}有限公司",
                    country="CN",
                    area_code=area,
                    sectors=frozenset(chosen),
                    registration_date=when.date(),
                    uscc=_uscc(division, self.seed, serial),
                    foreign_invested=foreign,
                    investor_countries=frozenset({self.rng.choice(INVESTORS)}) if foreign else frozenset(),
                    registered_capital=_money(self.rng.choice([1, 2, 5, 10, 50, 100]) * 1_000_000.0),
                    capital_currency="CNY",
                    credit_grade=CreditGrade.ADVANCED_CERTIFIED if serial <= 12 else CreditGrade.GENERAL,
                )
                e = enterprises.register_enterprise(
                    uow, SYSTEM, RegisterEnterprise(details=details), id_factory=self.ids.hex
                )
                for s in chosen:
                    self.enterprises_by.setdefault((area, s), []).append(e.id)
                self.counts["enterprises"] += 1
                self.counts[f"enterprises.{area.lower()}"] += 1
                self.counts["enterprises.foreign_invested"] += foreign
                tick(1)

    def anchor(self, area: str, sector: Sector) -> str:
        return self.enterprises_by[(area, sector)][0]

    # -- clearance -----------------------------------------------------------------------------------
    def _content(
        self,
        kind: DeclarationType,
        declarant: str,
        office: str,
        mode: TransportMode,
        transport_id: str,
        partner: str,
        items: tuple[GoodsItem, ...],
        locodes: tuple[str, str],
        lrn: str,
    ) -> DeclarationContent:
        export = kind is not DeclarationType.IMPORT and kind is not DeclarationType.BONDED_ENTRY
        cn = Party(f"Demo enterprise {declarant[:8]}", "CN")
        foreign = Party(f"Demo partner {partner}-{lrn[-4:]}", partner)
        consignor, consignee = (cn, foreign) if export else (foreign, cn)
        return DeclarationContent(
            type=kind,
            declarant_id=declarant,
            consignor=consignor,
            consignee=consignee,
            office_code=office,
            transport_mode=mode,
            transport_id=transport_id,
            dispatch_country=consignor.country,
            origin_country=items[0].origin_country,
            destination_country=consignee.country,
            loading_locode=locodes[0],
            unloading_locode=locodes[1],
            incoterm=Incoterm.DAP if export else Incoterm.CIF,
            invoice_currency="CNY",
            invoice_amount=sum((i.value for i in items), D(0)),
            freight=D(0),
            insurance=D(0),
            exchange_rate=D(1),
            exchange_rate_date=self.clock.now().date(),
            items=items,
            documents=(Document(DocumentKind.INVOICE, f"INV-{lrn}"),),
            lrn=lrn,
        )

    def _delay(self, lane: Lane, smart: bool) -> timedelta:
        """How long an officer takes: document checks and inspections, before and after the smart port."""
        if lane is Lane.YELLOW:
            hours = self.rng.lognormvariate(math.log(1.25 if smart else 2.85), 0.5)
        else:
            hours = self.rng.lognormvariate(math.log(1.6 if smart else 3.6), 0.45)
        return timedelta(hours=hours)

    def declare(self, when: datetime, content: DeclarationContent, horgos: bool) -> str | None:
        """File a declaration when the truck is at the control point (the goods have arrived), then play its
        steps in time order: the duty payment, the officer's document check or inspection; it is released
        when cleared and settled. Its id."""
        self.at(when)
        trader = Actor(
            f"demo-trader-{content.declarant_id[:8]}", "trader", Role.TRADER, enterprise_id=content.declarant_id
        )
        smart = when >= SWITCH
        out = clearance.file_declaration(
            self.p.clearance_uow(),
            trader,
            self.clearance_config,
            content,
            pre_arrival=False,
            declaration_id=self.ids.hex(),
        )
        d = out.declaration
        self.counts["declarations"] += 1
        self.lanes[f"{'smart' if smart else 'manual'}.{d.lane.value if d.lane else 'none'}"] += 1
        officer = self.officers[content.office_code]
        steps: list[tuple[datetime, str]] = []
        if d.settlement is Settlement.UNPAID:
            steps.append((when + timedelta(minutes=self.rng.uniform(5, 25)), "settle"))
        if d.status is Status.DOCUMENT_CHECK:
            steps.append((when + self._delay(Lane.YELLOW, smart), "check"))
        elif d.status is Status.INSPECTION:
            steps.append((when + self._delay(Lane.RED, smart), "inspect"))
        steps.sort()
        uow = self.p.clearance_uow
        while steps:
            at, step = steps.pop(0)
            self.at(at)
            if step == "settle":
                d = clearance.settle(uow(), trader, d.id, Settlement.PAID, f"PAY-{content.lrn}").declaration
            elif step == "check":
                if self.rng.random() < 0.05:  # the officer wants a physical look after all
                    d = clearance.decide_document_check(uow(), officer, d.id, "inspect", "to be verified").declaration
                    steps.append((at + self._delay(Lane.RED, smart) / 2, "inspect"))
                    steps.sort()
                else:
                    d = clearance.decide_document_check(
                        uow(), officer, d.id, "approve", "documents in order"
                    ).declaration
            else:
                finding = Finding.DISCREPANCY_PENALTY if self.rng.random() < 0.04 else Finding.CONFORM
                d = clearance.record_inspection(
                    uow(),
                    officer,
                    self.clearance_config,
                    d.id,
                    method="scanner",
                    finding=finding,
                    note="scanner image matches the declaration"
                    if finding is Finding.CONFORM
                    else "undeclared spare parts",
                ).declaration
        if d.status is not Status.RELEASED:
            self.counts[f"declarations.{d.status.value}"] += 1
            return d.id
        self.counts["declarations.released"] += 1
        if content.type in (DeclarationType.EXPORT, DeclarationType.IMPORT):
            self.counts[f"trade_cents_{when.year}_{when.month:02d}"] += int(sum(i.value for i in content.items) * 100)
        if horgos:
            hours = (d.stages[Stage.RELEASE] - d.stages[Stage.LODGEMENT]).total_seconds() / 3600
            self.clearance_hours["after" if smart else "before"].append(hours)
        return d.id

    def build_declarations(self) -> None:
        """Vehicle exports, other Horgos trade and Kashgar-Kyrgyzstan trade, in time order, with the
        rulebook switched from manual to smart port at ``SWITCH``; vehicle exports registered per month."""
        months = _months()
        events: list[tuple[datetime, str, int]] = []
        veh_weights = [0.6 + 0.8 * i / len(months) for i in range(len(months))]
        for kind, weights in (
            ("vehicle_declarations", veh_weights),
            ("horgos_general_declarations", [1.0] * len(months)),
            ("kg_declarations", [_kg_trade_cny(m) for m in months]),
        ):
            for i, (m, k) in enumerate(zip(months, _spread(self.n(kind), weights), strict=True)):
                events += [(_instant(self.rng, m), kind, i) for _ in range(k)]
        events.sort()
        # vehicles per declaration: the month's vehicles split over its declarations; drawn before the run
        # so that the rest of Horgos' trade can make up the zone's share of Xinjiang's trade month by month
        veh_per_month = _spread(self.n("vehicles"), veh_weights)
        veh_decls = Counter(i for _, kind, i in events if kind == "vehicle_declarations")
        vehicles_left = {i: veh_per_month[i] for i in range(len(months))}
        specs: list[tuple[int, tuple[str, str, str, str, str, int], str, float]] = []
        veh_value = [0.0] * len(months)
        for _, kind, i in events:
            if kind != "vehicle_declarations":
                continue
            k = max(1, vehicles_left[i] // veh_decls[i] if veh_decls[i] > 1 else vehicles_left[i])
            vehicles_left[i] -= k
            veh_decls[i] -= 1
            vehicle = self.rng.choice(VEHICLES)
            dest = self.rng.choices([c for c, _ in VEHICLE_DESTINATIONS], [w for _, w in VEHICLE_DESTINATIONS])[0]
            unit_value = vehicle[5] * self.rng.uniform(0.92, 1.08)
            specs.append((k, vehicle, dest, unit_value))
            veh_value[i] += round(unit_value * k, 2)
        kg_target = [_kg_trade_cny(m) * self.scale.factor("kg_declarations") for m in months]
        factor = self.scale.factor("horgos_general_declarations")
        general_target = [
            max(0.05 * _zone_trade_cny(m) * factor, _zone_trade_cny(m) * factor - veh_value[i] - kg_target[i])
            for i, m in enumerate(months)
        ]
        # each month's declarations share its target value (so a month's trade is the target to the yuan)
        values: dict[tuple[str, int], list[Decimal]] = {}
        for kind, target in (("kg_declarations", kg_target), ("horgos_general_declarations", general_target)):
            for i, k in Counter(i for _, e, i in events if e == kind).items():
                w = [self.rng.uniform(0.6, 1.4) for _ in range(k)]
                values[(kind, i)] = _fen_shares(target[i], w)
        pending_vehicles: dict[int, list[dict[str, Any]]] = {}
        self._rulebook("manual", START)
        tick = self.progress("declarations (Horgos, Kashgar - Kyrgyzstan)", len(events))
        switched = False
        spec_iter = iter(specs)
        for serial, (when, kind, i) in enumerate(events, start=1):
            if not switched and when >= SWITCH:
                self._rulebook("smart-port", SWITCH)
                switched = True
            lrn = f"D{self.seed % 1000:03d}{serial:07d}"
            if kind == "vehicle_declarations":
                self._vehicle_declaration(when, i, next(spec_iter), lrn, pending_vehicles)
            elif kind == "horgos_general_declarations":
                self._rail_declaration(when, values[(kind, i)].pop(), lrn)
            else:
                self._kg_declaration(when, values[(kind, i)].pop(), lrn)
            tick(1)
        if not switched:
            self._rulebook("smart-port", SWITCH)
        self._flush_vehicles(pending_vehicles, final=True)

    def _rail_declaration(self, when: datetime, value: Decimal, lrn: str) -> None:
        """A block train's consignment to Central Asia or Europe through the Horgos railway port."""
        hs, desc, unit, price, kg_each = self.rng.choice(RAIL_EXPORTS)
        qty = max(1, round(value / D(repr(price))))
        net = D(str(round(qty * kg_each, 1)))
        item = GoodsItem(hs, desc, D(qty), unit, (net * D("1.08")).quantize(D("0.1")), net, value, "CN")
        dest, unloading = self.rng.choice([("KZ", "KZALA"), ("UZ", "UZTAS"), ("RU", "RUMOW"), ("DE", "DEDUI")])
        content = self._content(
            DeclarationType.EXPORT, self.anchor("HORGOS", Sector.TRADE), "HRS-RAIL", TransportMode.RAIL,
            f"X{8000 + self.rng.randrange(1000)}", dest, (item,), ("CNHRS", unloading), lrn,
        )  # fmt: skip
        self.declare(when, content, horgos=True)

    def _rulebook(self, name: str, when: datetime) -> None:
        self.at(when)
        rulebook = load_shipped(name) if name == "manual" else horgos_smart_port()
        try:
            clearance.publish_rulebook(self.p.clearance_uow(), self.supervisor, rulebook)
        except Conflict:  # published before in this database: publish it again under a demo version
            again = replace(rulebook, version=f"{rulebook.version}-demo{self.seed}")
            clearance.publish_rulebook(self.p.clearance_uow(), self.supervisor, again)
        self.counts["rulebooks_published"] += 1

    def _vin(self, wmi: str, year: int) -> str:
        self.counts["vins"] += 1
        serial = self.counts["vins"]
        year_code = {2023: "P", 2024: "R", 2025: "S"}[year]
        vds = f"{self.seed % 97:02d}{'ABCDEFGH'[serial % 8]}{serial % 100:02d}"
        plant = "ABCDEFGHJK"[(serial // 1_000_000) % 10]
        draft = f"{wmi}{vds}0{year_code}{plant}{serial % 1_000_000:06d}"
        return draft[:8] + vin_check_digit(draft) + draft[9:]

    def _vehicle_declaration(
        self,
        when: datetime,
        month: int,
        spec: tuple[int, tuple[str, str, str, str, str, int], str, float],
        lrn: str,
        pending: dict[int, list[dict[str, Any]]],
    ) -> None:
        k, (wmi, make, model, category, hs, _price), dest, unit_value = spec
        mass = {"N3": 9000, "N2": 6000, "N1": 2500, "M3": 12000, "O4": 7000}[category]
        item = GoodsItem(hs, f"{make} {model}", D(k), "H87", D(k * mass), D(k * mass), _money(unit_value * k), "CN")
        exporter = self.anchor("HORGOS", Sector.VEHICLES)
        content = self._content(
            DeclarationType.EXPORT,
            exporter,
            "HRS-ROAD",
            TransportMode.ROAD,
            f"新F{self.rng.randrange(10000, 99999)}",
            dest,
            (item,),
            (
                "CNHRS",
                f"{dest}{ {'KZ': 'ALA', 'UZ': 'TAS', 'KG': 'FRU', 'RU': 'MOW', 'TJ': 'DYU', 'TM': 'ASB'}[dest] }",
            ),
            lrn,
        )
        declaration_id = self.declare(when, content, horgos=True)
        rows = pending.setdefault(month, [])
        for _ in range(k):
            rows.append(
                {
                    "vin": self._vin(wmi, when.year),
                    "make": make,
                    "model": model,
                    "category": category,
                    "destination": dest,
                    "exit_port": "CNHRS",
                    "exit_date": (when + timedelta(hours=6)).date(),
                    "declaration_id": declaration_id,
                }
            )
        if len(rows) >= 5_000:
            self._flush_vehicles({month: rows}, final=True)
            pending[month] = []

    def _flush_vehicles(self, pending: dict[int, list[dict[str, Any]]], final: bool) -> None:
        exporter = self.anchor("HORGOS", Sector.VEHICLES)
        trader = Actor(f"demo-trader-{exporter[:8]}", "trader", Role.TRADER, enterprise_id=exporter)
        for _month, rows in sorted(pending.items()):
            if not rows:
                continue
            self.at(datetime.combine(max(r["exit_date"] for r in rows), datetime.min.time(), UTC) + timedelta(hours=14))
            done = modes.register_vehicle_exports(self.p.freight_uow(), trader, rows)
            self.counts["vehicle_exports"] += len(done)
        pending.clear()

    def _kg_declaration(self, when: datetime, value: Decimal, lrn: str) -> None:
        exporter = self.anchor("KASHGAR", Sector.TRADE)
        if self.rng.random() < 0.62:  # exports to Kyrgyzstan
            hs, desc, unit, price = self.rng.choice(KG_EXPORTS)
            qty = max(1, round(value / D(repr(price))))
            item = GoodsItem(hs, desc, D(qty), unit, D(qty) * D("0.5"), D(qty) * D("0.45"), value, "CN")
            kind = DeclarationType.EXPORT
        else:
            hs, desc, unit, price = self.rng.choice(KG_IMPORTS)
            qty = max(1, round(value / D(repr(price))))
            item = GoodsItem(hs, desc, D(qty), unit, D(qty) * D("1.002"), D(qty), value, "KG")
            kind = DeclarationType.IMPORT
        content = self._content(
            kind,
            exporter,
            "KSS-TIR",
            TransportMode.ROAD,
            f"新Q{self.rng.randrange(10000, 99999)}",
            "KG",
            (item,),
            ("CNKSS", "KGFRU") if kind is DeclarationType.EXPORT else ("KGOSS", "CNKSS"),
            lrn,
        )
        self.declare(when, content, horgos=False)
        self.counts["declarations.kg"] += 1
        self.counts[f"kg_cents_{when.year}_{when.month:02d}"] += int(item.value * 100)

    # -- air cargo -----------------------------------------------------------------------------------
    def build_air(self) -> None:
        months = _months()
        tonnes = [_air_tonnes(m) for m in months]
        flights = _spread(self.n("flights"), tonnes)
        factor = self.scale.factor("flights")
        airline_id = self.anchor("URUMQI", Sector.AVIATION)
        airline = Actor(f"demo-airline-{airline_id[:8]}", "airline", Role.AIRLINE, enterprise_id=airline_id)
        tick = self.progress("air cargo (flights, AWBs)", sum(flights))
        awb_serial = 0
        used: set[tuple[str, date]] = set()
        for m, k, t in zip(months, flights, tonnes, strict=True):
            if k == 0:
                continue
            per_flight_kg = t * 1000 * factor / k
            for _ in range(k):
                code, prefix, dest = self.rng.choice(AIR_ROUTES)
                when = _instant(self.rng, m, work_hours=False)
                number = f"{code}{6900 + AIR_ROUTES.index((code, prefix, dest)) * 10 + self.rng.randrange(10)}"
                while (number, when.date()) in used:
                    when += timedelta(days=1) if when + timedelta(days=1) < _month_end(m) else -timedelta(days=1)
                used.add((number, when.date()))
                self.at(when - timedelta(hours=6))
                flight = modes.create_flight(
                    self.p.freight_uow(),
                    airline,
                    flight_number=number,
                    flight_date=when.date(),
                    origin="URC",
                    destination=dest,
                )
                self.counts["flights"] += 1
                awbs = max(1, round(per_flight_kg / 2000))
                weights = [self.rng.uniform(0.3, 1.7) for _ in range(awbs)]
                for w in weights:
                    awb_serial += 1
                    serial7 = f"{(self.seed * 7919 + awb_serial) % 10_000_000:07d}"
                    gross = min(D("499999"), D(str(round(per_flight_kg * w / sum(weights), 1))).quantize(D("0.1")))
                    gross = max(gross, D("1.0"))
                    modes.load_awb(
                        self.p.freight_uow(),
                        airline,
                        flight.id,
                        awb=f"{prefix}{serial7}{awb_check_digit(serial7)}",
                        pieces=max(1, int(gross / 40)),
                        gross_weight_kg=gross,
                        chargeable_weight_kg=(gross * D("1.12")).quantize(D("0.1")),
                    )
                    self.counts["awbs"] += 1
                    self.counts[f"air_grams_{when.year}_{when.month:02d}"] += int(gross * 1000)
                tick(1)

    # -- TIR Kashgar - Kyrgyzstan --------------------------------------------------------------------
    def build_tir(self) -> None:
        total = self.n("tir_transports")
        months = _months()
        per_month = _spread(total, [0.5 + i / len(months) for i in range(len(months))])
        holder_id = self.anchor("KASHGAR", Sector.LOGISTICS)
        holder = Actor(f"demo-logistics-{holder_id[:8]}", "logistics", Role.LOGISTICS_OPERATOR, enterprise_id=holder_id)
        officer = self.officers["KSS-TIR"]
        route = [Leg("CN", "CNKSS-TIR", "CNYRK"), Leg("KG", "KGOSS-IRK", "KGFRU")]
        tick = self.progress("TIR transports Kashgar - Kyrgyzstan", total)
        serial = 0
        within = 0
        for m, k in zip(months, per_month, strict=True):
            for _ in range(k):
                serial += 1
                start = _instant(self.rng, m)
                reference = f"XZ{(self.seed * 1_000_003 + serial) % 10**8:08d}"
                self.at(start - timedelta(hours=4))
                transit.register(
                    self.p.transit_uow(),
                    SYSTEM,
                    reference=reference,
                    chain="IRU",
                    holder_id="CHN/080/000101",
                    holder_enterprise_id=holder_id,
                    amount=D("100000.00"),
                    currency="EUR",
                    valid_until=start + timedelta(days=30),
                )
                goods = self.rng.choice(["cotton fabrics", "tyres", "household appliances", "footwear"])
                mass = D(self.rng.randrange(8000, 24000))
                self.at(start - timedelta(hours=2))
                result = transit.submit_advance_data(
                    self.p.transit_uow(),
                    holder,
                    guarantee_reference=reference,
                    holder_id="CHN/080/000101",
                    vehicle=f"新Q{self.rng.randrange(10000, 99999)}",
                    goods_description=goods,
                    gross_mass_kg=mass,
                    itinerary=route,
                )
                tid = result.transport.id
                # the same truck as a consignment on the KSS-KG corridor, its clock run by EPCIS events
                cmr = f"CMR-{self.seed % 1000:03d}-{serial:06d}"
                self.at(start - timedelta(hours=1))
                logistics.book(
                    self.p.logistics_uow(), holder,
                    BookConsignment(
                        "road_cmr", cmr, LogisticsParty(f"Demo shipper {serial}", "CN"),
                        LogisticsParty(f"Demo consignee {serial}", "KG"), GoodsSummary(goods, 33, mass),
                        [LegSpec("road", "Demo TIR carrier", "CNKSS", "KGFRU", start, start + timedelta(hours=60))],
                        corridor="KSS-KG",
                    ),
                )  # fmt: skip
                seals = [f"CN{serial:07d}A", f"CN{serial:07d}B"]
                self.at(start - timedelta(minutes=40))
                transit.operate(self.p.transit_uow(), officer, tid, 1, MessagePair.RECORD_DECLARATION_DATA)
                self.at(start)
                transit.operate(self.p.transit_uow(), officer, tid, 1, MessagePair.START, seals=seals)
                self._track(holder, f"{cmr}-dep", start, "departing", cmr, "CNKSS")
                # Kashgar to the Irkeshtam border (~230 km) and on to Bishkek: most deliveries 48-72 h
                total_h = self.rng.choices(
                    [self.rng.uniform(30, 48), self.rng.uniform(48, 72), self.rng.uniform(72, 100)],
                    weights=[0.12, 0.82, 0.06],
                )[0]
                border = start + timedelta(hours=self.rng.uniform(8, 14))
                self.at(border)
                transit.operate(self.p.transit_uow(), officer, tid, 1, MessagePair.TERMINATE, seals=seals)
                transit.operate(self.p.transit_uow(), officer, tid, 1, MessagePair.DISCHARGE)
                kg_start = border + timedelta(hours=self.rng.uniform(2, 6))
                self.at(kg_start)
                payload = {"transport_id": tid, "operation": 2, "at": kg_start.isoformat(), "seals": seals}
                transit.apply_partner_message(self.p.transit_uow(), "KG", f"{tid}-i10", "I10", payload)
                delivered = start + timedelta(hours=total_h)
                self.at(delivered)
                payload = {**payload, "at": delivered.isoformat()}
                transit.apply_partner_message(self.p.transit_uow(), "KG", f"{tid}-i12", "I12", payload)
                self._track(holder, f"{cmr}-arr", delivered, "arriving", cmr, "KGFRU")
                self.counts["consignments"] += 1
                self.counts["tir_transports"] += 1
                within += 48 <= total_h <= 72
                tick(1)
        self.counts["tir_within_48_72h"] = within

    def _track(self, actor: Actor, event_id: str, at: datetime, step: str, cmr: str, where: str) -> None:
        """An EPCIS object event about the consignment's CMR, as the operator's yard system sends it."""
        event = ObjectEvent(
            event_id=event_id, event_time=at.astimezone(ZONE_TZ), time_zone_offset="+06:00", action=Action.OBSERVE,
            biz_step=step, read_point=where, epcs=(cmr,),
        )  # fmt: skip
        logistics.capture(self.p.logistics_uow(), actor, [event])

    # -- bonded: fuel for foreign carriers, maintenance ----------------------------------------------
    def build_bonded(self) -> None:
        config = self.p.bonded_config()
        supplier_id = self.anchor("URUMQI", Sector.LOGISTICS)
        keeper = Actor(f"demo-keeper-{supplier_id[:8]}", "keeper", Role.WAREHOUSE_KEEPER, enterprise_id=supplier_id)
        airline_id = self.anchor("URUMQI", Sector.AVIATION)
        months = _months()
        uplifts = _spread(self.n("fuel_uplifts"), [0.5 + i / len(months) for i in range(len(months))])
        orders = _spread(self.n("work_orders"), [0.5 + i / len(months) for i in range(len(months))])
        tick = self.progress("bonded fuel and maintenance", sum(uplifts) + sum(orders))
        uow_factory = self.p.bonded_uow
        serial = 0
        for m, k, w in zip(months, uplifts, orders, strict=True):
            litres = [self.rng.randrange(8_000, 40_000) for _ in range(k)]
            if k:
                receipt_at = m + timedelta(hours=4)
                need = sum(litres)
                lrn = f"F{self.seed % 1000:03d}{m:%y%m}"
                item = GoodsItem(
                    "27101911",
                    "Jet fuel, kerosene type",
                    D(need),
                    "LTR",
                    D(need) * D("0.8"),
                    D(need) * D("0.8"),
                    _money(need * 5.2),
                    "KZ",
                )
                content = self._content(
                    DeclarationType.BONDED_ENTRY,
                    supplier_id,
                    "URC-AIR",
                    TransportMode.RAIL,
                    "KZ-FUEL",
                    "KZ",
                    (item,),
                    ("KZALA", "CNURC"),
                    lrn,
                )
                ref = self.declare(receipt_at, content, horgos=False)
                self.at(receipt_at + timedelta(hours=8))
                bonded.admit(
                    uow_factory,
                    keeper,
                    config,
                    bonded.Admission(
                        site="URC-AIR/T1",
                        declaration_ref=ref or "",
                        hs_code="27101911",
                        description="Jet fuel Jet A-1",
                        origin="KZ",
                        unit="LTR",
                        quantity=str(need),
                        value=str(_money(need * 5.2)),
                        currency="CNY",
                        category=Category.FUEL,
                        kind=MovementKind.FUEL_RECEIPT,
                        key=f"demo-{self.seed}-fuel-{m:%Y%m}",
                    ),
                )
                self.counts["fuel_receipts"] += 1
            stamps = sorted(_instant(self.rng, m, work_hours=False) for _ in range(k))
            for when, q in zip(stamps, litres, strict=True):
                serial += 1
                code, reg, airport = self.rng.choice(FOREIGN_CARRIERS)
                self.at(max(when, m + timedelta(hours=13)))
                bonded.uplift(
                    uow_factory,
                    keeper,
                    config,
                    bonded.Uplift(
                        tank="URC-AIR/T1",
                        airline_id=airline_id,
                        flight_number=f"{code}{100 + serial % 800}",
                        aircraft_registration=f"{reg}{serial % 90 + 10}"[:8],
                        next_airport=airport,
                        quantity=str(q),
                        key=f"demo-{self.seed}-uplift-{serial}",
                    ),
                )
                self.counts["fuel_uplifts"] += 1
                self.counts["fuel_uplift_litres"] += q
                tick(1)
            for _ in range(w):
                code, reg, _airport = self.rng.choice(FOREIGN_CARRIERS)
                opened = _instant(self.rng, m)
                self.at(opened)
                wo = bonded.open_work_order(
                    uow_factory,
                    keeper,
                    aircraft_registration=f"{reg}{self.rng.randrange(10, 99)}"[:8],
                    description=self.rng.choice(["A-check", "landing gear overhaul", "APU repair", "C-check"]),
                )
                self.at(opened + timedelta(days=self.rng.uniform(1, 12)))
                bonded.close_work_order(uow_factory, keeper, wo["id"])
                self.counts["work_orders"] += 1
                tick(1)

    def _desk_uow(self) -> DisputesUnitOfWork:
        # the disputes context's SQL unit of work does not yet type-check against its own port (its
        # __enter__/__exit__ signatures): the runtime object is the one its API uses
        return cast(DisputesUnitOfWork, self.p.disputes_uow())

    def _advance_case(self, case_id: str, at: datetime, days: float, target: CaseStatus) -> datetime:
        at += timedelta(days=days)
        self.at(at)
        disputes.advance(self._desk_uow(), Actor("demo-legal", "legal desk", Role.LEGAL_OFFICER), case_id, target)
        return at

    # -- legal service desk (since August 2024) ------------------------------------------------------
    def build_legal(self) -> None:
        """Litigation support cases, and cross-border mediations most of which end in a settlement."""
        months = [m for m in _months() if m >= LEGAL_ZONE_OPENED]
        desk = Actor("demo-legal", "legal desk", Role.LEGAL_OFFICER)
        plan = [("litigation_cases", CaseType.LITIGATION_SUPPORT), ("mediations", CaseType.MEDIATION)]
        months_i = range(len(months))
        cases = sorted(
            (_instant(self.rng, m), kind)
            for name, kind in plan
            for m, k in zip(months, _spread(self.n(name), [1.0 + i / len(months) for i in months_i]), strict=True)
            for _ in range(k)
        )  # fmt: skip
        claimants = [
            e for (_area, sector), ids in sorted(self.enterprises_by.items()) if sector is Sector.TRADE for e in ids
        ]
        tick = self.progress("legal desk cases", len(cases))
        uow = self._desk_uow
        for serial, (opened, kind) in enumerate(cases, start=1):
            country, tz, firm = self.rng.choice(LEGAL_COUNTERPARTS)
            claimant = self.rng.choice(claimants[:200])
            amount = _money(self.rng.lognormvariate(math.log(400_000), 1.0))
            self.at(opened)
            case = disputes.intake(
                uow(), desk,
                disputes.IntakeIn(
                    type=kind,
                    subject=self.rng.choice(LEGAL_SUBJECTS),
                    parties=(
                        disputes.PartyIn(f"Demo enterprise {claimant[:8]}", "CN", PartyRole.CLAIMANT, claimant,
                                         time_zone="Asia/Urumqi"),
                        disputes.PartyIn(f"{firm} {serial:04d}", country, PartyRole.RESPONDENT, time_zone=tz),
                    ),
                    languages=("zh", "ru"), governing_law="CISG", seat="CN", amount=amount, currency="CNY",
                ),
            )  # fmt: skip
            self.counts[f"legal.{kind.value}"] += 1
            at = opened

            at = self._advance_case(case.id, at, self.rng.uniform(2, 10), CaseStatus.NOTIFIED)
            if kind is CaseType.MEDIATION:
                at += timedelta(days=self.rng.uniform(3, 12))
                self.at(at)
                # the desk appoints the first mediator of the panel its conflict check clears
                panel = self.rng.sample(MEDIATORS, len(MEDIATORS))
                name = next(n for n in panel if not disputes.conflict_check(uow(), desk, case.id, n, None))
                disputes.appoint_neutral(
                    uow(), desk, case.id, name, NeutralRole.MEDIATOR, None,
                    "I have no relationship with the parties or their counsel.",
                )  # fmt: skip
                at = self._advance_case(case.id, at, 0.1, CaseStatus.NEUTRAL_APPOINTED)
                at = self._advance_case(case.id, at, self.rng.uniform(7, 30), CaseStatus.HEARINGS)
                settled = self.rng.random() < 0.9
                decision = OutcomeKind.SETTLEMENT if settled else OutcomeKind.WITHDRAWAL
            else:
                at = self._advance_case(case.id, at, self.rng.uniform(10, 30), CaseStatus.ANSWERED)
                at = self._advance_case(case.id, at, self.rng.uniform(20, 60), CaseStatus.HEARINGS)
                decision = OutcomeKind.JUDGMENT
            at += timedelta(days=self.rng.uniform(5, 40))
            if at >= END:  # still before the court or the mediator at the end of the window
                tick(1)
                continue
            self.at(at)
            disputes.record_outcome(
                uow(), desk, case.id,
                Outcome(decision, at.date(), amount if decision is not OutcomeKind.WITHDRAWAL else None,
                        "CNY" if decision is not OutcomeKind.WITHDRAWAL else None, None, "demo outcome"),
            )  # fmt: skip
            self.counts[f"legal.{decision.value}"] += 1
            if at + timedelta(days=3) < END:
                self._advance_case(case.id, at, 3, CaseStatus.CLOSED)
            tick(1)

    # -- figures -------------------------------------------------------------------------------------
    def figures(self) -> None:
        def mean(xs: list[float]) -> float:
            return sum(xs) / len(xs) if xs else 0.0

        def median(xs: list[float]) -> float:
            s = sorted(xs)
            return s[len(s) // 2] if s else 0.0

        c = self.counts
        air = {k[10:]: v for k, v in c.items() if k.startswith("air_grams_")}
        t25 = sum(v for k, v in air.items() if k.startswith("2025") and int(k[5:]) <= 8) / 1e6
        t24 = sum(v for k, v in air.items() if k.startswith("2024") and int(k[5:]) <= 8) / 1e6
        kg = {k[9:]: v for k, v in c.items() if k.startswith("kg_cents_")}
        trade = {k[12:]: v for k, v in c.items() if k.startswith("trade_cents_")}
        trade25 = sum(v for k, v in trade.items() if k.startswith("2025") and int(k[5:]) <= 9) / 100
        kg25 = sum(v for k, v in kg.items() if k.startswith("2025") and int(k[5:]) <= 9) / 100
        self.summary.figures = {
            "kashgar_kyrgyzstan_trade_cny_jan_sep_2025": f"{kg25:.2f}",
            "zone_trade_cny_jan_sep_2025": f"{trade25:.2f}",
            "horgos_clearance_mean_hours_before_switch": f"{mean(self.clearance_hours['before']):.2f}",
            "horgos_clearance_median_hours_before_switch": f"{median(self.clearance_hours['before']):.2f}",
            "horgos_clearance_mean_hours_after_switch": f"{mean(self.clearance_hours['after']):.2f}",
            "horgos_clearance_median_hours_after_switch": f"{median(self.clearance_hours['after']):.2f}",
            "urumqi_air_tonnes_jan_aug_2025": f"{t25:.1f}",
            "urumqi_air_tonnes_jan_aug_2024": f"{t24:.1f}",
            "urumqi_air_yoy_percent": f"{(t25 / t24 - 1) * 100:.0f}" if t24 else "n/a",
            "tir_share_within_48_72h": f"{c['tir_within_48_72h'] / c['tir_transports']:.2f}"
            if c["tir_transports"]
            else "n/a",
            "lanes": ", ".join(f"{k}={v}" for k, v in sorted(self.lanes.items())),
        }
        self.summary.counts = {
            k: v for k, v in sorted(c.items()) if not k.startswith(("air_grams_", "kg_cents_", "trade_cents_"))
        }

    def build(self) -> DemoSummary:
        self.timed("enterprises", self.build_enterprises)
        self.timed("declarations", self.build_declarations)
        self.timed("air", self.build_air)
        self.timed("tir", self.build_tir)
        self.timed("bonded", self.build_bonded)
        self.timed("legal", self.build_legal)
        self.figures()
        self.summary.anchors = anchors_of(self)
        return self.summary


def _no_progress(_name: str, _total: int) -> Callable[[int], None]:
    return lambda _n: None


def build_demo(
    platform: Platform, clock: FixedClock, scale: str = "quick", seed: int = 7, progress: ProgressFactory | None = None
) -> tuple[DemoSummary, bool]:
    """Build the demo zone (or find the one built before with this scale and seed): (summary, built now).

    Raises :class:`DemoExists` when another demo (or an unfinished one) is in the database.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    key = f"{scale}:{seed}"
    found = existing_demo(platform)
    if found is not None:
        action, found_key, summary = found
        if action == "demo.finished" and found_key == key and summary is not None:
            return summary, False
        state = "finished" if action == "demo.finished" else "unfinished (interrupted)"
        raise DemoExists(f"this database already holds a {state} demo {found_key}; a demo {key} would mix with it")
    _record(platform, "demo.started", key, {"scale": scale, "seed": seed})
    t0 = time.perf_counter()
    builder = DemoBuilder(platform, clock, SCALES[scale], seed, progress or _no_progress)
    summary = builder.build()
    t1 = time.perf_counter()
    with platform.session_factory() as session:  # the dashboard's first page then reads, not builds
        readmodel.catch_up(session)
    summary.seconds["dashboard read models"] = round(time.perf_counter() - t1, 2)
    summary.seconds["total"] = round(time.perf_counter() - t0, 2)
    clock.set(END)
    _record(platform, "demo.finished", key, summary.as_json())
    return summary, True


def iter_figures(summary: DemoSummary) -> Iterator[tuple[str, str]]:
    yield from summary.figures.items()


# -- the command line -----------------------------------------------------------------------------------

#: the demo sign-ins bound to enterprises act for the anchor enterprises whose data the demo generated
DEMO_BINDINGS: dict[str, tuple[str, Sector]] = {
    "trader": ("HORGOS", Sector.VEHICLES),
    "logistics": ("KASHGAR", Sector.LOGISTICS),
    "warehouse": ("URUMQI", Sector.LOGISTICS),
    "airline": ("URUMQI", Sector.AVIATION),
}


def ensure_demo_sign_ins(platform: Platform, password: str, anchors: dict[str, str]) -> list[tuple[str, Role]]:
    """One sign-in per role (idempotent); the enterprise-bound ones belong to the demo's anchor enterprises."""
    from silkport.enterprises.services import auth
    from silkport.entrypoints.cli.setup import DEMO_ROLES

    uow = platform.enterprises_uow()
    with uow:
        existing = {u.username for u in uow.users.all()}
    out: list[tuple[str, Role]] = []
    for username, role, bound_to, office in DEMO_ROLES:
        if username not in existing:
            auth.create_user(
                uow,
                SYSTEM,
                platform.hasher,
                username=username,
                password=password,
                role=role,
                display_name=f"Demo {role.label.lower()}",
                enterprise_id=anchors.get(bound_to) if bound_to else None,
                office_code=office,
            )
        out.append((username, role))
    return out


def anchors_of(builder: DemoBuilder) -> dict[str, str]:
    return {tag: builder.anchor(area, sector) for tag, (area, sector) in DEMO_BINDINGS.items()}


def run_demo(platform: Platform, *, scale: str, seed: int, console: Any) -> list[tuple[str, Role]]:
    """`silkport demo`: build (or find) the demo zone with progress bars, print what it holds; the sign-ins."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from silkport.bootstrap import bootstrap

    clock = FixedClock(START)
    demo_platform = bootstrap(platform.settings, clock=clock)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bars:

            def progress(name: str, total: int) -> Callable[[int], None]:
                task = bars.add_task(name, total=total)
                return lambda n: bars.advance(task, n)

            summary, built = build_demo(demo_platform, clock, scale, seed, progress)
    finally:
        demo_platform.dispose()
    verb = "built" if built else "found (built before with the same scale and seed; nothing added)"
    console.print(f"demo zone {scale}:{seed} {verb} in {summary.seconds.get('total', 0):.0f} s")
    table = Table("what", "count", title=f"Demo zone ({scale}, seed {seed}; scale factors in the metadata)")
    for name, value in summary.counts.items():
        table.add_row(name, f"{value:,}")
    for name, text in summary.figures.items():
        table.add_row(name, text)
    console.print(table)
    for item in summary.todo:
        console.print(f"[yellow]not generated yet:[/yellow] {item}")
    return ensure_demo_sign_ins(platform, platform.settings.demo_password, summary.anchors)
