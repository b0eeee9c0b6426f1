"""Messages the domain writes in English, shown on the pages in Chinese and Russian: field errors with their
templates, risk reasons (the rulebook's translations and the texts clearance writes itself), and the rulebook's
format for translated reasons."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.adapters.rulebook_file import SHIPPED, dump_rulebook, load_rulebook_text, load_shipped
from silkport.clearance.domain.model import BondedExitKind, Container, DeclarationType, Lane, Party
from silkport.clearance.domain.recognition import Recognition, apply_recognition
from silkport.clearance.domain.rules import MassInconsistencyParams, Rule, Rulebook, RuleKind, assess
from silkport.clearance.domain.rules.engine import apply_budget
from silkport.clearance.domain.validation import ClearanceReference, validate
from silkport.entrypoints.web import i18n, reasons
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.text import N_, field_error, render
from tests.unit.test_risk_engine import book, content, ctx, item, trader

D = Decimal
TRANSLATED = ("zh_Hans", "ru")
LATIN_WORD = re.compile(r"\b[a-z]{4,}\b")  # an English word (codes are upper-case or digits)


def reference(known_hs: frozenset[str] = frozenset({"610910", "870323"})) -> ClearanceReference:
    return ClearanceReference(
        hs_exists=known_hs.__contains__,
        office_codes=frozenset({"CNHRG"}),
        units=frozenset({"H87", "KGM"}),
        controlled_hs=("3002",),
    )


# --- field errors ---------------------------------------------------------------------------------------------


def test_a_field_error_keeps_its_english_text_and_its_template() -> None:
    e = field_error("items[0].hs_code", "%(code)s does not exist in HS 2022", code="847135")
    assert e.message == "847135 does not exist in HS 2022"
    assert e.template == "%(code)s does not exist in HS 2022" and e.params == {"code": "847135"}
    # backwards compatible: the same field and text are the same error, whatever else it carries
    assert e == FieldError("items[0].hs_code", "847135 does not exist in HS 2022")
    assert hash(e) == hash(FieldError("items[0].hs_code", "847135 does not exist in HS 2022"))
    assert str(ValidationFailed(e)) == "items[0].hs_code: 847135 does not exist in HS 2022"
    assert N_("is required") == "is required" and render("a %(x)r", {"x": "b"}) == "a 'b'"


def bad_declarations() -> list[Any]:
    """Declarations that break every rule of validation at least once."""
    bad_item = item("847135", net="120", gross="110", unit="X?", quantity="0", origin="XX", description=" ")
    exit_ = DeclarationType.BONDED_EXIT
    return [
        content(
            bad_item,
            item("30021000", value="-1"),
            item("12"),
            office_code="CNXXX",
            transport_id=" ",
            consignor=Party(" ", "ZZ"),
            dispatch_country="ZZ",
            loading_locode="??",
            invoice_currency="XXX",
            invoice_amount=D("5"),
            freight=D(-1),
            exchange_rate=D(0),
            documents=(),
            containers=(Container("MSCU1234567"), Container("nonsense")),
        ),
        content(items=()),
        content(invoice_currency="CNY", exchange_rate=D(2)),
        content(type=DeclarationType.IMPORT, destination_country="KZ"),
        content(type=DeclarationType.BONDED_ENTRY, destination_country="KZ"),
        content(destination_country="CN"),
        content(dispatch_country="KZ"),
        content(type=DeclarationType.TRANSIT),
        content(type=exit_),
        content(type=exit_, bonded_exit_kind=BondedExitKind.RE_EXPORT, destination_country="CN"),
        content(type=exit_, bonded_exit_kind=BondedExitKind.RELEASE_FOR_CONSUMPTION, destination_country="KZ"),
        content(bonded_exit_kind=BondedExitKind.RE_EXPORT),
        content(item(unit="ZZZ")),
    ]


def validation_errors() -> list[FieldError]:
    out: list[FieldError] = []
    for c in bad_declarations():
        result = validate(c, reference())
        out += [*result.errors, *result.warnings]
    return out


def test_every_validation_message_carries_a_template_translated_in_both_catalogs() -> None:
    errors = validation_errors()
    assert len({e.template for e in errors}) >= 20
    for e in errors:
        assert e.template is not None, e
        assert e.message == render(e.template, e.params)
        for locale in TRANSLATED:
            entry = i18n.read_catalog(locale).get(e.template)
            assert entry is not None and entry.string, f"{locale}: {e.template!r} is not translated"
            with i18n.use_locale(locale):
                shown = i18n.field_message(e)
            assert shown != e.message, (locale, shown)
            # the values are all there (numbers written the language's way)
            for value in (e.params or {}).values():
                if isinstance(value, str):
                    assert value in shown, (locale, shown, value)


@given(code=st.from_regex(r"[0-9]{6}", fullmatch=True).filter(lambda c: c not in {"610910", "870323"}))
@settings(max_examples=40)
def test_an_unknown_hs_code_reads_in_each_language(code: str) -> None:
    [error] = [e for e in validate(content(item(code)), reference()).errors if e.field == "items[0].hs_code"]
    assert error.message == f"{code} does not exist in HS 2022"  # the API's text, as before
    with i18n.use_locale("zh_Hans"):
        assert i18n.field_message(error) == f"HS 2022 中不存在商品编码 {code}"
    with i18n.use_locale("ru"):
        assert i18n.field_message(error) == f"кода {code} нет в ГС 2022"
    with i18n.use_locale("en"):
        assert i18n.field_message(error) == error.message


def test_numbers_in_a_message_are_written_for_the_language() -> None:
    [error] = [
        e
        for e in validate(content(item(net="1234.5", gross="1000")), reference()).errors
        if e.field == "items[0].net_mass_kg"
    ]
    assert error.message == "net mass 1234.5 kg exceeds gross mass 1000 kg"
    with i18n.use_locale("ru"):
        assert i18n.field_message(error) == "масса нетто 1\u00a0234,5 кг больше массы брутто 1\u00a0000 кг"
    with i18n.use_locale("zh_Hans"):
        assert i18n.field_message(error) == "净重 1,234.5 千克超过毛重 1,000 千克"


def test_a_message_without_a_template_is_translated_if_the_catalog_knows_it_else_shown_as_written() -> None:
    with i18n.use_locale("ru"):
        assert i18n.field_message(FieldError("name", "is required")) == "обязательно"
        assert i18n.field_message(FieldError("x", "a message nobody translated")) == "a message nobody translated"
        # a translation that does not format falls back to the English text rather than failing the page
        assert i18n.domain_message("%(code)s does not exist in HS 2022", {"wrong": 1}) == (
            "%(code)s does not exist in HS 2022"
        )


# --- the rulebook's translated reasons -------------------------------------------------------------------------


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_rulebooks_reasons_are_translated_with_the_same_placeholders(name: str) -> None:
    rb = load_shipped(name)
    for r in rb.rules:
        for english, get in ((r.reason, r.reason_in), (r.trader_reason, r.trader_reason_in)):
            if not english:
                continue
            for locale in TRANSLATED:
                text = get(locale)
                assert text != english, f"{name}: {r.id} has no {locale} text for {english!r}"
                assert fields(text) == fields(english), (r.id, locale, text)
                if locale == "zh_Hans":
                    assert not LATIN_WORD.search(re.sub(r"\{\w+\}", "", text)), (r.id, text)


def test_the_fingerprint_leaves_the_translations_out() -> None:
    rb = load_shipped("smart-port")
    bare = replace(rb, rules=tuple(replace(r, reason_i18n=(), trader_reason_i18n=()) for r in rb.rules))
    assert bare != rb and bare.fingerprint() == rb.fingerprint()
    assert load_rulebook_text(dump_rulebook(rb)) == rb  # the YAML keeps them
    again = Rulebook.from_mapping(rb.to_mapping())
    assert again == rb and again.rule("value-per-kg") == rb.rule("value-per-kg")


def minimal(reason: Any, trader_reason: Any = "") -> dict[str, Any]:
    return {
        "version": "t-1",
        "yellow_at": 30,
        "red_at": 60,
        "rules": [{"id": "w", "kind": "hs_watch", "params": {"prefixes": ["2402"]}, "weight": 30, "reason": reason,
                   "trader_reason": trader_reason}],
    }  # fmt: skip


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        Rulebook.from_mapping(data)
    return {e.field: e.message for e in caught.value.errors}


def test_a_reason_in_several_languages_reads_and_falls_back_to_english() -> None:
    rb = Rulebook.from_mapping(minimal({"en": "item {item}: HS {hs}", "ru": "позиция {item}: код ГС {hs}"}))
    r = rb.rules[0]
    assert r.reason == "item {item}: HS {hs}" and r.reason_in("ru") == "позиция {item}: код ГС {hs}"
    assert r.reason_in("zh_Hans") == r.reason  # no Chinese: English
    assert rb.to_mapping()["rules"][0]["reason"] == {"en": "item {item}: HS {hs}", "ru": "позиция {item}: код ГС {hs}"}
    assert Rulebook.from_mapping(minimal("item {item}: HS {hs}")).to_mapping()["rules"][0]["reason"] == (
        "item {item}: HS {hs}"
    )


@pytest.mark.parametrize(
    ("reason", "trader_reason", "field", "message"),
    [
        ({"ru": "позиция {item}"}, "", "rules[0].reason.en", "is required"),
        ({"en": "item {item}", "ru": "позиция {weight}"}, "", "rules[0].reason.ru", "unknown placeholder {weight}"),
        ({"en": "item {item}", "ru": " "}, "", "rules[0].reason.ru", "is empty"),
        ({"en": "item {item}", "Русский": "позиция"}, "", "rules[0].reason.Русский", "is not a language"),
        ({"en": "item {item}", "ru": 5}, "", "rules[0].reason.ru", "must be text"),
        ("item {item}", {"en": "", "ru": "проверка"}, "rules[0].trader_reason.ru", "translates nothing"),
        ("item {item}", {"en": "Item {item}", "zh_Hans": "第 {hs} 项"}, "rules[0].trader_reason.zh_Hans", "{hs}"),
    ],
)
def test_a_bad_translation_is_named_on_its_field(reason: Any, trader_reason: Any, field: str, message: str) -> None:
    problems = errors_of(minimal(reason, trader_reason))
    assert field in problems, problems
    assert message in problems[field]


# --- matching stored reasons against their templates --------------------------------------------------------

values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@pytest.mark.parametrize("name", sorted(SHIPPED))
@given(data=st.data())
@settings(max_examples=30)
def test_a_filled_in_reason_gives_back_values_that_fill_it_in_the_same(name: str, data: st.DataObject) -> None:
    for r in load_shipped(name).rules:
        for template in (r.reason, r.trader_reason):
            filled_with = {f: data.draw(values) for f in fields(template)}
            text = template.format_map(filled_with)
            found = reasons.values_of(template, text)
            assert found is not None
            assert reasons.fill(template, found) == text


@given(x=values, y=values)
def test_a_catalog_template_matches_its_own_text_and_nothing_else(x: str, y: str) -> None:
    template = "net mass %(net)s kg exceeds gross mass %(gross)s kg"
    text = template % {"net": x, "gross": y}
    found = reasons.values_of(template, text)
    assert found is not None and template % found == text
    assert reasons.values_of(template, "something else " + text + " entirely") is None


def test_clearance_still_writes_the_texts_the_pages_translate() -> None:
    """The engine's and the services' own texts match the templates in reasons.BUILT_IN (else they would show
    in English): the budget, the streamlined highway, the mass rule's details."""
    _lane, budget = apply_budget(Lane.GREEN, D("0.91"), D("0.5"))
    recognition = Recognition(
        corridor="CN-KZ",
        office_code="CNHRG",
        inspected_at=datetime(2025, 5, 1, 8, tzinfo=UTC),
        declaration_ids=("d1", "d2"),
        containers=("MSCU1234565",),
    )
    _lane, recognised = apply_recognition(Lane.RED, (), recognition)
    mass = book(Rule("mass", RuleKind.MASS_INCONSISTENCY, MassInconsistencyParams(D("0.02")), D(20), None, "{detail}"))
    details = [
        f.reason
        for c in (
            content(item(net="120", gross="110")),
            content(item(unit="KGM", quantity="500", net="100", gross="110")),
        )
        for f in assess("d", c, mass, replace(ctx(trader()), manifest_gross_kg=D("999"))).fired
    ]
    assert len(details) == 2
    texts = [budget, recognised, *details]
    with i18n.use_locale("ru"):
        for text in texts:
            assert text is not None
            shown = reasons.translate_built_in(text)
            assert shown != text and not LATIN_WORD.search(re.sub(r"CN-KZ|CNHRG|MSCU\w+|d1|d2", "", shown)), shown


def test_an_officer_reads_a_stored_reason_in_russian_with_its_words_and_numbers_translated() -> None:
    rb = load_shipped("smart-port")
    text = "item 2: HS 870323 at 1234.50 CNY/kg is below the range 2000-90000 for 8703"
    assert reasons.values_of(rb.rule("value-per-kg").reason, text) is not None  # type: ignore[union-attr]
    with i18n.use_locale("ru"):
        shown = reasons.officer_reason(rb, "value-per-kg", text)
        assert (
            shown == "позиция 2: код ГС 870323 по 1\u00a0234,5 CNY/кг — ниже диапазона 2\u00a0000–90\u00a0000 для 8703"
        )
        # a text the rule did not write, or a rule the rulebook does not have: as stored
        assert reasons.officer_reason(rb, "value-per-kg", "typed by hand") == "typed by hand"
        assert reasons.officer_reason(rb, "no-such-rule", "typed by hand") == "typed by hand"
        assert reasons.trader_reason(rb, "Your declaration is selected for a routine check.") == (
            "Ваша декларация выбрана для плановой проверки."
        )
    with i18n.use_locale("zh_Hans"):
        assert reasons.officer_reason(
            rb, "sanctions-dprk", "origin country KP is under UN Security Council sanctions"
        ) == ("原产国 KP 受联合国安理会制裁")
        assert (
            reasons.officer_reason(rb, "credit-grade", "credit grade discredited: 60 points")
            == "信用等级 失信企业：60 分"
        )
    with i18n.use_locale("en"):
        assert reasons.officer_reason(rb, "value-per-kg", text) == text


def test_stored_values_fill_the_translated_reason_where_matching_the_text_would_mislead() -> None:
    rb = load_shipped("smart-port")
    description = "Vodka) is on the excise watch list (2208) and (more"  # a trader's free text
    text = f"item 1: HS 22086000 ({description}) is on the excise watch list (2208)"
    values = {"item": "1", "hs": "22086000", "prefix": "2208", "description": description, "count": "1"}
    matched = reasons.values_of(rb.rule("watch-excise").reason, text)  # type: ignore[union-attr]
    assert matched is not None and matched["description"] == "Vodka"  # the text alone is ambiguous
    right = f"позиция 1: код ГС 22086000 ({description}) в контрольном списке подакцизных товаров (2208)"
    with i18n.use_locale("ru"):
        assert reasons.officer_reason(rb, "watch-excise", text, values) == right
        # values that do not fill the rule's template into the stored text are not trusted: the text is matched
        wrong = {**values, "hs": "22089999"}
        assert reasons.officer_reason(rb, "watch-excise", text, wrong) == reasons.officer_reason(
            rb, "watch-excise", text
        )
        assert reasons.officer_reason(rb, "watch-excise", text, wrong) != right


def test_every_message_the_domain_marks_is_translated_in_both_catalogs() -> None:
    """The templates of field_error / templated / N_ in the domain, services and analytics (what make messages
    extracts) are all in the catalogs, translated: a new message without a translation fails here."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir

    import silkport

    root = Path(silkport.__file__).parent
    method_map = [
        (pattern, "python") for pattern in ("*/domain/**.py", "*/services/**.py", "shared/**.py", "analytics/**.py")
    ]
    keywords = {"N_": None, "templated": None, "field_error": (2,), "pN_": ((1, "c"), 2)}
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(root, method_map, keywords=keywords)
        if isinstance(message, str)
    }
    assert len(found) > 250
    for locale in TRANSLATED:
        catalog = i18n.read_catalog(locale)
        missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))  # type: ignore[union-attr]
        assert missing == [], f"{locale}: {missing[:10]}"


def test_a_domain_error_made_from_a_template_keeps_its_english_detail_and_reads_in_each_language() -> None:
    from silkport.shared.errors import Conflict, NotFound
    from silkport.shared.text import templated

    exc = Conflict(templated("%(tank)s already has a reading for %(day)s", tank="URC-AIR/T1", day="2025-09-01"))
    assert exc.detail == "URC-AIR/T1 already has a reading for 2025-09-01" and type(exc.detail) is str
    assert str(exc) == exc.detail  # the API's problem+json says this, as before
    with i18n.use_locale("ru"):
        assert i18n.error_message(exc) == "у URC-AIR/T1 уже есть показание за 2025-09-01"
        assert i18n.error_message(NotFound("no such thing")) == "no such thing"  # no template: as written
        assert i18n.error_message(ValidationFailed(FieldError("x", "is required"))) == "обязательно"
    with i18n.use_locale("zh_Hans"):
        assert i18n.error_message(exc) == "URC-AIR/T1 在 2025-09-01 已有读数"
    assert i18n.error_message(exc) == exc.detail
