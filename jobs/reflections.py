"""Study notes due today: on the due date at 09:00 (the unit's time) the member is reminded, unless
everything is in already."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotState
from bot.i18n import mention, pick_lang, t
from jobs.planner import Window, split_late
from models.outbox import OutboxIn, enqueue
from models.reflections import NoteRequest, NoteState
from models.units import Person, Unit

REMIND_AT = time(9, 0)


def remind_at(req: NoteRequest, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    return datetime.combine(req.due_at.astimezone(zone).date(), REMIND_AT, tzinfo=zone)


def _day(lang: str, at: datetime) -> str:
    return t(lang, "reflect.day", month=at.month, day=at.day)


async def plan_note_reminders(session: AsyncSession, state: BotState, window: Window) -> int:
    default = state.settings.locale
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
        private = person.private_ok
        unit_lang = pick_lang(None, unit.locale, default)
        lang = pick_lang(person.language_code, unit.locale, default) if private else unit_lang
        who = mention(person.tg_user_id, person.display_name)
        start = InlineKeyboardButton(t(lang, "notes.btn_start"), callback_data=state.codec.encode("nt.go", req.id))
        items.append(OutboxIn(
            dedupe_key=f"notes:{req.id}:remind:{at.date().isoformat()}",
            chat_id=person.tg_user_id if private else unit.chat_id, person_id=person.id if private else None,
            unit_id=unit.id, kind="notes", due_at=at,
            text=t(lang, "notes.remind", due=_day(lang, at)) if private else t(
                lang, "notes.remind_group", who=who, due=_day(lang, at)),
            markup=InlineKeyboardMarkup([[start]]).to_dict(),
            fallback_text=t(unit_lang, "notes.remind_group", who=who, due=_day(unit_lang, at)),
        ))
    return await enqueue(session, items=items, now=window.now)
