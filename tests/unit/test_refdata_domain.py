"""ReferenceData on a small hand-built set: lookups, hierarchy, search and the code normalisations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.shared.codes import normalise_locode
from silkport.zone.domain.refdata import (
    HsEntry,
    HsSection,
    Location,
    LocodeCheck,
    ReferenceData,
    Subdivision,
    fold,
    is_hs_national_shaped,
    is_hs_shaped,
    normalise_hs,
)

SECTIONS = [HsSection("I", "Live animals; animal products"), HsSection("XVI", "Machinery")]
HS = [
    HsEntry("01", "Animals; live", 2, None, "I"),
    HsEntry("0101", "Horses, asses, mules and hinnies; live", 4, "01", "I"),
    HsEntry("010121", "Horses; live, pure-bred breeding animals", 6, "0101", "I"),
    HsEntry("010129", "Horses; live, other than pure-bred breeding animals", 6, "0101", "I"),
    HsEntry("84", "Nuclear reactors, boilers, machinery", 2, None, "XVI"),
    HsEntry("8471", "Automatic data processing machines and units thereof", 4, "84", "XVI"),
    HsEntry("847130", "Automatic data processing machines; portable, weighing not more than 10kg", 6, "8471", "XVI"),
    HsEntry("847141", "Automatic data processing machines; comprising in the same housing", 6, "8471", "XVI"),
    HsEntry("99", "Commodities not specified according to kind", 2, None, None),
]


def loc(
    country: str,
    code: str,
    name: str,
    functions: str = "--3-----",
    *,
    ascii_name: str | None = None,
    subdivision: str = "",
    lat: str | None = None,
    lon: str | None = None,
) -> Location:
    return Location(
        locode=country + code,
        country=country,
        location=code,
        name=name,
        name_ascii=ascii_name or name,
        subdivision=subdivision,
        status="AS",
        functions=functions,
        iata="",
        lat=Decimal(lat) if lat else None,
        lon=Decimal(lon) if lon else None,
    )


LOCATIONS = [
    loc("CN", "URM", "Urumqi", "-23456--", subdivision="XJ", lat="43.75", lon="87.6"),
    loc("CN", "URC", "Urumqi Diwobao International Apt", "---4----", subdivision="XJ"),
    loc("CN", "ULZ", "Urumqi International Lugang", "-23-56--", subdivision="XJ"),
    loc("CN", "HRS", "Horgos", "-23---7-", subdivision="XJ"),
    loc("KZ", "HOR", "Horgos", "-23-56--"),
    loc("CN", "KSS", "Kashi"),
    loc("CN", "KHG", "Kashi Apt", "---4----"),
    loc("KZ", "ALA", "Almaty", "-2-45---", subdivision="75"),
    loc("KG", "FRU", "Bishkek (ex Frunze)", "-234----"),
    loc("TR", "IST", "İstanbul", "1234----", ascii_name="Istanbul"),
    loc("DE", "MUC", "München", "--34----", ascii_name="Munchen"),
    loc("PL", "ZZA", "Zone A Special", "--3----A"),
    loc("RS", "HGO", "Horgoš", "--3-----", ascii_name="Horgos"),
    loc("US", "PDX", "Portland", "1234----"),
    loc("GB", "SPT", "Southport", "1-3-----"),
]
KNOWN_LOCODES = [x.locode for x in LOCATIONS]


@pytest.fixture(scope="module")
def rd() -> ReferenceData:
    return build()


def build() -> ReferenceData:
    return ReferenceData(
        HS,
        SECTIONS,
        LOCATIONS,
        function_labels={"2": "Rail transport", "3": "Road transport", "4": "Air transport", "A": "SEZ"},
        status_labels={"AS": "Approved by national standardisation body"},
        subdivisions=[Subdivision("CN", "XJ", "Xinjiang Uygur Zizhiqu", "Autonomous Region")],
    )


RD = build()  # for hypothesis tests, which may not take function-scoped fixtures


def entry(rd: ReferenceData, code: str) -> HsEntry:
    found = rd.hs(code)
    assert found is not None, code
    return found


# ------------------------------------------------------------------------------------------------ HS


def test_hs_lookup_at_each_level(rd: ReferenceData) -> None:
    assert entry(rd, "01").kind == "chapter"
    assert entry(rd, "8471").kind == "heading"
    sub = rd.hs("8471.30")
    assert sub is not None and sub.code == "847130" and sub.dotted == "8471.30"
    assert rd.hs("847135") is None
    assert rd.hs("8471300000") is None, "national lines go through hs_national"


def test_hs_exists_is_only_for_subheadings(rd: ReferenceData) -> None:
    assert rd.hs_exists("847130")
    assert not rd.hs_exists("847135")
    assert not rd.hs_exists("8471")
    assert not rd.hs_exists("abc")


def test_hs_national_returns_the_six_digit_parent(rd: ReferenceData) -> None:
    assert rd.hs_national("8471300000") == rd.hs("847130")
    assert rd.hs_national("8471.30.00") == rd.hs("847130")
    assert rd.hs_national("8471350000") is None
    assert rd.hs_national("84713000000") is None  # 11 digits
    assert rd.hs_national("8471") is None


def test_hs_hierarchy(rd: ReferenceData) -> None:
    assert [e.code for e in rd.hs_children("8471")] == ["847130", "847141"]
    assert [e.code for e in rd.hs_children("84")] == ["8471"]
    assert rd.hs_children("847130") == ()
    assert [e.code for e in rd.hs_ancestors("847130")] == ["84", "8471"]
    assert rd.hs_ancestors("84") == ()
    assert rd.hs_ancestors("999999") == ()
    assert [c.code for c in rd.hs_chapters()] == ["01", "84", "99"]


def test_chapter_99_is_outside_the_nomenclature(rd: ReferenceData) -> None:
    assert not entry(rd, "99").in_nomenclature
    assert entry(rd, "84").in_nomenclature


def test_hs_search_by_words_whole_words_first(rd: ReferenceData) -> None:
    codes = [e.code for e in rd.hs_search("HORSES live")]
    assert codes == ["0101", "010121", "010129"]
    # 'portable' contains 'port' only as part of a word: it still matches, after whole words
    assert [e.code for e in rd.hs_search("port")] == ["847130"]
    assert [e.code for e in rd.hs_search("data processing", limit=2)] == ["8471", "847130"]
    assert rd.hs_search("giraffe") == ()
    assert rd.hs_search("   ") == ()
    assert rd.hs_search("horses", limit=0) == ()


def test_hs_search_by_code_prefix(rd: ReferenceData) -> None:
    assert [e.code for e in rd.hs_search("8471")] == ["8471", "847130", "847141"]
    assert [e.code for e in rd.hs_search("84.71", limit=2)] == ["8471", "847130"]
    assert rd.hs_search("85") == ()


def test_hs_shapes() -> None:
    assert normalise_hs(" 8471.30 ") == "847130"
    assert is_hs_shaped("01") and is_hs_shaped("0101") and is_hs_shaped("010121")
    assert not is_hs_shaped("1") and not is_hs_shaped("010") and not is_hs_shaped("01012100")
    assert is_hs_national_shaped("01012100") and is_hs_national_shaped("0101210000")
    assert not is_hs_national_shaped("01012100001")


def test_sections(rd: ReferenceData) -> None:
    assert [s.code for s in rd.hs_sections()] == ["I", "XVI"]
    assert rd.hs_section("XVI") == SECTIONS[1]
    assert rd.hs_section("XX") is None


# ----------------------------------------------------------------------------------------- UN/LOCODE


@pytest.mark.parametrize("code", ["CN URC", "CNURC", "cn-urc", " cn urc ", "Cn-Urc"])
def test_location_accepts_the_usual_spellings(rd: ReferenceData, code: str) -> None:
    found = rd.location(code)
    assert found is not None and found.locode == "CNURC" and found.spaced == "CN URC"


def test_location_helpers(rd: ReferenceData) -> None:
    urm = rd.location("CN URM")
    assert urm is not None
    assert urm.function_codes == ("2", "3", "4", "5", "6")
    assert urm.has_function("4") and not urm.has_function("1") and not urm.has_function("-")
    assert not urm.has_function("23")
    assert urm.has_coordinates and urm.lat == Decimal("43.75")
    assert rd.function_labels(urm)[:3] == (("2", "Rail transport"), ("3", "Road transport"), ("4", "Air transport"))
    assert rd.function_labels(urm)[3] == ("5", "5"), "an unknown label falls back to the code"
    sub = rd.subdivision_of(urm)
    assert sub is not None and sub.name == "Xinjiang Uygur Zizhiqu"
    assert rd.status_label("AS") == "Approved by national standardisation body"
    kss = rd.location("CN KSS")
    assert kss is not None and not kss.has_coordinates and rd.subdivision_of(kss) is None


def test_check_locode(rd: ReferenceData) -> None:
    assert rd.check_locode("cn urc") is LocodeCheck.KNOWN
    assert rd.check_locode("CN QQQ") is LocodeCheck.UNVERIFIED
    assert rd.check_locode("C1 QQQ") is LocodeCheck.MALFORMED
    assert rd.check_locode("CN") is LocodeCheck.MALFORMED


def test_search_ranks_prefix_then_later_word_then_anywhere(rd: ReferenceData) -> None:
    names = [x.spaced for x in rd.location_search("urumqi")]
    assert names == ["CN URM", "CN URC", "CN ULZ"]
    assert [x.spaced for x in rd.location_search("apt")] == ["CN KHG", "CN URC"]  # both a later word
    assert [x.spaced for x in rd.location_search("port")] == ["US PDX", "GB SPT"]  # start, then inside


def test_search_ignores_case_and_accents(rd: ReferenceData) -> None:
    assert [x.spaced for x in rd.location_search("ÜRÜMQI", limit=1)] == ["CN URM"]
    assert [x.spaced for x in rd.location_search("munchen")] == ["DE MUC"]
    assert [x.spaced for x in rd.location_search("München")] == ["DE MUC"]
    assert [x.spaced for x in rd.location_search("istanbul")] == ["TR IST"]
    assert {x.spaced for x in rd.location_search("horgos")} == {"CN HRS", "KZ HOR", "RS HGO"}


def test_search_filters(rd: ReferenceData) -> None:
    assert [x.spaced for x in rd.location_search("horgos", country="kz")] == ["KZ HOR"]
    assert [x.spaced for x in rd.location_search("", function="a")] == ["PL ZZA"]
    assert [x.spaced for x in rd.location_search("urumqi", function="4")] == ["CN URM", "CN URC"]
    assert [x.spaced for x in rd.location_search("urumqi", country="CN", function="5")] == ["CN URM", "CN ULZ"]
    assert rd.location_search("urumqi", country="KZ") == ()
    assert rd.location_search("urumqi", country="QQ") == ()
    assert rd.location_search("urumqi", limit=0) == ()
    assert len(rd.location_search("", limit=4)) == 4


def test_search_by_code(rd: ReferenceData) -> None:
    assert [x.spaced for x in rd.location_search("CN URC")][:1] == ["CN URC"]
    assert [x.spaced for x in rd.location_search("cnurc")] == ["CN URC"], "no name matches: taken as a code"
    assert rd.location_search("CN URC", country="KZ") == ()
    # a name that happens to be code-shaped is still searched as a name
    assert [x.spaced for x in rd.location_search("kashi")] == ["CN KSS", "CN KHG"]


def test_counts(rd: ReferenceData) -> None:
    counts = rd.counts()
    assert (counts.hs_sections, counts.hs_chapters, counts.hs_headings, counts.hs_subheadings) == (2, 3, 2, 4)
    assert counts.locations == len(LOCATIONS)
    assert counts.countries == 9
    assert counts.with_function("A") == 1
    assert counts.with_function("4") == 8
    assert counts.with_function("Z") == 0
    assert rd.countries() == frozenset({"CN", "KZ", "KG", "TR", "DE", "PL", "RS", "US", "GB"})


def test_first_location_wins_on_a_duplicate_code() -> None:
    rd = ReferenceData([], [], [loc("BE", "BRU", "Brussel (Bruxelles)"), loc("BE", "BRU", "Bruxelles (Brussel)")])
    found = rd.location("BE BRU")
    assert found is not None and found.name == "Brussel (Bruxelles)"
    assert rd.counts().locations == 1


def test_empty_reference_data() -> None:
    rd = ReferenceData([], [], [])
    assert rd.hs("01") is None and rd.location("CN URC") is None
    assert rd.location_search("a") == () and rd.hs_search("a") == ()


def test_fold() -> None:
    assert fold("  Ürümqi   Diwopu ") == "urumqi diwopu"
    assert fold("İstanbul") == "istanbul"
    assert fold("Straße") == "strasse"


# ----------------------------------------------------------------------------------------- properties


def _respell(code: str, lower: list[bool], sep: str, pad: str) -> str:
    chars = [c.lower() if low else c for c, low in zip(code, lower, strict=True)]
    return pad + "".join(chars[:2]) + sep + "".join(chars[2:]) + pad


@given(
    code=st.sampled_from(KNOWN_LOCODES),
    lower=st.lists(st.booleans(), min_size=5, max_size=5),
    sep=st.sampled_from(["", " ", "-", "  ", " - ", "\t"]),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_any_case_and_spacing_of_a_known_locode_finds_it(code: str, lower: list[bool], sep: str, pad: str) -> None:
    spelled = _respell(code, lower, sep, pad)
    assert normalise_locode(spelled) == code
    found = RD.location(spelled)
    assert found is not None and found.locode == code


@given(st.from_regex(r"[A-Za-z]{2}[ \-]?[A-Za-z2-9]{3}", fullmatch=True))
def test_normalise_locode_round_trip(code: str) -> None:
    once = normalise_locode(code)
    assert normalise_locode(once) == once
    assert normalise_locode(f"{once[:2]} {once[2:]}") == once
    assert normalise_locode(code.lower()) == once
    assert RD.location(code) is RD.location(once)


SUBHEADINGS = [e.code for e in HS if e.level == 6]


@given(code6=st.sampled_from(SUBHEADINGS), extension=st.from_regex(r"\d{2,4}", fullmatch=True))
def test_hs_national_of_any_extension_returns_the_subheading(code6: str, extension: str) -> None:
    entry = RD.hs_national(code6 + extension)
    assert entry is not None and entry.code == code6 and entry.level == 6
