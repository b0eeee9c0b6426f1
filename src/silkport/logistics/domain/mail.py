"""International mail: postal items with CN22/CN23 content, receptacles, dispatches, bulk clearance.

Pure. The shapes follow the UPU standards and the ITMATT/CUSRSP messages:

- item: a UPU S10 13-character identifier (check digit verified); its customs declaration is a CN22
  (low value) or a CN23, with content lines (description, quantity, net weight, value, HS code, country
  of origin) and a category: gift, documents, sale of goods, returned goods, commercial sample (the
  boxes of the CN22/CN23 forms);
- receptacle: the UPU S9 29-character receptacle identifier = the 20-character dispatch identifier
  (origin office of exchange 6, destination office of exchange 6, mail category 1, mail subclass 2,
  last digit of the year 1, dispatch serial number 4) + receptacle serial number 3 + highest
  receptacle indicator 1 + registered/insured indicator 1 + weight in hectograms 4;
- dispatch: received once, then cleared once: every item of the dispatch gets exactly one answer —
  released, held or returned — with the reasons, decided by :class:`ClearanceRules` (data, not code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from silkport.logistics.domain.identifiers import normalise_s10, s10_problem
from silkport.shared.codes import is_country, is_currency
from silkport.shared.errors import Conflict, FieldError, ValidationFailed
from silkport.shared.text import field_error, templated

_IMPC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{4}$")
MAIL_CATEGORIES = {"A": "priority / airmail", "B": "S.A.L.", "C": "non-priority / surface", "D": "priority by surface"}
_HS_RE = re.compile(r"^[0-9]{6}([0-9]{2}){0,2}$")


class ItemCategory(StrEnum):
    GIFT = "gift"
    DOCUMENTS = "documents"
    SALE_OF_GOODS = "sale_of_goods"
    RETURNED_GOODS = "returned_goods"
    COMMERCIAL_SAMPLE = "commercial_sample"


class CustomsForm(StrEnum):
    CN22 = "CN22"
    CN23 = "CN23"


class Outcome(StrEnum):
    RELEASED = "released"
    HELD = "held"
    RETURNED = "returned"


class DispatchState(StrEnum):
    RECEIVED = "received"
    CLEARED = "cleared"


# -- identifiers --------------------------------------------------------------------------------


def normalise_mail_id(value: str) -> str:
    return re.sub(r"\s", "", value).upper()


def _dispatch_part_problem(ident: str) -> str | None:
    if not _IMPC_RE.match(ident[0:6]) or not is_country(ident[0:2]):
        return "characters 1-6 are the origin office of exchange (ISO country + 4 characters), e.g. CNURCA"
    if not _IMPC_RE.match(ident[6:12]) or not is_country(ident[6:8]):
        return "characters 7-12 are the destination office of exchange (ISO country + 4 characters)"
    if ident[12] not in MAIL_CATEGORIES:
        return "character 13 is the mail category: A, B, C or D"
    if not re.fullmatch(r"[A-Z]{2}", ident[13:15]):
        return "characters 14-15 are the mail subclass (2 letters, e.g. UN letters, CN parcels, EM EMS)"
    if not ident[15].isdigit():
        return "character 16 is the last digit of the year"
    if not re.fullmatch(r"[0-9]{4}", ident[16:20]):
        return "characters 17-20 are the dispatch serial number (4 digits)"
    return None


def dispatch_problem(value: str) -> str | None:
    """None for a valid 20-character dispatch identifier (the first 20 characters of an S9 receptacle id)."""
    ident = normalise_mail_id(value)
    if len(ident) != 20 or not ident.isascii():
        return f"a dispatch identifier has 20 characters, not {len(ident)}"
    return _dispatch_part_problem(ident)


def receptacle_problem(value: str) -> str | None:
    """None for a valid UPU S9 29-character receptacle identifier, else what is wrong with it."""
    ident = normalise_mail_id(value)
    if len(ident) != 29 or not ident.isascii():
        return f"an S9 receptacle identifier has 29 characters, not {len(ident)}"
    problem = _dispatch_part_problem(ident)
    if problem:
        return problem
    if not re.fullmatch(r"[0-9]{3}", ident[20:23]) or ident[20:23] == "000":
        return "characters 21-23 are the receptacle serial number (001-999)"
    if ident[23] not in "09":
        return "character 24 is the highest receptacle indicator: 0, or 9 for the last receptacle"
    if ident[24] not in "019":
        return "character 25 is the registered/insured indicator: 0, 1 or 9"
    if not re.fullmatch(r"[0-9]{4}", ident[25:29]):
        return "characters 26-29 are the receptacle weight in hectograms (4 digits)"
    return None


def receptacle_dispatch(receptacle_id: str) -> str:
    return normalise_mail_id(receptacle_id)[:20]


def receptacle_weight_kg(receptacle_id: str) -> Decimal:
    return Decimal(int(normalise_mail_id(receptacle_id)[25:29])) / 10


# -- items --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContentLine:
    description: str
    quantity: int
    net_weight_kg: Decimal
    value: Decimal
    hs_code: str | None
    origin_country: str | None


@dataclass(frozen=True, slots=True)
class PostalItem:
    item_id: str
    receptacle_id: str
    sender_country: str
    addressee_country: str
    category: ItemCategory
    form: CustomsForm
    gross_weight_kg: Decimal
    currency: str
    contents: tuple[ContentLine, ...]

    @property
    def declared_value(self) -> Decimal:
        return sum((c.value for c in self.contents), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "receptacle_id": self.receptacle_id,
            "sender_country": self.sender_country,
            "addressee_country": self.addressee_country,
            "category": self.category.value,
            "form": self.form.value,
            "gross_weight_kg": str(self.gross_weight_kg),
            "currency": self.currency,
            "contents": [
                {
                    "description": c.description,
                    "quantity": c.quantity,
                    "net_weight_kg": str(c.net_weight_kg),
                    "value": str(c.value),
                    "hs_code": c.hs_code,
                    "origin_country": c.origin_country,
                }
                for c in self.contents
            ],
        }


def _decimal(raw: object, where: str, errors: list[FieldError]) -> Decimal | None:
    if isinstance(raw, bool) or raw is None or raw == "":
        errors.append(field_error(where, "a number is required"))
        return None
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        errors.append(field_error(where, "%(raw)r is not a number", raw=raw))
        return None
    if not value.is_finite() or value < 0 or value > Decimal("1e9"):
        errors.append(field_error(where, "a number between 0 and 1,000,000,000"))
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        errors.append(field_error(where, "at most 3 decimals"))
        return None
    return value


def parse_item(raw: Mapping[str, Any], prefix: str = "") -> PostalItem:
    """An item from ITMATT-style fields; every problem is named under ``prefix``.

    Missing content *data* (an empty description, no HS code or origin on a line) is not an error here:
    the item is accepted and the clearance holds it. Malformed identifiers, codes and numbers are errors.
    """
    errors: list[FieldError] = []

    def text(name: str) -> str:
        value = raw.get(name)
        return value.strip() if isinstance(value, str) else ""

    item_id = normalise_s10(text("item_id"))
    problem = s10_problem(item_id)
    if problem:
        errors.append(FieldError(f"{prefix}item_id", problem))
    receptacle = normalise_mail_id(text("receptacle_id"))
    problem = receptacle_problem(receptacle)
    if problem:
        errors.append(FieldError(f"{prefix}receptacle_id", problem))
    countries: dict[str, str] = {}
    for name in ("sender_country", "addressee_country"):
        code = text(name).upper()
        if not is_country(code):
            errors.append(field_error(f"{prefix}{name}", "%(code)r is not an ISO 3166 alpha-2 country code", code=code))
        countries[name] = code
    category = text("category").lower()
    if category not in {c.value for c in ItemCategory}:
        errors.append(
            field_error(
                f"{prefix}category", "one of %(ItemCategory)s", ItemCategory=", ".join(c.value for c in ItemCategory)
            )
        )
    form = text("form").upper()
    if form not in {f.value for f in CustomsForm}:
        errors.append(field_error(f"{prefix}form", "CN22 or CN23"))
    currency = text("currency").upper()
    if not is_currency(currency):
        errors.append(
            field_error(f"{prefix}currency", "%(currency)r is not an ISO 4217 currency code", currency=currency)
        )
    gross = _decimal(raw.get("gross_weight_kg"), f"{prefix}gross_weight_kg", errors)
    lines: list[ContentLine] = []
    contents = raw.get("contents")
    if not isinstance(contents, list):
        errors.append(field_error(f"{prefix}contents", "a list of content lines (it may be empty)"))
        contents = []
    if len(contents) > 99:
        errors.append(field_error(f"{prefix}contents", "at most 99 content lines"))
        contents = []
    for j, line in enumerate(contents):
        where = f"{prefix}contents[{j}]."
        if not isinstance(line, Mapping):
            errors.append(field_error(f"{prefix}contents[{j}]", "a content line is an object"))
            continue
        description = line.get("description")
        description = description.strip() if isinstance(description, str) else ""
        if len(description) > 200:
            errors.append(field_error(f"{where}description", "at most 200 characters"))
        quantity = line.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 1_000_000:
            errors.append(field_error(f"{where}quantity", "a whole number from 1 to 1,000,000"))
            quantity = 0
        net = _decimal(line.get("net_weight_kg"), f"{where}net_weight_kg", errors)
        value = _decimal(line.get("value"), f"{where}value", errors)
        hs = line.get("hs_code")
        hs = str(hs).replace(".", "").strip() if hs not in (None, "") else None
        if hs is not None and not _HS_RE.match(hs):
            errors.append(field_error(f"{where}hs_code", "6, 8 or 10 digits (HS subheading or national line)"))
        origin = line.get("origin_country")
        origin = str(origin).strip().upper() if origin not in (None, "") else None
        if origin is not None and not is_country(origin):
            errors.append(
                field_error(f"{where}origin_country", "%(origin)r is not an ISO 3166 country code", origin=origin)
            )
        if net is not None and value is not None:
            lines.append(ContentLine(description, quantity, net, value, hs, origin))
    if gross is not None and gross == 0:
        errors.append(field_error(f"{prefix}gross_weight_kg", "must be more than 0"))
    if errors:
        raise ValidationFailed(errors)
    assert gross is not None
    return PostalItem(
        item_id, receptacle, countries["sender_country"], countries["addressee_country"], ItemCategory(category),
        CustomsForm(form), gross, currency, tuple(lines),
    )  # fmt: skip


# -- clearance rules (data) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class ClearanceRules:
    """The mail clearance policy as data (see ``logistics/data/mail_clearance.yaml``)."""

    version: str
    #: above this declared value (per currency) a CN23 is required, not a CN22
    cn23_above: Mapping[str, Decimal]
    #: above this declared value (per currency) the item is held for duty assessment
    duty_free_up_to: Mapping[str, Decimal]
    #: HS prefixes whose goods may not enter by post: the item is returned
    prohibited_hs: tuple[str, ...]
    #: HS prefixes that need a licence or permit: the item is held
    controlled_hs: tuple[str, ...]
    #: categories held whatever their value (e.g. sale of goods above nothing)
    held_categories: frozenset[str] = frozenset()

    @staticmethod
    def from_mapping(data: Mapping[str, Any]) -> ClearanceRules:
        def amounts(name: str) -> dict[str, Decimal]:
            raw = data.get(name) or {}
            if not isinstance(raw, Mapping):
                raise ValueError(f"{name} is a mapping of currency -> amount")
            return {str(k).upper(): Decimal(str(v)) for k, v in raw.items()}

        return ClearanceRules(
            version=str(data["version"]),
            cn23_above=amounts("cn23_above"),
            duty_free_up_to=amounts("duty_free_up_to"),
            prohibited_hs=tuple(str(p) for p in data.get("prohibited_hs") or ()),
            controlled_hs=tuple(str(p) for p in data.get("controlled_hs") or ()),
            held_categories=frozenset(str(c) for c in data.get("held_categories") or ()),
        )

    def decide(self, item: PostalItem) -> tuple[Outcome, tuple[Reason, ...]]:
        """Exactly one outcome per item: returned beats held beats released; every reason is kept."""
        returned: list[Reason] = []
        held: list[Reason] = []
        for i, line in enumerate(item.contents):
            if line.hs_code and line.hs_code.startswith(self.prohibited_hs):
                returned.append(Reason("PROHIBITED", f"line {i + 1}: HS {line.hs_code} may not be sent by post"))
            elif line.hs_code and line.hs_code.startswith(self.controlled_hs):
                held.append(Reason("CONTROLLED", f"line {i + 1}: HS {line.hs_code} needs a licence or permit"))
        if item.category is not ItemCategory.DOCUMENTS:
            if not item.contents:
                held.append(Reason("NO_CONTENT", "no content lines were declared"))
            for i, line in enumerate(item.contents):
                missing = [
                    name
                    for name, ok in (
                        ("description", bool(line.description)),
                        ("HS code", line.hs_code is not None),
                        ("origin country", line.origin_country is not None),
                    )
                    if not ok
                ]
                if missing:
                    held.append(Reason("MISSING_DATA", f"line {i + 1}: no {', '.join(missing)}"))
        value = item.declared_value
        limit = self.cn23_above.get(item.currency)
        if limit is None or self.duty_free_up_to.get(item.currency) is None:
            held.append(Reason("CURRENCY", f"no clearance threshold for {item.currency}: value to be checked"))
        else:
            if item.form is CustomsForm.CN22 and value > limit:
                held.append(Reason("CN23_REQUIRED", f"declared value {value} {item.currency} is above {limit}"))
            free = self.duty_free_up_to[item.currency]
            if value > free and item.category is not ItemCategory.RETURNED_GOODS:
                held.append(Reason("DUTY", f"declared value {value} {item.currency} is above {free}: duty"))
        if item.category.value in self.held_categories:
            held.append(Reason("CATEGORY", f"{item.category.value} items are examined"))
        if returned:
            return Outcome.RETURNED, tuple(returned + held)
        if held:
            return Outcome.HELD, tuple(held)
        return Outcome.RELEASED, ()


@dataclass(frozen=True, slots=True)
class Answer:
    """A CUSRSP-style answer for one item."""

    item_id: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    decided_at: datetime
    officer: str
    rules_version: str


@dataclass
class Dispatch:
    id: str
    enterprise_id: str
    received_at: datetime
    items: dict[str, PostalItem] = field(default_factory=dict)
    state: DispatchState = DispatchState.RECEIVED
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.id[0:6]

    @property
    def destination(self) -> str:
        return self.id[6:12]

    @property
    def receptacles(self) -> list[str]:
        return sorted({i.receptacle_id for i in self.items.values()})

    def add(self, item: PostalItem) -> None:
        if self.state is not DispatchState.RECEIVED:
            raise Conflict(templated("dispatch %(id)s is already cleared: no items can be added", id=self.id))
        if receptacle_dispatch(item.receptacle_id) != self.id:
            raise ValidationFailed(
                field_error(
                    "receptacle_id",
                    "receptacle %(receptacle_id)s does not belong to dispatch %(id)s",
                    receptacle_id=item.receptacle_id,
                    id=self.id,
                )
            )
        if item.item_id in self.items:
            raise Conflict(
                templated("item %(item_id)s is already in dispatch %(id)s", item_id=item.item_id, id=self.id)
            )
        self.items[item.item_id] = item

    def clear(self, rules: ClearanceRules, officer: str, at: datetime) -> list[Answer]:
        """Bulk clearance: one answer per item, once per dispatch."""
        if self.state is DispatchState.CLEARED:
            raise Conflict(templated("dispatch %(id)s was already cleared", id=self.id))
        if not self.items:
            raise Conflict(templated("dispatch %(id)s has no items to clear", id=self.id))
        for item_id in sorted(self.items):
            outcome, reasons = rules.decide(self.items[item_id])
            self.answers[item_id] = Answer(item_id, outcome, reasons, at, officer, rules.version)
        self.state = DispatchState.CLEARED
        return [self.answers[i] for i in sorted(self.answers)]
