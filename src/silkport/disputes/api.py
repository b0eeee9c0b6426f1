"""HTTP API of the international legal service desk."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from silkport.disputes.domain import model as m
from silkport.disputes.services import handlers as h
from silkport.disputes.services.ports import CaseFilter, DisputesUnitOfWork, DocumentVersion
from silkport.infra.web import CurrentActor, service
from silkport.shared.actor import Actor
from silkport.shared.codes import is_country
from silkport.shared.errors import FieldError, ValidationFailed

router = APIRouter(prefix="/api/v1/disputes", tags=["disputes"])
Uow = Annotated[DisputesUnitOfWork, Depends(service("disputes"))]
Json = dict[str, Any]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CounselIn(_In):
    name: str = Field(min_length=1, max_length=200)
    firm: str | None = Field(default=None, max_length=200)
    identifier: str | None = Field(default=None, max_length=100)


class PartyIn(_In):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2)
    role: m.PartyRole
    enterprise_id: str | None = Field(default=None, max_length=32)
    identifier: str | None = Field(default=None, max_length=100)
    time_zone: str = Field(default="UTC", max_length=64)
    counsel: CounselIn | None = None


class LinkIn(_In):
    kind: str = Field(max_length=32)
    ref: str = Field(max_length=64)


class IntakeIn(_In):
    type: m.CaseType
    subject: str = Field(max_length=300)
    parties: list[PartyIn] = Field(max_length=20)
    languages: list[str] = Field(default_factory=lambda: ["en"], max_length=5)
    governing_law: str | None = Field(default=None, max_length=100)
    seat: str | None = Field(default=None, max_length=2)
    amount: Decimal | None = Field(default=None, max_digits=20, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)


class TransitionIn(_In):
    to: m.Status
    note: str = Field(default="", max_length=500)


class ExtensionIn(_In):
    new_due: date
    reason: str = Field(max_length=500)


class HearingIn(_In):
    starts_at: datetime
    minutes: int
    place: str = Field(max_length=200)


class NeutralIn(_In):
    name: str = Field(max_length=200)
    identifier: str | None = Field(default=None, max_length=100)


class AppointIn(NeutralIn):
    role: m.NeutralRole
    independence_declaration: str = Field(max_length=4000)


class FeeIn(_In):
    kind: str = Field(max_length=32)
    description: str = Field(default="", max_length=300)
    amount: Decimal = Field(max_digits=20, decimal_places=2)
    currency: str = Field(max_length=3)
    borne_by: str | None = Field(default=None, max_length=32)


class OutcomeIn(_In):
    kind: m.OutcomeKind
    decided_on: date
    amount: Decimal | None = Field(default=None, max_digits=20, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3)
    in_favour_of: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=2000)


class EnforcementIn(_In):
    country: str = Field(min_length=2, max_length=2)
    court: str = Field(max_length=200)
    filed_on: date


class EnforcementUpdateIn(_In):
    status: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)


def _money(amount: Decimal | None, currency: str | None) -> Json | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def case_summary(c: m.Case) -> Json:
    return {
        "id": c.id, "reference": c.reference, "type": c.type.value, "status": c.status.value,
        "intake": c.intake.value, "subject": c.subject, "opened_at": c.opened_at.isoformat(),
        "countries": sorted(c.countries), "cross_border": c.cross_border,
        "parties": [{"id": p.id, "name": p.name, "country": p.country, "role": p.role.value} for p in c.parties],
        "amount_in_dispute": _money(c.amount, c.currency),
        "outcome": c.outcome.kind.value if c.outcome else None,
    }  # fmt: skip


def document_json(d: DocumentVersion) -> Json:
    return {
        "document_id": d.document_id, "version": d.version, "title": d.title, "filename": d.filename,
        "media_type": d.media_type, "size": d.size, "sha256": d.sha256, "uploaded_by": d.uploaded_by,
        "shared_with": list(d.shared_with), "at": d.at.isoformat(),
        "url": f"/api/v1/disputes/cases/{d.case_id}/documents/{d.document_id}/versions/{d.version}",
    }  # fmt: skip


def case_detail(c: m.Case, today: date, actor: Actor) -> Json:
    desk = h.is_desk(actor)
    return case_summary(c) | {
        "languages": list(c.languages), "governing_law": c.governing_law, "seat": c.seat,
        "legal_next": sorted(s.value for s in m.legal_targets(c.type, c.status)) if desk else [],
        "parties": [
            {
                "id": p.id, "name": p.name, "country": p.country, "role": p.role.value,
                "enterprise_id": p.enterprise_id, "identifier": p.identifier, "time_zone": p.time_zone,
                "counsel": None if p.counsel is None
                else {"name": p.counsel.name, "firm": p.counsel.firm, "identifier": p.counsel.identifier},
            }
            for p in c.parties
        ],
        "links": [{"kind": x.kind, "ref": x.ref} for x in c.links],
        "deadlines": [
            {
                "code": d.code, "label": d.label, "due": d.due.isoformat(), "state": d.state(today),
                "met_on": d.met_on.isoformat() if d.met_on else None,
                "reminded_on": d.reminded_on.isoformat() if d.reminded_on else None,
                "extensions": [
                    {"previous_due": e.previous_due.isoformat(), "new_due": e.new_due.isoformat(),
                     "reason": e.reason, "granted_by": e.granted_by, "at": e.at.isoformat()}
                    for e in d.extensions
                ],
            }
            for d in c.deadlines
        ],
        "hearings": [
            {"id": x.id, "starts_at": x.starts_at.isoformat(), "minutes": x.minutes, "place": x.place,
             "local_times": x.local_times(c.parties)}
            for x in c.hearings
        ],
        "neutrals": [
            {"name": n.name, "role": n.role.value, "identifier": n.identifier,
             "independence_declaration": n.independence_declaration, "appointed_at": n.appointed_at.isoformat()}
            for n in c.neutrals
        ],
        "fees": [
            {"kind": f.kind, "description": f.description, "amount": str(f.amount), "currency": f.currency,
             "borne_by": f.borne_by, "at": f.at.isoformat()}
            for f in c.fees
        ],
        "fee_totals": {k: str(v) for k, v in c.fee_totals().items()},
        "outcome": None if c.outcome is None else {
            "kind": c.outcome.kind.value, "decided_on": c.outcome.decided_on.isoformat(),
            "amount": _money(c.outcome.amount, c.outcome.currency), "in_favour_of": c.outcome.in_favour_of,
            "note": c.outcome.note,
        },
        "enforcements": [
            {"id": e.id, "country": e.country, "court": e.court, "filed_on": e.filed_on.isoformat(),
             "status": e.status, "new_york_convention": e.new_york_convention}
            for e in c.enforcements
        ],
    }  # fmt: skip


def _full(uow: DisputesUnitOfWork, actor: Actor, case_id: str) -> Json:
    f = h.case_file(uow, actor, case_id)
    return case_detail(f.case, f.today, actor) | {
        "timeline": [
            {"at": t.at.isoformat(), "actor": t.actor, "action": t.action, "detail": t.detail} for t in f.timeline
        ],
        "documents": [document_json(d) for d in f.documents],
    }


# -- cases --------------------------------------------------------------------------------------------------------
@router.post("/cases", status_code=status.HTTP_201_CREATED)
def open_case(body: IntakeIn, uow: Uow, actor: CurrentActor) -> Json:
    """Intake of a consultation, mediation, arbitration or litigation-support case, by a party or the desk."""
    data = h.IntakeIn(
        body.type, body.subject,
        tuple(
            h.PartyIn(p.name, p.country.upper(), p.role, p.enterprise_id, p.identifier, p.time_zone,
                      None if p.counsel is None else m.Counsel(p.counsel.name, p.counsel.firm, p.counsel.identifier))
            for p in body.parties
        ),
        tuple(x.lower() for x in body.languages), body.governing_law,
        body.seat.upper() if body.seat else None, body.amount, body.currency.upper() if body.currency else None,
        tuple(m.Link(x.kind, x.ref) for x in body.links),
    )  # fmt: skip
    case = h.intake(uow, actor, data)
    return _full(uow, actor, case.id)


def _month(value: str | None) -> tuple[datetime | None, datetime | None]:
    if value is None:
        return None, None
    try:
        start = datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValidationFailed(FieldError("month", "give a month as YYYY-MM")) from exc
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


@router.get("/cases")
def list_cases(
    uow: Uow,
    actor: CurrentActor,
    type: m.CaseType | None = None,
    status_: Annotated[m.Status | None, Query(alias="status")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Json:
    """Cases (newest first) by type, status, a party's country and opening month (YYYY-MM); cursor paging."""
    if country is not None and not is_country(country.upper()):
        raise ValidationFailed(FieldError("country", f"{country!r} is not an ISO 3166 alpha-2 code"))
    start, end = _month(month)
    f = CaseFilter(None, type, status_, country.upper() if country else None, start, end)
    page = h.list_cases(uow, actor, f, cursor, limit)
    return {"items": [case_summary(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}")
def get_case(case_id: str, uow: Uow, actor: CurrentActor) -> Json:
    """Case detail: parties, time limits, hearings (in each party's time zone), documents, outcome, timeline."""
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/transitions")
def transition(case_id: str, body: TransitionIn, uow: Uow, actor: CurrentActor) -> Json:
    h.advance(uow, actor, case_id, body.to, body.note)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/deadlines/{code}/extensions")
def extend(case_id: str, code: str, body: ExtensionIn, uow: Uow, actor: CurrentActor) -> Json:
    h.extend_deadline(uow, actor, case_id, code, body.new_due, body.reason)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/hearings", status_code=status.HTTP_201_CREATED)
def hearing(case_id: str, body: HearingIn, uow: Uow, actor: CurrentActor) -> Json:
    h.schedule_hearing(uow, actor, case_id, body.starts_at, body.minutes, body.place)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/conflict-check")
def conflict_check(case_id: str, body: NeutralIn, uow: Uow, actor: CurrentActor) -> Json:
    """Whether a proposed mediator or arbitrator had any role with a party or its counsel in the desk's records."""
    found = h.conflict_check(uow, actor, case_id, body.name, body.identifier)
    return {
        "clear": not found,
        "conflicts": [
            {"case": f.case_reference, "reason": f.reason, "roles": list(f.roles), "with": list(f.shared_with)}
            for f in found
        ],
    }


@router.post("/cases/{case_id}/neutrals", status_code=status.HTTP_201_CREATED)
def appoint(case_id: str, body: AppointIn, uow: Uow, actor: CurrentActor) -> Json:
    h.appoint_neutral(uow, actor, case_id, body.name, body.role, body.identifier, body.independence_declaration)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/fees", status_code=status.HTTP_201_CREATED)
def fee(case_id: str, body: FeeIn, uow: Uow, actor: CurrentActor) -> Json:
    h.add_fee(uow, actor, case_id, body.kind, body.description, body.amount, body.currency.upper(), body.borne_by)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/outcome")
def outcome(case_id: str, body: OutcomeIn, uow: Uow, actor: CurrentActor) -> Json:
    """Record the outcome (settlement, award, judgment, advice; or withdrawal/dismissal): the case moves with it."""
    o = m.Outcome(
        body.kind, body.decided_on, body.amount, body.currency.upper() if body.currency else None,
        body.in_favour_of, body.note,
    )  # fmt: skip
    h.record_outcome(uow, actor, case_id, o)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/enforcements", status_code=status.HTTP_201_CREATED)
def enforcement(case_id: str, body: EnforcementIn, uow: Uow, actor: CurrentActor) -> Json:
    """Enforcement abroad, marked with whether the country is a New York Convention contracting state."""
    h.file_enforcement(uow, actor, case_id, body.country.upper(), body.court, body.filed_on)
    return _full(uow, actor, case_id)


@router.post("/cases/{case_id}/enforcements/{enforcement_id}")
def enforcement_update(
    case_id: str, enforcement_id: str, body: EnforcementUpdateIn, uow: Uow, actor: CurrentActor
) -> Json:
    """Move an enforcement along a legal edge: filed -> recognised | refused, recognised -> enforced (else 409)."""
    h.update_enforcement(uow, actor, case_id, enforcement_id, body.status, body.note)
    return _full(uow, actor, case_id)


# -- documents ----------------------------------------------------------------------------------------------------
@router.post("/cases/{case_id}/documents", status_code=status.HTTP_201_CREATED)
async def upload(
    case_id: str,
    uow: Uow,
    actor: CurrentActor,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=200)] = "",
    shared_with: Annotated[str, Form(max_length=2000)] = "",
    document_id: Annotated[str | None, Form(max_length=32)] = None,
) -> Json:
    """Upload a document (multipart), or a new version of one (``document_id``); ``shared_with`` lists party ids
    (comma-separated). The desk sees every document; a party sees what is shared with it or it uploaded."""
    content = await file.read(h.MAX_DOCUMENT_BYTES + 1)
    share = tuple(x.strip() for x in shared_with.split(",") if x.strip())
    v = h.upload_document(
        uow, actor, case_id, title=title, filename=file.filename or "document",
        media_type=file.content_type or "application/octet-stream", content=content, shared_with=share,
        document_id=document_id or None,
    )  # fmt: skip
    return document_json(v)


def _download(d: DocumentVersion, content: bytes) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in d.filename)
    return Response(
        content,
        media_type=d.media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-SHA256": d.sha256},
    )


@router.get("/cases/{case_id}/documents/{document_id}")
def download_latest(case_id: str, document_id: str, uow: Uow, actor: CurrentActor) -> Response:
    return _download(*h.download_document(uow, actor, case_id, document_id, None))


@router.get("/cases/{case_id}/documents/{document_id}/versions/{version}")
def download_version(case_id: str, document_id: str, version: int, uow: Uow, actor: CurrentActor) -> Response:
    return _download(*h.download_document(uow, actor, case_id, document_id, version))


@router.get("/cases/{case_id}/export.zip")
def export(case_id: str, uow: Uow, actor: CurrentActor) -> Response:
    """The case file as a ZIP: case.json, the documents the caller may see, index.json with their SHA-256."""
    detail = _full(uow, actor, case_id)
    raw = h.export_case_file(uow, actor, case_id, detail)
    return Response(
        raw,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{detail["reference"]}.zip"'},
    )


# -- desk-wide ----------------------------------------------------------------------------------------------------
@router.post("/reminders/run")
def reminders(uow: Uow, actor: CurrentActor) -> Json:
    """Send the reminders now due (each once per due date): webhook ``disputes.deadline_reminder``."""
    return {"sent": h.run_reminders(uow, actor)}


@router.get("/figures")
def figures(
    uow: Uow,
    actor: CurrentActor,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> Json:
    """Cases by type, status, party country and month; resolved (cross-border); median days to resolution."""
    if from_ is not None and to is not None and to < from_:
        raise ValidationFailed(FieldError("to", "must not be before 'from'"))
    return h.figures(uow, actor, from_, to)


@router.get("/new-york-convention/{country}")
def convention(country: str, uow: Uow, actor: CurrentActor) -> Json:
    """Whether a country is a contracting state of the 1958 New York Convention. The desk's table lists the 172
    parties known when it was read (data/NOTICE.md); a country not in it is "unknown" (``contracting_state``
    null), never "not a party", since a state may have joined since."""
    code = country.upper()
    if not is_country(code):
        raise ValidationFailed(FieldError("country", f"{country!r} is not an ISO 3166 alpha-2 code"))
    party = uow.convention_party(code)
    if party is None:
        return {"country": code, "contracting_state": None, "status": "unknown"}
    return {
        "country": code, "contracting_state": True, "status": "contracting_state", "participant": party.participant,
        "action": {"r": "ratification", "a": "accession", "d": "succession"}.get(party.action),
        "action_date": party.action_date.isoformat() if party.action_date else None,
        "in_force": party.in_force.isoformat() if party.in_force else None,
        "reservations": None if party.reservations is None else sorted(party.reservations),
        "source": party.source,
    }  # fmt: skip
