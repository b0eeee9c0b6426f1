"""Rulebooks as YAML: read from text, a file, or the two shipped with silkport; and written back for editing.

YAML is read with PyYAML's safe loader (no arbitrary objects), with one change: plain numbers with a
fraction (``0.02``) become exact ``Decimal`` values instead of floats, so a supervisor need not quote them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from silkport.clearance.domain.rules import Rulebook
from silkport.shared.errors import FieldError, ValidationFailed

#: the rulebooks shipped in silkport/clearance/data, by name
SHIPPED: dict[str, str] = {
    "smart-port": "rulebook.yaml",  # the default: smart port selectivity
    "manual": "rulebook-manual.yaml",  # before the smart port: every declaration document-checked
}
DEFAULT = "smart-port"


class _DecimalSafeLoader(yaml.SafeLoader):
    """The safe loader, with YAML floats read as exact decimals."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")  # .inf / .nan: the rulebook refuses non-finite numbers with a field path
    return value


_DecimalSafeLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, double-quoting text with Unicode line breaks (PyYAML mangles them in other styles)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def parse_yaml(text: str) -> Any:
    """The YAML document as plain Python data (floats as Decimal); a syntax error is a field error ``yaml``."""
    loader = _DecimalSafeLoader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(FieldError("yaml", f"{where}{problem}")) from exc
    finally:
        loader.dispose()


def load_rulebook_text(text: str) -> Rulebook:
    """A rulebook from YAML text; every problem is a field-level ``ValidationFailed``."""
    return Rulebook.from_mapping(parse_yaml(text))


def load_rulebook_path(path: str | Path) -> Rulebook:
    return load_rulebook_text(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=len(SHIPPED))
def load_shipped(name: str = DEFAULT) -> Rulebook:
    """One of the rulebooks shipped with silkport (``smart-port`` or ``manual``); immutable, so cached."""
    if name not in SHIPPED:
        known = ", ".join(sorted(SHIPPED))
        raise ValidationFailed(FieldError("rulebook", f"{name!r} is not a shipped rulebook ({known})"))
    text = files("silkport.clearance").joinpath("data", SHIPPED[name]).read_text(encoding="utf-8")
    return load_rulebook_text(text)


def default_rulebook() -> Rulebook:
    """The rulebook in force before a supervisor publishes one."""
    return load_shipped(DEFAULT)


def dump_rulebook(rulebook: Rulebook) -> str:
    """The rulebook as YAML (its canonical mapping), ready for a supervisor to edit into a new version."""
    return yaml.dump(rulebook.to_mapping(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
