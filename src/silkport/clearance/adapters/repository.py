"""SQLAlchemy repositories of the clearance context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol, cast

from sqlalchemy import Integer, Table, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from silkport.clearance.adapters.orm import (
    DeclarationRow,
    DeclarationVersionRow,
    DutyAssessmentRow,
    InspectedContainerRow,
    InspectionRow,
    RecognitionRow,
    RiskAssessmentRow,
    RulebookRow,
    StatusHistoryRow,
)
from silkport.clearance.domain.model import (
    Declaration,
    DeclarationContent,
    Finding,
    Lane,
    Settlement,
    Stage,
    Status,
    StatusChange,
)
from silkport.clearance.domain.recognition import InspectedContainer, Recognition
from silkport.clearance.domain.rules import Rulebook
from silkport.clearance.schemas import content_from_json, content_to_json
from silkport.clearance.services.ports import DeclarationFilter, QueueStat, StoredAssessment
from silkport.infra.outbox import SqlOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.clock import Clock, ensure_utc
from silkport.shared.paging import Page, decode_cursor, encode_cursor

_HISTORY_TABLE = cast(Table, StatusHistoryRow.__table__)
_INSPECTED_TABLE = cast(Table, InspectedContainerRow.__table__)


def _aware(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


class SqlDeclarationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._history_seen: dict[str, int] = {}
        # The session's identity map holds unmodified rows weakly: keep the rows this unit of work loaded or
        # added, so saving them again does not re-SELECT them.
        self._rows: dict[str, DeclarationRow] = {}
        self._new: set[str] = set()  # declarations created in this unit of work (nothing stored about them yet)

    # -- the aggregate -------------------------------------------------------------------------
    def add(self, declaration: Declaration, actor: str, reason: str | None) -> None:
        now = declaration.history[0].at if declaration.history else None
        row = DeclarationRow(id=declaration.id, created_at=now or datetime.now().astimezone())
        self._fill(row, declaration)
        self._s.add(row)
        self._s.flush()
        self._rows[declaration.id] = row
        self._new.add(declaration.id)
        self.add_version(declaration.id, declaration.version, declaration.content, row.created_at, actor, reason)
        self._history_seen[declaration.id] = 0

    def _row(self, declaration_id: str) -> DeclarationRow | None:
        row = self._rows.get(declaration_id)
        if row is None:
            row = self._s.get(DeclarationRow, declaration_id)
            if row is not None:
                self._rows[declaration_id] = row
        return row

    def set_created(self, declaration_id: str, at: datetime) -> None:
        self._s.execute(update(DeclarationRow).where(DeclarationRow.id == declaration_id).values(created_at=at))

    def get(self, declaration_id: str, for_update: bool = False) -> Declaration | None:
        stmt = select(DeclarationRow).where(DeclarationRow.id == declaration_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        if row is None:
            return None
        self._rows[row.id] = row
        version = self._s.get(DeclarationVersionRow, (row.id, row.version))
        if version is None:
            raise LookupError(f"declaration {row.id} has no content version {row.version}")
        history = self._s.scalars(
            select(StatusHistoryRow).where(StatusHistoryRow.declaration_id == row.id).order_by(StatusHistoryRow.id)
        ).all()
        d = Declaration(
            id=row.id,
            content=content_from_json(version.content),
            status=Status(row.status),
            version=row.version,
            lane=Lane(row.lane) if row.lane else None,
            risk_score=row.risk_score,
            rulebook_version=row.rulebook_version,
            model_version=row.model_version,
            settlement=Settlement(row.settlement),
            stages={
                Stage(name): ensure_utc(at)
                for name in (s.value for s in Stage)
                if (at := getattr(row, f"{name}_at")) is not None
            },
            history=[
                StatusChange(ensure_utc(h.at), h.actor, Status(h.from_status), Status(h.to_status), h.reason)
                for h in history
            ],
            audit_flags=list(row.audit_flags or []),
            assigned_to=row.assigned_to,
            pre_arrival=row.pre_arrival,
        )
        self._history_seen[d.id] = len(d.history)
        return d

    def save(self, declaration: Declaration) -> None:
        row = self._row(declaration.id)
        if row is None:
            raise LookupError(declaration.id)
        self._fill(row, declaration)
        seen = self._history_seen.get(declaration.id, 0)
        self._s.flush()
        new = [
            {
                "declaration_id": declaration.id,
                "at": change.at,
                "actor": change.actor,
                "from_status": change.from_status.value,
                "to_status": change.to_status.value,
                "reason": change.reason,
            }
            for change in declaration.history[seen:]
        ]
        if new:  # one executemany, in order (the history is read back ordered by id)
            self._s.execute(insert(_HISTORY_TABLE), new)
        self._history_seen[declaration.id] = len(declaration.history)

    @staticmethod
    def _fill(row: DeclarationRow, d: Declaration) -> None:
        c = d.content
        row.declarant_id = c.declarant_id
        row.lrn = c.lrn
        row.type = c.type.value
        row.office_code = c.office_code
        row.transport_mode = c.transport_mode.value
        row.status = d.status.value
        row.lane = d.lane.value if d.lane else None
        row.risk_score = d.risk_score
        row.rulebook_version = d.rulebook_version
        row.model_version = d.model_version
        row.settlement = d.settlement.value
        row.version = d.version
        row.pre_arrival = d.pre_arrival
        row.assigned_to = d.assigned_to
        row.audit_flags = list(d.audit_flags)
        for stage in Stage:
            setattr(row, f"{stage.value}_at", d.stages.get(stage))

    def by_lrn(self, declarant_id: str, lrn: str) -> Declaration | None:
        found = self._s.scalar(
            select(DeclarationRow.id).where(DeclarationRow.declarant_id == declarant_id, DeclarationRow.lrn == lrn)
        )
        return self.get(found) if found else None

    def search(self, flt: DeclarationFilter, cursor: str | None, limit: int) -> Page[Declaration]:
        conds = []
        if flt.declarant_id is not None:
            conds.append(DeclarationRow.declarant_id == flt.declarant_id)
        if flt.office:
            conds.append(DeclarationRow.office_code == flt.office)
        if flt.status:
            conds.append(DeclarationRow.status == flt.status.value)
        if flt.statuses:
            conds.append(DeclarationRow.status.in_(sorted(s.value for s in flt.statuses)))
        if flt.lane:
            conds.append(DeclarationRow.lane == flt.lane.value)
        if flt.type:
            conds.append(DeclarationRow.type == flt.type.value)
        if flt.assigned_to:
            conds.append(DeclarationRow.assigned_to == flt.assigned_to)
        if flt.lodged_from:
            conds.append(DeclarationRow.lodgement_at >= flt.lodged_from)
        if flt.lodged_to:
            conds.append(DeclarationRow.lodgement_at < flt.lodged_to)
        stmt = select(DeclarationRow.id, DeclarationRow.created_at).where(*conds)
        if cursor:
            at_iso, last_id = decode_cursor(cursor, 2)
            at = datetime.fromisoformat(at_iso)
            stmt = stmt.where(
                or_(DeclarationRow.created_at < at, and_(DeclarationRow.created_at == at, DeclarationRow.id < last_id))
            )
        rows = self._s.execute(
            stmt.order_by(DeclarationRow.created_at.desc(), DeclarationRow.id.desc()).limit(limit + 1)
        ).all()
        items = [d for r in rows[:limit] if (d := self.get(r[0])) is not None]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor([ensure_utc(last[1]).isoformat(), last[0]])
        return Page(items=items, next_cursor=next_cursor)

    # -- versions ------------------------------------------------------------------------------
    def add_version(
        self,
        declaration_id: str,
        version: int,
        content: DeclarationContent,
        at: datetime,
        actor: str,
        reason: str | None,
    ) -> None:
        self._s.add(
            DeclarationVersionRow(
                declaration_id=declaration_id,
                version=version,
                content=content_to_json(content),
                at=at,
                actor=actor,
                reason=reason,
            )
        )
        self._s.flush()

    def versions(self, declaration_id: str) -> list[tuple[int, DeclarationContent, datetime, str, str | None]]:
        rows = self._s.scalars(
            select(DeclarationVersionRow)
            .where(DeclarationVersionRow.declaration_id == declaration_id)
            .order_by(DeclarationVersionRow.version)
        ).all()
        return [(r.version, content_from_json(r.content), ensure_utc(r.at), r.actor, r.reason) for r in rows]

    def content_at(self, declaration_id: str, version: int) -> DeclarationContent | None:
        row = self._s.get(DeclarationVersionRow, (declaration_id, version))
        return content_from_json(row.content) if row else None

    # -- decisions -----------------------------------------------------------------------------
    def add_assessment(self, assessment: StoredAssessment) -> None:
        self._s.add(
            RiskAssessmentRow(
                declaration_id=assessment.declaration_id,
                content_version=assessment.content_version,
                rulebook_version=assessment.rulebook_version,
                model_version=assessment.model_version,
                score=assessment.score,
                lane=assessment.lane.value,
                fired=[dict(f) for f in assessment.fired],
                trader_reasons=list(assessment.trader_reasons),
                inputs=dict(assessment.inputs),
                at=assessment.at,
            )
        )
        self._s.flush()

    def latest_assessment(self, declaration_id: str) -> StoredAssessment | None:
        row = self._s.scalars(
            select(RiskAssessmentRow)
            .where(RiskAssessmentRow.declaration_id == declaration_id)
            .order_by(RiskAssessmentRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else self._assessment(row)

    def latest_assessments(self, declaration_ids: Sequence[str]) -> dict[str, StoredAssessment]:
        """The latest assessment of each declaration, in one query (a page of a list)."""
        if not declaration_ids:
            return {}
        latest = (
            select(func.max(RiskAssessmentRow.id))
            .where(RiskAssessmentRow.declaration_id.in_(declaration_ids))
            .group_by(RiskAssessmentRow.declaration_id)
        )
        rows = self._s.scalars(select(RiskAssessmentRow).where(RiskAssessmentRow.id.in_(latest))).all()
        return {row.declaration_id: self._assessment(row) for row in rows}

    def latest_taxes(self, declaration_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """The latest tax breakdown of each declaration, in one query."""
        if not declaration_ids:
            return {}
        rows = self._s.execute(
            select(DutyAssessmentRow.declaration_id, DutyAssessmentRow.version, DutyAssessmentRow.breakdown).where(
                DutyAssessmentRow.declaration_id.in_(declaration_ids)
            )
        ).all()
        found: dict[str, tuple[int, Mapping[str, Any]]] = {}
        for declaration_id, version, breakdown in rows:
            if declaration_id not in found or version > found[declaration_id][0]:
                found[declaration_id] = (version, breakdown)
        return {k: v[1] for k, v in found.items()}

    @staticmethod
    def _assessment(row: RiskAssessmentRow) -> StoredAssessment:
        return StoredAssessment(
            declaration_id=row.declaration_id,
            content_version=row.content_version,
            rulebook_version=row.rulebook_version,
            model_version=row.model_version,
            score=row.score,
            lane=Lane(row.lane),
            fired=row.fired,
            trader_reasons=row.trader_reasons,
            inputs=row.inputs,
            at=ensure_utc(row.at),
        )

    def set_taxes(self, declaration_id: str, version: int, taxes: Mapping[str, Any]) -> None:
        # a declaration created in this unit of work has no stored taxes yet: no need to look
        existing = None if declaration_id in self._new else self._s.get(DutyAssessmentRow, (declaration_id, version))
        if existing is None:
            self._s.add(DutyAssessmentRow(declaration_id=declaration_id, version=version, breakdown=dict(taxes)))
            self._new.discard(declaration_id)  # a second call in the same unit of work must find this row
        else:
            existing.breakdown = dict(taxes)
        row = self._row(declaration_id)
        if row is not None:
            row.taxes_cny = Decimal(str(taxes.get("total", "0")))
            row.customs_value_cny = Decimal(str(taxes.get("customs_value", "0")))
        self._s.flush()

    def taxes(self, declaration_id: str) -> Mapping[str, Any] | None:
        row = self._s.scalars(
            select(DutyAssessmentRow)
            .where(DutyAssessmentRow.declaration_id == declaration_id)
            .order_by(DutyAssessmentRow.version.desc())
            .limit(1)
        ).first()
        return row.breakdown if row else None

    def add_inspection(
        self,
        declaration_id: str,
        enterprise_id: str,
        method: str,
        finding: Finding,
        note: str,
        at: datetime,
        officer: str,
    ) -> None:
        self._s.add(
            InspectionRow(
                declaration_id=declaration_id,
                enterprise_id=enterprise_id,
                method=method,
                finding=finding.value,
                note=note,
                at=at,
                officer=officer,
            )
        )
        self._s.flush()

    def inspection_outcomes(self) -> list[tuple[str, DeclarationContent, datetime, str]]:
        """Every inspected declaration: (id, content as inspected, lodged at, the last finding), oldest first."""
        last = (
            select(InspectionRow.declaration_id, func.max(InspectionRow.id).label("last_id"))
            .group_by(InspectionRow.declaration_id)
            .subquery()
        )
        rows = self._s.execute(
            select(
                InspectionRow.declaration_id, InspectionRow.finding, DeclarationRow.lodgement_at, DeclarationRow.version
            )
            .join(last, last.c.last_id == InspectionRow.id)
            .join(DeclarationRow, DeclarationRow.id == InspectionRow.declaration_id)
            .where(DeclarationRow.lodgement_at.is_not(None))
            .order_by(DeclarationRow.lodgement_at, DeclarationRow.id)
        ).all()
        out = []
        for declaration_id, finding, lodged, _version in rows:
            content = self.content_at(declaration_id, 1)  # as declared, before any amendment the inspection caused
            if content is not None and lodged is not None:
                out.append((declaration_id, content, ensure_utc(lodged), finding))
        return out

    def trader_history(self, enterprise_id: str) -> tuple[int, int, int]:
        declared = (
            select(func.count())
            .select_from(DeclarationRow)
            .where(DeclarationRow.declarant_id == enterprise_id, DeclarationRow.lodgement_at.is_not(None))
            .scalar_subquery()
        )
        inspections = select(InspectionRow.finding).where(InspectionRow.enterprise_id == enterprise_id).subquery()
        row = self._s.execute(  # one round trip
            select(
                declared,
                func.count(inspections.c.finding),
                func.coalesce(func.sum(func.cast(inspections.c.finding != Finding.CONFORM.value, type_=Integer)), 0),
            ).select_from(inspections)
        ).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    # -- the streamlined highway -----------------------------------------------------------------
    def add_inspected_containers(self, rows: Sequence[InspectedContainer]) -> None:
        if rows:
            self._s.execute(
                insert(_INSPECTED_TABLE),
                [
                    {
                        "container": r.container,
                        "seals": r.seals,
                        "office_code": r.office_code,
                        "declaration_id": r.declaration_id,
                        "inspected_at": r.inspected_at,
                    }
                    for r in rows
                ],
            )

    def inspected_containers(self, containers: Sequence[str], since: datetime) -> list[InspectedContainer]:
        if not containers:
            return []
        rows = self._s.scalars(
            select(InspectedContainerRow).where(
                InspectedContainerRow.container.in_([c.upper() for c in containers]),
                InspectedContainerRow.inspected_at >= since,
            )
        ).all()
        return [
            InspectedContainer(r.container, r.seals, r.office_code, r.declaration_id, ensure_utc(r.inspected_at))
            for r in rows
        ]

    def add_recognition(self, declaration_id: str, office_code: str, recognition: Recognition, at: datetime) -> None:
        self._s.add(
            RecognitionRow(
                declaration_id=declaration_id,
                office_code=office_code,
                corridor=recognition.corridor,
                upstream_office=recognition.office_code,
                upstream_declarations=list(recognition.declaration_ids),
                at=at,
            )
        )

    def recognitions_by_month(self, since: datetime, until: datetime, office: str | None) -> list[tuple[str, int]]:
        stmt = select(RecognitionRow.at).where(RecognitionRow.at >= since, RecognitionRow.at < until)
        if office:
            stmt = stmt.where(RecognitionRow.office_code == office)
        counts: dict[str, int] = {}
        for (at,) in self._s.execute(stmt):  # months in UTC, counted here: the same on SQLite and PostgreSQL
            month = ensure_utc(at).strftime("%Y-%m")
            counts[month] = counts.get(month, 0) + 1
        return sorted(counts.items())

    def queue_stats(self, office: str | None) -> list[QueueStat]:
        waiting = (Status.DOCUMENT_CHECK, Status.DOCUMENTS_REQUESTED, Status.INSPECTION, Status.HELD, Status.CLEARED)
        stmt = (
            select(
                DeclarationRow.office_code,
                DeclarationRow.status,
                DeclarationRow.lane,
                func.count(),
                func.min(DeclarationRow.lodgement_at),
            )
            .where(DeclarationRow.status.in_([s.value for s in waiting]))
            .group_by(DeclarationRow.office_code, DeclarationRow.status, DeclarationRow.lane)
            .order_by(DeclarationRow.office_code, DeclarationRow.status)
        )
        if office:
            stmt = stmt.where(DeclarationRow.office_code == office)
        return [
            QueueStat(
                office=o, status=Status(st), lane=Lane(ln) if ln else None, count=int(n), oldest_lodged=_aware(old)
            )
            for o, st, ln, n, old in self._s.execute(stmt).all()
        ]


class SqlRulebookStore:
    def __init__(
        self, session: Session, loads: Callable[[Mapping[str, Any]], Rulebook], default: Callable[[], Rulebook]
    ) -> None:
        self._s = session
        self._loads = loads
        self._default = default
        self._active: Rulebook | None = None  # read once per unit of work

    #: a parsed rulebook is kept by (version, content fingerprint) for the life of the process: parsing is
    #: the expensive part, and a version's content never changes
    _parsed: ClassVar[dict[tuple[str, str], Rulebook]] = {}

    def active(self) -> Rulebook:
        if self._active is None:
            self._active = self._read_active()
        return self._active

    def _read_active(self) -> Rulebook:
        row = self._s.execute(
            select(RulebookRow.version, RulebookRow.fingerprint).where(RulebookRow.active.is_(True)).limit(1)
        ).first()
        if row is None:
            return self._default()
        return self._cached(row[0], row[1])

    def get(self, version: str) -> Rulebook | None:
        fingerprint = self._s.scalar(select(RulebookRow.fingerprint).where(RulebookRow.version == version))
        if fingerprint is not None:
            return self._cached(version, fingerprint)
        default = self._default()
        return default if default.version == version else None

    def _cached(self, version: str, fingerprint: str) -> Rulebook:
        key = (version, fingerprint)
        if key not in self._parsed:
            content = self._s.scalar(select(RulebookRow.content).where(RulebookRow.version == version))
            if content is None:
                raise LookupError(f"rulebook {version} vanished")
            self._parsed[key] = self._loads(content)
        return self._parsed[key]

    def publish(self, rulebook: Rulebook, at: datetime, actor: str) -> None:
        self._active = None
        self._s.execute(update(RulebookRow).where(RulebookRow.active.is_(True)).values(active=False))
        self._s.add(
            RulebookRow(
                version=rulebook.version,
                content=dict(rulebook.to_mapping()),
                fingerprint=rulebook.fingerprint(),
                published_at=at,
                published_by=actor,
                active=True,
            )
        )
        self._s.flush()

    def versions(self) -> list[tuple[str, datetime, str, bool]]:
        rows = self._s.scalars(select(RulebookRow).order_by(RulebookRow.published_at)).all()
        return [(r.version, ensure_utc(r.published_at), r.published_by, r.active) for r in rows]


class EnterpriseLookupFactory(Protocol):
    def __call__(self, session: Session) -> Any: ...


class SqlClearanceUnitOfWork(SqlAlchemyUnitOfWork):
    declarations: SqlDeclarationRepository
    rulebooks: SqlRulebookStore
    outbox: SqlOutbox
    enterprises: Any

    def __init__(
        self,
        session_factory: Any,
        clock: Clock,
        enterprises: EnterpriseLookupFactory,
        rulebook_loads: Callable[[Mapping[str, Any]], Rulebook],
        default_rulebook: Callable[[], Rulebook],
    ) -> None:
        super().__init__(session_factory, clock)
        self._enterprises = enterprises
        self._loads = rulebook_loads
        self._default = default_rulebook

    def _open(self, session: Session) -> None:
        self.declarations = SqlDeclarationRepository(session)
        self.rulebooks = SqlRulebookStore(session, self._loads, self._default)
        self.outbox = SqlOutbox(session)
        self.enterprises = self._enterprises(session)
