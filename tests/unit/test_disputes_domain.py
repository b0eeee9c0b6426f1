"""The desk's domain: workflows move only along legal edges, refusals change nothing, time limits, conflicts,
figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.disputes.adapters.orm import DisputeCaseRow
from silkport.disputes.adapters.repository import (
    from_row,
    load_new_york_convention,
    load_time_limits,
    new_york_convention_state,
    to_body,
)
from silkport.disputes.domain import model as m
from silkport.shared.errors import DomainError, IllegalTransition, ValidationFailed

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
LIMITS = load_time_limits()


def parties(case_type: m.CaseType) -> tuple[m.Party, ...]:
    claimant = m.Party("p1", "Horgos Trading", "CN", m.PartyRole.CLAIMANT, "ent-1", None, "Asia/Urumqi",
                       m.Counsel("Li Wei"))  # fmt: skip
    if case_type is m.CaseType.CONSULTATION:
        return (claimant,)
    return claimant, m.Party("p2", "Almaty LLP", "KZ", m.PartyRole.RESPONDENT, None, "BIN1", "Asia/Almaty")


def new_case(case_type: m.CaseType = m.CaseType.ARBITRATION) -> m.Case:
    return m.open_case(
        id="c1", reference="LSD-2025-00001", case_type=case_type, intake=m.Intake.DESK, subject="s",
        parties=parties(case_type), languages=("zh", "ru"), governing_law=None, seat="CN",
        amount=Decimal("10.00"), currency="USD", links=(), at=T0,
    )  # fmt: skip


def prepare(case: m.Case, target: m.Status) -> m.Case:
    """Fulfil what a target needs besides the edge (a neutral, an outcome, an enforcement)."""
    if target is m.Status.NEUTRAL_APPOINTED and not case.neutrals:
        role = m.NeutralRole.MEDIATOR if case.type is m.CaseType.MEDIATION else m.NeutralRole.ARBITRATOR
        case = m.replace(case, neutrals=(m.Neutral("N", role, None, "independent", T0),))
    return case


@given(st.sampled_from(list(m.CaseType)), st.lists(st.sampled_from(list(m.Status)), max_size=25))
def test_workflows_move_only_along_legal_edges_and_refusals_change_nothing(
    case_type: m.CaseType, targets: list[m.Status]
) -> None:
    case = new_case(case_type)
    at = T0
    for target in targets:
        at += timedelta(days=1)
        before = case
        legal = target in m.legal_targets(case.type, case.status)
        try:
            if target in m.OUTCOME_TARGETS:
                kind = m.DECISIONS[case.type] if target is m.Status.DECIDED else next(iter(m.OUTCOME_TARGETS[target]))
                case = m.record_outcome(case, m.Outcome(kind, at.date(), None, None, None, ""), LIMITS, at)
            elif (
                target is m.Status.ENFORCEMENT
                and case.outcome is not None
                and case.outcome.kind is not m.OutcomeKind.ADVICE
            ):
                e = m.Enforcement("e1", "KZ", "court", at.date(), True)
                case = m.transition(m.file_enforcement(case, e, at.date()), target, LIMITS, at)
            else:
                case = m.transition(prepare(case, target), target, LIMITS, at)
        except DomainError:
            assert case == before
            continue
        assert legal, f"{before.status} -> {target} accepted for {case_type}"
        assert case.status is target
        assert target in m.WORKFLOWS[case_type].get(before.status, frozenset())
        # a time limit is met only by entering its status, never before it started
        for d in case.deadlines:
            assert d.met_on is None or d.met_by in {target} or d.met_on <= at.date()


@pytest.mark.parametrize("case_type", list(m.CaseType))
def test_every_type_can_reach_closure(case_type: m.CaseType) -> None:
    case = new_case(case_type)
    at = T0
    while case.status is not m.Status.CLOSED:
        at += timedelta(days=1)
        nxt = sorted(m.legal_targets(case.type, case.status) - {m.Status.WITHDRAWN, m.Status.DISMISSED})
        target = m.Status.CLOSED if m.Status.CLOSED in nxt else nxt[0]
        if target is m.Status.ENFORCEMENT:
            target = m.Status.CLOSED if m.Status.CLOSED in nxt else target
        if target is m.Status.DECIDED:
            case = m.record_outcome(
                case, m.Outcome(m.DECISIONS[case_type], at.date(), None, None, None, ""), LIMITS, at
            )
        else:
            case = m.transition(prepare(case, target), target, LIMITS, at)
    assert case.outcome is not None and case.outcome.kind is m.DECISIONS[case_type]
    assert all(d.met_on is not None for d in case.deadlines), case.deadlines


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 48))
def test_add_months_stays_in_the_target_month(day: date, months: int) -> None:
    out = m.add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day == day.day or out.day < day.day


def test_extension_and_reminder_window() -> None:
    case = m.transition(new_case(), m.Status.NOTIFIED, LIMITS, T0)
    answer = next(d for d in case.deadlines if d.code == "answer_due")
    assert answer.due == date(2025, 10, 16)
    assert m.reminders_due(case, date(2025, 10, 8)) == ()
    assert [d.code for d in m.reminders_due(case, date(2025, 10, 9))] == ["answer_due"]
    reminded = m.mark_reminded(case, {"answer_due"}, date(2025, 10, 9))
    assert m.reminders_due(reminded, date(2025, 10, 20)) == ()
    extended = m.extend(reminded, "answer_due", date(2025, 11, 1), "counsel changed", "legal", T0)
    assert m.reminders_due(extended, date(2025, 10, 20)) == ()
    assert [d.code for d in m.reminders_due(extended, date(2025, 10, 25))] == ["answer_due"]
    with pytest.raises(ValidationFailed):
        m.extend(extended, "answer_due", date(2025, 10, 1), "earlier", "legal", T0)
    with pytest.raises(ValidationFailed):
        m.extend(extended, "award_due", date(2026, 10, 1), "not running", "legal", T0)


def test_conflicts_come_from_shared_earlier_cases() -> None:
    case = new_case()
    petrov = m.person_key("Dr Petrov", None)
    records = [
        m.PriorRecord("old", "LSD-2024-00001", frozenset({petrov, m.person_key("Almaty LLP", "BIN1")})),
        m.PriorRecord("other", "LSD-2024-00002", frozenset({petrov, m.person_key("Someone", None)})),
    ]
    found = m.conflicts(case, petrov, records)
    assert [f.case_reference for f in found] == ["LSD-2024-00001"]
    assert m.conflicts(case, m.person_key("li wei", None), []) != []  # counsel in this case
    with pytest.raises(ValidationFailed):
        m.appoint(m.transition(case, m.Status.NOTIFIED, LIMITS, T0),
                  m.Neutral("Dr Petrov", m.NeutralRole.ARBITRATOR, None, "independent", T0), found)  # fmt: skip


def test_illegal_transition_is_a_conflict() -> None:
    with pytest.raises(IllegalTransition):
        m.transition(new_case(), m.Status.HEARINGS, LIMITS, T0)


@given(st.lists(st.integers(0, 400), min_size=1, max_size=30))
def test_median_days_to_resolution(days: list[int]) -> None:
    facts = [
        m.CaseFacts(m.CaseType.MEDIATION, m.Status.DECIDED, frozenset({"CN", "KZ"}), T0,
                    T0.date() + timedelta(days=d), m.OutcomeKind.SETTLEMENT)
        for d in days
    ]  # fmt: skip
    f = m.figures(facts)
    ordered = sorted(days)
    n = len(ordered)
    expected = Decimal(ordered[n // 2]) if n % 2 else Decimal(ordered[n // 2 - 1] + ordered[n // 2]) / 2
    assert f.median_days_to_resolution == expected
    assert f.resolved == f.resolved_cross_border == n and f.by_country == {"CN": n, "KZ": n}


@given(st.sampled_from(list(m.CaseType)), st.integers(0, 60))
def test_storage_round_trip(case_type: m.CaseType, days: int) -> None:
    first = m.Status.IN_PROGRESS if case_type is m.CaseType.CONSULTATION else m.Status.NOTIFIED
    case = m.transition(new_case(case_type), first, LIMITS, T0)
    if case.status is m.Status.NOTIFIED and case.deadlines:
        case = m.extend(case, case.deadlines[0].code, case.deadlines[0].due + timedelta(days=days + 1), "r", "u", T0)
    row = DisputeCaseRow(
        id=case.id, reference=case.reference, type=case.type.value, status=case.status.value,
        intake=case.intake.value, subject=case.subject, opened_at=case.opened_at, body=to_body(case),
    )  # fmt: skip
    assert from_row(row) == case


def test_new_york_convention_table_is_sourced_and_well_formed() -> None:
    table = load_new_york_convention()
    assert {"CN", "KZ", "KG", "MN", "PK", "TM"} <= set(table)
    assert all(len(code) == 2 and e.participant for code, e in table.items())
    assert all(e.action in {"a", "r", "d", ""} for e in table.values())
    # a date for every row but those no source read gives a day for (named in NOTICE.md)
    undated = {code for code, e in table.items() if e.action_date is None and e.in_force is None}
    assert undated == {"SD", "TO", "MV"}
    assert all(e.reservations is None or e.reservations <= {"reciprocity", "commercial"} for e in table.values())
    assert table["RU"].action_date == date(1960, 8, 24) and table["CH"].reservations == frozenset()
    assert table["PK"].reservations == frozenset() and table["MN"].reservations == {"reciprocity", "commercial"}
    # the five rows that had party status only now carry the depositary's dates
    assert table["PL"].action == "r" and table["PL"].action_date == date(1961, 10, 3)
    assert table["US"].action_date == date(1970, 9, 30) and table["VN"].action_date == date(1995, 9, 12)
    assert table["TJ"].action == "a" and table["TJ"].action_date == date(2012, 8, 14)
    # the four parties added last: every party the depositary counts (172) has a row
    assert len(table) == 172
    assert table["GY"].action_date == date(2014, 9, 25) and table["GY"].in_force == date(2014, 12, 24)
    assert table["GY"].reservations == frozenset()
    assert table["SR"].action_date == date(2022, 11, 10) and table["SR"].in_force == date(2023, 2, 8)
    assert table["SR"].reservations == {"reciprocity", "commercial"}
    # Palestine: only the entry into force was read; the Maldives: party status without a day
    assert table["PS"].action_date is None and table["PS"].in_force == date(2015, 4, 2)
    assert table["MV"].action == "a" and table["MV"].action_date is None and table["MV"].reservations is None
    assert table["BZ"].in_force == date(2021, 6, 13)  # Belize: a second source with the entry into force


def test_new_york_convention_entry_into_force_follows_article_xii() -> None:
    """Where a row has both a ratification/accession date and an entry into force (often from two different
    sources), the Convention entered into force on the 90th day after the deposit (art. XII(2)), or on 7 June 1959
    for instruments deposited before the Convention itself entered into force. A typo in either date breaks this."""
    first_day = date(1959, 6, 7)
    pairs = [e for e in load_new_york_convention().values()
             if e.action in {"r", "a"} and e.action_date is not None and e.in_force is not None]  # fmt: skip
    assert len(pairs) >= 20
    for e in pairs:
        assert e.action_date is not None and e.in_force is not None
        assert e.in_force == max(e.action_date + timedelta(days=90), first_day), e.participant
    assert all(e.action_date is None or e.action_date >= date(1958, 6, 10) for e in load_new_york_convention().values())


def test_new_york_convention_rows_are_unique_real_countries_and_counted_in_the_notice() -> None:
    import csv
    import re
    from importlib import resources

    import pycountry

    data = resources.files("silkport.disputes").joinpath("data")
    text = data.joinpath("new-york-convention.csv").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    codes = [r["country"] for r in rows]
    assert len(codes) == len(set(codes))  # no country twice
    assert len({r["participant"] for r in rows}) == len(rows)
    assert all(pycountry.countries.get(alpha_2=c) is not None for c in codes)  # ISO 3166-1 alpha-2
    # every row names a source the header describes
    described = {m.group(1) for line in header if (m := re.match(r"#   ([a-z]+) ", line))}
    assert {code for r in rows for code in r["source"].split("+")} <= described
    notice = data.joinpath("NOTICE.md").read_text(encoding="utf-8")
    counted = re.search(r"(\d+) of the (\d+) parties", notice)
    assert counted and int(counted.group(1)) == len(rows) == len(load_new_york_convention())
    assert f"{len(rows)} of the {counted.group(2)} parties" in "\n".join(header)
    assert all(r["source"] for r in rows)  # every row names its source
    # a row read from one source only is named in the notice (so the notice says how far each row is verified)
    single = [r["participant"] for r in rows if r["source"] == "untcdata"]
    section = " ".join(notice.split("One source", 1)[1].split("- **", 1)[0].split())
    assert single and all(name in section for name in single)
    assert f"{len(single)} rows" in section


def test_a_country_outside_the_table_is_unknown_not_a_non_party() -> None:
    assert new_york_convention_state("KZ") is True
    assert new_york_convention_state("TM") is True  # read from a later source than the depositary's list
    assert new_york_convention_state("TJ") is True and new_york_convention_state("SD") is True
    for outside in ("TW", "KP", "ZZ"):  # not in the table: Taiwan, North Korea, no country
        assert new_york_convention_state(outside) is None
    assert {new_york_convention_state(c) for c in ("GY", "MV", "PS", "SR")} == {True}  # the four added last
    assert False not in {new_york_convention_state(c) for c in ("AQ", "KP", "TW")}  # the table never says "no"


STEP = st.one_of(
    st.tuples(st.just("wait"), st.integers(0, 20)),
    st.tuples(st.just("extend"), st.integers(1, 30)),
    st.tuples(st.just("next"), st.just(0)),
)


@given(st.sampled_from([m.CaseType.ARBITRATION, m.CaseType.LITIGATION_SUPPORT]), st.lists(STEP, max_size=40))
def test_a_scheduler_reminds_each_due_date_once(case_type: m.CaseType, steps: list[tuple[str, int]]) -> None:
    """Whatever the days between runs, extensions and steps of the case: a reminder goes out at most once per
    (time limit, due date), and every unmet limit whose window has opened has had its reminder."""
    case = m.transition(new_case(case_type), m.Status.NOTIFIED, LIMITS, T0)
    today = T0.date()
    sent: list[tuple[str, date]] = []
    path = {m.CaseType.ARBITRATION: [m.Status.ANSWERED], m.CaseType.LITIGATION_SUPPORT: [m.Status.ANSWERED]}
    for action, n in steps:
        at = datetime(today.year, today.month, today.day, 8, tzinfo=UTC)
        running = [d for d in case.deadlines if d.met_on is None]
        if action == "wait":
            today += timedelta(days=n)
        elif action == "extend" and running:
            d = running[0]
            case = m.extend(case, d.code, max(d.due, today) + timedelta(days=n), "reason", "legal", at)
        elif action == "next" and path[case_type]:
            case = m.transition(case, path[case_type].pop(0), LIMITS, at)
        due = m.reminders_due(case, today)  # one scheduler run
        sent += [(d.code, d.due) for d in due]
        case = m.mark_reminded(case, {d.code for d in due}, today)
    assert len(sent) == len(set(sent))
    for d in case.deadlines:
        if d.met_on is None and today >= d.due - timedelta(days=d.remind_days_before):
            assert (d.code, d.due) in sent
        if d.met_on is not None and d.met_on < d.due - timedelta(days=d.remind_days_before):
            assert (d.code, d.due) not in sent  # met before its window: never reminded


# -- enforcement abroad, the conflict check's findings ---------------------------------------------------------------
ENFORCEMENT_MOVES = st.lists(st.sampled_from([*m.ENFORCEMENT_STATUSES, "requested", ""]), max_size=12)


@given(ENFORCEMENT_MOVES)
def test_an_enforcement_moves_only_along_legal_edges_and_a_refusal_changes_nothing(targets: list[str]) -> None:
    e = m.Enforcement("e1", "KZ", "Almaty City Court", T0.date(), True)
    other = m.Enforcement("e2", "KG", "Bishkek Court", T0.date(), True)
    case = m.replace(new_case(), enforcements=(e, other))
    path = ["filed"]
    for target in targets:
        before = case
        legal = m.enforcement_targets(case.enforcements[0].status)
        assert set(legal) == m.ENFORCEMENT_EDGES.get(case.enforcements[0].status, set())
        if target in legal:
            case = m.update_enforcement(case, "e1", target)
            path.append(target)
        else:
            with pytest.raises(IllegalTransition):
                m.update_enforcement(case, "e1", target)
            assert case == before
        assert case.enforcements[1] == other  # the other enforcement never moves
    assert case.enforcements[0].status == path[-1]
    for a, b in pairwise(path):
        assert b in m.ENFORCEMENT_EDGES[a]
    assert path[-1] in ("refused", "enforced") or m.enforcement_targets(path[-1])  # only the final states are stuck


def test_an_unknown_enforcement_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed):
        m.update_enforcement(new_case(), "nope", "recognised")


PEOPLE = ["name:liwei", "name:horgostrading", "id:bin1", "name:almatyllp", "name:profchen", "name:drabenov"]


@given(st.sampled_from(PEOPLE), st.lists(st.sets(st.sampled_from(PEOPLE), max_size=4), max_size=6))
def test_a_conflict_is_found_exactly_where_the_candidate_met_this_cases_people(
    candidate: str, earlier: list[set[str]]
) -> None:
    case = new_case()  # Horgos Trading (counsel Li Wei) v Almaty LLP (BIN1)
    mine = case.participant_keys()
    records = [
        m.PriorRecord(f"x{i}", f"LSD-2024-{i:05d}", frozenset(keys), tuple((k, "neutral") for k in sorted(keys)))
        for i, keys in enumerate(earlier)
    ]  # fmt: skip
    found = m.conflicts(case, candidate, records)
    expected = [r.reference for r in records if candidate in r.keys and r.keys & mine]
    assert [f.case_reference for f in found if f.case_reference != case.reference] == expected
    assert (case.reference in [f.case_reference for f in found]) == (candidate in mine)
    for f in found:
        if f.case_reference != case.reference:
            assert f.roles == ("neutral",) and f.shared_with  # the candidate's role there, and who met them
