"""A first agenda item as the bot shows it: the publish notice (会前自学, with "已学习"), the line
under a session's header, measure notices and the closing notice — texts, keyboards and the outbox
rows that carry them, for the agenda handlers and the planner (jobs/agenda.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotState
from bot.i18n import t
from bot.notify import group_lang, notify, person_lang
from models import agenda as ag
from models.outbox import OutboxIn, enqueue
from models.reflections import Subject
from models.sessions import StudySession
from models.units import Person, Unit
from views.base import as_dict
from views.reflections import subject_callback


def day_text(lang: str, at: datetime, tz: str) -> str:
    """The local day of an end-of-day instant (12月1日)."""
    local = (at - timedelta(seconds=1)).astimezone(ZoneInfo(tz))
    return t(lang, "agenda.day", month=local.month, day=local.day)


def category_text(lang: str, item: ag.AgendaItem) -> str:
    return t(lang, f"agenda.cat.{item.category.value}") if item.category else "—"


def source_lines(lang: str, item: ag.AgendaItem) -> list[str]:
    lines = []
    if item.link:
        lines.append(t(lang, "agenda.line_link", link=item.link))
    if item.source_text:
        lines.append(t(lang, "agenda.line_text", text=item.source_text))
    return lines


def item_text(lang: str, item: ag.AgendaItem, unit: Unit, publisher: Unit) -> str:
    """The notice of a published item."""
    lines = [t(lang, "agenda.notice_head", id=item.id, title=item.title, category=category_text(lang, item),
               publisher=publisher.name),
             *source_lines(lang, item),
             t(lang, "agenda.notice_by", day=day_text(lang, item.study_by, unit.timezone))]
    return "\n".join(lines)


def studied_markup(state: BotState, lang: str, item: ag.AgendaItem, unit: Unit) -> dict | None:
    return as_dict(InlineKeyboardMarkup([[InlineKeyboardButton(
        t(lang, "agenda.btn_studied"), callback_data=state.codec.encode("agd.st", item.id, unit.id))]]))


async def publish_notices(session: AsyncSession, state: BotState, *, item: ag.AgendaItem, publisher: Unit,
                          units: list[Unit], now: datetime) -> int:
    """The 会前自学 notice to each target unit's group."""
    items = []
    for unit in units:
        lang = group_lang(state, unit)
        items.append(OutboxIn(
            dedupe_key=ag.notice_key(item.id, unit.id), chat_id=unit.chat_id, unit_id=unit.id, kind="agd_notice",
            due_at=now, text=item_text(lang, item, unit, publisher) + "\n\n" + t(lang, "agenda.notice_how"),
            markup=studied_markup(state, lang, item, unit)))
    return await enqueue(session, items=items, now=now)


async def session_part(session: AsyncSession, lang: str, ses: StudySession) -> str | None:
    items = await ag.session_items(session, session_id=ses.id)
    if not items:
        return None
    lines = [t(lang, "agenda.session_first")]
    for item in items:
        lines.append(t(lang, "agenda.session_item", id=item.id, title=item.title, category=category_text(lang, item)))
        if item.link:
            lines.append(t(lang, "agenda.line_link", link=item.link))
    lines.append(t(lang, "agenda.session_counts"))
    return "\n".join(lines)


def reflect_markup(state: BotState, lang: str, item: ag.AgendaItem, unit_id: int) -> dict | None:

    data = subject_callback(state.codec, Subject("agenda", item.id, unit_id, item.title or ""))
    return as_dict(InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "agenda.btn_reflect"), callback_data=data)]]))


def measure_markup(state: BotState, lang: str, m: ag.AgendaMeasure) -> dict | None:
    return as_dict(InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "agenda.btn_progress"), callback_data=state.codec.encode("agd.mp", m.id)),
        InlineKeyboardButton(t(lang, "agenda.btn_done"), callback_data=state.codec.encode("agd.md", m.id)),
    ]]))


def measure_notice(state: BotState, unit: Unit, m: ag.AgendaMeasure, owner: Person, item: ag.AgendaItem,
                   now: datetime) -> OutboxIn:
    lang = person_lang(state, unit, owner)
    return notify(state, unit, owner, key=f"agd:m{m.id}:new", kind="agd_measure", at=now,
                    text_key="agenda.measure_assigned", group_key="agenda.measure_assigned_group",
                    markup=measure_markup(state, lang, m), id=m.id, text=m.text, title=item.title,
                    deadline=day_text(lang, m.deadline, unit.timezone))


async def closed_notices(session: AsyncSession, state: BotState, *, item: ag.AgendaItem, now: datetime) -> int:
    """The loop is closed: tell every unit that received the item."""
    items = []
    for unit in await ag.target_units(session, item_id=item.id):
        lang = group_lang(state, unit)
        items.append(OutboxIn(dedupe_key=f"agd:{item.id}:closed:{unit.id}", chat_id=unit.chat_id, unit_id=unit.id,
                              kind="agd_closed", due_at=now, text=t(lang, "agenda.item_closed", id=item.id,
                                                                     title=item.title)))
    return await enqueue(session, items=items, now=now)
