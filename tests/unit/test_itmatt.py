"""ITMATT JSON/CSV parsing round-trips; malformed files are refused with the row or field at fault."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.logistics.adapters import itmatt
from silkport.logistics.domain.identifiers import s10_check_digit
from silkport.logistics.domain.mail import Answer, Outcome, PostalItem, Reason, parse_item
from silkport.shared.errors import ValidationFailed

RECEPTACLE = "CNKSSAKGFRUAAUN50001" + "001" + "0" + "0" + "0125"


def s10(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"RA{digits}{s10_check_digit(digits)}CN"


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40).map(str.strip)
lines = st.fixed_dictionaries(
    {
        "description": text,
        "quantity": st.integers(1, 1000),
        "net_weight_kg": st.decimals(0, 1000, places=3).map(str),
        "value": st.decimals(0, 100000, places=2).map(str),
        "hs_code": st.one_of(st.none(), st.sampled_from(["610910", "85171300", "3004909000"])),
        "origin_country": st.one_of(st.none(), st.sampled_from(["CN", "KG", "DE"])),
    }
)
items = st.lists(
    st.builds(
        lambda serial, category, form, contents, gross, currency: {
            "item_id": s10(serial),
            "receptacle_id": RECEPTACLE,
            "sender_country": "CN",
            "addressee_country": "KG",
            "category": category,
            "form": form,
            "gross_weight_kg": str(gross),
            "currency": currency,
            "contents": contents,
        },
        st.integers(1, 99_999_999),
        st.sampled_from(["gift", "documents", "sale_of_goods", "returned_goods", "commercial_sample"]),
        st.sampled_from(["CN22", "CN23"]),
        st.lists(lines, max_size=4),
        st.decimals(Decimal("0.001"), 30, places=3),
        st.sampled_from(["USD", "CNY", "EUR"]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda d: d["item_id"],
)


def parsed(raw: list[dict[str, Any]]) -> list[PostalItem]:
    return [parse_item(r) for r in raw]


@given(items)
def test_json_round_trip(raw: list[dict[str, Any]]) -> None:
    first = parsed(raw)
    assert parsed(itmatt.parse_json(itmatt.to_json(first))) == first


@given(items)
def test_csv_round_trip(raw: list[dict[str, Any]]) -> None:
    first = parsed(raw)
    assert parsed(itmatt.parse_csv(itmatt.to_csv(first))) == first


def test_csv_groups_the_lines_of_an_item_and_refuses_contradictions() -> None:
    header = ",".join(itmatt.CSV_COLUMNS)
    head = f"{s10(1)},{RECEPTACLE},CN,KG,gift,CN22,1.2,USD"
    body = f"{header}\n{head},tea,2,0.5,20,090230,CN\n{head},cups,1,0.4,8,691200,CN\n"
    [item] = itmatt.parse_csv(body)
    assert [c["description"] for c in item["contents"]] == ["tea", "cups"]
    clash = body + f"{s10(1)},{RECEPTACLE},CN,KG,gift,CN23,1.2,USD,x,1,1,1,,\n"
    with pytest.raises(ValidationFailed) as exc:
        itmatt.parse_csv(clash)
    assert exc.value.errors[0].field == "row 4"
    with pytest.raises(ValidationFailed) as exc:
        itmatt.parse_csv("item_id,receptacle_id\n")
    assert exc.value.errors[0].field == "header"


def test_json_refuses_unknown_fields_and_empty_messages() -> None:
    for body, field in [
        ("nope", "body"),
        ("[]", "body"),
        ('{"message": "CUSITM", "items": []}', "message"),
        ('{"items": []}', "items"),
        ('{"items": [{"item_id": "x", "colour": "red"}]}', "items[0].colour"),
        ('{"items": [1]}', "items[0]"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            itmatt.parse_json(body)
        assert exc.value.errors[0].field == field, body


def test_cusrsp_answer() -> None:
    item = parse_item(
        {"item_id": s10(5), "receptacle_id": RECEPTACLE, "sender_country": "CN", "addressee_country": "KG",
         "category": "gift", "form": "CN22", "gross_weight_kg": "1", "currency": "USD",
         "contents": [{"description": "x", "quantity": 1, "net_weight_kg": "1", "value": "7.5",
                       "hs_code": "300490", "origin_country": "CN"}]}
    )  # fmt: skip
    at = datetime(2025, 9, 1, tzinfo=UTC)
    answer = Answer(item.item_id, Outcome.HELD, (Reason("CONTROLLED", "licence"),), at, "officer", "v1")
    body = itmatt.cusrsp(answer, item)
    assert body == {
        "message": "CUSRSP", "item_id": item.item_id, "outcome": "held",
        "reasons": [{"code": "CONTROLLED", "text": "licence"}], "decided_at": at.isoformat(), "officer": "officer",
        "rules_version": "v1", "receptacle_id": RECEPTACLE, "declared_value": "7.5", "currency": "USD",
    }  # fmt: skip
