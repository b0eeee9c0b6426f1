"""Duties and taxes on a hand-built tariff: worked examples computed by hand, and properties.

Every worked example shows its arithmetic; amounts are CNY, each tax rounded half-up to the fen.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal, FloatOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.domain.duties import (
    Agreement,
    DutyAssessment,
    DutyBasis,
    ExchangeRate,
    ExchangeRates,
    PreferentialRate,
    TariffLine,
    TariffSchedule,
    TaxType,
    assess_duties,
    check_exchange_rate,
)
from silkport.clearance.domain.model import (
    BondedExitKind,
    DeclarationContent,
    DeclarationType,
    GoodsItem,
    Incoterm,
    Party,
    Settlement,
    TransportMode,
)
from silkport.shared.errors import NotFound, ValidationFailed

D = Decimal
APTA = Agreement("APTA", "Asia-Pacific Trade Agreement", frozenset({"BD", "CN", "IN", "KR", "LA", "LK", "MN"}))
CN_GE = Agreement("CN-GE", "China-Georgia FTA", frozenset({"CN", "GE"}))
CN_PK = Agreement("CN-PK", "China-Pakistan FTA", frozenset({"CN", "PK"}))

SCHEDULE = TariffSchedule(
    [
        TariffLine("8703", "Passenger cars, other", D(15), excise_rate=D(5)),
        TariffLine("8703235", "Passenger cars, 2,000-2,500 cc", D(15), excise_rate=D(9)),
        TariffLine("8703236", "Passenger cars, 2,500-3,000 cc", D(15), excise_rate=D(12)),
        TariffLine("847130", "Laptops", D(0)),
        TariffLine("4011", "Tyres", D(6)),
        TariffLine("020714", "Fowl cuts, frozen", D(0), vat_rate=D(9), specific_rate=D("1.30"), specific_unit="KGM"),
        TariffLine("852589", "Cameras (compound)", D(4), specific_rate=D("2.50"), specific_unit="KGM"),
        TariffLine("2204", "Wine", D(14), excise_rate=D(10), preferential=(PreferentialRate(CN_GE, D(0)),)),
        TariffLine("2208", "Spirits", D(10), excise_rate=D(20), excise_specific=D(1), excise_unit="LTR"),
        TariffLine("240220", "Cigarettes", D(25), excise_rate=D(56), excise_specific=D("0.003"), excise_unit="NAR"),
        TariffLine("0813", "Dried fruit", D(25), vat_rate=D(9), preferential=(PreferentialRate(APTA, D(20)),)),
        TariffLine("6109", "T-shirts", D(8), preferential=(PreferentialRate(CN_PK, D(8)),)),  # no margin
        TariffLine("720241", "Ferro-chromium", D(2), export_rate=D(40)),
        TariffLine("8807", "Aircraft parts", D(1)),
    ],
    version="test",
)


def item(
    hs: str,
    value: str,
    *,
    quantity: str = "1",
    unit: str = "H87",
    net: str = "1",
    origin: str = "KZ",
    preference: str | None = None,
) -> GoodsItem:
    return GoodsItem(
        hs_code=hs,
        description="goods",
        quantity=D(quantity),
        unit=unit,
        gross_mass_kg=D(net),
        net_mass_kg=D(net),
        value=D(value),
        origin_country=origin,
        preference=preference,
    )


def declaration(
    *items: GoodsItem,
    kind: DeclarationType = DeclarationType.IMPORT,
    incoterm: Incoterm = Incoterm.CIF,
    currency: str = "USD",
    rate: str = "7.1",
    freight: str = "0",
    insurance: str = "0",
    exit_kind: BondedExitKind | None = None,
) -> DeclarationContent:
    return DeclarationContent(
        type=kind,
        declarant_id="ent-1",
        consignor=Party("Almaty Trading LLP", "KZ"),
        consignee=Party("Horgos Import Co.", "CN"),
        office_code="CNHGS",
        transport_mode=TransportMode.ROAD,
        transport_id="KZ 123 ABC",
        dispatch_country="KZ",
        origin_country="KZ",
        destination_country="CN",
        loading_locode="KZALA",
        unloading_locode="CNHGS",
        incoterm=incoterm,
        invoice_currency=currency,
        invoice_amount=sum((i.value for i in items), D(0)),
        freight=D(freight),
        insurance=D(insurance),
        exchange_rate=D(rate),
        exchange_rate_date=date(2025, 7, 10),
        items=items,
        bonded_exit_kind=exit_kind,
    )


def taxes(a: DutyAssessment, i: int = 0) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    it = a.items[i]
    return it.customs_value, it.duty, it.excise, it.vat, it.export_duty


# --- worked examples ------------------------------------------------------------------------------


def test_cif_car_import_with_excise_and_vat() -> None:
    # 2.2 litre car, CIF USD 40,000 at 7.1 CNY/USD:
    #   customs value 40,000 x 7.1                         = 284,000.00
    #   duty 15%: 284,000 x 0.15                            =  42,600.00
    #   excise 9%: (284,000 + 42,600) / 0.91 x 0.09         =  32,301.0989  -> 32,301.10
    #   VAT 13%: (284,000 + 42,600 + 32,301.0989) x 0.13   =  46,657.1429  -> 46,657.14
    #   total 42,600.00 + 32,301.10 + 46,657.14             = 121,558.24
    a = assess_duties(declaration(item("8703235010", "40000")), SCHEDULE)
    assert taxes(a) == (D("284000.00"), D("42600.00"), D("32301.10"), D("46657.14"), D(0))
    assert a.items[0].tariff_line == "8703235"  # the longest prefix, not 8703
    assert a.items[0].basis is DutyBasis.MFN
    assert (a.items[0].duty_rate, a.items[0].excise_rate, a.items[0].vat_rate) == (D(15), D(9), D(13))
    assert a.totals == {
        TaxType.DUTY: D("42600.00"),
        TaxType.EXCISE: D("32301.10"),
        TaxType.VAT: D("46657.14"),
        TaxType.EXPORT_DUTY: D(0),
    }
    assert a.total == a.due == D("121558.24")
    assert a.settlement is Settlement.UNPAID
    assert not a.may_release(Settlement.UNPAID)
    assert a.may_release(Settlement.PAID) and a.may_release(Settlement.GUARANTEED)


def test_fob_import_adds_freight_and_the_insurance_default_apportioned_by_value() -> None:
    # FOB USD 10,000 (laptops 6,000 + tyres 4,000), freight USD 500, no insurance declared, 7.2 CNY/USD:
    #   insurance 0.3% x (10,000 + 500) = 31.50; CIF = 10,531.50; factor 10,531.5 / 10,000 x 7.2 = 7.58268
    #   laptops: customs value 6,000 x 7.58268 = 45,496.08; duty 0%; VAT 45,496.08 x 0.13 = 5,914.4904 -> 5,914.49
    #   tyres:   customs value 4,000 x 7.58268 = 30,330.72; duty 6% = 1,819.8432 -> 1,819.84
    #            VAT (30,330.72 + 1,819.8432) x 0.13 = 4,179.573216 -> 4,179.57
    a = assess_duties(
        declaration(
            item("84713000", "6000"), item("40111000", "4000"), incoterm=Incoterm.FOB, freight="500", rate="7.2"
        ),
        SCHEDULE,
    )
    assert taxes(a, 0) == (D("45496.08"), D(0), D(0), D("5914.49"), D(0))
    assert taxes(a, 1) == (D("30330.72"), D("1819.84"), D(0), D("4179.57"), D(0))
    assert a.totals[TaxType.VAT] == D("10094.06")
    assert a.total == D("11913.90")
    assert any("0.3%" in note for note in a.notes)


@pytest.mark.parametrize(
    ("incoterm", "insurance", "customs_value"),
    [
        # value 1,000 + freight 100; default insurance 0.3% of what the price lacks
        (Incoterm.EXW, "0", "1103.30"),  # (1,000 + 100) x 1.003
        (Incoterm.FCA, "0", "1103.30"),
        (Incoterm.FAS, "0", "1103.30"),
        (Incoterm.FOB, "0", "1103.30"),
        (Incoterm.CFR, "0", "1003.00"),  # the price carries freight: 1,000 x 1.003
        (Incoterm.CPT, "0", "1003.00"),
        (Incoterm.CIF, "0", "1000.00"),  # the price carries both
        (Incoterm.CIP, "0", "1000.00"),
        (Incoterm.DAP, "0", "1000.00"),
        (Incoterm.DDP, "0", "1000.00"),
        (Incoterm.FOB, "20", "1120.00"),  # declared insurance replaces the default
        (Incoterm.CFR, "20", "1020.00"),
        (Incoterm.CIF, "20", "1000.00"),
    ],
)
def test_customs_value_follows_the_incoterm(incoterm: Incoterm, insurance: str, customs_value: str) -> None:
    content = declaration(
        item("84713000", "1000"), incoterm=incoterm, currency="CNY", rate="1", freight="100", insurance=insurance
    )
    assert assess_duties(content, SCHEDULE).items[0].customs_value == D(customs_value)


def test_specific_rate_line_takes_the_quantity_or_the_net_mass() -> None:
    # frozen fowl cuts, 0% + 1.30 CNY/KGM, VAT 9%; CIF USD 30,000 at 7.0 = 210,000.00
    #   duty 20,000 kg x 1.30 = 26,000.00; VAT (210,000 + 26,000) x 0.09 = 21,240.00
    by_kg = assess_duties(declaration(item("02071410", "30000", quantity="20000", unit="KGM"), rate="7"), SCHEDULE)
    assert taxes(by_kg) == (D("210000.00"), D("26000.00"), D(0), D("21240.00"), D(0))
    assert (by_kg.items[0].duty_specific, by_kg.items[0].duty_unit) == (D("1.30"), "KGM")
    # declared in cartons: the line per KGM takes the net mass instead
    by_carton = assess_duties(
        declaration(item("02071410", "30000", quantity="1000", unit="CT", net="20000"), rate="7"), SCHEDULE
    )
    assert taxes(by_carton) == taxes(by_kg)


def test_specific_rate_needs_a_usable_unit() -> None:
    content = declaration(item("24022000", "1000", quantity="50", unit="CT"))  # cigarettes per stick (NAR)
    with pytest.raises(ValidationFailed) as caught:
        assess_duties(content, SCHEDULE)
    assert caught.value.errors[0].field == "items[0].unit"
    assert "per NAR" in caught.value.errors[0].message


def test_compound_duty_line() -> None:
    # cameras, 4% + 2.50 CNY/KGM; CIF CNY 50,000, 1,000 kg:
    #   duty 50,000 x 0.04 + 1,000 x 2.50 = 2,000 + 2,500 = 4,500.00; VAT (50,000 + 4,500) x 0.13 = 7,085.00
    a = assess_duties(
        declaration(item("85258900", "50000", quantity="1000", unit="KGM"), currency="CNY", rate="1"), SCHEDULE
    )
    assert taxes(a) == (D("50000.00"), D("4500.00"), D(0), D("7085.00"), D(0))


def test_compound_excise_on_spirits() -> None:
    # spirits 10%, excise 20% + 1 CNY/LTR; CIF CNY 30,000, 1,000 litres:
    #   duty 3,000.00; excise (30,000 + 3,000 + 1,000) / 0.8 x 0.2 + 1,000 = 8,500 + 1,000 = 9,500.00
    #   VAT (30,000 + 3,000 + 9,500) x 0.13 = 5,525.00
    a = assess_duties(
        declaration(item("22083000", "30000", quantity="1000", unit="LTR"), currency="CNY", rate="1"), SCHEDULE
    )
    assert taxes(a) == (D("30000.00"), D("3000.00"), D("9500.00"), D("5525.00"), D(0))


def test_preferential_claim_accepted() -> None:
    # Georgian wine under the China-Georgia FTA (0%); CIF EUR 5,000 at 7.8 = 39,000.00
    #   duty 0; excise 39,000 / 0.9 x 0.1 = 4,333.3333 -> 4,333.33
    #   VAT (39,000 + 4,333.3333) x 0.13 = 5,633.3333 -> 5,633.33
    a = assess_duties(
        declaration(item("22042100", "5000", origin="GE", preference="CN-GE"), currency="EUR", rate="7.8"), SCHEDULE
    )
    assert taxes(a) == (D("39000.00"), D(0), D("4333.33"), D("5633.33"), D(0))
    it = a.items[0]
    assert (it.basis, it.agreement, it.duty_rate) == (DutyBasis.PREFERENTIAL, "CN-GE", D(0))
    assert "accepted" in it.notes[0]
    assert a.waived == {}  # a duty of 0 is not "waived"


@pytest.mark.parametrize(
    ("origin", "claim", "why"),
    [
        ("FR", "CN-GE", "origin FR is not a party to CN-GE"),
        ("GE", "APTA", "tariff line 2204 lists no APTA rate"),
        ("GE", "CN-SCO", "tariff line 2204 lists no CN-SCO rate"),
    ],
)
def test_preferential_claim_refused_falls_back_to_mfn_and_says_why(origin: str, claim: str, why: str) -> None:
    # MFN 14%: duty 39,000 x 0.14 = 5,460.00; excise (39,000 + 5,460) / 0.9 x 0.1 = 4,940.00
    #   VAT (39,000 + 5,460 + 4,940) x 0.13 = 49,400 x 0.13 = 6,422.00
    a = assess_duties(
        declaration(item("22042100", "5000", origin=origin, preference=claim), currency="EUR", rate="7.8"), SCHEDULE
    )
    assert taxes(a) == (D("39000.00"), D("5460.00"), D("4940.00"), D("6422.00"), D(0))
    it = a.items[0]
    assert (it.basis, it.agreement, it.duty_rate) == (DutyBasis.MFN, None, D(14))
    assert it.notes == (f"preference {claim} refused: {why}; MFN",)


def test_preference_that_gives_no_less_duty_is_not_used() -> None:
    a = assess_duties(declaration(item("61091000", "1000", origin="PK", preference="CN-PK")), SCHEDULE)
    assert a.items[0].basis is DutyBasis.MFN
    assert "not used" in a.items[0].notes[0]


def test_preferential_rate_replaces_the_whole_compound_duty() -> None:
    line = TariffLine(
        "852589",
        "cameras",
        D(4),
        specific_rate=D(10),
        specific_unit="KGM",
        preferential=(PreferentialRate(APTA, D(3)),),
    )
    content = declaration(
        item("85258900", "50000", quantity="100", unit="KGM", origin="KR", preference="APTA"), currency="CNY", rate="1"
    )
    a = assess_duties(content, TariffSchedule([line]))
    # 50,000 x 0.03 = 1,500.00 (MFN would be 2,000 + 1,000 = 3,000)
    assert a.items[0].duty == D("1500.00")
    assert a.items[0].duty_specific is None


def test_threshold_of_50_cny_per_tax_per_declaration() -> None:
    # dried fruit 25%, VAT 9%, invoiced in CNY
    # customs value 180: duty 45.00 and VAT (180 + 45) x 0.09 = 20.25, both 50 or less: nothing collected
    small = assess_duties(declaration(item("08132000", "180"), currency="CNY", rate="1"), SCHEDULE)
    assert small.waived == {TaxType.DUTY: D("45.00"), TaxType.VAT: D("20.25")}
    assert (small.items[0].duty, small.items[0].vat, small.total) == (D(0), D(0), D(0))
    assert small.settlement is Settlement.NONE_DUE
    # exactly 50.00 is "50元以下": waived too
    fifty = assess_duties(declaration(item("08132000", "200"), currency="CNY", rate="1"), SCHEDULE)
    assert fifty.waived == {TaxType.DUTY: D("50.00"), TaxType.VAT: D("22.50")}
    # 204: duty 51.00 is collected, VAT (204 + 51) x 0.09 = 22.95 is not: each tax on its own
    above = assess_duties(declaration(item("08132000", "204"), currency="CNY", rate="1"), SCHEDULE)
    assert (above.totals[TaxType.DUTY], above.totals[TaxType.VAT], above.total) == (D("51.00"), D(0), D("51.00"))
    assert above.waived == {TaxType.VAT: D("22.95")}
    # the threshold is per declaration: two items of 30.00 duty make 60.00, collected
    two = assess_duties(
        declaration(item("08132000", "120"), item("08132000", "120"), currency="CNY", rate="1"), SCHEDULE
    )
    assert two.totals[TaxType.DUTY] == D("60.00")
    # and configurable
    none = assess_duties(declaration(item("08132000", "180"), currency="CNY", rate="1"), SCHEDULE, threshold=D(0))
    assert (none.totals[TaxType.DUTY], none.totals[TaxType.VAT]) == (D("45.00"), D("20.25"))


def test_transit_is_nothing_due_even_for_goods_outside_the_schedule() -> None:
    a = assess_duties(declaration(item("999999", "40000"), kind=DeclarationType.TRANSIT), SCHEDULE)
    assert a.total == a.due == D(0)
    assert a.settlement is Settlement.NONE_DUE
    assert a.items[0].basis is DutyBasis.NONE
    assert a.may_release(Settlement.UNPAID)


def test_bonded_entry_is_computed_but_suspended() -> None:
    a = assess_duties(declaration(item("8703235010", "40000"), kind=DeclarationType.BONDED_ENTRY), SCHEDULE)
    assert taxes(a) == (D("284000.00"), D("42600.00"), D("32301.10"), D("46657.14"), D(0))  # as the car import
    assert a.total == D("121558.24")
    assert a.due == D(0) and a.suspended
    assert a.settlement is Settlement.WAIVED
    assert a.may_release(Settlement.WAIVED)


def test_bonded_exit_re_export_or_release_for_consumption() -> None:
    car = item("8703235010", "40000")
    re_export = assess_duties(
        declaration(car, kind=DeclarationType.BONDED_EXIT, exit_kind=BondedExitKind.RE_EXPORT), SCHEDULE
    )
    assert (re_export.total, re_export.settlement) == (D(0), Settlement.NONE_DUE)
    released = assess_duties(
        declaration(car, kind=DeclarationType.BONDED_EXIT, exit_kind=BondedExitKind.RELEASE_FOR_CONSUMPTION),
        SCHEDULE,
    )
    assert released.due == D("121558.24")
    assert released.settlement is Settlement.UNPAID
    with pytest.raises(ValidationFailed) as caught:
        assess_duties(declaration(car, kind=DeclarationType.BONDED_EXIT), SCHEDULE)
    assert caught.value.errors[0].field == "bonded_exit_kind"


def test_export_duty_only_where_the_line_lists_one() -> None:
    # ferro-chromium, export duty 40%, FOB USD 100,000 at 7.0 = 700,000:
    #   customs value 700,000 / 1.4 = 500,000.00; export duty 500,000 x 0.4 = 200,000.00
    a = assess_duties(
        declaration(item("72024110", "100000"), kind=DeclarationType.EXPORT, incoterm=Incoterm.FOB, rate="7"), SCHEDULE
    )
    assert taxes(a) == (D("500000.00"), D(0), D(0), D(0), D("200000.00"))
    assert (a.items[0].basis, a.items[0].export_rate) == (DutyBasis.EXPORT, D(40))
    assert a.settlement is Settlement.UNPAID
    # CIF export price: freight 2,000 and insurance 500 after export come off first
    #   FOB 97,500 x 7 = 682,500; / 1.4 = 487,500.00; x 0.4 = 195,000.00
    cif = assess_duties(
        declaration(item("72024110", "100000"), kind=DeclarationType.EXPORT, freight="2000", insurance="500", rate="7"),
        SCHEDULE,
    )
    assert taxes(cif) == (D("487500.00"), D(0), D(0), D(0), D("195000.00"))
    # a car with excise and VAT on import pays nothing on export
    car = assess_duties(declaration(item("8703235010", "40000"), kind=DeclarationType.EXPORT), SCHEDULE)
    assert (car.total, car.settlement) == (D(0), Settlement.NONE_DUE)
    # goods the export tariff does not list bear no export duty (transformers, HS 850440)
    unlisted = assess_duties(declaration(item("850440", "5000"), kind=DeclarationType.EXPORT), SCHEDULE)
    assert (unlisted.total, unlisted.settlement) == (D(0), Settlement.NONE_DUE)


def test_codes_without_a_tariff_line_are_field_errors() -> None:
    content = declaration(item("84713000", "100"), item("999999", "100"), item("870323", "100"))
    with pytest.raises(ValidationFailed) as caught:
        assess_duties(content, SCHEDULE)
    errors = {e.field: e.message for e in caught.value.errors}
    assert errors["items[1].hs_code"] == "no tariff line for 999999 in the schedule"
    # 870323 matches the 8703 line: it is only a prefix of 8703235, so the broad line applies
    assert "items[2].hs_code" not in errors
    narrow = TariffSchedule([TariffLine("8703235", "cars", D(15)), TariffLine("8703236", "cars", D(15))])
    with pytest.raises(ValidationFailed) as caught:
        assess_duties(declaration(item("870323", "100")), narrow)
    assert caught.value.errors[0].message == (
        "no tariff line for 870323 in the schedule: it splits 870323 into 8703235, 8703236; declare the full "
        "national code"
    )


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        assess_duties(declaration(item("84713000", "-1"), freight="-5", rate="0"), SCHEDULE)
    assert {e.field for e in caught.value.errors} == {"items[0].value", "freight", "exchange_rate"}


# --- the tariff and the exchange rates ------------------------------------------------------------


def test_longest_prefix_lookup() -> None:
    assert SCHEDULE.lookup("8703235010") is SCHEDULE.get("8703235")
    assert SCHEDULE.lookup("87032100") is SCHEDULE.get("8703")
    assert SCHEDULE.lookup("8703") is SCHEDULE.get("8703")
    assert SCHEDULE.lookup("87") is None
    assert SCHEDULE.lookup("") is None
    assert len(SCHEDULE) == 14
    assert [line.hs_prefix for line in SCHEDULE][:2] == ["020714", "0813"]


def test_tariff_lines_are_checked_once_and_refuse_floats() -> None:
    with pytest.raises(ValidationFailed, match="mfn_rate"):
        TariffLine("8703", "cars", 15.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match="hs_prefix"):
        TariffLine("870", "cars", D(15))
    with pytest.raises(ValidationFailed, match="excise_rate"):
        TariffLine("8703", "cars", D(15), excise_rate=D(100))
    with pytest.raises(ValidationFailed, match="specific_unit"):
        TariffLine("8703", "cars", D(15), specific_unit="KGM")
    with pytest.raises(ValidationFailed, match="specific_unit"):
        TariffLine("8703", "cars", D(15), specific_rate=D(1))
    with pytest.raises(ValidationFailed, match="twice"):
        TariffSchedule([TariffLine("8703", "cars", D(15)), TariffLine("8703", "cars", D(10))])
    assert TariffLine("8703", "cars", D(15)).duty_kind == "ad valorem"
    assert SCHEDULE.get("020714") is not None and SCHEDULE.get("020714").duty_kind == "specific"  # type: ignore[union-attr]
    assert SCHEDULE.get("852589").duty_kind == "compound"  # type: ignore[union-attr]


RATES = ExchangeRates(
    [
        ExchangeRate("USD", date(2025, 6, 1), D("7.1800")),
        ExchangeRate("USD", date(2025, 7, 1), D("7.1789")),
        ExchangeRate("KZT", date(2025, 7, 1), D("0.013800")),
    ]
)


def test_exchange_rate_is_the_latest_on_or_before_the_date() -> None:
    assert RATES.rate("USD", date(2025, 6, 30)) == D("7.1800")
    assert RATES.rate("USD", date(2025, 7, 1)) == D("7.1789")
    assert RATES.rate("USD", date(2026, 1, 1)) == D("7.1789")
    assert RATES.rate("CNY", date(1990, 1, 1)) == D(1)
    with pytest.raises(NotFound, match="USD on or before 2025-05-31"):
        RATES.rate("USD", date(2025, 5, 31))
    with pytest.raises(NotFound):
        RATES.rate("EUR", date(2025, 7, 1))
    assert RATES.currencies == {"CNY", "USD", "KZT"}


def test_check_exchange_rate() -> None:
    content = declaration(item("84713000", "100"), rate="7.1789")  # dated 2025-07-10
    assert check_exchange_rate(content, RATES) is None
    assert check_exchange_rate(declaration(item("84713000", "100"), rate="7.1810"), RATES) is None  # 0.03%
    error = check_exchange_rate(declaration(item("84713000", "100"), rate="7.25"), RATES)
    assert error is not None and error.field == "exchange_rate"
    assert error.message == (
        "7.25 CNY per USD differs from the customs rate 7.1789 for 2025-07-10 (in force since 2025-07-01) by 0.99%, "
        "more than the 0.05% allowed"
    )
    looser = check_exchange_rate(declaration(item("84713000", "100"), rate="7.25"), RATES, tolerance=D("0.02"))
    assert looser is None
    missing = check_exchange_rate(declaration(item("84713000", "100"), currency="EUR", rate="8.2"), RATES)
    assert missing is not None and "no EUR rate on or before 2025-07-10" in missing.message
    assert check_exchange_rate(declaration(item("84713000", "100"), currency="CNY", rate="1"), RATES) is None


def test_assessment_as_dict_is_json_ready() -> None:
    a = assess_duties(declaration(item("8703235010", "40000"), item("84713000", "1000")), SCHEDULE)
    data = a.as_dict()
    assert json.loads(json.dumps(data)) == data
    # the car as above (121,558.24) + the laptops' VAT: 1,000 x 7.1 = 7,100.00 x 0.13 = 923.00
    assert data["total"] == "122481.24"
    assert data["items"][1]["notes"] == []
    assert data["items"][0]["item"] == 0 and data["customs_value"] == "291100.00"
    assert data["settlement"] == "unpaid" and data["totals"]["excise"] == "32301.10"


# --- properties -----------------------------------------------------------------------------------

CODES = [
    ("8703235010", "H87"),
    ("87032100", "H87"),
    ("84713000", "H87"),
    ("40111000", "H87"),
    ("02071410", "KGM"),
    ("02071410", "CT"),
    ("85258900", "KGM"),
    ("22042100", "LTR"),
    ("22083000", "LTR"),
    ("24022000", "NAR"),
    ("08132000", "KGM"),
    ("61091000", "H87"),
    ("72024110", "KGM"),
    ("88073000", "H87"),
]
amounts = st.decimals(min_value=0, max_value=10**7, places=2)


@st.composite
def goods(draw: st.DrawFn) -> GoodsItem:
    hs, unit = draw(st.sampled_from(CODES))
    claim = draw(st.sampled_from([None, "APTA", "CN-GE", "CN-PK", "RCEP"]))
    return GoodsItem(
        hs_code=hs,
        description="goods",
        quantity=draw(st.decimals(min_value=0, max_value=10**5, places=3)),
        unit=unit,
        gross_mass_kg=D(1),
        net_mass_kg=draw(st.decimals(min_value=0, max_value=10**5, places=3)),
        value=draw(amounts),
        origin_country=draw(st.sampled_from(["KZ", "GE", "PK", "KR", "FR"])),
        preference=claim,
    )


@st.composite
def declarations(draw: st.DrawFn) -> DeclarationContent:
    kind = draw(
        st.sampled_from(
            [DeclarationType.IMPORT, DeclarationType.EXPORT, DeclarationType.BONDED_ENTRY, DeclarationType.BONDED_EXIT]
        )
    )
    items = tuple(draw(st.lists(goods(), min_size=1, max_size=5)))
    content = declaration(
        *items,
        kind=kind,
        incoterm=draw(st.sampled_from(list(Incoterm))),
        freight=str(draw(st.decimals(min_value=0, max_value=10**5, places=2))),
        insurance=str(draw(st.decimals(min_value=0, max_value=10**4, places=2))),
        rate=str(draw(st.decimals(min_value=D("0.0001"), max_value=100, places=4))),
        exit_kind=BondedExitKind.RELEASE_FOR_CONSUMPTION,
    )
    if kind is DeclarationType.EXPORT and content.freight + content.insurance > content.total_item_value:
        return declaration(*items, kind=kind, incoterm=Incoterm.FOB, rate=str(content.exchange_rate))
    return content


def _scaled(content: DeclarationContent, k: Decimal) -> DeclarationContent:
    items = tuple(
        replace(i, value=i.value * k, quantity=i.quantity * k, net_mass_kg=i.net_mass_kg * k) for i in content.items
    )
    return replace(
        content,
        items=items,
        freight=content.freight * k,
        insurance=content.insurance * k,
        invoice_amount=content.invoice_amount * k,
    )


@settings(max_examples=300, deadline=None)
@given(declarations(), st.sampled_from([D(0), D(50), D(500)]))
def test_totals_are_sums_of_rounded_non_negative_item_taxes(content: DeclarationContent, threshold: Decimal) -> None:
    a = assess_duties(content, SCHEDULE, threshold=threshold)
    for tax in TaxType:
        assert a.totals[tax] == sum((it.amount(tax) for it in a.items), D(0))
        for it in a.items:
            amount = it.amount(tax)
            assert isinstance(amount, Decimal) and amount >= 0
            assert amount.as_tuple().exponent >= -2  # type: ignore[operator]
            assert it.customs_value.as_tuple().exponent >= -2  # type: ignore[operator]
        assert tax in a.waived or a.totals[tax] == 0 or a.totals[tax] > threshold
    assert a.total == sum((it.total for it in a.items), D(0)) == sum(a.totals.values(), D(0))
    assert a.due == (D(0) if a.suspended else a.total)


@settings(max_examples=300, deadline=None)
@given(declarations())
def test_scaling_every_value_by_10_scales_each_tax_by_10_within_5_fen(content: DeclarationContent) -> None:
    # each tax is linear in the values (and quantities) until it is rounded once, so rounding the
    # tenfold unrounded tax differs from ten times the rounded tax by at most 10 x half a fen
    one = assess_duties(content, SCHEDULE, threshold=D(0))
    ten = assess_duties(_scaled(content, D(10)), SCHEDULE, threshold=D(0))
    for a, b in zip(one.items, ten.items, strict=True):
        for tax in TaxType:
            assert abs(b.amount(tax) - 10 * a.amount(tax)) <= D("0.05"), (tax, a, b)
        assert a.basis == b.basis


def _no_floats(value: object) -> None:
    assert not isinstance(value, float)
    if isinstance(value, dict):
        for k, v in value.items():
            _no_floats(k)
            _no_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _no_floats(v)


@settings(max_examples=100, deadline=None)
@given(declarations())
def test_taxes_never_use_float(content: DeclarationContent) -> None:
    a = assess_duties(content, SCHEDULE)
    for it in a.items:
        for name, value in it._asdict().items():
            _no_floats(value)
            if name in {"customs_value", "duty", "excise", "vat", "export_duty", "duty_rate"}:
                assert type(value) is Decimal
    _no_floats(a.as_dict())
    assert all(type(v) is Decimal for v in a.totals.values())


def test_float_input_is_refused_not_rounded() -> None:
    bad = GoodsItem("84713000", "laptops", D(1), "H87", D(1), D(1), 1000.10, "KZ")  # type: ignore[arg-type]
    with pytest.raises((TypeError, FloatOperation)):
        assess_duties(declaration(bad), SCHEDULE)


def test_which_incoterms_carry_freight_and_insurance_to_the_place_of_import() -> None:
    from silkport.clearance.domain.model import Incoterm

    # Incoterms 2020: the C and D terms carry the main carriage; CIP, CIF and the D terms its insurance too
    assert {t.value for t in Incoterm if t.includes_freight} == {"CPT", "CIP", "CFR", "CIF", "DAP", "DPU", "DDP"}
    assert {t.value for t in Incoterm if t.includes_insurance} == {"CIP", "CIF", "DAP", "DPU", "DDP"}
    assert not any(t.includes_freight for t in (Incoterm.EXW, Incoterm.FCA, Incoterm.FAS, Incoterm.FOB))
