"""The web UI over HTTP: sign-in, role-aware pages, CSRF, the live search and the registration form."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.entrypoints.web import pages
from silkport.infra.web import SESSION_COOKIE
from silkport.shared.actor import SYSTEM
from tests.conftest import PASSWORD, Zone, make_details

VALID = "91310000775785552L"
WRONG_CHECK = "913100007757855529"  # the right check character would be L


def sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> httpx.Response:
    client.cookies.clear()
    return client.post("/login", data={"username": username, "password": password, **extra}, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def page_csrf(client: TestClient, path: str = "/") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def form(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_en": "Kashgar Pamir Trading Co., Ltd.",
        "name_zh": "喀什帕米尔贸易有限公司",
        "country": "CN",
        "uscc": VALID,
        "national_id": "",
        "area": "KASHGAR",
        "sectors": ["trade", "logistics"],
        "registration_date": "2024-05-20",
        "foreign_invested": "true",
        "investor_countries": "kg, KZ",
        "registered_capital": "5,000,000.00",
        "capital_currency": "CNY",
        "credit_grade": "general_certified",
    }
    data.update(over)
    return data


def test_sign_in_sets_an_http_only_session_cookie_and_redirects_home(zone: Zone) -> None:
    r = sign_in(zone.client, "admin")
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    assert "Secure" not in cookie  # the test settings switch cookie_secure off (plain-http demo)
    home = zone.client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert "admin" in home.text and "Admin" in home.text  # the user's name and role in the top bar
    assert "Sign out" in home.text


def test_a_wrong_password_rerenders_the_form_with_a_401(zone: Zone) -> None:
    r = sign_in(zone.client, "admin", "not-the-password")
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    assert 'value="admin"' in r.text  # the username is kept
    assert "set-cookie" not in r.headers
    r = sign_in(zone.client, "nobody-here", "whatever-it-is")
    assert r.status_code == 401 and "Wrong username or password" in r.text


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(zone: Zone) -> None:
    r = sign_in(zone.client, "admin", next="/enterprises?area=HORGOS")
    assert r.headers["location"] == "/enterprises?area=HORGOS"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example"):
        r = sign_in(zone.client, "admin", next=evil)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_a_cross_site_sign_in_is_refused(zone: Zone) -> None:
    zone.client.cookies.clear()
    data = {"username": "admin", "password": PASSWORD}
    r = zone.client.post("/login", data=data, headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    r = zone.client.post("/login", data=data, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize("path", ["/", "/enterprises", "/enterprises/new", "/enterprises/abc", "/zone", "/audit"])
def test_pages_send_a_signed_out_visitor_to_sign_in(app_client: TestClient, path: str) -> None:
    r = app_client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == ("/login" if path == "/" else f"/login?next={path}")


def test_an_expired_or_forged_cookie_is_signed_out(zone: Zone) -> None:
    zone.client.cookies.set(SESSION_COOKIE, "forged-session-token")
    r = zone.client.get("/enterprises", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_htmx_requests_are_told_to_go_to_sign_in_instead_of_swapping_the_page_in(app_client: TestClient) -> None:
    r = app_client.get("/enterprises?q=x", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 200 and r.headers["hx-redirect"] == "/login?next=/enterprises%3Fq%3Dx"


def test_the_dashboard_shows_the_zone_its_ports_and_enterprises_by_area(zone: Zone) -> None:
    sign_in(zone.client, "officer")
    html = zone.client.get("/").text
    assert "China (Xinjiang) Pilot Free Trade Zone" in html
    assert "179.66" in html
    for area in ("Urumqi Area", "Horgos Area", "Kashgar Area", "134.6", "16.58", "28.48"):
        assert area in html
    assert (
        "Horgos highway port" in html
        and "Daily 08:00-22:00" in html
        and "Mon–Fri 09:00-20:00 · Sat 10:00-18:00 · Sun closed" in html
        and "24/7" in html
    )
    assert 'data-testid="count-HORGOS">1<' in html and 'data-testid="count-KASHGAR">1<' in html
    assert 'data-testid="count-URUMQI">0<' in html
    assert "2025-09-01 14:00" in html  # the fixed clock's 08:00 UTC, in Urumqi time


def nav_of(html: str) -> list[str]:
    nav = html.split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]
    links = nav.split('class="soon"', 1)[0]
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]+)</a>', links)


def test_the_navigation_depends_on_the_role(zone: Zone) -> None:
    expected = {
        "admin": [
            "Dashboard",
            "Enterprises",
            "Declarations",
            "Freight",
            "Bonded",
            "Zone &amp; ports",
            "Users",
            "Audit",
            "Zone dashboard",
            "Digital twin",
        ],
        "trader_a": ["Dashboard", "My enterprise", "Declarations", "Freight", "Bonded", "Disputes"],
        "officer": ["Dashboard", "Enterprises", "Declarations", "Workbench", "Freight", "Bonded", "Zone &amp; ports"],
        "supervisor": [
            "Dashboard",
            "Enterprises",
            "Declarations",
            "Workbench",
            "Freight",
            "Bonded",
            "Zone &amp; ports",
            "Audit",
            "Digital twin",
        ],
        "analyst": ["Dashboard", "Enterprises", "Zone dashboard", "Digital twin"],
    }
    for who, items in expected.items():
        sign_in(zone.client, who)
        html = zone.client.get("/").text
        assert nav_of(html) == items, who
    sign_in(zone.client, "trader_a")
    assert f'href="/enterprises/{zone.enterprise_a}"' in zone.client.get("/").text


def test_a_trader_sees_only_their_own_enterprise(zone: Zone) -> None:
    sign_in(zone.client, "trader_a")
    listing = zone.client.get("/enterprises").text
    assert "Enterprise 101 Co., Ltd." in listing
    assert "Enterprise 102 Co., Ltd." not in listing
    assert zone.client.get(f"/enterprises/{zone.enterprise_a}").status_code == 200
    other = zone.client.get(f"/enterprises/{zone.enterprise_b}")
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("text/html") and "Page not found" in other.text
    assert "Enterprise 102" not in other.text


def test_only_an_administrator_opens_the_registration_form(zone: Zone) -> None:
    for who in ("trader_a", "officer", "analyst"):
        sign_in(zone.client, who)
        r = zone.client.get("/enterprises/new")
        assert r.status_code == 403, who
        assert r.headers["content-type"].startswith("text/html") and "may not register enterprises" in r.text
    sign_in(zone.client, "admin")
    r = zone.client.get("/enterprises/new")
    assert r.status_code == 200
    for name in ("name_en", "name_zh", "country", "uscc", "national_id", "area", "registration_date"):
        assert f'name="{name}"' in r.text
    assert 'value="KZ"' in r.text and ">Kazakhstan (KZ)<" in r.text  # pycountry's list
    assert r.text.count('name="sectors"') == 12
    assert "Advanced certified (AEO)" in r.text


def test_a_post_without_the_csrf_token_is_refused(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    r = zone.client.post("/enterprises/new", data=form(), follow_redirects=False)
    assert r.status_code == 403 and "security token" in r.text
    r = zone.client.post("/enterprises/new", data={**form(), "csrf_token": "0" * 64}, follow_redirects=False)
    assert r.status_code == 403
    r = zone.client.post("/logout", follow_redirects=False)
    assert r.status_code == 403
    r = zone.client.post("/enterprises/validate?field=uscc", data=form(), follow_redirects=False)
    assert r.status_code == 403
    assert zone.client.get("/api/v1/enterprises", headers=zone.headers("admin")).json()["total"] == 2


def test_inline_validation_names_the_wrong_uscc_check_character(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    token = page_csrf(zone.client, "/enterprises/new")
    r = zone.client.post("/enterprises/validate?field=uscc", data=form(uscc=WRONG_CHECK, csrf_token=token))
    assert r.status_code == 200
    assert '<p id="err-uscc" class="field-error" aria-live="polite"><span>check character should be L</span></p>' in (
        r.text
    )
    # the CSRF header htmx sends works as well as the form field
    r = zone.client.post("/enterprises/validate?field=uscc", data=form(uscc=VALID), headers={"X-CSRF-Token": token})
    assert '<p id="err-uscc" class="field-error" aria-live="polite"></p>' in r.text


def test_inline_validation_reports_the_schema_and_domain_errors_of_a_field(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    token = page_csrf(zone.client, "/enterprises/new")

    def check(field: str, **over: Any) -> str:
        r = zone.client.post(f"/enterprises/validate?field={field}", data=form(csrf_token=token, **over))
        assert r.status_code == 200
        return r.text.split("</p>", 1)[0]

    assert "must be a number" in check("registered_capital", registered_capital="lots")
    assert "is not an ISO 3166-1 alpha-2 code" in check("investor_countries", investor_countries="KG, XX")
    assert "an English name is required" in check("name_en", name_en="  ")
    assert "at least one sector is required" in check("sectors", sectors=[])
    assert "only Chinese enterprises have a USCC" in check("uscc", country="KZ")
    assert "must be a date" in check("registration_date", registration_date="yesterday")
    # an untouched, empty field is not scolded before submission; a fixed one is cleared out of band
    r = zone.client.post("/enterprises/validate?field=name_en", data=form(csrf_token=token, national_id=""))
    assert 'id="err-national_id"' in r.text and "hx-swap-oob" in r.text


def test_registering_through_the_form_shows_the_enterprise_and_the_api_has_it(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    token = page_csrf(zone.client, "/enterprises/new")
    r = zone.client.post("/enterprises/new", data=form(csrf_token=token), follow_redirects=False)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert re.fullmatch(r"/enterprises/[0-9a-f]{32}", location)
    detail = zone.client.get(location)
    assert detail.status_code == 200
    assert "Kashgar Pamir Trading Co., Ltd." in detail.text and VALID in detail.text
    assert "5,000,000.00" in detail.text and "Kyrgyzstan" in detail.text
    api = zone.client.get(f"/api/v1{location}", headers=zone.headers("officer"))
    assert api.status_code == 200
    got = api.json()
    assert got["uscc"] == VALID and got["area"] == "KASHGAR" and got["sectors"] == ["logistics", "trade"]
    assert got["investor_countries"] == ["KG", "KZ"] and got["registered_capital"] == "5000000.00"
    assert got["credit_grade"] == "general_certified"


def test_a_form_with_errors_comes_back_422_with_every_error_and_the_input_kept(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    token = page_csrf(zone.client, "/enterprises/new")
    bad = form(csrf_token=token, uscc=WRONG_CHECK, area="", sectors=[], capital_currency="", name_zh="")
    r = zone.client.post("/enterprises/new", data=bad, follow_redirects=False)
    assert r.status_code == 422
    html = r.text
    assert "check character should be L" in html
    assert "choose the area of the zone" in html
    assert "at least one sector is required" in html
    assert "registered capital needs its ISO 4217 currency" in html
    assert "a Chinese enterprise needs its Chinese name" in html
    assert 'value="Kashgar Pamir Trading Co., Ltd."' in html and f'value="{WRONG_CHECK}"' in html
    assert 'value="kg, KZ"' in html  # kept as typed
    assert 'value="5,000,000.00"' in html
    assert zone.client.get("/api/v1/enterprises", headers=zone.headers("admin")).json()["total"] == 2


def test_a_duplicate_uscc_is_reported_on_its_field(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    token = page_csrf(zone.client, "/enterprises/new")
    assert zone.client.post("/enterprises/new", data=form(csrf_token=token), follow_redirects=False).status_code == 303
    r = zone.client.post("/enterprises/new", data=form(csrf_token=token), follow_redirects=False)
    assert r.status_code == 422 and "is already registered" in r.text


def test_the_live_search_returns_only_the_rows_to_htmx(zone: Zone) -> None:
    sign_in(zone.client, "analyst")
    full = zone.client.get("/enterprises?q=101")
    assert "<html" in full.text and "Enterprise 101 Co., Ltd." in full.text and "Enterprise 102" not in full.text
    rows = zone.client.get("/enterprises?q=102", headers={"HX-Request": "true"})
    assert rows.status_code == 200 and "<html" not in rows.text and "<nav" not in rows.text
    assert rows.text.lstrip().startswith("<tr")
    assert "Enterprise 102 Co., Ltd." in rows.text and "Enterprise 101" not in rows.text
    assert 'id="result-count" hx-swap-oob="true"' in rows.text and "1 enterprise<" in rows.text
    assert rows.headers["vary"] == "HX-Request"
    filtered = zone.client.get("/enterprises?area=KASHGAR&sector=trade&status=active", headers={"HX-Request": "true"})
    assert "Enterprise 102" in filtered.text and "Enterprise 101" not in filtered.text
    none = zone.client.get("/enterprises?q=nothing-like-this", headers={"HX-Request": "true"})
    assert "No enterprise matches" in none.text
    assert zone.client.get("/enterprises?sector=poetry").status_code == 422


def test_load_more_follows_the_cursor(zone: Zone) -> None:
    for serial in range(200, 230):
        handlers.register_enterprise(
            zone.platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial, "URUMQI"))
        )
    sign_in(zone.client, "admin")
    first = zone.client.get("/enterprises").text
    assert first.count("<tr data-id=") == pages.PAGE_SIZE and "32 enterprises" in first
    more = re.search(r'hx-get="(/enterprises\?cursor=[^"]+)"', first)
    assert more is not None
    rest = zone.client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).text
    assert rest.count("<tr data-id=") == 32 - pages.PAGE_SIZE
    assert "Load more" not in rest and "hx-swap-oob" not in rest
    ids = set(re.findall(r'<tr data-id="([0-9a-f]+)"', first + rest))
    assert len(ids) == 32


def test_sign_out_revokes_the_session(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    cookie = zone.client.cookies[SESSION_COOKIE]
    token = page_csrf(zone.client)
    r = zone.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    zone.client.cookies.set(SESSION_COOKIE, cookie)  # a stolen copy of the cookie no longer works
    assert zone.client.get("/", follow_redirects=False).status_code == 303


def test_zone_users_and_audit_pages(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    zone_page = zone.client.get("/zone").text
    assert "179.66" in zone_page and "KSS-MAIL" in zone_page
    users = zone.client.get("/users").text
    assert "trader_a" in users and "Customs officer" in users
    audit = zone.client.get("/audit").text
    assert "enterprise.registered" in audit and "intact" not in audit
    assert "2025-09-01 14:00" in audit  # recorded at 08:00 UTC, shown in Urumqi time
    assert "is intact" in zone.client.get("/audit?verify=true").text
    sign_in(zone.client, "officer")
    assert zone.client.get("/users").status_code == 403
    assert zone.client.get("/audit").status_code == 403


def test_pages_are_html_with_a_strict_policy_while_the_api_keeps_problem_json(zone: Zone) -> None:
    sign_in(zone.client, "admin")
    page = zone.client.get("/enterprises/does-not-exist")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    api = zone.client.get("/api/v1/enterprises/does-not-exist", headers=zone.headers("admin"))
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_static_assets_are_served_locally(app_client: TestClient) -> None:
    htmx = app_client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:200]
    assert "Zero-Clause BSD" in app_client.get("/static/vendor/htmx-LICENSE").text
    assert app_client.get("/static/silkport.css").status_code == 200
    login = app_client.get("/login").text
    assert "http://" not in login and "https://" not in login  # no CDN, no external fonts
