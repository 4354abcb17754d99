"""Per-unit reminder schedules (kept in the unit's options)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from models.schedules import Weekly
from models.units import Unit

# Defaults for every unit until its admins change them (/settings): the week's self-study plan on
# Monday 09:00, a nudge to those behind on Thursday 19:00, the week's summary on Sunday 20:00.
DEFAULTS: dict[str, dict] = {
    "weekly": {"on": True, "weekday": 0, "at": "09:00"},
    "midweek": {"on": True, "weekday": 3, "at": "19:00"},
    "summary": {"on": True, "weekday": 6, "at": "20:00"},
}


def config(unit: Unit, name: str) -> dict:
    """The unit's settings of a reminder (on, weekday, at), defaults filled in."""
    return {**DEFAULTS[name], **(unit.options or {}).get("reminders", {}).get(name, {})}


def reminder(unit: Unit, name: str) -> Weekly | None:
    """The unit's schedule for a reminder, or None when it is switched off."""
    cfg = config(unit, name)
    if not cfg["on"]:
        return None
    hh, mm = map(int, cfg["at"].split(":"))
    return Weekly(weekday=int(cfg["weekday"]), at=time(hh, mm), tz=unit.timezone)


async def set_reminder(
    session: AsyncSession, *, unit: Unit, name: str, now: datetime, on: bool | None = None,
    weekday: int | None = None, at: time | None = None,
) -> Weekly | None:
    if name not in DEFAULTS:
        raise KeyError(name)
    options = dict(unit.options or {})
    reminders = dict(options.get("reminders", {}))
    cfg = {**DEFAULTS[name], **reminders.get(name, {})}
    if on is not None:
        cfg["on"] = on
    if weekday is not None:
        cfg["weekday"] = weekday % 7
    if at is not None:
        cfg["at"] = at.strftime("%H:%M")
    reminders[name] = cfg
    options["reminders"] = reminders
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now
    return reminder(unit, name)
