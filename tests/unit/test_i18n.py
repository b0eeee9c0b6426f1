"""The web UI's languages: the catalogs, how a request's language is chosen, and locale formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po
from babel.numbers import parse_decimal
from hypothesis import given
from hypothesis import strategies as st

from silkport.enterprises.domain.users import LOCALES, User
from silkport.entrypoints.web import i18n
from silkport.shared.actor import Role
from silkport.shared.errors import ValidationFailed

TRANSLATED = [locale for locale in LOCALES if locale != i18n.DEFAULT_LOCALE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")


# --- the catalogs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_catalog_is_valid_and_translates_every_message_it_holds(locale: str) -> None:
    path = i18n.catalog_path(locale)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=i18n.DOMAIN, abort_invalid=True)
    assert not catalog.obsolete, f"{path} keeps obsolete entries: run make messages"
    messages = [m for m in catalog if m.id]
    assert len(messages) > 300
    plurals = catalog.num_plurals
    for m in messages:
        assert not m.fuzzy, f"{locale}: fuzzy entry {m.id!r}"
        if isinstance(m.id, tuple):
            assert isinstance(m.string, tuple) and len(m.string) == plurals, m.id
            assert all(m.string), f"{locale}: untranslated plural {m.id[0]!r}"
            wanted = set(PLACEHOLDER.findall(m.id[1])) - {"%(num)s"}
            for form in m.string:
                assert wanted <= set(PLACEHOLDER.findall(form)), (m.id, form)
        else:
            assert m.string, f"{locale}: untranslated {m.id!r}"
            assert set(PLACEHOLDER.findall(m.id)) == set(PLACEHOLDER.findall(m.string)), (m.id, m.string)
    # Babel's own checker: python-format placeholders agree, plural forms are complete
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


def test_the_catalogs_hold_the_same_messages() -> None:
    ids = []
    for locale in TRANSLATED:
        catalog = i18n.read_catalog(locale)
        ids.append({(m.context, m.id) for m in catalog if m.id})
    assert ids[0] == ids[1]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_label_chosen_at_run_time_is_translated(locale: str) -> None:
    """Enum values stay as stored; their labels (|label, roles, credit grades, areas) are in the catalogs."""
    catalog = i18n.read_catalog(locale)
    for message in i18n.runtime_messages():
        entry = catalog.get(message)
        assert entry is not None and entry.string, f"{locale}: no translation of the label {message!r}"


def test_translations_come_from_the_catalogs_with_customs_vocabulary() -> None:
    with i18n.use_locale("zh_Hans"):
        assert i18n.gettext("Declarations") == "报关单"
        assert i18n.label("green") == "绿色通道"
        assert i18n.label("inspection") == "查验"
        assert i18n.gettext("Release") == "放行"
        assert i18n.pgettext("navigation", "Freight") == "货运"
        assert i18n.gettext("Freight") == "运费"  # the invoice's freight cost: another word
    with i18n.use_locale("ru"):
        assert i18n.gettext("Declarations") == "Декларации"
        assert i18n.label("red") == "Красный коридор"
        assert i18n.label("inspection") == "Досмотр"
        assert i18n.gettext("Release") == "Выпуск"
    with i18n.use_locale("en"):
        assert i18n.gettext("Declarations") == "Declarations"
        assert i18n.label("under_way") == "Under way"  # no catalog for English: the message as written


def test_russian_plurals_take_three_forms() -> None:
    one, few, many = "%(num)s enterprise", "%(num)s enterprises", "%(num)s enterprises"
    with i18n.use_locale("ru"):
        assert i18n.ngettext(one, few, 1) == "1 предприятие"
        assert i18n.ngettext(one, few, 3) == "3 предприятия"
        assert i18n.ngettext(one, many, 11) == "11 предприятий"
        assert i18n.ngettext(one, few, 21) == "21 предприятие"
    with i18n.use_locale("zh_Hans"):
        assert i18n.ngettext(one, few, 5) == "5 家企业"
    assert i18n.ngettext(one, few, 1) == "1 enterprise"
    assert i18n.ngettext(one, few, 2) == "2 enterprises"


def test_an_untranslated_message_shows_in_english() -> None:
    with i18n.use_locale("ru"):
        assert i18n.gettext("A sentence no template has") == "A sentence no template has"


# --- the language of a request ------------------------------------------------------------------------------


def test_the_user_choice_wins_then_the_cookie_then_the_browser_then_english() -> None:
    assert i18n.negotiate("ru", "zh_Hans", "zh-CN") == i18n.RequestLanguage("ru", "user")
    assert i18n.negotiate(None, "zh_Hans", "ru-RU") == i18n.RequestLanguage("zh_Hans", "cookie")
    assert i18n.negotiate(None, None, "ru-RU,ru;q=0.9") == i18n.RequestLanguage("ru", "header")
    assert i18n.negotiate(None, None, "de-DE,fr;q=0.5") == i18n.RequestLanguage("en", "default")
    assert i18n.negotiate(None, None, None) == i18n.RequestLanguage("en", "default")
    # a stale or forged value is ignored, never trusted
    assert i18n.negotiate("xx", "../../etc", "ru") == i18n.RequestLanguage("ru", "header")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh-Hans-SG", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-TW,zh-Hant;q=0.9,en;q=0.5", "en"),  # Traditional Chinese is not offered: the next choice
        ("zh-HK", None),
        ("en-GB,en;q=0.9", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("en;q=0.4,ru;q=0.8", "ru"),
        ("ru;q=0,en", "en"),  # q=0: not acceptable
        ("*", None),
        ("", None),
        ("kk-KZ,ru;q=0.7", "ru"),
    ],
)
def test_accept_language_picks_the_most_preferred_supported_language(header: str, expected: str | None) -> None:
    assert i18n.accept_language(header) == expected


TAGS = st.sampled_from(["en", "en-US", "ru", "ru-RU", "zh", "zh-CN", "zh-TW", "zh-Hant", "de", "kk", "fr-CA", "*"])


@given(st.lists(st.tuples(TAGS, st.integers(0, 1000)), max_size=8))
def test_accept_language_honours_quality_values(choices: list[tuple[str, int]]) -> None:
    header = ", ".join(f"{tag};q={q / 1000:.3f}" for tag, q in choices)
    picked = i18n.accept_language(header)
    candidates = [(q, -n, i18n.supported(tag)) for n, (tag, q) in enumerate(choices) if q > 0]
    supported = [c for c in candidates if c[2] is not None]
    if not supported:
        assert picked is None
    else:
        assert picked == max(supported)[2]


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_supported_language_or_none(header: str) -> None:
    assert i18n.accept_language(header) in (*LOCALES, None)


def test_a_user_chooses_only_a_language_of_the_ui() -> None:
    user = User(id="u1", username="aygul", role=Role.TRADER, password_hash="x", display_name="Aygul")
    user.choose_locale("zh_Hans")
    assert user.locale == "zh_Hans"
    with pytest.raises(ValidationFailed) as failed:
        user.choose_locale("zh_TW")
    assert failed.value.errors[0].field == "locale"
    assert user.locale == "zh_Hans"  # unchanged


# --- formatting for the language ----------------------------------------------------------------------------

NBSP = "\u00a0"


def test_numbers_money_and_percentages_per_locale() -> None:
    with i18n.use_locale("en"):
        assert i18n.number(Decimal("1234567.5")) == "1,234,567.5"
        assert i18n.money(Decimal("1234.5")) == "1,234.50"
        assert i18n.money(Decimal("1234.5"), "CNY") == f"1,234.50{NBSP}CNY"
        assert i18n.percent(Decimal("40.04")) == "40%"  # 40.0% with trailing zeros dropped
        assert i18n.percent(Decimal("12.34"), signed=True) == "+12.3%"
        assert i18n.figure(Decimal("68100")) == "68,100"
        assert i18n.figure(None) == "–"
    with i18n.use_locale("ru"):
        assert i18n.number(Decimal("1234567.5")) == f"1{NBSP}234{NBSP}567,5"
        assert i18n.money(Decimal("1234.5"), "USD") == f"1{NBSP}234,50{NBSP}USD"
        assert i18n.percent(Decimal("40.5")) == f"40,5{NBSP}%"
        assert i18n.figure(Decimal("3.5")) == "3,50"
    with i18n.use_locale("zh_Hans"):
        assert i18n.number(Decimal("1234567.5")) == "1,234,567.5"
        assert i18n.percent(Decimal("40.5")) == "40.5%"


def test_instants_show_in_zone_time_in_each_language() -> None:
    instant = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)  # 14:00 in Urumqi (UTC+6)
    with i18n.use_locale("en"):
        assert i18n.zone_time(instant) == "2025-09-01 14:00"
        assert i18n.day(date(2025, 9, 1)) == "2025-09-01"
    with i18n.use_locale("zh_Hans"):
        assert i18n.zone_time(instant) == "2025/9/1 14:00"
        assert i18n.zone_date(instant) == "2025年9月1日"
    with i18n.use_locale("ru"):
        assert i18n.zone_time(instant) == "01.09.2025, 14:00"
        assert i18n.zone_clock(instant.isoformat()) == "14:00"
    late = datetime(2025, 9, 1, 20, 30, tzinfo=UTC)  # already the next day in Urumqi
    with i18n.use_locale("ru"):
        assert i18n.zone_time(late) == "02.09.2025, 02:30"


def test_durations_and_weekdays_and_countries_are_translated() -> None:
    with i18n.use_locale("zh_Hans"):
        assert i18n.duration(125) == "2 小时 05 分"
        assert i18n.weekday("mon") == "周一"
        assert i18n.country("KZ") == "哈萨克斯坦"
    with i18n.use_locale("ru"):
        assert i18n.duration(35) == "35 мин"
        assert i18n.duration(60 * 27) == "1 дн. 3 ч"
        assert i18n.country("KG") == "Киргизия"
    assert i18n.duration(125) == "2 h 05 min"
    assert i18n.country("KZ") == "Kazakhstan"


AMOUNTS = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False)


@given(AMOUNTS, st.sampled_from(LOCALES))
def test_money_round_trips_through_the_locale_parser(amount: Decimal, locale: str) -> None:
    """What a page shows is the exact amount: parsed back in the same locale it is the same Decimal."""
    with i18n.use_locale(locale):
        shown = i18n.money(amount)
    assert parse_decimal(shown, locale=locale, strict=True) == amount


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(LOCALES))
def test_whole_figures_round_trip_too(value: int, locale: str) -> None:
    with i18n.use_locale(locale):
        shown = i18n.figure(value)
    assert parse_decimal(shown, locale=locale) == value


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_translation_formats_with_its_messages_values(locale: str) -> None:
    """A stray '%' or a misspelt placeholder in a translation would break the page at render time."""
    for m in i18n.read_catalog(locale):
        if not m.id:
            continue
        source = m.id[1] if isinstance(m.id, tuple) else m.id
        values = dict.fromkeys(re.findall(r"%\((\w+)\)[sdr]", source), "x") | {"num": 2}
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            if "%" in source or "%" in text:
                text % values  # raises on a lone '%' or an unknown name
