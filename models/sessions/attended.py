"""Attendance as other features count it: attended sessions as study time, and a person's tally of
sessions attended and missed."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.sessions.tables import ATTENDED, Attendance, SessionState, Status, StudySession


async def attended_sessions(
    session: AsyncSession, *, person_id: int, start: datetime, end: datetime,
) -> list[tuple[StudySession, int]]:
    """Sessions the person attended (on time, late, by 代签 or 补签) starting in [start, end),
    each with its length in minutes (self-study counts them as study hours)."""
    rows = await session.scalars(
        select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
            Attendance.person_id == person_id, Attendance.status.in_(ATTENDED),
            StudySession.state != SessionState.cancelled,
            StudySession.starts_at >= start, StudySession.starts_at < end,
        ).order_by(StudySession.starts_at)
    )
    return [(s, s.minutes) for s in rows]


async def attended_minutes(session: AsyncSession, *, person_id: int, start: datetime, end: datetime) -> int:
    return sum(minutes for _, minutes in await attended_sessions(session, person_id=person_id, start=start, end=end))


async def attendance_tally(
    session: AsyncSession, *, person_id: int, since: datetime, until: datetime,
) -> tuple[int, int]:
    """(sessions attended, sessions missed) by a person among closed sessions starting in [since, until)."""
    # The person's own lines (their index) with each session by its key, counted here: a condition on
    # the sessions in SQL lets the planners walk every session of the period instead (SQLite probing
    # each one's roll for the person, PostgreSQL hashing them all), for a few dozen lines a year.
    lines = (await session.execute(
        select(Attendance.status, StudySession.state, StudySession.starts_at)
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(Attendance.person_id == person_id, Attendance.expected)
    )).all()
    by = Counter(status for status, state, starts_at in lines
                 if state == SessionState.closed and since <= starts_at < until)
    return sum(by.get(s, 0) for s in ATTENDED), by.get(Status.absent, 0) + by.get(Status.leave_rejected, 0)


def attended_minutes_source(start: date, end: date):  # noqa: ANN201 - a Select of (person_id, day, minutes)
    """Attended sessions as study time: one row per attendance, on the session's local day."""
    return select(Attendance.person_id.label("person_id"), StudySession.local_day.label("day"),
                  StudySession.minutes.label("minutes")).join(
        StudySession, StudySession.id == Attendance.session_id).where(
        Attendance.status.in_(ATTENDED), StudySession.state != SessionState.cancelled,
        StudySession.local_day.between(start, end))
