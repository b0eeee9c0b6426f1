"""Read and write customs declarations as WCO Data Model 3.x declaration XML (``WCO DEC``).

The structure is the one administrations adopting the WCO Data Model use for import and export
declarations, with element names and namespaces as in the UK CDS "DEC-DMS" profile: a
``MetaData`` wrapper (``urn:wco:datamodel:WCO:DocumentMetaData-DMS:2``) holding one or more
``Declaration`` elements (``urn:wco:datamodel:WCO:DEC-DMS:2``), or a single ``Declaration`` as the
root. Elements are matched by local name, whatever their namespace or prefix; elements that the
table below does not name are ignored.

Public API
----------
- :func:`parse_declarations` ``(data: bytes) -> list[ParsedDeclaration]``, in document order;
  :class:`ParsedDeclaration` has ``functional_reference_id``, ``content``, ``declarant_id`` (the
  ``Declarant/ID`` as stated, kept apart from ``content``) and ``location``, and a ``reference``
  property (the functional reference, else the location) to name it in messages.
- :func:`write_declarations` ``(contents: Sequence[DeclarationContent]) -> bytes`` (always a
  ``MetaData`` wrapper, UTF-8, one ``Declaration`` per content, in order)

``parse_declarations(write_declarations(xs))`` gives back ``xs`` (as ``ParsedDeclaration.content``):
every field of ``DeclarationContent`` is carried, none is dropped. This holds when the strings
carry no leading or trailing whitespace (XML text is stripped when read), optional strings are
``None`` rather than empty, the codes have the shapes the parser checks (below) and the LOCODEs
are compact (``CNURC``; the parser normalises ``CN URC``). Decimals compare equal
(``Decimal("7.10") == Decimal("7.1")``) and keep the digits they were written with.

The parser checks syntax and shape only (a country is two capital letters, an HS code 6, 8 or 10
digits, a number a plain decimal): whether a country, currency, office or HS heading exists, and
whether the figures add up, is :func:`silkport.clearance.domain.validation.validate`'s job.

Mapping (paths below ``Declaration``; ``GS`` = ``GoodsShipment``, ``GI`` =
``GS/GovernmentAgencyGoodsItem``, one per goods item, in document order)
---------------------------------------------------------------------------------------------------
=========================  ========================================================================
DeclarationContent         WCO DM element
=========================  ========================================================================
(function)                 ``FunctionCode``, required; only ``9`` (original declaration) is read
lrn                        ``FunctionalReferenceID`` (optional; also ``ParsedDeclaration.
                           functional_reference_id``)
type, bonded_exit_kind     ``TypeCode`` + ``GI/GovernmentProcedure`` (see *Declaration types*)
declarant_id               ``Declarant/ID``, as stated (EORI, USCC...): the service maps it to a
                           zone enterprise later
consignor                  ``Exporter``: ``Name``, ``ID`` (optional), ``Address/CountryCode``
consignee                  ``GS/Importer`` for import, bonded entry and release from bond,
                           ``GS/Consignee`` for export, re-export and transit (the other one is
                           read when the expected one is absent); same children as ``Exporter``
office_code                ``DeclarationOfficeID`` (silkport's office code, e.g. ``HRS-ROAD``)
transport_mode             ``BorderTransportMeans/ModeCode`` (UN/ECE Rec. 19: 1 sea, 2 rail,
                           3 road, 4 air, 5 mail, 7 fixed installation, 8 inland waterway)
transport_id               ``BorderTransportMeans/ID`` (plate, train or flight number)
dispatch_country           ``GS/ExportCountry/ID``
origin_country             ``GS/Origin/CountryCode``
destination_country        ``GS/Destination/CountryCode``
loading_locode             ``GS/Consignment/LoadingLocation/ID`` (UN/LOCODE)
unloading_locode           ``GS/Consignment/UnloadingLocation/ID`` (UN/LOCODE)
incoterm                   ``GS/TradeTerms/ConditionCode`` (Incoterms 2020)
invoice_amount, _currency  ``InvoiceAmount`` and its ``currencyID``
freight                    ``GS/CustomsValuation/FreightChargeAmount`` (else a ``ChargeDeduction``
                           with ``ChargesTypeCode`` 64); 0 when absent
insurance                  ``GS/CustomsValuation/ChargeDeduction`` with ``ChargesTypeCode`` 67:
                           ``OtherChargeDeductionAmount``; 0 when absent
exchange_rate              ``CurrencyExchange/RateNumeric`` (CNY per unit of the invoice currency;
                           ``CurrencyExchange/CurrencyTypeCode``, if given, must be that currency)
exchange_rate_date         ``CurrencyExchange/EffectiveDateTime/DateTimeString`` (formatCode 102,
                           ``CCYYMMDD``): a silkport addition, the UK CDS profile has no such date
documents                  ``AdditionalDocument`` (declaration level): ``CategoryCode`` (``N``
                           or absent: ``TypeCode`` is a UN/EDIFACT 1001 document code), ``TypeCode``,
                           ``ID`` (reference), ``IssueDateTime/DateTimeString`` (formatCode 102)
containers                 ``GS/Consignment/TransportEquipment``: ``ID`` (ISO 6346, checked by
                           validation) and ``Seal/ID`` for each seal
items[].hs_code            ``GI/Commodity/Classification/ID`` whose ``IdentificationTypeCode`` is
                           ``HS`` (written), ``TSP`` (UK CDS commodity code) or absent
items[].description        ``GI/Commodity/Description``
items[].quantity, unit     ``GI/Commodity/GoodsMeasure/TariffQuantity`` and its ``unitCode``
                           (UN/ECE Rec. 20)
items[].gross_mass_kg      ``GI/Commodity/GoodsMeasure/GrossMassMeasure`` (``unitCode`` KGM or absent)
items[].net_mass_kg        ``GI/Commodity/GoodsMeasure/NetNetWeightMeasure`` (KGM or absent)
items[].value              ``GI/Commodity/InvoiceLine/ItemChargeAmount`` (invoice currency)
items[].origin_country     ``GI/Origin/CountryCode`` (the one whose ``TypeCode`` is 1 or absent
                           when there are several)
items[].preference         ``GI/Commodity/DutyTaxFee/DutyRegimeCode`` (e.g. ``APTA``; optional)
items[].licences           ``GI/AdditionalDocument/ID`` of the documents whose ``TypeCode`` is 911
                           (import licence) or 811 (export licence); other item documents are ignored
=========================  ========================================================================

Also read and checked, not carried: ``MetaData/WCOTypeName`` (``DEC`` when present),
``GoodsItemQuantity`` (must equal the number of items), ``GI/SequenceNumeric`` (1, 2, 3... in
document order when present). Written for the reader's benefit: ``MetaData`` header (WCO DM 3.6,
``DEC``, responsible country CN), ``Consignment/ContainerCode`` (1 with containers, else 0),
``Seal/SequenceNumeric``, ``TransportEquipment/SequenceNumeric``, ``Origin/TypeCode`` 1.

Document kinds (UN/EDIFACT 1001 codes; category ``N`` as in the UK CDS document codes)
--------------------------------------------------------------------------------------
========================  ===========================  ========================================
DocumentKind              read from ``TypeCode``       written as
========================  ===========================  ========================================
invoice                   380 commercial invoice       380
packing_list              271 packing list             271
certificate_of_origin     861 certificate of origin    861
licence                   911, 811                     911 (811 for export and re-export)
transport_document        705, 720, 730, 740, 750, 760 by mode: 705 B/L (sea, inland waterway),
                                                       720 CIM (rail), 730 CMR (road), 740 AWB
                                                       (air), 750 post parcels (mail), 760
                                                       multimodal (fixed installation)
other                     any other code or category   ZZZ (mutually defined)
========================  ===========================  ========================================

Declaration types: ``TypeCode`` + requested procedure
------------------------------------------------------
``TypeCode`` is a declaration type of two letters followed by the additional declaration type
(``A`` standard, ``B``/``C`` simplified, ``D`` standard pre-lodged, ``E``/``F`` simplified
pre-lodged, ``X``/``Y``/``Z`` supplementary); the additional type is accepted and not carried, the
writer writes ``A``. The requested procedure is the first ``GI/GovernmentProcedure`` whose
``CurrentCode`` has two characters (``CurrentCode`` + ``PreviousCode``, previous ``00`` when
absent; 3-character additional procedure codes are ignored); every item must request the same one.

==============================  ==========  =========  ============================================
DeclarationType (exit kind)     TypeCode    procedure  meaning
==============================  ==========  =========  ============================================
import                          ``IMA``     40 00      release for free circulation
bonded_entry                    ``IMA``     71 00      entry into customs warehousing (bond)
bonded_exit (release)           ``IMA``     40 71      release for consumption out of bond
export                          ``EXA``     10 00      permanent export
bonded_exit (re_export)         ``EXA``     31 71      re-export out of bond
transit                         ``TRA``     (none)     silkport's code: transit has no DEC type of
                                                       its own (the EU and UK file it in NCTS)
==============================  ==========  =========  ============================================

An ``IM`` or ``EX`` declaration without any procedure reads as import or export.

Errors
------
Every problem raises :class:`~silkport.clearance.domain.errors.FormatError` whose ``location`` is an
XPath-like path with positional indexes where siblings share a name, and the source line:
``/MetaData/Declaration[2]/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Classification/ID
(line 41)``. A missing element is named below its parent, with the parent's line. XML that is not
well-formed gives the parser's ``line L, column C``. Parsing is safe: lxml with
``resolve_entities=False``, ``no_network=True``, ``huge_tree=False``, no DTD loading, and any
document type declaration (the carrier of XXE and "billion laughs" entity expansion) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from lxml import etree

from silkport.clearance.domain.errors import FormatError
from silkport.clearance.domain.model import (
    BondedExitKind,
    Container,
    DeclarationContent,
    DeclarationType,
    Document,
    DocumentKind,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)
from silkport.shared.codes import normalise_locode

DEC_NS = "urn:wco:datamodel:WCO:DEC-DMS:2"
METADATA_NS = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DS_NS = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2"

#: a declaration file is kilobytes; a batch of thousands stays well below this
MAX_BYTES = 32 * 1024 * 1024

# matched with fullmatch, ASCII digits only: a bare \d would also take Arabic-Indic and other digits
COUNTRY_RE = re.compile(r"[A-Z]{2}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
UNIT_RE = re.compile(r"[A-Z0-9]{2,3}")
HS_CODE_RE = re.compile(r"[0-9]{6}(?:[0-9]{2}){0,2}")
LOCODE_RE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
INTEGER_RE = re.compile(r"[0-9]{1,9}")
DATE_102_RE = re.compile(r"[0-9]{8}")
MODE_RE = re.compile(r"[0-9]{1,2}")
#: lxml appends ", line L, column C" to its messages; the location already says so
PARSER_POSITION_RE = re.compile(r",? line \d+, column \d+$")
#: characters outside the XML 1.0 ``Char`` production
NOT_XML_CHAR_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

FUNCTION_ORIGINAL = "9"
ADDITIONAL_TYPES = frozenset("ABCDEFXYZ")
KILOGRAM = "KGM"
DATE_FORMAT_102 = "102"
FREIGHT_CHARGE = "64"
INSURANCE_CHARGE = "67"
HS_CLASSIFICATIONS = frozenset({"HS", "TSP"})
DOCUMENT_CATEGORY = "N"
LICENCE_CODES = frozenset({"911", "811"})
IMPORT_LICENCE = "911"
EXPORT_LICENCE = "811"

_Kind = tuple[DeclarationType, BondedExitKind | None]

#: (declaration type letters, current procedure, previous procedure) -> declaration type
PROCEDURES: dict[tuple[str, str, str], _Kind] = {
    ("IM", "40", "00"): (DeclarationType.IMPORT, None),
    ("IM", "71", "00"): (DeclarationType.BONDED_ENTRY, None),
    ("IM", "40", "71"): (DeclarationType.BONDED_EXIT, BondedExitKind.RELEASE_FOR_CONSUMPTION),
    ("EX", "10", "00"): (DeclarationType.EXPORT, None),
    ("EX", "31", "71"): (DeclarationType.BONDED_EXIT, BondedExitKind.RE_EXPORT),
}
TRANSIT_TYPE = "TR"
WRITTEN_ADDITIONAL_TYPE = "A"

DOCUMENT_KINDS: dict[str, DocumentKind] = {
    "380": DocumentKind.INVOICE,
    "271": DocumentKind.PACKING_LIST,
    "861": DocumentKind.CERTIFICATE_OF_ORIGIN,
    "911": DocumentKind.LICENCE,
    "811": DocumentKind.LICENCE,
    "705": DocumentKind.TRANSPORT_DOCUMENT,
    "720": DocumentKind.TRANSPORT_DOCUMENT,
    "730": DocumentKind.TRANSPORT_DOCUMENT,
    "740": DocumentKind.TRANSPORT_DOCUMENT,
    "750": DocumentKind.TRANSPORT_DOCUMENT,
    "760": DocumentKind.TRANSPORT_DOCUMENT,
}
TRANSPORT_DOCUMENT_CODES: dict[TransportMode, str] = {
    TransportMode.SEA: "705",
    TransportMode.INLAND_WATERWAY: "705",
    TransportMode.RAIL: "720",
    TransportMode.ROAD: "730",
    TransportMode.AIR: "740",
    TransportMode.MAIL: "750",
    TransportMode.FIXED: "760",
}
DOCUMENT_CODES: dict[DocumentKind, str] = {
    DocumentKind.INVOICE: "380",
    DocumentKind.PACKING_LIST: "271",
    DocumentKind.CERTIFICATE_OF_ORIGIN: "861",
    DocumentKind.OTHER: "ZZZ",
}

#: import-like declarations name the receiver ``Importer``, the others ``Consignee``
_IMPORTER_FIRST = frozenset(
    {
        (DeclarationType.IMPORT, None),
        (DeclarationType.BONDED_ENTRY, None),
        (DeclarationType.BONDED_EXIT, BondedExitKind.RELEASE_FOR_CONSUMPTION),
    }
)
_EXPORT_LIKE = frozenset({(DeclarationType.EXPORT, None), (DeclarationType.BONDED_EXIT, BondedExitKind.RE_EXPORT)})


@dataclass(frozen=True, slots=True)
class ParsedDeclaration:
    """One ``Declaration`` read from a WCO DM document.

    ``content.declarant_id`` is the ``Declarant/ID`` exactly as stated in the message (an EORI,
    a USCC...), not yet a silkport enterprise id: the service maps it to a zone enterprise later
    and refuses the declaration when it cannot.
    """

    functional_reference_id: str | None  # Declaration/FunctionalReferenceID, the declarant's reference
    content: DeclarationContent
    declarant_id: str  # Declarant/ID again, kept apart: the service replaces content.declarant_id
    location: str  # where the Declaration starts, e.g. "/MetaData/Declaration[2] (line 9)"

    @property
    def reference(self) -> str:
        """What to call this declaration in messages: its functional reference, else where it starts."""
        return self.functional_reference_id or self.location


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

_Element = etree._Element


def parse_declarations(data: bytes) -> list[ParsedDeclaration]:
    """Read every declaration of a WCO DM document; raise ``FormatError`` on the first problem."""
    root = _parse_xml(data)
    name = _local(root)
    if name == "Declaration":
        return [_declaration(root)]
    if name != "MetaData":
        _fail(root, f"the root element is {name}: a WCO declaration starts with MetaData or Declaration")
    type_name = _optional(root, "WCOTypeName")
    if type_name is not None and _text(type_name) != "DEC":
        _fail(type_name, f"{_text(type_name)!r} is not a declaration document (WCOTypeName DEC)")
    declarations = _children(root, "Declaration")
    if not declarations:
        _missing(root, "Declaration")
    return [_declaration(d) for d in declarations]


def _parse_xml(data: bytes) -> _Element:
    if len(data) > MAX_BYTES:
        raise FormatError("document", f"{len(data)} bytes is more than the {MAX_BYTES} a WCO document may have")
    doctype = data.find(b"<!DOCTYPE")
    if doctype >= 0:
        _refuse_doctype(data.count(b"\n", 0, doctype) + 1)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, column = e.position
        message = PARSER_POSITION_RE.sub("", e.msg or "")
        raise FormatError(f"line {line}, column {column}", f"not well-formed XML: {message}") from None
    except (ValueError, LookupError) as e:  # e.g. an encoding Python knows but libxml2 does not
        raise FormatError("line 1, column 1", f"not well-formed XML: {e}") from None
    if root is None:
        raise FormatError("line 1, column 1", "not well-formed XML: no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _refuse_doctype(1)
    return root


def _refuse_doctype(line: int) -> NoReturn:
    raise FormatError(
        f"DOCTYPE (line {line})",
        "document type declarations are refused: they can define entities (XXE, entity expansion)",
    )


def _declaration(dec: _Element) -> ParsedDeclaration:
    function = _one(dec, "FunctionCode")
    if _text(function) != FUNCTION_ORIGINAL:
        _fail(function, f"{_text(function)!r}: only original declarations (FunctionCode 9) can be read")
    reference = _optional_text(dec, "FunctionalReferenceID")
    shipment = _one(dec, "GoodsShipment")
    item_elements = _children(shipment, "GovernmentAgencyGoodsItem")
    if not item_elements:
        _missing(shipment, "GovernmentAgencyGoodsItem")
    count = _optional(dec, "GoodsItemQuantity")
    if count is not None and _integer(count) != len(item_elements):
        _fail(count, f"says {_integer(count)} goods items, the declaration has {len(item_elements)}")
    kind = _declaration_kind(_one(dec, "TypeCode"), item_elements)

    invoice = _one(dec, "InvoiceAmount")
    currency = _attribute(invoice, "currencyID", CURRENCY_RE, "an ISO 4217 currency code")
    invoice_amount = _decimal(invoice)

    exchange = _one(dec, "CurrencyExchange")
    exchange_currency = _optional(exchange, "CurrencyTypeCode")
    if exchange_currency is not None and _text(exchange_currency) != currency:
        _fail(exchange_currency, f"{_text(exchange_currency)!r} differs from the invoice currency {currency!r}")

    transport = _one(dec, "BorderTransportMeans")
    mode_element = _one(transport, "ModeCode")
    try:
        if not MODE_RE.fullmatch(_text(mode_element)):
            raise ValueError(_text(mode_element))
        mode = TransportMode.from_rec19(_text(mode_element))
    except ValueError:
        _fail(mode_element, f"{_text(mode_element)!r} is not a UN/ECE Rec. 19 mode of transport code")

    consignment = _one(shipment, "Consignment")
    valuation = _optional(shipment, "CustomsValuation")
    freight, insurance = _charges(valuation, currency)
    trade_terms = _one(_one(shipment, "TradeTerms"), "ConditionCode")
    try:
        incoterm = Incoterm(_text(trade_terms))
    except ValueError:
        _fail(trade_terms, f"{_text(trade_terms)!r} is not an Incoterms 2020 rule ({', '.join(Incoterm)})")

    content = DeclarationContent(
        type=kind[0],
        declarant_id=_string(_one(dec, "Declarant"), "ID"),
        consignor=_party(_one(dec, "Exporter")),
        consignee=_party(_consignee(shipment, kind)),
        office_code=_string(dec, "DeclarationOfficeID"),
        transport_mode=mode,
        transport_id=_string(transport, "ID"),
        dispatch_country=_code(_one(_one(shipment, "ExportCountry"), "ID"), COUNTRY_RE, "an ISO 3166 country code"),
        origin_country=_country(_one(shipment, "Origin")),
        destination_country=_country(_one(shipment, "Destination")),
        loading_locode=_locode(_one(_one(consignment, "LoadingLocation"), "ID")),
        unloading_locode=_locode(_one(_one(consignment, "UnloadingLocation"), "ID")),
        incoterm=incoterm,
        invoice_currency=currency,
        invoice_amount=invoice_amount,
        freight=freight,
        insurance=insurance,
        exchange_rate=_decimal(_one(exchange, "RateNumeric")),
        exchange_rate_date=_date(_one(exchange, "EffectiveDateTime")),
        items=tuple(_item(element, position, currency) for position, element in enumerate(item_elements, 1)),
        documents=tuple(_document(d) for d in _children(dec, "AdditionalDocument")),
        containers=tuple(_container(c) for c in _children(consignment, "TransportEquipment")),
        lrn=reference,
        bonded_exit_kind=kind[1],
    )
    return ParsedDeclaration(reference, content, content.declarant_id, _where(dec))


def _declaration_kind(type_code: _Element, items: list[_Element]) -> _Kind:
    code = _text(type_code)
    letters, additional = code[:2], code[2:]
    known = letters in {"IM", "EX", TRANSIT_TYPE} and (additional == "" or additional in ADDITIONAL_TYPES)
    if not known:
        _fail(
            type_code,
            f"{code!r} is not a declaration type silkport reads: IM (import, bonded entry, release from bond), "
            "EX (export, re-export from bond) or TR (transit), then an additional type A-F, X, Y or Z",
        )
    if letters == TRANSIT_TYPE:
        return (DeclarationType.TRANSIT, None)
    requested: tuple[str, str] | None = None
    first: _Element | None = None
    for item in items:
        procedure = _procedure(item)
        if procedure is None:
            continue
        element, current, previous = procedure
        if requested is None:
            requested, first = (current, previous), element
        elif requested != (current, previous):
            assert first is not None
            _fail(
                element,
                f"procedure {current}{previous} differs from {requested[0]}{requested[1]} "
                f"requested at {_where(first)}: one declaration, one procedure",
            )
    if requested is None:
        return (DeclarationType.IMPORT, None) if letters == "IM" else (DeclarationType.EXPORT, None)
    try:
        return PROCEDURES[(letters, *requested)]
    except KeyError:
        wanted = ", ".join(f"{c}{p}" for (t, c, p) in PROCEDURES if t == letters)
        assert first is not None
        _fail(first, f"procedure {requested[0]}{requested[1]} on a {letters} declaration is not one of {wanted}")


def _procedure(item: _Element) -> tuple[_Element, str, str] | None:
    for procedure in _children(item, "GovernmentProcedure"):
        current = _one(procedure, "CurrentCode")
        code = _text(current)
        if len(code) != 2:
            continue  # a 3-character additional procedure code
        previous = _optional(procedure, "PreviousCode")
        return current, code, "00" if previous is None else _text(previous)
    return None


def _consignee(shipment: _Element, kind: _Kind) -> _Element:
    names = ("Importer", "Consignee") if kind in _IMPORTER_FIRST else ("Consignee", "Importer")
    for name in names:
        found = _optional(shipment, name)
        if found is not None:
            return found
    _missing(shipment, names[0])


def _party(element: _Element) -> Party:
    return Party(
        name=_string(element, "Name"),
        country=_country(_one(element, "Address")),
        identifier=_optional_text(element, "ID"),
    )


def _charges(valuation: _Element | None, currency: str) -> tuple[Decimal, Decimal]:
    if valuation is None:
        return Decimal(0), Decimal(0)
    charges: dict[str, Decimal] = {}
    for deduction in _children(valuation, "ChargeDeduction"):
        type_code = _optional(deduction, "ChargesTypeCode")
        code = "" if type_code is None else _text(type_code)
        if code not in (FREIGHT_CHARGE, INSURANCE_CHARGE):
            continue
        if code in charges:
            assert type_code is not None
            _fail(type_code, f"charge type {code} appears twice")
        charges[code] = _amount(_one(deduction, "OtherChargeDeductionAmount"), currency)
    freight_element = _optional(valuation, "FreightChargeAmount")
    freight = charges.get(FREIGHT_CHARGE, Decimal(0))
    if freight_element is not None:
        freight = _amount(freight_element, currency)
    return freight, charges.get(INSURANCE_CHARGE, Decimal(0))


def _item(element: _Element, position: int, currency: str) -> GoodsItem:
    sequence = _optional(element, "SequenceNumeric")
    if sequence is not None and _integer(sequence) != position:
        _fail(sequence, f"goods item {position} is numbered {_integer(sequence)}: number them 1, 2, 3...")
    commodity = _one(element, "Commodity")
    measure = _one(commodity, "GoodsMeasure")
    quantity = _one(measure, "TariffQuantity")
    duty = _optional(commodity, "DutyTaxFee")
    licences = []
    for document in _children(element, "AdditionalDocument"):
        type_code = _optional(document, "TypeCode")
        if type_code is not None and _text(type_code) in LICENCE_CODES and _category(document) == DOCUMENT_CATEGORY:
            licences.append(_string(document, "ID"))
    return GoodsItem(
        hs_code=_hs_code(commodity),
        description=_string(commodity, "Description"),
        quantity=_decimal(quantity),
        unit=_attribute(quantity, "unitCode", UNIT_RE, "a UN/ECE Recommendation 20 unit code"),
        gross_mass_kg=_kilograms(_one(measure, "GrossMassMeasure")),
        net_mass_kg=_kilograms(_one(measure, "NetNetWeightMeasure")),
        value=_amount(_one(_one(commodity, "InvoiceLine"), "ItemChargeAmount"), currency),
        origin_country=_country(_item_origin(element)),
        preference=None if duty is None else _optional_text(duty, "DutyRegimeCode"),
        licences=tuple(licences),
    )


def _hs_code(commodity: _Element) -> str:
    candidates = []
    for classification in _children(commodity, "Classification"):
        type_code = _optional(classification, "IdentificationTypeCode")
        if type_code is None or _text(type_code) in HS_CLASSIFICATIONS:
            candidates.append(classification)
    if not candidates:
        _missing(commodity, "Classification")
    if len(candidates) > 1:
        _fail(candidates[1], "a second HS classification: a goods item has one HS code")
    code = _one(candidates[0], "ID")
    return _code(code, HS_CODE_RE, "a 6-10 digit HS code (6 digits, or 8 or 10 with a national extension)")


def _item_origin(item: _Element) -> _Element:
    origins = _children(item, "Origin")
    if len(origins) > 1:
        origins = [o for o in origins if (_optional_text(o, "TypeCode") or "1") == "1"]
        if len(origins) != 1:
            _fail(item, "several Origin elements: give one non-preferential origin (TypeCode 1)")
    if not origins:
        _missing(item, "Origin")
    return origins[0]


def _document(element: _Element) -> Document:
    type_code = _string(element, "TypeCode")
    kind = DOCUMENT_KINDS.get(type_code, DocumentKind.OTHER)
    if _category(element) != DOCUMENT_CATEGORY:
        kind = DocumentKind.OTHER
    issued = _optional(element, "IssueDateTime")
    return Document(kind=kind, reference=_string(element, "ID"), issued=None if issued is None else _date(issued))


def _category(document: _Element) -> str:
    return _optional_text(document, "CategoryCode") or DOCUMENT_CATEGORY


def _container(element: _Element) -> Container:
    seals = tuple(_string(seal, "ID") for seal in _children(element, "Seal"))
    return Container(number=_string(element, "ID"), seals=seals)


# ---- values


def _string(parent: _Element, name: str) -> str:
    return _text(_one(parent, name))


def _optional_text(parent: _Element, name: str) -> str | None:
    element = _optional(parent, name)
    if element is None:
        return None
    return _raw_text(element) or None


def _raw_text(element: _Element) -> str:
    for child in element:
        if isinstance(child.tag, str):
            _fail(child, f"{_local(element)} holds a value, not elements")
    return (element.text or "").strip()


def _text(element: _Element) -> str:
    text = _raw_text(element)
    if not text:
        _fail(element, "is empty")
    return text


def _code(element: _Element, pattern: re.Pattern[str], what: str) -> str:
    text = _text(element)
    if not pattern.fullmatch(text):
        _fail(element, f"{text!r} is not {what}")
    return text


def _country(holder: _Element) -> str:
    return _code(_one(holder, "CountryCode"), COUNTRY_RE, "an ISO 3166 country code (two capital letters)")


def _locode(element: _Element) -> str:
    text = _text(element)
    code = normalise_locode(text)
    if not LOCODE_RE.fullmatch(code):
        _fail(element, f"{text!r} is not a UN/LOCODE (country code + 3 letters or digits)")
    return code


def _attribute(element: _Element, name: str, pattern: re.Pattern[str], what: str) -> str:
    value = element.get(name)
    if value is None:
        _fail(element, f"the {name} attribute is required")
    value = value.strip()
    if not pattern.fullmatch(value):
        _fail(element, f"{name} {value!r} is not {what}")
    return value


def _decimal(element: _Element) -> Decimal:
    text = _text(element)
    if not DECIMAL_RE.fullmatch(text):
        _fail(element, f"{text!r} is not a decimal number (digits and an optional '.' and fraction)")
    return Decimal(text)


def _integer(element: _Element) -> int:
    text = _text(element)
    if not INTEGER_RE.fullmatch(text):
        _fail(element, f"{text!r} is not a whole number")
    return int(text)


def _amount(element: _Element, currency: str) -> Decimal:
    stated = element.get("currencyID")
    if stated is not None and stated.strip() != currency:
        _fail(element, f"currencyID {stated.strip()!r} differs from the invoice currency {currency!r}")
    return _decimal(element)


def _kilograms(element: _Element) -> Decimal:
    unit = element.get("unitCode")
    if unit is not None and unit.strip() != KILOGRAM:
        _fail(element, f"unitCode {unit.strip()!r}: masses are declared in kilograms (KGM)")
    return _decimal(element)


def _date(holder: _Element) -> date:
    element = _one(holder, "DateTimeString")
    format_code = element.get("formatCode")
    if format_code is not None and format_code.strip() != DATE_FORMAT_102:
        _fail(element, f"formatCode {format_code.strip()!r} is not supported: use 102 (CCYYMMDD)")
    text = _text(element)
    try:
        if not DATE_102_RE.fullmatch(text):
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        _fail(element, f"{text!r} is not a date in format 102 (CCYYMMDD)")


# ---- elements and locations


def _local(element: _Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(parent: _Element, name: str) -> list[_Element]:
    return [c for c in parent if isinstance(c.tag, str) and _local(c) == name]


def _optional(parent: _Element, name: str) -> _Element | None:
    found = _children(parent, name)
    if len(found) > 1:
        _fail(found[1], f"{name} may appear once in {_local(parent)}, found {len(found)}")
    return found[0] if found else None


def _one(parent: _Element, name: str) -> _Element:
    found = _optional(parent, name)
    if found is None:
        _missing(parent, name)
    return found


def _path(element: _Element) -> str:
    steps = []
    node: _Element | None = element
    while node is not None:
        name = _local(node)
        parent = node.getparent()
        if parent is not None:
            same = _children(parent, name)
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _line(element: _Element) -> str:
    line: Any = element.sourceline
    return f"line {line}" if isinstance(line, int) else "line ?"


def _where(element: _Element) -> str:
    return f"{_path(element)} ({_line(element)})"


def _fail(element: _Element, message: str) -> NoReturn:
    raise FormatError(_where(element), message)


def _missing(parent: _Element, name: str) -> NoReturn:
    raise FormatError(
        f"{_path(parent)}/{name} ({_line(parent)})",
        f"required element {name} is missing from {_local(parent)}",
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_declarations(contents: Sequence[DeclarationContent]) -> bytes:
    """Write the contents as one ``MetaData`` document (UTF-8), a ``Declaration`` each, in order.

    Raises ``FormatError`` (location ``declarations[i].field``) for content the format cannot carry:
    a string with a character XML 1.0 forbids, or a bonded exit without its kind (or a kind on
    another type of declaration).
    """
    nsmap: dict[Any, str] = {None: DEC_NS, "md": METADATA_NS, "p1": DS_NS}
    root = etree.Element(_md("MetaData"), nsmap=nsmap)
    etree.SubElement(root, _md("WCODataModelVersionCode")).text = "3.6"
    etree.SubElement(root, _md("WCOTypeName")).text = "DEC"
    etree.SubElement(root, _md("ResponsibleCountryCode")).text = "CN"
    etree.SubElement(root, _md("ResponsibleAgencyName")).text = "silkport"
    for index, content in enumerate(contents):
        _Writer(f"declarations[{index}]").declaration(root, content)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _md(name: str) -> str:
    return f"{{{METADATA_NS}}}{name}"


def _number(value: Decimal) -> str:
    return format(value, "f")


def _yyyymmdd(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


class _Writer:
    """Builds one ``Declaration``; ``at`` prefixes the field names of its errors."""

    def __init__(self, at: str) -> None:
        self.at = at

    def sub(self, parent: _Element, name: str, text: str | None = None, field: str = "", **attrs: str) -> _Element:
        for value in (text or "", *attrs.values()):
            if NOT_XML_CHAR_RE.search(value):
                raise FormatError(f"{self.at}.{field or name}", "contains a character that XML 1.0 cannot carry")
        element = etree.SubElement(parent, f"{{{DEC_NS}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    def declaration(self, root: _Element, c: DeclarationContent) -> None:
        letters, procedure = self.type_code(c)
        dec = self.sub(root, "Declaration")
        self.sub(dec, "FunctionCode", FUNCTION_ORIGINAL)
        if c.lrn is not None and c.lrn.strip():
            self.sub(dec, "FunctionalReferenceID", c.lrn, "lrn")
        self.sub(dec, "TypeCode", letters + WRITTEN_ADDITIONAL_TYPE)
        self.sub(dec, "GoodsItemQuantity", str(len(c.items)))
        self.sub(dec, "DeclarationOfficeID", c.office_code, "office_code")
        self.sub(dec, "InvoiceAmount", _number(c.invoice_amount), "invoice_currency", currencyID=c.invoice_currency)
        for i, document in enumerate(c.documents):
            self.document(dec, document, c, f"documents[{i}]")
        transport = self.sub(dec, "BorderTransportMeans")
        self.sub(transport, "ID", c.transport_id, "transport_id")
        self.sub(transport, "ModeCode", c.transport_mode.rec19)
        exchange = self.sub(dec, "CurrencyExchange")
        self.sub(exchange, "CurrencyTypeCode", c.invoice_currency, "invoice_currency")
        self.sub(exchange, "RateNumeric", _number(c.exchange_rate))
        self.date(exchange, "EffectiveDateTime", c.exchange_rate_date)
        self.sub(self.sub(dec, "Declarant"), "ID", c.declarant_id, "declarant_id")
        self.party(dec, "Exporter", c.consignor, "consignor")

        shipment = self.sub(dec, "GoodsShipment")
        receiver = "Importer" if (c.type, c.bonded_exit_kind) in _IMPORTER_FIRST else "Consignee"
        if receiver == "Consignee":
            self.party(shipment, "Consignee", c.consignee, "consignee")
        consignment = self.sub(shipment, "Consignment")
        self.sub(consignment, "ContainerCode", "1" if c.containers else "0")
        self.sub(self.sub(consignment, "LoadingLocation"), "ID", c.loading_locode, "loading_locode")
        self.sub(self.sub(consignment, "UnloadingLocation"), "ID", c.unloading_locode, "unloading_locode")
        for i, container in enumerate(c.containers):
            equipment = self.sub(consignment, "TransportEquipment")
            self.sub(equipment, "SequenceNumeric", str(i + 1))
            self.sub(equipment, "ID", container.number, f"containers[{i}].number")
            for j, seal in enumerate(container.seals):
                element = self.sub(equipment, "Seal")
                self.sub(element, "SequenceNumeric", str(j + 1))
                self.sub(element, "ID", seal, f"containers[{i}].seals[{j}]")
        currency = c.invoice_currency
        valuation = self.sub(shipment, "CustomsValuation")
        self.sub(valuation, "FreightChargeAmount", _number(c.freight), "invoice_currency", currencyID=currency)
        insurance = self.sub(valuation, "ChargeDeduction")
        self.sub(insurance, "ChargesTypeCode", INSURANCE_CHARGE)
        self.sub(insurance, "OtherChargeDeductionAmount", _number(c.insurance), "invoice_currency", currencyID=currency)
        self.sub(self.sub(shipment, "Destination"), "CountryCode", c.destination_country, "destination_country")
        self.sub(self.sub(shipment, "ExportCountry"), "ID", c.dispatch_country, "dispatch_country")
        licence = EXPORT_LICENCE if (c.type, c.bonded_exit_kind) in _EXPORT_LIKE else IMPORT_LICENCE
        for i, item in enumerate(c.items):
            self.item(shipment, item, i, procedure, licence, currency)
        if receiver == "Importer":
            self.party(shipment, "Importer", c.consignee, "consignee")
        self.sub(self.sub(shipment, "Origin"), "CountryCode", c.origin_country, "origin_country")
        self.sub(self.sub(shipment, "TradeTerms"), "ConditionCode", c.incoterm.value)

    def type_code(self, c: DeclarationContent) -> tuple[str, tuple[str, str] | None]:
        if c.type is DeclarationType.TRANSIT:
            if c.bonded_exit_kind is not None:
                raise FormatError(f"{self.at}.bonded_exit_kind", "only a bonded exit says how it leaves bond")
            return TRANSIT_TYPE, None
        for (letters, current, previous), kind in PROCEDURES.items():
            if kind == (c.type, c.bonded_exit_kind):
                return letters, (current, previous)
        if c.type is DeclarationType.BONDED_EXIT:
            raise FormatError(f"{self.at}.bonded_exit_kind", "a bonded exit must say re-export or release")
        raise FormatError(f"{self.at}.bonded_exit_kind", "only a bonded exit says how it leaves bond")

    def party(self, parent: _Element, name: str, party: Party, field: str) -> None:
        element = self.sub(parent, name)
        self.sub(element, "Name", party.name, f"{field}.name")
        if party.identifier is not None and party.identifier.strip():
            self.sub(element, "ID", party.identifier, f"{field}.identifier")
        self.sub(self.sub(element, "Address"), "CountryCode", party.country, f"{field}.country")

    def date(self, parent: _Element, name: str, value: date) -> None:
        holder = self.sub(parent, name)
        string = etree.SubElement(holder, f"{{{DS_NS}}}DateTimeString", formatCode=DATE_FORMAT_102)
        string.text = _yyyymmdd(value)

    def document(self, dec: _Element, document: Document, c: DeclarationContent, field: str) -> None:
        if document.kind is DocumentKind.TRANSPORT_DOCUMENT:
            code = TRANSPORT_DOCUMENT_CODES[c.transport_mode]
        elif document.kind is DocumentKind.LICENCE:
            code = EXPORT_LICENCE if (c.type, c.bonded_exit_kind) in _EXPORT_LIKE else IMPORT_LICENCE
        else:
            code = DOCUMENT_CODES[document.kind]
        element = self.sub(dec, "AdditionalDocument")
        self.sub(element, "CategoryCode", DOCUMENT_CATEGORY)
        self.sub(element, "ID", document.reference, f"{field}.reference")
        self.sub(element, "TypeCode", code)
        if document.issued is not None:
            self.date(element, "IssueDateTime", document.issued)

    def item(
        self,
        shipment: _Element,
        item: GoodsItem,
        index: int,
        procedure: tuple[str, str] | None,
        licence_code: str,
        currency: str,
    ) -> None:
        field = f"items[{index}]"
        element = self.sub(shipment, "GovernmentAgencyGoodsItem")
        self.sub(element, "SequenceNumeric", str(index + 1))
        for j, licence in enumerate(item.licences):
            document = self.sub(element, "AdditionalDocument")
            self.sub(document, "CategoryCode", DOCUMENT_CATEGORY)
            self.sub(document, "ID", licence, f"{field}.licences[{j}]")
            self.sub(document, "TypeCode", licence_code)
        commodity = self.sub(element, "Commodity")
        self.sub(commodity, "Description", item.description, f"{field}.description")
        classification = self.sub(commodity, "Classification")
        self.sub(classification, "ID", item.hs_code, f"{field}.hs_code")
        self.sub(classification, "IdentificationTypeCode", "HS")
        if item.preference is not None and item.preference.strip():
            self.sub(self.sub(commodity, "DutyTaxFee"), "DutyRegimeCode", item.preference, f"{field}.preference")
        measure = self.sub(commodity, "GoodsMeasure")
        self.sub(measure, "GrossMassMeasure", _number(item.gross_mass_kg), unitCode=KILOGRAM)
        self.sub(measure, "NetNetWeightMeasure", _number(item.net_mass_kg), unitCode=KILOGRAM)
        self.sub(measure, "TariffQuantity", _number(item.quantity), f"{field}.unit", unitCode=item.unit)
        line = self.sub(commodity, "InvoiceLine")
        self.sub(line, "ItemChargeAmount", _number(item.value), "invoice_currency", currencyID=currency)
        if procedure is not None:
            government = self.sub(element, "GovernmentProcedure")
            self.sub(government, "CurrentCode", procedure[0])
            self.sub(government, "PreviousCode", procedure[1])
        origin = self.sub(element, "Origin")
        self.sub(origin, "CountryCode", item.origin_country, f"{field}.origin_country")
        self.sub(origin, "TypeCode", "1")
