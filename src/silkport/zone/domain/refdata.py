"""Reference data: the HS 2022 nomenclature and UN/LOCODE, held in memory (pure: no I/O).

``ReferenceData`` is built from plain iterables (an adapter reads the package files; tests build a
small one by hand). Lookups are dictionary hits; text search over the ~116,000 UN/LOCODE names scans
precomputed, case- and accent-folded strings in C (``str.find``, ``re``, ``bisect``) and stops as soon
as it has ``limit`` results, so a query costs a few milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import accumulate, islice

from silkport.shared.codes import is_locode_shaped, normalise_locode

HS_LEVELS = {2: "chapter", 4: "heading", 6: "subheading"}
_HS_CODE_RE = re.compile(r"^\d{2}(?:\d{2}){0,2}$")
_HS_NATIONAL_RE = re.compile(r"^\d{6,10}$")
_HS_SEPARATORS_RE = re.compile(r"[\s.]")
_WORD_RE = re.compile(r"\w+")
_LAST_CHAR = "\U0010ffff"
# a search text taken as a code too: 'CN URC', 'cn-urc', 'CNURC' -- but not 'paris' (a name first)
_LOCODE_QUERY_RE = re.compile(r"^(?:[A-Za-z]{2}[\s-]+[A-Za-z0-9]{3}|[A-Z]{2}[A-Z0-9]{3})$")


def normalise_hs(code: str) -> str:
    """'8471.30', ' 8471 30 ' and '847130' all become '847130' (digits are not otherwise checked)."""
    return _HS_SEPARATORS_RE.sub("", code)


def is_hs_shaped(code: str) -> bool:
    """2, 4 or 6 digits after normalising: a chapter, heading or subheading code."""
    return bool(_HS_CODE_RE.match(normalise_hs(code)))


def is_hs_national_shaped(code: str) -> bool:
    """6 to 10 digits after normalising: an HS subheading with an optional national extension."""
    return bool(_HS_NATIONAL_RE.match(normalise_hs(code)))


def _fold_name(name: str) -> str:
    """``fold`` for a name from the data, whose whitespace is already clean (the common case is fast)."""
    return name.lower() if name.isascii() else fold(name)


def fold(text: str) -> str:
    """Search form of a text: whitespace collapsed, accents dropped, case folded ('Ürümqi' -> 'urumqi')."""
    text = " ".join(text.split())
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class HsSection:
    """One of the 21 sections of the Harmonized System (code is a Roman numeral)."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class HsEntry:
    """A chapter (2 digits), heading (4) or subheading (6) of HS 2022."""

    code: str
    description: str
    level: int
    parent: str | None
    section: str | None  # None for UN Comtrade's chapter 99, which is outside the WCO sections

    @property
    def kind(self) -> str:
        return HS_LEVELS.get(self.level, "unknown")

    @property
    def in_nomenclature(self) -> bool:
        """False for chapter 99 ('not specified according to kind'), a statistical code, not WCO HS."""
        return self.section is not None

    @property
    def dotted(self) -> str:
        """The code as customs forms print it: '8471.30'."""
        return self.code if self.level < 6 else f"{self.code[:4]}.{self.code[4:]}"


@dataclass(frozen=True, slots=True)
class Location:
    """A UN/LOCODE entry. ``functions`` is the 8-character classifier, e.g. '-23456--'."""

    locode: str
    country: str
    location: str
    name: str
    name_ascii: str
    subdivision: str
    status: str
    functions: str
    iata: str
    lat: Decimal | None
    lon: Decimal | None
    geocoded: bool = False  # coordinates filled in by Geoapify rather than given by UNECE

    @property
    def spaced(self) -> str:
        """The code as usually printed: 'CN URC'."""
        return f"{self.country} {self.location}"

    @property
    def function_codes(self) -> tuple[str, ...]:
        """The classifier's set positions, e.g. ('2', '3', '4', '5', '6') for '-23456--'."""
        return tuple(c for c in self.functions if c != "-")

    def has_function(self, code: str) -> bool:
        """True if the classifier has ``code`` ('1' port ... '7' fixed installation, 'B' border, 'A' SEZ)."""
        return len(code) == 1 and code != "-" and code in self.functions

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Subdivision:
    """An ISO 3166-2 subdivision as UN/LOCODE refers to it (country 'CN', code 'XJ')."""

    country: str
    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class ReferenceCounts:
    hs_sections: int
    hs_chapters: int
    hs_headings: int
    hs_subheadings: int
    locations: int
    countries: int
    locations_by_function: Mapping[str, int]

    def with_function(self, code: str) -> int:
        return self.locations_by_function.get(code, 0)


class LocodeCheck(StrEnum):
    """What a code is to the list: in it, well-formed but absent ("unverified", not an error), or not a code."""

    KNOWN = "known"
    UNVERIFIED = "unverified"
    MALFORMED = "malformed"


_Keyed = tuple[str, str, "Location"]  # (folded name, locode, location): sorts by name, then code


class _NameIndex:
    """Locations sorted by folded name, the names also joined into one string for C-speed scanning."""

    __slots__ = ("_blob", "_keys", "_locations", "_starts")

    def __init__(self, keyed: Sequence[_Keyed]) -> None:
        self._keys = [k[0] for k in keyed]
        self._locations = [k[2] for k in keyed]
        self._blob = "\n".join(self._keys)
        self._starts = [0, *accumulate(len(k) + 1 for k in self._keys)][: len(self._keys)]

    def __len__(self) -> int:
        return len(self._locations)

    def search(self, q: str, wanted: Callable[[Location], bool], limit: int) -> list[Location]:
        """Up to ``limit`` wanted locations: names starting with ``q``, then names where a later word
        starts with it ('apt' in 'kashi apt'), then names containing it; each tier in name order."""
        if not q:
            return list(islice(filter(wanted, self._locations), limit))
        lo, hi = bisect_left(self._keys, q), bisect_left(self._keys, q + _LAST_CHAR)
        first = list(islice(filter(wanted, self._locations[lo:hi]), limit))
        need = limit - len(first)
        if need <= 0:
            return first
        later: list[Location] = []
        inside: list[Location] = []
        blob, starts, locations, n = self._blob, self._starts, self._locations, len(self._keys)
        pos = 0
        while len(later) < need and (off := blob.find(q, pos)) >= 0:
            i = bisect_right(starts, off) - 1
            next_line = starts[i + 1] if i + 1 < n else len(blob) + 1
            before = blob[off - 1] if off > 0 else "\n"
            if before == "\n" or not wanted(locations[i]):
                pos = next_line  # a prefix match (taken above) or filtered out: skip the whole name
            elif not before.isalnum():
                later.append(locations[i])
                if inside and inside[-1] is locations[i]:
                    inside.pop()
                pos = next_line
            else:
                if len(inside) < need and (not inside or inside[-1] is not locations[i]):
                    inside.append(locations[i])
                pos = off + 1  # a later occurrence in the same name may still start a word
        return first + (later + inside)[:need]


class ReferenceData:
    """HS 2022 and UN/LOCODE with O(1) lookups by code and fast text search."""

    def __init__(
        self,
        hs_entries: Iterable[HsEntry],
        hs_sections: Iterable[HsSection],
        locations: Iterable[Location],
        *,
        function_labels: Mapping[str, str] | None = None,
        status_labels: Mapping[str, str] | None = None,
        subdivisions: Iterable[Subdivision] = (),
    ) -> None:
        self._sections = {s.code: s for s in hs_sections}
        entries = sorted(hs_entries, key=lambda e: e.code)
        self._hs = {e.code: e for e in entries}
        self._hs_codes = [e.code for e in entries]
        children: dict[str, list[HsEntry]] = {}
        for e in entries:
            if e.parent is not None:
                children.setdefault(e.parent, []).append(e)
        self._hs_children = {k: tuple(v) for k, v in children.items()}
        self._hs_folded = [(e, fold(e.description)) for e in entries]

        self._locations: dict[str, Location] = {}
        for loc in locations:
            self._locations.setdefault(loc.locode, loc)
        keyed = sorted((_fold_name(loc.name_ascii or loc.name), loc.locode, loc) for loc in self._locations.values())
        self._keyed = keyed
        self._names = _NameIndex(keyed)
        keyed_by_country: dict[str, list[_Keyed]] = {}
        for k in keyed:
            keyed_by_country.setdefault(k[2].country, []).append(k)
        self._keyed_by_country = keyed_by_country
        self._by_country: dict[str, _NameIndex] = {}
        self._by_function: dict[str, _NameIndex] = {}
        self._countries = frozenset(keyed_by_country)
        self._function_labels = dict(function_labels or {})
        self._status_labels = dict(status_labels or {})
        self._subdivisions: dict[tuple[str, str], Subdivision] = {}
        for sub in subdivisions:
            self._subdivisions.setdefault((sub.country, sub.code), sub)
        self._counts: ReferenceCounts | None = None

    # ------------------------------------------------------------------------------------------ HS

    def hs(self, code: str) -> HsEntry | None:
        """The chapter, heading or subheading for a 2, 4 or 6 digit code ('8471.30' is accepted)."""
        return self._hs.get(normalise_hs(code))

    def hs_national(self, code: str) -> HsEntry | None:
        """The 6-digit subheading a national tariff line (8-10 digits, e.g. '8471300000') extends."""
        digits = normalise_hs(code)
        if not _HS_NATIONAL_RE.match(digits):
            return None
        entry = self._hs.get(digits[:6])
        return entry if entry is not None and entry.level == 6 else None

    def hs_exists(self, code6: str) -> bool:
        """True if ``code6`` is a 6-digit subheading of HS 2022 (headings and chapters are not)."""
        entry = self._hs.get(normalise_hs(code6))
        return entry is not None and entry.level == 6

    def hs_children(self, code: str) -> tuple[HsEntry, ...]:
        return self._hs_children.get(normalise_hs(code), ())

    def hs_ancestors(self, code: str) -> tuple[HsEntry, ...]:
        """From the chapter down to the direct parent; empty for a chapter or an unknown code."""
        out: list[HsEntry] = []
        entry = self.hs(code)
        while entry is not None and entry.parent is not None:
            entry = self._hs.get(entry.parent)
            if entry is not None:
                out.append(entry)
        return tuple(reversed(out))

    def hs_chapters(self) -> tuple[HsEntry, ...]:
        return tuple(e for e in self._hs.values() if e.level == 2)

    def hs_section(self, code: str) -> HsSection | None:
        return self._sections.get(code)

    def hs_sections(self) -> tuple[HsSection, ...]:
        return tuple(self._sections.values())

    def hs_search(self, text: str, limit: int = 20) -> tuple[HsEntry, ...]:
        """Digits: entries whose code starts with them, in code order. Words: entries whose description
        contains every word (case-insensitive), whole-word matches first, then in code order."""
        if limit <= 0:
            return ()
        digits = normalise_hs(text)
        if digits.isdigit():
            lo, hi = bisect_left(self._hs_codes, digits), bisect_left(self._hs_codes, digits + _LAST_CHAR)
            return tuple(self._hs[c] for c in self._hs_codes[lo : min(hi, lo + limit)])
        words = _WORD_RE.findall(fold(text))
        if not words:
            return ()
        whole = [re.compile(rf"\b{re.escape(w)}\b") for w in words]
        exact: list[HsEntry] = []
        partial: list[HsEntry] = []
        for entry, folded in self._hs_folded:
            if all(w in folded for w in words):
                if all(p.search(folded) for p in whole):
                    exact.append(entry)
                    if len(exact) >= limit:
                        break
                elif len(partial) < limit:
                    partial.append(entry)
        return tuple((exact + partial)[:limit])

    # ----------------------------------------------------------------------------------- UN/LOCODE

    def location(self, locode: str) -> Location | None:
        """The entry for 'CN URC', 'CNURC' or 'cn-urc'; None if the list does not have it."""
        return self._locations.get(normalise_locode(locode))

    def check_locode(self, locode: str) -> LocodeCheck:
        if normalise_locode(locode) in self._locations:
            return LocodeCheck.KNOWN
        return LocodeCheck.UNVERIFIED if is_locode_shaped(locode) else LocodeCheck.MALFORMED

    def _index_for(self, country: str | None, function: str | None) -> _NameIndex:
        """The smallest prepared index that holds every candidate (built on first use, then kept)."""
        if country is not None:
            index = self._by_country.get(country)
            if index is None:
                index = self._by_country[country] = _NameIndex(self._keyed_by_country.get(country, []))
            return index
        if function is not None:
            index = self._by_function.get(function)
            if index is None:
                keyed = [k for k in self._keyed if function in k[2].functions] if function != "-" else []
                index = self._by_function[function] = _NameIndex(keyed)
            return index
        return self._names

    def location_search(
        self,
        text: str,
        country: str | None = None,
        function: str | None = None,
        limit: int = 20,
    ) -> tuple[Location, ...]:
        """Locations whose name matches ``text``, best first: the code itself ('cnurc', 'CN URC'),
        then names equal to or starting with the text, then a later word starting with it, then the
        text anywhere; within each tier in name order. Case and accents are ignored. ``country``
        (ISO alpha-2) and ``function`` (one classifier character) narrow the result."""
        if limit <= 0:
            return ()
        country = country.strip().upper() if country else None
        function = function.strip().upper() if function else None
        index = self._index_for(country, function)

        def wanted(loc: Location) -> bool:
            return function is None or loc.has_function(function)

        def eligible(loc: Location | None) -> bool:
            return loc is not None and (country is None or loc.country == country) and wanted(loc)

        q = fold(text)
        by_code = self.location(text)
        if eligible(by_code) and by_code is not None and _LOCODE_QUERY_RE.match(text.strip()):
            rest = index.search(q, lambda loc: loc is not by_code and wanted(loc), limit - 1)
            return (by_code, *rest)
        found = index.search(q, wanted, limit)
        if not found and eligible(by_code) and by_code is not None:
            return (by_code,)  # 'cnurc': no name matches, but it is a code
        return tuple(found)

    def countries(self) -> frozenset[str]:
        """The ISO alpha-2 codes (plus UN/LOCODE's XZ, international waters) that have locations."""
        return self._countries

    def function_label(self, code: str) -> str | None:
        return self._function_labels.get(code)

    def function_labels(self, location: Location) -> tuple[tuple[str, str], ...]:
        """(code, description) for each function of ``location``, e.g. ('4', 'Air transport ...')."""
        return tuple((c, self._function_labels.get(c, c)) for c in location.function_codes)

    def all_function_labels(self) -> Mapping[str, str]:
        return dict(self._function_labels)

    def status_label(self, code: str) -> str | None:
        return self._status_labels.get(code)

    def subdivision(self, country: str, code: str) -> Subdivision | None:
        return self._subdivisions.get((country, code))

    def subdivision_of(self, location: Location) -> Subdivision | None:
        return self._subdivisions.get((location.country, location.subdivision)) if location.subdivision else None

    # -------------------------------------------------------------------------------------- totals

    def counts(self) -> ReferenceCounts:
        if self._counts is None:
            levels = Counter(e.level for e in self._hs.values())
            functions: Counter[str] = Counter()
            for loc in self._locations.values():
                functions.update(set(loc.function_codes))
            self._counts = ReferenceCounts(
                hs_sections=len(self._sections),
                hs_chapters=levels[2],
                hs_headings=levels[4],
                hs_subheadings=levels[6],
                locations=len(self._locations),
                countries=len(self._countries),
                locations_by_function=dict(sorted(functions.items())),
            )
        return self._counts
