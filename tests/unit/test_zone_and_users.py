"""The zone's ports and the rules binding users to an enterprise or an office."""

from __future__ import annotations

import pytest

from silkport.enterprises.domain.users import User, binding_problems
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import ValidationFailed
from silkport.zone.domain.model import Mode, OpeningHours, Port, PortKind


def test_opening_hours_parse_and_summarise() -> None:
    assert OpeningHours.parse("24h").summary() == "24/7"
    hours = OpeningHours.parse({"sat": ["10:00-18:00"], "mon": ["09:00-12:00", "13:00-18:00"]})
    assert hours.summary() == "Mon 09:00-12:00, 13:00-18:00; Sat 10:00-18:00"


def test_bad_opening_hours_name_the_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        OpeningHours.parse({"mon": ["18:00-09:00"], "xyz": []})
    assert {e.field for e in caught.value.errors} == {"opening_hours.mon[0]", "opening_hours.xyz"}


def test_a_port_needs_a_locode_shaped_code_and_a_mode() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Port("X", "X", "", "HORGOS", "CN-1", PortKind.PORT, frozenset(), OpeningHours.parse("24h"))
    assert {e.field for e in caught.value.errors} == {"locode", "modes"}
    port = Port(
        "HRS-ROAD", "Horgos", "", "HORGOS", "cn hrs", PortKind.PORT, frozenset({Mode.ROAD}), OpeningHours.parse("24h")
    )
    assert port.locode == "CNHRS"


def test_role_bindings() -> None:
    assert binding_problems(Role.TRADER, None, None)[0].field == "enterprise"
    assert binding_problems(Role.CUSTOMS_OFFICER, None, None)[0].field == "office"
    assert binding_problems(Role.ANALYST, "e1", None)[0].field == "enterprise"
    assert binding_problems(Role.ADMIN, None, None) == []


def test_new_user_validates_username_and_password() -> None:
    with pytest.raises(ValidationFailed) as caught:
        User.new(user_id="u", username="A", role=Role.ADMIN, password="short", password_hash="h")
    assert {e.field for e in caught.value.errors} == {"username", "password"}


def test_enterprise_bound_actors_see_only_their_enterprise() -> None:
    trader = Actor("u1", "t", Role.TRADER, enterprise_id="e1")
    officer = Actor("u2", "o", Role.CUSTOMS_OFFICER, office_code="HRS-ROAD")
    assert trader.sees_enterprise("e1") and not trader.sees_enterprise("e2")
    assert officer.sees_enterprise("e2")
