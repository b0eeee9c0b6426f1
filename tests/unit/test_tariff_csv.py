"""The tariff, agreements and exchange-rate CSV importer: the shipped samples load, broken files say where."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from silkport.clearance.adapters.tariff_csv import (
    CsvFileError,
    load_exchange_rates,
    load_tariff,
    parse_agreements,
    parse_exchange_rates,
    parse_tariff,
    sample_agreements,
    sample_exchange_rates,
    sample_tariff,
)
from silkport.clearance.domain.duties import Agreement, TaxType, assess_duties
from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)
from silkport.zone.adapters.refdata import load_hs

D = Decimal
HEADER = "hs_prefix,description,mfn_rate,specific_rate,specific_unit,vat_rate,excise_rate,excise_specific,excise_unit,export_rate,preferential\n"  # noqa: E501
AGREEMENTS = {"APTA": Agreement("APTA", "Asia-Pacific Trade Agreement", frozenset({"CN", "KR"}))}


def data(name: str) -> str:
    return resources.files("silkport.clearance").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def errors_of(exc: pytest.ExceptionInfo[CsvFileError]) -> list[str]:
    return [f"{e.field}: {e.message}" for e in exc.value.errors]


# --- the shipped samples --------------------------------------------------------------------------


def test_sample_files_are_labelled_as_illustrative() -> None:
    assert data("tariff-sample.csv").startswith("# SAMPLE TARIFF - ILLUSTRATIVE ONLY, NOT THE LEGAL SCHEDULE")
    assert data("agreements-sample.csv").startswith("# SAMPLE - ILLUSTRATIVE ONLY")
    assert data("exchange-rates-sample.csv").startswith("# SAMPLE EXCHANGE RATES - ILLUSTRATIVE ONLY")
    assert "illustrative, not the legal schedule" in data("TARIFF-SAMPLE.md")


def test_sample_tariff_loads() -> None:
    schedule = sample_tariff()
    assert 20 <= len(schedule) <= 40
    assert schedule.sample and "sample" in schedule.version
    assert sample_tariff() is schedule  # read once per process
    car = schedule.lookup("8703235010")
    assert car is not None and (car.mfn_rate, car.excise_rate, car.vat_rate) == (D(15), D(9), D(13))
    assert schedule.lookup("84713000").mfn_rate == D(0)  # type: ignore[union-attr]
    assert schedule.lookup("72024110").export_rate == D(40)  # type: ignore[union-attr]
    cigarettes = schedule.lookup("24022000")
    assert cigarettes is not None and (cigarettes.excise_specific, cigarettes.excise_unit) == (D("0.003"), "NAR")
    wine = schedule.lookup("22042100")
    assert wine is not None and wine.preference("CN-GE") is not None
    assert wine.preference("CN-GE").agreement.parties == {"CN", "GE"}  # type: ignore[union-attr]
    assert sum(1 for line in schedule if line.export_rate) >= 2


def test_sample_prefixes_are_real_hs_2022_codes() -> None:
    entries, _ = load_hs()
    codes = {e.code for e in entries}
    for line in sample_tariff():
        assert line.hs_prefix[:6] in codes, line


def test_sample_agreements_have_their_real_parties() -> None:
    agreements = sample_agreements()
    assert agreements["APTA"].parties == {"BD", "CN", "IN", "KR", "LA", "LK", "MN"}
    assert agreements["CN-PK"].parties == {"CN", "PK"}
    assert agreements["CN-GE"].parties == {"CN", "GE"}
    assert len(agreements["RCEP"].parties) == 15


def test_sample_exchange_rates_load() -> None:
    rates = sample_exchange_rates()
    assert rates.currencies == {"CNY", "USD", "EUR", "KZT", "KGS", "UZS", "RUB"}
    assert rates.rate("USD", date(2025, 7, 10)) == D("7.1789")
    assert rates.rate("KZT", date(2025, 12, 31)) == D("0.013200")


def test_a_declaration_against_the_sample_tariff() -> None:
    items = tuple(
        GoodsItem(hs, "goods", D(q), unit, D(q), D(q), D(value), origin, preference)
        for hs, q, unit, value, origin, preference in [
            ("8703235010", "2", "H87", "60000", "DE", None),
            ("84713000", "100", "H87", "50000", "CN", None),
            ("22042100", "900", "LTR", "8000", "GE", "CN-GE"),
            ("08132000", "2000", "KGM", "6000", "PK", "CN-PK"),
            ("40111000", "400", "H87", "16000", "KR", "APTA"),  # APTA lists no rate for tyres: refused
        ]
    )
    content = DeclarationContent(
        type=DeclarationType.IMPORT,
        declarant_id="ent-1",
        consignor=Party("Seller", "KZ"),
        consignee=Party("Buyer", "CN"),
        office_code="CNHGS",
        transport_mode=TransportMode.ROAD,
        transport_id="KZ 1",
        dispatch_country="KZ",
        origin_country="DE",
        destination_country="CN",
        loading_locode="KZALA",
        unloading_locode="CNHGS",
        incoterm=Incoterm.FCA,
        invoice_currency="USD",
        invoice_amount=D(140000),
        freight=D(3500),
        insurance=D(0),
        exchange_rate=D("7.1789"),
        exchange_rate_date=date(2025, 7, 10),
        items=items,
    )
    a = assess_duties(content, sample_tariff())
    assert [i.tariff_line for i in a.items] == ["8703235", "847130", "2204", "0813", "4011"]
    assert [i.agreement for i in a.items] == [None, None, "CN-GE", "CN-PK", None]
    assert "APTA refused" in a.items[4].notes[0]
    assert a.total == sum(a.totals.values()) and a.totals[TaxType.EXCISE] > 0
    assert a.tariff_version == sample_tariff().version


# --- broken files ---------------------------------------------------------------------------------


def test_a_cell_that_is_not_a_number_names_the_line_and_column() -> None:
    text = "# comment\n# another\n" + HEADER + "8703,Cars,15,,,13,,,,,\n" + "8704,Trucks,abc,,,13,,,,,\n"
    with pytest.raises(CsvFileError) as caught:
        parse_tariff(text, AGREEMENTS, "my-tariff.csv")
    assert errors_of(caught) == ["line 5, column mfn_rate: 'abc' is not a number"]
    assert str(caught.value) == "my-tariff.csv: line 5, column mfn_rate: 'abc' is not a number"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("87A3,Cars,15,,,13,,,,,", "line 2, column hs_prefix: '87A3' is not an HS prefix of 4 to 10 digits"),
        ("870,Cars,15,,,13,,,,,", "line 2, column hs_prefix: '870' is not an HS prefix of 4 to 10 digits"),
        (",Cars,15,,,13,,,,,", "line 2, column hs_prefix: is empty"),
        ("8703,,15,,,13,,,,,", "line 2, column description: is empty"),
        ("8703,Cars,,,,13,,,,,", "line 2, column mfn_rate: is empty (write 0 for a purely specific line)"),
        ("8703,Cars,15,,,,,,,,", "line 2, column vat_rate: is empty"),
        ("8703,Cars,-1,,,13,,,,,", "line 2, column mfn_rate: -1 is negative"),
        ("8703,Cars,15,,KGM,13,,,,,", "line 2, column specific_unit: 'KGM' given without a rate"),
        (
            "8703,Cars,15,2,,13,,,,,",
            "line 2, column specific_unit: is missing: a specific rate needs its UN/ECE Rec. 20 unit (e.g. KGM)",
        ),
        ("8703,Cars,15,,,13,100,,,,", "line 2, column excise_rate: 100% must be below 100%"),
        ("8703,Cars,15,,,13,,,,NaN,", "line 2, column export_rate: 'NaN' is not a number"),
        ("8703,Cars,15,,,13,,,,,RCEP:5", "line 2, column preferential: unknown agreement 'RCEP' (known: APTA)"),
        ("8703,Cars,15,,,13,,,,,APTA=5", "line 2, column preferential: 'APTA=5' is not AGREEMENT:rate (e.g. APTA:20)"),
        ("8703,Cars,15,,,13,,,,,APTA:x", "line 2, column preferential: APTA: 'x' is not a number"),
        ("8703,Cars,15,,,13,,,,,APTA:1;APTA:2", "line 2, column preferential: APTA is listed twice"),
        ("8703,Cars,15,,,13", "line 2: 6 cells, but the header names 11 columns"),
    ],
)
def test_broken_tariff_rows(row: str, expected: str) -> None:
    with pytest.raises(CsvFileError) as caught:
        parse_tariff(HEADER + row + "\n", AGREEMENTS)
    assert errors_of(caught) == [expected]


def test_every_problem_is_reported_at_once_and_duplicates_name_the_first_line() -> None:
    text = HEADER + "8703,Cars,15,,,13,,,,,\n\n8703,Cars again,15,,,13,,,,,\n8704,Trucks,x,,,y,,,,,\n"
    with pytest.raises(CsvFileError) as caught:
        parse_tariff(text, AGREEMENTS)
    assert errors_of(caught) == [
        "line 4, column hs_prefix: 8703 is already on line 2",
        "line 5, column mfn_rate: 'x' is not a number",
        "line 5, column vat_rate: 'y' is not a number",
    ]


def test_header_problems() -> None:
    with pytest.raises(CsvFileError) as caught:
        parse_tariff("hs_prefix,description,mfn_rate,rate_of_duty\n8703,Cars,15,1\n", AGREEMENTS)
    assert errors_of(caught) == [
        "line 1, column rate_of_duty: unknown column (expected some of " + HEADER.strip().replace(",", ", ") + ")",
        "line 1, column vat_rate: missing from the header",
    ]
    with pytest.raises(CsvFileError) as caught:
        parse_tariff("# only a comment\n\n", AGREEMENTS)
    assert errors_of(caught)[0].startswith("line 1: no header row")


def test_optional_columns_may_be_left_out_in_any_order() -> None:
    schedule = parse_tariff("vat_rate,mfn_rate,hs_prefix,description\n9,25,0813,Dried fruit\n", AGREEMENTS)
    line = schedule.get("0813")
    assert line is not None and (line.mfn_rate, line.vat_rate, line.excise_rate) == (D(25), D(9), None)


def test_broken_agreements() -> None:
    text = "code,name,parties\nAPTA,Asia-Pacific,CN KR ZZ\nAPTA,Again,CN\nX,,\n"
    with pytest.raises(CsvFileError) as caught:
        parse_agreements(text)
    assert errors_of(caught) == [
        "line 2, column parties: 'ZZ' is not an ISO 3166 alpha-2 country code",
        "line 3, column code: APTA is already on line 2",
        "line 4, column name: is empty",
        "line 4, column parties: is empty",
    ]


def test_broken_exchange_rates() -> None:
    text = (
        "currency,valid_from,cny_per_unit\n"
        "USD,2025-07-01,7.1789\n"
        "USD,2025-07-01,7.20\n"
        "ABC,2025-13-01,0\n"
        "KZT,2025-07-01,-0.01\n"
        "EUR,2025-07-01,0\n"
    )
    with pytest.raises(CsvFileError) as caught:
        parse_exchange_rates(text)
    assert errors_of(caught) == [
        "line 3, column valid_from: USD from 2025-07-01 is already on line 2",
        "line 4, column currency: 'ABC' is not an ISO 4217 currency code",
        "line 4, column valid_from: '2025-13-01' is not a date (YYYY-MM-DD)",
        "line 5, column cny_per_unit: -0.01 is negative",
        "line 6, column cny_per_unit: must be above zero",
    ]


def test_files_with_a_byte_order_mark_load_from_disk(tmp_path: Path) -> None:
    tariff = tmp_path / "tariff.csv"
    agreements = tmp_path / "agreements.csv"
    rates = tmp_path / "rates.csv"
    tariff.write_text("\ufeff" + HEADER + "8703,Cars,15,,,13,9,,,,APTA:10\n", encoding="utf-8")
    agreements.write_text("\ufeffcode,name,parties\nAPTA,Asia-Pacific,CN KR\n", encoding="utf-8")
    rates.write_text("currency,valid_from,cny_per_unit\nUSD,2025-07-01,7.1789\n", encoding="utf-8")
    schedule = load_tariff(tariff, agreements)
    assert schedule.version == "tariff.csv" and not schedule.sample
    assert schedule.get("8703").preference("APTA").rate == D(10)  # type: ignore[union-attr]
    assert load_exchange_rates(rates).rate("USD", date(2025, 8, 1)) == D("7.1789")
