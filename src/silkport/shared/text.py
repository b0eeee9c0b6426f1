"""Messages the domain and services write for people: English, with the template and its values kept apart.

The domain stays pure and English by default: a message is rendered in English where it is made (the API's
problem+json and the CLI show that), and it also carries its *template* (``"%(code)s does not exist in HS 2022"``)
and *parameters* (``{"code": "847135"}``), so that the web pages can look the template up in their catalogs and
format the values for the reader's language (docs/i18n.md, "Messages of the domain").

- ``N_("...")`` marks a constant message for extraction (``make messages`` reads the domain and services too); it
  returns the text unchanged and imports nothing.
- ``templated("%(flights)s flights", flights=n)`` is a :class:`Text`: a ``str`` (the English text, usable wherever
  text is) that remembers its template and values (the analytics' notes are such texts).
- ``field_error(field, N_("%(code)s does not exist in HS 2022"), code=hs6)`` (or ``field_error(field, "...", ...)``:
  the extractor knows ``field_error`` too) builds a :class:`~silkport.shared.errors.FieldError` whose ``message`` is
  the English text, exactly as before, and whose ``template``/``params`` let a page translate it.

Placeholders are Python's ``%(name)s`` (``%(name)r`` for a quoted value), the same as the web catalogs use, so the
catalog checks (same placeholders in every translation) cover these messages as well. A literal ``%`` is ``%%``.
"""

from __future__ import annotations

from collections.abc import Mapping

from silkport.shared.errors import FieldError

__all__ = ["N_", "Text", "field_error", "render", "templated"]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, a keyword of the extractor
    """Marks ``message`` for translation where it is defined; returns it unchanged (translated where shown)."""
    return message


def render(template: str, params: Mapping[str, object] | None = None) -> str:
    """The English text of a template: ``%(name)s`` placeholders filled from ``params`` (none: as written)."""
    return template % dict(params) if params else template


def field_error(field: str, template: str, /, **params: object) -> FieldError:
    """A field error in English that keeps its template and values for the pages to translate."""
    return FieldError(field, render(template, params), template=template, params=params or None)


class Text(str):
    """English text that remembers its gettext template and values; everywhere else it is the plain ``str``."""

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, params: Mapping[str, object] | None = None) -> Text:
        made = super().__new__(cls, render(template, params))
        made.template = template
        made.params = dict(params or {})
        return made


def templated(template: str, /, **params: object) -> Text:
    """The English text of ``template`` filled with ``params``, keeping both for the pages to translate."""
    return Text(template, params)
