"""Risk reasons and other texts clearance stored in English, shown in the reader's language.

A declaration's assessment is stored as the engine wrote it: each fired rule's reason, filled in, in English (the
API and the audit record show that), with the values it was filled with (``values``). A page shows it in the
reader's language like this:

1. the rule that fired is looked up in the rulebook version the declaration was judged by; its stored values
   are the ones its English template was filled with (checked: they fill it into the stored text). An
   assessment stored before values were recorded has only the text: the English template
   (``"item {item}: HS {hs} at {value_per_kg} CNY/kg is {direction} the range {low}-{high} for {hs4}"``) is
   matched against it, which gives back the values it was filled with (:func:`values_of`);
2. the rule's template in the reader's language (the rulebook's ``reason: {en: ..., zh_Hans: ..., ru: ...}``) is
   filled with those values, the words among them translated (``below`` -> ``低于``) and numbers written for the
   language;
3. texts that no rulebook holds (the inspection budget, the streamlined highway's recognition, the mass rule's
   details, the status history's system notes) are matched against the English templates below, which are in the
   catalogs like any other message; tests check that the engine and the services still write exactly these.

Anything that matches nothing, or a rule whose rulebook has no translation, is shown as stored: in English.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from silkport.clearance.domain.rules.rulebook import Rulebook
from silkport.entrypoints.web import i18n
from silkport.entrypoints.web.i18n import N_, pN_

_FORMATTER = string.Formatter()
_PERCENT_FIELD = re.compile(r"%\((\w+)\)[sr]|%%")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_PERCENT = re.compile(r"^(-?\d+(\.\d+)?)%$")

#: texts clearance writes itself (not rule reasons): officer notes, trader notes, status-history notes
BUILT_IN: tuple[str, ...] = (
    # the inspection budget (clearance.domain.rules.engine.apply_budget)
    N_("inspection budget: model score %(score)s is above the threshold %(threshold)s"),
    # the streamlined highway (clearance.domain.recognition.apply_recognition and the service's trader note)
    N_(
        "streamlined highway (%(corridor)s): inspected at %(office)s on %(date)s (%(declarations)s), "
        "seals intact on %(containers)s container(s): not inspected again"
    ),
    N_(
        "The goods were inspected at %(office)s and arrived under intact seals: no new inspection "
        "(streamlined highway)."
    ),
    N_("Your declaration is selected for a physical inspection."),
    # the mass rule's {detail} (clearance.domain.rules.engine._mass)
    N_("net mass %(net)s kg exceeds gross mass %(gross)s kg"),
    N_("quantity %(quantity)s %(unit)s but net mass %(net)s kg"),
    N_("the items' gross masses add up to %(items)s kg, the manifest says %(manifest)s kg"),
    # the status history's system notes (clearance.services.handlers)
    N_("green lane: no check needed"),
    N_("cleared, arrived and settled"),
    N_("the declarant enterprise is %(status)s"),
)

#: words the engine puts into reasons, by placeholder: translated with the context "risk reason"
WORDS: Mapping[str, Mapping[str, str]] = {
    "role": {
        "origin": pN_("risk reason", "origin"),
        "dispatch": pN_("risk reason", "dispatch"),
        "destination": pN_("risk reason", "destination"),
    },
    "direction": {"below": pN_("risk reason", "below"), "above": pN_("risk reason", "above")},
    "licence": {"none": pN_("risk reason", "none")},
    "item": {"all": pN_("risk reason", "all")},
}
#: placeholders whose values are codes or identifiers, shown exactly as stored
_CODES = frozenset({"item", "hs", "hs4", "prefix", "country", "model_version", "office", "corridor", "date"})


# --- matching a filled-in text against its template ----------------------------------------------------------


def _pattern(template: str) -> re.Pattern[str] | None:
    """A regex that matches ``template`` filled in, capturing each placeholder's value (``{name}`` as the
    rulebook writes it, ``%(name)s`` as the catalogs do). A name used twice must have the same value twice."""
    seen: set[str] = set()
    out: list[str] = []

    def field(name: str) -> str:
        if name in seen:
            return f"(?P={name})"
        seen.add(name)
        return f"(?P<{name}>.*?)"

    if "{" in template or "}" in template:
        try:
            parts = list(_FORMATTER.parse(template))
        except ValueError:
            return None
        for literal, name, _spec, _conv in parts:
            out.append(re.escape(literal))
            if name is not None:
                if not name.isidentifier():
                    return None
                out.append(field(name))
    else:
        position = 0
        for m in _PERCENT_FIELD.finditer(template):
            out.append(re.escape(template[position : m.start()]))
            out.append(re.escape("%") if m.group(0) == "%%" else field(m.group(1)))
            position = m.end()
        out.append(re.escape(template[position:]))
    return re.compile(r"\A" + "".join(out) + r"\Z", re.DOTALL)


_patterns: dict[str, re.Pattern[str] | None] = {}


def values_of(template: str, text: str) -> dict[str, str] | None:
    """The values ``template`` was filled with to give ``text``, or None when it was not made from it."""
    if template not in _patterns:
        if len(_patterns) > 4096:
            _patterns.clear()
        _patterns[template] = _pattern(template)
    pattern = _patterns[template]
    if pattern is None:
        return None
    m = pattern.match(text)
    return m.groupdict() if m else None


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` (either placeholder style) filled with ``values``."""
    if "{" in template or "}" in template:
        return template.format_map(dict(values))
    return template % dict(values) if _PERCENT_FIELD.search(template) else template


# --- showing values in the reader's language ----------------------------------------------------------------


def _value(name: str, value: str) -> str:
    words = WORDS.get(name)
    if words is not None and value in words:
        return i18n.pgettext("risk reason", words[value])
    if name in _CODES:
        return value
    if name == "grade":
        return _grade(value)
    if name == "detail":
        return translate_built_in(value)
    if _DECIMAL.match(value):
        return i18n.number(value)
    percent = _PERCENT.match(value)
    if percent:
        return i18n.percent(percent.group(1))
    return value


def _grade(value: str) -> str:
    from silkport.enterprises.domain.model import CreditGrade

    try:
        return i18n.gettext(CreditGrade(value).label)
    except ValueError:
        return value


def _localised(values: Mapping[str, str]) -> dict[str, str]:
    return {name: _value(name, value) for name, value in values.items()}


def translate_built_in(text: str) -> str:
    """A text clearance wrote itself (see :data:`BUILT_IN`) in the reader's language; else as stored."""
    if i18n.current_locale() == i18n.DEFAULT_LOCALE:
        return text
    for template in BUILT_IN:
        values = values_of(template, text)
        if values is not None:
            return i18n.domain_message(template, _localised(values)) if values else i18n.gettext(template)
    return text


def _from_rule(english: str, localised: str, text: str) -> str | None:
    values = values_of(english, text)
    if values is None:
        return None
    if localised == english:
        return text  # the rulebook has no translation for this language: as written
    try:
        return fill(localised, _localised(values))
    except (KeyError, IndexError, ValueError):
        return text


def officer_reason(rulebook: Rulebook | None, rule_id: str, text: str, values: Mapping[str, str] | None = None) -> str:
    """A fired rule's stored officer reason in the reader's language.

    ``values``: the placeholder values the engine filled the rule's reason with, stored with the assessment
    since they were recorded; the rule's template in the reader's language is filled with them. An assessment
    stored before has only the English text, matched against the rule's English template for its values."""
    locale = i18n.current_locale()
    if locale == i18n.DEFAULT_LOCALE or not text:
        return text
    rule = rulebook.rule(rule_id) if rulebook is not None else None
    if rule is not None:
        localised = rule.reason_in(locale)
        if values is not None and localised != rule.reason and _fills(rule.reason, values, text):
            try:
                return fill(localised, _localised(values))
            except (KeyError, IndexError, ValueError):
                pass
        shown = _from_rule(rule.reason, localised, text)
        if shown is not None:
            return shown
    return translate_built_in(text)


def _fills(english: str, values: Mapping[str, str], text: str) -> bool:
    """Whether ``values`` fill the rule's English template into the stored text (the values are the rule's)."""
    try:
        return fill(english, values) == text
    except (KeyError, IndexError, ValueError):
        return False


def trader_reason(rulebook: Rulebook | None, text: str) -> str:
    """A stored trader reason (redacted; it names no rule) in the reader's language: the first rule of the
    rulebook whose trader reason it is, else a text clearance wrote itself, else as stored."""
    locale = i18n.current_locale()
    if locale == i18n.DEFAULT_LOCALE or not text:
        return text
    for rule in rulebook.rules if rulebook is not None else ():
        if rule.trader_reason:
            shown = _from_rule(rule.trader_reason, rule.trader_reason_in(locale), text)
            if shown is not None:
                return shown
    return translate_built_in(text)


def shown_reasons(rulebook: Rulebook | None, reasons: Sequence[Any], *, officer: bool) -> list[dict[str, Any]]:
    """A declaration's reasons (``FiredRuleOut``) as the page shows them: officers get each rule with its kind and
    contribution, traders the redacted text; every text in the reader's language."""
    out: list[dict[str, Any]] = []
    for r in reasons:
        text = str(r.reason or "")
        out.append(
            {
                "rule": r.rule,
                "kind": r.kind,
                "contribution": r.contribution,
                "reason": officer_reason(rulebook, str(r.rule or ""), text, getattr(r, "values", None))
                if officer
                else trader_reason(rulebook, text),
            }
        )
    return out


def rule_kind_labels() -> Iterable[str]:
    """The labels of the rule kinds an officer sees beside each reason (``|label``), for the catalogs."""
    from silkport.clearance.domain.rules.rulebook import RuleKind

    return [*(str(k.value).replace("_", " ").capitalize() for k in RuleKind), "Budget", "Recognition"]
