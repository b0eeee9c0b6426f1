"""Loads the reference data shipped in ``silkport/zone/data/refdata`` into a ``ReferenceData``.

The files are built by ``scripts/build_refdata.py`` (sources and licences: ``NOTICE.md`` next to them).
``reference_data()`` reads them once per process (about half a second) and hands out the same object.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

from silkport.zone.domain.refdata import HsEntry, HsSection, Location, ReferenceData, Subdivision

PACKAGE = "silkport.zone"
DATA_DIR = ("data", "refdata")


def data_dir() -> Traversable:
    directory = resources.files(PACKAGE)
    for part in DATA_DIR:
        directory = directory.joinpath(part)
    return directory


def _rows(name: str) -> Iterator[list[str]]:
    """The data rows of a packaged CSV (gzipped if the name ends in .gz), header skipped."""
    raw = data_dir().joinpath(name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    reader = csv.reader(io.StringIO(raw.decode("utf-8")))
    next(reader, None)
    return reader


def _labels(name: str) -> dict[str, str]:
    """A two-column code,description table."""
    return {code: text for code, text in _rows(name)}  # noqa: C416 -- unpacking checks there are two columns


def load_hs() -> tuple[list[HsEntry], list[HsSection]]:
    sections = [HsSection(code=code, name=name) for code, name in _rows("hs-sections.csv")]
    entries = [
        HsEntry(code=code, description=description, level=int(level), parent=parent or None, section=section or None)
        for section, code, description, parent, level in _rows("hs2022.csv")
    ]
    return entries, sections


def load_locations() -> list[Location]:
    return [
        Location(
            locode=country + location,
            country=country,
            location=location,
            name=name,
            name_ascii=name_ascii,
            subdivision=subdivision,
            status=status,
            functions=functions,
            iata=iata,
            lat=Decimal(lat) if lat else None,
            lon=Decimal(lon) if lon else None,
            geocoded=geocoded == "1",
        )
        for country, location, name, name_ascii, subdivision, status, functions, iata, lat, lon, geocoded in _rows(
            "unlocode.csv.gz"
        )
    ]


def load_reference_data() -> ReferenceData:
    """Read every packaged file afresh (tests and benchmarks; the app uses ``reference_data()``)."""
    entries, sections = load_hs()
    return ReferenceData(
        entries,
        sections,
        load_locations(),
        function_labels=_labels("unlocode-functions.csv"),
        status_labels=_labels("unlocode-status.csv"),
        subdivisions=[
            Subdivision(country=country, code=code, name=name, kind=kind)
            for country, code, name, kind in _rows("unlocode-subdivisions.csv.gz")
        ],
    )


@lru_cache(maxsize=1)
def reference_data() -> ReferenceData:
    """The process-wide reference data, loaded on first use."""
    return load_reference_data()
