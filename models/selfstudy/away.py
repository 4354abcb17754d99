"""Leave periods (请假): members away are left out of reminders and figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.selfstudy.tables import AwayPeriod
from models.units import Person


# -- leave periods --------------------------------------------------------------------------------

async def add_away(session: AsyncSession, *, person: Person, first: date, last: date, reason: str, now: datetime) -> AwayPeriod:
    away = AwayPeriod(person_id=person.id, first_day=first, last_day=last, reason=reason, created_at=now)
    session.add(away)
    await session.flush()
    return away


async def away_list(session: AsyncSession, *, person_id: int, today: date) -> list[AwayPeriod]:
    return list(await session.scalars(
        select(AwayPeriod).where(AwayPeriod.person_id == person_id, AwayPeriod.last_day >= today)
        .order_by(AwayPeriod.first_day)
    ))


async def cancel_away(session: AsyncSession, *, person: Person, away_id: int) -> AwayPeriod:
    away = await session.get(AwayPeriod, away_id)
    if away is None or away.person_id != person.id:
        raise DomainError("away.gone")
    await session.delete(away)
    return away


async def away_people(session: AsyncSession, *, first: date, last: date, people: Select | list[int]) -> set[int]:
    """People away on any day of first..last."""
    return set(await session.scalars(
        select(AwayPeriod.person_id).where(AwayPeriod.first_day <= last, AwayPeriod.last_day >= first,
                                           AwayPeriod.person_id.in_(people))
    ))
