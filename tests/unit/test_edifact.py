"""UN/EDIFACT CUSDEC in and out, CUSRES out: fixtures read as expected, write->parse round-trips,
malformed input names the segment and element, and no input makes the reader fail any other way."""

from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydifact.segmentcollection import Interchange
from stdnum import iso6346

from silkport.clearance.adapters.edifact import (
    CustomsResponse,
    ParsedDeclaration,
    ResponseError,
    ResponseKind,
    parse_cusdec,
    parse_cusres,
    response_error,
    write_cusdec,
    write_cusres,
)
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
from silkport.shared.codes import all_countries, all_currencies

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cusdec"
PREPARED = datetime(2025, 9, 2, 8, 15, tzinfo=UTC)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse_one(text: str) -> ParsedDeclaration:
    parsed = parse_cusdec(text)
    assert len(parsed) == 1
    return parsed[0]


def read_back(text: str) -> Interchange:
    """pydifact's own reading of an interchange (it warns that it has no D.96B directory to validate)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Interchange.from_str(text)


# ------------------------------------------------------------------------------------------- fixtures

CARS = DeclarationContent(
    type=DeclarationType.IMPORT,
    declarant_id="91654004MA79B1T5XG",
    consignor=Party("Almaty Motors LLP", "KZ", "KZ-BIN-120340012345"),
    consignee=Party("Horgos Silk Road Auto Trading Co., Ltd.", "CN", "91654004MA79B1T5XG"),
    office_code="HRS-ROAD",
    transport_mode=TransportMode.ROAD,
    transport_id="123 ABC 02",
    dispatch_country="KZ",
    origin_country="DE",
    destination_country="CN",
    loading_locode="KZALA",
    unloading_locode="CNHRS",
    incoterm=Incoterm.DAP,
    invoice_currency="USD",
    invoice_amount=D("134600.00"),
    freight=D("0"),
    insurance=D("0"),
    exchange_rate=D("7.1032"),
    exchange_rate_date=date(2025, 9, 1),
    items=(
        GoodsItem(
            hs_code="87032340",
            description="Passenger cars, spark-ignition, 1500-2000 cm3, new, Volkswagen Tiguan 2.0 TSI",
            quantity=D(4),
            unit="NAR",
            gross_mass_kg=D(6420),
            net_mass_kg=D(6080),
            value=D("128000.00"),
            origin_country="DE",
        ),
        GoodsItem(
            hs_code="401110",
            description="New pneumatic tyres of rubber for motor cars, 235/55 R18",
            quantity=D(20),
            unit="H87",
            gross_mass_kg=D("248.5"),
            net_mass_kg=D(236),
            value=D("6600.00"),
            origin_country="DE",
        ),
    ),
    documents=(
        Document(DocumentKind.INVOICE, "AM-INV-2025-0831", date(2025, 8, 31)),
        Document(DocumentKind.TRANSPORT_DOCUMENT, "CMR-KZ-0458812", date(2025, 9, 1)),
        Document(DocumentKind.CERTIFICATE_OF_ORIGIN, "KZ-CO-2025-113907"),
    ),
    lrn="HRS-LRN-2025-0902-017",
)

RAIL = DeclarationContent(
    type=DeclarationType.EXPORT,
    declarant_id="91650100MA775PRW37",
    consignor=Party("Xinjiang Tianshan Agri-Export Co., Ltd.", "CN", "91650100MA78LQ0N2X"),
    consignee=Party("Rhein-Ruhr Lebensmittel Import GmbH", "DE", "DE-EORI-DE813472290000"),
    office_code="URM-RAIL",
    transport_mode=TransportMode.RAIL,
    transport_id="X8024",
    dispatch_country="CN",
    origin_country="CN",
    destination_country="DE",
    loading_locode="CNULZ",
    unloading_locode="DEDUI",
    incoterm=Incoterm.FCA,
    invoice_currency="EUR",
    invoice_amount=D("61720.00"),
    freight=D("4800.00"),
    insurance=D("185.16"),
    exchange_rate=D("8.3124"),
    exchange_rate_date=date(2025, 9, 10),
    items=(
        GoodsItem(
            hs_code="200290",
            description="Tomato paste, 28-30 % Brix, hot break, in 220 l aseptic drums",
            quantity=D(39600),
            unit="KGM",
            gross_mass_kg=D(42240),
            net_mass_kg=D(39600),
            value=D("43560.00"),
            origin_country="CN",
        ),
        GoodsItem(
            hs_code="520512",
            description="Cotton yarn, single, uncombed, 85 % or more cotton, Ne 21/1",
            quantity=D(19800),
            unit="KGM",
            gross_mass_kg=D(20450),
            net_mass_kg=D(19800),
            value=D("18160.00"),
            origin_country="CN",
        ),
    ),
    documents=(
        Document(DocumentKind.INVOICE, "XJT-2025-EXP-0441", date(2025, 9, 5)),
        Document(DocumentKind.PACKING_LIST, "XJT-PL-0441"),
        Document(DocumentKind.TRANSPORT_DOCUMENT, "CIM-SMGS-65-0912345", date(2025, 9, 10)),
        Document(DocumentKind.CERTIFICATE_OF_ORIGIN, "CCPIT-XJ-25-0033172"),
    ),
    containers=(
        Container("TGHU8765436", ("XJ2025091001", "CR0847713")),
        Container("CSNU6123450", ("XJ2025091002",)),
    ),
    lrn="XJ-EXP-2025-09-0441",
)

FUEL = DeclarationContent(
    type=DeclarationType.BONDED_ENTRY,
    declarant_id="91650000MA776QXK8X",
    consignor=Party("KazPetroTrade JSC", "KZ", "KZ-BIN-990540001122"),
    consignee=Party("Urumqi Diwopu Bonded Aviation Fuel Co., Ltd.", "CN", "91650000MA776QXK8X"),
    office_code="URC-AIR",
    transport_mode=TransportMode.RAIL,
    transport_id="TRAIN 56017",
    dispatch_country="KZ",
    origin_country="KZ",
    destination_country="CN",
    loading_locode="KZCIT",
    unloading_locode="CNURC",
    incoterm=Incoterm.DAP,
    invoice_currency="USD",
    invoice_amount=D("1248750.00"),
    freight=D("36500.00"),
    insurance=D(0),
    exchange_rate=D("7.1189"),
    exchange_rate_date=date(2025, 9, 15),
    items=(
        GoodsItem(
            hs_code="27101911",
            description=("Kerosene-type jet fuel Jet A-1 (TS-1 grade), for bonded refuelling of international flights"),
            quantity=D(1953125),
            unit="LTR",
            gross_mass_kg=D(1602400),
            net_mass_kg=D(1562500),
            value=D("1248750.00"),
            origin_country="KZ",
            licences=("CN-MOFCOM-OIL-2025-0417",),
        ),
    ),
    documents=(
        Document(DocumentKind.INVOICE, "PTR-INV-25-0912", date(2025, 9, 12)),
        Document(DocumentKind.TRANSPORT_DOCUMENT, "SMGS-25-KZ-3340912"),
    ),
    lrn="URC-BND-2025-0915-002",
)

SAMPLES = [
    ("import-cars-horgos-road.edi", "CARS0001", CARS),
    ("export-rail-urumqi-duisburg.edi", "X8024-01", RAIL),
    ("bonded-entry-jet-fuel-urumqi-airport.edi", "JF1", FUEL),
]


@pytest.mark.parametrize(("name", "reference", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_sample_interchanges_read_as_expected(name: str, reference: str, expected: DeclarationContent) -> None:
    parsed = parse_one(fixture(name))
    assert parsed.reference == reference
    assert parsed.content == expected
    assert parsed.declarant_id == expected.declarant_id  # as stated in NAD+DT, mapped later by the service


def test_sample_containers_carry_real_iso6346_check_digits() -> None:
    for container in parse_one(fixture("export-rail-urumqi-duisburg.edi")).content.containers:
        assert iso6346.is_valid(container.number)


def test_the_fixtures_exercise_the_readers_leniency() -> None:
    """Comma decimal mark (UNA), no UNA at all with syntax 3, masses in tonnes, a later directory (D.01B),
    transport identity in C222 rather than 8028, and segments the mapping skips (GIS, RFF, CNT, FTX)."""
    rail, fuel = fixture("export-rail-urumqi-duisburg.edi"), fixture("bonded-entry-jet-fuel-urumqi-airport.edi")
    assert rail.startswith("UNA:+,? '") and "CUSDEC:D:01B:UN" in rail
    assert fuel.startswith("UNB+UNOC:3") and "TNE:" in fuel and "TDT+11++2+++++:::TRAIN 56017'" in fuel
    assert parse_one(fuel).content.items[0].gross_mass_kg == D("1602400")


@pytest.mark.parametrize(("name", "reference", "expected"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_samples_survive_a_write_and_read(name: str, reference: str, expected: DeclarationContent) -> None:
    again = parse_one(write_cusdec([expected], "SILKPORT", "EXPORT", "1", PREPARED))
    assert again.content == expected
    assert again.reference == "1"


def test_positions_name_the_segment_of_each_field() -> None:
    parsed = parse_one(fixture("import-cars-horgos-road.edi"))
    lines = fixture("import-cars-horgos-road.edi").splitlines()[2:]  # UNA and UNB precede UNH (segment 1)
    assert lines[parsed.positions["items[1].hs_code"] - 1].startswith("CST+2+401110")
    assert lines[parsed.positions["office"] - 1] == "LOC+22+HRS-ROAD'"
    assert lines[parsed.positions["items[0].net_mass_kg"] - 1] == "MEA+AAE+AAF+KGM:6080'"
    assert parsed.positions["lrn"] == parsed.positions["type"] == 2


@pytest.mark.parametrize(
    ("name", "location", "message"),
    [
        (
            "broken-mea-not-a-number.edi",
            "message BAD1, segment 23 (MEA), element 3, component 2",
            "'abc' is not a number",
        ),
        ("broken-unt-segment-count.edi", "message BAD2, segment 27 (UNT), element 1", "says 31 segments"),
    ],
)
def test_broken_samples_name_segment_and_element(name: str, location: str, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_cusdec(fixture(name))
    assert caught.value.location == location
    assert message in caught.value.message


# ------------------------------------------------------------------------------------------- writing


def test_written_interchange_is_edifact_pydifact_reads() -> None:
    text = write_cusdec([CARS, RAIL, FUEL], "SILKPORT", "CNHRS", "77", PREPARED)
    interchange = read_back(text)
    messages = list(interchange.get_messages())
    assert [m.type for m in messages] == ["CUSDEC"] * 3
    assert [m.version for m in messages] == ["D.96B"] * 3
    assert interchange.control_reference == "77"
    assert interchange.timestamp == datetime(2025, 9, 2, 8, 15)  # pydifact's timestamps are naive (UTC here)
    assert text.startswith("UNA:+.? '\nUNB+UNOW:4+SILKPORT+CNHRS+20250902:0815+77'")
    assert text.rstrip().endswith("UNZ+3+77'")


def test_mapping_codes_in_the_written_message() -> None:
    text = write_cusdec([RAIL], "S", "R", "1", PREPARED)
    for segment in (
        "BGM+830+XJ-EXP-2025-09-0441+9'",
        "CST++EX:PRC:ZZZ'",
        "LOC+9+CNULZ:139:6'",
        "LOC+11+DEDUI:139:6'",
        "EQD+CN+TGHU8765436'\nSEL+XJ2025091001'\nSEL+CR0847713'\nEQD+CN+CSNU6123450'",
        "TDT+11+X8024+2'",
        "DOC+720+CIM-SMGS-65-0912345'\nDTM+182:20250910:102'",
        "NAD+DT+91650100MA775PRW37'",
        "TOD+6++FCA'",
        "MOA+39:61720.00:EUR'\nCUX+2:EUR:4+3:CNY+8.3124'\nDTM+134:20250910:102'",
        "MOA+64:4800.00:EUR'",
        "MOA+157:185.16:EUR'",
        "UNS+D'\nCST+1+200290:HS:ZZZ'",
        "MEA+AAE+AAE+KGM:42240'\nMEA+AAE+AAF+KGM:39600'\nMEA+AAE+AAH+KGM:39600'\nMOA+38:43560.00:EUR'",
    ):
        assert segment in text


@pytest.mark.parametrize(
    ("declaration_type", "kind", "bgm", "cst"),
    [
        (DeclarationType.IMPORT, None, "929", "IM"),
        (DeclarationType.EXPORT, None, "830", "EX"),
        (DeclarationType.TRANSIT, None, "950", "TR"),
        (DeclarationType.BONDED_ENTRY, None, "929", "BE"),
        (DeclarationType.BONDED_EXIT, BondedExitKind.RE_EXPORT, "830", "BX:PRC:ZZZ+RX"),
        (DeclarationType.BONDED_EXIT, BondedExitKind.RELEASE_FOR_CONSUMPTION, "930", "BX:PRC:ZZZ+HU"),
        (DeclarationType.BONDED_EXIT, None, "914", "BX"),
    ],
)
def test_declaration_types_map_to_bgm_and_cst(
    declaration_type: DeclarationType, kind: BondedExitKind | None, bgm: str, cst: str
) -> None:
    content = replace(CARS, type=declaration_type, bonded_exit_kind=kind)
    text = write_cusdec([content], "S", "R", "1", PREPARED)
    assert f"BGM+{bgm}+" in text and f"CST++{cst}" in text
    assert parse_one(text).content == content


def test_long_names_and_descriptions_split_into_components_and_segments() -> None:
    item = replace(CARS.items[0], description="Spare parts: " + "x" * 700, licences=("L-1", "L-2"))
    content = replace(CARS, consignee=Party("N" * 170, "CN"), items=(item,), type=DeclarationType.EXPORT)
    text = write_cusdec([content], "S", "R", "1", PREPARED)
    assert text.count("FTX+AAA") == 3
    assert "DOC+811+L-1'" in text  # an export licence
    assert parse_one(text).content == content
    with pytest.raises(ValueError, match=r"consignor\.name"):
        write_cusdec([replace(CARS, consignor=Party("N" * 176, "KZ"))], "S", "R", "1", PREPARED)


def test_prepared_time_is_written_in_utc() -> None:
    urumqi = timezone(timedelta(hours=6))
    text = write_cusdec([CARS], "S", "R", "1", datetime(2025, 9, 2, 14, 15, tzinfo=urumqi))
    assert "+20250902:0815+1'" in text and "DTM+137:202509020815:203'" in text


# ------------------------------------------------------------------------ round trip of generated content

COUNTRIES = sorted(all_countries())
CURRENCIES = sorted(all_currencies())
UNITS = ["H87", "NAR", "KGM", "LTR", "MTQ", "SET", "PR", "TNE", "C62", "MTK"]
OFFICES = ["HRS-ROAD", "HRS-RAIL", "URC-AIR", "URM-RAIL", "KSS-TIR", "KSS-MAIL"]
# names and descriptions mix scripts and the EDIFACT separators, which must be released (escaped)
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(categories=("L", "N", "P", "Zs", "Sm", "Sc"), exclude_characters="\u2028\u2029"),
        st.sampled_from("+:'?*., "),
    ),
    max_size=120,
).map(str.strip)
CODE = st.from_regex(r"[A-Z0-9][A-Z0-9/-]{0,24}", fullmatch=True)


def money(places: int = 2, high: str = "1e9") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=Decimal(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def container_numbers(draw: st.DrawFn) -> str:
    owner = draw(st.from_regex(r"[A-Z]{3}[UJZ][0-9]{6}", fullmatch=True))
    return owner + iso6346.calc_check_digit(owner)


goods_items = st.builds(
    GoodsItem,
    hs_code=st.from_regex(r"[0-9]{6}([0-9]{2}){0,2}", fullmatch=True),
    description=st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=500),
    quantity=money(3, "1e7"),
    unit=st.sampled_from(UNITS),
    gross_mass_kg=money(3, "1e7"),
    net_mass_kg=money(3, "1e7"),
    value=money(),
    origin_country=st.sampled_from(COUNTRIES),
    preference=st.none() | st.sampled_from(["CN-SCO", "APTA", "CN-PK", "RCEP", "CN-GE"]),
    licences=st.lists(CODE, max_size=2).map(tuple),
)
parties = st.builds(
    Party,
    name=TEXT.filter(bool),
    country=st.sampled_from(COUNTRIES),
    identifier=st.none() | st.from_regex(r"[A-Z0-9][A-Z0-9:-]{0,30}", fullmatch=True),
)
locodes = st.builds(
    lambda country, place: country + place, st.sampled_from(COUNTRIES), st.from_regex(r"[A-Z2-9]{3}", fullmatch=True)
)


@st.composite
def contents(draw: st.DrawFn) -> DeclarationContent:
    declaration_type = draw(st.sampled_from(DeclarationType))
    kind = (
        draw(st.none() | st.sampled_from(BondedExitKind)) if declaration_type is DeclarationType.BONDED_EXIT else None
    )
    return DeclarationContent(
        type=declaration_type,
        declarant_id=draw(st.from_regex(r"[0-9A-HJ-NPQRTUWXY]{18}", fullmatch=True)),
        consignor=draw(parties),
        consignee=draw(parties),
        office_code=draw(st.sampled_from(OFFICES)),
        transport_mode=draw(st.sampled_from(TransportMode)),
        transport_id=draw(st.from_regex(r"[A-Z0-9]([A-Z0-9 ]{0,14}[A-Z0-9])?", fullmatch=True)),
        dispatch_country=draw(st.sampled_from(COUNTRIES)),
        origin_country=draw(st.sampled_from(COUNTRIES)),
        destination_country=draw(st.sampled_from(COUNTRIES)),
        loading_locode=draw(locodes),
        unloading_locode=draw(locodes),
        incoterm=draw(st.sampled_from(Incoterm)),
        invoice_currency=draw(st.sampled_from(CURRENCIES)),
        invoice_amount=draw(money()),
        freight=draw(money()),
        insurance=draw(money()),
        exchange_rate=draw(st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4)),
        exchange_rate_date=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))),
        items=tuple(draw(st.lists(goods_items, min_size=1, max_size=5))),
        documents=tuple(
            draw(
                st.lists(
                    st.builds(
                        Document,
                        kind=st.sampled_from(DocumentKind),
                        reference=CODE,
                        issued=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 1, 1)),
                    ),
                    max_size=4,
                )
            )
        ),
        containers=tuple(
            draw(
                st.lists(
                    st.builds(
                        Container,
                        number=container_numbers(),
                        seals=st.lists(st.from_regex(r"[A-Z0-9]{4,10}", fullmatch=True), max_size=3).map(tuple),
                    ),
                    max_size=3,
                )
            )
        ),
        lrn=draw(st.none() | CODE),
        bonded_exit_kind=kind,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contents(), min_size=1, max_size=3))
def test_write_then_parse_gives_the_contents_back(batch: list[DeclarationContent]) -> None:
    text = write_cusdec(batch, "SILKPORT", "CUSTOMS", "RT1", PREPARED)
    parsed = parse_cusdec(text)
    assert [p.content for p in parsed] == batch
    assert [p.reference for p in parsed] == [str(n) for n in range(1, len(batch) + 1)]
    assert [p.declarant_id for p in parsed] == [c.declarant_id for c in batch]


# ---------------------------------------------------------------------------------- malformed messages


def recount(text: str) -> str:
    """Fix UNT and UNZ counts after an edit (the writer puts one segment on a line)."""
    out: list[str] = []
    start = 0
    messages = 0
    for line in text.splitlines():
        if line.startswith("UNH+"):
            start = len(out)
            messages += 1
        if line.startswith("UNT+"):
            line = re.sub(r"^UNT\+\d+", f"UNT+{len(out) - start + 1}", line)
        if line.startswith("UNZ+"):
            line = re.sub(r"^UNZ\+\d+", f"UNZ+{messages}", line)
        out.append(line)
    return "\n".join(out) + "\n"


VALID = write_cusdec([CARS], "SILKPORT", "CUSTOMS", "42", PREPARED)


def edit(old: str, new: str, *, count: bool = True) -> str:
    assert old in VALID, old
    changed = VALID.replace(old, new, 1)
    return recount(changed) if count else changed


def without_items() -> str:
    lines = VALID.splitlines()
    start, end = lines.index("UNS+D'"), lines.index("UNS+S'")
    return recount("\n".join(lines[: start + 1] + lines[end:]))


MALFORMED = [
    ("", "interchange", "is empty"),
    ("Dear customs, please clear my cars.", "interchange, segment 1", "not readable as EDIFACT"),
    ("UNA:+.? '\nUNH+1+CUSDEC:D:96B:UN'", "interchange, segment 2 (UNH)", "starts with UNB"),
    (edit("UNB+UNOW:4", "UNB+XXXX:4"), "interchange, segment 2 (UNB), element 1, component 1", "syntax identifier"),
    (edit("+20250902:0815+", "+20251302:0815+"), "interchange, segment 2 (UNB), element 4", "not a valid date"),
    (VALID.replace("UNZ+1+42'", ""), "interchange", "no UNZ"),
    (VALID.split("UNT+")[0], "interchange", "has no UNT"),
    (edit("UNZ+1+42'", "UNZ+2+42'", count=False), "segment 45 (UNZ), element 1", "says 2 messages"),
    (edit("UNZ+1+42'", "UNZ+1+43'", count=False), "segment 45 (UNZ), element 2", "differs from UNB's"),
    (edit("UNT+42+1'", "UNT+40+1'", count=False), "message 1, segment 42 (UNT), element 1", "says 40 segments"),
    (edit("UNT+42+1'", "UNT+42+9'", count=False), "message 1, segment 42 (UNT), element 2", "differs from UNH's"),
    (edit("CUSDEC:D:96B:UN", "INVOIC:D:96B:UN"), "message 1, segment 1 (UNH), element 2, component 1", "not a CUSDEC"),
    (edit("CUSDEC:D:96B:UN", "CUSDEC:D:96A:UN"), "segment 1 (UNH), element 2, component 3", "older than D.96B"),
    (edit("BGM+929+", "BGM+380+"), "message 1, segment 2 (BGM), element 1, component 1", "does not fit procedure"),
    (
        edit("+9'\nCST++IM:PRC:ZZZ'", "+9'").replace("BGM+929", "BGM+914"),
        "segment 2 (BGM), element 1, component 1",
        "need CST",
    ),
    (edit("CST++IM:", "CST++XX:"), "message 1, segment 3 (CST), element 2, component 1", "not a procedure"),
    (edit("TDT+11+123 ABC 02+3'", "TDT+11+123 ABC 02+9'"), "segment 11 (TDT), element 3, component 1", "Rec. 19"),
    (edit("TOD+6++DAP'", "TOD+6++DAT'"), "segment 20 (TOD), element 3, component 1", "Incoterms 2020"),
    (edit("DTM+134:20250901:102'", "DTM+134:20250931:102'"), "(DTM), element 1, component 2", "not a valid"),
    (edit("DTM+134:20250901:102'", "DTM+134:2025-09-01:102'"), "(DTM), element 1, component 2", "format 102"),
    (edit("MOA+39:134600.00:USD'", "MOA+39:134.600,00:USD'"), "segment 21 (MOA), element 1, component 2", "not a"),
    (edit("MOA+64:0:USD'", "MOA+64:0:EUR'"), "segment 24 (MOA), element 1, component 3", "invoice currency"),
    (edit("CUX+2:USD:4+3:CNY+", "CUX+2:USD:4+3:RUB+"), "(CUX), element 2, component 2", "to CNY"),
    (edit("NAD+DT+91654004MA79B1T5XG'\n", ""), "message 1", "no NAD+DT"),
    (edit("LOC+22+HRS-ROAD'\n", ""), "message 1", "no LOC+22"),
    (edit("LOC+22+HRS-ROAD'\n", "LOC+22+HRS-ROAD'\nLOC+22+HRS-RAIL'\n"), "segment 5 (LOC), element 1", "second"),
    (edit("DOC+380+AM-INV-2025-0831'\n", "SEL+XJ01'\nDOC+380+AM-INV-2025-0831'\n"), "(SEL)", "must follow the EQD"),
    (edit("UNS+D'\n", "XYZ+1'\nUNS+D'\n"), "message 1, segment 26 (XYZ)", "not a segment of the CUSDEC"),
    (edit("UNS+D'\n", ""), "message 1, segment 26 (CST), element 2", "not a procedure"),
    (edit("UNS+S'\n", "UNS+D'\n"), "(UNS), element 1", "out of place"),
    (without_items(), "message 1", "no goods item"),
    (edit("CST+1+87032340:HS:ZZZ'", "CST+one+87032340:HS:ZZZ'"), "segment 27 (CST), element 1", "goods item number"),
    (edit("MEA+AAE+AAE+KGM:6420'", "MEA+AAE+AAE+LBR:14153'"), "segment 30 (MEA), element 3, component 1", "KGM"),
    (edit("MEA+AAE+AAF+KGM:6080'", "MEA+AAE+AAF+KGM:abc'"), "segment 31 (MEA), element 3, component 2", "'abc'"),
    (edit("MEA+AAE+AAH+NAR:4'\n", ""), "segment 27 (CST)", "goods item 1 has no MEA+AAE+AAH"),
    (edit("MOA+38:128000.00:USD'\n", ""), "segment 27 (CST)", "goods item 1 has no MOA+38"),
    (edit("LOC+27+DE'\nMEA+AAE+AAE+KGM:6420'", "MEA+AAE+AAE+KGM:6420'"), "segment 27 (CST)", "no LOC+27"),
]


@pytest.mark.parametrize(("text", "location", "message"), MALFORMED, ids=[f"{n}" for n in range(len(MALFORMED))])
def test_malformed_input_names_segment_and_element(text: str, location: str, message: str | None) -> None:
    with pytest.raises(FormatError) as caught:
        parse_cusdec(text)
    assert location in caught.value.location, caught.value
    if message is not None:
        assert message in caught.value.message, caught.value
    assert caught.value.errors[0].field == caught.value.location  # a FieldError for the problem document


def test_reader_accepts_a_party_name_given_only_as_name_and_address() -> None:
    text = edit(
        "NAD+CZ+KZ-BIN-120340012345++Almaty Motors LLP+++++KZ'", "NAD+CZ++Almaty Motors LLP:Dostyk 240++++++KZ'"
    )
    assert parse_one(text).content.consignor == Party("Almaty Motors LLP", "KZ")


def test_the_error_of_a_second_message_names_that_message() -> None:
    text = write_cusdec([CARS, FUEL], "S", "R", "1", PREPARED).replace("MEA+AAE+AAH+LTR:", "MEA+AAE+AAH+LTR:x")
    with pytest.raises(FormatError, match=r"message 2, segment \d+ \(MEA\), element 3, component 2"):
        parse_cusdec(text)


# ----------------------------------------------------------------------------------------- fuzzing

EDIFACT_ALPHABET = st.sampled_from(list("UNABHTZSMOCDGILQEX+:'?., 0123456789\n")) | st.characters()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=EDIFACT_ALPHABET, max_size=400))
def test_arbitrary_text_only_ever_raises_format_error_in_either_parser(text: str) -> None:
    for candidate in (text, "UNA:+.? '" + text, "UNA:+.? 'UNB+UNOW:4+A+B+20250101:0000+1'" + text):
        with contextlib.suppress(FormatError):
            parse_cusdec(candidate)
        with contextlib.suppress(FormatError):
            parse_cusres(candidate)


SAMPLE_TEXTS = [VALID, fixture("export-rail-urumqi-duisburg.edi"), fixture("bonded-entry-jet-fuel-urumqi-airport.edi")]


@st.composite
def mutated(draw: st.DrawFn, samples: list[str] = SAMPLE_TEXTS) -> str:
    text = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["delete", "insert", "replace", "drop-line", "duplicate-line", "swap-lines"]))
        lines = text.splitlines(keepends=True)
        if operation in ("delete", "insert", "replace"):
            at = draw(st.integers(0, max(len(text) - 1, 0)))
            size = draw(st.integers(1, 8))
            noise = draw(st.text(alphabet=EDIFACT_ALPHABET, min_size=1, max_size=8))
            if operation == "delete":
                text = text[:at] + text[at + size :]
            elif operation == "insert":
                text = text[:at] + noise + text[at:]
            else:
                text = text[:at] + noise + text[at + size :]
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if operation == "drop-line":
                del lines[i]
            elif operation == "duplicate-line":
                lines.insert(i, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
        if draw(st.booleans()):
            text = recount(text)
    return text


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_messages_only_ever_raise_format_error(text: str) -> None:
    try:
        parsed = parse_cusdec(text)
    except FormatError as exc:
        assert exc.location
        return
    assert all(isinstance(p.content, DeclarationContent) for p in parsed)


# ------------------------------------------------------------------------------------------- CUSRES

AT = datetime(2025, 9, 2, 8, 31, 17, tzinfo=UTC)


def test_acceptance_rejection_and_release_are_edifact_pydifact_reads() -> None:
    parsed = parse_one(fixture("import-cars-horgos-road.edi"))
    rejection = CustomsResponse(
        ResponseKind.REJECTED,
        declaration_id="DEC-2025-000417",
        at=AT,
        lrn=parsed.content.lrn,
        message_ref=parsed.reference,
        errors=(
            response_error("HS404", "items[1].hs_code", "401110 is not a subheading of HS 2022", parsed),
            response_error("OFFICE", "office", "HRS-ROAD is closed for cars after 22:00", parsed),
            response_error("LICENCE", "items[0].licences", "passenger cars need an automatic import licence", parsed),
        ),
    )
    acceptance = CustomsResponse(ResponseKind.ACCEPTED, "DEC-2025-000418", AT, "HRS-LRN-2", "CARS0002")
    release = CustomsResponse(ResponseKind.RELEASED, "DEC-2025-000418", AT + timedelta(minutes=42), "HRS-LRN-2")
    text = write_cusres([acceptance, rejection, release], "CNHRSCUSTOMS", "KZALAMOTORS", "R77", AT)

    messages = list(read_back(text).get_messages())
    assert [m.type for m in messages] == ["CUSRES"] * 3
    bgm = [next(m.get_segments("BGM")) for m in messages]
    assert [(b.elements[0], b.elements[2]) for b in bgm] == [("961", "29"), ("963", "27"), ("932", "9")]
    rejected = messages[1]
    assert [s.elements[0] for s in rejected.get_segments("ERC")] == ["HS404", "OFFICE", "LICENCE"]
    points = [s.elements for s in rejected.get_segments("ERP")]
    lines = fixture("import-cars-horgos-road.edi").splitlines()[2:]
    assert points[0] == [["", "2"], ["CST", str(parsed.positions["items[1].hs_code"])]]
    assert lines[int(points[0][1][1]) - 1].startswith("CST+2+401110")
    assert points[1] == ["", ["LOC", str(parsed.positions["office"])]]
    assert points[2] == [["", "1"], ["CST", str(parsed.positions["items[0]"])]]  # no licence: the goods item
    references = {s.elements[0][0]: s.elements[0][1] for s in rejected.get_segments("RFF")}
    assert references["ABT"] == "DEC-2025-000417" and references["ABE"] == "HRS-LRN-2025-0902-017"
    assert references["ACW"] == "CARS0001"
    assert [s.elements[0] for s in rejected.get_segments("DTM")] == [["137", "20250902083117", "204"]]

    assert parse_cusres(text) == [acceptance, rejection, release]


response_errors = st.builds(
    ResponseError,
    code=st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True),
    field=st.sampled_from(["", "office", "items[0].hs_code", "consignor.name", "containers[1].number"]),
    message=st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=400),
    segment=st.sampled_from(["BGM", "CST", "LOC", "NAD", "MEA", "EQD"]),
    position=st.none() | st.integers(1, 999),
    item=st.none() | st.integers(1, 99),
)
responses = st.builds(
    CustomsResponse,
    kind=st.sampled_from(ResponseKind),
    declaration_id=CODE,
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    lrn=st.none() | CODE,
    message_ref=st.none() | CODE,
    errors=st.lists(response_errors, max_size=4).map(tuple),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(responses, min_size=1, max_size=3))
def test_cusres_round_trips(batch: list[CustomsResponse]) -> None:
    assert parse_cusres(write_cusres(batch, "CUSTOMS", "TRADER", "9", AT)) == batch


def test_response_error_without_a_parsed_message_still_names_the_segment() -> None:
    assert response_error("X", "items[3].gross_mass_kg", "too heavy") == ResponseError(
        "X", "items[3].gross_mass_kg", "too heavy", "MEA", None, 4
    )
    assert response_error("X", "consignee.country", "?").segment == "NAD"
    assert response_error("X", "containers[0].seals", "?").segment == "SEL"
    assert response_error("X", "something_else", "?").segment == "BGM"


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        ("BGM+963+", "BGM+380+", "segment 2 (BGM), element 1, component 1", "not a response code"),
        ("ERC+HS404'\n", "", "(ERP)", "has no ERC"),
        ("DTM+137:20250902083117:204'\n", "", "message 1", "no DTM+137"),
        ("ERP+:2+", "ERP+:two+", "(ERP), element 1, component 2", "goods item number"),
    ],
)
def test_malformed_cusres_names_segment_and_element(old: str, new: str, location: str, message: str) -> None:
    response = CustomsResponse(
        ResponseKind.REJECTED, "D-1", AT, errors=(ResponseError("HS404", "items[1].hs_code", "?", "CST", 30, 2),)
    )
    text = write_cusres([response], "C", "T", "1", AT)
    assert old in text
    with pytest.raises(FormatError) as caught:
        parse_cusres(recount(text.replace(old, new)))
    assert location in caught.value.location
    assert message in caught.value.message


CUSRES_SAMPLES = [
    write_cusres(
        [
            CustomsResponse(ResponseKind.ACCEPTED, "DEC-1", AT, "LRN-1", "1"),
            CustomsResponse(
                ResponseKind.REJECTED,
                "DEC-2",
                AT,
                "LRN-2",
                "2",
                (
                    ResponseError("HS404", "items[1].hs_code", "not in HS 2022", "CST", 34, 2),
                    ResponseError("X", "", "?"),
                ),
            ),
            CustomsResponse(ResponseKind.RELEASED, "DEC-1", AT, "LRN-1"),
        ],
        "CUSTOMS",
        "TRADER",
        "5",
        AT,
    )
]


@settings(max_examples=300, deadline=None)
@given(mutated(CUSRES_SAMPLES))
def test_mutated_responses_only_ever_raise_format_error(text: str) -> None:
    try:
        parse_cusres(text)
    except FormatError as exc:
        assert exc.location
