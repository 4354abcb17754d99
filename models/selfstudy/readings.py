"""Reading lists per rank tier, and who has read what."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import ScalarSelect, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.selfstudy.parsing import parse_items
from models.selfstudy.tables import Reading, ReadingDone
from models.units import RANK_ORDER, Person, Rank, Unit


# -- reading lists --------------------------------------------------------------------------------

async def add_reading(session: AsyncSession, *, unit: Unit, tier: Rank, raw: str, by: Person, now: datetime) -> list[Reading]:
    items = parse_items(raw)
    if not items:
        raise DomainError("readings.usage")
    rows = [Reading(unit_id=unit.id, tier=tier, title=i.title, link=i.link, created_by=by.id, created_at=now)
            for i in items]
    session.add_all(rows)
    await session.flush()
    return rows


async def archive_reading(session: AsyncSession, *, unit: Unit, reading_id: int, now: datetime) -> Reading:
    reading = await session.get(Reading, reading_id)
    if reading is None or reading.unit_id != unit.id or reading.archived_at is not None:
        raise DomainError("readings.unknown", number=reading_id)
    reading.archived_at = now
    return reading


async def readings_for(session: AsyncSession, *, unit_ids: list[int], rank: Rank | None) -> list[Reading]:
    """Live readings of these units (a member's units and the units above them), for a rank (None: all)."""
    tiers = [r for r in Rank if rank is None or RANK_ORDER[r] <= RANK_ORDER[rank]]
    return list(await session.scalars(
        select(Reading).where(Reading.unit_id.in_(unit_ids), Reading.archived_at.is_(None), Reading.tier.in_(tiers))
        .order_by(Reading.id)
    ))


def tiers_up_to(rank: Rank | None) -> list[Rank]:
    return [r for r in Rank if rank is None or RANK_ORDER[r] <= RANK_ORDER[rank]]


@functools.cache
def readings_figures(units: int) -> dict[str, ScalarSelect]:
    """/me's readings figures as scalar subqueries, built once per number of units, with parameters
    `ss_person`, `ss_unit_<i>` and `ss_tiers_<i>` (`tiers_up_to` the rank there): `listed` (live readings
    that apply to the person: of their units and the units above them, up to their rank there) and
    `read` (of those, marked read). The units above come from a recursive CTE: no round trip of their own."""
    if not units:
        return {}
    chain = select(Unit.id.label("origin"), Unit.id.label("id")).where(
        Unit.id.in_([bindparam(f"ss_unit_{i}") for i in range(units)])).cte("unit_chain", recursive=True)
    chain = chain.union(select(chain.c.origin, Unit.parent_id).join(Unit, Unit.id == chain.c.id)
                        .where(Unit.parent_id.is_not(None)))
    applies = or_(*(and_(Reading.unit_id.in_(select(chain.c.id).where(chain.c.origin == bindparam(f"ss_unit_{i}"))),
                         Reading.tier.in_(bindparam(f"ss_tiers_{i}", expanding=True)))
                    for i in range(units)))
    live = select(func.count()).select_from(Reading).where(Reading.archived_at.is_(None), applies)
    return {"listed": live.scalar_subquery(),
            "read": live.join(ReadingDone, and_(ReadingDone.reading_id == Reading.id,
                                                ReadingDone.person_id == bindparam("ss_person"))).scalar_subquery()}


async def read_ids(session: AsyncSession, *, person_id: int, reading_ids: list[int]) -> dict[int, datetime]:
    if not reading_ids:
        return {}
    rows = await session.execute(select(ReadingDone.reading_id, ReadingDone.done_at).where(
        ReadingDone.person_id == person_id, ReadingDone.reading_id.in_(reading_ids)))
    return dict(rows.all())


async def mark_read(session: AsyncSession, *, reading: Reading, person: Person, now: datetime) -> bool:
    if await session.get(ReadingDone, (reading.id, person.id)) is not None:
        return False
    session.add(ReadingDone(reading_id=reading.id, person_id=person.id, done_at=now))
    await session.flush()
    return True
