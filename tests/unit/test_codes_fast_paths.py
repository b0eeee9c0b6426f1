"""The fast paths of shared.codes answer as the plain definitions do."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from silkport.shared.codes import LOCODE_RE, country_codes, is_country, is_locode_shaped, normalise_locode

_SHAPED = st.from_regex(r"[A-Za-z]{2}[ \-]?[A-Za-z2-9]{3}\n?", fullmatch=True)


def _reference_is_locode_shaped(code: str) -> bool:
    return bool(LOCODE_RE.match(re.sub(r"[\s\-]", "", code).upper()))


@given(st.one_of(st.text(max_size=8), _SHAPED))
def test_is_locode_shaped_equals_the_normalise_then_match_definition(code: str) -> None:
    assert is_locode_shaped(code) == _reference_is_locode_shaped(code)
    assert normalise_locode(code) == re.sub(r"[\s\-]", "", code).upper()


@given(st.one_of(st.text(max_size=3), st.from_regex(r"[A-Z]{2}", fullmatch=True)))
def test_country_codes_set_equals_is_country(code: str) -> None:
    assert (code in country_codes()) == is_country(code)


def test_known_shapes() -> None:
    assert is_locode_shaped("CNHRS") and is_locode_shaped("cn-hrs") and is_locode_shaped("CN HRS")
    assert not is_locode_shaped("CNHR1") and not is_locode_shaped("CNHRSX")
    assert "CN" in country_codes() and "XX" not in country_codes()


@given(
    st.one_of(
        st.text(max_size=11),
        st.from_regex(r"\d{6}(\d{2}){0,2}\n?", fullmatch=True),
        st.text(alphabet="0123456789٠١²³ \n", min_size=5, max_size=11),
    )
)
def test_validate_hs_shape_fast_path_equals_the_regex(code: str) -> None:
    from silkport.clearance.domain.validation import _HS_LENGTHS, HS_RE

    fast = (len(code) in _HS_LENGTHS and code.isdecimal()) or HS_RE.match(code) is not None
    assert fast == (HS_RE.match(code) is not None)
