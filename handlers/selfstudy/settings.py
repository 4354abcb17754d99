"""What self-study's rows of a unit's /settings panel store (how they show: views/selfstudy/settings.py;
the rows themselves: bot/features/selfstudy.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import selfstudy as ss
from models.reminders import set_reminder
from models.schedules import parse_hhmm
from models.units import Unit

Apply = Callable[[AsyncSession, Unit, str, datetime], Awaitable[None]]


def reminder_on(name: str) -> Apply:
    async def apply(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
        await set_reminder(session, unit=unit, name=name, on=value == "1", now=now)
    return apply


def reminder_day(name: str) -> Apply:
    async def apply(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
        await set_reminder(session, unit=unit, name=name, weekday=int(value), now=now)
    return apply


def reminder_at(name: str) -> Apply:
    async def apply(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
        await set_reminder(session, unit=unit, name=name, at=parse_hhmm(ss.normalize(value)), now=now)
    return apply


async def names_shown(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
    ss.set_shows_names(unit, on=value == "1", now=now)


def target(who: str) -> Apply:
    async def apply(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
        ss.set_target_hours(unit, who=who, raw=value, now=now)
    return apply
