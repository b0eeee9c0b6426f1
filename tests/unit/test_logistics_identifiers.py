"""Transport identifiers: public examples, and check digits as properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.logistics.domain import identifiers as ids

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
DIGITS = "0123456789"


@pytest.mark.parametrize("number", ["784-12345675", "78412345675", "784 1234 5675", "020-12345675"])
def test_awb_known_good(number: str) -> None:
    assert ids.awb_problem(number) is None
    assert ids.format_awb(number) == ids.format_awb(ids.normalise_awb(number))


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("784-12345674", "check digit should be 5"),
        ("784-1234567", "11 digits"),
        ("78A-12345675", "only digits"),
        ("", "empty"),
    ],
)
def test_awb_known_bad(number: str, fragment: str) -> None:
    problem = ids.awb_problem(number)
    assert problem is not None and fragment in problem


@given(st.text(DIGITS, min_size=3, max_size=3), st.text(DIGITS, min_size=7, max_size=7), st.integers(0, 9))
def test_awb_only_the_computed_check_digit_validates(prefix: str, serial: str, digit: int) -> None:
    number = f"{prefix}{serial}{digit}"
    assert (ids.awb_problem(number) is None) == (str(digit) == ids.awb_check_digit(serial))


@pytest.mark.parametrize("item", ["RA473124829CN", "ra 473 124 829 cn", "EE123456785US", "RR000000005KG"])
def test_s10_known_good(item: str) -> None:
    assert ids.s10_problem(item) is None


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("RA473124828CN", "check digit should be 9"),
        ("RA473124829XX", "not an ISO 3166"),
        ("R1473124829CN", "2 letters"),
        ("RA47312482CN", "2 letters"),
    ],
)
def test_s10_known_bad(item: str, fragment: str) -> None:
    problem = ids.s10_problem(item)
    assert problem is not None and fragment in problem


def test_s10_check_digit_special_cases() -> None:
    # weighted sum 0 -> 11 - 0 = 11 -> 5; weighted sum 1 (serial 00000X...) -> 10 -> 0
    assert ids.s10_check_digit("00000000") == "5"
    assert ids.s10_check_digit("12345678") == "5"  # 204 mod 11 = 6 -> 5


@given(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.text(DIGITS, min_size=8, max_size=8),
    st.sampled_from(["CN", "KG", "KZ", "DE", "US"]),
    st.integers(0, 9),
)
def test_s10_only_the_computed_check_digit_validates(service: str, serial: str, country: str, digit: int) -> None:
    item = f"{service}{serial}{digit}{country}"
    assert (ids.s10_problem(item) is None) == (str(digit) == ids.s10_check_digit(serial))


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP042788",  # the 49 CFR 565 worked example (check digit X)
        "11111111111111111",
        "WVWZZZ1JZXW000001",  # Europe: no check digit required
        "wvw-zzz1jz xw000001",
    ],
)
def test_vin_known_good(vin: str) -> None:
    assert ids.vin_problem(vin) is None


@pytest.mark.parametrize(
    ("vin", "fragment"),
    [
        ("1M8GDM9A1KP042788", "should be X"),
        ("1M8GDM9AXKP04278", "17 characters"),
        ("1M8GDM9AXKO042788", "may not contain O"),
        ("1M8GDM9AXKP04278*", "only the letters"),
    ],
)
def test_vin_known_bad(vin: str, fragment: str) -> None:
    problem = ids.vin_problem(vin)
    assert problem is not None and fragment in problem


def test_vin_check_digit_applies_by_region() -> None:
    assert ids.vin_check_digit_applies("1M8GDM9AXKP042788")
    assert ids.vin_check_digit_applies("LSVAU2180N2183294")  # China (GB 16735)
    assert not ids.vin_check_digit_applies("WVWZZZ1JZXW000001")
    assert not ids.vin_check_digit_applies("JHMCM56557C404453")


@given(
    st.sampled_from("12345L"),
    st.text(VIN_CHARS, min_size=7, max_size=7),
    st.text(VIN_CHARS, min_size=8, max_size=8),
    st.sampled_from("0123456789X"),
)
def test_vin_only_the_computed_check_digit_validates_where_it_applies(
    region: str, head: str, tail: str, check: str
) -> None:
    vin = f"{region}{head}{check}{tail}"
    assert (ids.vin_problem(vin) is None) == (check == ids.vin_check_digit(vin))


@given(
    st.sampled_from("6789ABCDEFGHJKMNPRSTUVWXYZ"),
    st.text(VIN_CHARS, min_size=16, max_size=16),
)
def test_vin_check_digit_ignored_where_it_does_not_apply(region: str, rest: str) -> None:
    assert ids.vin_problem(region + rest) is None


def test_containers() -> None:
    assert ids.container_problem("CSQU3054383") is None
    assert ids.container_problem("csqu 305438 3") is None
    assert ids.normalise_container("csqu 305438 3") == "CSQU3054383"
    assert ids.container_problem("CSQU3054384") == "check digit should be 3, not 4"
    problem = ids.container_problem("CSQX3054383")
    assert problem is not None and "category letter" in problem


def test_rail_cmr_tir_shapes() -> None:
    assert ids.rail_note_problem("SMGS 12345678") is None
    assert ids.rail_note_problem("12/3456") is None
    assert ids.rail_note_problem("AB12") is not None  # too few digits
    assert ids.rail_note_problem("12 3") is not None  # too short
    assert ids.cmr_problem("CMR-2025/0001") is None
    assert ids.cmr_problem("CMR") is not None
    assert ids.tir_carnet_problem("XH 12345678") is None
    assert ids.tir_carnet_problem("XH1234567") is not None
