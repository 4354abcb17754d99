"""Finding sessions: a unit's own by number, and the sessions "of this group" (held by the unit, or
joint sessions it is a partner of) that are open, next, or open for leave; a person's open ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions.tables import Attendance, SessionPartner, SessionState, StudySession
from models.units import Unit


def of_unit(unit_id: int):  # noqa: ANN201 - an SQL condition on StudySession
    """Sessions held by the unit or joint sessions it is a partner of (the sessions "of this group")."""
    return or_(StudySession.unit_id == unit_id, StudySession.id.in_(
        select(SessionPartner.session_id).where(SessionPartner.unit_id == unit_id).scalar_subquery()))


async def unit_session(session: AsyncSession, *, unit: Unit, session_id: int) -> StudySession:
    """A session of this unit, by number; another unit's session is as good as none."""
    ses = await session.get(StudySession, session_id)
    if ses is None or ses.unit_id != unit.id:
        raise DomainError("sessions.not_found", id=session_id)
    return ses


async def open_sessions(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    """Sessions of the unit (or joint sessions it is a partner of) whose check-in window is open now."""
    return await open_or_opening(session, unit_id=unit_id, now=now, within=timedelta(0))


async def open_or_opening(
    session: AsyncSession, *, unit_id: int, now: datetime, within: timedelta,
) -> list[StudySession]:
    """Scheduled sessions of the unit (or joint ones it is a partner of) open now or opening within
    `within`: what the check-in fast path keeps for a group."""
    return list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.opens_at <= now + within, StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id)
    ))


async def nearest_session(session: AsyncSession, *, unit_id: int, now: datetime) -> StudySession | None:
    """The session a member most likely means when none is open: the next one, else the last one."""
    upcoming = await session.scalar(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return await session.scalar(
        select(StudySession).where(StudySession.unit_id == unit_id, StudySession.state != SessionState.cancelled)
        .order_by(StudySession.starts_at.desc(), StudySession.id.desc()).limit(1)
    )


async def leave_targets(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    """Sessions one may still ask leave for: scheduled and not yet closed, soonest first."""
    return list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id).limit(10)
    ))


async def person_open_sessions(session: AsyncSession, *, person_id: int, now: datetime) -> list[StudySession]:
    """Sessions open for check-in now on whose roll the person is (for /checkin in private)."""
    return list(await session.scalars(
        select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
            Attendance.person_id == person_id, Attendance.expected, StudySession.state == SessionState.scheduled,
            StudySession.opens_at <= now, StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id)
    ))


async def unit_sessions(
    session: AsyncSession, *, unit_id: int, now: datetime, upcoming: int = 5, recent: int = 5,
) -> tuple[list[StudySession], list[StudySession]]:
    """(upcoming or running, soonest first; recent, newest first) for /sessions (with the joint
    sessions the unit is a partner of)."""
    soon = list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
        ).order_by(StudySession.starts_at, StudySession.id).limit(upcoming)
    ))
    past = list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state != SessionState.scheduled,
        ).order_by(StudySession.starts_at.desc(), StudySession.id.desc()).limit(recent)
    ))
    return soon, past
