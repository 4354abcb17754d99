"""闭环落实: measures drafted for an item, their owners, progress, completion and overdue reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.items import is_target
from models.agenda.tables import PROGRESS_MAX, REMIND_AT, AgendaItem, AgendaMeasure, ItemState, MeasureState
from models.errors import DomainError
from models.sessions import clean_text
from models.units import Membership, Person, Unit


# -- 闭环落实 ---------------------------------------------------------------------------------------------

async def draft_measure(session: AsyncSession, *, item: AgendaItem, unit: Unit, text: str, deadline: datetime,
                        by: Person, now: datetime) -> AgendaMeasure:
    if item.state != ItemState.open or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_open", id=item.id)
    m = AgendaMeasure(item_id=item.id, unit_id=unit.id, text=text, deadline=deadline, state=MeasureState.draft,
                      created_by_id=by.id, created_at=now)
    session.add(m)
    await session.flush()
    return m


async def unit_measure(session: AsyncSession, *, measure_id: int, unit: Unit) -> AgendaMeasure:
    m = await session.get(AgendaMeasure, measure_id)
    if m is None or m.unit_id != unit.id:
        raise DomainError("agenda.measure_not_found", id=measure_id)
    return m


async def set_owner(session: AsyncSession, *, measure: AgendaMeasure, unit: Unit, owner_id: int,
                    now: datetime) -> Person:
    """Give the drafted measure its owner, who must be an active member of the unit."""
    if measure.state != MeasureState.draft:
        raise DomainError("agenda.measure_has_owner", id=measure.id)
    owner = await session.scalar(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Person.id == owner_id, Membership.unit_id == unit.id, Membership.active))
    if owner is None:
        raise DomainError("agenda.owner_not_member", unit=unit.name)
    measure.owner_id, measure.state = owner.id, MeasureState.open
    return owner


def _own(measure: AgendaMeasure | None, person: Person, measure_id: int) -> AgendaMeasure:
    if measure is None or measure.state == MeasureState.draft:
        raise DomainError("agenda.measure_not_found", id=measure_id)
    if measure.owner_id != person.id:
        raise DomainError("agenda.measure_not_yours", id=measure_id)
    return measure


async def record_progress(session: AsyncSession, *, measure_id: int, person: Person, text: str,
                          now: datetime) -> AgendaMeasure:
    m = _own(await session.get(AgendaMeasure, measure_id), person, measure_id)
    if m.state == MeasureState.done:
        raise DomainError("agenda.measure_done_already", id=m.id)
    body = clean_text(text)
    if not body:
        raise DomainError("agenda.progress_missing")
    if len(body) > PROGRESS_MAX:
        raise DomainError("agenda.progress_too_long", length=len(body), limit=PROGRESS_MAX)
    m.progress, m.progress_at = body, now
    return m


async def finish_measure(session: AsyncSession, *, measure_id: int, person: Person,
                         now: datetime) -> tuple[AgendaMeasure, AgendaItem | None]:
    """Mark the owner's measure done. Returns it and the item when this closed the item."""
    m = _own(await session.get(AgendaMeasure, measure_id), person, measure_id)
    if m.state == MeasureState.done:
        raise DomainError("agenda.measure_done_already", id=m.id)
    m.state, m.done_at = MeasureState.done, now
    await session.flush()
    left = await session.scalar(select(func.count()).select_from(AgendaMeasure).where(
        AgendaMeasure.item_id == m.item_id, AgendaMeasure.state == MeasureState.open))
    item = await session.get(AgendaItem, m.item_id)
    if left == 0 and item.state == ItemState.open:
        item.state, item.closed_at = ItemState.closed, now
        return m, item
    return m, None


async def unit_measures(session: AsyncSession, *, item_id: int, unit_id: int) -> list[tuple[AgendaMeasure, Person]]:
    """The unit's measures for the item (with owners), in the order they were added."""
    rows = await session.execute(
        select(AgendaMeasure, Person).join(Person, Person.id == AgendaMeasure.owner_id)
        .where(AgendaMeasure.item_id == item_id, AgendaMeasure.unit_id == unit_id,
               AgendaMeasure.state != MeasureState.draft)
        .order_by(AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


async def person_measures(session: AsyncSession, *, person_id: int) -> list[tuple[AgendaMeasure, AgendaItem]]:
    rows = await session.execute(
        select(AgendaMeasure, AgendaItem).join(AgendaItem, AgendaItem.id == AgendaMeasure.item_id)
        .where(AgendaMeasure.owner_id == person_id, AgendaMeasure.state == MeasureState.open)
        .order_by(AgendaMeasure.deadline, AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


async def overdue_measures(session: AsyncSession, *, now: datetime) -> list[tuple[AgendaMeasure, Person, AgendaItem]]:
    rows = await session.execute(
        select(AgendaMeasure, Person, AgendaItem).join(Person, Person.id == AgendaMeasure.owner_id)
        .join(AgendaItem, AgendaItem.id == AgendaMeasure.item_id)
        .where(AgendaMeasure.state == MeasureState.open, AgendaMeasure.deadline <= now)
        .order_by(AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


def overdue_reminder_times(deadline: datetime, tz: str, since: datetime, until: datetime) -> list[datetime]:
    """09:00 local on each day after the deadline that falls in (since, until]."""
    zone = ZoneInfo(tz)
    day = max(deadline, since).astimezone(zone).date()
    out = []
    while (at := datetime.combine(day, REMIND_AT, zone)) <= until:
        if at > since and at >= deadline:
            out.append(at)
        day += timedelta(days=1)
    return out
