"""A first agenda item as the bot shows it: the publish notice (会前自学, with "已学习"), the line
under a session's header, the draft card, measure notices, reminders, the warning for a leadership
session without an item, and the closing notice — texts, keyboards and the outbox rows that carry
them, for the agenda handlers and the planner (jobs/agenda.py).

`Act` names every agenda button (used by the views that build them and by the feature's declaration);
`Ask` names the questions the agenda dialogue asks (prompt kinds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.context import BotState
from bot.i18n import mention, t
from bot.notify import group_lang, notify, person_lang
from models import agenda as ag
from models.outbox import OutboxIn, enqueue
from models.reflections import Subject
from models.sessions import StudySession
from models.units import Person, Unit
from views.base import Renderer, as_dict, columns, rows
from views.reflections import subject_button
from views.sessions import kind_text, when_text

STUDY_DAYS = (3, 7, 14)  # the study-by choices offered on a draft, in days from today
WARN_ITEMS = 5  # open items offered on a warning


class Act(StrEnum):
    """Callback actions of the agenda buttons."""

    category = "agd.c"
    study_days = "agd.b"
    study_day_typed = "agd.bd"
    publish = "agd.p"
    discard = "agd.x"
    studied = "agd.st"
    session_menu = "agd.ss"
    attach = "agd.at"
    add_measure = "agd.ma"
    owner = "agd.mo"
    progress = "agd.mp"
    done = "agd.md"


class Ask(StrEnum):
    """Prompt kinds: the questions asked by reply (ForceReply)."""

    item_title = "agd.title"
    source = "agd.source"
    date = "agd.date"
    measure = "agd.measure"
    progress = "agd.progress"


SETTING_FOLLOWUP_DAYS = "agd.fd"  # the /settings row key (travels in callback data)


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


def followup_value(lang: str, unit: Unit) -> str:
    """The /settings row: days members have for a follow-up reflection."""
    return t(lang, "agenda.days", n=ag.followup_days(unit))


def followup_choices(lang: str, unit: Unit) -> list[tuple[str, str]]:
    return [(str(d), t(lang, "agenda.days", n=d)) for d in ag.FOLLOWUP_DAYS_CHOICES]


def item_label(view: Renderer, item: ag.AgendaItem, unit: Unit) -> str:
    return view.t("agenda.label", id=item.id, title=item.title, category=category_text(view.lang, item),
                  day=day_text(view.lang, item.study_by, unit.timezone))


# -- keyboards -------------------------------------------------------------------------------------------

def studied_keyboard(view: Renderer, item: ag.AgendaItem, unit: Unit) -> InlineKeyboardMarkup:
    return rows([view.button("agenda.btn_studied", Act.studied, item.id, unit.id)])


def studied_markup(state: BotState, lang: str, item: ag.AgendaItem, unit: Unit) -> dict | None:
    return as_dict(studied_keyboard(Renderer(lang, state.codec), item, unit))


def reflect_markup(state: BotState, lang: str, item: ag.AgendaItem, unit_id: int) -> dict | None:
    subject = Subject("agenda", item.id, unit_id, item.title or "")
    return as_dict(rows([subject_button(Renderer(lang, state.codec), "agenda.btn_reflect", subject)]))


def measure_keyboard(view: Renderer, measure_id: int) -> InlineKeyboardMarkup:
    return rows([view.button("agenda.btn_progress", Act.progress, measure_id),
                 view.button("agenda.btn_done", Act.done, measure_id)])


def measure_markup(state: BotState, lang: str, m: ag.AgendaMeasure) -> dict | None:
    return as_dict(measure_keyboard(Renderer(lang, state.codec), m.id))


def open_item_keyboard(view: Renderer, item: ag.AgendaItem) -> InlineKeyboardMarkup | None:
    """Under an item's state: attach it to a session, add a measure (while it is open)."""
    if item.state != ag.ItemState.open:
        return None
    return rows([view.button("agenda.btn_to_session", Act.session_menu, item.id),
                 view.button("agenda.btn_add_measure", Act.add_measure, item.id)])


def category_keyboard(view: Renderer, item: ag.AgendaItem) -> InlineKeyboardMarkup:
    return columns([view.button(f"agenda.cat_btn.{c.value}", Act.category, item.id, c.value) for c in ag.Category], 1)


def study_by_keyboard(view: Renderer, item: ag.AgendaItem) -> InlineKeyboardMarkup:
    buttons = [view.button("=" + view.t("agenda.btn_days", days=d), Act.study_days, item.id, d) for d in STUDY_DAYS]
    buttons.append(view.button("agenda.btn_other_day", Act.study_day_typed, item.id))
    return columns(buttons, 2)


def card_text(view: Renderer, item: ag.AgendaItem, unit: Unit) -> str:
    """A complete draft, before it is published."""
    return "\n".join([view.t("agenda.card", title=item.title, category=category_text(view.lang, item),
                             day=day_text(view.lang, item.study_by, unit.timezone)),
                      *source_lines(view.lang, item)])


def publish_keyboard(view: Renderer, item: ag.AgendaItem, *, has_below: bool) -> InlineKeyboardMarkup:
    choices = [view.button("agenda.btn_publish_here", Act.publish, item.id, 0)]
    if has_below:
        choices.append(view.button("agenda.btn_publish_down", Act.publish, item.id, 1))
    choices.append(view.button("agenda.btn_discard", Act.discard, item.id))
    return columns(choices, 1)


def sessions_keyboard(view: Renderer, item: ag.AgendaItem, sessions: Sequence[StudySession],
                      tz: str) -> InlineKeyboardMarkup:
    return columns([view.button("=" + f"#{s.id} {kind_text(view.lang, s)} {when_text(view.lang, s, tz)}"[:60],
                                Act.attach, s.id, item.id) for s in sessions], 1)


def owners_keyboard(view: Renderer, m: ag.AgendaMeasure, people: Sequence[Person]) -> InlineKeyboardMarkup:
    return columns([view.button("=" + p.display_name[:30], Act.owner, m.id, p.id) for p in people], 3)


def warn_keyboard(view: Renderer, ses: StudySession, items: Sequence[ag.AgendaItem]) -> InlineKeyboardMarkup | None:
    """The unit's open items, one per row, to attach to a session that has none."""
    if not items:
        return None
    return rows(*([view.button("agenda.btn_attach", Act.attach, ses.id, i.id, id=i.id, title=(i.title or "")[:30])]
                  for i in items))


# -- outbox rows -----------------------------------------------------------------------------------------

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


def measure_notice(state: BotState, unit: Unit, m: ag.AgendaMeasure, owner: Person, item: ag.AgendaItem,
                   now: datetime) -> OutboxIn:
    lang = person_lang(state, unit, owner)
    return notify(state, unit, owner, key=f"agd:m{m.id}:new", kind="agd_measure", at=now,
                  text_key="agenda.measure_assigned", group_key="agenda.measure_assigned_group",
                  markup=measure_markup(state, lang, m), id=m.id, text=m.text, title=item.title,
                  deadline=day_text(lang, m.deadline, unit.timezone))


def warning(state: BotState, unit: Unit, ses: StudySession, open_items: Sequence[ag.AgendaItem],
            now: datetime) -> OutboxIn:
    """A leadership session scheduled without a first agenda item, to its group (the admins)."""
    lang = group_lang(state, unit)
    return OutboxIn(
        dedupe_key=f"agd:warn:{ses.id}", chat_id=unit.chat_id, unit_id=unit.id, kind="agd_warn", due_at=now,
        text=t(lang, "agenda.warn_no_item", id=ses.id, kind=t(lang, f"skind.{ses.kind.value}"), topic=ses.topic)
        + "\n" + t(lang, "agenda.warn_pick" if open_items else "agenda.warn_none"),
        markup=as_dict(warn_keyboard(Renderer(lang, state.codec), ses, open_items)))


def overdue_flag(state: BotState, unit: Unit, m: ag.AgendaMeasure, owner: Person, item: ag.AgendaItem,
                 at: datetime) -> OutboxIn:
    """An overdue measure, once, to its unit's group."""
    lang = group_lang(state, unit)
    return OutboxIn(
        dedupe_key=f"agd:m{m.id}:flag", chat_id=unit.chat_id, unit_id=unit.id, kind="agd_overdue_flag",
        due_at=at, text=t(lang, "agenda.overdue_flag", who=mention(owner.tg_user_id, owner.display_name),
                          id=m.id, text=m.text, title=item.title, deadline=day_text(lang, m.deadline, unit.timezone)))


async def closed_notices(session: AsyncSession, state: BotState, *, item: ag.AgendaItem, now: datetime) -> int:
    """The loop is closed: tell every unit that received the item."""
    items = []
    for unit in await ag.target_units(session, item_id=item.id):
        lang = group_lang(state, unit)
        items.append(OutboxIn(dedupe_key=f"agd:{item.id}:closed:{unit.id}", chat_id=unit.chat_id, unit_id=unit.id,
                              kind="agd_closed", due_at=now, text=t(lang, "agenda.item_closed", id=item.id,
                                                                     title=item.title)))
    return await enqueue(session, items=items, now=now)
