"""会后督学: follow-ups assigned after a session, their reminders, and completing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.parsing import end_of_day, followup_days
from models.agenda.tables import FOLLOWUP_REMIND_BEFORE, AgendaFollowup, AgendaItem, AgendaSession, ItemState
from models.sessions import Attendance, SessionState, StudySession
from models.units import Person, Unit


# -- 会后督学 ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NewFollowups:
    item: AgendaItem
    ses: StudySession
    unit: Unit
    people: list[tuple[AgendaFollowup, Person]]


async def assign_followups(session: AsyncSession, *, now: datetime) -> list[NewFollowups]:
    """Closed sessions carrying items whose follow-ups are not assigned yet: ask each expected member
    (who has none for the item yet) for a reflection, due after the unit's follow-up days."""
    pending = (await session.execute(
        select(AgendaSession, StudySession).join(StudySession, StudySession.id == AgendaSession.session_id)
        .where(AgendaSession.followups_at.is_(None), StudySession.state == SessionState.closed)
        .order_by(AgendaSession.id)
    )).all()
    out = []
    for link, ses in pending:
        link.followups_at = now
        item = await session.get(AgendaItem, link.item_id)
        if item.state == ItemState.draft:
            continue
        unit = await session.get(Unit, ses.unit_id)
        due = end_of_day((now + timedelta(days=followup_days(unit))).astimezone(ZoneInfo(unit.timezone)).date(),
                         unit.timezone)
        have = set(await session.scalars(select(AgendaFollowup.person_id).where(AgendaFollowup.item_id == item.id)))
        people = (await session.scalars(
            select(Person).join(Attendance, Attendance.person_id == Person.id)
            .where(Attendance.session_id == ses.id, Attendance.expected).order_by(Attendance.id))).all()
        made = []
        for p in people:
            if p.id in have:
                continue
            f = AgendaFollowup(item_id=item.id, person_id=p.id, unit_id=unit.id, session_id=ses.id, due_at=due,
                               created_at=now)
            session.add(f)
            made.append((f, p))
        await session.flush()
        out.append(NewFollowups(item, ses, unit, made))
    return out


async def followups_to_remind(
    session: AsyncSession, *, since: datetime, until: datetime,
) -> list[tuple[AgendaFollowup, Person, AgendaItem]]:
    """Open follow-ups whose reminder (09:00 on the due day) fell in (since, until]."""
    rows = await session.execute(
        select(AgendaFollowup, Person, AgendaItem).join(Person, Person.id == AgendaFollowup.person_id)
        .join(AgendaItem, AgendaItem.id == AgendaFollowup.item_id)
        .where(AgendaFollowup.done_at.is_(None), AgendaFollowup.due_at > since + FOLLOWUP_REMIND_BEFORE,
               AgendaFollowup.due_at <= until + FOLLOWUP_REMIND_BEFORE)
        .order_by(AgendaFollowup.id))
    return [tuple(r) for r in rows.all()]


async def open_followups(session: AsyncSession, *, person_id: int) -> list[tuple[AgendaFollowup, AgendaItem]]:
    rows = await session.execute(
        select(AgendaFollowup, AgendaItem).join(AgendaItem, AgendaItem.id == AgendaFollowup.item_id)
        .where(AgendaFollowup.person_id == person_id, AgendaFollowup.done_at.is_(None))
        .order_by(AgendaFollowup.due_at))
    return [tuple(r) for r in rows.all()]


async def complete_followup(session: AsyncSession, *, item_id: int, person_id: int, reflection_id: int,
                            now: datetime) -> None:
    f = await session.scalar(select(AgendaFollowup).where(
        AgendaFollowup.item_id == item_id, AgendaFollowup.person_id == person_id))
    if f is not None and f.done_at is None:
        f.done_at, f.reflection_id = now, reflection_id
