"""The canonical JSON of a declaration (API, JSONL import/export and storage all use it)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from silkport.clearance.domain.model import (
    BondedExitKind,
    Container,
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

Country = Annotated[str, Field(min_length=2, max_length=2, examples=["KZ"])]
Amount = Annotated[Decimal, Field(description="a decimal number; send it as a string to keep every digit")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    country: Country
    identifier: str | None = Field(default=None, max_length=64)


class ItemIn(Strict):
    hs_code: str = Field(min_length=1, max_length=10, examples=["870323"])
    description: str = Field(min_length=1, max_length=500)
    quantity: Amount
    unit: str = Field(min_length=1, max_length=3, examples=["H87"])
    gross_mass_kg: Amount
    net_mass_kg: Amount
    value: Amount
    origin_country: Country
    preference: str | None = Field(default=None, max_length=16)
    licences: list[str] = Field(default_factory=list, max_length=20)


class DocumentIn(Strict):
    kind: DocumentKind
    reference: str = Field(min_length=1, max_length=64)
    issued: date | None = None


class ContainerIn(Strict):
    number: str = Field(min_length=1, max_length=16)
    seals: list[str] = Field(default_factory=list, max_length=10)


class DeclarationIn(Strict):
    """A declaration as a trader files it. ``declarant`` defaults to the trader's own enterprise."""

    type: DeclarationType
    declarant: str | None = Field(default=None, description="enterprise id; traders may omit it")
    lrn: str | None = Field(default=None, max_length=35, description="the declarant's local reference number")
    consignor: PartyIn
    consignee: PartyIn
    office: str = Field(description="customs office of lodgement, e.g. HRS-ROAD", examples=["HRS-ROAD"])
    transport_mode: TransportMode
    transport_id: str = Field(max_length=35, examples=["新F12345"])
    dispatch_country: Country
    origin_country: Country
    destination_country: Country
    loading_locode: str = Field(max_length=6, examples=["KZALA"])
    unloading_locode: str = Field(max_length=6, examples=["CNHRS"])
    incoterm: Incoterm
    invoice_currency: str = Field(min_length=3, max_length=3, examples=["USD"])
    invoice_amount: Amount
    freight: Amount = Decimal(0)
    insurance: Amount = Decimal(0)
    exchange_rate: Amount = Field(description="CNY per one unit of the invoice currency")
    exchange_rate_date: date
    items: list[ItemIn] = Field(min_length=1, max_length=999)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=99)
    containers: list[ContainerIn] = Field(default_factory=list, max_length=999)
    bonded_exit_kind: BondedExitKind | None = None
    direct_transfer: bool = Field(
        default=False,
        description="streamlined highway: the goods move straight to the next office, without intermediate warehousing",
    )

    def to_content(self, declarant_id: str) -> DeclarationContent:
        return DeclarationContent(
            type=self.type,
            declarant_id=declarant_id,
            consignor=Party(self.consignor.name, self.consignor.country, self.consignor.identifier),
            consignee=Party(self.consignee.name, self.consignee.country, self.consignee.identifier),
            office_code=self.office,
            transport_mode=self.transport_mode,
            transport_id=self.transport_id,
            dispatch_country=self.dispatch_country,
            origin_country=self.origin_country,
            destination_country=self.destination_country,
            loading_locode=self.loading_locode.replace(" ", "").upper(),
            unloading_locode=self.unloading_locode.replace(" ", "").upper(),
            incoterm=self.incoterm,
            invoice_currency=self.invoice_currency,
            invoice_amount=self.invoice_amount,
            freight=self.freight,
            insurance=self.insurance,
            exchange_rate=self.exchange_rate,
            exchange_rate_date=self.exchange_rate_date,
            items=tuple(
                GoodsItem(
                    hs_code=i.hs_code,
                    description=i.description,
                    quantity=i.quantity,
                    unit=i.unit.upper(),
                    gross_mass_kg=i.gross_mass_kg,
                    net_mass_kg=i.net_mass_kg,
                    value=i.value,
                    origin_country=i.origin_country,
                    preference=i.preference,
                    licences=tuple(i.licences),
                )
                for i in self.items
            ),
            documents=tuple(Document(d.kind, d.reference, d.issued) for d in self.documents),
            containers=tuple(Container(c.number, tuple(c.seals)) for c in self.containers),
            lrn=self.lrn,
            bonded_exit_kind=self.bonded_exit_kind,
            direct_transfer=self.direct_transfer,
        )

    @classmethod
    def of(cls, c: DeclarationContent) -> DeclarationIn:
        return cls(
            type=c.type,
            declarant=c.declarant_id,
            lrn=c.lrn,
            consignor=PartyIn(name=c.consignor.name, country=c.consignor.country, identifier=c.consignor.identifier),
            consignee=PartyIn(name=c.consignee.name, country=c.consignee.country, identifier=c.consignee.identifier),
            office=c.office_code,
            transport_mode=c.transport_mode,
            transport_id=c.transport_id,
            dispatch_country=c.dispatch_country,
            origin_country=c.origin_country,
            destination_country=c.destination_country,
            loading_locode=c.loading_locode,
            unloading_locode=c.unloading_locode,
            incoterm=c.incoterm,
            invoice_currency=c.invoice_currency,
            invoice_amount=c.invoice_amount,
            freight=c.freight,
            insurance=c.insurance,
            exchange_rate=c.exchange_rate,
            exchange_rate_date=c.exchange_rate_date,
            items=[
                ItemIn(
                    hs_code=i.hs_code,
                    description=i.description,
                    quantity=i.quantity,
                    unit=i.unit,
                    gross_mass_kg=i.gross_mass_kg,
                    net_mass_kg=i.net_mass_kg,
                    value=i.value,
                    origin_country=i.origin_country,
                    preference=i.preference,
                    licences=list(i.licences),
                )
                for i in c.items
            ],
            documents=[DocumentIn(kind=d.kind, reference=d.reference, issued=d.issued) for d in c.documents],
            containers=[ContainerIn(number=k.number, seals=list(k.seals)) for k in c.containers],
            bonded_exit_kind=c.bonded_exit_kind,
            direct_transfer=c.direct_transfer,
        )


def content_to_json(content: DeclarationContent) -> dict[str, Any]:
    return DeclarationIn.of(content).model_dump(mode="json")


def content_from_json(data: dict[str, Any]) -> DeclarationContent:
    model = DeclarationIn.model_validate(data)
    return model.to_content(model.declarant or "")


class FileOptions(Strict):
    lodge: bool = Field(default=True, description="lodge at once (false keeps a draft)")
    pre_arrival: bool = Field(default=True, description="lodged before the goods arrive")


class FieldProblem(BaseModel):
    field: str
    message: str


class FiredRuleOut(BaseModel):
    rule: str | None = None
    kind: str | None = None
    contribution: Decimal | None = None
    reason: str
    #: officers only: the values the rule's reason template was filled with (e.g. ``{"hs": "930200"}``), for a
    #: client that shows the reason in another language; absent for texts no rule wrote and older assessments
    values: dict[str, str] | None = None


class StageTimes(BaseModel):
    model_config = ConfigDict(extra="allow")


class ItemTaxOut(BaseModel):
    item: int
    customs_value: Decimal
    duty: Decimal
    excise: Decimal
    vat: Decimal
    export_duty: Decimal
    notes: list[str]


class TaxesOut(BaseModel):
    currency: str = "CNY"
    items: list[ItemTaxOut]
    totals: dict[str, Decimal]
    total: Decimal
    settlement: Settlement


class DeclarationOut(BaseModel):
    id: str
    version: int
    status: Status
    lane: Lane | None
    risk_score: Decimal | None = Field(default=None, description="officers only")
    model_score: Decimal | None = Field(default=None, description="the learned model's score, officers only")
    rulebook_version: str | None
    model_version: str | None
    reasons: list[FiredRuleOut]
    settlement: Settlement
    pre_arrival: bool
    stages: dict[Stage, datetime]
    assigned_to: str | None = None
    audit_flags: list[str] = Field(default_factory=list)
    warnings: list[FieldProblem] = Field(default_factory=list)
    errors: list[FieldProblem] = Field(default_factory=list)
    taxes: TaxesOut | None = None
    declaration: DeclarationIn


class DeclarationPage(BaseModel):
    items: list[DeclarationOut]
    next_cursor: str | None


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class DocumentCheckDecision(Strict):
    decision: str = Field(pattern="^(approve|request_documents|reject|inspect)$")
    reason: str = Field(min_length=1, max_length=1000)


class InspectionIn(Strict):
    method: str = Field(pattern="^(scanner|manual)$")
    finding: Finding
    note: str = Field(min_length=1, max_length=2000)
    penalty_cny: Decimal | None = None
    amended: DeclarationIn | None = Field(default=None, description="the corrected declaration, for an amendment")


class PaymentIn(Strict):
    method: Settlement = Field(description="paid or guaranteed")
    reference: str = Field(min_length=1, max_length=64)


class AmendmentIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)
    declaration: DeclarationIn


class AssignIn(Strict):
    officer: str = Field(description="user id of the officer")


class FeatureContribution(BaseModel):
    feature: str
    value: float
    contribution: float = Field(description="log-odds; positive pushes towards fraud")


class Explanation(BaseModel):
    """Why the lane: the rules that fired, the model's score and its main features, the budget threshold."""

    declaration_id: str
    lane: Lane | None
    rulebook_version: str | None
    rule_score: Decimal | None
    rules: list[FiredRuleOut]
    model_version: str | None
    model_score: Decimal | None
    budget_threshold: Decimal | None
    top_features: list[FeatureContribution]
