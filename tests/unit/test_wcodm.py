"""WCO Data Model declaration XML: fixtures, round trip, located errors, safe parsing and fuzzing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pycountry
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iso6346
from stdnum.cn import uscc

from silkport.clearance.adapters import wcodm
from silkport.clearance.adapters.wcodm import ParsedDeclaration, parse_declarations, write_declarations
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
from silkport.clearance.domain.validation import ClearanceReference, validate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wcodm"
IMPORT = FIXTURES / "import-cars-horgos.xml"
EXPORT = FIXTURES / "export-rail-urumqi-duisburg.xml"
BONDED = FIXTURES / "bonded-fuel-urumqi-airport.xml"
VALID = (IMPORT, EXPORT, BONDED)


def parse_one(path: Path) -> ParsedDeclaration:
    parsed = parse_declarations(path.read_bytes())
    assert len(parsed) == 1
    return parsed[0]


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """1-based line of the n-th occurrence of snippet in text."""
    at = -1
    for _ in range(occurrence):
        at = text.index(snippet, at + 1)
    return text.count("\n", 0, at) + 1


# --------------------------------------------------------------------------------------------
# The fixtures read as the declarations they describe
# --------------------------------------------------------------------------------------------

IMPORT_CONTENT = DeclarationContent(
    type=DeclarationType.IMPORT,
    declarant_id="91654004MA78X4KD1Q",
    consignor=Party("Almaty Auto Trade LLP", "KZ", "KZ-BIN-050140008196"),
    consignee=Party("Horgos Silk Road Auto Import Co., Ltd.", "CN", "91654004MA78X4KD1Q"),
    office_code="HRS-ROAD",
    transport_mode=TransportMode.ROAD,
    transport_id="KZ 512 AVT 02",
    dispatch_country="KZ",
    origin_country="KZ",
    destination_country="CN",
    loading_locode="KZALA",
    unloading_locode="CNHRS",
    incoterm=Incoterm.CPT,
    invoice_currency="USD",
    invoice_amount=Decimal("172000.00"),
    freight=Decimal("1800.00"),
    insurance=Decimal("260.00"),
    exchange_rate=Decimal("7.1165"),
    exchange_rate_date=date(2025, 9, 18),
    items=(
        GoodsItem(
            hs_code="87032340",
            description="Passenger cars, spark-ignition, 1.5-2.0 l, new (assembled in Kostanay)",
            quantity=Decimal(4),
            unit="H87",
            gross_mass_kg=Decimal(6400),
            net_mass_kg=Decimal(6000),
            value=Decimal("100000.00"),
            origin_country="KZ",
        ),
        GoodsItem(
            hs_code="870322",
            description="Passenger cars, spark-ignition, 1.0-1.5 l, new",
            quantity=Decimal(6),
            unit="H87",
            gross_mass_kg=Decimal(7800),
            net_mass_kg=Decimal(7200),
            value=Decimal("72000.00"),
            origin_country="DE",
        ),
    ),
    documents=(
        Document(DocumentKind.INVOICE, "ALA-AT-2025-0917", date(2025, 9, 17)),
        Document(DocumentKind.TRANSPORT_DOCUMENT, "KZ-CMR-0448120", date(2025, 9, 18)),
        Document(DocumentKind.PACKING_LIST, "PL-ALA-2025-0917"),
    ),
    lrn="HRS-IM-2025-000417",
)


def test_import_of_cars_at_horgos_reads_field_by_field() -> None:
    parsed = parse_one(IMPORT)
    assert parsed.functional_reference_id == parsed.reference == "HRS-IM-2025-000417"
    assert parsed.declarant_id == "91654004MA78X4KD1Q"
    assert parsed.location.startswith("/Declaration (line ")
    assert parsed.content == IMPORT_CONTENT


def test_export_by_rail_carries_containers_with_their_seals() -> None:
    parsed = parse_one(EXPORT)
    content = parsed.content
    assert parsed.location == f"/MetaData/Declaration (line {line_of(EXPORT.read_text(), '<Declaration>')})"
    assert (content.type, content.bonded_exit_kind) == (DeclarationType.EXPORT, None)
    assert content.transport_mode is TransportMode.RAIL
    assert content.transport_id == "X9071"
    assert (content.loading_locode, content.unloading_locode) == ("CNULZ", "DEDUI")
    assert (content.dispatch_country, content.destination_country) == ("CN", "DE")
    assert content.consignee == Party("Rhein-Ruhr Solarhandel GmbH", "DE", "DE4471902385000")
    assert content.incoterm is Incoterm.FCA
    assert (content.invoice_currency, content.invoice_amount) == ("EUR", Decimal("1272000.00"))
    assert (content.freight, content.insurance) == (Decimal(0), Decimal(0))  # no CustomsValuation: FCA
    assert content.containers == (
        Container("TGHU8123457", ("ULZ25-0831001",)),
        Container("CBHU4172632", ("ULZ25-0831002", "CCU-650100-77812")),
        Container("TCNU6205195", ("ULZ25-0831003",)),
    )
    assert all(iso6346.is_valid(c.number) for c in content.containers)
    assert [i.hs_code for i in content.items] == ["850440", "850760"]
    assert content.items[0].gross_mass_kg == Decimal("18400.0")
    assert [d.kind for d in content.documents] == [
        DocumentKind.INVOICE,
        DocumentKind.PACKING_LIST,
        DocumentKind.TRANSPORT_DOCUMENT,
        DocumentKind.CERTIFICATE_OF_ORIGIN,
    ]


def test_bonded_entry_of_aviation_fuel_at_urumqi_airport() -> None:
    content = parse_one(BONDED).content
    assert (content.type, content.bonded_exit_kind) == (DeclarationType.BONDED_ENTRY, None)
    assert content.office_code == "URC-AIR"
    # "KZ CIT" and "CN URC" as written: UN/LOCODEs are normalised
    assert (content.loading_locode, content.unloading_locode) == ("KZCIT", "CNURC")
    assert content.declarant_id == "91650100MA79FJ8K2Q"  # as stated; the service maps it to an enterprise
    assert content.consignor == Party("Shymkent Jet Fuel Trading LLP", "KZ")  # no ID given
    (fuel,) = content.items
    assert fuel.hs_code == "27101911"
    assert (fuel.quantity, fuel.unit) == (Decimal(63000), "LTR")
    assert fuel.licences == ("ILA-2025-650000-01937",)
    assert (content.freight, content.insurance) == (Decimal("2150.00"), Decimal("91.00"))
    # a document of category C is not read as a UN/EDIFACT 1001 code
    assert content.documents[-1] == Document(DocumentKind.OTHER, "QC-TS1-2025-1187")
    assert content.lrn == "URC-BE-2025-000288"


def test_declarant_ids_of_the_fixtures_are_valid_usccs() -> None:
    for path in VALID:
        assert uscc.is_valid(parse_one(path).content.declarant_id)


def test_the_fixtures_pass_domain_validation() -> None:
    reference = ClearanceReference(
        hs_exists=lambda hs6: True,
        office_codes=frozenset({"HRS-ROAD", "URM-RAIL", "URC-AIR"}),
        units=frozenset({"H87", "LTR", "KGM"}),
        controlled_hs=("2710",),
    )
    for path in VALID:
        result = validate(parse_one(path).content, reference)
        assert result.ok, (path.name, result.errors)


# --------------------------------------------------------------------------------------------
# Writing: several declarations in one MetaData, and write -> parse round trips
# --------------------------------------------------------------------------------------------


def test_a_metadata_wrapper_holds_several_declarations_in_order() -> None:
    contents = [parse_one(p).content for p in VALID]
    written = write_declarations(contents)
    assert written.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"urn:wco:datamodel:WCO:DEC-DMS:2" in written
    parsed = parse_declarations(written)
    assert [p.content for p in parsed] == contents
    assert [p.functional_reference_id for p in parsed] == [c.lrn for c in contents]
    assert [p.location.split(" ")[0] for p in parsed] == [f"/MetaData/Declaration[{i}]" for i in (1, 2, 3)]


def test_the_writer_names_type_code_and_procedure() -> None:
    bonded_exit = replace(
        IMPORT_CONTENT, type=DeclarationType.BONDED_EXIT, bonded_exit_kind=BondedExitKind.RE_EXPORT, lrn=None
    )
    text = write_declarations([bonded_exit]).decode()
    assert "<TypeCode>EXA</TypeCode>" in text
    assert "<CurrentCode>31</CurrentCode>" in text
    assert "<PreviousCode>71</PreviousCode>" in text
    assert "FunctionalReferenceID" not in text
    (parsed,) = parse_declarations(text.encode())
    assert parsed.functional_reference_id is None
    assert parsed.reference == parsed.location == f"/MetaData/Declaration (line {line_of(text, '<Declaration>')})"
    assert parsed.content == bonded_exit


def test_writing_nothing_gives_an_empty_metadata_that_does_not_parse() -> None:
    with pytest.raises(FormatError) as caught:
        parse_declarations(write_declarations([]))
    assert caught.value.location.startswith("/MetaData/Declaration (line ")


def test_the_writer_refuses_what_xml_cannot_carry() -> None:
    broken = IMPORT_CONTENT.with_items((replace(IMPORT_CONTENT.items[0], description="cars\x00"),))
    with pytest.raises(FormatError) as caught:
        write_declarations([IMPORT_CONTENT, broken])
    assert caught.value.location == "declarations[1].items[0].description"


def test_the_writer_refuses_a_bonded_exit_without_its_kind() -> None:
    with pytest.raises(FormatError) as caught:
        write_declarations([replace(IMPORT_CONTENT, type=DeclarationType.BONDED_EXIT)])
    assert caught.value.location == "declarations[0].bonded_exit_kind"
    with pytest.raises(FormatError):
        write_declarations([replace(IMPORT_CONTENT, bonded_exit_kind=BondedExitKind.RE_EXPORT)])


COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)
# any text XML 1.0 carries (tabs, newlines, CR, CJK, emoji...), stripped as the parser strips it
TEXT = (
    st.text(
        st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n\r"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
CODE = st.from_regex(r"[A-Z0-9][A-Z0-9\-/]{0,15}", fullmatch=True)
HS = st.from_regex(r"[0-9]{6}", fullmatch=True) | st.from_regex(r"[0-9]{6}([0-9]{2}){1,2}", fullmatch=True)
LOCODE = st.from_regex(r"[A-Z]{2}[A-Z2-9]{3}", fullmatch=True)
UNIT = st.from_regex(r"[A-Z0-9]{2,3}", fullmatch=True)


def amounts(places: int | None = None) -> st.SearchStrategy[Decimal]:
    chosen = st.sampled_from([2, 3]) if places is None else st.just(places)
    return chosen.flatmap(
        lambda p: st.decimals(min_value=0, max_value=10**9, places=p, allow_nan=False, allow_infinity=False)
    )


PARTY = st.builds(Party, name=TEXT, country=st.sampled_from(COUNTRIES), identifier=st.none() | TEXT)
ITEM = st.builds(
    GoodsItem,
    hs_code=HS,
    description=TEXT,
    quantity=amounts(),
    unit=UNIT,
    gross_mass_kg=amounts(3),
    net_mass_kg=amounts(3),
    value=amounts(2),
    origin_country=st.sampled_from(COUNTRIES),
    preference=st.none() | CODE,
    licences=st.lists(CODE, max_size=2).map(tuple),
)
DOCUMENT = st.builds(Document, kind=st.sampled_from(DocumentKind), reference=TEXT, issued=st.none() | st.dates())
CONTAINER = st.builds(Container, number=CODE, seals=st.lists(CODE, max_size=3).map(tuple))


@st.composite
def contents(draw: st.DrawFn) -> DeclarationContent:
    kind = draw(st.sampled_from(DeclarationType))
    exit_kind = draw(st.sampled_from(BondedExitKind)) if kind is DeclarationType.BONDED_EXIT else None
    return DeclarationContent(
        type=kind,
        declarant_id=draw(TEXT),
        consignor=draw(PARTY),
        consignee=draw(PARTY),
        office_code=draw(CODE),
        transport_mode=draw(st.sampled_from(TransportMode)),
        transport_id=draw(TEXT),
        dispatch_country=draw(st.sampled_from(COUNTRIES)),
        origin_country=draw(st.sampled_from(COUNTRIES)),
        destination_country=draw(st.sampled_from(COUNTRIES)),
        loading_locode=draw(LOCODE),
        unloading_locode=draw(LOCODE),
        incoterm=draw(st.sampled_from(Incoterm)),
        invoice_currency=draw(st.sampled_from(CURRENCIES)),
        invoice_amount=draw(amounts(2)),
        freight=draw(amounts(2)),
        insurance=draw(amounts(2)),
        exchange_rate=draw(st.decimals(min_value=Decimal("0.0001"), max_value=10**5, places=4)),
        exchange_rate_date=draw(st.dates()),
        items=tuple(draw(st.lists(ITEM, min_size=1, max_size=5))),
        documents=tuple(draw(st.lists(DOCUMENT, max_size=4))),
        containers=tuple(draw(st.lists(CONTAINER, max_size=3))),
        lrn=draw(st.none() | TEXT),
        bonded_exit_kind=exit_kind,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contents(), min_size=1, max_size=3))
def test_write_then_parse_gives_back_every_field(generated: list[DeclarationContent]) -> None:
    parsed = parse_declarations(write_declarations(generated))
    assert [p.content for p in parsed] == generated
    assert [p.functional_reference_id for p in parsed] == [c.lrn for c in generated]


# --------------------------------------------------------------------------------------------
# Errors name an XPath with positional indexes and the source line
# --------------------------------------------------------------------------------------------

IMPORT_TEXT = IMPORT.read_text()
ITEM2 = "/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]"


def broken(old: str, new: str, occurrence: int = 1) -> tuple[bytes, int]:
    """The import fixture with the n-th `old` (0: every one) replaced by `new`, and the line of that (the first)."""
    line = line_of(IMPORT_TEXT, old, max(occurrence, 1))
    if occurrence == 0:
        return IMPORT_TEXT.replace(old, new).encode(), line
    parts = IMPORT_TEXT.split(old)
    text = old.join(parts[:occurrence]) + new + old.join(parts[occurrence:])
    return text.encode(), line


@pytest.mark.parametrize(
    ("old", "new", "occurrence", "path", "message"),
    [
        (
            "<ID>870322</ID>",
            "<ID>84713</ID>",
            1,
            f"{ITEM2}/Commodity/Classification/ID",
            "'84713' is not a 6-10 digit HS code",
        ),
        ("<ID>870322</ID>", "<ID>8703.22</ID>", 1, f"{ITEM2}/Commodity/Classification/ID", "'8703.22' is not"),
        ("<TypeCode>IMA</TypeCode>", "<TypeCode>IMQ</TypeCode>", 1, "/Declaration/TypeCode", "'IMQ' is not a"),
        ("<TypeCode>IMA</TypeCode>", "<TypeCode>XXA</TypeCode>", 1, "/Declaration/TypeCode", "declaration type"),
        (
            "<ModeCode>3</ModeCode>",
            "<ModeCode>6</ModeCode>",
            1,
            "/Declaration/BorderTransportMeans/ModeCode",
            "Rec. 19",
        ),
        (
            "<ConditionCode>CPT</ConditionCode>",
            "<ConditionCode>DAT</ConditionCode>",
            1,
            "/Declaration/GoodsShipment/TradeTerms/ConditionCode",
            "'DAT' is not an Incoterms 2020 rule",
        ),
        (
            "<FunctionCode>9</FunctionCode>",
            "<FunctionCode>13</FunctionCode>",
            1,
            "/Declaration/FunctionCode",
            "only original declarations",
        ),
        (
            ">20250918</p1:DateTimeString>\n    </EffectiveDateTime>",
            ">20250931</p1:DateTimeString>\n    </EffectiveDateTime>",
            1,
            "/Declaration/CurrencyExchange/EffectiveDateTime/DateTimeString",
            "'20250931' is not a date",
        ),
        (
            '<p1:DateTimeString formatCode="102">20250917',
            '<p1:DateTimeString formatCode="304">20250917',
            1,
            "/Declaration/AdditionalDocument[1]/IssueDateTime/DateTimeString",
            "formatCode '304'",
        ),
        (
            '<ItemChargeAmount currencyID="USD">72000.00',
            '<ItemChargeAmount currencyID="EUR">72000.00',
            1,
            f"{ITEM2}/Commodity/InvoiceLine/ItemChargeAmount",
            "differs from the invoice currency 'USD'",
        ),
        (
            '<InvoiceAmount currencyID="USD">',
            "<InvoiceAmount>",
            1,
            "/Declaration/InvoiceAmount",
            "currencyID attribute is required",
        ),
        (
            "<RateNumeric>7.1165</RateNumeric>",
            "<RateNumeric>7,1165</RateNumeric>",
            1,
            "/Declaration/CurrencyExchange/RateNumeric",
            "'7,1165' is not a decimal number",
        ),
        (
            "<RateNumeric>7.1165</RateNumeric>",
            "<RateNumeric>NaN</RateNumeric>",
            1,
            "/Declaration/CurrencyExchange/RateNumeric",
            "'NaN' is not a decimal number",
        ),
        (
            '<TariffQuantity unitCode="H87">6</TariffQuantity>',
            '<TariffQuantity unitCode="H87">1e3</TariffQuantity>',
            1,
            f"{ITEM2}/Commodity/GoodsMeasure/TariffQuantity",
            "'1e3' is not a decimal number",
        ),
        (
            '<GrossMassMeasure unitCode="KGM">7800',
            '<GrossMassMeasure unitCode="LBR">7800',
            1,
            f"{ITEM2}/Commodity/GoodsMeasure/GrossMassMeasure",
            "kilograms",
        ),
        ("<GoodsItemQuantity>2<", "<GoodsItemQuantity>3<", 1, "/Declaration/GoodsItemQuantity", "says 3 goods items"),
        ("<SequenceNumeric>2<", "<SequenceNumeric>5<", 1, f"{ITEM2}/SequenceNumeric", "numbered 5"),
        (
            "<CountryCode>DE</CountryCode>",
            "<CountryCode>Germany</CountryCode>",
            1,
            f"{ITEM2}/Origin/CountryCode",
            "'Germany' is not an ISO 3166 country code",
        ),
        (
            "<ID>KZALA</ID>",
            "<ID>Almaty</ID>",
            1,
            "/Declaration/GoodsShipment/Consignment/LoadingLocation/ID",
            "is not a UN/LOCODE",
        ),
        (
            "<DeclarationOfficeID>HRS-ROAD</DeclarationOfficeID>",
            "<DeclarationOfficeID>  </DeclarationOfficeID>",
            1,
            "/Declaration/DeclarationOfficeID",
            "is empty",
        ),
        (
            "<ID>KZ 512 AVT 02</ID>",
            "<ID><Plate>KZ 512 AVT 02</Plate></ID>",
            1,
            "/Declaration/BorderTransportMeans/ID/Plate",
            "holds a value, not elements",
        ),
        (
            "<CurrentCode>40</CurrentCode>",
            "<CurrentCode>71</CurrentCode>",
            2,
            f"{ITEM2}/GovernmentProcedure/CurrentCode",
            "one declaration, one procedure",
        ),
        (
            "<CurrentCode>40</CurrentCode>",
            "<CurrentCode>51</CurrentCode>",
            0,
            "/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/GovernmentProcedure/CurrentCode",
            "procedure 5100 on a IM declaration is not one of 4000, 7100, 4071",
        ),
        (
            "<Declarant>",
            "<Declarant><ID>X</ID></Declarant><Declarant>",
            1,
            "/Declaration/Declarant[2]",
            "Declarant may appear once in Declaration, found 2",
        ),
    ],
)
def test_errors_name_the_xpath_and_line(old: str, new: str, occurrence: int, path: str, message: str) -> None:
    data, line = broken(old, new, occurrence)
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    assert caught.value.location == f"{path} (line {line})"
    assert message in caught.value.message
    assert caught.value.errors[0].field == caught.value.location  # the 422 problem names it too


def test_a_missing_element_is_named_under_its_parent_with_the_parent_line() -> None:
    data, line = broken("<Name>Almaty Auto Trade LLP</Name>", "")
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    assert caught.value.location == f"/Declaration/Exporter/Name (line {line - 1})"
    assert caught.value.message == "required element Name is missing from Exporter"


def test_a_second_declaration_is_indexed_in_the_path() -> None:
    written = write_declarations([IMPORT_CONTENT, IMPORT_CONTENT]).decode()
    second = written.index("<Declaration>", written.index("<Declaration>") + 1)
    hs_at = written.index("<ID>870322</ID>", second)
    data = (written[:hs_at] + "<ID>84713</ID>" + written[hs_at + len("<ID>870322</ID>") :]).encode()
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    line = written.count("\n", 0, hs_at) + 1
    assert caught.value.location == (
        f"/MetaData/Declaration[2]/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Classification/ID (line {line})"
    )


@pytest.mark.parametrize(
    ("data", "location", "message"),
    [
        (b"<Invoice/>", "/Invoice (line 1)", "the root element is Invoice"),
        (
            b"<MetaData><WCOTypeName>INV</WCOTypeName></MetaData>",
            "/MetaData/WCOTypeName (line 1)",
            "not a declaration document",
        ),
        (b"<MetaData>\n</MetaData>", "/MetaData/Declaration (line 1)", "required element Declaration is missing"),
        (b"", "line 1, column 1", "not well-formed XML: Document is empty"),
        (b"<Declaration>", "line 1, column 14", "not well-formed XML"),
        (b'<?xml version="1.0" encoding="nonsense"?><Declaration/>', "line 1, column", "Unsupported encoding"),
    ],
)
def test_unreadable_documents(data: bytes, location: str, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    assert caught.value.location.startswith(location)
    assert message in caught.value.message


def test_a_document_larger_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wcodm, "MAX_BYTES", 100)
    with pytest.raises(FormatError) as caught:
        parse_declarations(IMPORT.read_bytes())
    assert caught.value.location == "document"


# --------------------------------------------------------------------------------------------
# The broken fixtures
# --------------------------------------------------------------------------------------------


def test_broken_not_well_formed_gives_line_and_column() -> None:
    path = FIXTURES / "broken-not-well-formed.xml"
    line = line_of(path.read_text(), "</Descripton>")
    with pytest.raises(FormatError) as caught:
        parse_declarations(path.read_bytes())
    assert re.fullmatch(rf"line {line}, column \d+", caught.value.location)
    assert "Opening and ending tag mismatch" in caught.value.message
    assert not caught.value.message.endswith(f"column {caught.value.location.split()[-1]}")


def test_broken_missing_declarant() -> None:
    path = FIXTURES / "broken-missing-declarant.xml"
    with pytest.raises(FormatError) as caught:
        parse_declarations(path.read_bytes())
    assert re.fullmatch(r"/Declaration/Declarant \(line \d+\)", caught.value.location)
    assert "Declarant is missing" in caught.value.message


def test_broken_bad_number() -> None:
    path = FIXTURES / "broken-bad-number.xml"
    line = line_of(path.read_text(), ">7.800,5<")
    with pytest.raises(FormatError) as caught:
        parse_declarations(path.read_bytes())
    assert caught.value.location == f"{ITEM2}/Commodity/GoodsMeasure/GrossMassMeasure (line {line})"
    assert caught.value.message.startswith("'7.800,5' is not a decimal number")


@pytest.mark.parametrize("name", ["broken-xxe.xml", "broken-billion-laughs.xml"])
def test_entity_attacks_are_refused(name: str) -> None:
    path = FIXTURES / name
    line = line_of(path.read_text(), "<!DOCTYPE")
    with pytest.raises(FormatError) as caught:
        parse_declarations(path.read_bytes())
    assert caught.value.location == f"DOCTYPE (line {line})"
    assert "refused" in caught.value.message


@pytest.mark.parametrize("name", ["broken-xxe.xml", "broken-billion-laughs.xml"])
def test_entity_attacks_are_refused_whatever_the_encoding(name: str) -> None:
    """UTF-16 hides the DOCTYPE from a byte scan: the parsed document's DTD gives it away, or libxml2's own
    guard against entity amplification stops the parse first."""
    text = (FIXTURES / name).read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(FormatError) as caught:
        parse_declarations(text.encode("utf-16"))
    assert caught.value.location.startswith("DOCTYPE") or "entity amplification" in caught.value.message
    assert "root:" not in str(caught.value)


def test_an_external_dtd_is_neither_fetched_nor_accepted() -> None:
    data = b'<!DOCTYPE Declaration SYSTEM "http://127.0.0.1:9/wco.dtd"><Declaration/>'
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    assert caught.value.location == "DOCTYPE (line 1)"


def test_an_undeclared_entity_is_not_well_formed() -> None:
    data, _ = broken("<ID>KZ 512 AVT 02</ID>", "<ID>&plate;</ID>")
    with pytest.raises(FormatError) as caught:
        parse_declarations(data)
    assert "Entity 'plate' not defined" in caught.value.message


# --------------------------------------------------------------------------------------------
# Fuzzing: whatever the bytes, the parser answers with declarations or a FormatError
# --------------------------------------------------------------------------------------------

SEEDS = [p.read_bytes() for p in VALID] + [write_declarations([IMPORT_CONTENT])]


def check_parser(data: bytes) -> None:
    try:
        parsed = parse_declarations(data)
    except FormatError as e:
        assert e.location
        assert e.message
    else:
        assert all(isinstance(p.content, DeclarationContent) for p in parsed)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_format_error(data: bytes) -> None:
    check_parser(data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        span = draw(st.integers(0, 40))
        operation = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "text"]))
        if operation == "delete":
            del data[at : at + span]
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif operation == "replace":
            data[at : at + 1] = draw(st.binary(min_size=1, max_size=1))
        elif operation == "duplicate":
            data[at:at] = data[at : at + span]
        else:  # swap an element's text for something plausible but wrong
            data[at:at] = draw(st.sampled_from([b"-1", b"1e9", b"9" * 40, b"&amp;", b"\xc3\xa9", b"\xff", b"<x/>"]))
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_valid_documents_never_raise_anything_but_format_error(data: bytes) -> None:
    check_parser(data)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([IMPORT_TEXT]),
    st.sampled_from(["870322", "7800", "USD", "KZALA", "CPT", "IMA", "3", "2", "20250917", "KGM", "H87", "9"]),
    st.text(max_size=12),
)
def test_any_value_in_place_of_a_valid_one_never_raises_anything_but_format_error(
    text: str, target: str, value: str
) -> None:
    check_parser(text.replace(target, value).encode("utf-8", errors="surrogatepass"))
