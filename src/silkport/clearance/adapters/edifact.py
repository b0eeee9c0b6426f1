"""UN/EDIFACT: customs declarations in (CUSDEC), declarations and customs responses out (CUSDEC, CUSRES).

The syntax (UNA service string advice, release character, segment and element separators) is read and
written with pydifact; this module maps segments to and from the canonical
:class:`~silkport.clearance.domain.model.DeclarationContent`.

Public API
==========
- ``parse_cusdec(text) -> list[ParsedDeclaration]``: every CUSDEC message of an interchange, in order.
  ``ParsedDeclaration.declarant_id`` (and ``content.declarant_id``) is the declarant's identifier *as
  stated* in ``NAD+DT`` (a USCC, or ``country:national id``); the service maps it to a zone enterprise id.
  ``ParsedDeclaration.positions`` maps a field path (``items[0].hs_code``) to the number of the segment
  that carried it, so a CUSRES can point at the exact segment.
- ``write_cusdec(contents, sender, recipient, control_ref, prepared) -> str``: one interchange, one
  message per declaration (message references ``1``, ``2``...); ``parse_cusdec(write_cusdec(x))``
  gives ``x`` back for every field below.
- ``write_cusres(responses, sender, recipient, control_ref, prepared) -> str`` and ``parse_cusres``:
  acceptance, rejection (error codes in ERP/ERC groups, each pointing at a field and a CUSDEC segment)
  and release, referencing the declaration and its LRN, with the date/time of the decision.
- ``response_error(code, field, message, parsed=None)``: a :class:`ResponseError` whose segment (and,
  given the parsed declaration, segment number and goods item) is derived from the field path.

Every malformed input raises :class:`~silkport.clearance.domain.errors.FormatError` whose location
names the message, the 1-based segment number counted in the message (UNH is 1) and the element and
component, e.g. ``message 1, segment 14 (MEA), element 3, component 2``; envelope problems read
``interchange, segment 1 (UNB), element 4``. Anything else escaping the parser is a bug.

Envelope
========
``UNA:+.? '`` then ``UNB+UNOW:4`` (syntax 4, UTF-8 repertoire, date CCYYMMDD and time HHMM in UTC),
``UNH+<n>+CUSDEC:D:96B:UN`` ... ``UNT+<segment count>+<n>`` per declaration, ``UNZ+<message
count>+<control ref>``. The reader accepts UNOA..UNOY syntax 1-4, either decimal mark, and CUSDEC of
directory D.96B or any later one (D.97A ... D.99B, D.00A ... D.24B); older directories are refused.
Functional groups (UNG/UNE) are not supported.

CUSDEC mapping (directory D.96B; code lists UNCL of that directory)
===================================================================
=============================  ================================================================
field                          segment
=============================  ================================================================
type                           ``BGM`` C002/1001 document name code (import 929 Goods declaration
                               for importation, export 830 Goods declaration for exportation,
                               transit 950 Goods declaration for Customs transit, bonded entry 929,
                               bonded exit 830 (re-export) or 930 Goods declaration for home use
                               (release for consumption) or 914 (kind not stated)) refined by the
                               header ``CST`` procedure, a mutually defined code (``:PRC:ZZZ``) in
                               element 2: IM, EX, TR, BE (bonded entry), BX (bonded exit). Without
                               CST, 929/930 read as import, 830 as export, 950 as transit.
bonded_exit_kind               header ``CST`` element 3: RX (re-export) or HU (release for
                               consumption), ``:PRC:ZZZ``
lrn                            ``BGM`` element 2 (1004, document number); function 9 (original)
office_code                    ``LOC+22`` (customs office of clearance), the zone's office code
loading_locode                 ``LOC+9+<UN/LOCODE>:139:6`` (place/port of loading)
unloading_locode               ``LOC+11+<UN/LOCODE>:139:6`` (place/port of discharge)
dispatch_country               ``LOC+35`` (exportation country / country of despatch)
origin_country                 ``LOC+27`` in the header (country of origin)
destination_country            ``LOC+28`` (country of destination of goods)
(message date)                 ``DTM+137:<CCYYMMDDHHMM>:203`` written from ``prepared``; not read
containers[].number            ``EQD+CN+<ISO 6346 number>``
containers[].seals             ``SEL+<seal number>`` right after the EQD of the container it seals
transport_mode                 ``TDT+11`` (at border) C220/8067, UN/ECE Rec. 19 code (1 sea, 2 rail,
                               3 road, 4 air, 5 mail, 7 fixed installation, 8 inland waterway)
transport_id                   ``TDT`` element 2 (8028 conveyance reference: plate, train or flight
                               number); read also from C222 (8213, then 8212) when 8028 is empty
documents[]                    ``DOC+<1001>+<number>`` with ``DTM+182:<CCYYMMDD>:102`` (issue date):
                               380 invoice, 271 packing list, 861 certificate of origin, 911 (811
                               for exports) licence, 916 other; transport document by mode: 705 bill
                               of lading (sea), 720 rail consignment note, 730 road consignment note,
                               740 air waybill, 750 despatch note (post parcels), 711 inland
                               waterway bill of lading, 701 universal transport document (fixed
                               installation). Read: 700-799 (e.g. 722 road list-SMGS) are transport
                               documents, 810/811/910/911 licences, any other code ``other``.
consignor / consignee          ``NAD+CZ`` / ``NAD+CN``: C082/3039 identifier, C080 name in up to five
                               35-character components (read: C058 line 1 when C080 is empty),
                               element 9 (3207) country
declarant_id                   ``NAD+DT`` C082/3039, as stated (the service maps it)
incoterm                       ``TOD+6++<Incoterms 2020 rule>`` (delivery condition)
invoice_amount                 ``MOA+39:<amount>:<currency>`` (invoice total amount)
invoice_currency               ``CUX+2:<currency>:4`` (reference currency, invoicing currency)
exchange_rate                  ``CUX`` ...``+3:CNY+<rate>``: CNY per one unit of the invoice currency
exchange_rate_date             ``DTM+134:<CCYYMMDD>:102`` (rate of exchange date)
freight                        ``MOA+64`` (freight charge), in the invoice currency; 0 when absent
insurance                      ``MOA+157`` (insurance value), in the invoice currency; 0 when absent
(detail section)               ``UNS+D``, then one ``CST`` group per goods item; ``UNS+S`` closes it
items[].hs_code                ``CST+<item no>+<HS code>:HS:ZZZ``
items[].preference             ``CST`` element 3: ``<agreement>:PRF:ZZZ`` (e.g. CN-SCO, APTA)
items[].description            ``FTX+AAA+++<text>`` in 70-character components, five per FTX,
                               repeated FTX for longer text
items[].origin_country         ``LOC+27`` in the item
items[].gross_mass_kg          ``MEA+AAE+AAE+KGM:<kg>`` (item gross weight)
items[].net_mass_kg            ``MEA+AAE+AAF+KGM:<kg>`` (net net weight: without any packing)
items[].quantity / unit        ``MEA+AAE+AAH+<Rec. 20 unit>:<quantity>`` (customs line item
                               measurement, the supplementary quantity)
items[].value                  ``MOA+38:<amount>:<currency>`` (invoice item amount)
items[].licences               ``DOC+911+<licence>`` (``811`` for exports) in the item
=============================  ================================================================

Masses are read in KGM, TNE or GRM and converted to kilograms; written in KGM. Numbers are written
with ``.`` and without exponent. Segments of the D.96B CUSDEC table that the mapping does not use
(GIS, FII, FTX in the header, RFF, PAC/PCI, TPL, CTA/COM, DMS/LIN document lines, GIR, TAX, CNT,
AUT ...) are accepted and skipped; a tag outside that table is an error.

What the mapping cannot carry, or carries with a caveat:

- the declarant's name (``NAD+DT`` carries only the identifier) and, in general, anything the model
  has no field for (addresses, packages, marks, duty calculations);
- ``Party.identifier`` ``""`` reads back as ``None``;
- D.96B lists ``EQD`` and ``SEL`` as separate repeats with no group; a seal belongs to the EQD written
  before it (a SEL before any EQD is refused);
- simple data element lengths of D.96B (e.g. an..17 for 8028) are not enforced when writing; names
  longer than 175 characters or descriptions longer than 3,150 characters raise ``ValueError``.

CUSRES mapping (directory D.96B)
================================
=====================  =========================================================================
response               segments
=====================  =========================================================================
kind                   ``BGM`` 1001 and 1225 (message function): accepted ``961`` (general
                       response, Customs) / ``29`` (accepted without amendment); rejected ``963``
                       (error response, Customs) / ``27`` (not accepted); released ``932``
                       (Customs delivery note, i.e. release note) / ``9`` (original)
at                     ``DTM+137:<CCYYMMDDHHMMSS>:204``, UTC
declaration_id         ``RFF+ABT`` (goods declaration number, Customs)
lrn                    ``RFF+ABE`` (declarant's reference number)
message_ref            ``RFF+ACW`` (reference to the previous message: the CUSDEC's UNH reference)
errors[]               one group each: ``ERP+:<goods item>+<segment tag>:<segment number>``,
                       ``RFF+ZZZ:<field path>``, ``ERC+<error code>``, ``FTX+AAO+++<text>``
=====================  =========================================================================
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydifact.control.characters import Characters
from pydifact.parser import Parser
from pydifact.segments import Segment
from pydifact.serializer import Serializer

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

__all__ = [
    "CustomsResponse",
    "ParsedDeclaration",
    "ResponseError",
    "ResponseKind",
    "parse_cusdec",
    "parse_cusres",
    "response_error",
    "write_cusdec",
    "write_cusres",
]

#: the service string advice written: component ``:``, element ``+``, decimal ``.``, release ``?``
UNA = ":+.? '"
SYNTAX = ("UNOW", "4")
DIRECTORY = ("D", "96B", "UN")
NAME_PART = 35
NAME_PARTS = 5
TEXT_PART = 70
TEXT_PARTS = 5
MAX_DESCRIPTION_FTX = 9

PROCEDURE = {
    DeclarationType.IMPORT: "IM",
    DeclarationType.EXPORT: "EX",
    DeclarationType.TRANSIT: "TR",
    DeclarationType.BONDED_ENTRY: "BE",
    DeclarationType.BONDED_EXIT: "BX",
}
PROCEDURE_TYPES = {code: kind for kind, code in PROCEDURE.items()}
EXIT_KIND = {BondedExitKind.RE_EXPORT: "RX", BondedExitKind.RELEASE_FOR_CONSUMPTION: "HU"}
EXIT_KINDS = {code: kind for kind, code in EXIT_KIND.items()}
#: BGM document codes allowed with each procedure
PROCEDURE_DOCUMENTS = {
    "IM": {"929", "930", "914", "960"},
    "EX": {"830", "914", "960"},
    "TR": {"950", "914", "960"},
    "BE": {"929", "914", "960"},
    "BX": {"830", "930", "914", "960"},
}
DOCUMENT_TYPES = {
    "929": DeclarationType.IMPORT,
    "930": DeclarationType.IMPORT,
    "830": DeclarationType.EXPORT,
    "950": DeclarationType.TRANSIT,
}
DOCUMENT_CODES = {
    DocumentKind.INVOICE: "380",
    DocumentKind.PACKING_LIST: "271",
    DocumentKind.CERTIFICATE_OF_ORIGIN: "861",
    DocumentKind.LICENCE: "911",
    DocumentKind.OTHER: "916",
}
DOCUMENT_KINDS = {code: kind for kind, code in DOCUMENT_CODES.items()}
TRANSPORT_DOCUMENT = {
    TransportMode.SEA: "705",
    TransportMode.RAIL: "720",
    TransportMode.ROAD: "730",
    TransportMode.AIR: "740",
    TransportMode.MAIL: "750",
    TransportMode.FIXED: "701",
    TransportMode.INLAND_WATERWAY: "711",
}
LICENCE_CODES = frozenset({"810", "811", "910", "911"})
#: every segment tag of the D.96B CUSDEC segment table (service segments apart)
# fmt: off
CUSDEC_TAGS = frozenset((
    "BGM", "CST", "LOC", "DTM", "GIS", "FII", "MEA", "EQD", "SEL", "FTX", "RFF", "PAC", "PCI", "TDT", "TPL", "DOC",
    "NAD", "CTA", "COM", "TOD", "MOA", "CUX", "UNS", "DMS", "PAT", "PCD", "ALC", "RTE", "QTY", "LIN", "PIA", "PRI",
    "QVR", "GIR", "IMD", "GIN", "GDS", "TAX", "CNT", "AUT",
))
# fmt: on
# fmt: off
CUSRES_TAGS = frozenset((
    "BGM", "DTM", "FTX", "TDT", "LOC", "GIS", "EQD", "NAD", "CTA", "COM", "RFF", "ERP", "ERC", "TAX", "MOA", "DOC",
    "PAC", "PCI", "MEA", "CUX", "CST", "CNT", "AUT",
))
# fmt: on
#: header LOC qualifiers (3227) and the fields they carry
LOC_FIELDS = {
    "22": "office",
    "9": "loading_locode",
    "11": "unloading_locode",
    "35": "dispatch_country",
    "27": "origin_country",
    "28": "destination_country",
}
#: header MOA qualifiers (5025) and the fields they carry
MOA_FIELDS = {"39": "invoice_amount", "64": "freight", "157": "insurance"}
#: item MEA dimensions (6313) and the fields they carry
ITEM_MEASURES = {"AAE": "gross_mass_kg", "AAF": "net_mass_kg", "AAH": "quantity"}
MASS_UNITS = {"KGM": Decimal(1), "TNE": Decimal(1000), "GRM": Decimal("0.001")}
NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
RELEASE_RE = re.compile(r"^(\d{2})([AB])$")


class ResponseKind(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RELEASED = "released"


RESPONSE_BGM = {
    ResponseKind.ACCEPTED: ("961", "29"),
    ResponseKind.REJECTED: ("963", "27"),
    ResponseKind.RELEASED: ("932", "9"),
}
RESPONSE_KINDS = {code: kind for kind, (code, _function) in RESPONSE_BGM.items()}


@dataclass(frozen=True, slots=True)
class ParsedDeclaration:
    """One CUSDEC message read from an interchange."""

    reference: str  # UNH message reference (0062)
    content: DeclarationContent  # content.declarant_id is the NAD+DT identifier as stated
    declarant_id: str  # the same identifier, kept apart: the service replaces content.declarant_id
    positions: Mapping[str, int] = field(default_factory=dict)  # field path -> segment number


@dataclass(frozen=True, slots=True)
class ResponseError:
    """One reason in a CUSRES: an application error code and where in the CUSDEC it points."""

    code: str  # ERC C901/9321, the application error code
    field: str  # RFF+ZZZ, the declaration field path, e.g. items[1].hs_code ("" for none)
    message: str  # FTX+AAO, the text a trader reads
    segment: str = "BGM"  # ERP C853/9166: tag of the CUSDEC segment (BGM: the declaration as a whole)
    position: int | None = None  # ERP C853/1050: that segment's number in the CUSDEC message
    item: int | None = None  # ERP C701/1052: the goods item number (1-based)


@dataclass(frozen=True, slots=True)
class CustomsResponse:
    """A customs decision on one declaration."""

    kind: ResponseKind
    declaration_id: str  # customs' own number for the declaration
    at: datetime  # when customs decided (UTC; written to the second)
    lrn: str | None = None  # the declarant's reference number
    message_ref: str | None = None  # UNH reference of the CUSDEC answered
    errors: tuple[ResponseError, ...] = ()


# --------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Seg:
    """A segment read from the interchange, numbered where its errors are reported."""

    tag: str
    elements: tuple[tuple[str, ...], ...]
    number: int
    where: str

    def at(self, element: int | None = None, component: int | None = None) -> str:
        location = f"{self.where}, segment {self.number} ({self.tag})"
        if element is not None:
            location += f", element {element}"
        if component is not None:
            location += f", component {component}"
        return location

    def fail(self, message: str, element: int | None = None, component: int | None = None) -> FormatError:
        return FormatError(self.at(element, component), message)

    def get(self, element: int, component: int = 1) -> str:
        if element > len(self.elements):
            return ""
        parts = self.elements[element - 1]
        return parts[component - 1] if component <= len(parts) else ""

    def components(self, element: int) -> tuple[str, ...]:
        return self.elements[element - 1] if element <= len(self.elements) else ()

    def need(self, element: int, component: int = 1, what: str = "a value") -> str:
        value = self.get(element, component)
        if not value.strip():
            raise self.fail(f"{what} is required", element, component if component > 1 else None)
        return value

    def number_at(self, element: int, component: int, what: str) -> Decimal:
        text = self.need(element, component, what).strip()
        loc = (element, component if component > 1 else None)
        if not NUMBER_RE.match(text):
            raise self.fail(f"{text!r} is not a number", *loc)
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
            raise self.fail(f"{text!r} is not a number", *loc) from exc

    def moment(self) -> tuple[str, datetime]:
        """A DTM segment: its qualifier and the date/time it states (UTC)."""
        qualifier = self.need(1, 1, "the date/time qualifier (2005)")
        text = self.need(1, 2, "the date/time (2380)").strip()
        fmt = self.get(1, 3) or {8: "102", 12: "203", 14: "204"}.get(len(text), "")
        lengths = {"102": 8, "203": 12, "204": 14}
        if fmt not in lengths:
            raise self.fail(f"format {fmt or '(none)'!r} is not 102, 203 or 204", 1, 3)
        names = {"102": "CCYYMMDD", "203": "CCYYMMDDHHMM", "204": "CCYYMMDDHHMMSS"}
        if len(text) != lengths[fmt] or not text.isdigit():
            raise self.fail(f"{text!r} is not a date/time in format {fmt} ({names[fmt]})", 1, 2)
        month, day, hour, minute, second = (int(text[i : i + 2] or 0) for i in (4, 6, 8, 10, 12))
        try:
            value = datetime(int(text[0:4]), month, day, hour, minute, second, tzinfo=UTC)
        except ValueError as exc:
            raise self.fail(f"{text!r} is not a valid date/time: {exc}", 1, 2) from exc
        return qualifier, value


def _tokenize(text: str) -> list[_Seg]:
    """The segments of an interchange, numbered in it; pydifact does the syntax."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise FormatError("interchange", "is empty: an EDIFACT interchange starts with UNA or UNB")
    out: list[_Seg] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for segment in Parser().parse(body):
                elements = tuple(
                    (element,) if isinstance(element, str) else tuple(element) for element in segment.elements
                )
                out.append(_Seg(segment.tag, elements, len(out) + 1, "interchange"))
    except Exception as exc:  # pydifact reports bad syntax with assorted exception types
        reason = str(exc).removeprefix("EDIFACT Syntax Error: ") or type(exc).__name__
        raise FormatError(f"interchange, segment {len(out) + 1}", f"not readable as EDIFACT: {reason}") from exc
    if not out:
        raise FormatError("interchange", "holds no segment: an EDIFACT interchange starts with UNA or UNB")
    return out


@dataclass(frozen=True, slots=True)
class _Message:
    reference: str
    segments: tuple[_Seg, ...]  # UNH first, UNT last, numbered from 1
    release: str


def _messages(text: str, message_type: str) -> list[_Message]:
    """Check the envelope (UNB/UNZ, UNH/UNT) and return the messages of the expected type."""
    segments = _tokenize(text)
    start = 1 if segments[0].tag == "UNA" else 0
    if start >= len(segments) or segments[start].tag != "UNB":
        first = segments[start] if start < len(segments) else segments[-1]
        raise first.fail("an interchange starts with UNB (after an optional UNA)")
    unb = segments[start]
    _check_unb(unb)
    control = unb.need(5, 1, "the interchange control reference (0020)")
    messages: list[_Message] = []
    current: list[_Seg] | None = None
    unz: _Seg | None = None
    for segment in segments[start + 1 :]:
        if unz is not None:
            raise segment.fail("nothing may follow UNZ")
        if segment.tag == "UNZ":
            if current is not None:
                raise segment.fail(f"message {current[0].get(1)!r} has no UNT before UNZ")
            unz = segment
        elif segment.tag == "UNH":
            if current is not None:
                raise segment.fail(f"message {current[0].get(1)!r} has no UNT before this UNH")
            current = [segment]
        elif segment.tag == "UNT":
            if current is None:
                raise segment.fail("UNT without a UNH before it")
            current.append(segment)
            messages.append(_close(current, message_type, len(messages) + 1))
            current = None
        elif current is not None:
            current.append(segment)
        elif segment.tag in ("UNG", "UNE"):
            raise segment.fail("functional groups (UNG/UNE) are not supported")
        else:
            raise segment.fail("lies outside any message (UNH ... UNT)")
    if current is not None:
        raise FormatError("interchange", f"message {current[0].get(1)!r} has no UNT: the interchange is truncated")
    if unz is None:
        raise FormatError("interchange", "no UNZ: the interchange is truncated")
    count = unz.need(1, 1, "the message count (0036)")
    if not count.isdigit():
        raise unz.fail(f"{count!r} is not a number", 1)
    if int(count) != len(messages):
        raise unz.fail(f"says {int(count)} messages, the interchange has {len(messages)}", 1)
    if unz.get(2) != control:
        raise unz.fail(f"control reference {unz.get(2)!r} differs from UNB's {control!r}", 2)
    if not messages:
        raise unz.fail(f"the interchange holds no {message_type} message")
    return messages


def _check_unb(unb: _Seg) -> None:
    syntax = unb.need(1, 1, "the syntax identifier (0001)")
    if not re.fullmatch(r"UNO[A-Z]", syntax):
        raise unb.fail(f"{syntax!r} is not a syntax identifier such as UNOC or UNOW", 1, 1)
    version = unb.need(1, 2, "the syntax version (0002)")
    if version not in ("1", "2", "3", "4"):
        raise unb.fail(f"{version!r} is not a syntax version (1 to 4)", 1, 2)
    unb.need(2, 1, "the sender (0004)")
    unb.need(3, 1, "the recipient (0010)")
    day = unb.need(4, 1, "the date of preparation (0017)")
    clock = unb.need(4, 2, "the time of preparation (0019)")
    if not (day.isdigit() and len(day) in (6, 8)):
        raise unb.fail(f"{day!r} is not a date YYMMDD or CCYYMMDD", 4, 1)
    if not (clock.isdigit() and len(clock) == 4):
        raise unb.fail(f"{clock!r} is not a time HHMM", 4, 2)
    year = int(day[:-4]) + (2000 if len(day) == 6 else 0)
    try:
        datetime(year, int(day[-4:-2]), int(day[-2:]), int(clock[:2]), int(clock[2:]), tzinfo=UTC)
    except ValueError as exc:
        raise unb.fail(f"{day}:{clock} is not a valid date and time: {exc}", 4) from exc


def _close(segments: list[_Seg], message_type: str, ordinal: int) -> _Message:
    reference = segments[0].get(1).strip() or f"#{ordinal}"
    where = f"message {reference}"
    numbered = tuple(_Seg(s.tag, s.elements, n, where) for n, s in enumerate(segments, start=1))
    unh, unt = numbered[0], numbered[-1]
    unh.need(1, 1, "the message reference number (0062)")
    kind = unh.need(2, 1, "the message type (0065)")
    if kind != message_type:
        raise unh.fail(f"{kind!r} is not a {message_type} message", 2, 1)
    version = unh.get(2, 2)
    if version != "D":
        raise unh.fail(f"version {version!r}: only directories D (e.g. D:96B) are read", 2, 2)
    release = unh.get(2, 3)
    match = RELEASE_RE.match(release)
    if match is None:
        raise unh.fail(f"{release!r} is not a directory release such as 96B or 01A", 2, 3)
    year = int(match.group(1))
    if ((1900 if year >= 90 else 2000) + year, match.group(2)) < (1996, "B"):
        raise unh.fail(f"directory D.{release} is older than D.96B, the oldest read", 2, 3)
    agency = unh.get(2, 4)
    if agency != "UN":
        raise unh.fail(f"controlling agency {agency!r} is not UN", 2, 4)
    count = unt.need(1, 1, "the number of segments (0074)")
    if not count.isdigit():
        raise unt.fail(f"{count!r} is not a number", 1)
    if int(count) != len(numbered):
        raise unt.fail(f"says {int(count)} segments, the message has {len(numbered)} (UNH to UNT)", 1)
    if unt.get(2) != unh.get(1):
        raise unt.fail(f"message reference {unt.get(2)!r} differs from UNH's {unh.get(1)!r}", 2)
    return _Message(reference, numbered, release)


def parse_cusdec(text: str) -> list[ParsedDeclaration]:
    """Read every CUSDEC message of an EDIFACT interchange; see the module docstring for the mapping."""
    return [_CusdecReader(message).read() for message in _messages(text, "CUSDEC")]


@dataclass
class _Item:
    head: _Seg
    hs_code: str
    preference: str | None
    description: list[str] = field(default_factory=list)
    described: bool = False
    origin: str | None = None
    gross: Decimal | None = None
    net: Decimal | None = None
    quantity: Decimal | None = None
    unit: str = ""
    value: Decimal | None = None
    licences: list[str] = field(default_factory=list)


class _CusdecReader:
    """Walks one CUSDEC message: header, detail (goods items) and summary sections."""

    def __init__(self, message: _Message) -> None:
        self.message = message
        self.where = f"message {message.reference}"
        self.positions: dict[str, int] = {}
        self.procedure: str | None = None
        self.exit_kind: BondedExitKind | None = None
        self.locations: dict[str, str] = {}
        self.transport: tuple[TransportMode, str] | None = None
        self.parties: dict[str, Party] = {}
        self.incoterm: Incoterm | None = None
        self.amounts: dict[str, tuple[Decimal, str, _Seg]] = {}
        self.currency: str | None = None
        self.rate: Decimal | None = None
        self.rate_date: date | None = None
        self.documents: list[Document] = []
        self.containers: list[tuple[str, list[str]]] = []
        self.items: list[_Item] = []
        self.group = ""  # the header segment group last opened (DOC, EQD, ...), for DTM and SEL
        self.handlers: dict[str, Callable[[_Seg], None]] = {
            "CST": self.cst_header,
            "LOC": self.loc_header,
            "DTM": self.dtm_header,
            "EQD": self.eqd,
            "SEL": self.sel,
            "TDT": self.tdt,
            "DOC": self.doc,
            "NAD": self.nad,
            "TOD": self.tod,
            "MOA": self.moa_header,
            "CUX": self.cux,
        }

    def mark(self, name: str, segment: _Seg) -> None:
        self.positions.setdefault(name, segment.number)

    def missing(self, what: str) -> FormatError:
        return FormatError(self.where, f"no {what}")

    def read(self) -> ParsedDeclaration:
        segments = self.message.segments
        body = segments[1:-1]
        if not body or body[0].tag != "BGM":
            raise (body[0] if body else segments[-1]).fail("the segment after UNH must be BGM")
        bgm = body[0]
        section = "header"
        for segment in body[1:]:
            if segment.tag not in CUSDEC_TAGS:
                raise segment.fail(f"{segment.tag} is not a segment of the CUSDEC message")
            if segment.tag == "UNS":
                section = self.section(segment, section)
            elif section == "header":
                self.header(segment)
            elif section == "detail":
                self.detail(segment)
        if section == "header":
            raise self.missing("UNS+D: the detail section with the goods items is missing")
        if not self.items:
            raise self.missing("goods item: the detail section needs at least one CST segment")
        return self.build(bgm)

    def section(self, segment: _Seg, current: str) -> str:
        code = segment.need(1, 1, "the section identification (0081)")
        wanted = {"header": "D", "detail": "S"}.get(current)
        if code not in ("D", "S"):
            raise segment.fail(f"{code!r} is not a section: D (detail) or S (summary)", 1)
        if code != wanted:
            raise segment.fail(
                f"UNS+{code} is out of place: expected UNS+{wanted}" if wanted else "a third UNS segment", 1
            )
        return "detail" if code == "D" else "summary"

    # ---- header
    def header(self, segment: _Seg) -> None:
        handler = self.handlers.get(segment.tag)
        if handler is not None:
            handler(segment)

    def cst_header(self, segment: _Seg) -> None:
        procedure = segment.need(2, 1, "the customs procedure (IM, EX, TR, BE or BX)")
        if procedure not in PROCEDURE_TYPES:
            raise segment.fail(f"{procedure!r} is not a procedure: IM, EX, TR, BE or BX", 2, 1)
        self.procedure = procedure
        self.mark("type", segment)
        kind = segment.get(3, 1)
        if kind:
            if kind not in EXIT_KINDS:
                raise segment.fail(f"{kind!r} is not a bonded exit kind: RX or HU", 3, 1)
            if procedure != "BX":
                raise segment.fail(f"a bonded exit kind goes with procedure BX, not {procedure}", 3, 1)
            self.exit_kind = EXIT_KINDS[kind]
            self.mark("bonded_exit_kind", segment)

    def loc_header(self, segment: _Seg) -> None:
        qualifier = segment.need(1, 1, "the place/location qualifier (3227)")
        name = LOC_FIELDS.get(qualifier)
        if name is None:
            return
        if name in self.locations:
            raise segment.fail(f"a second LOC+{qualifier}: the {name.replace('_', ' ')} is stated once", 1)
        self.locations[name] = segment.need(2, 1, f"the {name.replace('_', ' ')}").strip()
        self.mark(name, segment)

    def dtm_header(self, segment: _Seg) -> None:
        qualifier, moment = segment.moment()
        if qualifier == "134":
            self.rate_date = moment.date()
            self.mark("exchange_rate_date", segment)
        elif qualifier == "182" and self.documents and self.group == "DOC":
            last = self.documents[-1]
            self.documents[-1] = Document(last.kind, last.reference, moment.date())

    def eqd(self, segment: _Seg) -> None:
        self.group = "EQD"
        if segment.need(1, 1, "the equipment qualifier (8053)") != "CN":
            self.group = "EQD-other"
            return
        number = segment.need(2, 1, "the container number (8260)").strip()
        self.mark(f"containers[{len(self.containers)}]", segment)
        self.mark(f"containers[{len(self.containers)}].number", segment)
        self.containers.append((number, []))

    def sel(self, segment: _Seg) -> None:
        if self.group == "EQD-other":
            return
        if self.group != "EQD" or not self.containers:
            raise segment.fail("a SEL must follow the EQD of the container it seals")
        self.mark(f"containers[{len(self.containers) - 1}].seals", segment)
        self.containers[-1][1].append(segment.need(1, 1, "the seal number (9308)").strip())

    def tdt(self, segment: _Seg) -> None:
        self.group = "TDT"
        stage = segment.get(1)
        if self.transport is not None and stage != "11":
            return
        code = segment.need(3, 1, "the mode of transport (8067, UN/ECE Rec. 19)")
        try:
            mode = TransportMode.from_rec19(code)
        except ValueError as exc:
            raise segment.fail(f"{code!r} is not a UN/ECE Rec. 19 mode of transport code", 3, 1) from exc
        ident = segment.get(2) or segment.get(8, 1) or segment.get(8, 4)
        if not ident.strip():
            raise segment.fail("the means of transport (8028, or C222 8213/8212) is required", 2)
        self.transport = (mode, ident.strip())
        self.mark("transport_mode", segment)
        self.mark("transport_id", segment)

    def doc(self, segment: _Seg) -> None:
        self.group = "DOC"
        code = segment.need(1, 1, "the document name code (1001)")
        reference = segment.need(2, 1, "the document number (1004)")
        if code in LICENCE_CODES:
            kind = DocumentKind.LICENCE
        elif code.isdigit() and 700 <= int(code) <= 799:
            kind = DocumentKind.TRANSPORT_DOCUMENT
        else:
            kind = DOCUMENT_KINDS.get(code, DocumentKind.OTHER)
        self.mark(f"documents[{len(self.documents)}]", segment)
        self.documents.append(Document(kind, reference))

    def nad(self, segment: _Seg) -> None:
        self.group = "NAD"
        qualifier = segment.need(1, 1, "the party qualifier (3035)")
        names = {"CZ": "consignor", "CN": "consignee", "DT": "declarant_id"}
        name = names.get(qualifier)
        if name is None:
            return
        if qualifier in self.parties:
            raise segment.fail(f"a second NAD+{qualifier}: the {name} is stated once", 1)
        identifier = segment.get(2, 1).strip() or None
        if qualifier == "DT":
            if identifier is None:
                raise segment.fail("the declarant's identifier (3039) is required", 2, 1)
            self.parties["DT"] = Party("", "", identifier)
        else:
            self.parties[qualifier] = Party(
                # C080 (party name); a sender that only fills C058 (name and address) gives its first line
                name="".join(segment.components(4)[:NAME_PARTS]) or segment.get(3, 1),
                country=segment.get(9).strip(),
                identifier=identifier,
            )
        self.mark(name, segment)

    def tod(self, segment: _Seg) -> None:
        self.group = "TOD"
        code = segment.need(3, 1, "the Incoterms rule (4053)").strip()
        try:
            self.incoterm = Incoterm(code.upper())
        except ValueError as exc:
            raise segment.fail(f"{code!r} is not an Incoterms 2020 rule", 3, 1) from exc
        self.mark("incoterm", segment)

    def moa_header(self, segment: _Seg) -> None:
        self.group = "MOA"
        qualifier = segment.need(1, 1, "the monetary amount qualifier (5025)")
        name = MOA_FIELDS.get(qualifier)
        if name is None:
            return
        if name in self.amounts:
            raise segment.fail(f"a second MOA+{qualifier}: the {name.replace('_', ' ')} is stated once", 1)
        self.amounts[name] = (segment.number_at(1, 2, f"the {name.replace('_', ' ')}"), segment.get(1, 3), segment)
        self.mark(name, segment)

    def cux(self, segment: _Seg) -> None:
        if self.currency is not None:
            raise segment.fail("a second CUX: the invoice currency and rate are stated once")
        self.currency = segment.need(1, 2, "the invoice currency (6345)").strip()
        target = segment.get(2, 2)
        if target and target != "CNY":
            raise segment.fail(f"the rate must be to CNY, not {target!r}", 2, 2)
        self.rate = segment.number_at(3, 1, "the rate of exchange (5402)")
        self.mark("invoice_currency", segment)
        self.mark("exchange_rate", segment)

    # ---- detail
    def detail(self, segment: _Seg) -> None:
        if segment.tag == "CST":
            self.cst_item(segment)
            return
        if not self.items:
            return  # document lines (DMS/LIN groups) before the first goods item are not mapped
        item = self.items[-1]
        at = f"items[{len(self.items) - 1}]"
        if segment.tag == "FTX" and segment.get(1) == "AAA":
            item.described = True
            item.description.extend(segment.components(4)[:TEXT_PARTS])
            self.mark(f"{at}.description", segment)
        elif segment.tag == "LOC" and segment.get(1) == "27":
            if item.origin is not None:
                raise segment.fail("a second LOC+27 in this goods item", 1)
            item.origin = segment.need(2, 1, "the country of origin").strip()
            self.mark(f"{at}.origin_country", segment)
        elif segment.tag == "MEA":
            self.mea_item(segment, item, at)
        elif segment.tag == "MOA" and segment.get(1) == "38":
            if item.value is not None:
                raise segment.fail("a second MOA+38 in this goods item", 1)
            item.value = segment.number_at(1, 2, "the item value")
            currency = segment.get(1, 3)
            if currency and self.currency and currency != self.currency:
                raise segment.fail(f"the item value must be in the invoice currency {self.currency}", 1, 3)
            self.mark(f"{at}.value", segment)
        elif segment.tag == "DOC" and segment.get(1) in LICENCE_CODES:
            item.licences.append(segment.need(2, 1, "the licence number (1004)"))
            self.mark(f"{at}.licences", segment)

    def cst_item(self, segment: _Seg) -> None:
        number = segment.need(1, 1, "the goods item number (1496)").strip()
        if not number.isdigit() or int(number) == 0:
            raise segment.fail(f"{number!r} is not a goods item number (1, 2, 3...)", 1)
        hs_code: str | None = None
        preference: str | None = None
        for element in range(2, 7):
            code, qualifier = segment.get(element, 1).strip(), segment.get(element, 2)
            if not code:
                continue
            if qualifier == "PRF":
                preference = code
            elif qualifier in ("HS", "") and hs_code is None:
                hs_code = code
        if hs_code is None:
            raise segment.fail("the tariff code (7361, :HS) is required", 2, 1)
        self.items.append(_Item(segment, hs_code, preference))
        at = f"items[{len(self.items) - 1}]"
        for name in ("", ".hs_code", ".preference"):
            self.mark(at + name, segment)

    def mea_item(self, segment: _Seg, item: _Item, at: str) -> None:
        name = ITEM_MEASURES.get(segment.get(2, 1))
        if name is None:
            return
        what = {"gross_mass_kg": "gross mass", "net_mass_kg": "net mass", "quantity": "quantity"}[name]
        stated = {"gross_mass_kg": item.gross, "net_mass_kg": item.net, "quantity": item.quantity}[name]
        if stated is not None:
            raise segment.fail(f"a second MEA for the {what} in this goods item", 2)
        unit = segment.need(3, 1, "the measure unit (6411, UN/ECE Rec. 20)").strip()
        value = segment.number_at(3, 2, f"the {what}")
        self.mark(f"{at}.{name}", segment)
        if name == "quantity":
            item.quantity, item.unit = value, unit
            self.mark(f"{at}.unit", segment)
            return
        if unit not in MASS_UNITS:
            raise segment.fail(f"{unit!r}: a mass is stated in KGM, TNE or GRM", 3, 1)
        kilograms = value if unit == "KGM" else value * MASS_UNITS[unit]
        if name == "gross_mass_kg":
            item.gross = kilograms
        else:
            item.net = kilograms

    # ---- assembly
    def build(self, bgm: _Seg) -> ParsedDeclaration:
        declaration_type = self.declaration_type(bgm)
        lrn = bgm.get(2).strip() or None
        self.positions["type"] = bgm.number
        self.mark("lrn", bgm)
        for name in LOC_FIELDS.values():
            if name not in self.locations:
                qualifier = next(q for q, n in LOC_FIELDS.items() if n == name)
                raise self.missing(f"LOC+{qualifier} ({name.replace('_', ' ')})")
        if self.transport is None:
            raise self.missing("TDT (mode and means of transport)")
        for qualifier, name in (("CZ", "consignor"), ("CN", "consignee"), ("DT", "declarant")):
            if qualifier not in self.parties:
                raise self.missing(f"NAD+{qualifier} ({name})")
        if self.incoterm is None:
            raise self.missing("TOD (Incoterms rule)")
        if "invoice_amount" not in self.amounts:
            raise self.missing("MOA+39 (invoice amount)")
        if self.currency is None or self.rate is None:
            raise self.missing("CUX (invoice currency and rate of exchange)")
        if self.rate_date is None:
            raise self.missing("DTM+134 (date of the rate of exchange)")
        for name, (_amount, currency, segment) in self.amounts.items():
            if currency and currency != self.currency:
                raise segment.fail(
                    f"the {name.replace('_', ' ')} must be in the invoice currency {self.currency}", 1, 3
                )
        zero = Decimal(0)
        declarant = self.parties["DT"].identifier or ""
        content = DeclarationContent(
            type=declaration_type,
            declarant_id=declarant,
            consignor=self.parties["CZ"],
            consignee=self.parties["CN"],
            office_code=self.locations["office"],
            transport_mode=self.transport[0],
            transport_id=self.transport[1],
            dispatch_country=self.locations["dispatch_country"],
            origin_country=self.locations["origin_country"],
            destination_country=self.locations["destination_country"],
            loading_locode=self.locations["loading_locode"],
            unloading_locode=self.locations["unloading_locode"],
            incoterm=self.incoterm,
            invoice_currency=self.currency,
            invoice_amount=self.amounts["invoice_amount"][0],
            freight=self.amounts["freight"][0] if "freight" in self.amounts else zero,
            insurance=self.amounts["insurance"][0] if "insurance" in self.amounts else zero,
            exchange_rate=self.rate,
            exchange_rate_date=self.rate_date,
            items=tuple(self.goods_item(item, n) for n, item in enumerate(self.items, start=1)),
            documents=tuple(self.documents),
            containers=tuple(Container(number, tuple(seals)) for number, seals in self.containers),
            lrn=lrn,
            bonded_exit_kind=self.exit_kind,
        )
        return ParsedDeclaration(self.message.reference, content, declarant, dict(self.positions))

    def declaration_type(self, bgm: _Seg) -> DeclarationType:
        code = bgm.need(1, 1, "the document name code (1001)")
        if self.procedure is not None:
            if code not in PROCEDURE_DOCUMENTS[self.procedure]:
                allowed = ", ".join(sorted(PROCEDURE_DOCUMENTS[self.procedure]))
                raise bgm.fail(f"document code {code} does not fit procedure {self.procedure} (use {allowed})", 1, 1)
            return PROCEDURE_TYPES[self.procedure]
        if code not in DOCUMENT_TYPES:
            raise bgm.fail(f"{code!r} is not a goods declaration code (929, 930, 830, 950; 914/960 need CST)", 1, 1)
        return DOCUMENT_TYPES[code]

    def goods_item(self, item: _Item, number: int) -> GoodsItem:
        head = item.head

        def absent(what: str) -> FormatError:
            return head.fail(f"goods item {number} has no {what}")

        if not item.described:
            raise absent("FTX+AAA (description)")
        if item.origin is None:
            raise absent("LOC+27 (country of origin)")
        if item.gross is None:
            raise absent("MEA+AAE+AAE (gross mass)")
        if item.net is None:
            raise absent("MEA+AAE+AAF (net mass)")
        if item.quantity is None:
            raise absent("MEA+AAE+AAH (quantity and unit)")
        if item.value is None:
            raise absent("MOA+38 (item value)")
        return GoodsItem(
            hs_code=item.hs_code,
            description="".join(item.description),
            quantity=item.quantity,
            unit=item.unit,
            gross_mass_kg=item.gross,
            net_mass_kg=item.net,
            value=item.value,
            origin_country=item.origin,
            preference=item.preference,
            licences=tuple(item.licences),
        )


# --------------------------------------------------------------------------------------------- writing


def _seg(tag: str, *elements: str | list[str]) -> Segment:
    """A segment without trailing empty elements (and, in composites, trailing empty components)."""
    cleaned: list[str | list[str]] = []
    for element in elements:
        if isinstance(element, list):
            parts = list(element)
            while parts and parts[-1] == "":
                parts.pop()
            cleaned.append(parts if len(parts) > 1 else (parts[0] if parts else ""))
        else:
            cleaned.append(element)
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    return Segment(tag, *cleaned)


def _num(value: Decimal) -> str:
    text = format(value, "f")
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return text


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _interchange(
    messages: Sequence[tuple[str, list[Segment]]],
    message_type: str,
    sender: str,
    recipient: str,
    control_ref: str,
    prepared: datetime,
) -> str:
    when = _utc(prepared)
    out = [_seg("UNB", list(SYNTAX), sender, recipient, [f"{when:%Y%m%d}", f"{when:%H%M}"], control_ref)]
    for reference, body in messages:
        out.append(_seg("UNH", reference, [message_type, *DIRECTORY]))
        out.extend(body)
        out.append(_seg("UNT", str(len(body) + 2), reference))
    out.append(_seg("UNZ", str(len(messages)), control_ref))
    serializer = Serializer(Characters.from_str(UNA))
    return serializer.serialize(out, with_una_header=True, break_lines=True)


def _bgm_code(content: DeclarationContent) -> str:
    if content.type is DeclarationType.BONDED_EXIT:
        return {BondedExitKind.RE_EXPORT: "830", BondedExitKind.RELEASE_FOR_CONSUMPTION: "930", None: "914"}[
            content.bonded_exit_kind
        ]
    return {
        DeclarationType.IMPORT: "929",
        DeclarationType.EXPORT: "830",
        DeclarationType.TRANSIT: "950",
        DeclarationType.BONDED_ENTRY: "929",
    }[content.type]


def _is_export(content: DeclarationContent) -> bool:
    return content.type is DeclarationType.EXPORT or content.bonded_exit_kind is BondedExitKind.RE_EXPORT


def _party(qualifier: str, party: Party, where: str) -> Segment:
    if len(party.name) > NAME_PART * NAME_PARTS:
        raise ValueError(f"{where}.name is longer than {NAME_PART * NAME_PARTS} characters, what NAD carries")
    return _seg(
        "NAD", qualifier, [party.identifier or ""], "", _chunks(party.name, NAME_PART), "", "", "", "", party.country
    )


def _cusdec_body(content: DeclarationContent, prepared: datetime) -> list[Segment]:
    currency = content.invoice_currency
    kind = [EXIT_KIND[content.bonded_exit_kind], "PRC", "ZZZ"] if content.bonded_exit_kind else ""
    body = [
        _seg("BGM", _bgm_code(content), content.lrn or "", "9"),
        _seg("CST", "", [PROCEDURE[content.type], "PRC", "ZZZ"], kind),
        _seg("LOC", "22", content.office_code),
        _seg("LOC", "9", [content.loading_locode, "139", "6"]),
        _seg("LOC", "11", [content.unloading_locode, "139", "6"]),
        _seg("LOC", "35", content.dispatch_country),
        _seg("LOC", "27", content.origin_country),
        _seg("LOC", "28", content.destination_country),
        _seg("DTM", ["137", f"{_utc(prepared):%Y%m%d%H%M}", "203"]),
    ]
    for container in content.containers:
        body.append(_seg("EQD", "CN", container.number))
        body.extend(_seg("SEL", seal) for seal in container.seals)
    body.append(_seg("TDT", "11", content.transport_id, content.transport_mode.rec19))
    for document in content.documents:
        if document.kind is DocumentKind.TRANSPORT_DOCUMENT:
            code = TRANSPORT_DOCUMENT[content.transport_mode]
        elif document.kind is DocumentKind.LICENCE and _is_export(content):
            code = "811"
        else:
            code = DOCUMENT_CODES[document.kind]
        body.append(_seg("DOC", code, document.reference))
        if document.issued is not None:
            body.append(_seg("DTM", ["182", f"{document.issued:%Y%m%d}", "102"]))
    body += [
        _party("CZ", content.consignor, "consignor"),
        _party("CN", content.consignee, "consignee"),
        _seg("NAD", "DT", content.declarant_id),
        _seg("TOD", "6", "", content.incoterm.value),
        _seg("MOA", ["39", _num(content.invoice_amount), currency]),
        _seg("CUX", ["2", currency, "4"], ["3", "CNY"], _num(content.exchange_rate)),
        _seg("DTM", ["134", f"{content.exchange_rate_date:%Y%m%d}", "102"]),
        _seg("MOA", ["64", _num(content.freight), currency]),
        _seg("MOA", ["157", _num(content.insurance), currency]),
        _seg("UNS", "D"),
    ]
    licence = "811" if _is_export(content) else "911"
    for number, item in enumerate(content.items, start=1):
        preference = [item.preference, "PRF", "ZZZ"] if item.preference else ""
        body.append(_seg("CST", str(number), [item.hs_code, "HS", "ZZZ"], preference))
        parts = _chunks(item.description, TEXT_PART)
        if len(parts) > TEXT_PARTS * MAX_DESCRIPTION_FTX:
            limit = TEXT_PART * TEXT_PARTS * MAX_DESCRIPTION_FTX
            raise ValueError(f"items[{number - 1}].description is longer than {limit} characters")
        for start in range(0, max(len(parts), 1), TEXT_PARTS):
            body.append(_seg("FTX", "AAA", "", "", parts[start : start + TEXT_PARTS]))
        body += [
            _seg("LOC", "27", item.origin_country),
            _seg("MEA", "AAE", ["AAE"], ["KGM", _num(item.gross_mass_kg)]),
            _seg("MEA", "AAE", ["AAF"], ["KGM", _num(item.net_mass_kg)]),
            _seg("MEA", "AAE", ["AAH"], [item.unit, _num(item.quantity)]),
            _seg("MOA", ["38", _num(item.value), currency]),
        ]
        body.extend(_seg("DOC", licence, reference) for reference in item.licences)
    body.append(_seg("UNS", "S"))
    return body


def write_cusdec(
    contents: Sequence[DeclarationContent], sender: str, recipient: str, control_ref: str, prepared: datetime
) -> str:
    """One interchange with a CUSDEC message per declaration (references 1, 2, ...).

    ``prepared`` (UTC; a naive value is taken as UTC) dates UNB and each DTM+137. Raises ``ValueError``
    for a value the mapping cannot carry (see the module docstring).
    """
    messages = [(str(n), _cusdec_body(content, prepared)) for n, content in enumerate(contents, start=1)]
    return _interchange(messages, "CUSDEC", sender, recipient, control_ref, prepared)


# --------------------------------------------------------------------------------------------- CUSRES

#: the CUSDEC segment that carries each field path (indices stripped: items[].hs_code)
FIELD_SEGMENTS = {
    "type": "BGM",
    "lrn": "BGM",
    "bonded_exit_kind": "CST",
    "office": "LOC",
    "office_code": "LOC",
    "loading_locode": "LOC",
    "unloading_locode": "LOC",
    "dispatch_country": "LOC",
    "origin_country": "LOC",
    "destination_country": "LOC",
    "transport_mode": "TDT",
    "transport_id": "TDT",
    "consignor": "NAD",
    "consignee": "NAD",
    "declarant_id": "NAD",
    "declarant": "NAD",
    "incoterm": "TOD",
    "invoice_amount": "MOA",
    "freight": "MOA",
    "insurance": "MOA",
    "invoice_currency": "CUX",
    "exchange_rate": "CUX",
    "exchange_rate_date": "DTM",
    "documents": "DOC",
    "containers": "EQD",
    "containers[].seals": "SEL",
    "items": "CST",
    "items[].hs_code": "CST",
    "items[].preference": "CST",
    "items[].description": "FTX",
    "items[].origin_country": "LOC",
    "items[].quantity": "MEA",
    "items[].unit": "MEA",
    "items[].gross_mass_kg": "MEA",
    "items[].net_mass_kg": "MEA",
    "items[].value": "MOA",
    "items[].licences": "DOC",
}


def response_error(code: str, field: str, message: str, parsed: ParsedDeclaration | None = None) -> ResponseError:
    """A CUSRES error for a field path (as validation names them: ``items[1].hs_code``, ``office``...).

    The segment tag comes from the mapping; with the parsed declaration the segment number too.
    """
    segment = "BGM"
    key = re.sub(r"\[\d+\]", "[]", field)
    while key:
        found = FIELD_SEGMENTS.get(key) or FIELD_SEGMENTS.get(key.removesuffix("[]"))
        if found is not None:
            segment = found
            break
        key = key.rpartition(".")[0]
    position: int | None = None
    if parsed is not None:
        position = parsed.positions.get(field)
        parent = field
        while position is None and parent:
            # the field's own segment is absent (e.g. no licence stated): point at the enclosing group
            parent = parent.rpartition(".")[0]
            position = parsed.positions.get(parent)
            if position is not None:
                segment = FIELD_SEGMENTS.get(re.sub(r"\[\d+\]", "", parent), segment)
        if position is None and segment == "BGM":
            position = parsed.positions.get("type")
    match = re.match(r"items\[(\d+)\]", field)
    item = int(match.group(1)) + 1 if match else None
    return ResponseError(code, field, message, segment, position, item)


def _cusres_body(response: CustomsResponse) -> list[Segment]:
    code, function = RESPONSE_BGM[response.kind]
    body = [
        _seg("BGM", code, response.declaration_id, function),
        _seg("DTM", ["137", f"{_utc(response.at):%Y%m%d%H%M%S}", "204"]),
        _seg("RFF", ["ABT", response.declaration_id]),
    ]
    if response.lrn is not None:
        body.append(_seg("RFF", ["ABE", response.lrn]))
    if response.message_ref is not None:
        body.append(_seg("RFF", ["ACW", response.message_ref]))
    for error in response.errors:
        item = ["", str(error.item)] if error.item is not None else ""
        position = "" if error.position is None else str(error.position)
        body.append(_seg("ERP", item, [error.segment, position]))
        if error.field:
            body.append(_seg("RFF", ["ZZZ", error.field]))
        body.append(_seg("ERC", error.code))
        parts = _chunks(error.message, TEXT_PART)
        for start in range(0, len(parts), TEXT_PARTS):
            body.append(_seg("FTX", "AAO", "", "", parts[start : start + TEXT_PARTS]))
    return body


def write_cusres(
    responses: Sequence[CustomsResponse], sender: str, recipient: str, control_ref: str, prepared: datetime
) -> str:
    """One interchange with a CUSRES message per response (acceptance, rejection or release)."""
    messages = [(str(n), _cusres_body(response)) for n, response in enumerate(responses, start=1)]
    return _interchange(messages, "CUSRES", sender, recipient, control_ref, prepared)


def parse_cusres(text: str) -> list[CustomsResponse]:
    """Read every CUSRES message of an interchange written with the mapping of ``write_cusres``."""
    return [_cusres(message) for message in _messages(text, "CUSRES")]


@dataclass
class _ErrorGroup:
    head: _Seg  # the ERP segment
    segment: str
    position: int | None
    item: int | None
    path: str = ""
    code: str | None = None
    text: list[str] = field(default_factory=list)

    def build(self) -> ResponseError:
        if self.code is None:
            raise self.head.fail("this ERP group has no ERC (application error code)")
        return ResponseError(self.code, self.path, "".join(self.text), self.segment, self.position, self.item)


def _erp(segment: _Seg) -> _ErrorGroup:
    item = segment.get(1, 2)
    if item and not item.isdigit():
        raise segment.fail(f"{item!r} is not a goods item number", 1, 2)
    position = segment.get(2, 2)
    if position and not position.isdigit():
        raise segment.fail(f"{position!r} is not a segment number", 2, 2)
    return _ErrorGroup(
        segment, segment.get(2, 1) or "BGM", int(position) if position else None, int(item) if item else None
    )


def _cusres(message: _Message) -> CustomsResponse:
    body = message.segments[1:-1]
    if not body or body[0].tag != "BGM":
        raise (body[0] if body else message.segments[-1]).fail("the segment after UNH must be BGM")
    bgm = body[0]
    code = bgm.need(1, 1, "the document name code (1001)")
    if code not in RESPONSE_KINDS:
        raise bgm.fail(f"{code!r} is not a response code (961 accepted, 963 rejected, 932 released)", 1, 1)
    at: datetime | None = None
    references: dict[str, str] = {}
    groups: list[_ErrorGroup] = []
    for segment in body[1:]:
        if segment.tag not in CUSRES_TAGS:
            raise segment.fail(f"{segment.tag} is not a segment of the CUSRES message")
        if segment.tag == "ERP":
            groups.append(_erp(segment))
        elif groups:
            group = groups[-1]
            if segment.tag == "RFF" and segment.get(1) == "ZZZ":
                group.path = segment.get(1, 2)
            elif segment.tag == "ERC":
                group.code = segment.need(1, 1, "the application error code (9321)")
            elif segment.tag == "FTX" and segment.get(1) == "AAO":
                group.text.extend(segment.components(4)[:TEXT_PARTS])
        elif segment.tag == "DTM":
            qualifier, moment = segment.moment()
            if qualifier == "137":
                at = moment
        elif segment.tag == "RFF":
            qualifier = segment.need(1, 1, "the reference qualifier (1153)")
            if qualifier in ("ABT", "ABE", "ACW"):
                references.setdefault(qualifier, segment.need(1, 2, "the reference (1154)"))
    if at is None:
        raise FormatError(f"message {message.reference}", "no DTM+137 (date/time of the response)")
    if "ABT" not in references:
        raise FormatError(f"message {message.reference}", "no RFF+ABT (the declaration's customs number)")
    return CustomsResponse(
        kind=RESPONSE_KINDS[code],
        declaration_id=references["ABT"],
        at=at,
        lrn=references.get("ABE"),
        message_ref=references.get("ACW"),
        errors=tuple(group.build() for group in groups),
    )
