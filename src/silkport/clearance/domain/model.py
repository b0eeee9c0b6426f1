"""The customs declaration: its content, its lifecycle and the stage timestamps a Time Release Study needs.

Pure domain: no I/O, no clock reads (times are passed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from silkport.shared.errors import FieldError, IllegalTransition, ValidationFailed


class DeclarationType(StrEnum):
    IMPORT = "import"
    EXPORT = "export"
    TRANSIT = "transit"
    BONDED_ENTRY = "bonded_entry"
    BONDED_EXIT = "bonded_exit"


class BondedExitKind(StrEnum):
    RE_EXPORT = "re_export"
    RELEASE_FOR_CONSUMPTION = "release_for_consumption"


class TransportMode(StrEnum):
    """Modes of transport with their UN/ECE Recommendation 19 codes."""

    SEA = "sea"
    RAIL = "rail"
    ROAD = "road"
    AIR = "air"
    MAIL = "mail"
    FIXED = "fixed_installation"
    INLAND_WATERWAY = "inland_waterway"

    @property
    def rec19(self) -> str:
        return _REC19[self]  # a member is its str value (StrEnum): no ``.value`` (a descriptor call) needed

    @classmethod
    def from_rec19(cls, code: str) -> TransportMode:
        for mode in cls:
            if mode.rec19 == code.strip()[:1]:
                return mode
        raise ValueError(f"{code!r} is not a UN/ECE Rec. 19 mode of transport code")


_REC19 = {
    "sea": "1",
    "rail": "2",
    "road": "3",
    "air": "4",
    "mail": "5",
    "fixed_installation": "7",
    "inland_waterway": "8",
}

#: Incoterms 2020 whose price carries the main carriage / the insurance to the place of import
_WITH_FREIGHT = frozenset({"CPT", "CIP", "CFR", "CIF", "DAP", "DPU", "DDP"})
_WITH_INSURANCE = frozenset({"CIP", "CIF", "DAP", "DPU", "DDP"})


class Incoterm(StrEnum):
    """Incoterms 2020."""

    EXW = "EXW"
    FCA = "FCA"
    CPT = "CPT"
    CIP = "CIP"
    DAP = "DAP"
    DPU = "DPU"
    DDP = "DDP"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"

    @property
    def includes_freight(self) -> bool:
        """Whether the invoice price already carries the main carriage to the place of import."""
        return self in _WITH_FREIGHT  # a member is its str value: a set of strings, no ``.value`` call

    @property
    def includes_insurance(self) -> bool:
        return self in _WITH_INSURANCE


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    PACKING_LIST = "packing_list"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    LICENCE = "licence"
    TRANSPORT_DOCUMENT = "transport_document"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    country: str
    identifier: str | None = None


@dataclass(frozen=True, slots=True)
class GoodsItem:
    hs_code: str  # 6 digits (HS 2022) or a national 8-10 digit extension
    description: str
    quantity: Decimal
    unit: str  # UN/ECE Recommendation 20 code, e.g. KGM, H87, LTR
    gross_mass_kg: Decimal
    net_mass_kg: Decimal
    value: Decimal  # in the invoice currency
    origin_country: str
    preference: str | None = None  # preferential agreement claimed, e.g. "CN-SCO", "APTA"
    licences: tuple[str, ...] = ()

    @property
    def hs6(self) -> str:
        return self.hs_code[:6]


@dataclass(frozen=True, slots=True)
class Document:
    kind: DocumentKind
    reference: str
    issued: date | None = None


@dataclass(frozen=True, slots=True)
class Container:
    number: str  # ISO 6346
    seals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeclarationContent:
    """Everything the declarant states; versioned by amendments."""

    type: DeclarationType
    declarant_id: str  # enterprise id of the zone
    consignor: Party
    consignee: Party
    office_code: str  # customs office of lodgement: a port of the zone
    transport_mode: TransportMode
    transport_id: str  # truck plate, train number, flight number...
    dispatch_country: str
    origin_country: str
    destination_country: str
    loading_locode: str
    unloading_locode: str
    incoterm: Incoterm
    invoice_currency: str
    invoice_amount: Decimal
    freight: Decimal
    insurance: Decimal
    exchange_rate: Decimal  # CNY per one unit of the invoice currency
    exchange_rate_date: date
    items: tuple[GoodsItem, ...]
    documents: tuple[Document, ...] = ()
    containers: tuple[Container, ...] = ()
    lrn: str | None = None  # the declarant's own local reference number
    bonded_exit_kind: BondedExitKind | None = None
    direct_transfer: bool = False  # streamlined highway: straight to the next office, no intermediate warehouse

    @property
    def total_gross_mass_kg(self) -> Decimal:
        return sum((i.gross_mass_kg for i in self.items), Decimal(0))

    @property
    def total_item_value(self) -> Decimal:
        return sum((i.value for i in self.items), Decimal(0))

    def with_items(self, items: tuple[GoodsItem, ...]) -> DeclarationContent:
        return replace(self, items=items)


class Status(StrEnum):
    DRAFT = "draft"
    LODGED = "lodged"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ASSESSED = "risk_assessed"  # lane decided; green waits here for arrival and settlement
    DOCUMENT_CHECK = "document_check"  # yellow: an officer checks the documents
    DOCUMENTS_REQUESTED = "documents_requested"
    INSPECTION = "inspection"  # red: physical inspection (scanner or manual)
    HELD = "held"
    CLEARED = "cleared"  # every check done: waits only for arrival ("release on arrival") and settlement
    RELEASED = "released"
    EXITED = "exited"
    INVALIDATED = "invalidated"


FINAL = frozenset({Status.REJECTED, Status.EXITED, Status.INVALIDATED})

#: the only edges of the declaration lifecycle
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.LODGED, Status.INVALIDATED}),
    Status.LODGED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.INVALIDATED}),
    Status.ACCEPTED: frozenset({Status.ASSESSED, Status.INVALIDATED}),
    Status.ASSESSED: frozenset({Status.CLEARED, Status.DOCUMENT_CHECK, Status.INSPECTION, Status.INVALIDATED}),
    Status.DOCUMENT_CHECK: frozenset(
        {Status.CLEARED, Status.DOCUMENTS_REQUESTED, Status.REJECTED, Status.INSPECTION, Status.INVALIDATED}
    ),
    Status.DOCUMENTS_REQUESTED: frozenset({Status.DOCUMENT_CHECK, Status.INVALIDATED}),
    Status.INSPECTION: frozenset({Status.CLEARED, Status.HELD}),
    Status.HELD: frozenset({Status.CLEARED, Status.INSPECTION}),
    Status.CLEARED: frozenset({Status.RELEASED, Status.INVALIDATED}),
    Status.RELEASED: frozenset({Status.EXITED}),
    Status.REJECTED: frozenset(),
    Status.EXITED: frozenset(),
    Status.INVALIDATED: frozenset(),
}


class Lane(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Stage(StrEnum):
    """WCO Time Release Study stages; each gets a timestamp when it happens."""

    ARRIVAL = "arrival"
    LODGEMENT = "lodgement"
    ACCEPTANCE = "acceptance"
    RISK_ASSESSMENT = "risk_assessment"
    DOCUMENT_CHECK = "document_check"
    INSPECTION = "inspection"
    DUTY_PAYMENT = "duty_payment"
    RELEASE = "release"
    EXIT = "exit"


class Settlement(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    GUARANTEED = "guaranteed"  # deferred under a guarantee
    WAIVED = "waived"  # bonded: duty suspended
    NONE_DUE = "none_due"


class Finding(StrEnum):
    CONFORM = "conform"
    DISCREPANCY_AMENDMENT = "discrepancy_amendment"
    DISCREPANCY_PENALTY = "discrepancy_penalty"
    DISCREPANCY_SEIZURE = "discrepancy_seizure"


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    actor: str
    from_status: Status
    to_status: Status
    reason: str | None


@dataclass(slots=True)
class Declaration:
    """The aggregate. Content changes only by versioned amendments; status only along TRANSITIONS."""

    id: str
    content: DeclarationContent
    status: Status = Status.DRAFT
    version: int = 1
    lane: Lane | None = None
    risk_score: Decimal | None = None
    rulebook_version: str | None = None
    model_version: str | None = None
    settlement: Settlement = Settlement.UNPAID
    stages: dict[Stage, datetime] = field(default_factory=dict)
    history: list[StatusChange] = field(default_factory=list)
    audit_flags: list[str] = field(default_factory=list)
    assigned_to: str | None = None
    pre_arrival: bool = False

    def move(self, target: Status, at: datetime, actor: str, reason: str | None = None) -> None:
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition("declaration", self.status.value, target.value)
        self.history.append(StatusChange(at, actor, self.status, target, reason))
        self.status = target

    def stamp(self, stage: Stage, at: datetime) -> None:
        """Record when a stage first happened (a later repeat keeps the first time)."""
        self.stages.setdefault(stage, at)

    @property
    def arrived(self) -> bool:
        return Stage.ARRIVAL in self.stages

    @property
    def settled(self) -> bool:
        return self.settlement is not Settlement.UNPAID

    def require(self, *allowed: Status) -> None:
        if self.status not in allowed:
            wanted = " or ".join(s.value for s in allowed)
            raise IllegalTransition("declaration", self.status.value, f"an action that needs {wanted}")

    def amend(self, content: DeclarationContent, errors: list[FieldError]) -> None:
        if self.status in FINAL:
            raise IllegalTransition("declaration", self.status.value, "amended")
        if errors:
            raise ValidationFailed(errors)
        self.content = content
        self.version += 1
