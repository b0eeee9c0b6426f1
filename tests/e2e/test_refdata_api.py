"""The reference-data router over HTTP, on a bare app with a minimal problem handler of its own."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from silkport.shared.errors import DomainError, ValidationFailed
from silkport.zone.refdata_api import router

BASE = "/api/v1/refdata"


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    body: dict[str, Any] = {"type": "about:blank", "title": exc.title, "status": exc.status, "detail": exc.detail}
    if isinstance(exc, ValidationFailed):
        body["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.add_exception_handler(DomainError, _problem)
    return TestClient(app)


def test_hs_entry_with_ancestors_and_children(client: TestClient) -> None:
    r = client.get(f"{BASE}/hs/8471")
    assert r.status_code == 200
    body = r.json()
    assert body["entry"]["code"] == "8471" and body["entry"]["kind"] == "heading"
    assert body["section"]["code"] == "XVI"
    assert [a["code"] for a in body["ancestors"]] == ["84"]
    assert "847130" in [c["code"] for c in body["children"]]


def test_hs_subheading_dotted_and_national_line(client: TestClient) -> None:
    body = client.get(f"{BASE}/hs/8471.30").json()
    assert body["entry"]["code"] == "847130" and body["entry"]["dotted"] == "8471.30"
    assert [a["code"] for a in body["ancestors"]] == ["84", "8471"] and body["children"] == []
    national = client.get(f"{BASE}/hs/8471300000").json()
    assert national["requested"] == "8471300000" and national["entry"]["code"] == "847130"


def test_hs_unknown_is_a_404_problem(client: TestClient) -> None:
    r = client.get(f"{BASE}/hs/847135")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "847135" in r.json()["detail"]


@pytest.mark.parametrize("code", ["84x1", "847", "1", "84713000001"])
def test_hs_malformed_is_a_422_naming_the_field(client: TestClient, code: str) -> None:
    r = client.get(f"{BASE}/hs/{code}")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "code"


def test_hs_search(client: TestClient) -> None:
    body = client.get(f"{BASE}/hs", params={"q": "horses", "limit": 3}).json()
    assert body["count"] == 3 and body["items"][0]["code"] == "0101"
    by_code = client.get(f"{BASE}/hs", params={"q": "8471", "limit": 2}).json()
    assert [i["code"] for i in by_code["items"]] == ["8471", "847130"]


@pytest.mark.parametrize(
    "params", [{"q": "horses", "limit": 0}, {"q": "horses", "limit": 101}, {"q": ""}, {"q": "x", "colour": "red"}]
)
def test_hs_search_rejects_bad_parameters(client: TestClient, params: dict[str, Any]) -> None:
    assert client.get(f"{BASE}/hs", params=params).status_code == 422


def test_hs_sections(client: TestClient) -> None:
    sections = client.get(f"{BASE}/hs-sections").json()
    assert len(sections) == 21 and sections[0] == {"code": "I", "name": "live animals; animal products"}


@pytest.mark.parametrize("code", ["CN URC", "CNURC", "cn-urc"])
def test_location(client: TestClient, code: str) -> None:
    r = client.get(f"{BASE}/locations/{code}")
    assert r.status_code == 200
    body = r.json()
    assert body["locode"] == "CNURC" and body["spaced"] == "CN URC" and body["country_name"] == "China"
    assert body["subdivision"] == "XJ" and body["subdivision_name"].startswith("Xinjiang")
    assert [f["code"] for f in body["functions"]] == ["4"]
    assert body["functions"][0]["label"].startswith("Air transport")
    assert isinstance(body["lat"], str) and body["lat"].startswith("43.8")
    assert isinstance(body["lon"], str) and body["lon"].startswith("87.5")


def test_location_without_coordinates(client: TestClient) -> None:
    body = client.get(f"{BASE}/locations/CN YRK").json()
    assert body["name"] == "Yierkeshitan" and body["lat"] is None and body["lon"] is None


def test_well_formed_but_unlisted_locode_is_unverified(client: TestClient) -> None:
    r = client.get(f"{BASE}/locations/cn-qqq")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert "CN QQQ" in detail and "well-formed" in detail and "unverified" in detail


@pytest.mark.parametrize("code", ["C1QQQ", "CNQQ", "CN-QQ1X"])
def test_malformed_locode_is_a_422(client: TestClient, code: str) -> None:
    r = client.get(f"{BASE}/locations/{code}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "locode"


def test_location_search(client: TestClient) -> None:
    body = client.get(f"{BASE}/locations", params={"q": "urumqi", "limit": 3}).json()
    assert [i["spaced"] for i in body["items"]] == ["CN URM", "CN URC", "CN ULZ"]
    kz = client.get(f"{BASE}/locations", params={"q": "horgos", "country": "kz"}).json()
    assert kz["country"] == "KZ" and [i["spaced"] for i in kz["items"]] == ["KZ HOR"]
    air = client.get(f"{BASE}/locations", params={"q": "kashi", "country": "CN", "function": "4"}).json()
    assert [i["spaced"] for i in air["items"]] == ["CN KHG"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "a", "function": "Z"}, "function"), ({"q": "a", "country": "CHN"}, "country"), ({"q": "a", "x": "1"}, "x")],
)
def test_location_search_rejects_bad_parameters(client: TestClient, params: dict[str, str], field: str) -> None:
    r = client.get(f"{BASE}/locations", params=params)
    assert r.status_code == 422
    assert field in r.text


def test_countries_and_currencies(client: TestClient) -> None:
    countries = {c["code"]: c["name"] for c in client.get(f"{BASE}/countries").json()}
    assert countries["CN"] == "China" and countries["KZ"] == "Kazakhstan" and len(countries) > 240
    currencies = {c["code"]: c["name"] for c in client.get(f"{BASE}/currencies").json()}
    assert {"CNY", "KZT", "KGS", "UZS", "USD"} <= set(currencies)
