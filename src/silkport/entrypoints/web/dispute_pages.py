"""Web pages of the legal service desk: the case list with filters, one case (timeline, parties, time limits,
hearings, documents, outcome) and the intake form.

The pages drive the same services as the API (``silkport.disputes.services.handlers``): access rules stay
there. Actions are POST forms with the session's CSRF token; on success they redirect (303) to the case, a
validation error re-renders the form with field-level messages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from silkport.disputes.api import _month
from silkport.disputes.domain import model as m
from silkport.disputes.services import handlers as h
from silkport.disputes.services.ports import CaseFilter, DisputesUnitOfWork
from silkport.entrypoints.web import i18n
from silkport.entrypoints.web.i18n import N_, gettext
from silkport.entrypoints.web.pages import CurrentViewer, Form, PageRoute, choice, is_htmx, render, require_csrf
from silkport.infra.web import service
from silkport.shared.clock import ZONE_TZ
from silkport.shared.codes import all_countries, all_currencies, is_country
from silkport.shared.errors import FieldError, IllegalTransition, ValidationFailed

DisputesUow = Annotated[DisputesUnitOfWork, Depends(service("disputes"))]
router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _text(form: FormData, name: str, limit: int = 300) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@router.get("/disputes", response_class=HTMLResponse)
def case_list(
    request: Request,
    viewer: CurrentViewer,
    uow: DisputesUow,
    type: str = "",
    status: str = "",
    country: str = "",
    month: str = "",
    cursor: str | None = None,
) -> Response:
    case_type = choice("type", type, m.CaseType)
    case_status = choice("status", status, m.Status)
    code = country.strip().upper() or None
    if code is not None and not is_country(code):
        raise ValidationFailed(FieldError("country", gettext("%(code)r is not an ISO 3166 alpha-2 code", code=country)))
    start, end = _month(month.strip() or None)
    page = h.list_cases(uow, viewer.actor, CaseFilter(None, case_type, case_status, code, start, end), cursor, 25)
    context: dict[str, Any] = {
        "cases": page.items,
        "next_cursor": page.next_cursor,
        "filters": {"type": type, "status": status, "country": code or "", "month": month},
        "types": list(m.CaseType),
        "statuses": list(m.Status),
    }
    template = "disputes/_rows.html" if is_htmx(request) else "disputes/list.html"
    return render(request, template, context, viewer=viewer, active="disputes")


def _intake_context(values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "types": list(m.CaseType),
        "countries": all_countries(),
        "currencies": sorted(all_currencies()),
    }


FIELDS = (
    "type", "subject", "claimant_name", "claimant_country", "claimant_tz", "claimant_counsel", "respondent_name",
    "respondent_country", "respondent_tz", "respondent_identifier", "respondent_counsel", "languages",
    "governing_law", "seat", "amount", "currency", "link_kind", "link_ref",
)  # fmt: skip


@router.get("/disputes/new", response_class=HTMLResponse)
def intake_form(request: Request, viewer: CurrentViewer) -> Response:
    values = dict.fromkeys(FIELDS, "")
    values |= {"type": "arbitration", "claimant_country": "CN", "claimant_tz": "Asia/Urumqi", "respondent_tz": "UTC",
               "languages": "zh, en"}  # fmt: skip
    return render(request, "disputes/new.html", _intake_context(values, {}), viewer=viewer, active="disputes")


@router.post("/disputes/new", response_class=HTMLResponse)
def intake(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow) -> Response:
    require_csrf(request, form)
    values = {name: _text(form, name) for name in FIELDS}
    errors: dict[str, list[str]] = {}
    try:
        case_type = choice("type", values["type"], m.CaseType)
        if case_type is None:
            raise ValidationFailed(FieldError("type", gettext("choose the kind of case")))
        amount = None
        if values["amount"]:
            try:
                amount = Decimal(values["amount"])
            except InvalidOperation as exc:
                raise ValidationFailed(FieldError("amount", gettext("is not a number"))) from exc
        own = viewer.actor.enterprise_id if viewer.actor.is_enterprise_bound else None
        parties = [
            h.PartyIn(values["claimant_name"], values["claimant_country"].upper(), m.PartyRole.CLAIMANT, own, None,
                      values["claimant_tz"] or "UTC",
                      m.Counsel(values["claimant_counsel"]) if values["claimant_counsel"] else None),
        ]  # fmt: skip
        if values["respondent_name"]:
            parties.append(
                h.PartyIn(values["respondent_name"], values["respondent_country"].upper(), m.PartyRole.RESPONDENT,
                          None, values["respondent_identifier"] or None, values["respondent_tz"] or "UTC",
                          m.Counsel(values["respondent_counsel"]) if values["respondent_counsel"] else None)
            )  # fmt: skip
        links = (m.Link(values["link_kind"], values["link_ref"]),) if values["link_ref"] else ()
        data = h.IntakeIn(
            case_type, values["subject"], tuple(parties),
            tuple(x.strip().lower() for x in values["languages"].split(",") if x.strip()),
            values["governing_law"] or None, values["seat"].upper() or None, amount,
            values["currency"].upper() or None, links,
        )  # fmt: skip
        case = h.intake(uow, viewer.actor, data)
    except ValidationFailed as exc:
        for e in exc.errors:
            name = e.field.replace("parties[0].", "claimant_").replace("parties[1].", "respondent_")
            name = {"links[0].ref": "link_ref", "links[0].kind": "link_kind"}.get(name, name)
            errors.setdefault(name, []).append(i18n.field_message(e))
        context = _intake_context(values, errors)
        return render(request, "disputes/new.html", context, viewer=viewer, active="disputes", status_code=422)
    return RedirectResponse(f"/disputes/{case.id}", status_code=303)


#: the notes a desk action leaves on the case page (?msg=...), translated when shown; anything else shows as sent
FLASH_MESSAGES = (
    N_("Outcome recorded"),
    N_("Appointed"),
    N_("Hearing scheduled"),
    N_("Document uploaded"),
    N_("Fee recorded"),
    N_("Time limit extended"),
    N_("Enforcement filed"),
    N_("Enforcement updated"),
    N_("New version uploaded"),
)

#: values the pages show through ``|label`` that no extractor sees: an enforcement's states, a candidate's capacity
#: in an earlier case, the article I(3) reservations
RUNTIME_LABELS = (
    N_("Filed"), N_("Recognised"), N_("Refused"), N_("Enforced"), N_("Party"), N_("Counsel"), N_("Neutral"),
    N_("Reciprocity"), N_("Commercial"),
)  # fmt: skip


def _flash(msg: str) -> str:
    moved = msg.removeprefix("Moved to ")
    if moved != msg and moved:
        return gettext("Moved to %(status)s", status=i18n.label(moved).lower())
    return gettext(msg) if msg in FLASH_MESSAGES else msg


@router.get("/disputes/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str, msg: str = "") -> Response:
    f = h.case_file(uow, viewer.actor, case_id)
    desk = h.is_desk(viewer.actor)
    context = {
        "c": f.case,
        "timeline": f.timeline,
        "documents": f.documents,
        "today": f.today,
        "desk": desk,
        "next_statuses": sorted(
            s.value for s in m.legal_targets(f.case.type, f.case.status) if s not in m.OUTCOME_TARGETS
        ),
        "outcome_kinds": [m.DECISIONS[f.case.type].value, "withdrawal", "dismissal"],
        "message": _flash(msg[:200]),
        # the time limits' names in the reader's language (the desk's table; a deadline records the English)
        "limit_names": {t.code: t.name_in(i18n.current_locale()) for t in uow.time_limits},
    }
    return render(request, "disputes/detail.html", context, viewer=viewer, active="disputes")


@router.post("/disputes/{case_id}/transition")
def transition(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    require_csrf(request, form)
    target = choice("to", _text(form, "to"), m.Status)
    if target is None:
        raise ValidationFailed(FieldError("to", gettext("choose the next status")))
    h.advance(uow, viewer.actor, case_id, target, _text(form, "note", 500))
    return RedirectResponse(f"/disputes/{case_id}?msg=Moved+to+{target.value}", status_code=303)


@router.post("/disputes/{case_id}/outcome")
def outcome(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    require_csrf(request, form)
    kind = choice("kind", _text(form, "kind"), m.OutcomeKind)
    if kind is None:
        raise ValidationFailed(FieldError("kind", gettext("choose the outcome")))
    try:
        decided_on = date.fromisoformat(_text(form, "decided_on"))
        amount = Decimal(_text(form, "amount")) if _text(form, "amount") else None
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed(
            FieldError("decided_on", gettext("give a date (YYYY-MM-DD) and a numeric amount"))
        ) from exc
    currency = _text(form, "currency").upper() or None
    h.record_outcome(
        uow, viewer.actor, case_id, m.Outcome(kind, decided_on, amount, currency, None, _text(form, "note", 2000))
    )
    return RedirectResponse(f"/disputes/{case_id}?msg=Outcome+recorded", status_code=303)


@router.post("/disputes/{case_id}/neutrals")
def appoint(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    """Appoint a mediator or arbitrator: the conflict check runs first, the declaration is required."""
    require_csrf(request, form)
    role = choice("role", _text(form, "role"), m.NeutralRole)
    if role is None:
        raise ValidationFailed(FieldError("role", gettext("choose mediator or arbitrator")))
    h.appoint_neutral(
        uow, viewer.actor, case_id, _text(form, "name", 200), role, _text(form, "identifier", 100) or None,
        _text(form, "independence_declaration", 4000),
    )  # fmt: skip
    return RedirectResponse(f"/disputes/{case_id}?msg=Appointed", status_code=303)


@router.post("/disputes/{case_id}/hearings")
def hearing(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    """A hearing at a time given in the zone's time (Urumqi) unless an offset is given."""
    require_csrf(request, form)
    try:
        starts = datetime.fromisoformat(_text(form, "starts_at"))
        minutes = int(_text(form, "minutes") or "60")
    except ValueError as exc:
        raise ValidationFailed(
            FieldError("starts_at", gettext("give a date and time and a number of minutes"))
        ) from exc
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=ZONE_TZ)
    h.schedule_hearing(uow, viewer.actor, case_id, starts, minutes, _text(form, "place", 200))
    return RedirectResponse(f"/disputes/{case_id}?msg=Hearing+scheduled", status_code=303)


@router.post("/disputes/{case_id}/documents")
async def upload(request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str) -> Response:
    """Upload a document from the case page, shared with the ticked parties."""
    form = await request.form()
    require_csrf(request, form)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ValidationFailed(FieldError("file", gettext("choose a file")))
    content = await file.read(h.MAX_DOCUMENT_BYTES + 1)
    share = tuple(str(x) for x in form.getlist("shared_with") if isinstance(x, str) and x)
    await run_in_threadpool(
        h.upload_document, uow, viewer.actor, case_id, title=_text(form, "title", 200),
        filename=file.filename or "document", media_type=file.content_type or "application/octet-stream",
        content=content, shared_with=share,
    )  # fmt: skip
    return RedirectResponse(f"/disputes/{case_id}?msg=Document+uploaded", status_code=303)


def _decimal(form: FormData, name: str) -> Decimal:
    try:
        return Decimal(_text(form, name))
    except InvalidOperation as exc:
        raise ValidationFailed(FieldError(name, gettext("is not a number"))) from exc


def _day(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError as exc:
        raise ValidationFailed(FieldError(name, gettext("give a date (YYYY-MM-DD)"))) from exc


@router.post("/disputes/{case_id}/fees")
def fee(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    require_csrf(request, form)
    h.add_fee(
        uow, viewer.actor, case_id, _text(form, "kind", 32), _text(form, "description"), _decimal(form, "amount"),
        _text(form, "currency", 3).upper(), _text(form, "borne_by", 32) or None,
    )  # fmt: skip
    return RedirectResponse(f"/disputes/{case_id}?msg=Fee+recorded", status_code=303)


@router.post("/disputes/{case_id}/extensions")
def extension(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    require_csrf(request, form)
    h.extend_deadline(
        uow, viewer.actor, case_id, _text(form, "code", 64), _day(form, "new_due"), _text(form, "reason", 500)
    )
    return RedirectResponse(f"/disputes/{case_id}?msg=Time+limit+extended", status_code=303)


@router.post("/disputes/{case_id}/enforcements")
def enforcement(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    require_csrf(request, form)
    h.file_enforcement(
        uow, viewer.actor, case_id, _text(form, "country", 2).upper(), _text(form, "court", 200),
        _day(form, "filed_on"),
    )  # fmt: skip
    return RedirectResponse(f"/disputes/{case_id}?msg=Enforcement+filed", status_code=303)


# -- the forms only the API had: a stand-alone conflict check, enforcement steps, new document versions ---------
def _field_text(e: FieldError) -> str:
    """A field error in the reader's language (its template translated, else the catalog's translation of the
    English text, else as written)."""
    return i18n.field_message(e)


def _errors_of(exc: ValidationFailed, fields: tuple[str, ...], other: str) -> dict[str, list[str]]:
    """Field errors keyed by the form's own field names; an error on a field the form has not goes to ``other``."""
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        errors.setdefault(e.field if e.field in fields else other, []).append(_field_text(e))
    return errors


def _can_appoint(case: m.Case) -> bool:
    return case.type in (m.CaseType.MEDIATION, m.CaseType.ARBITRATION) and case.status in (
        m.Status.NOTIFIED,
        m.Status.ANSWERED,
    )


def _conflict_page(
    request: Request, viewer: Any, case: m.Case, values: dict[str, str], errors: dict[str, list[str]],
    findings: list[m.ConflictFinding] | None, status_code: int = 200,
) -> Response:  # fmt: skip
    role = m.NeutralRole.MEDIATOR if case.type is m.CaseType.MEDIATION else m.NeutralRole.ARBITRATOR
    context = {
        "c": case, "values": values, "errors": errors, "findings": findings, "checked": findings is not None,
        "can_appoint": _can_appoint(case), "role": role.value,
    }  # fmt: skip
    return render(request, "disputes/conflict.html", context, viewer=viewer, active="disputes", status_code=status_code)


@router.get("/disputes/{case_id}/conflict-check", response_class=HTMLResponse)
def conflict_form(request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str) -> Response:
    """A legal officer checks a prospective mediator or arbitrator against the case's parties and counsel."""
    h.require_desk(viewer.actor)
    case = h.get_case(uow, viewer.actor, case_id)
    return _conflict_page(request, viewer, case, {"name": "", "identifier": "", "independence_declaration": ""}, {},
                          None)  # fmt: skip


@router.post("/disputes/{case_id}/conflict-check", response_class=HTMLResponse)
def conflict_run(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    """Run the check: the result lists every earlier case of the desk where the candidate met a party or counsel,
    with the roles found; a clear result offers the declaration of independence (and so the appointment)."""
    require_csrf(request, form)
    h.require_desk(viewer.actor)
    values = {"name": _text(form, "name", 200), "identifier": _text(form, "identifier", 100),
              "independence_declaration": ""}  # fmt: skip
    if not values["name"]:
        case = h.get_case(uow, viewer.actor, case_id)
        errors = {"name": [gettext("give the candidate's name")]}
        return _conflict_page(request, viewer, case, values, errors, None, status_code=422)
    findings = h.conflict_check(uow, viewer.actor, case_id, values["name"], values["identifier"] or None)
    return _conflict_page(request, viewer, h.get_case(uow, viewer.actor, case_id), values, {}, findings)


@router.post("/disputes/{case_id}/conflict-check/declaration", response_class=HTMLResponse)
def declaration(request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str) -> Response:
    """Record the candidate's declaration of independence and appoint them (the check runs again first)."""
    require_csrf(request, form)
    h.require_desk(viewer.actor)
    values = {name: _text(form, name, 4000 if name == "independence_declaration" else 200)
              for name in ("name", "identifier", "independence_declaration", "role")}  # fmt: skip
    try:
        role = choice("role", values["role"], m.NeutralRole)
        if role is None:
            raise ValidationFailed(FieldError("role", gettext("choose mediator or arbitrator")))
        h.appoint_neutral(uow, viewer.actor, case_id, values["name"], role, values["identifier"] or None,
                          values["independence_declaration"])  # fmt: skip
    except ValidationFailed as exc:
        errors = _errors_of(exc, ("name", "independence_declaration"), "declaration")
        case = h.get_case(uow, viewer.actor, case_id)
        findings = h.conflict_check(uow, viewer.actor, case_id, values["name"], values["identifier"] or None)
        return _conflict_page(request, viewer, case, values, errors, findings, status_code=422)
    return RedirectResponse(f"/disputes/{case_id}?msg=Appointed", status_code=303)


def _enforcement_page(
    request: Request, viewer: Any, f: h.EnforcementFile, values: dict[str, str], errors: dict[str, list[str]],
    msg: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    context = {
        "c": f.case, "e": f.enforcement, "convention": f.convention, "targets": f.targets, "steps": f.steps,
        "desk": h.is_desk(viewer.actor), "values": values, "errors": errors, "message": _flash(msg[:200]),
        "statuses": m.ENFORCEMENT_STATUSES,
    }  # fmt: skip
    return render(request, "disputes/enforcement.html", context, viewer=viewer, active="disputes",
                  status_code=status_code)  # fmt: skip


@router.get("/disputes/{case_id}/enforcements/{enforcement_id}", response_class=HTMLResponse)
def enforcement_page(
    request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str, enforcement_id: str, msg: str = ""
) -> Response:
    """One enforcement abroad: the court, its state and steps, the country's New York Convention record; the desk
    moves it along a legal edge."""
    f = h.enforcement_file(uow, viewer.actor, case_id, enforcement_id)
    values = {"status": f.targets[0] if f.targets else "", "note": ""}
    return _enforcement_page(request, viewer, f, values, {}, msg)


@router.post("/disputes/{case_id}/enforcements/{enforcement_id}", response_class=HTMLResponse)
def enforcement_step(
    request: Request, viewer: CurrentViewer, form: Form, uow: DisputesUow, case_id: str, enforcement_id: str
) -> Response:
    require_csrf(request, form)
    h.require_desk(viewer.actor)
    values = {"status": _text(form, "status", 16), "note": _text(form, "note", 500)}
    try:
        if values["status"] not in m.ENFORCEMENT_STATUSES:
            raise ValidationFailed(FieldError("status", gettext("choose the next state of the enforcement")))
        h.update_enforcement(uow, viewer.actor, case_id, enforcement_id, values["status"], values["note"])
    except (ValidationFailed, IllegalTransition) as exc:
        f = h.enforcement_file(uow, viewer.actor, case_id, enforcement_id)
        if isinstance(exc, ValidationFailed):
            errors = _errors_of(exc, ("status", "note"), "status")
        else:
            errors = {"status": [gettext("a %(current)s enforcement cannot become %(target)s",
                                         current=i18n.label(f.enforcement.status).lower(),
                                         target=i18n.label(values["status"]).lower())]}  # fmt: skip
        return _enforcement_page(request, viewer, f, values, errors, status_code=422)
    return RedirectResponse(f"/disputes/{case_id}/enforcements/{enforcement_id}?msg=Enforcement+updated",
                            status_code=303)  # fmt: skip


def _document_page(
    request: Request, viewer: Any, case: m.Case, versions: list[Any], values: dict[str, Any],
    errors: dict[str, list[str]], msg: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    latest = versions[-1]
    context = {
        "c": case, "versions": versions, "latest": latest, "values": values, "errors": errors,
        "message": _flash(msg[:200]), "names": {p.id: p.name for p in case.parties},
        "mine": sorted(h.my_parties(viewer.actor, case)), "desk": h.is_desk(viewer.actor),
    }  # fmt: skip
    return render(request, "disputes/document.html", context, viewer=viewer, active="disputes",
                  status_code=status_code)  # fmt: skip


@router.get("/disputes/{case_id}/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str, document_id: str, msg: str = ""
) -> Response:
    """A document's versions (content hash, size, uploader, sharing per party) and the form for a new version."""
    case, versions = h.document_versions(uow, viewer.actor, case_id, document_id)
    values = {"title": "", "shared_with": list(versions[-1].shared_with)}
    return _document_page(request, viewer, case, versions, values, {}, msg)


@router.post("/disputes/{case_id}/documents/{document_id}", response_class=HTMLResponse)
async def new_version(
    request: Request, viewer: CurrentViewer, uow: DisputesUow, case_id: str, document_id: str
) -> Response:
    """Upload a new version of a document the viewer may see, shared with the ticked parties."""
    form = await request.form()
    require_csrf(request, form)
    share = [str(x) for x in form.getlist("shared_with") if isinstance(x, str) and x]
    values: dict[str, Any] = {"title": _text(form, "title", 200), "shared_with": share}
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise ValidationFailed(FieldError("file", gettext("choose a file")))
        content = await file.read(h.MAX_DOCUMENT_BYTES + 1)
        await run_in_threadpool(
            h.upload_document, uow, viewer.actor, case_id, title=values["title"],
            filename=file.filename or "document", media_type=file.content_type or "application/octet-stream",
            content=content, shared_with=tuple(share), document_id=document_id,
        )  # fmt: skip
    except ValidationFailed as exc:
        case, versions = await run_in_threadpool(h.document_versions, uow, viewer.actor, case_id, document_id)
        errors = _errors_of(exc, ("file", "title", "shared_with"), "file")
        return _document_page(request, viewer, case, versions, values, errors, status_code=422)
    return RedirectResponse(f"/disputes/{case_id}/documents/{document_id}?msg=New+version+uploaded",
                            status_code=303)  # fmt: skip
