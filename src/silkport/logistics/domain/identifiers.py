"""Transport identifiers: validators that name the precise problem (or return None) and normalisers.

Pure: standard library, python-stdnum (for ISO 6346) and ``silkport.shared`` only.

=================  ===========================================================================
identifier         what is checked
=================  ===========================================================================
air waybill        IATA: 11 digits = 3-digit airline prefix + 7-digit serial + check digit,
                   the check digit being the serial mod 7 (Resolution 600a)
UPU S10 item       2-letter service indicator + 8-digit serial + check digit (weights
                   8 6 4 2 3 5 9 7, 11 - sum mod 11, 10 -> 0, 11 -> 5) + ISO 3166 alpha-2
                   country of the issuing post
VIN                ISO 3779: 17 characters, no I, O or Q; the check digit in position 9 only
                   where the region uses one (WMI 1-5 North America, L China per GB 16735)
ISO 6346           container owner code, category, serial and check digit (python-stdnum)
CIM/SMGS note      shape only: neither CIM (CIT) nor SMGS (OSJD) publishes a check digit for
                   the consignment note number, which the railway of dispatch allocates
CMR                shape only: the CMR convention leaves the numbering to the issuer
TIR carnet         shape only: 2 letters + 8 digits, the IRU carnet reference
=================  ===========================================================================
"""

from __future__ import annotations

import re

from stdnum import iso6346
from stdnum.exceptions import ValidationError

from silkport.shared.codes import is_country

_SEPARATORS = re.compile(r"[\s\-./]")

# -- IATA air waybill -------------------------------------------------------------------------


def normalise_awb(value: str) -> str:
    """'784-1234 5675' -> '78412345675' (spaces and hyphens dropped)."""
    return re.sub(r"[\s\-]", "", value)


def awb_check_digit(serial: str) -> str:
    """The check digit of a 7-digit AWB serial: the serial mod 7."""
    if not re.fullmatch(r"[0-9]{7}", serial):
        raise ValueError(f"an AWB serial is 7 digits, not {serial!r}")
    return str(int(serial) % 7)


def awb_problem(value: str) -> str | None:
    """None if ``value`` is a valid air waybill number, else what is wrong with it."""
    number = normalise_awb(value)
    if not number:
        return "air waybill number is empty"
    if not number.isascii() or not number.isdigit():
        return "air waybill number may contain only digits, spaces and hyphens"
    if len(number) != 11:
        return (
            "air waybill number must have 11 digits (3-digit airline prefix, 7-digit serial, check digit), "
            f"not {len(number)}"
        )
    expected = awb_check_digit(number[3:10])
    if number[10] != expected:
        return f"check digit should be {expected} (serial {number[3:10]} mod 7), not {number[10]}"
    return None


def format_awb(value: str) -> str:
    """'78412345675' -> '784-12345675' (the airline prefix, a hyphen and the rest)."""
    number = normalise_awb(value)
    return f"{number[:3]}-{number[3:]}"


# -- UPU S10 postal item identifier -----------------------------------------------------------

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10_RE = re.compile(r"^[A-Z]{2}[0-9]{9}[A-Z]{2}$")


def normalise_s10(value: str) -> str:
    """'rr 123 456 785 cn' -> 'RR123456785CN'."""
    return re.sub(r"\s", "", value).upper()


def s10_check_digit(serial: str) -> str:
    """UPU S10 check digit of an 8-digit serial: 11 - (weighted sum mod 11); 10 -> 0, 11 -> 5."""
    if not re.fullmatch(r"[0-9]{8}", serial):
        raise ValueError(f"an S10 serial is 8 digits, not {serial!r}")
    check = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: "0", 11: "5"}.get(check, str(check))


def s10_problem(value: str) -> str | None:
    """None if ``value`` is a valid UPU S10 item identifier, else what is wrong with it."""
    item = normalise_s10(value)
    if not _S10_RE.match(item) or not item.isascii():
        return (
            "postal item identifier must be 2 letters (service indicator), 8 digits (serial), "
            "a check digit and the 2-letter ISO country code of the issuing post, e.g. RA473124829CN"
        )
    if not is_country(item[11:]):
        return f"{item[11:]!r} is not an ISO 3166 country code"
    expected = s10_check_digit(item[2:10])
    if item[10] != expected:
        return f"check digit should be {expected}, not {item[10]}"
    return None


# -- VIN (ISO 3779) ---------------------------------------------------------------------------

#: the North American (49 CFR 565) transliteration, also used by China's GB 16735
VIN_TRANSLITERATION: dict[str, int] = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
#: first WMI characters of the regions that mandate the position-9 check digit
CHECK_DIGIT_REGIONS = frozenset("12345L")


def normalise_vin(value: str) -> str:
    return re.sub(r"[\s\-]", "", value).upper()


def vin_check_digit(vin: str) -> str:
    """The position-9 check digit of a 17-character VIN (position 9 itself has weight 0)."""
    vin = normalise_vin(vin)
    if not _VIN_RE.match(vin):
        raise ValueError(f"{vin!r} is not a 17-character VIN")
    check = sum(VIN_TRANSLITERATION[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True)) % 11
    return "X" if check == 10 else str(check)


def vin_check_digit_applies(vin: str) -> bool:
    """Whether the WMI's region uses the check digit: North America (1-5) and China (L)."""
    vin = normalise_vin(vin)
    return bool(vin) and vin[0] in CHECK_DIGIT_REGIONS


def vin_problem(value: str) -> str | None:
    """None if ``value`` is a valid VIN, else what is wrong with it (check digit only where it applies)."""
    vin = normalise_vin(value)
    if len(vin) != 17:
        return f"VIN must have 17 characters, not {len(vin)}"
    forbidden = sorted({c for c in vin if c in "IOQ"})
    if forbidden:
        return f"VIN may not contain {', '.join(forbidden)} (ISO 3779 excludes I, O and Q)"
    if not _VIN_RE.match(vin):
        return "VIN may contain only the letters A-Z (without I, O, Q) and digits"
    if vin_check_digit_applies(vin):
        expected = vin_check_digit(vin)
        if vin[8] != expected:
            return f"check digit (position 9) should be {expected}, not {vin[8]}"
    return None


# -- ISO 6346 container -----------------------------------------------------------------------


def normalise_container(value: str) -> str:
    return str(iso6346.compact(value))


def container_problem(value: str) -> str | None:
    """None if ``value`` is a valid ISO 6346 container number, else what is wrong with it."""
    number = normalise_container(value)
    try:
        iso6346.validate(number)
    except ValidationError:
        if not re.fullmatch(r"[A-Z]{3}[UJZ][0-9]{7}", number):
            return (
                "container number must be a 3-letter owner code, a category letter (U, J or Z), "
                "a 6-digit serial and a check digit, e.g. CSQU3054383"
            )
        expected = iso6346.calc_check_digit(number[:10])
        return f"check digit should be {expected}, not {number[10]}"
    return None


# -- rail, road, TIR: shape checks ------------------------------------------------------------

_RAIL_RE = re.compile(r"^[A-Z0-9]{4,20}$")


def normalise_rail_note(value: str) -> str:
    """Drop spaces, hyphens, dots and slashes; upper-case."""
    return _SEPARATORS.sub("", value).upper()


def rail_note_problem(value: str) -> str | None:
    """CIM / SMGS / CIM-SMGS consignment note number: shape only.

    Checked: after the separators are dropped, 4 to 20 characters of A-Z and 0-9 with at least
    4 digits. Not checked: any check digit (the conventions define none for the note number).
    """
    number = normalise_rail_note(value)
    if not _RAIL_RE.match(number) or not number.isascii():
        return "rail consignment note number must be 4 to 20 letters or digits (separators aside)"
    if sum(c.isdigit() for c in number) < 4:
        return "rail consignment note number must contain at least 4 digits"
    return None


def normalise_cmr(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def cmr_problem(value: str) -> str | None:
    """CMR road consignment note: shape only (1-35 letters or digits, at least one digit)."""
    number = normalise_cmr(value)
    if not re.fullmatch(r"[A-Z0-9]{1,35}", number) or not number.isascii():
        return "CMR number must be 1 to 35 letters or digits (separators aside)"
    if not any(c.isdigit() for c in number):
        return "CMR number must contain a digit"
    return None


def normalise_tir_carnet(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def tir_carnet_problem(value: str) -> str | None:
    """TIR carnet reference: shape only (2 letters + 8 digits, e.g. XH12345678)."""
    number = normalise_tir_carnet(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{8}", number) or not number.isascii():
        return "TIR carnet number must be 2 letters followed by 8 digits, e.g. XH12345678"
    return None
