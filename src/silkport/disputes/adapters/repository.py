"""Cases to rows and back; the participants, timeline and documents tables; reference data files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from silkport.disputes.adapters.orm import DisputeCaseRow, DisputeDocumentRow, DisputeEventRow, DisputeParticipantRow
from silkport.disputes.domain import model as m
from silkport.disputes.services.ports import CaseFilter, DocumentVersion, TimelineEntry, ZoneRecords
from silkport.infra.outbox import SqlOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.clock import Clock, ensure_utc


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def to_body(c: m.Case) -> dict[str, Any]:
    return {
        "languages": list(c.languages),
        "governing_law": c.governing_law,
        "seat": c.seat,
        "amount": _d(c.amount),
        "currency": c.currency,
        "status_since": c.status_since.isoformat() if c.status_since else None,
        "parties": [
            {
                "id": p.id, "name": p.name, "country": p.country, "role": p.role.value,
                "enterprise_id": p.enterprise_id, "identifier": p.identifier, "time_zone": p.time_zone,
                "counsel": None if p.counsel is None
                else {"name": p.counsel.name, "firm": p.counsel.firm, "identifier": p.counsel.identifier},
            }
            for p in c.parties
        ],
        "links": [{"kind": link.kind, "ref": link.ref} for link in c.links],
        "deadlines": [
            {
                "code": d.code, "label": d.label, "due": d.due.isoformat(), "met_by": d.met_by.value,
                "remind_days_before": d.remind_days_before,
                "met_on": d.met_on.isoformat() if d.met_on else None,
                "reminded_on": d.reminded_on.isoformat() if d.reminded_on else None,
                "extensions": [
                    {"previous_due": e.previous_due.isoformat(), "new_due": e.new_due.isoformat(), "reason": e.reason,
                     "granted_by": e.granted_by, "at": e.at.isoformat()}
                    for e in d.extensions
                ],
            }
            for d in c.deadlines
        ],
        "hearings": [
            {"id": h.id, "starts_at": h.starts_at.isoformat(), "minutes": h.minutes, "place": h.place}
            for h in c.hearings
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
        "outcome": None if c.outcome is None else {
            "kind": c.outcome.kind.value, "decided_on": c.outcome.decided_on.isoformat(),
            "amount": _d(c.outcome.amount), "currency": c.outcome.currency,
            "in_favour_of": c.outcome.in_favour_of, "note": c.outcome.note,
        },
        "enforcements": [
            {"id": e.id, "country": e.country, "court": e.court, "filed_on": e.filed_on.isoformat(),
             "new_york_convention": e.new_york_convention, "status": e.status}
            for e in c.enforcements
        ],
    }  # fmt: skip


def from_row(row: DisputeCaseRow) -> m.Case:
    b = row.body
    parties = tuple(
        m.Party(
            p["id"],
            p["name"],
            p["country"],
            m.PartyRole(p["role"]),
            p["enterprise_id"],
            p["identifier"],
            p["time_zone"],
            None if p["counsel"] is None else m.Counsel(**p["counsel"]),
        )
        for p in b["parties"]
    )
    deadlines = tuple(
        m.Deadline(
            d["code"],
            d["label"],
            date.fromisoformat(d["due"]),
            m.Status(d["met_by"]),
            d["remind_days_before"],
            _day(d["met_on"]),
            tuple(
                m.Extension(
                    date.fromisoformat(e["previous_due"]),
                    date.fromisoformat(e["new_due"]),
                    e["reason"],
                    e["granted_by"],
                    datetime.fromisoformat(e["at"]),
                )
                for e in d["extensions"]
            ),
            _day(d["reminded_on"]),
        )
        for d in b["deadlines"]
    )
    o = b["outcome"]
    outcome = None
    if o is not None:
        outcome = m.Outcome(
            m.OutcomeKind(o["kind"]), date.fromisoformat(o["decided_on"]), _dec(o["amount"]), o["currency"],
            o["in_favour_of"], o["note"],
        )  # fmt: skip
    return m.Case(
        id=row.id, reference=row.reference, type=m.CaseType(row.type), status=m.Status(row.status),
        intake=m.Intake(row.intake), subject=row.subject, parties=parties, languages=tuple(b["languages"]),
        governing_law=b["governing_law"], seat=b["seat"], amount=_dec(b["amount"]), currency=b["currency"],
        opened_at=ensure_utc(row.opened_at),
        links=tuple(m.Link(x["kind"], x["ref"]) for x in b["links"]),
        deadlines=deadlines,
        hearings=tuple(
            m.Hearing(h["id"], datetime.fromisoformat(h["starts_at"]), h["minutes"], h["place"]) for h in b["hearings"]
        ),
        neutrals=tuple(
            m.Neutral(n["name"], m.NeutralRole(n["role"]), n["identifier"], n["independence_declaration"],
                      datetime.fromisoformat(n["appointed_at"]))
            for n in b["neutrals"]
        ),
        fees=tuple(
            m.Fee(f["kind"], f["description"], Decimal(f["amount"]), f["currency"], f["borne_by"],
                  datetime.fromisoformat(f["at"]))
            for f in b["fees"]
        ),
        outcome=outcome,
        enforcements=tuple(
            m.Enforcement(e["id"], e["country"], e["court"], date.fromisoformat(e["filed_on"]),
                          e["new_york_convention"], e["status"])
            for e in b["enforcements"]
        ),
        status_since=datetime.fromisoformat(b["status_since"]) if b.get("status_since") else None,
    )  # fmt: skip


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def next_reference(self, year: int) -> str:
        """The next ``LSD-<year>-<n>``; on PostgreSQL intakes take it one at a time (a transaction lock), on
        SQLite every writer already holds the database's write lock (BEGIN IMMEDIATE)."""
        if self._s.get_bind().dialect.name == "postgresql":
            self._s.execute(text("SELECT pg_advisory_xact_lock(hashtext('silkport.disputes.reference'))"))
        prefix = f"LSD-{year}-"
        count = self._s.scalar(select(func.count()).where(DisputeCaseRow.reference.like(prefix + "%"))) or 0
        return f"{prefix}{count + 1:05d}"

    def get(self, case_id: str, for_update: bool = False) -> m.Case | None:
        """A case; ``for_update``: its row stays locked until this transaction ends (PostgreSQL: two
        writers of one case go one after the other, neither overwrites the other's change)."""
        row = self._s.get(DisputeCaseRow, case_id, with_for_update=for_update or None)
        return None if row is None else from_row(row)

    def save(self, case: m.Case) -> None:
        row = self._s.get(DisputeCaseRow, case.id)
        if row is None:
            row = DisputeCaseRow(id=case.id)
            self._s.add(row)
        row.reference = case.reference
        row.type = case.type.value
        row.status = case.status.value
        row.intake = case.intake.value
        row.subject = case.subject
        row.opened_at = case.opened_at
        row.decided_on = case.outcome.decided_on if case.outcome else None
        row.outcome_kind = case.outcome.kind.value if case.outcome else None
        row.cross_border = case.cross_border
        row.body = to_body(case)
        self._s.flush()
        self._s.execute(delete(DisputeParticipantRow).where(DisputeParticipantRow.case_id == case.id))
        rows = [
            DisputeParticipantRow(
                case_id=case.id,
                capacity="party",
                key=p.key,
                party_id=p.id,
                enterprise_id=p.enterprise_id,
                country=p.country,
            )
            for p in case.parties
        ]
        rows += [
            DisputeParticipantRow(case_id=case.id, capacity="counsel", key=p.counsel.key, party_id=p.id)
            for p in case.parties
            if p.counsel
        ]
        rows += [DisputeParticipantRow(case_id=case.id, capacity="neutral", key=n.key) for n in case.neutrals]
        self._s.add_all(rows)
        self._s.flush()

    def search(self, f: CaseFilter, after: tuple[datetime, str] | None, limit: int) -> list[m.Case]:
        q = select(DisputeCaseRow)
        if f.enterprise_id is not None:
            q = q.where(
                DisputeCaseRow.id.in_(
                    select(DisputeParticipantRow.case_id).where(DisputeParticipantRow.enterprise_id == f.enterprise_id)
                )
            )
        if f.type is not None:
            q = q.where(DisputeCaseRow.type == f.type.value)
        if f.status is not None:
            q = q.where(DisputeCaseRow.status == f.status.value)
        if f.country is not None:
            q = q.where(
                DisputeCaseRow.id.in_(
                    select(DisputeParticipantRow.case_id).where(
                        DisputeParticipantRow.capacity == "party", DisputeParticipantRow.country == f.country
                    )
                )
            )
        if f.opened_from is not None:
            q = q.where(DisputeCaseRow.opened_at >= f.opened_from)
        if f.opened_before is not None:
            q = q.where(DisputeCaseRow.opened_at < f.opened_before)
        if after is not None:
            at, case_id = after
            q = q.where(
                or_(DisputeCaseRow.opened_at < at, (DisputeCaseRow.opened_at == at) & (DisputeCaseRow.id < case_id))
            )
        q = q.order_by(DisputeCaseRow.opened_at.desc(), DisputeCaseRow.id.desc()).limit(limit)
        return [from_row(r) for r in self._s.scalars(q)]

    def all_open(self, claim: bool = False) -> list[m.Case]:
        q = select(DisputeCaseRow).where(DisputeCaseRow.status.not_in(["closed", "withdrawn", "dismissed"]))
        q = q.order_by(DisputeCaseRow.id)
        if claim:  # PostgreSQL: FOR UPDATE SKIP LOCKED (SQLite: the writer already holds the database)
            q = q.with_for_update(skip_locked=True)
        return [from_row(r) for r in self._s.scalars(q)]

    def facts(self, opened_from: datetime | None, opened_before: datetime | None) -> list[m.CaseFacts]:
        q = select(DisputeCaseRow)
        if opened_from is not None:
            q = q.where(DisputeCaseRow.opened_at >= opened_from)
        if opened_before is not None:
            q = q.where(DisputeCaseRow.opened_at < opened_before)
        out = []
        for r in self._s.scalars(q):
            countries = frozenset(p["country"] for p in r.body["parties"])
            out.append(
                m.CaseFacts(
                    m.CaseType(r.type),
                    m.Status(r.status),
                    countries,
                    ensure_utc(r.opened_at),
                    r.decided_on,
                    m.OutcomeKind(r.outcome_kind) if r.outcome_kind else None,
                )
            )
        return out

    def prior_records(self, keys: frozenset[str]) -> list[m.PriorRecord]:
        """Every case in which one of ``keys`` appears, with everyone who took part in it."""
        ids = select(DisputeParticipantRow.case_id).where(DisputeParticipantRow.key.in_(keys)).distinct()
        q = (
            select(
                DisputeParticipantRow.case_id, DisputeCaseRow.reference, DisputeParticipantRow.key,
                DisputeParticipantRow.capacity,
            )
            .join(DisputeCaseRow, DisputeCaseRow.id == DisputeParticipantRow.case_id)
            .where(DisputeParticipantRow.case_id.in_(ids))
        )  # fmt: skip
        found: dict[str, tuple[str, set[tuple[str, str]]]] = {}
        for case_id, reference, key, capacity in self._s.execute(q):
            found.setdefault(case_id, (reference, set()))[1].add((key, capacity))
        return [
            m.PriorRecord(cid, ref, frozenset(k for k, _ in kc), tuple(sorted(kc)))
            for cid, (ref, kc) in sorted(found.items())
        ]

    # -- timeline ---------------------------------------------------------------------------------------------
    def add_event(self, case_id: str, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None:
        self._s.add(DisputeEventRow(case_id=case_id, at=at, actor=actor, action=action, detail=detail))

    def timeline(self, case_id: str) -> list[TimelineEntry]:
        q = select(DisputeEventRow).where(DisputeEventRow.case_id == case_id).order_by(DisputeEventRow.id)
        return [TimelineEntry(ensure_utc(r.at), r.actor, r.action, r.detail) for r in self._s.scalars(q)]

    # -- documents --------------------------------------------------------------------------------------------
    def add_document(self, v: DocumentVersion, content: bytes) -> None:
        self._s.add(
            DisputeDocumentRow(
                document_id=v.document_id,
                case_id=v.case_id,
                version=v.version,
                title=v.title,
                filename=v.filename,
                media_type=v.media_type,
                size=v.size,
                sha256=v.sha256,
                content=content,
                uploaded_by=v.uploaded_by,
                uploaded_by_party=v.uploaded_by_party,
                shared_with=list(v.shared_with),
                at=v.at,
            )
        )
        self._s.flush()

    def documents(self, case_id: str) -> list[DocumentVersion]:
        q = (
            select(DisputeDocumentRow)
            .where(DisputeDocumentRow.case_id == case_id)
            .order_by(DisputeDocumentRow.document_id, DisputeDocumentRow.version)
        )
        return [_version(r) for r in self._s.scalars(q)]

    def content(self, case_id: str, document_id: str, version: int) -> bytes | None:
        q = select(DisputeDocumentRow.content).where(
            DisputeDocumentRow.case_id == case_id,
            DisputeDocumentRow.document_id == document_id,
            DisputeDocumentRow.version == version,
        )
        return self._s.scalar(q)


def _version(r: DisputeDocumentRow) -> DocumentVersion:
    return DocumentVersion(
        r.document_id, r.case_id, r.version, r.title, r.filename, r.media_type, r.size, r.sha256, r.uploaded_by,
        r.uploaded_by_party, tuple(r.shared_with), ensure_utc(r.at),
    )  # fmt: skip


class SqlDisputesUnitOfWork(SqlAlchemyUnitOfWork):
    cases: SqlCaseRepository
    outbox: SqlOutbox

    records: ZoneRecords | None

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        records: Callable[[Session], ZoneRecords] | None = None,
    ) -> None:
        super().__init__(session_factory, clock)
        self.time_limits = load_time_limits()
        self.convention = new_york_convention_state
        self.convention_party = new_york_convention_party
        self._records = records
        self.records = None

    def _open(self, session: Session) -> None:
        self.cases = SqlCaseRepository(session)
        self.outbox = SqlOutbox(session)
        self.records = self._records(session) if self._records else None


@lru_cache(maxsize=1)
def load_time_limits() -> tuple[m.TimeLimit, ...]:
    text = resources.files("silkport.disputes").joinpath("data/time-limits.yaml").read_text(encoding="utf-8")
    out = []
    for x in yaml.safe_load(text)["limits"]:
        out.append(
            m.TimeLimit(
                x["code"],
                x["label"],
                m.CaseType(x["type"]),
                m.Status(x["starts_on"]),
                m.Status(x["met_by"]),
                int(x.get("days", 0)),
                int(x.get("months", 0)),
                int(x.get("remind_days_before", 7)),
                tuple(sorted((str(k), str(v)) for k, v in (x.get("names") or {}).items() if str(v).strip())),
            )
        )
    return tuple(out)


#: one row of the table (the domain's record of a contracting state)
ConventionEntry = m.ConventionParty


@lru_cache(maxsize=1)
def load_new_york_convention() -> dict[str, ConventionEntry]:
    text = resources.files("silkport.disputes").joinpath("data/new-york-convention.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    out = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        stated = row["reservations"]
        reservations = None if not stated else frozenset() if stated == "none" else frozenset(stated.split(";"))
        out[row["country"]] = ConventionEntry(
            row["country"], row["participant"], row["action"], _day(row["action_date"] or None),
            _day(row["in_force"] or None), reservations, row["source"],
        )  # fmt: skip
    return out


def new_york_convention_state(country: str) -> bool | None:
    """True if the country is a listed contracting state; None if the table cannot tell (never False)."""
    return True if country in load_new_york_convention() else None


def new_york_convention_party(country: str) -> m.ConventionParty | None:
    """The table's row for a contracting state (dates, reservations, source); None: not in the table."""
    return load_new_york_convention().get(country)
