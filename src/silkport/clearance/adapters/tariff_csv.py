"""Read a tariff schedule, its preferential agreements and an exchange-rate table from CSV files.

The shipped samples (``silkport/clearance/data``, described in ``TARIFF-SAMPLE.md``) are illustrative;
a real schedule in the same columns replaces them. Columns (a header row names them, in any order):

- tariff: ``hs_prefix, description, mfn_rate, vat_rate`` and optionally ``specific_rate, specific_unit,
  excise_rate, excise_specific, excise_unit, export_rate, preferential`` (``APTA:20;CN-PK:0``)
- agreements: ``code, name, parties`` (ISO 3166 alpha-2 codes separated by spaces)
- exchange rates: ``currency, valid_from, cny_per_unit``

Rates are percent; an empty cell means "none". Lines whose first character is ``#`` are comments and
blank lines are skipped; line numbers in errors are the file's own. Every problem is collected and
raised together as a ``CsvFileError`` whose fields read ``line 14, column mfn_rate``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from silkport.clearance.domain.duties import (
    Agreement,
    ExchangeRate,
    ExchangeRates,
    PreferentialRate,
    TariffLine,
    TariffSchedule,
)
from silkport.shared.codes import is_country, is_currency
from silkport.shared.errors import FieldError, ValidationFailed

PACKAGE = "silkport.clearance"
SAMPLE_TARIFF = "tariff-sample.csv"
SAMPLE_AGREEMENTS = "agreements-sample.csv"
SAMPLE_EXCHANGE_RATES = "exchange-rates-sample.csv"
SAMPLE_VERSION = "sample (illustrative, not the legal schedule)"

TARIFF_COLUMNS = (
    "hs_prefix",
    "description",
    "mfn_rate",
    "specific_rate",
    "specific_unit",
    "vat_rate",
    "excise_rate",
    "excise_specific",
    "excise_unit",
    "export_rate",
    "preferential",
)
TARIFF_REQUIRED = frozenset({"hs_prefix", "description", "mfn_rate", "vat_rate"})
AGREEMENT_COLUMNS = ("code", "name", "parties")
RATE_COLUMNS = ("currency", "valid_from", "cny_per_unit")
MAX_ERRORS = 50

T = TypeVar("T")


class CsvFileError(ValidationFailed):
    """A CSV file could not be read; each error names the line and, when it can, the column."""

    title = "Unreadable CSV file"

    def __init__(self, source: str, errors: list[FieldError]) -> None:
        shown = errors[:MAX_ERRORS]
        more = f"; and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        super().__init__(shown, f"{source}: " + "; ".join(f"{e.field}: {e.message}" for e in shown) + more)
        self.source = source


class _Rows:
    """The data rows of a CSV text as (line number, {column: cell}), collecting errors as it goes."""

    def __init__(self, text: str, columns: tuple[str, ...], required: frozenset[str]) -> None:
        self.errors: list[FieldError] = []
        self._text = text.removeprefix("\ufeff")
        self._columns = columns
        self._required = required

    def error(self, line: int, column: str | None, message: str) -> None:
        self.errors.append(FieldError(f"line {line}" + (f", column {column}" if column else ""), message))

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        physical = ("\n" if line.startswith("#") else line for line in self._text.splitlines(keepends=True))
        reader = csv.reader(physical)
        header: list[str] | None = None
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                line = reader.line_num
                if header is None:
                    header = [cell.strip() for cell in row]
                    if not self._header_ok(line, header):
                        return
                    continue
                if len(row) != len(header):
                    self.error(line, None, f"{len(row)} cells, but the header names {len(header)} columns")
                    continue
                yield line, {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        except csv.Error as exc:
            self.error(reader.line_num, None, f"not valid CSV: {exc}")
        if header is None:
            self.error(1, None, f"no header row: expected {','.join(self._columns)}")

    def _header_ok(self, line: int, header: list[str]) -> bool:
        ok = True
        for name in header:
            if name not in self._columns:
                self.error(line, name, f"unknown column (expected some of {', '.join(self._columns)})")
                ok = False
        for name in sorted(set(header)):
            if header.count(name) > 1:
                self.error(line, name, "named twice in the header")
                ok = False
        for name in sorted(self._required - set(header)):
            self.error(line, name, "missing from the header")
            ok = False
        return ok

    def cell(self, line: int, row: dict[str, str], column: str, parse: Callable[[str], T]) -> T | None:
        """``parse(cell)``, or None for an empty cell; a ValueError becomes an error on this cell."""
        raw = row.get(column, "")
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.error(line, column, str(exc))
            return None

    def required(
        self, line: int, row: dict[str, str], column: str, parse: Callable[[str], T], hint: str = ""
    ) -> T | None:
        """Like ``cell``, but an empty cell is an error too."""
        if not row.get(column, ""):
            self.error(line, column, "is empty" + hint)
            return None
        return self.cell(line, row, column, parse)

    def text(self, line: int, row: dict[str, str], column: str) -> str | None:
        raw = row.get(column, "")
        if not raw:
            self.error(line, column, "is empty")
            return None
        return raw


def _number(raw: str) -> Decimal:
    try:
        value = Decimal(raw.removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a number")
    return value


def _unit(raw: str) -> str:
    return raw.upper()


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _domain_error(rows: _Rows, line: int, exc: ValidationFailed, columns: tuple[str, ...]) -> None:
    for e in exc.errors:
        rows.error(line, e.field if e.field in columns else None, e.message)


def parse_agreements(text: str, source: str = "agreements") -> dict[str, Agreement]:
    """Agreements by code from a ``code,name,parties`` CSV."""
    rows = _Rows(text, AGREEMENT_COLUMNS, frozenset(AGREEMENT_COLUMNS))
    found: dict[str, tuple[int, Agreement]] = {}
    for line, row in rows:
        code, name = rows.text(line, row, "code"), rows.text(line, row, "name")
        parties = row.get("parties", "").replace(",", " ").replace(";", " ").split()
        if not parties:
            rows.error(line, "parties", "is empty")
        for party in parties:
            if not is_country(party):
                rows.error(line, "parties", f"{party!r} is not an ISO 3166 alpha-2 country code")
        if code is None or name is None:
            continue
        if code in found:
            rows.error(line, "code", f"{code} is already on line {found[code][0]}")
            continue
        found[code] = (line, Agreement(code, name, frozenset(parties)))
    if rows.errors:
        raise CsvFileError(source, rows.errors)
    return {code: agreement for code, (_, agreement) in found.items()}


def parse_tariff(
    text: str,
    agreements: Mapping[str, Agreement],
    source: str = "tariff",
    *,
    version: str | None = None,
    sample: bool = False,
) -> TariffSchedule:
    """A ``TariffSchedule`` from a tariff CSV; ``agreements`` resolve the ``preferential`` column."""
    rows = _Rows(text, TARIFF_COLUMNS, TARIFF_REQUIRED)
    lines: list[TariffLine] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        before = len(rows.errors)
        prefix = rows.text(line, row, "hs_prefix")
        description = rows.text(line, row, "description")
        mfn = rows.required(line, row, "mfn_rate", _number, " (write 0 for a purely specific line)")
        vat = rows.required(line, row, "vat_rate", _number)
        specific_rate = rows.cell(line, row, "specific_rate", _number)
        specific_unit = rows.cell(line, row, "specific_unit", _unit)
        excise_rate = rows.cell(line, row, "excise_rate", _number)
        excise_specific = rows.cell(line, row, "excise_specific", _number)
        excise_unit = rows.cell(line, row, "excise_unit", _unit)
        export_rate = rows.cell(line, row, "export_rate", _number)
        preferential = _preferential(rows, line, row.get("preferential", ""), agreements)
        if len(rows.errors) > before or prefix is None or description is None or mfn is None or vat is None:
            continue
        if prefix in seen:
            rows.error(line, "hs_prefix", f"{prefix} is already on line {seen[prefix]}")
            continue
        try:
            tariff_line = TariffLine(
                hs_prefix=prefix,
                description=description,
                mfn_rate=mfn,
                vat_rate=vat,
                specific_rate=specific_rate,
                specific_unit=specific_unit,
                excise_rate=excise_rate,
                excise_specific=excise_specific,
                excise_unit=excise_unit,
                export_rate=export_rate,
                preferential=preferential,
            )
        except ValidationFailed as exc:
            _domain_error(rows, line, exc, TARIFF_COLUMNS)
            continue
        seen[prefix] = line
        lines.append(tariff_line)
    if rows.errors:
        raise CsvFileError(source, rows.errors)
    return TariffSchedule(lines, version=source if version is None else version, sample=sample)


def _preferential(
    rows: _Rows, line: int, raw: str, agreements: Mapping[str, Agreement]
) -> tuple[PreferentialRate, ...]:
    result: list[PreferentialRate] = []
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        code, sep, rate = (s.strip() for s in part.partition(":"))
        if not sep or not code or not rate:
            rows.error(line, "preferential", f"{part!r} is not AGREEMENT:rate (e.g. APTA:20)")
            continue
        agreement = agreements.get(code)
        if agreement is None:
            known = ", ".join(sorted(agreements)) or "none"
            rows.error(line, "preferential", f"unknown agreement {code!r} (known: {known})")
            continue
        try:
            result.append(PreferentialRate(agreement, _number(rate)))
        except ValueError as exc:
            rows.error(line, "preferential", f"{code}: {exc}")
        except ValidationFailed as exc:
            rows.error(line, "preferential", f"{code}: {exc.errors[0].message}")
    return tuple(result)


def parse_exchange_rates(text: str, source: str = "exchange rates") -> ExchangeRates:
    """An ``ExchangeRates`` table from a ``currency,valid_from,cny_per_unit`` CSV."""
    rows = _Rows(text, RATE_COLUMNS, frozenset(RATE_COLUMNS))
    rates: list[ExchangeRate] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in rows:
        before = len(rows.errors)
        currency = rows.text(line, row, "currency")
        if currency is not None and not is_currency(currency):
            rows.error(line, "currency", f"{currency!r} is not an ISO 4217 currency code")
        valid_from = rows.required(line, row, "valid_from", _date)
        rate = rows.required(line, row, "cny_per_unit", _number)
        if len(rows.errors) > before or currency is None or valid_from is None or rate is None:
            continue
        key = (currency, valid_from)
        if key in seen:
            rows.error(line, "valid_from", f"{currency} from {valid_from.isoformat()} is already on line {seen[key]}")
            continue
        try:
            rates.append(ExchangeRate(currency, valid_from, rate))
        except ValidationFailed as exc:
            _domain_error(rows, line, exc, RATE_COLUMNS)
            continue
        seen[key] = line
    if rows.errors:
        raise CsvFileError(source, rows.errors)
    return ExchangeRates(rates)


def load_agreements(path: Path) -> dict[str, Agreement]:
    return parse_agreements(path.read_text(encoding="utf-8-sig"), path.name)


def load_tariff(path: Path, agreements: Path, *, version: str | None = None) -> TariffSchedule:
    """A schedule from a tariff CSV and its agreements CSV; the version defaults to the file name."""
    return parse_tariff(path.read_text(encoding="utf-8-sig"), load_agreements(agreements), path.name, version=version)


def load_exchange_rates(path: Path) -> ExchangeRates:
    return parse_exchange_rates(path.read_text(encoding="utf-8-sig"), path.name)


def _sample_text(name: str) -> str:
    return resources.files(PACKAGE).joinpath("data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def sample_agreements() -> Mapping[str, Agreement]:
    """The agreements the sample tariff names (read-only; illustrative membership)."""
    return MappingProxyType(parse_agreements(_sample_text(SAMPLE_AGREEMENTS), SAMPLE_AGREEMENTS))


@lru_cache(maxsize=1)
def sample_tariff() -> TariffSchedule:
    """The shipped SAMPLE schedule (illustrative, not the legal tariff), read once per process."""
    return parse_tariff(
        _sample_text(SAMPLE_TARIFF), sample_agreements(), SAMPLE_TARIFF, version=SAMPLE_VERSION, sample=True
    )


@lru_cache(maxsize=1)
def sample_exchange_rates() -> ExchangeRates:
    """The shipped SAMPLE exchange rates (approximate), read once per process."""
    return parse_exchange_rates(_sample_text(SAMPLE_EXCHANGE_RATES), SAMPLE_EXCHANGE_RATES)
