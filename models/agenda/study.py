"""会前自学: who has studied an item ("已学习" or attending a session carrying it), and study reminders."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.items import is_target
from models.agenda.tables import REMIND_AT, AgendaItem, AgendaSession, AgendaStudy, AgendaTarget, ItemState
from models.errors import DomainError
from models.sessions import ATTENDED, Attendance
from models.units import Membership, Person, Unit, join_unit


# -- 会前自学 -----------------------------------------------------------------------------------------------

async def mark_studied(session: AsyncSession, *, item: AgendaItem, unit: Unit, person: Person, now: datetime) -> bool:
    """"已学习": True when newly recorded. The unit must have received the item; pressing joins it."""
    if item.state == ItemState.draft or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_found", id=item.id)
    await join_unit(session, unit=unit, person=person, source="agenda", now=now)
    if await session.scalar(select(AgendaStudy.id).where(
            AgendaStudy.item_id == item.id, AgendaStudy.person_id == person.id)) is not None:
        return False
    session.add(AgendaStudy(item_id=item.id, person_id=person.id, unit_id=unit.id, studied_at=now))
    await session.flush()
    return True


def _attended_ids(item_id: int):  # noqa: ANN202 - a Select of person ids
    return select(Attendance.person_id).join(AgendaSession, AgendaSession.session_id == Attendance.session_id).where(
        AgendaSession.item_id == item_id, Attendance.status.in_(ATTENDED))


async def studied_ids(session: AsyncSession, *, item_id: int) -> set[int]:
    """Who studied the item: pressed "已学习" or attended a session carrying it."""
    pressed = set(await session.scalars(select(AgendaStudy.person_id).where(AgendaStudy.item_id == item_id)))
    return pressed | set(await session.scalars(_attended_ids(item_id)))


async def has_studied(session: AsyncSession, *, item_id: int, person_id: int) -> bool:
    return person_id in await studied_ids(session, item_id=item_id)


async def studied_items(session: AsyncSession, *, item_ids: list[int], person_id: int) -> set[int]:
    """Which of the items the person studied (as `studied_ids` counts it), in one query."""
    if not item_ids:
        return set()
    pressed = select(AgendaStudy.item_id).where(AgendaStudy.person_id == person_id, AgendaStudy.item_id.in_(item_ids))
    attended = select(AgendaSession.item_id).join(Attendance, Attendance.session_id == AgendaSession.session_id).where(
        Attendance.person_id == person_id, Attendance.status.in_(ATTENDED), AgendaSession.item_id.in_(item_ids))
    return set(await session.scalars(union_all(pressed, attended)))


@functools.cache
def _unstudied_stmt():
    """Built once (with bind parameters): constructing it per /me costs more CPU than running it."""
    rank = func.row_number().over(partition_by=AgendaTarget.unit_id, order_by=AgendaItem.id.desc()).label("rank")
    listed = (select(AgendaTarget.unit_id, AgendaTarget.item_id, rank)
              .join(AgendaItem, AgendaItem.id == AgendaTarget.item_id)
              .where(AgendaTarget.unit_id.in_(bindparam("units", expanding=True)), AgendaItem.state == ItemState.open)
              .subquery())
    person = bindparam("person")
    pressed = exists().where(AgendaStudy.person_id == person, AgendaStudy.item_id == listed.c.item_id)
    attended = exists().where(AgendaSession.item_id == listed.c.item_id, Attendance.session_id == AgendaSession.session_id,
                              Attendance.person_id == person, Attendance.status.in_(ATTENDED))
    return (select(listed.c.unit_id, AgendaItem).join(AgendaItem, AgendaItem.id == listed.c.item_id)
            .where(listed.c.rank <= bindparam("latest"), ~pressed, ~attended)
            .order_by(listed.c.unit_id, AgendaItem.id.desc()))


async def unstudied_items(
    session: AsyncSession, *, unit_ids: list[int], person_id: int, latest: int = 30,
) -> list[tuple[int, AgendaItem]]:
    """(unit id, item) for each unit's `latest` open items (as `unit_items` lists them) that the person
    has not studied (as `studied_items` counts it), newest first per unit: one query for all units (/me)."""
    if not unit_ids:
        return []
    rows = (await session.execute(_unstudied_stmt(), {"units": unit_ids, "person": person_id, "latest": latest})).all()
    return [(unit_id, item) for unit_id, item in rows]


async def not_studied(session: AsyncSession, *, item_id: int, unit_id: int) -> list[Person]:
    done = await studied_ids(session, item_id=item_id)
    people = await session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.unit_id == unit_id, Membership.active).order_by(Membership.joined_at, Person.id))
    return [p for p in people if p.id not in done]


def study_reminder_times(item: AgendaItem, tz: str) -> list[tuple[str, datetime]]:
    """09:00 on the day before the study-by day and on the day itself, if after publishing."""
    last_day = (item.study_by - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).date()
    out = []
    for tag, day in (("d1", last_day - timedelta(days=1)), ("d0", last_day)):
        at = datetime.combine(day, REMIND_AT, ZoneInfo(tz))
        if at > item.published_at:
            out.append((tag, at))
    return out


async def items_to_remind(session: AsyncSession, *, since: datetime) -> list[AgendaItem]:
    return list(await session.scalars(select(AgendaItem).where(
        AgendaItem.state == ItemState.open, AgendaItem.study_by > since).order_by(AgendaItem.id)))
