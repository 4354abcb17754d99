"""会上领学: attaching items to leadership sessions, and sessions still without one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.items import is_target
from models.agenda.tables import LEADERSHIP_KINDS, AgendaItem, AgendaSession, ItemState
from models.errors import DomainError
from models.sessions import SessionState, StudySession, bump_roll
from models.units import Unit


# -- 会上领学 ---------------------------------------------------------------------------------------------

async def attach(session: AsyncSession, *, item: AgendaItem, ses: StudySession, unit: Unit, now: datetime) -> bool:
    """Make the item a first agenda item of the unit's session. True when newly attached."""
    if ses.unit_id != unit.id:
        raise DomainError("agenda.session_not_found", id=ses.id)
    if ses.state != SessionState.scheduled:
        raise DomainError("agenda.session_not_open", id=ses.id)
    if item.state != ItemState.open or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_found", id=item.id)
    if await session.scalar(select(AgendaSession.id).where(
            AgendaSession.session_id == ses.id, AgendaSession.item_id == item.id)) is not None:
        return False
    session.add(AgendaSession(session_id=ses.id, item_id=item.id, created_at=now))
    bump_roll(ses)  # the announcement shows the item first
    await session.flush()
    return True


async def session_items(session: AsyncSession, *, session_id: int) -> list[AgendaItem]:
    return list(await session.scalars(
        select(AgendaItem).join(AgendaSession, AgendaSession.item_id == AgendaItem.id)
        .where(AgendaSession.session_id == session_id).order_by(AgendaSession.id)))


async def bare_leadership_sessions(session: AsyncSession, *, now: datetime) -> list[StudySession]:
    """Scheduled leadership sessions still ahead that carry no first agenda item."""
    linked = select(AgendaSession.session_id)
    return list(await session.scalars(select(StudySession).where(
        StudySession.state == SessionState.scheduled, StudySession.kind.in_(LEADERSHIP_KINDS),
        StudySession.starts_at > now, StudySession.id.not_in(linked),
    ).order_by(StudySession.id)))


async def upcoming_sessions(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    return list(await session.scalars(select(StudySession).where(
        StudySession.unit_id == unit_id, StudySession.state == SessionState.scheduled,
        StudySession.closes_at > now).order_by(StudySession.starts_at).limit(8)))
