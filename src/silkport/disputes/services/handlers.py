"""The desk's use cases: one function per action, each one transaction, audited, on the case's timeline."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from silkport.disputes.domain import model as m
from silkport.disputes.services.ports import CaseFilter, DisputesUnitOfWork, DocumentVersion, TimelineEntry
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.paging import Page, decode_cursor, encode_cursor
from silkport.shared.text import field_error, templated

DESK = frozenset({Role.LEGAL_OFFICER, Role.ADMIN})
FIGURES = DESK | {Role.ANALYST}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def new_id() -> str:
    return uuid.uuid4().hex


def is_desk(actor: Actor) -> bool:
    return actor.role in DESK


def _require_desk(actor: Actor) -> None:
    if not is_desk(actor):
        raise PermissionDenied("only the legal service desk (legal officers) may do this")


def _visible(actor: Actor, case: m.Case) -> bool:
    if is_desk(actor):
        return True
    return actor.is_enterprise_bound and actor.enterprise_id in case.enterprise_ids


def _load(uow: DisputesUnitOfWork, actor: Actor, case_id: str, for_update: bool = False) -> m.Case:
    if not is_desk(actor) and not actor.is_enterprise_bound:
        raise PermissionDenied("cases are seen by the desk and by the parties")
    case = uow.cases.get(case_id, for_update=for_update)
    if case is None or not _visible(actor, case):
        raise NotFound(templated("no case %(case_id)s", case_id=case_id))
    return case


def my_parties(actor: Actor, case: m.Case) -> frozenset[str]:
    if not actor.is_enterprise_bound:
        return frozenset()
    return frozenset(p.id for p in case.parties if p.enterprise_id == actor.enterprise_id)


def _save(
    uow: DisputesUnitOfWork, actor: Actor, before: m.Case | None, after: m.Case, action: str, detail: dict[str, Any],
    reason: str | None = None,
) -> None:  # fmt: skip
    uow.cases.save(after)
    now = uow.clock.now()
    uow.cases.add_event(after.id, now, actor.username, action, detail)
    uow.audit.record(
        actor=actor, action=f"disputes.{action}", object_type="dispute_case", object_id=after.id,
        before=None if before is None else _summary(before), after=_summary(after) | detail, reason=reason,
    )  # fmt: skip


def _summary(c: m.Case) -> dict[str, Any]:
    return {"reference": c.reference, "type": c.type.value, "status": c.status.value}


def _notify(uow: DisputesUnitOfWork, case: m.Case, event_type: str, payload: dict[str, Any]) -> None:
    for enterprise_id in sorted(case.enterprise_ids):
        uow.outbox.emit(
            enterprise_id, event_type, {"case_id": case.id, "reference": case.reference, **payload}, uow.clock.now()
        )


# -- intake -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PartyIn:
    name: str
    country: str
    role: m.PartyRole
    enterprise_id: str | None = None
    identifier: str | None = None
    time_zone: str = "UTC"
    counsel: m.Counsel | None = None


@dataclass(frozen=True, slots=True)
class IntakeIn:
    type: m.CaseType
    subject: str
    parties: tuple[PartyIn, ...]
    languages: tuple[str, ...]
    governing_law: str | None = None
    seat: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    links: tuple[m.Link, ...] = ()


def intake(uow: DisputesUnitOfWork, actor: Actor, data: IntakeIn) -> m.Case:
    """Open a case: by the desk, or by a party (whose own enterprise must be one of the parties)."""
    if is_desk(actor):
        channel = m.Intake.DESK
    elif actor.is_enterprise_bound:
        channel = m.Intake.PARTY
        if not any(p.enterprise_id == actor.enterprise_id for p in data.parties):
            raise ValidationFailed(field_error("parties", "name your own enterprise as one of the parties"))
    else:
        raise PermissionDenied("a case is opened by a party or by the legal service desk")
    with uow:
        now = uow.clock.now()
        parties = tuple(
            m.Party(new_id(), p.name.strip(), p.country, p.role, p.enterprise_id, p.identifier, p.time_zone, p.counsel)
            for p in data.parties
        )
        case = m.open_case(
            id=new_id(), reference=uow.cases.next_reference(now.year), case_type=data.type, intake=channel,
            subject=data.subject, parties=parties, languages=data.languages, governing_law=data.governing_law,
            seat=data.seat, amount=data.amount, currency=data.currency, links=data.links, at=now,
        )  # fmt: skip
        _check_records(uow, actor, case)
        _save(uow, actor, None, case, "opened", {"intake": channel.value})
        _notify(uow, case, "disputes.case_opened", {"type": case.type.value})
        uow.commit()
    return case


def _check_records(uow: DisputesUnitOfWork, actor: Actor, case: m.Case) -> None:
    """The parties' enterprises must exist, and so must the linked declarations, consignments and bonded
    movements; a party (an enterprise-bound user) may link only its own enterprise's records: another's is
    reported exactly as a missing one (no answer tells it that the record exists). The desk links any record."""
    if uow.records is None:
        return
    errors: list[FieldError] = []
    for i, p in enumerate(case.parties):
        if p.enterprise_id and not uow.records.enterprise_exists(p.enterprise_id):
            errors.append(field_error(f"parties[{i}].enterprise_id", "is not an enterprise of the zone's registry"))
    for i, link in enumerate(case.links):
        if not uow.records.checks(link.kind):
            continue
        owner = uow.records.owner(link.kind, link.ref)
        if owner is None or (actor.is_enterprise_bound and owner != actor.enterprise_id):
            errors.append(
                field_error(
                    f"links[{i}].ref", "no %(kind)s %(ref)r in the zone", kind=link.kind.replace("_", " "), ref=link.ref
                )
            )
    if errors:
        raise ValidationFailed(errors)


# -- reading ------------------------------------------------------------------------------------------------------
def get_case(uow: DisputesUnitOfWork, actor: Actor, case_id: str) -> m.Case:
    with uow:
        return _load(uow, actor, case_id)


@dataclass(frozen=True, slots=True)
class CaseFile:
    case: m.Case
    timeline: list[TimelineEntry]
    documents: list[DocumentVersion]  # the versions this actor may see
    today: date


def case_file(uow: DisputesUnitOfWork, actor: Actor, case_id: str) -> CaseFile:
    with uow:
        case = _load(uow, actor, case_id)
        docs = [d for d in uow.cases.documents(case.id) if _may_see(actor, case, d)]
        return CaseFile(case, uow.cases.timeline(case.id), docs, uow.clock.now().date())


def list_cases(uow: DisputesUnitOfWork, actor: Actor, f: CaseFilter, cursor: str | None, limit: int) -> Page[m.Case]:
    if not is_desk(actor) and not actor.is_enterprise_bound:
        raise PermissionDenied("cases are seen by the desk and by the parties")
    if actor.is_enterprise_bound:
        f = CaseFilter(actor.enterprise_id, f.type, f.status, f.country, f.opened_from, f.opened_before)
    after = None
    if cursor:
        at, case_id = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(str(at)), str(case_id))
        except ValueError as exc:
            raise ValidationFailed(field_error("cursor", "is not a cursor this server issued")) from exc
    with uow:
        items = uow.cases.search(f, after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    nxt = encode_cursor([items[-1].opened_at.isoformat(), items[-1].id]) if more and items else None
    return Page(items, nxt)


# -- workflow -----------------------------------------------------------------------------------------------------
def advance(uow: DisputesUnitOfWork, actor: Actor, case_id: str, target: m.Status, note: str = "") -> m.Case:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        moved = m.transition(case, target, uow.time_limits, uow.clock.now())
        _save(uow, actor, case, moved, "status_changed", {"from": case.status.value, "to": target.value}, note or None)
        _notify(uow, moved, "disputes.status_changed", {"from": case.status.value, "to": target.value})
        uow.commit()
    return moved


def extend_deadline(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, code: str, new_due: date, reason: str
) -> m.Case:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        new = m.extend(case, code, new_due, reason, actor.username, uow.clock.now())
        _save(uow, actor, case, new, "deadline_extended", {"code": code, "new_due": new_due.isoformat()}, reason)
        uow.commit()
    return new


def run_reminders(uow: DisputesUnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Remind (webhook ``disputes.deadline_reminder`` to the parties, a timeline entry for the desk) of every
    time limit inside its reminder window or overdue; each reminder goes out once per due date."""
    _require_desk(actor)
    sent: list[dict[str, Any]] = []
    with uow:
        today = uow.clock.now().date()
        for case in uow.cases.all_open(claim=True):
            due = m.reminders_due(case, today)
            if not due:
                continue
            new = m.mark_reminded(case, {d.code for d in due}, today)
            for d in due:
                item = {"code": d.code, "label": d.label, "due": d.due.isoformat(), "state": d.state(today)}
                _notify(uow, case, "disputes.deadline_reminder", item)
                sent.append({"case_id": case.id, "reference": case.reference, **item})
            _save(uow, actor, case, new, "reminded", {"codes": sorted(d.code for d in due)})
        uow.commit()
    return sent


def schedule_hearing(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, starts_at: datetime, minutes: int, place: str
) -> m.Case:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        if starts_at.tzinfo is None:
            raise ValidationFailed(field_error("starts_at", "give a time zone offset"))
        hearing = m.Hearing(new_id(), starts_at.astimezone(UTC), minutes, place.strip())
        new = m.add_hearing(case, hearing, uow.clock.now())
        _save(
            uow, actor, case, new, "hearing_scheduled", {"hearing_id": hearing.id, "starts_at": starts_at.isoformat()}
        )
        _notify(uow, new, "disputes.hearing_scheduled", {"starts_at": hearing.starts_at.isoformat(), "place": place})
        uow.commit()
    return new


def conflict_check(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, name: str, identifier: str | None
) -> list[m.ConflictFinding]:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id)
        key = m.person_key(name, identifier)
        return m.conflicts(case, key, uow.cases.prior_records(frozenset({key})))


def appoint_neutral(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, name: str, role: m.NeutralRole, identifier: str | None,
    independence_declaration: str,
) -> m.Case:  # fmt: skip
    """Appoint a mediator or arbitrator after the conflict check finds nothing; the declaration is recorded."""
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        if not name.strip():
            raise ValidationFailed(field_error("name", "must not be empty"))
        neutral = m.Neutral(name.strip(), role, identifier, independence_declaration, uow.clock.now())
        findings = m.conflicts(case, neutral.key, uow.cases.prior_records(frozenset({neutral.key})))
        new = m.appoint(case, neutral, findings)
        _save(uow, actor, case, new, "neutral_appointed", {"name": neutral.name, "role": role.value})
        uow.commit()
    return new


def add_fee(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, kind: str, description: str, amount: Decimal,
    currency: str, borne_by: str | None,
) -> m.Case:  # fmt: skip
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        new = m.add_fee(case, m.Fee(kind, description, amount, currency, borne_by, uow.clock.now()))
        _save(uow, actor, case, new, "fee_recorded", {"kind": kind, "amount": str(amount), "currency": currency})
        uow.commit()
    return new


def record_outcome(uow: DisputesUnitOfWork, actor: Actor, case_id: str, outcome: m.Outcome) -> m.Case:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        new = m.record_outcome(case, outcome, uow.time_limits, uow.clock.now())
        detail = {"kind": outcome.kind.value, "decided_on": outcome.decided_on.isoformat(), "to": new.status.value}
        _save(uow, actor, case, new, "outcome_recorded", detail)
        _notify(uow, new, "disputes.outcome_recorded", detail)
        uow.commit()
    return new


def file_enforcement(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, country: str, court: str, filed_on: date
) -> m.Case:
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        e = m.Enforcement(new_id(), country, court.strip(), filed_on, uow.convention(country))
        new = m.file_enforcement(case, e, uow.clock.now().date())
        detail = {"enforcement_id": e.id, "country": country, "new_york_convention": e.new_york_convention}
        _save(uow, actor, case, new, "enforcement_filed", detail)
        uow.commit()
    return new


def update_enforcement(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, enforcement_id: str, status: str, note: str = ""
) -> m.Case:
    """Move an enforcement abroad along a legal edge (filed -> recognised | refused, recognised -> enforced)."""
    _require_desk(actor)
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        before = next((e.status for e in case.enforcements if e.id == enforcement_id), None)
        new = m.update_enforcement(case, enforcement_id, status)
        detail = {"enforcement_id": enforcement_id, "from": before, "status": status}
        _save(uow, actor, case, new, "enforcement_updated", detail | ({"note": note} if note else {}), note or None)
        uow.commit()
    return new


@dataclass(frozen=True, slots=True)
class EnforcementFile:
    """One enforcement abroad as its page shows it: the country's New York Convention record (None: the table
    cannot tell), the states it may move to next, and its steps from the case's timeline."""

    case: m.Case
    enforcement: m.Enforcement
    convention: m.ConventionParty | None
    targets: list[str]
    steps: list[TimelineEntry]


def enforcement_file(uow: DisputesUnitOfWork, actor: Actor, case_id: str, enforcement_id: str) -> EnforcementFile:
    """An enforcement of a case the actor may see (the desk, or a party to the case); another is a 404."""
    with uow:
        case = _load(uow, actor, case_id)
        e = next((x for x in case.enforcements if x.id == enforcement_id), None)
        if e is None:
            raise NotFound(templated("no enforcement %(enforcement_id)s in this case", enforcement_id=enforcement_id))
        steps = [
            t for t in uow.cases.timeline(case.id)
            if t.action in ("enforcement_filed", "enforcement_updated") and t.detail.get("enforcement_id") == e.id
        ]  # fmt: skip
        return EnforcementFile(case, e, uow.convention_party(e.country), m.enforcement_targets(e.status), steps)


def require_desk(actor: Actor) -> None:
    """Refuse (403) anyone but the desk: for pages that show a desk-only form."""
    _require_desk(actor)


# -- documents ----------------------------------------------------------------------------------------------------
def _may_see(actor: Actor, case: m.Case, d: DocumentVersion) -> bool:
    if is_desk(actor):
        return True
    mine = my_parties(actor, case)
    return bool(mine & set(d.shared_with)) or (d.uploaded_by_party in mine)


def upload_document(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, *, title: str, filename: str, media_type: str,
    content: bytes, shared_with: tuple[str, ...], document_id: str | None = None,
) -> DocumentVersion:  # fmt: skip
    """Store a document (or a new version of one) with its SHA-256, shared with the named parties."""
    with uow:
        case = _load(uow, actor, case_id, for_update=True)
        mine = my_parties(actor, case)
        errors: list[FieldError] = []
        if not content:
            errors.append(field_error("file", "is empty"))
        if len(content) > MAX_DOCUMENT_BYTES:
            errors.append(
                field_error(
                    "file", "is larger than %(MAX_DOCUMENT_BYTES)s bytes", MAX_DOCUMENT_BYTES=MAX_DOCUMENT_BYTES
                )
            )
        unknown = [p for p in shared_with if case.party(p) is None]
        if unknown:
            errors.append(
                field_error("shared_with", "not parties to this case: %(unknown)s", unknown=", ".join(unknown))
            )
        existing = [d for d in uow.cases.documents(case.id) if document_id is not None and d.document_id == document_id]
        if document_id is not None and not any(_may_see(actor, case, d) for d in existing):
            raise NotFound(templated("no document %(document_id)s in this case", document_id=document_id))
        if not title.strip() and not existing:
            errors.append(field_error("title", "must not be empty"))
        if errors:
            raise ValidationFailed(errors)
        party = next(iter(sorted(mine)), None)
        share = tuple(sorted(set(shared_with) | mine))
        version = DocumentVersion(
            document_id or new_id(), case.id, (max(d.version for d in existing) + 1) if existing else 1,
            title.strip() or existing[-1].title, filename[:200] or "document",
            media_type[:100] or "application/octet-stream",
            len(content), hashlib.sha256(content).hexdigest(), actor.username, party, share, uow.clock.now(),
        )  # fmt: skip
        uow.cases.add_document(version, content)
        detail = {"document_id": version.document_id, "version": version.version, "sha256": version.sha256}
        _save(uow, actor, case, case, "document_uploaded", detail)
        uow.commit()
    return version


def document_versions(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, document_id: str
) -> tuple[m.Case, list[DocumentVersion]]:
    """The versions of one document the actor may see, oldest first (none: a 404, as for a missing one)."""
    with uow:
        case = _load(uow, actor, case_id)
        versions = [
            d for d in uow.cases.documents(case.id) if d.document_id == document_id and _may_see(actor, case, d)
        ]
        if not versions:
            raise NotFound(templated("no document %(document_id)s in this case", document_id=document_id))
        return case, sorted(versions, key=lambda d: d.version)


def download_document(
    uow: DisputesUnitOfWork, actor: Actor, case_id: str, document_id: str, version: int | None
) -> tuple[DocumentVersion, bytes]:
    with uow:
        case = _load(uow, actor, case_id)
        versions = [
            d for d in uow.cases.documents(case.id) if d.document_id == document_id and _may_see(actor, case, d)
        ]
        if version is not None:
            versions = [d for d in versions if d.version == version]
        if not versions:
            raise NotFound(templated("no document %(document_id)s in this case", document_id=document_id))
        chosen = versions[-1]
        content = uow.cases.content(case.id, document_id, chosen.version)
        if content is None:  # pragma: no cover - the row was read in this transaction
            raise NotFound(templated("no document %(document_id)s in this case", document_id=document_id))
        return chosen, content


def export_case_file(uow: DisputesUnitOfWork, actor: Actor, case_id: str, case_json: dict[str, Any]) -> bytes:
    """The case file as a ZIP: case.json, the documents the actor may see, and index.json listing every file
    with its SHA-256 (a party's export holds only what is shared with it)."""
    with uow:
        case = _load(uow, actor, case_id)
        docs = [d for d in uow.cases.documents(case.id) if _may_see(actor, case, d)]
        buffer = io.BytesIO()
        index: list[dict[str, Any]] = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            raw = json.dumps(case_json, indent=2, ensure_ascii=False, default=str).encode()
            z.writestr("case.json", raw)
            index.append({"path": "case.json", "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)})
            for d in docs:
                content = uow.cases.content(case.id, d.document_id, d.version) or b""
                safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in d.filename)
                path = f"documents/{d.document_id}/v{d.version}/{safe}"
                z.writestr(path, content)
                index.append({
                    "path": path, "document_id": d.document_id, "version": d.version, "title": d.title,
                    "sha256": d.sha256, "size": d.size, "uploaded_by": d.uploaded_by, "at": d.at.isoformat(),
                    "shared_with": list(d.shared_with),
                })  # fmt: skip
            manifest = {"case": case.reference, "exported_at": uow.clock.now().isoformat(), "files": index}
            z.writestr("index.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        uow.audit.record(
            actor=actor, action="disputes.exported", object_type="dispute_case", object_id=case.id, before=None,
            after={"files": len(index)},
        )  # fmt: skip
        uow.commit()
    return buffer.getvalue()


# -- figures ------------------------------------------------------------------------------------------------------
def figures(
    uow: DisputesUnitOfWork, actor: Actor | None, opened_from: date | None, opened_to: date | None
) -> dict[str, Any]:
    """The desk's figures as plain data (for the API, the dashboard and ``silkport report``); ``actor`` None is
    the system (the report)."""
    if actor is not None and actor.role not in FIGURES:
        raise PermissionDenied("figures are for the desk, analysts and administrators")
    start = datetime(opened_from.year, opened_from.month, opened_from.day, tzinfo=UTC) if opened_from else None
    end = None
    if opened_to is not None:
        end = datetime.fromordinal(opened_to.toordinal() + 1).replace(tzinfo=UTC)
    with uow:
        f = m.figures(uow.cases.facts(start, end))
    return {
        "from": opened_from.isoformat() if opened_from else None,
        "to": opened_to.isoformat() if opened_to else None,
        "total": f.total,
        "by_type": f.by_type,
        "by_status": f.by_status,
        "by_party_country": f.by_country,
        "by_month": f.by_month,
        "resolved": f.resolved,
        "resolved_cross_border": f.resolved_cross_border,
        "litigation_cases": f.litigation_cases,
        "median_days_to_resolution": None if f.median_days_to_resolution is None else str(f.median_days_to_resolution),
    }
