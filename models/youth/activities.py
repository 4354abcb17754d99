"""A youth group's activities and their records.

An activity is a study session of a kind with forms (FORM_KINDS: 青年理论学习小组活动).
When it closes, whoever leads the period it falls in is asked for its record; the record is an
ActivityRecord pointing at the session. An activity is pending while it closed less than
RECORD_GRACE ago and has no submitted record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions import FORM_KINDS, SessionState, StudySession
from models.units import Person, Unit, UnitKind
from models.youth.limits import RECORD_GRACE
from models.youth.periods import Period, local_today, unit_period
from models.youth.rotation import active_ids, leader_for, rotation_of
from models.youth.tables import ActivityRecord


def _activity_filter(unit_id: int):  # noqa: ANN202 - a where-clause
    return ((StudySession.unit_id == unit_id) & StudySession.kind.in_(list(FORM_KINDS))
            & (StudySession.state == SessionState.closed))


async def _recorded(session: AsyncSession, session_id: int) -> bool:
    return await session.scalar(select(ActivityRecord.id).where(
        ActivityRecord.session_id == session_id, ActivityRecord.submitted_at.is_not(None)).limit(1)) is not None


def is_activity(ses: StudySession, unit: Unit) -> bool:
    return ses.kind in FORM_KINDS and unit.kind == UnitKind.promote


async def activity_period(session: AsyncSession, *, unit: Unit, ses: StudySession) -> Period:
    return unit_period(unit, await rotation_of(session, unit.id), local_today(ses.starts_at, unit.timezone))


async def activity_recorder(session: AsyncSession, *, unit: Unit, ses: StudySession) -> int | None:
    """Who is asked for the activity's record: the leader of the period it falls in (the rotation),
    else whoever scheduled it."""
    rot = await rotation_of(session, unit.id)
    if rot is not None and rot.order:
        active = await active_ids(session, unit.id)
        leader = leader_for(rot, unit_period(unit, rot, local_today(ses.starts_at, unit.timezone)), active)
        if leader is not None and leader in active:
            return leader
    return ses.created_by_id


async def pending_activities(session: AsyncSession, *, unit: Unit, now: datetime) -> list[StudySession]:
    """The group's closed activities still waiting for their record, oldest first."""
    recorded = select(ActivityRecord.id).where(
        ActivityRecord.session_id == StudySession.id, ActivityRecord.submitted_at.is_not(None)).exists()
    return list(await session.scalars(select(StudySession).where(
        _activity_filter(unit.id), StudySession.closed_at >= now - RECORD_GRACE, ~recorded,
    ).order_by(StudySession.starts_at, StudySession.id)))


async def _may_record(session: AsyncSession, *, unit: Unit, ses: StudySession, person: Person, admin: bool) -> bool:
    return admin or await activity_recorder(session, unit=unit, ses=ses) == person.id


async def activity_to_record(session: AsyncSession, *, unit: Unit, person: Person, admin: bool,
                             now: datetime) -> tuple[StudySession, Period, int] | None:
    """The first pending activity of the group this person may write up (the one asked, or an admin),
    its period, and how many more are pending after it; None when there is none."""
    if unit.kind != UnitKind.promote:
        return None
    mine = [s for s in await pending_activities(session, unit=unit, now=now)
            if await _may_record(session, unit=unit, ses=s, person=person, admin=admin)]
    if not mine:
        return None
    return mine[0], await activity_period(session, unit=unit, ses=mine[0]), len(mine) - 1


async def activity_for_reply(session: AsyncSession, *, session_id: int, person: Person, admin: bool,
                             now: datetime) -> tuple[StudySession, Unit, Period]:
    """The activity a reply to the bot's request names, if its record is still to be written by them."""
    ses = await session.get(StudySession, session_id)
    unit = await session.get(Unit, ses.unit_id) if ses is not None else None
    if ses is None or unit is None or not is_activity(ses, unit) or ses.state != SessionState.closed:
        raise DomainError("record.nothing_pending")
    if await _recorded(session, ses.id):
        raise DomainError("record.activity_done", topic=ses.topic)
    if ses.closed_at is None or ses.closed_at < now - RECORD_GRACE:
        raise DomainError("record.activity_too_late", topic=ses.topic, days=RECORD_GRACE.days)
    if not await _may_record(session, unit=unit, ses=ses, person=person, admin=admin):
        raise DomainError("record.not_leader")
    return ses, unit, await activity_period(session, unit=unit, ses=ses)
