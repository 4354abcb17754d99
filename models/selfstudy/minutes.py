"""Study minutes: their sources (`MINUTE_SOURCES`), totals per day and per person, and study entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.selfstudy.parsing import check_day
from models.selfstudy.tables import DAY_MAX, TRAINING_MINUTES, EntryKind, StudyEntry
from models.units import Person, Unit


# -- minutes: sources and totals ------------------------------------------------------------------

MinuteSource = Callable[[date, date], Select]


def own_entries(start: date, end: date) -> Select:
    """Logged entries, trainings and corrections as (person_id, day, minutes), start..end inclusive."""
    return select(StudyEntry.person_id.label("person_id"), StudyEntry.day.label("day"),
                  StudyEntry.minutes.label("minutes")).where(StudyEntry.day.between(start, end))


# Every source of study minutes: the member's own entries, plus those the features declare (attended
# sessions), installed once by the app factory through `install_minute_sources`.
MINUTE_SOURCES: list[MinuteSource] = [own_entries]


def install_minute_sources(declared: tuple[MinuteSource, ...]) -> None:
    MINUTE_SOURCES[:] = [own_entries, *declared]


def all_minutes(start: date, end: date):
    parts = [src(start, end) for src in MINUTE_SOURCES]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("minutes")


async def minutes_by_day(session: AsyncSession, *, person_id: int, start: date, end: date) -> dict[date, int]:
    every = all_minutes(start, end)
    rows = await session.execute(
        select(every.c.day, func.sum(every.c.minutes)).where(every.c.person_id == person_id).group_by(every.c.day)
    )
    return {as_date(d): int(m) for d, m in rows.all()}


async def minutes_by_person(session: AsyncSession, *, people: Select | list[int], start: date, end: date) -> dict[int, int]:
    """Total minutes per person over start..end for a set of people (a subquery of ids, or a list)."""
    every = all_minutes(start, end)
    rows = await session.execute(
        select(every.c.person_id, func.sum(every.c.minutes))
        .where(every.c.person_id.in_(people)).group_by(every.c.person_id)
    )
    return {pid: int(m) for pid, m in rows.all()}


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# -- study entries --------------------------------------------------------------------------------

async def _day_total(session: AsyncSession, person_id: int, day: date) -> int:
    return (await minutes_by_day(session, person_id=person_id, start=day, end=day)).get(day, 0)


async def log_study(
    session: AsyncSession, *, person: Person, minutes: int, day: date, what: str | None, unit_id: int | None,
    today: date, now: datetime, kind: EntryKind = EntryKind.own, by: Person | None = None,
    reason: str | None = None,
) -> StudyEntry:
    """Record study (or an admin's signed correction) on a day, keeping each day within 0..12 h."""
    if kind == EntryKind.own:
        check_day(day, today=today)
    elif day > today:
        raise DomainError("study.future", day=day.isoformat())
    if minutes == 0 or (minutes < 0 and kind != EntryKind.correction):
        raise DomainError("study.zero", given=str(minutes))
    total = await _day_total(session, person.id, day) + minutes
    if total > DAY_MAX:
        raise DomainError("study.day_full", day=day.isoformat(), limit=DAY_MAX // 60,
                          left=max(0, DAY_MAX - total + minutes))
    if total < 0:
        raise DomainError("study.below_zero", day=day.isoformat(), had=total - minutes)
    entry = StudyEntry(person_id=person.id, unit_id=unit_id, day=day, minutes=minutes, kind=kind, what=what,
                       reason=reason, created_by=(by or person).id, created_at=now)
    session.add(entry)
    await session.flush()
    return entry


async def undo_entry(session: AsyncSession, *, person: Person, entry_id: int | None = None) -> StudyEntry:
    """Remove the person's own last entry (or the given one of theirs): an undo, not a correction."""
    q = select(StudyEntry).where(StudyEntry.person_id == person.id, StudyEntry.kind == EntryKind.own)
    if entry_id is not None:
        q = q.where(StudyEntry.id == entry_id)
    entry = await session.scalar(q.order_by(StudyEntry.created_at.desc(), StudyEntry.id.desc()).limit(1))
    if entry is None:
        raise DomainError("study.nothing_to_undo" if entry_id is None else "study.undo_gone")
    await session.delete(entry)
    await session.flush()
    return entry


async def record_training(
    session: AsyncSession, *, people: list[Person], length: str, day: date, what: str | None, unit: Unit,
    by: Person, today: date, now: datetime,
) -> list[StudyEntry]:
    """A training day (8 h) or half day (4 h) for each person; refused whole if one day would overflow."""
    if length not in TRAINING_MINUTES:
        raise DomainError("training.usage")
    return [
        await log_study(session, person=p, minutes=TRAINING_MINUTES[length], day=day, what=what, unit_id=unit.id,
                        today=today, now=now, kind=EntryKind.training, by=by)
        for p in people
    ]


async def recent_entries(session: AsyncSession, *, person_id: int, limit: int = 8) -> list[StudyEntry]:
    return list(await session.scalars(
        select(StudyEntry).where(StudyEntry.person_id == person_id)
        .order_by(StudyEntry.created_at.desc(), StudyEntry.id.desc()).limit(limit)
    ))
