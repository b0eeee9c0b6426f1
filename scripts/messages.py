"""Extract the web UI's messages and merge them into the Chinese and Russian catalogs (``make messages``).

1. ``pybabel extract`` (Babel's own extractor, run in-process, with the mapping in ``locales/babel.cfg``)
   reads the page code's ``_``/``gettext``/``ngettext``/``pgettext``/``N_`` calls, the templates'
   ``{{ _("...") }}`` and ``{% trans %}``, and the domain's and services' ``N_``/``field_error`` templates
   (silkport.shared.text: messages the domain writes in English and the pages translate) into
   ``src/silkport/entrypoints/web/locales/messages.pot``; the labels of the enums the pages show are added to it
   (``i18n.runtime_messages``: chosen at run time, no extractor can see them).
2. Each ``locales/<locale>/LC_MESSAGES/messages.po`` is updated from the template: new messages arrive with an
   empty translation (shown in English until translated), messages no longer used are dropped, nothing is
   guessed (no fuzzy matching). A new locale's catalog is created from the template.

Run: ``.venv/bin/python scripts/messages.py`` (``--check`` fails when a catalog would change or has an
untranslated message: for CI once every page is translated). See docs/i18n.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from silkport.entrypoints.web import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALES = i18n.LOCALES_DIR
MAPPING = LOCALES / "babel.cfg"
TEMPLATE = LOCALES / "messages.pot"


def extract() -> Catalog:
    os.chdir(ROOT)  # the template names each message's file relative to the repository
    # a field_error's field name is often an f-string (f"items[{i}].hs_code"): only its template is a message, so
    # the extractor's notes about skipping such f-strings are dropped (anything else it says is passed on)
    notes = io.StringIO()
    with contextlib.redirect_stderr(notes):
        _run_extractor()
    for line in notes.getvalue().splitlines():
        if "Skipping f-string" not in line:
            print(line, file=sys.stderr)
    with TEMPLATE.open("rb") as fh:
        template = read_po(fh)
    for message in i18n.runtime_messages():
        if message not in template:
            template.add(message, auto_comments=["a label chosen at run time (i18n.runtime_messages)"])
    return template


def _run_extractor() -> None:
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "--mapping-file",
            str(MAPPING.relative_to(ROOT)),
            "--keywords",
            "_ gettext ngettext:1,2 pgettext:1c,2 N_ pN_:1c,2 field_error:2 templated",
            "--no-wrap",
            "--sort-by-file",
            "--omit-header",
            "--project",
            "silkport",
            "--output-file",
            str(TEMPLATE.relative_to(ROOT)),
            "src/silkport",
        ]
    )


def _dump(catalog: Catalog, *, template: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=template, ignore_obsolete=True, include_previous=False)
    return buffer.getvalue()


def merged(locale: str, template: Catalog) -> Catalog:
    path = i18n.catalog_path(locale)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=i18n.DOMAIN)
    else:
        catalog = Catalog(locale=locale, domain=i18n.DOMAIN, project="silkport", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    catalog.obsolete.clear()
    return catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if a catalog is out of date")
    args = parser.parse_args(argv)
    before = TEMPLATE.read_bytes() if TEMPLATE.exists() else None
    template = extract()
    TEMPLATE.write_bytes(_dump(template, template=True))
    stale: list[str] = []
    if args.check and before is not None and before != TEMPLATE.read_bytes():
        TEMPLATE.write_bytes(before)
        stale.append(str(TEMPLATE.relative_to(ROOT)))
    for locale in i18n.LOCALES:
        if locale == i18n.DEFAULT_LOCALE:
            continue
        catalog = merged(locale, template)
        path = i18n.catalog_path(locale)
        data = _dump(catalog)
        missing = sum(1 for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string))
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(path.relative_to(ROOT)))
            if missing:
                stale.append(f"{locale}: {missing} untranslated")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{locale}: {len(catalog)} messages, {missing} untranslated ({path.relative_to(ROOT)})")
    if stale:
        print("out of date: " + "; ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
