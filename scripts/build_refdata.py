"""Build silkport's reference-data package files from the shared public data sets.

Reads the HS 2022 nomenclature and UN/LOCODE under ``/work/shared/data`` (or ``--source``) and writes
compact, deterministic files to ``src/silkport/zone/data/refdata/``:

- ``hs2022.csv``            section,hscode,description,parent,level (chapters, headings, subheadings;
                            the TOTAL row dropped, chapters get an empty parent, chapter 99 no section)
- ``hs-sections.csv``       section,name (BOM stripped)
- ``unlocode.csv.gz``       every country merged, sorted by locode
- ``unlocode-functions.csv`` / ``unlocode-status.csv`` / ``unlocode-subdivisions.csv.gz``: side tables
- ``LICENSE-geoapify-MIT.txt`` and ``NOTICE.md``

The UN/LOCODE per-country files carry three known defects that are repaired here, not in the source:

1. A name containing a comma was written as two quoted halves (``Bau, Sarawak`` became the fields
   ``"Bau`` and `` Sarawak"``); those rows also lost their status and IATA columns, and unless Geoapify
   geocoded them, their coordinates are garbage (e.g. latitude 97.07). The name is re-joined; status
   and IATA are left empty; coordinates are kept only when ``geocoded`` is true and in range.
2. About 12,600 names had their diacritics replaced by U+FFFD; those take the ASCII name instead.
3. Bilingual places are listed twice under one code; the first spelling is kept.

Run: ``.venv/bin/python scripts/build_refdata.py`` (idempotent: same input, byte-identical output).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/data")
DEFAULT_TARGET = ROOT / "src" / "silkport" / "zone" / "data" / "refdata"

HS_HEADER = ("section", "hscode", "description", "parent", "level")
LOCODE_HEADER = (
    "country",
    "location",
    "name",
    "nameWoDiacritics",
    "subdivision",
    "status",
    "function",
    "iata",
    "lat",
    "lon",
    "geocoded",
)
FUNCTION_RE = re.compile(r"^[0-9A-Z-]{8}$")
LOCATION_RE = re.compile(r"^[A-Z0-9]{3}$")  # a few real entries use 0 and 1 (DE 9B0, IT 940)
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
STATUS_RE = re.compile(r"^[A-Z]{2}$")
REPLACEMENT_CHAR = "\ufffd"
COORD_PLACES = Decimal("0.00001")  # ~1 m; UN/LOCODE itself is given to the minute (~1.8 km)
EXPECTED_HS = {2: 97, 4: 1229, 6: 5613}
EXPECTED_SECTIONS = 21


class BuildError(Exception):
    """The source data broke an invariant the package relies on."""


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _write(path: Path, data: bytes, *, gz: bool = False) -> int:
    if gz:
        out = io.BytesIO()
        # filename="" and mtime=0: the gzip header carries nothing that changes between runs
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as fh:
            fh.write(data)
        data = out.getvalue()
    path.write_bytes(data)
    return len(data)


# --------------------------------------------------------------------------------------------- HS


def build_hs(source: Path) -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str]]]:
    sections = [(r[0].strip(), r[1].strip()) for r in _read_csv(source / "sections.csv")[1:] if r]
    if len(sections) != EXPECTED_SECTIONS:
        raise BuildError(f"expected {EXPECTED_SECTIONS} HS sections, found {len(sections)}")
    section_codes = {s for s, _ in sections}

    raw = _read_csv(source / "harmonized-system.csv")
    if tuple(raw[0]) != HS_HEADER:
        raise BuildError(f"unexpected HS header {raw[0]}")
    rows: list[tuple[str, str, str, str, str]] = []
    for section, code, description, parent, level in raw[1:]:
        if code == "TOTAL" or level not in ("2", "4", "6"):
            continue
        if not code.isdigit() or len(code) != int(level):
            raise BuildError(f"HS code {code!r} does not match level {level}")
        # chapter 99 ("not specified according to kind") is UN Comtrade's, outside the 21 WCO sections
        section = "" if section == "TOTAL" else section
        rows.append((section, code, description.strip(), "" if parent == "TOTAL" else parent, level))

    codes = {r[1] for r in rows}
    if len(codes) != len(rows):
        raise BuildError("duplicate HS codes")
    levels = Counter(int(r[4]) for r in rows)
    if dict(levels) != EXPECTED_HS:
        raise BuildError(f"HS level counts {dict(levels)} != {EXPECTED_HS}")
    for section, code, _, parent, level in rows:
        if section and section not in section_codes:
            raise BuildError(f"HS {code}: unknown section {section!r}")
        if level == "2" and parent:
            raise BuildError(f"HS chapter {code} has a parent {parent!r}")
        if level != "2" and (parent not in codes or not code.startswith(parent)):
            raise BuildError(f"HS {code}: parent {parent!r} is not its prefix in the table")
    rows.sort(key=lambda r: r[1])
    return rows, sections


# --------------------------------------------------------------------------------------- UN/LOCODE


def _coordinate(raw: str, limit: int) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > limit:
        return None
    return value


def _coordinates(lat_raw: str, lon_raw: str) -> tuple[str, str]:
    lat, lon = _coordinate(lat_raw, 90), _coordinate(lon_raw, 180)
    if lat is None or lon is None:
        return "", ""

    def fmt(v: Decimal) -> str:
        q = v.quantize(COORD_PLACES).normalize()
        return f"{q:f}" if q != 0 else "0"

    return fmt(lat), fmt(lon)


def _take_split_name(fields: list[str], start: int) -> tuple[str, int]:
    """Re-join a name written as quoted halves, e.g. ['"Bau', ' Sarawak"'] -> 'Bau, Sarawak'."""
    end = start
    while not fields[end].endswith('"'):
        end += 1
        if end >= len(fields):
            raise BuildError(f"unterminated split name in {fields}")
    return ",".join(fields[start : end + 1])[1:-1], end + 1


def _location_row(fields: list[str], header: list[str], stats: Counter[str]) -> list[str] | None:
    has_geocoded = "geocoded" in header
    if fields[2].startswith('"'):
        # defect 1: a comma inside the name split it; status and IATA are gone from such rows
        name, i = _take_split_name(fields, 2)
        ascii_name, i = _take_split_name(fields, i)
        rest = fields[i:]
        expected = 5 if has_geocoded else 4
        if len(rest) != expected:
            raise BuildError(f"split-name row with {len(rest)} trailing fields: {fields}")
        subdivision, function, lat_raw, lon_raw = rest[:4]
        geocoded = has_geocoded and rest[4] == "true"
        status, iata = "", ""
        if not geocoded:
            lat_raw = lon_raw = ""  # these coordinates came from a shifted column
        stats["split name repaired"] += 1
    else:
        record = dict(zip(header, fields, strict=True))
        name, ascii_name = record["name"], record["nameWoDiacritics"]
        subdivision, function = record["subdivision"], record["function"]
        status, iata = record["status"], record["iata"]
        lat_raw, lon_raw = record["lat"], record["lon"]
        geocoded = record.get("geocoded", "") == "true"

    country, location = fields[0], fields[1]
    if not COUNTRY_RE.match(country) or not LOCATION_RE.match(location):
        stats["dropped: malformed code"] += 1
        return None
    if not FUNCTION_RE.match(function):
        stats["dropped: malformed function"] += 1
        return None
    if status and not STATUS_RE.match(status):
        stats["status blanked: malformed"] += 1
        status = ""
    if REPLACEMENT_CHAR in name:
        # defect 2: diacritics lost in the source; the ASCII spelling is the best we have
        name = ascii_name
        stats["name with U+FFFD -> ASCII name"] += 1
    name, ascii_name = " ".join(name.split()), " ".join(ascii_name.split())
    lat, lon = _coordinates(lat_raw, lon_raw)
    if (lat_raw or lon_raw) and not lat:
        stats["coordinates dropped: invalid"] += 1
    return [
        country,
        location,
        name,
        ascii_name,
        subdivision.strip(),
        status,
        function,
        iata.strip(),
        lat,
        lon,
        "1" if geocoded and lat else "",
    ]


def build_locations(source: Path) -> tuple[list[list[str]], Counter[str]]:
    stats: Counter[str] = Counter()
    rows: dict[str, list[str]] = {}
    files = sorted((source / "by-country").glob("*.csv"))
    if not files:
        raise BuildError(f"no UN/LOCODE files under {source / 'by-country'}")
    for path in files:
        table = _read_csv(path)
        header, body = table[0], table[1:]
        if header[:10] != list(LOCODE_HEADER[:10]):
            raise BuildError(f"{path.name}: unexpected header {header}")
        for fields in body:
            if not fields:
                continue
            row = _location_row(fields, header, stats)
            if row is None:
                continue
            locode = row[0] + row[1]
            if locode in rows:
                # bilingual places are listed twice ("Brussel (Bruxelles)" / "Bruxelles (Brussel)");
                # the first spelling names both, so the second adds nothing a search would miss
                stats["dropped: second spelling of a locode"] += 1
                continue
            rows[locode] = row
    stats["files"] = len(files)
    return [rows[k] for k in sorted(rows)], stats


def build_side_tables(source: Path) -> tuple[list[list[str]], list[list[str]], list[list[str]], int]:
    functions = [[r[0].strip(), r[1].strip()] for r in _read_csv(source / "function-classifiers.csv")[1:] if r]
    status = [[r[0].strip(), r[1].strip()] for r in _read_csv(source / "status-indicators.csv")[1:] if r]
    seen: set[tuple[str, str]] = set()
    subdivisions: list[list[str]] = []
    dropped = 0
    for country, code, name, kind in _read_csv(source / "subdivision-codes.csv")[1:]:
        key = (country.strip(), code.strip())
        if key in seen:
            dropped += 1  # exact duplicates, and one alternative name (MA-KES)
            continue
        seen.add(key)
        subdivisions.append([key[0], key[1], name.strip(), kind.strip()])
    subdivisions.sort(key=lambda r: (r[0], r[1]))
    return functions, status, subdivisions, dropped


NOTICE = """\
# Reference data shipped with silkport

Generated by `scripts/build_refdata.py` from the public data sets below; do not edit by hand.

## Harmonized System 2022 — `hs2022.csv`, `hs-sections.csv`

- Source: the `datasets/harmonized-system` data package (https://github.com/datasets/harmonized-system),
  version 2022.0. Descriptions are UN Comtrade's short texts (https://comtrade.un.org/), not the
  legal WCO wording.
- Licence: Open Data Commons Public Domain Dedication and Licence (ODC PDDL) 1.0,
  http://opendatacommons.org/licenses/pddl/1-0/
- Changes: the TOTAL row is dropped (chapters have an empty parent); UN Comtrade's chapter 99
  "Commodities not specified according to kind" (99, 9999, 999999) is kept with an empty section, as
  it is not part of the WCO nomenclature; the BOM is stripped from the sections file.
- Contents: {chapters} chapters, {headings} headings, {subheadings} subheadings, {sections} sections.

## UN/LOCODE — `unlocode.csv.gz`

- Data: UN/LOCODE, United Nations Economic Commission for Europe (UNECE),
  https://unece.org/trade/cefact/unlocode-code-list-country-and-territory
- Distributed via the `@geoapify/un-locode` package, MIT licence (`LICENSE-geoapify-MIT.txt`,
  Copyright (c) 2024 Geoapify). Coordinates flagged `geocoded=1` were filled in by Geoapify,
  not by UNECE.
- Changes: all per-country files merged and sorted by code ({locations} locations, {countries} countries);
  coordinates rounded to 5 decimal places; {split} names that the source had split at a comma are
  re-joined (their status and IATA columns were lost upstream and are left empty, and their
  coordinates are kept only when geocoded); {fffd} names whose diacritics the source had replaced by
  U+FFFD use the ASCII spelling instead; {badcoord} out-of-range or NaN coordinates are dropped;
  {dups} second listings of a bilingual place ("Bruxelles (Brussel)" after "Brussel (Bruxelles)") are
  dropped, the first spelling kept.

## UN/LOCODE side tables — `unlocode-functions.csv`, `unlocode-status.csv`, `unlocode-subdivisions.csv.gz`

- Source: the `datasets/un-locode` data package (https://github.com/datasets/un-locode), version 2024.2.0,
  data from UNECE.
- Licence: Open Data Commons Public Domain Dedication and Licence (ODC PDDL) 1.0.
- Changes: headers renamed to `code,description` and `country,code,name,type`; {subdup} duplicate
  subdivision rows dropped (first name kept).
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="shared data directory")
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET, help="package data directory")
    args = parser.parse_args(argv)
    source: Path = args.source
    target: Path = args.target
    target.mkdir(parents=True, exist_ok=True)

    try:
        hs_rows, sections = build_hs(source / "hs")
        locations, stats = build_locations(source / "unlocode")
        functions, status, subdivisions, sub_dropped = build_side_tables(source / "unlocode")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    sizes = {
        "hs2022.csv": _write(target / "hs2022.csv", _csv_bytes(HS_HEADER, hs_rows)),
        "hs-sections.csv": _write(target / "hs-sections.csv", _csv_bytes(("section", "name"), sections)),
        "unlocode.csv.gz": _write(target / "unlocode.csv.gz", _csv_bytes(LOCODE_HEADER, locations), gz=True),
        "unlocode-functions.csv": _write(
            target / "unlocode-functions.csv", _csv_bytes(("code", "description"), functions)
        ),
        "unlocode-status.csv": _write(target / "unlocode-status.csv", _csv_bytes(("code", "description"), status)),
        "unlocode-subdivisions.csv.gz": _write(
            target / "unlocode-subdivisions.csv.gz",
            _csv_bytes(("country", "code", "name", "type"), subdivisions),
            gz=True,
        ),
    }
    shutil.copyfile(source / "unlocode" / "LICENSE-geoapify-MIT.txt", target / "LICENSE-geoapify-MIT.txt")
    levels = Counter(r[4] for r in hs_rows)
    notice = NOTICE.format(
        chapters=levels["2"],
        headings=levels["4"],
        subheadings=levels["6"],
        sections=len(sections),
        locations=len(locations),
        countries=len({r[0] for r in locations}),
        split=stats["split name repaired"],
        fffd=stats["name with U+FFFD -> ASCII name"],
        badcoord=stats["coordinates dropped: invalid"],
        dups=stats["dropped: second spelling of a locode"],
        subdup=sub_dropped,
    )
    (target / "NOTICE.md").write_text(notice, encoding="utf-8")
    sizes["LICENSE-geoapify-MIT.txt"] = (target / "LICENSE-geoapify-MIT.txt").stat().st_size
    sizes["NOTICE.md"] = (target / "NOTICE.md").stat().st_size

    print(f"HS: {len(sections)} sections, {dict(sorted(levels.items()))} entries by level")
    print(f"UN/LOCODE: {len(locations)} locations in {len({r[0] for r in locations})} countries")
    for key, value in sorted(stats.items()):
        print(f"  {key}: {value}")
    print(f"side tables: {len(functions)} functions, {len(status)} status codes, {len(subdivisions)} subdivisions")
    for name, size in sizes.items():
        print(f"  {name:32} {size:>10,} bytes")
    print(f"  {'total':32} {sum(sizes.values()):>10,} bytes -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
