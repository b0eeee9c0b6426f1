"""SQLAlchemy repositories of the clearance context."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol, cast

from sqlalchemy import Insert, Integer, Table, and_, bindparam, event, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
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
    TraderCountersRow,
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
from silkport.infra.db import defer_begin, insert_together
from silkport.infra.outbox import SqlOutbox, take_pending_events
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.clock import Clock, ensure_utc
from silkport.shared.errors import Conflict
from silkport.shared.paging import Page, cursor_instant, decode_cursor, encode_cursor
from silkport.shared.text import templated

_DECLARATIONS_TABLE = cast(Table, DeclarationRow.__table__)
_VERSIONS_TABLE = cast(Table, DeclarationVersionRow.__table__)
_ASSESSMENTS_TABLE = cast(Table, RiskAssessmentRow.__table__)
_DUTIES_TABLE = cast(Table, DutyAssessmentRow.__table__)
_HISTORY_TABLE = cast(Table, StatusHistoryRow.__table__)
_INSPECTED_TABLE = cast(Table, InspectedContainerRow.__table__)
_COUNTERS_TABLE = cast(Table, TraderCountersRow.__table__)
_COUNTERS_OF = select(TraderCountersRow.lodged, TraderCountersRow.inspected, TraderCountersRow.discrepancies).where(
    TraderCountersRow.enterprise_id == bindparam("enterprise_id")
)
_INSERT_DECLARATIONS = insert(_DECLARATIONS_TABLE)
_INSERT_VERSIONS = insert(_VERSIONS_TABLE)
_INSERT_ASSESSMENTS = insert(_ASSESSMENTS_TABLE)
_INSERT_DUTIES = insert(_DUTIES_TABLE)
_INSERT_HISTORY = insert(_HISTORY_TABLE)
_ACTIVE_RULEBOOK = select(RulebookRow.version, RulebookRow.fingerprint).where(RulebookRow.active.is_(True)).limit(1)
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
#: the active rulebook's key and a declarant's counters in one round trip (what a filing asks the store first)
_FILING_READ = (
    select(
        RulebookRow.version,
        RulebookRow.fingerprint,
        TraderCountersRow.lodged,
        TraderCountersRow.inspected,
        TraderCountersRow.discrepancies,
    )
    .select_from(
        _ONE_ROW.join(RulebookRow, RulebookRow.active.is_(True), isouter=True).join(
            TraderCountersRow, TraderCountersRow.enterprise_id == bindparam("enterprise_id"), isouter=True
        )
    )
    .limit(1)
)
_COUNTER_UPSERTS: dict[str, Any] = {}


def _counter_upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (enterprise_id) DO UPDATE SET n = n + excluded.n``, built once per dialect."""
    stmt = _COUNTER_UPSERTS.get(dialect)
    if stmt is None:
        base: Any = (postgres_insert if dialect == "postgresql" else sqlite_insert)(_COUNTERS_TABLE)
        names = ("lodged", "inspected", "discrepancies")
        stmt = _COUNTER_UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["enterprise_id"], set_={n: _COUNTERS_TABLE.c[n] + base.excluded[n] for n in names}
        )
    return stmt


#: ``session.info`` key of the repository holding declarations created in the session and not written yet
_PENDING = "silkport.clearance.pending"


@dataclass(slots=True)
class _NewDeclaration:
    """A declaration created in this unit of work: everything about it waits here until the commit."""

    declaration: Declaration
    created_at: datetime
    saved: bool = False  # ``save`` called: what a flush would have written so far includes its lodgement
    versions: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    taxes: dict[int, dict[str, Any]] = field(default_factory=dict)  # content version -> breakdown


def _aware(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


class SqlDeclarationRepository:
    """Declarations in a session.

    A declaration created in the session is written at the commit, whole, in one multi-row ``INSERT`` per table
    (its row with its final values, its content version, assessment, taxes and status history), not as an
    ``INSERT`` followed by ``UPDATE``s as it moves through lodgement: a lodgement is a handful of statements.
    Until then it lives in ``_pending``; any query that could see it (a read of declarations, a row that refers
    to it) writes the pending declarations first, as the ORM's autoflush would. A concurrent filing of the same
    LRN surfaces at that write as a 409 ``Conflict``.
    """

    def __init__(self, session: Session) -> None:
        self._s = session
        self._history_seen: dict[str, int] = {}
        # The session's identity map holds unmodified rows weakly: keep the rows this unit of work loaded or
        # added, so saving them again does not re-SELECT them.
        self._rows: dict[str, DeclarationRow] = {}
        self._pending: dict[str, _NewDeclaration] = {}
        self._counters: dict[str, tuple[int, int, int]] = {}  # read ahead (see know_counters), until a write

    # -- declarations created in this session ------------------------------------------------------
    def add(self, declaration: Declaration, actor: str, reason: str | None) -> None:
        now = declaration.history[0].at if declaration.history else None
        created = now or datetime.now().astimezone()
        self._pending[declaration.id] = _NewDeclaration(declaration, created)
        self._s.info[_PENDING] = self  # written by the session's before_commit hook if nobody did before
        self.add_version(declaration.id, declaration.version, declaration.content, created, actor, reason)
        self._history_seen[declaration.id] = 0

    def write_pending(self, also: Sequence[tuple[Insert, list[dict[str, Any]]]] = ()) -> None:
        """Write the declarations created in this session (their rows, versions, assessments, taxes, history),
        with ``also`` (other rows of the unit of work, e.g. its outbox events) in the same statement."""
        if not self._pending:
            insert_together(self._s.connection(), list(also))
            return
        self._counters.clear()
        pending, self._pending = self._pending, {}
        declarations: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        assessments: list[dict[str, Any]] = []
        duties: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for new in pending.values():
            d = new.declaration
            taxes = new.taxes.get(max(new.taxes)) if new.taxes else None
            row = self._values(d) | {"id": d.id, "created_at": new.created_at}
            if taxes is not None:
                row |= {
                    "taxes_cny": Decimal(str(taxes.get("total", "0"))),
                    "customs_value_cny": Decimal(str(taxes.get("customs_value", "0"))),
                }
            else:
                row |= {"taxes_cny": None, "customs_value_cny": None}
            declarations.append(row)
            versions.extend(new.versions)
            assessments.extend(new.assessments)
            duties.extend({"declaration_id": d.id, "version": v, "breakdown": b} for v, b in new.taxes.items())
            history.extend(self._history_rows(d, 0))
            self._history_seen[d.id] = len(d.history)
        lodged: dict[str, int] = {}
        for row in declarations:
            if row["lodgement_at"] is not None:
                lodged[row["declarant_id"]] = lodged.get(row["declarant_id"], 0) + 1
        conn = self._s.connection()
        counters = [  # one order for every writer: no deadlock
            {"enterprise_id": e, "lodged": n, "inspected": 0, "discrepancies": 0} for e, n in sorted(lodged.items())
        ]
        try:
            # Core, parents first, the counters last (their row is locked from here to the commit); on PostgreSQL
            # all in one statement
            insert_together(
                conn,
                [
                    (_INSERT_DECLARATIONS, declarations),
                    (_INSERT_VERSIONS, versions),
                    (_INSERT_ASSESSMENTS, assessments),
                    (_INSERT_DUTIES, duties),
                    (_INSERT_HISTORY, history),
                    *(also or []),
                    (_counter_upsert(conn.dialect.name), counters),
                ],
            )
        except IntegrityError as exc:
            # the (declarant, LRN) unique index: SQLite names its columns, PostgreSQL the index
            if any(m in str(exc.orig) for m in ("declarations.lrn", "ix_declarations_declarant_lrn")):
                lrns = ", ".join(sorted(str(r["lrn"]) for r in declarations if r["lrn"]))
                raise Conflict(
                    templated("lrn: the declarant already filed a declaration with LRN %(lrn)s", lrn=lrns)
                ) from exc
            raise

    def _count(self, enterprise_id: str, lodged: int = 0, inspected: int = 0, discrepancies: int = 0) -> None:
        """Add to a declarant's counters (created at the first count): one upsert, at the end of the write path,
        so the row is locked only from here to the commit."""
        self._counters.clear()
        conn = self._s.connection()
        conn.execute(
            _counter_upsert(conn.dialect.name),
            {"enterprise_id": enterprise_id, "lodged": lodged, "inspected": inspected, "discrepancies": discrepancies},
        )

    def _written(self, declaration_id: str | None = None) -> None:
        """Before a query or a row that may refer to pending declarations: write them (the ORM's autoflush)."""
        if self._pending and (declaration_id is None or declaration_id in self._pending):
            self.write_pending()

    @staticmethod
    def _history_rows(d: Declaration, seen: int) -> list[dict[str, Any]]:
        return [
            {
                "declaration_id": d.id,
                "at": change.at,
                "actor": change.actor,
                "from_status": change.from_status.value,
                "to_status": change.to_status.value,
                "reason": change.reason,
            }
            for change in d.history[seen:]
        ]

    def _row(self, declaration_id: str) -> DeclarationRow | None:
        row = self._rows.get(declaration_id)
        if row is None:
            row = self._s.get(DeclarationRow, declaration_id)
            if row is not None:
                self._rows[declaration_id] = row
        return row

    def set_created(self, declaration_id: str, at: datetime) -> None:
        if (new := self._pending.get(declaration_id)) is not None:
            new.created_at = at
            return
        self._s.execute(update(DeclarationRow).where(DeclarationRow.id == declaration_id).values(created_at=at))

    def get(self, declaration_id: str, for_update: bool = False) -> Declaration | None:
        self._written(declaration_id)
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
        if (new := self._pending.get(declaration.id)) is not None:
            new.declaration = declaration
            new.saved = True
            return
        row = self._row(declaration.id)
        if row is None:
            raise LookupError(declaration.id)
        first_lodgement = row.lodgement_at is None and Stage.LODGEMENT in declaration.stages
        self._fill(row, declaration)
        if first_lodgement:
            self._count(declaration.content.declarant_id, lodged=1)
        seen = self._history_seen.get(declaration.id, 0)
        self._s.flush()
        new_rows = self._history_rows(declaration, seen)
        if new_rows:  # one executemany, in order (the history is read back ordered by id)
            self._s.execute(insert(_HISTORY_TABLE), new_rows)
        self._history_seen[declaration.id] = len(declaration.history)

    @staticmethod
    def _values(d: Declaration) -> dict[str, Any]:
        """The declaration row's columns that follow the aggregate (all but id, created_at and the tax totals)."""
        c = d.content
        values: dict[str, Any] = {
            "declarant_id": c.declarant_id,
            "lrn": c.lrn,
            "type": c.type.value,
            "office_code": c.office_code,
            "transport_mode": c.transport_mode.value,
            "status": d.status.value,
            "lane": d.lane.value if d.lane else None,
            "risk_score": d.risk_score,
            "rulebook_version": d.rulebook_version,
            "model_version": d.model_version,
            "settlement": d.settlement.value,
            "version": d.version,
            "pre_arrival": d.pre_arrival,
            "assigned_to": d.assigned_to,
            "audit_flags": list(d.audit_flags),
        }
        for stage in Stage:
            values[f"{stage.value}_at"] = d.stages.get(stage)
        return values

    @classmethod
    def _fill(cls, row: DeclarationRow, d: Declaration) -> None:
        for name, value in cls._values(d).items():
            setattr(row, name, value)

    def search(self, flt: DeclarationFilter, cursor: str | None, limit: int) -> Page[Declaration]:
        self._written()
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
            at = cursor_instant(at_iso)
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
        if (new := self._pending.get(declaration_id)) is not None:
            new.versions.append(
                {
                    "declaration_id": declaration_id,
                    "version": version,
                    "content": content_to_json(content),
                    "at": at,
                    "actor": actor,
                    "reason": reason,
                }
            )
            return
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
        self._written()
        rows = self._s.scalars(
            select(DeclarationVersionRow)
            .where(DeclarationVersionRow.declaration_id == declaration_id)
            .order_by(DeclarationVersionRow.version)
        ).all()
        return [(r.version, content_from_json(r.content), ensure_utc(r.at), r.actor, r.reason) for r in rows]

    def content_at(self, declaration_id: str, version: int) -> DeclarationContent | None:
        self._written()
        row = self._s.get(DeclarationVersionRow, (declaration_id, version))
        return content_from_json(row.content) if row else None

    # -- decisions -----------------------------------------------------------------------------
    def add_assessment(self, assessment: StoredAssessment) -> None:
        if (new := self._pending.get(assessment.declaration_id)) is not None:
            new.assessments.append(
                {
                    "declaration_id": assessment.declaration_id,
                    "content_version": assessment.content_version,
                    "rulebook_version": assessment.rulebook_version,
                    "model_version": assessment.model_version,
                    "score": assessment.score,
                    "lane": assessment.lane.value,
                    "fired": [dict(f) for f in assessment.fired],
                    "trader_reasons": list(assessment.trader_reasons),
                    "inputs": dict(assessment.inputs),
                    "at": assessment.at,
                }
            )
            return
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
        self._written()
        row = self._s.scalars(
            select(RiskAssessmentRow)
            .where(RiskAssessmentRow.declaration_id == declaration_id)
            .order_by(RiskAssessmentRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else self._assessment(row)

    def latest_assessments(self, declaration_ids: Sequence[str]) -> dict[str, StoredAssessment]:
        """The latest assessment of each declaration, in one query (a page of a list)."""
        self._written()
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
        self._written()
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
        if (new := self._pending.get(declaration_id)) is not None:
            new.taxes[version] = dict(taxes)
            return
        existing = self._s.get(DutyAssessmentRow, (declaration_id, version))
        if existing is None:
            self._s.add(DutyAssessmentRow(declaration_id=declaration_id, version=version, breakdown=dict(taxes)))
        else:
            existing.breakdown = dict(taxes)
        row = self._row(declaration_id)
        if row is not None:
            row.taxes_cny = Decimal(str(taxes.get("total", "0")))
            row.customs_value_cny = Decimal(str(taxes.get("customs_value", "0")))
        self._s.flush()

    def taxes(self, declaration_id: str) -> Mapping[str, Any] | None:
        self._written()
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
        self._written(declaration_id)
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
        self._count(enterprise_id, inspected=1, discrepancies=int(finding is not Finding.CONFORM))

    def inspection_outcomes(self) -> list[tuple[str, DeclarationContent, datetime, str]]:
        """Every inspected declaration: (id, content as inspected, lodged at, the last finding), oldest first."""
        self._written()
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
        """(declarations lodged, inspections, inspections with a discrepancy) of a declarant: its counters."""
        # a declaration created in this session counts once it was saved lodged (as a flush would have shown it)
        if any(n.saved and n.declaration.content.declarant_id == enterprise_id for n in self._pending.values()):
            self.write_pending()
        known = self._counters.get(enterprise_id)
        if known is not None:
            return known
        row = (
            self._s.connection()
            .execute(  # Core: the counters are only ever written by Core statements
                select(TraderCountersRow.lodged, TraderCountersRow.inspected, TraderCountersRow.discrepancies).where(
                    TraderCountersRow.enterprise_id == enterprise_id
                )
            )
            .first()
        )
        return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))

    def know_counters(self, enterprise_id: str, counters: tuple[int, int, int]) -> None:
        """The declarant's counters as just read along with something else (see the unit of work's
        ``prefetch_filing``): ``trader_history`` answers from them until this unit of work writes."""
        self._counters[enterprise_id] = counters

    def counted_history(self, enterprise_id: str) -> tuple[int, int, int]:
        """The same record counted from the declarations and inspections themselves (what the counters keep)."""
        self._written()
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
        self._written()
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
        self._written()
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
        self._written()
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
        self._written()
        stmt = select(RecognitionRow.at).where(RecognitionRow.at >= since, RecognitionRow.at < until)
        if office:
            stmt = stmt.where(RecognitionRow.office_code == office)
        counts: dict[str, int] = {}
        for (at,) in self._s.execute(stmt):  # months in UTC, counted here: the same on SQLite and PostgreSQL
            month = ensure_utc(at).strftime("%Y-%m")
            counts[month] = counts.get(month, 0) + 1
        return sorted(counts.items())

    def queue_stats(self, office: str | None) -> list[QueueStat]:
        self._written()
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

    def know_active(self, key: tuple[str, str] | None) -> None:
        """The active rulebook's (version, fingerprint) as just read along with something else (None: no
        rulebook was published, the shipped one applies): no read of its own for ``active``."""
        self._active = self._default() if key is None else self._cached(*key)

    def _read_active(self) -> Rulebook:
        self._s.flush()  # a rulebook published in this session (executed below without the ORM's autoflush)
        row = self._s.connection().execute(_ACTIVE_RULEBOOK).first()
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


@event.listens_for(Session, "before_commit")
def _write_pending_declarations(session: Session) -> None:
    repository = session.info.pop(_PENDING, None)
    if repository is not None:
        repository.write_pending()


@event.listens_for(Session, "after_rollback")
def _drop_pending_declarations(session: Session) -> None:
    repository = session.info.pop(_PENDING, None)
    if repository is not None:
        repository._pending.clear()


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

    def reads_until_commit(self) -> None:
        defer_begin(self.session)

    def prefetch_filing(self, declarant_id: str) -> None:
        """One round trip for the active rulebook's key (a parsed rulebook is kept per process by version and
        content fingerprint, so a supervisor's publication applies to the next filing) and the declarant's
        counters, instead of a statement for each."""
        row = self.session.connection().execute(_FILING_READ, {"enterprise_id": declarant_id}).one()
        self.rulebooks.know_active(None if row[0] is None else (str(row[0]), str(row[1])))
        counters = (0, 0, 0) if row[2] is None else (int(row[2]), int(row[3]), int(row[4]))
        self.declarations.know_counters(declarant_id, counters)

    def commit(self) -> None:
        # before the audit trail takes its lock; the outbox's events go in the same statement
        self.declarations.write_pending(also=take_pending_events(self.session))
        super().commit()
