"""Figures over time within a period (the /me and report charts): attendance and study minutes per
day, week or month."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import selfstudy
from models.figures.periods import Period, PeriodKind
from models.sessions import Attendance, SessionState, Status, StudySession
from models.units import Membership, Unit, subtree_ids


async def trend(session: AsyncSession, *, root: Unit, period: Period) -> list[tuple[date, int, int, int]]:
    """Per sub-period of the period (days of a week, weeks of a month or quarter, months of a year):
    (first day, places attended, places expected, study minutes) over the root's subtree."""
    ids = await subtree_ids(session, unit_id=root.id)
    starts = _buckets(period)
    att = (await session.execute(
        select(StudySession.local_day, func.count(),
               func.sum(case((Attendance.status.in_([Status.present, Status.late]), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.local_day)
    )).all()
    every = selfstudy._all_minutes(period.start, period.end)
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids), Membership.active)
    mins = (await session.execute(
        select(every.c.day, func.sum(every.c.minutes)).where(every.c.person_id.in_(people)).group_by(every.c.day)
    )).all()
    out = {s: [0, 0, 0] for s in starts}

    def bucket(day: date) -> date:
        return max(s for s in starts if s <= day)
    for day, expected, attended in att:
        b = out[bucket(selfstudy._as_date(day))]
        b[0] += int(attended or 0)
        b[1] += expected
    for day, minutes in mins:
        out[bucket(selfstudy._as_date(day))][2] += int(minutes or 0)
    return [(s, *out[s]) for s in starts]


def _buckets(period: Period) -> list[date]:
    if period.kind == PeriodKind.week:
        return [period.start + timedelta(days=i) for i in range(7)]
    if period.kind in (PeriodKind.year, PeriodKind.half):
        return [date(period.start.year, m, 1) for m in range(period.start.month, period.end.month + 1)]
    first = [period.start]
    day = period.start + timedelta(days=7 - period.start.weekday())
    while day <= period.end:
        first.append(day)
        day += timedelta(days=7)
    return first
