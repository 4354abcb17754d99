"""The report: every figure of a subtree over a period, per member and per unit.

Each family of figures is one grouped query keyed by (unit, person); units are sums of their
members' rows (study minutes and targets count each person once, however many units of the
subtree they belong to).
"""

from __future__ import annotations

import calendar
import math
import operator
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import selfstudy
from models.figures.periods import Period
from models.figures.rows import COUNTS, EXTRA_FIGURES, MemberRow, Report, Tally, UnitRow
from models.figures.tree import units_below
from models.reflections import Grade, Reflection, ReflectionState
from models.sessions import Attendance, Makeup, MakeupState, SessionState, Status, StudySession
from models.units import Membership, Person, Rank, Unit


def _name():
    return Person.first_name + func.coalesce(" " + Person.last_name, "")


async def report(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> Report:
    """Every figure of the root's subtree over the period, per member and per unit."""
    tree = await units_below(session, root=root)
    ids = {u.id for u, _ in tree}
    start_at, end_at = period.bounds(root.timezone)
    rows: dict[tuple[int, int], Tally] = {}

    def tally(unit_id: int, person_id: int) -> Tally:
        return rows.setdefault((unit_id, person_id), Tally())

    member_of = select(Membership.person_id).where(Membership.unit_id.in_(ids))
    members = (await session.execute(
        select(Membership.unit_id, Membership.person_id, Membership.rank, Membership.active, _name())
        .join(Person, Person.id == Membership.person_id).where(Membership.unit_id.in_(ids))
    )).all()
    active = {(u, p) for u, p, _, on, _ in members if on}
    ranks = {(u, p): r for u, p, r, _, _ in members}
    names: dict[int, str] = {p: name for _, p, _, _, name in members}
    for key in active:
        tally(*key)

    # Sessions: places at closed sessions that started within the period, one row per (unit, person).
    held = func.count(func.distinct(StudySession.id))
    att = (await session.execute(
        select(StudySession.unit_id, Attendance.person_id, func.count(),
               func.sum(case((Attendance.status.in_([Status.present, Status.late]), 1), else_=0)),
               func.sum(case((Attendance.status == Status.late, 1), else_=0)),
               func.sum(case((Attendance.status.in_([Status.leave_asked, Status.leave_approved]), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id, Attendance.person_id)
    )).all()
    for unit_id, person_id, n, attended, late, leave in att:
        t = tally(unit_id, person_id)
        t.expected, t.attended, t.late, t.leave = n, int(attended), int(late), int(leave)
        t.absent = n - t.attended - t.leave  # absent, refused leave, or never answered
    sessions_by_unit = dict((await session.execute(
        select(StudySession.unit_id, held).where(
            StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed,
            StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id)
    )).all())

    # Reflections submitted in the period, in the unit they were written for.
    refl = (await session.execute(
        select(Reflection.unit_id, Reflection.person_id, func.count(),
               func.sum(case((Reflection.state == ReflectionState.approved, 1), else_=0)),
               func.sum(case((Reflection.grade == Grade.excellent, 1), else_=0)))
        .where(Reflection.unit_id.in_(ids), Reflection.submitted_at >= start_at, Reflection.submitted_at < end_at,
               Reflection.state != ReflectionState.draft)
        .group_by(Reflection.unit_id, Reflection.person_id)
    )).all()
    for unit_id, person_id, n, approved, excellent in refl:
        t = tally(unit_id, person_id)
        t.written, t.approved, t.excellent = n, int(approved or 0), int(excellent or 0)

    # 补学 ordered in the period: still open, or done (waived ones were corrections, not make-ups).
    mk = (await session.execute(
        select(Makeup.unit_id, Makeup.person_id, Makeup.state, func.count())
        .where(Makeup.unit_id.in_(ids), Makeup.created_at >= start_at, Makeup.created_at < end_at,
               Makeup.state != MakeupState.waived)
        .group_by(Makeup.unit_id, Makeup.person_id, Makeup.state)
    )).all()
    for unit_id, person_id, state, n in mk:
        t = tally(unit_id, person_id)
        if state == MakeupState.open:
            t.makeup_open += n
        else:
            t.makeup_done += n

    for extra in EXTRA_FIGURES:
        for unit_id, person_id, value in (await session.execute(extra.query(ids, start_at, end_at, now))).all():
            t = tally(unit_id, person_id)
            t.extra[extra.name] = t.extra.get(extra.name, 0) + int(value or 0)

    # Study minutes are a person's, whatever unit: one query over every minute source.
    minutes = await selfstudy.minutes_by_person(session, people=member_of, start=period.start, end=period.end)
    people = {p for _, p in rows}
    for chunk in _chunks(sorted(people - set(minutes) - set(names))):  # e.g. owners of measures, not members
        minutes.update(await selfstudy.minutes_by_person(session, people=chunk, start=period.start, end=period.end))
    for chunk in _chunks(sorted(people - set(names))):
        names.update((await session.execute(select(Person.id, _name()).where(Person.id.in_(chunk)))).all())
    units = {u.id: u for u, _ in tree}
    share = period.days / (366 if calendar.isleap(period.start.year) else 365)
    targets: dict[tuple[int, Rank], int] = {}
    for (unit_id, person_id), t in rows.items():
        t.minutes = minutes.get(person_id, 0)
        if (unit_id, person_id) in active:
            rank = ranks[(unit_id, person_id)]
            if (unit_id, rank) not in targets:
                targets[(unit_id, rank)] = math.ceil(selfstudy.yearly_target(units[unit_id], rank) * share)
            t.target = targets[(unit_id, rank)]

    order = {u.id: i for i, (u, _) in enumerate(tree)}
    member_rows = sorted(
        (MemberRow(u, p, names.get(p, "?"), ranks.get((u, p), Rank.member), (u, p) in active, t)
         for (u, p), t in rows.items()),
        key=lambda m: (order[m.unit_id], m.name, m.person_id))
    by_unit: dict[int, list[MemberRow]] = {}
    for m in member_rows:
        by_unit.setdefault(m.unit_id, []).append(m)
    return Report(root, period, [_roll_up(unit, depth, [m for i in below for m in by_unit.get(i, ())],
                                          sessions_by_unit, below)
                                 for unit, depth, below in _subtrees(tree)], member_rows)


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _subtrees(tree: list[tuple[Unit, int]]) -> list[tuple[Unit, int, set[int]]]:
    """In depth-first order a unit's subtree is the run of deeper units right after it."""
    out = []
    for i, (unit, depth) in enumerate(tree):
        below = {unit.id}
        for other, d in tree[i + 1:]:
            if d <= depth:
                break
            below.add(other.id)
        out.append((unit, depth, below))
    return out


_counts = operator.attrgetter(*COUNTS)


def _roll_up(unit: Unit, depth: int, members: list[MemberRow], held: dict[int, int], ids: set[int]) -> UnitRow:
    """The unit's figures: the sum of its subtree's member rows (`members`)."""
    total = Tally()
    if members:  # column sums, in C: a tree of 10,000 members sums 20,000 rows
        for name, value in zip(COUNTS, map(sum, zip(*(_counts(m.tally) for m in members)))):
            setattr(total, name, value)
    studied: dict[int, tuple[int, int]] = {}  # person -> (minutes, target): each person once
    for m in members:
        for key, value in m.tally.extra.items():
            total.extra[key] = total.extra.get(key, 0) + value
        if m.active:
            mins, target = studied.get(m.person_id, (0, 0))
            studied[m.person_id] = (m.tally.minutes, max(target, m.tally.target))
    total.minutes = sum(mins for mins, _ in studied.values())
    total.target = sum(target for _, target in studied.values())
    return UnitRow(unit, depth, len(studied), sum(held.get(i, 0) for i in ids), total)
