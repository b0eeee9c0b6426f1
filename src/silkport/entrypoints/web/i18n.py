"""Languages of the web UI: English, Simplified Chinese and Russian (Babel/gettext), chosen per request.

The language of a request is, in this order: the signed-in user's choice (stored on the user), the ``lang``
cookie (set by the switcher, also on the sign-in page), the browser's ``Accept-Language``, else English.
``LocaleMiddleware`` reads the cookie and the header and puts a small mutable box in a context variable for the
whole request; the page dependency that loads the signed-in user (pages._viewer_of) writes the user's choice into
that same box. Everything rendered or formatted during the request (templates, imported macros, filters, messages
written by the page code) reads the box, so one page never mixes two languages.

Messages are marked ``{{ _("...") }}`` in templates and ``_("...")`` in Python; ``make messages`` extracts them
into ``locales/messages.pot`` and merges the ``.po`` catalogs (docs/i18n.md). The catalogs are read with Babel's
``.po`` reader at start: there is no compile step, and an untranslated message shows in English.

Dates and numbers are formatted for the language by Babel; instants are always shown in the zone's time
(Asia/Urumqi). English keeps the ISO-like ``2025-09-01 14:00`` the UI has always shown.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_name
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from silkport.enterprises.domain.users import LOCALES
from silkport.shared.clock import ZONE_TZ, local
from silkport.shared.codes import country_name
from silkport.shared.errors import DomainError, FieldError, ValidationFailed
from silkport.shared.text import Text

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_COOKIE",
    "N_",
    "_",
    "domain_message",
    "error_message",
    "field_message",
    "gettext",
    "ngettext",
    "pN_",
]

DEFAULT_LOCALE = "en"
#: the cookie the language switcher sets (a year; not a secret, readable by nobody but this site)
LOCALE_COOKIE = "lang"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).parent / "locales"
#: each language in its own script, as the switcher shows it
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "中文", "ru": "Русский"}
#: BCP 47 tags for <html lang> and hreflang
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans", "ru": "ru"}
#: Chinese written in traditional characters: not offered (only Simplified Chinese is translated)
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


# --- the catalogs ------------------------------------------------------------------------------------------


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The messages of a language, built in memory from its .po file (English is the source: no catalog)."""
    if locale == DEFAULT_LOCALE or locale not in LOCALES or not catalog_path(locale).exists():
        return NullTranslations()
    buffer = BytesIO()
    write_mo(buffer, read_catalog(locale), use_fuzzy=False)  # empty and fuzzy entries stay out: English shows
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


# --- the language of the current request ----------------------------------------------------------------------


@dataclass(slots=True)
class RequestLanguage:
    """The language of one request and where it came from (user, cookie, header or default)."""

    locale: str = DEFAULT_LOCALE
    source: str = "default"


_current: ContextVar[RequestLanguage | None] = ContextVar("silkport_request_language", default=None)


def current() -> RequestLanguage:
    return _current.get() or RequestLanguage()


def current_locale() -> str:
    return current().locale


@contextmanager
def use_locale(locale: str, source: str = "explicit") -> Iterator[RequestLanguage]:
    """Render or format in ``locale`` for the duration of the block (tests, CLI, e-mails)."""
    box = RequestLanguage(locale if locale in LOCALES else DEFAULT_LOCALE, source)
    token = _current.set(box)
    try:
        yield box
    finally:
        _current.reset(token)


def prefer_user_locale(locale: str | None) -> None:
    """The signed-in user's own choice wins over the cookie and the browser."""
    box = _current.get()
    if box is not None and locale in LOCALES:
        box.locale = locale
        box.source = "user"


def supported(tag: str) -> str | None:
    """The UI language for a BCP 47 / POSIX tag, or None: 'zh-CN' and 'zh-Hans-SG' are Simplified Chinese,
    'ru-RU' Russian, 'en-GB' English; Traditional Chinese ('zh-TW', 'zh-Hant') and anything else are not offered."""
    tag = tag.strip()
    if not tag or tag == "*":
        return None
    if tag in LOCALES:
        return tag
    try:
        parsed = Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        parts = tag.replace("_", "-").lower().split("-")
        language = parts[0]
        extra = set(parts[1:])
    else:
        language = parsed.language
        extra = {(parsed.script or "").lower(), (parsed.territory or "").lower()}
    if language == "zh":
        return None if extra & _TRADITIONAL else "zh_Hans"
    if language in ("en", "ru"):
        return language
    return None


def accept_language(header: str | None) -> str | None:
    """The most preferred supported language of an Accept-Language header (q-values honoured, ties in order)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.strip()))
    for _q, _pos, tag in sorted(ranked):
        locale = supported(tag)
        if locale is not None:
            return locale
    return None


def negotiate(user_locale: str | None, cookie: str | None, header: str | None) -> RequestLanguage:
    """The language of a request: the user's choice, else the cookie, else Accept-Language, else English."""
    if user_locale in LOCALES:
        return RequestLanguage(str(user_locale), "user")
    if cookie in LOCALES:
        return RequestLanguage(str(cookie), "cookie")
    from_header = accept_language(header)
    if from_header is not None:
        return RequestLanguage(from_header, "header")
    return RequestLanguage()


class LocaleMiddleware:
    """Sets the request's language box from the cookie and Accept-Language (the user's choice comes later)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        box = negotiate(None, conn.cookies.get(LOCALE_COOKIE), conn.headers.get("accept-language"))
        token = _current.set(box)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


# --- messages --------------------------------------------------------------------------------------------


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the request's language; ``%(name)s`` placeholders are filled from ``variables``."""
    text = translations(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The singular or plural form for ``n`` in the request's language (Russian has three); ``%(num)s`` is n."""
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def pgettext(context: str, message: str, **variables: Any) -> str:
    """``message`` in the request's language where the same English word means different things ('Freight')."""
    text = translations(current_locale()).pgettext(context, message)
    return text % variables if variables else text


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, a keyword of the extractor
    """Marks a message for extraction where it is defined; it is translated later, where it is shown."""
    return message


def domain_message(template: str, params: Mapping[str, object] | None = None) -> str:
    """A message the domain or a service wrote (its English template and values) in the request's language.

    The template is looked up in the catalog (``make messages`` extracts the domain's ``N_``/``field_error``
    templates); numbers among the values are written with the language's separators, text and codes as they are.
    A template the catalog does not know shows in English. A translation that does not format (a broken
    placeholder) falls back to the English text rather than failing the page."""
    text = translations(current_locale()).gettext(template)
    if not params:
        return text
    values = {name: _param(value) for name, value in params.items()}
    for candidate, given in ((text, values), (template, dict(params))):
        try:
            return candidate % given
        except (KeyError, TypeError, ValueError):
            continue
    return template


def _param(value: object) -> object:
    if value is None:
        return "–"  # a figure that is not there (a page shows a dash where the English text says None)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return number(value)


def field_message(error: FieldError) -> str:
    """A field error's message in the request's language (its template translated; else its text, translated if
    the catalog happens to know it, else as the domain wrote it)."""
    if error.template is not None:
        return domain_message(error.template, error.params)
    return translations(current_locale()).gettext(error.message)


def pN_(context: str, message: str) -> str:  # noqa: N802 - a keyword of the extractor, like N_
    """Marks a message with a context (translated later with :func:`pgettext`); returns the message."""
    del context
    return message


def error_message(error: DomainError) -> str:
    """A domain error's detail in the request's language: a validation failure's field messages, an error made
    from a template translated, else as the domain wrote it (translated if the catalog happens to know it)."""
    if isinstance(error, ValidationFailed):
        return "; ".join(field_message(e) for e in error.errors)
    if error.template is not None:
        return domain_message(error.template, error.params)
    return translations(current_locale()).gettext(error.detail)


def _plain_gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _plain_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _plain_pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def _plain_npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).npgettext(context, singular, plural, n)


# --- formatting for the language -------------------------------------------------------------------------


def _instant(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def zone_time(value: datetime | str | None) -> str:
    """An instant in zone time (Asia/Urumqi) for the language: '2025-09-01 14:00', '2025/9/1 14:00',
    '01.09.2025, 14:00'."""
    if value is None or value == "":
        return ""
    instant = local(_instant(value))
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return instant.strftime("%Y-%m-%d %H:%M")
    return format_datetime(instant, "short", tzinfo=ZONE_TZ, locale=locale)


def zone_date(value: datetime | str | None) -> str:
    """The zone-time day of an instant: '2025-09-01', '2025年9月1日', '1 сент. 2025 г.'."""  # noqa: RUF002
    if value is None or value == "":
        return ""
    return day(local(_instant(value)).date())


def zone_clock(value: datetime | str | None) -> str:
    """The zone-time hour and minute of an instant: '14:00'."""
    if value is None or value == "":
        return ""
    instant = local(_instant(value))
    return format_time(instant, "HH:mm", tzinfo=ZONE_TZ, locale=current_locale())


def day(value: date | str | None) -> str:
    """A calendar date for the language: ISO in English, the medium form in Chinese and Russian."""
    if value is None or value == "":
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(when, datetime):
        when = when.date()
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return when.isoformat()
    return format_date(when, "medium", locale=locale)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number(value: Any, digits: int | None = None) -> str:
    """A number with the language's separators: '1,234.5', '1 234,5'; ``digits`` fixes the decimals."""
    d = _decimal(value)
    if d is None:
        return "" if value is None or value == "" else str(value)
    pattern = "#,##0" + ("." + "0" * digits if digits else "") if digits is not None else None
    if pattern is None:
        return format_decimal(d, locale=current_locale(), decimal_quantization=False)
    return format_decimal(d, format=pattern, locale=current_locale())


def money(value: Any, currency: str | None = None) -> str:
    """An amount with two decimals ('1,234.50', '1 234,50'), followed by its ISO 4217 code when given."""
    d = _decimal(value)
    if d is None:
        return ""
    if currency:
        return format_currency(d, currency, format="#,##0.00\u00a0¤¤", locale=current_locale(), currency_digits=False)
    return format_decimal(d, format="#,##0.00", locale=current_locale())


def figure(value: Any) -> str:
    """A dashboard figure: whole numbers without decimals, others with two; an en dash when there is none."""
    d = _decimal(value)
    if d is None:
        return "–"
    if d == d.to_integral_value():
        return format_decimal(d, format="#,##0", locale=current_locale())
    return format_decimal(d, format="#,##0.00", locale=current_locale())


def percent(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A value already in percent (40.5) as the language writes it: '40.5%', '40,5 %'; '+12.3%' when signed."""
    d = _decimal(value)
    if d is None:
        return ""
    quantum = Decimal(1).scaleb(-digits)
    ratio = (d.quantize(quantum) / 100).quantize(quantum.scaleb(-2))
    text = format_percent(ratio, locale=current_locale(), decimal_quantization=False)
    if signed and d > 0:
        text = "+" + text
    return text


def duration(minutes: float | None) -> str:
    """Minutes in a few words: '35 min', '2 h 05 min', '3 d 4 h' (and the same in Chinese and Russian)."""
    if minutes is None:
        return ""
    total = max(0, round(minutes))
    if total < 60:
        return gettext("%(minutes)s min", minutes=total)
    hours, mins = divmod(total, 60)
    if hours < 24:
        return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=str(mins).zfill(2))
    days, hours = divmod(hours, 24)
    return gettext("%(days)s d %(hours)s h", days=days, hours=hours)


def country(code: str | None) -> str:
    """A country's name in the request's language (CLDR via Babel; ISO 3166 / pycountry in English)."""
    if not code:
        return ""
    locale = current_locale()
    if locale != DEFAULT_LOCALE:
        name = Locale.parse(locale).territories.get(code.upper())
        if name:
            return str(name)
    return country_name(code) or code


def currency(code: str, english: str | None = None) -> str:
    """An ISO 4217 currency's name in the request's language (CLDR via Babel; ``english`` or the code in English)."""
    locale = current_locale()
    if locale != DEFAULT_LOCALE:
        try:
            name = get_currency_name(code.upper(), locale=locale)
        except (ValueError, UnknownLocaleError):
            name = ""
        if name and name.upper() != code.upper():
            return str(name)
    return english or code


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday(code: str) -> str:
    """A day of the week ('mon'..'sun') abbreviated for the language: 'Mon', '周一', 'пн'."""
    locale = current_locale()
    if locale == DEFAULT_LOCALE or code not in _WEEKDAYS:
        return code.capitalize()
    return str(get_day_names("abbreviated", locale=locale)[_WEEKDAYS.index(code)])


def label(value: str) -> str:
    """An enum value as a translated label: 'under_inspection' -> 'Under inspection' -> '查验中'."""
    return gettext(str(value).replace("_", " ").capitalize())


def in_sentence(label_text: str) -> str:
    """A translated label inside a sentence: lower-case in English ('a trader may not ...'), as is in Chinese and
    Russian (abbreviations such as «Участник ВЭД» keep their capitals)."""
    text = gettext(label_text)
    return text.lower() if current_locale() == DEFAULT_LOCALE else text


def translate(value: str | None) -> str:
    """A message chosen at run time (a role's label, a flash message marked with N_) in the request's language;
    a :class:`~silkport.shared.text.Text` (English that keeps its template and values) is translated from its
    template, its numbers written for the language."""
    if not value:
        return ""
    if isinstance(value, Text):
        return domain_message(value.template, value.params)
    return gettext(value)


def language_choices() -> list[dict[str, Any]]:
    """The switcher's buttons: each language in its own script, the current one marked."""
    locale = current_locale()
    return [
        {"code": code, "name": LANGUAGE_NAMES[code], "lang": HTML_LANG[code], "current": code == locale}
        for code in LOCALES
    ]


def template_context() -> dict[str, Any]:
    """What every page gets: its language, the translation functions and the switcher's choices."""
    locale = current_locale()
    env_globals = _installed_globals
    return {
        "locale": locale,
        "html_lang": HTML_LANG.get(locale, "en"),
        "languages": language_choices(),
        "language_names": LANGUAGE_NAMES,
        "_": env_globals.get("_", _plain_gettext),
        "gettext": env_globals.get("gettext", _plain_gettext),
        "ngettext": env_globals.get("ngettext", _plain_ngettext),
    }


_installed_globals: dict[str, Any] = {}


def install(env: Environment) -> None:
    """Translations and locale filters for a Jinja environment (pages.templates.env)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _plain_gettext, _plain_ngettext, newstyle=True, pgettext=_plain_pgettext, npgettext=_plain_npgettext
    )
    for name in ("_", "gettext", "ngettext"):
        _installed_globals[name] = env.globals[name]
    filters: dict[str, Callable[..., str]] = {
        "zone_time": zone_time,
        "zone_date": zone_date,
        "zone_clock": zone_clock,
        "day": day,
        "number": number,
        "money": money,
        "figure": figure,
        "percent": percent,
        "duration": duration,
        "label": label,
        "country": country,
        "t": translate,
    }
    # a context filter is never evaluated at compile time: a constant ('{{ 179.66|number }}') would otherwise be
    # folded into the compiled template in the language of its first render
    env.filters.update({name: _per_request(f) for name, f in filters.items()})
    for locale in LOCALES:
        translations(locale)  # read the catalogs at start: a broken .po fails the start, not a page


def _per_request(f: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def filter_(_context: Any, *args: Any, **kwargs: Any) -> str:
        return f(*args, **kwargs)

    filter_.__name__ = f.__name__
    filter_.__doc__ = f.__doc__
    return filter_


#: area codes shown with |label, and other words only known at run time
_RUNTIME_WORDS = (
    N_("Urumqi"),
    N_("Horgos"),
    N_("Kashgar"),
    N_("Urumqi Area"),
    N_("Horgos Area"),
    N_("Kashgar Area"),
    N_("China (Xinjiang) Pilot Free Trade Zone"),
    # the legal desk's fee kinds, linked-record kinds and timeline actions, shown with |label
    N_("Filing fee"),
    N_("Neutral fee"),
    N_("Desk fee"),
    N_("Counsel fee"),
    N_("Expense"),
    N_("Contract"),
    N_("Bonded movement"),
    N_("Opened"),
    N_("Status changed"),
    N_("Deadline extended"),
    N_("Document uploaded"),
    N_("Enforcement filed"),
    N_("Enforcement updated"),
    N_("Fee recorded"),
    N_("Outcome recorded"),
    N_("Reminded"),
)


def runtime_messages() -> list[str]:
    """Messages chosen at run time: the labels of the enums the pages show (|label, role and grade labels) and
    a few words like the areas' names. ``make messages`` adds them to the template; a test checks they are all
    translated. Enum values stay as stored; only their labels are translated."""
    from silkport.clearance.domain import model as clearance
    from silkport.disputes.domain import model as disputes
    from silkport.enterprises.domain.model import CreditGrade, EnterpriseStatus, Sector
    from silkport.shared.actor import Role
    from silkport.zone.domain.model import Mode, PortKind

    messages: list[str] = list(_RUNTIME_WORDS)
    from silkport.entrypoints.web.reasons import rule_kind_labels

    messages += [role.label for role in Role]
    messages += list(rule_kind_labels())
    # the dashboard's clearance stages and the lane of a declaration that had none (|label)
    from silkport.analytics.readmodel import STAGE_NAMES

    messages += [name.replace("_", " ").capitalize() for name in (*STAGE_NAMES, "none")]
    messages += [grade.label for grade in CreditGrade]
    enums: tuple[Any, ...] = (
        Sector,
        EnterpriseStatus,
        Mode,
        PortKind,
        clearance.DeclarationType,
        clearance.TransportMode,
        clearance.Status,
        clearance.Lane,
        clearance.Stage,
        clearance.Settlement,
        clearance.Finding,
        disputes.CaseType,
        disputes.Status,
        disputes.PartyRole,
        disputes.OutcomeKind,
        disputes.NeutralRole,
        disputes.Intake,
    )
    for enum in enums:
        messages += [str(member.value).replace("_", " ").capitalize() for member in enum]
    return list(dict.fromkeys(messages))
