"""The reference data as shipped in the package: complete, consistent, and covering the zone."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from silkport.zone.adapters.refdata import data_dir, load_reference_data, reference_data
from silkport.zone.domain.refdata import LocodeCheck, ReferenceData

ZONE = ("CN URM", "CN URC", "CN ULZ", "CN HRS", "KZ HOR", "CN KSS", "CN KHG", "CN YRK", "CN TRT", "CN AKL")
PARTNERS = ("KZ ALA", "KZ ZRK", "KG FRU", "KG OSS", "UZ TAS")


@pytest.fixture(scope="module")
def rd() -> ReferenceData:
    return reference_data()


def test_load_time_is_reported_not_asserted(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    fresh = load_reference_data()
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nreference data loaded in {seconds:.2f} s ({fresh.counts().locations:,} locations)")
    assert reference_data() is reference_data(), "cached per process"


def test_hs_counts(rd: ReferenceData) -> None:
    counts = rd.counts()
    assert counts.hs_sections == 21
    assert counts.hs_chapters == 97
    assert counts.hs_headings == 1229
    assert counts.hs_subheadings == 5613


def test_hs_codes(rd: ReferenceData) -> None:
    assert rd.hs_exists("847130")
    assert not rd.hs_exists("847135")
    assert rd.hs_national("8471300000") == rd.hs("847130")
    assert [e.code for e in rd.hs_ancestors("847130")] == ["84", "8471"]
    assert all(c.code.startswith("8471") for c in rd.hs_children("8471"))
    section = rd.hs_section("XVI")
    assert section is not None and section.name.startswith("Machinery")
    first = rd.hs_sections()[0]
    assert first.code == "I" and not first.name.startswith("\ufeff")


def test_every_hs_entry_hangs_off_a_chapter_and_a_section(rd: ReferenceData) -> None:
    for chapter in rd.hs_chapters():
        for heading in rd.hs_children(chapter.code):
            assert heading.level == 4 and heading.section == chapter.section
            for sub in rd.hs_children(heading.code):
                assert sub.level == 6 and len(rd.hs_ancestors(sub.code)) == 2
        assert chapter.in_nomenclature == (chapter.code != "99")


@pytest.mark.parametrize("code", ZONE + PARTNERS)
def test_the_zone_and_its_partners_are_in_unlocode(rd: ReferenceData, code: str) -> None:
    assert rd.check_locode(code) is LocodeCheck.KNOWN


def test_known_locations(rd: ReferenceData) -> None:
    urc = rd.location("CNURC")
    assert urc is not None and urc.has_function("4") and urc.subdivision == "XJ"
    assert urc.lat is not None and Decimal("43") < urc.lat < Decimal("44")
    sub = rd.subdivision_of(urc)
    assert sub is not None and sub.name.startswith("Xinjiang")
    hrs = rd.location("cn-hrs")
    assert hrs is not None and hrs.name == "Horgos" and hrs.has_function("2")
    assert rd.location("KZ ALA") is not None
    fru = rd.location("KG FRU")
    assert fru is not None and fru.name.startswith("Bishkek")
    assert rd.check_locode("CN QQQ") is LocodeCheck.UNVERIFIED


def test_unlocode_counts_and_cleaning(rd: ReferenceData) -> None:
    counts = rd.counts()
    assert counts.locations > 115_000
    assert counts.countries == 249
    assert counts.with_function("3") > counts.with_function("4") > 0
    names = [rd.location(code) for code in ("MY BAU", "AT MLD")]
    assert [n.name for n in names if n] == ["Bau, Sarawak", "Mollersdorf, Baden"], "split names re-joined"
    escas = rd.location("AD EAC")
    assert escas is not None and "\ufffd" not in escas.name


def test_search_finds_the_zone(rd: ReferenceData) -> None:
    assert [x.spaced for x in rd.location_search("urumqi", limit=3)] == ["CN URM", "CN URC", "CN ULZ"]
    assert rd.location_search("almaty", country="KZ", limit=1)[0].spaced == "KZ ALA"
    assert [x.spaced for x in rd.location_search("horgos", function="2")][:2] == ["CN HRS", "KZ HOR"]
    assert rd.hs_search("portable automatic data processing")[0].code == "847130"


def test_package_files_and_licences_are_shipped() -> None:
    directory = data_dir()
    names = {p.name for p in directory.iterdir()}
    expected = {"hs2022.csv", "hs-sections.csv", "unlocode.csv.gz", "NOTICE.md", "LICENSE-geoapify-MIT.txt"}
    assert expected <= names
    notice = directory.joinpath("NOTICE.md").read_text(encoding="utf-8")
    assert "PDDL" in notice and "MIT" in notice and "UNECE" in notice
    total = sum(len(directory.joinpath(n).read_bytes()) for n in names)
    assert total < 4_000_000
