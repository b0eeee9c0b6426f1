"""Declarations as the risk model sees them: one goods item per row, the attributes of the KCS data set.

The model is trained on the Korea Customs Service import declarations data set (Jeong, Kim, Park, Choi,
"Customs Import Declaration Datasets", arXiv:2208.02484; MIT licence): 54,000 synthetic declarations, one
goods item per row. :func:`read_kcs` reads such a CSV file into :class:`KcsRecord` rows; :func:`to_records`
maps a silkport :class:`~silkport.clearance.domain.model.DeclarationContent` onto the same record (one per
goods item), so a declaration filed through the API is scored by the same features and the same model.

How each KCS column maps onto silkport's declaration
    ====================================  ====================================================================
    KCS column                            silkport (``DeclarationContent`` / ``GoodsItem``)
    ====================================  ====================================================================
    Declaration ID                        the declaration id, ``#n`` appended for the n-th goods item (n > 1)
    Date                                  the day of lodgement (given by the caller: the domain reads no clock)
    Office ID                             ``office_code`` (the customs office of lodgement)
    Process Type                          ``"B"`` for every declaration (KCS: 99.98 % ``B``, the ordinary
                                          declaration process; silkport has one process)
    Import Type                           the declaration ``type`` (``import``, ``bonded_entry``...)
    Import Use                            ``bonded_exit_kind`` when there is one, else empty
    Payment Type                          ``incoterm`` (KCS codes the settlement method, which silkport does not
                                          record; the trade term is the nearest commercial condition)
    Mode of Transport                     ``transport_mode``: its UN/ECE Rec. 19 digit followed by ``0``
                                          (KCS uses the same numbering: 10 sea, 20 rail, 30 road, 40 air,
                                          50 mail)
    Declarant ID                          ``declarant_id`` (the zone enterprise that files)
    Importer ID                           ``consignee.identifier``, else the consignee's name
    Seller ID                             ``consignor.identifier``, else the consignor's name
    Courier ID                            ``transport_id`` for mail consignments (the express or postal carrier's
                                          reference), else empty (KCS: empty on 82 % of rows)
    HS6 Code                              the goods item's HS6 (``GoodsItem.hs6``)
    Country of Departure                  ``dispatch_country``
    Country of Origin                     the goods item's ``origin_country``
    Tax Rate                              the item's duty rate in percent, from the tariff (passed in by the
                                          caller, who has the tariff; 0 when unknown)
    Tax Type                              the preferential agreement claimed (``GoodsItem.preference``), else
                                          ``"A"`` (KCS ``A``: the basic rate; ``FCN1``, ``FEU1``...: the FTA
                                          rates with China, the EU...)
    Country of Origin Indicator           ``"Y"`` when a certificate of origin is among the documents, else
                                          ``"N"`` (KCS codes how the origin was evidenced)
    Net Mass                              the goods item's ``net_mass_kg``
    Item Price                            the item's value in the customs currency (``value x exchange_rate``,
                                          CNY), times ``price_scale`` (KCS prices are in KRW: a model trained on
                                          KCS data needs prices on its scale; one retrained on the zone's own
                                          store takes CNY as they are)
    Fraud / Critical Fraud                the inspection outcome, when one is known (``None`` otherwise)
    ====================================  ====================================================================

Masses and prices are floats here on purpose: a record is a feature input of a statistical model, not an
amount anybody pays (duties are computed by ``silkport.clearance.domain.duties`` in ``Decimal``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from silkport.clearance.domain.model import DeclarationContent, DocumentKind, GoodsItem, TransportMode

#: the KCS CSV header, in file order
KCS_COLUMNS: tuple[str, ...] = (
    "Declaration ID",
    "Date",
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
    "Fraud",
    "Critical Fraud",
)
LABEL_COLUMNS = ("Fraud", "Critical Fraud")


class KcsFormatError(ValueError):
    """A KCS file that cannot be read: names the file, the line and the column."""


class KcsRecord(NamedTuple):
    """One goods item of one declaration, with the inspection outcome when it is known.

    A named tuple, not a frozen dataclass: records are built on the scoring hot path (one per goods item of
    every lodgement) and a tuple is built several times faster, immutable all the same."""

    declaration_id: str
    date: date
    office: str
    process_type: str
    import_type: str
    import_use: str
    payment_type: str
    transport_mode: str
    declarant: str
    importer: str
    seller: str
    courier: str
    hs6: str
    departure_country: str
    origin_country: str
    tax_rate: float  # percent
    tax_type: str
    origin_indicator: str
    net_mass: float  # kg
    item_price: float  # in the data set's currency (KRW for KCS, CNY for silkport)
    fraud: int | None = None  # 0/1; None: no inspection outcome known
    critical_fraud: int | None = None  # 0/1/2

    @property
    def labelled(self) -> bool:
        return self.fraud is not None

    @property
    def duty(self) -> float:
        """Item price x tax rate: the duty at stake on this item (what "evaded duty recovered" weighs)."""
        return self.item_price * self.tax_rate / 100.0


def _number(value: str, column: str, where: str) -> float:
    try:
        x = float(value) if value.strip() else 0.0
    except ValueError:
        raise KcsFormatError(f"{where}: {column} {value!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise KcsFormatError(f"{where}: {column} {value!r} must be a finite number >= 0")
    return x


def _label(value: str, column: str, where: str, allowed: frozenset[int]) -> int | None:
    text = value.strip()
    if not text:
        return None
    try:
        n = int(float(text))
    except ValueError:
        raise KcsFormatError(f"{where}: {column} {value!r} is not a label") from None
    if n not in allowed:
        raise KcsFormatError(f"{where}: {column} must be one of {sorted(allowed)}, not {value!r}")
    return n


def parse_row(row: dict[str, str], where: str) -> KcsRecord:
    """One CSV row (by column name) into a record; ``where`` prefixes the error messages."""
    try:
        day = date.fromisoformat(row["Date"].strip())
    except ValueError:
        raise KcsFormatError(f"{where}: Date {row['Date']!r} is not an ISO date (YYYY-MM-DD)") from None
    declaration_id = row["Declaration ID"].strip()
    if not declaration_id:
        raise KcsFormatError(f"{where}: Declaration ID is empty")
    hs6 = row["HS6 Code"].strip()
    if not hs6.isdigit() or len(hs6) > 6:
        raise KcsFormatError(f"{where}: HS6 Code {hs6!r} is not an HS subheading (up to 6 digits)")
    return KcsRecord(
        declaration_id=declaration_id,
        date=day,
        office=row["Office ID"].strip(),
        process_type=row["Process Type"].strip(),
        import_type=row["Import Type"].strip(),
        import_use=row["Import Use"].strip(),
        payment_type=row["Payment Type"].strip(),
        transport_mode=row["Mode of Transport"].strip(),
        declarant=row["Declarant ID"].strip(),
        importer=row["Importer ID"].strip(),
        seller=row["Seller ID"].strip(),
        courier=row["Courier ID"].strip(),
        hs6=hs6.zfill(6),
        departure_country=row["Country of Departure"].strip(),
        origin_country=row["Country of Origin"].strip(),
        tax_rate=_number(row["Tax Rate"], "Tax Rate", where),
        tax_type=row["Tax Type"].strip(),
        origin_indicator=row["Country of Origin Indicator"].strip(),
        net_mass=_number(row["Net Mass"], "Net Mass", where),
        item_price=_number(row["Item Price"], "Item Price", where),
        fraud=_label(row.get("Fraud", ""), "Fraud", where, frozenset({0, 1})),
        critical_fraud=_label(row.get("Critical Fraud", ""), "Critical Fraud", where, frozenset({0, 1, 2})),
    )


def iter_kcs(path: Path) -> Iterator[KcsRecord]:
    """The rows of a KCS CSV file, in file order. The label columns may be absent (a file to score)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        missing = [c for c in KCS_COLUMNS if c not in header and c not in LABEL_COLUMNS]
        if missing:
            raise KcsFormatError(f"{path}: not a KCS declarations file: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            yield parse_row(row, f"{path.name}:{line}")


def read_kcs(paths: Iterable[Path]) -> list[KcsRecord]:
    """All rows of one or more KCS files, in file order; a declaration id must not repeat."""
    records: list[KcsRecord] = []
    seen: set[str] = set()
    for path in paths:
        for r in iter_kcs(path):
            if r.declaration_id in seen:
                raise KcsFormatError(f"{path}: Declaration ID {r.declaration_id} appears more than once")
            seen.add(r.declaration_id)
            records.append(r)
    return records


def chronological(records: Iterable[KcsRecord]) -> list[KcsRecord]:
    """Records in the order the history replays them: by date, then declaration id (a stable, total order)."""
    return sorted(records, key=lambda r: (r.date, r.declaration_id))


# ------------------------------------------------------------------------------ silkport declarations

#: the KCS "Tax Type" of an item that claims no preference (the basic rate)
BASIC_TAX_TYPE = "A"


class Header(NamedTuple):
    """What every goods item of a declaration shares, in the order ``features._header`` reads a record."""

    office: str
    process_type: str
    import_type: str
    import_use: str
    payment_type: str
    transport_mode: str
    origin_indicator: str
    departure_country: str
    importer: str
    declarant: str
    seller: str
    courier: str


#: a goods item as the features need it: (hs6, origin country, tax type, tax rate %, net mass kg, item price)
Goods = tuple[str, str, str, float, float, float]


def declaration_goods(
    content: DeclarationContent,
    *,
    tax_rate: Callable[[GoodsItem], float] | None = None,
    price_scale: float = 1.0,
) -> tuple[Header, list[Goods]]:
    """A silkport declaration as KCS attributes (see the module's mapping table): what its goods items share,
    and per item what differs. :func:`to_records` builds its records from this; the lodgement path scores
    it directly (``HistoryState.features_of_goods``), without records."""
    has_certificate = any(d.kind is DocumentKind.CERTIFICATE_OF_ORIGIN for d in content.documents)
    mode = content.transport_mode
    header = Header(
        content.office_code,
        "B",  # process_type
        str(content.type),  # a StrEnum's str() is its value, cheaper than the ``.value`` descriptor
        str(content.bonded_exit_kind) if content.bonded_exit_kind else "",
        str(content.incoterm),
        mode.rec19 + "0",
        "Y" if has_certificate else "N",
        content.dispatch_country,
        content.consignee.identifier or content.consignee.name,
        content.declarant_id,
        content.consignor.identifier or content.consignor.name,
        content.transport_id if mode is TransportMode.MAIL else "",
    )
    rate = float(content.exchange_rate) * price_scale
    goods = [
        (
            item.hs_code[:6],
            item.origin_country,
            item.preference or BASIC_TAX_TYPE,
            float(tax_rate(item)) if tax_rate is not None else 0.0,
            float(item.net_mass_kg),
            float(item.value) * rate,
        )
        for item in content.items
    ]
    return header, goods


def to_records(
    content: DeclarationContent,
    declaration_id: str,
    day: date,
    *,
    tax_rate: Callable[[GoodsItem], float] | None = None,
    price_scale: float = 1.0,
) -> list[KcsRecord]:
    """A silkport declaration as KCS records, one per goods item (see the module's mapping table).

    ``tax_rate(item)`` gives an item's duty rate in percent (from the tariff the caller holds; 0 without one).
    A declaration's risk is the highest of its items' scores (``RiskScorer.score_declaration``)."""
    h, goods = declaration_goods(content, tax_rate=tax_rate, price_scale=price_scale)
    make = KcsRecord._make
    return [
        # positional, in field order (``_make`` skips the keyword-parsing constructor)
        make(
            (
                declaration_id if n == 1 else f"{declaration_id}#{n}",
                day,
                h.office,
                h.process_type,
                h.import_type,
                h.import_use,
                h.payment_type,
                h.transport_mode,
                h.declarant,
                h.importer,
                h.seller,
                h.courier,
                hs6,
                h.departure_country,
                origin,
                tax,
                tax_type,
                h.origin_indicator,
                mass,
                price,
                None,  # fraud: unknown when filed
                None,  # critical_fraud
            )
        )
        for n, (hs6, origin, tax_type, tax, mass, price) in enumerate(goods, start=1)
    ]


def to_record(
    content: DeclarationContent,
    declaration_id: str,
    day: date,
    *,
    item: int = 0,
    tax_rate: Callable[[GoodsItem], float] | None = None,
    price_scale: float = 1.0,
) -> KcsRecord:
    """The KCS record of one goods item (the first by default) of a silkport declaration."""
    records = to_records(content, declaration_id, day, tax_rate=tax_rate, price_scale=price_scale)
    if not 0 <= item < len(records):
        raise IndexError(f"the declaration has {len(records)} goods item(s), no item {item}")
    return records[item]
