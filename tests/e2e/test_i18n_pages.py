"""The pages in English, Simplified Chinese and Russian: chosen per user, per cookie or by the browser."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.entrypoints.web.i18n import LOCALE_COOKIE
from silkport.infra.audit import AuditEntryRow
from silkport.shared.actor import SYSTEM
from tests.conftest import PASSWORD, Zone, make_details
from tests.e2e.test_declaration_pages import file_by_form, no_random
from tests.e2e.test_dispute_pages import form as dispute_form
from tests.e2e.test_disputes_api import desk
from tests.factories import vehicles

__all__ = ["desk", "no_random"]  # the fixtures, imported so pytest finds them here

NBSP = "\u00a0"


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text


def csrf(client: TestClient, path: str = "/") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', r.text)
    assert found
    return found.group(1)


def choose(client: TestClient, locale: str, token: str | None, next_path: str = "/") -> httpx.Response:
    data = {"locale": locale, "next": next_path}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/preferences/language", data=data, follow_redirects=False)


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found
    return found.group(1)


def stored_locale(platform: Platform, username: str) -> str | None:
    uow = platform.enterprises_uow()
    with uow:
        user = uow.users.by_username(username)
        assert user is not None
        return user.locale


def test_english_is_the_default(zone: Zone) -> None:
    page = zone.client.get("/login").text
    assert html_lang(page) == "en"
    assert "<h1>Sign in</h1>" in page
    assert 'aria-pressed="true">English</button>' in page


def test_the_browser_language_picks_the_sign_in_page_language(zone: Zone) -> None:
    zh = zone.client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert html_lang(zh) == "zh-Hans"
    assert "<h1>登录</h1>" in zh and "用户名" in zh and "密码" in zh
    assert "中国（新疆）自由贸易试验区" in zh
    assert "179.66 平方千米" in zh
    ru = zone.client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert html_lang(ru) == "ru"
    assert "<h1>Вход</h1>" in ru and "Пароль" in ru
    assert "179,66 км²" in ru  # the decimal comma
    traditional = zone.client.get("/login", headers={"Accept-Language": "zh-TW"}).text
    assert html_lang(traditional) == "en"


def test_the_switcher_on_the_sign_in_page_sets_only_the_cookie(zone: Zone) -> None:
    client = zone.client
    client.cookies.clear()
    r = choose(client, "ru", None, "/login?next=/zone")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/zone"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{LOCALE_COOKIE}=ru;") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get("/login").text
    assert html_lang(page) == "ru" and "<h1>Вход</h1>" in page
    # the cookie beats the browser's header
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).text
    assert html_lang(page) == "ru"
    # signing in afterwards keeps the cookie's language; nothing was stored on the user
    sign_in(client, "trader_a")
    client.cookies.set(LOCALE_COOKIE, "ru")
    assert html_lang(client.get("/").text) == "ru"
    assert stored_locale(zone.platform, "trader_a") is None


def test_a_foreign_site_may_not_switch_a_visitors_language(zone: Zone) -> None:
    zone.client.cookies.clear()
    r = zone.client.post(
        "/preferences/language",
        data={"locale": "ru", "next": "/"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "set-cookie" not in r.headers


def test_a_signed_in_user_switches_and_the_choice_is_stored_on_the_user(zone: Zone) -> None:
    client, platform = zone.client, zone.platform
    sign_in(client, "trader_a")
    r = choose(client, "zh_Hans", csrf(client), "/enterprises/" + zone.enterprise_a)
    assert r.status_code == 303 and r.headers["location"] == "/enterprises/" + zone.enterprise_a
    assert f"{LOCALE_COOKIE}=zh_Hans" in r.headers["set-cookie"]
    assert stored_locale(platform, "trader_a") == "zh_Hans"
    r = client.get("/")
    assert r.headers["content-language"] == "zh-Hans"
    page = r.text
    assert html_lang(page) == "zh-Hans"
    assert "<h1>首页</h1>" in page  # the dashboard's heading
    assert ">报关单</a>" in page and ">我的企业</a>" in page  # the navigation
    assert "贸易企业" in page  # the role's label in the top bar
    assert "2025/9/1 14:00" in page  # the fixed clock's 08:00 UTC in Urumqi time, written the Chinese way
    assert 'aria-pressed="true">中文</button>' in page
    # the change is in the audit log, with the value before and after
    with platform.session_factory() as s:
        entry = s.scalars(select(AuditEntryRow).where(AuditEntryRow.action == "user.locale_changed")).one()
    assert entry.object_type == "user"
    # then to Russian
    r = choose(client, "ru", csrf(client))
    assert r.status_code == 303
    page = client.get("/").text
    assert html_lang(page) == "ru" and "<h1>Главная</h1>" in page and ">Декларации</a>" in page
    assert "01.09.2025, 14:00" in page
    assert stored_locale(platform, "trader_a") == "ru"


def test_the_choice_follows_the_user_to_another_browser_and_beats_cookie_and_header(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "analyst")
    assert choose(client, "ru", csrf(client)).status_code == 303
    # a fresh browser: no language cookie, a Chinese Accept-Language; the user's choice still wins
    sign_in(client, "analyst")
    client.cookies.set(LOCALE_COOKIE, "zh_Hans")
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).text
    assert html_lang(page) == "ru" and "Аналитик" in page
    # another user is not affected
    sign_in(client, "admin")
    page = client.get("/").text
    assert html_lang(page) == "en" and "<h1>Dashboard</h1>" in page


def test_an_unknown_language_is_a_422_and_changes_nothing(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "trader_a")
    r = choose(client, "klingon", csrf(client))
    assert r.status_code == 422
    assert "set-cookie" not in r.headers
    assert "is not a language of the web UI (en, zh_Hans, ru)" in r.text
    assert stored_locale(zone.platform, "trader_a") is None


def test_without_the_csrf_token_a_signed_in_switch_is_refused(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "trader_a")
    r = choose(client, "ru", None)
    assert r.status_code == 403
    assert "set-cookie" not in r.headers
    assert stored_locale(zone.platform, "trader_a") is None


def test_the_next_address_stays_on_this_site(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "trader_a")
    r = choose(client, "ru", csrf(client), "https://evil.example/")
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_pages_render_in_russian_with_plurals_labels_and_numbers(zone: Zone) -> None:
    platform, client = zone.platform, zone.client
    handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(7, "URUMQI"))
    )
    sign_in(client, "admin")
    choose(client, "ru", csrf(client))
    listing = client.get("/enterprises").text
    assert "<h1>Предприятия</h1>" in listing
    assert "3 предприятия" in listing  # the 'few' form of the Russian plural
    assert "<td>Хоргос</td>" in listing  # the area code's label
    assert "Торговля" in listing  # the sector enum's label; the stored value stays 'trade'
    zone_page = client.get("/zone").text
    assert "Район Урумчи" in zone_page and "179,66" in zone_page
    assert "Открыт</span>" in zone_page  # a port's state, not the verb 'open'
    users = client.get("/users").text
    assert "Старший таможенный инспектор" in users and "Участник ВЭД" in users
    assert "Русский" in users  # the admin's chosen language in the users table


def test_pages_render_in_chinese_with_customs_vocabulary(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "officer")
    choose(client, "zh_Hans", csrf(client))
    workbench = client.get("/workbench").text
    assert "<h1>工作台</h1>" in workbench and "待办队列" in workbench
    declarations = client.get("/declarations").text
    assert "<h1>报关单</h1>" in declarations
    for lane in ("绿色通道", "黄色通道", "红色通道"):
        assert lane in declarations  # the lane filter's options
    assert "查验" in declarations and "已放行" in declarations  # statuses: inspection, released
    missing = client.get("/declarations/no-such-declaration")
    assert missing.status_code == 404
    assert "页面不存在" in missing.text or "返回首页" in missing.text  # the error page is translated too


def test_english_pages_are_unchanged(zone: Zone) -> None:
    """English stays exactly as it was written: the existing tests assert on it."""
    sign_in(zone.client, "admin")
    page = zone.client.get("/").text
    assert "<h1>Dashboard</h1>" in page and "2025-09-01 14:00" in page and "179.66" in page
    assert ">Enterprises</a>" in page and "Zone &amp; ports" in page


def test_a_declaration_in_both_languages_with_lanes_stages_and_amounts(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-7"))
    choose(z.client, "ru", csrf(z.client))
    ru = z.client.get(f"/declarations/{did}").text
    assert 'data-testid="declaration-title">Декларация: Импорт' in ru
    assert "Жёлтый коридор" in ru and "Проверка документов" in ru  # the lane and the stage/status
    assert "Этапы исследования времени выпуска ВТамО" in ru
    assert "1 сент. 2025\u202fг." in ru  # a stage's day, in zone time (CLDR puts a narrow no-break space)
    assert "Грузоотправитель" in ru and "Таможенная стоимость" in ru and "НДС" in ru
    assert f"100{NBSP}000,00" in ru  # the invoice amount: grouping by a no-break space, a decimal comma
    sign_in(z.client, "officer")
    choose(z.client, "zh_Hans", csrf(z.client))
    zh = z.client.get(f"/declarations/{did}").text
    assert "进口报关单" in zh and "黄色通道" in zh and "单证审核" in zh
    assert "认领" in zh and "转查验" in zh and "通过" in zh  # the officer's actions
    assert "2025年9月1日" in zh and "100,000.00" in zh
    queue = z.client.get("/workbench").text
    assert "1 份待处理" in queue and "进口 · 1 项" in queue


def test_every_page_renders_in_every_language(desk: Zone) -> None:
    """Each page of the UI, in each language: a 200 with the right <html lang>, never a template error."""
    z = desk
    sign_in(z.client, "legal")
    token = csrf(z.client, "/disputes/new")
    r = z.client.post("/disputes/new", data={**dispute_form(), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    case_page = r.headers["location"]
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-9"))
    pages_of = {
        "admin": ["/", "/enterprises", "/enterprises/new", f"/enterprises/{z.enterprise_a}", "/zone", "/users",
                  "/audit?verify=true", "/declarations", "/declarations/new", f"/declarations/{did}",
                  "/dashboard", "/enterprises/no-such-enterprise"],
        "supervisor": ["/workbench"],
        "legal": ["/disputes", "/disputes/new", case_page],
    }  # fmt: skip
    for who, paths in pages_of.items():
        sign_in(z.client, who)
        for locale, lang in (("zh_Hans", "zh-Hans"), ("ru", "ru"), ("en", "en")):
            assert choose(z.client, locale, csrf(z.client)).status_code == 303
            for path in paths:
                r = z.client.get(path)
                assert r.status_code == (404 if "no-such" in path else 200), (who, locale, path, r.text[:500])
                assert html_lang(r.text) == lang, (who, locale, path)


CHOICES = st.sampled_from(["en", "zh_Hans", "ru", " ru ", "zh-Hans", "zh", "RU", "de", "", "en_GB", "<b>", "ru\n"])


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CHOICES, min_size=1, max_size=6))
def test_the_stored_language_is_always_the_last_valid_choice(zone: Zone, choices: list[str]) -> None:
    """Any sequence of switches: a known language is stored (303), anything else is a 422 that changes nothing."""
    client = zone.client
    sign_in(client, "trader_b")
    expected = stored_locale(zone.platform, "trader_b")
    for value in choices:
        r = choose(client, value, csrf(client))
        if value.strip() in ("en", "zh_Hans", "ru"):
            assert r.status_code == 303
            expected = value.strip()
        else:
            assert r.status_code == 422 and "set-cookie" not in r.headers
        assert stored_locale(zone.platform, "trader_b") == expected
        assert html_lang(client.get("/").text) == {"en": "en", "zh_Hans": "zh-Hans", "ru": "ru", None: "en"}[expected]


def test_values_inside_translated_sentences_are_escaped(zone: Zone) -> None:
    client = zone.client
    sign_in(client, "admin")
    choose(client, "ru", csrf(client))
    page = client.get("/enterprises", params={"q": "<script>alert(1)</script>"}).text
    assert "Нет предприятий, соответствующих «&lt;script&gt;alert(1)&lt;/script&gt;»." in page
    assert "<script>alert(1)" not in page
