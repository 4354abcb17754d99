"""Study notes due today: on the due date at 09:00 (the unit's time) the member is reminded, unless
everything is in already."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotState
from jobs.planner import Window, split_late
from models.outbox import OutboxIn, enqueue
from models.reflections import NoteRequest, NoteState
from models.units import Person, Unit
from views.reflections import notes_reminder

REMIND_AT = time(9, 0)


def remind_at(req: NoteRequest, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    return datetime.combine(req.due_at.astimezone(zone).date(), REMIND_AT, tzinfo=zone)


async def plan_note_reminders(session: AsyncSession, state: BotState, window: Window) -> int:
    items: list[OutboxIn] = []
    rows = await session.execute(
        select(NoteRequest, Unit, Person)
        .join(Unit, Unit.id == NoteRequest.unit_id).join(Person, Person.id == NoteRequest.person_id)
        .where(NoteRequest.state == NoteState.open, NoteRequest.due_at > window.since)
        .order_by(NoteRequest.id)
    )
    for req, unit, person in rows.all():
        at = remind_at(req, unit.timezone)
        if not window.since < at <= window.now or not split_late(window, [at], f"notes reminder {req.id}",
                                                                        unit_id=unit.id):
            continue
        items.append(notes_reminder(state, unit, person, req, at))
    return await enqueue(session, items=items, now=window.now)
