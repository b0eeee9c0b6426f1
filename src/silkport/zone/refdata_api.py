"""HTTP API of the reference data: HS 2022, UN/LOCODE, ISO 3166 countries and ISO 4217 currencies.

Public, read-only and unauthenticated. Decimals (coordinates) are strings. Unknown codes are RFC 9457
problems raised as domain errors: a malformed code is a 422 naming the field, an unknown one a 404;
a well-formed UN/LOCODE that the list lacks is "unverified" (404 saying so), not malformed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from silkport.shared.codes import all_countries, all_currencies, country_name, is_locode_shaped, normalise_locode
from silkport.shared.errors import FieldError, NotFound, ValidationFailed
from silkport.zone.adapters.refdata import reference_data
from silkport.zone.domain.refdata import (
    HsEntry,
    HsSection,
    Location,
    ReferenceData,
    is_hs_national_shaped,
    is_hs_shaped,
    normalise_hs,
)

router = APIRouter(prefix="/api/v1/refdata", tags=["reference data"])


def get_reference_data() -> ReferenceData:
    """The loaded reference data (a dependency, so tests may override it)."""
    return reference_data()


RefData = Annotated[ReferenceData, Depends(get_reference_data)]


# ------------------------------------------------------------------------------------------ shapes


class HsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=200, description="words of the description, or leading code digits")
    limit: int = Field(20, ge=1, le=100)


class LocationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field("", max_length=200, description="name (case and accents ignored) or a code such as 'CN URC'")
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166 alpha-2")
    function: str | None = Field(
        None, pattern=r"^[0-9A-Za-z]$", description="one UN/LOCODE function, e.g. '4' airport, 'A' SEZ"
    )
    limit: int = Field(20, ge=1, le=100)


class HsSectionRead(BaseModel):
    code: str
    name: str

    @classmethod
    def of(cls, s: HsSection) -> HsSectionRead:
        return cls(code=s.code, name=s.name)


class HsEntryRead(BaseModel):
    code: str
    dotted: str = Field(description="as printed on forms, e.g. '8471.30'")
    description: str
    level: int
    kind: str = Field(description="chapter, heading or subheading")
    parent: str | None
    section: str | None = Field(description="Roman numeral; null for UN Comtrade's chapter 99")

    @classmethod
    def of(cls, e: HsEntry) -> HsEntryRead:
        return cls(
            code=e.code,
            dotted=e.dotted,
            description=e.description,
            level=e.level,
            kind=e.kind,
            parent=e.parent,
            section=e.section,
        )


class HsDetail(BaseModel):
    requested: str = Field(description="the code as asked for, normalised (a national line keeps its digits)")
    entry: HsEntryRead
    section: HsSectionRead | None
    ancestors: list[HsEntryRead] = Field(description="chapter first, down to the direct parent")
    children: list[HsEntryRead]


class HsSearchResult(BaseModel):
    query: str
    count: int
    items: list[HsEntryRead]


class FunctionRead(BaseModel):
    code: str
    label: str


class LocationRead(BaseModel):
    locode: str = Field(description="5 characters, e.g. 'CNURC'")
    spaced: str = Field(description="as usually printed, e.g. 'CN URC'")
    country: str
    country_name: str | None
    location: str
    name: str
    name_ascii: str
    subdivision: str | None
    subdivision_name: str | None
    status: str | None
    status_label: str | None
    functions: list[FunctionRead]
    function_classifier: str = Field(description="the raw 8-character classifier, e.g. '-23456--'")
    iata: str | None
    lat: str | None = Field(description="decimal degrees as a string")
    lon: str | None = Field(description="decimal degrees as a string")
    geocoded: bool = Field(description="coordinates filled in by Geoapify rather than given by UNECE")

    @classmethod
    def of(cls, loc: Location, rd: ReferenceData) -> LocationRead:
        sub = rd.subdivision_of(loc)
        return cls(
            locode=loc.locode,
            spaced=loc.spaced,
            country=loc.country,
            country_name=country_name(loc.country),
            location=loc.location,
            name=loc.name,
            name_ascii=loc.name_ascii,
            subdivision=loc.subdivision or None,
            subdivision_name=sub.name if sub else None,
            status=loc.status or None,
            status_label=rd.status_label(loc.status) if loc.status else None,
            functions=[FunctionRead(code=c, label=label) for c, label in rd.function_labels(loc)],
            function_classifier=loc.functions,
            iata=loc.iata or None,
            lat=_decimal(loc.lat),
            lon=_decimal(loc.lon),
            geocoded=loc.geocoded,
        )


class LocationSearchResult(BaseModel):
    query: str
    country: str | None
    function: str | None
    count: int
    items: list[LocationRead]


class CodeName(BaseModel):
    code: str
    name: str


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


# --------------------------------------------------------------------------------------- endpoints


@router.get("/hs/{code}", response_model=HsDetail, summary="One HS chapter, heading or subheading")
def hs_entry(code: str, rd: RefData) -> HsDetail:
    """2, 4 or 6 digits (dots and spaces ignored: '8471.30'); 8-10 digits of a national tariff line
    give the 6-digit subheading it extends."""
    requested = normalise_hs(code)
    if is_hs_shaped(requested):
        entry = rd.hs(requested)
    elif is_hs_national_shaped(requested):
        entry = rd.hs_national(requested)
    else:
        raise ValidationFailed(
            FieldError("code", "must be 2, 4 or 6 digits (chapter, heading, subheading) or 8-10 digits (national line)")
        )
    if entry is None:
        raise NotFound(f"HS code {requested} is not in the HS 2022 nomenclature")
    section = rd.hs_section(entry.section) if entry.section else None
    return HsDetail(
        requested=requested,
        entry=HsEntryRead.of(entry),
        section=HsSectionRead.of(section) if section else None,
        ancestors=[HsEntryRead.of(a) for a in rd.hs_ancestors(entry.code)],
        children=[HsEntryRead.of(c) for c in rd.hs_children(entry.code)],
    )


@router.get("/hs", response_model=HsSearchResult, summary="Search HS 2022 by words or code prefix")
def hs_search(query: Annotated[HsQuery, Query()], rd: RefData) -> HsSearchResult:
    items = [HsEntryRead.of(e) for e in rd.hs_search(query.q, query.limit)]
    return HsSearchResult(query=query.q, count=len(items), items=items)


@router.get("/hs-sections", response_model=list[HsSectionRead], summary="The 21 sections of HS 2022")
def hs_sections(rd: RefData) -> list[HsSectionRead]:
    return [HsSectionRead.of(s) for s in rd.hs_sections()]


@router.get("/locations/{locode}", response_model=LocationRead, summary="One UN/LOCODE location")
def location(locode: str, rd: RefData) -> LocationRead:
    """'CN URC', 'CNURC' and 'cn-urc' are the same code."""
    found = rd.location(locode)
    if found is not None:
        return LocationRead.of(found, rd)
    code = normalise_locode(locode)
    if is_locode_shaped(code):
        raise NotFound(f"{code[:2]} {code[2:]} is well-formed but unverified: it is not in the UN/LOCODE list")
    raise ValidationFailed(
        FieldError("locode", "must be a UN/LOCODE: a 2-letter country and 3 letters or digits 2-9, e.g. 'CN URC'")
    )


@router.get("/locations", response_model=LocationSearchResult, summary="Search UN/LOCODE by name or code")
def location_search(query: Annotated[LocationQuery, Query()], rd: RefData) -> LocationSearchResult:
    """Name matches first where the name starts with the text, then where a later word does, then
    anywhere; ``country`` and ``function`` narrow the list."""
    country = query.country.upper() if query.country else None
    function = query.function.upper() if query.function else None
    labels = rd.all_function_labels()
    if function is not None and labels and function not in labels:
        raise ValidationFailed(FieldError("function", f"must be one of {', '.join(sorted(labels))}"))
    found = rd.location_search(query.q, country=country, function=function, limit=query.limit)
    items = [LocationRead.of(loc, rd) for loc in found]
    return LocationSearchResult(query=query.q, country=country, function=function, count=len(items), items=items)


@router.get("/countries", response_model=list[CodeName], summary="ISO 3166-1 countries")
def countries() -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in sorted(all_countries().items())]


@router.get("/currencies", response_model=list[CodeName], summary="ISO 4217 currencies")
def currencies() -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in sorted(all_currencies().items())]
