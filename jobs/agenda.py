"""First agenda items on the clock, and the texts both the handlers and the planner send: the
publish notice (会前自学, with "已学习"), reminders to members who have not studied, the warning for a
leadership session without an item, 会后督学 requests and reminders, and overdue measures.

Everything goes through the outbox with dedupe keys, so a restart neither loses nor repeats one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotState
from bot.i18n import mention, t
from jobs.planner import Window, split_late
from jobs.sessions import FIRST_PARTS, as_dict, group_lang, mentions, person_lang
from models import agenda as ag
from models.outbox import OutboxIn, enqueue
from models.reflections import Subject
from models.sessions import StudySession
from models.units import Person, Unit

WARN_SESSIONS_CREATED_WITHIN = timedelta(days=1)
WARN_ITEMS = 5

UnitOf = Callable[[int], Awaitable[Unit]]


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


def _private(state: BotState, unit: Unit, person: Person, *, key: str, kind: str, at: datetime, text_key: str,
             group_key: str, markup: dict | None = None, **params: object) -> OutboxIn:
    """A private message, with a mention in the group should the person have blocked the bot since;
    straight to the group when the bot cannot reach them privately."""
    lang = person_lang(state, unit, person)
    in_group = t(group_lang(state, unit), group_key, who=mention(person.tg_user_id, person.display_name), **params)
    if not person.private_ok:
        return OutboxIn(dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind=kind, due_at=at, text=in_group,
                        markup=markup)
    return OutboxIn(
        dedupe_key=key, chat_id=person.tg_user_id, person_id=person.id, unit_id=unit.id, kind=kind, due_at=at,
        text=t(lang, text_key, **params), markup=markup, fallback_text=in_group)


def _group_mentions(state: BotState, unit: Unit, people: list[Person], *, key: str, kind: str, at: datetime,
                    text_key: str, markup: dict | None = None, **params: object) -> list[OutboxIn]:
    """For members the bot cannot reach privately: mention lists in their group."""
    lang = group_lang(state, unit)
    return [OutboxIn(dedupe_key=f"{key}:g{n}", chat_id=unit.chat_id, unit_id=unit.id, kind=kind, due_at=at,
                     text=t(lang, text_key, who=who, **params), markup=markup)
            for n, who in enumerate(mentions(people))]


def _split(people: list[Person]) -> tuple[list[Person], list[Person]]:
    return [p for p in people if p.private_ok], [p for p in people if not p.private_ok]


# -- the session's announcement shows its first agenda items ---------------------------------------------

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


FIRST_PARTS.append(session_part)


# -- the planner ---------------------------------------------------------------------------------------

async def plan_agenda(session: AsyncSession, state: BotState, window: Window) -> int:
    units: dict[int, Unit] = {}

    async def unit_of(unit_id: int) -> Unit:
        if unit_id not in units:
            units[unit_id] = await session.get(Unit, unit_id)
        return units[unit_id]

    items: list[OutboxIn] = []
    items += await _study_reminders(session, state, window)
    items += await _warnings(session, state, window, unit_of)
    items += await _followups(session, state, window)
    items += await _followup_reminders(session, state, window, unit_of)
    items += await _overdue(session, state, window, unit_of)
    return await enqueue(session, items=items, now=window.now)


async def _study_reminders(session: AsyncSession, state: BotState, window: Window) -> list[OutboxIn]:
    """Before the study-by day ends, to members who have not studied yet."""
    out = []
    for item in await ag.items_to_remind(session, since=window.since):
        publisher = await session.get(Unit, item.unit_id)
        for unit in await ag.target_units(session, item_id=item.id):
            due = [(tag, at) for tag, at in ag.study_reminder_times(item, unit.timezone)
                   if window.since < at <= window.now]
            kept = set(split_late(window, [at for _, at in due], f"study reminders of agenda item {item.id}"))
            due = [(tag, at) for tag, at in due if at in kept]
            if not due:
                continue
            reachable, unreachable = _split(await ag.not_studied(session, item_id=item.id, unit_id=unit.id))
            for tag, at in due:
                key = f"agd:{item.id}:{tag}:{unit.id}"
                for p in reachable:
                    lang = person_lang(state, unit, p)
                    out.append(_private(
                        state, unit, p, key=f"{key}:{p.id}", kind="agd_remind", at=at,
                        text_key=f"agenda.remind_{tag}_private", group_key=f"agenda.remind_{tag}_group",
                        markup=studied_markup(state, lang, item, unit), id=item.id, title=item.title,
                        day=day_text(lang, item.study_by, unit.timezone), link=item.link or "—",
                        publisher=publisher.name))
                glang = group_lang(state, unit)
                out += _group_mentions(state, unit, unreachable, key=key, kind="agd_remind", at=at,
                                       text_key=f"agenda.remind_{tag}_group",
                                       markup=studied_markup(state, glang, item, unit),
                                       id=item.id, title=item.title, day=day_text(glang, item.study_by, unit.timezone),
                                       link=item.link or "—", publisher=publisher.name)
    return out


async def _warnings(session: AsyncSession, state: BotState, window: Window, unit_of: UnitOf) -> list[OutboxIn]:
    """A leadership session scheduled without a first agenda item: tell its group's admins, offering
    the unit's open items to attach."""
    out = []
    for ses in await ag.bare_leadership_sessions(session, now=window.now):
        if ses.created_at < window.now - WARN_SESSIONS_CREATED_WITHIN:
            continue
        unit = await unit_of(ses.unit_id)
        lang = group_lang(state, unit)
        open_items = (await ag.unit_items(session, unit_id=unit.id))[:WARN_ITEMS]
        markup = as_dict(InlineKeyboardMarkup([[InlineKeyboardButton(
            t(lang, "agenda.btn_attach", id=i.id, title=(i.title or "")[:30]),
            callback_data=state.codec.encode("agd.at", ses.id, i.id))] for i in open_items])) if open_items else None
        out.append(OutboxIn(
            dedupe_key=f"agd:warn:{ses.id}", chat_id=unit.chat_id, unit_id=unit.id, kind="agd_warn", due_at=window.now,
            text=t(lang, "agenda.warn_no_item", id=ses.id, kind=t(lang, f"skind.{ses.kind.value}"), topic=ses.topic)
            + "\n" + t(lang, "agenda.warn_pick" if open_items else "agenda.warn_none"),
            markup=markup))
    return out


def reflect_markup(state: BotState, lang: str, item: ag.AgendaItem, unit_id: int) -> dict | None:
    from handlers.reflections import subject_callback  # here: handlers.agenda imports this module

    data = subject_callback(state.codec, Subject("agenda", item.id, unit_id, item.title or ""))
    return as_dict(InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "agenda.btn_reflect"), callback_data=data)]]))


async def _followups(session: AsyncSession, state: BotState, window: Window) -> list[OutboxIn]:
    """会后督学: after a session carrying items closed, ask its members for a reflection on each."""
    out = []
    for made in await ag.assign_followups(session, now=window.now):
        item, unit = made.item, made.unit
        people = [p for _, p in made.people]
        if not people:
            continue
        due = made.people[0][0].due_at
        reachable, unreachable = _split(people)
        key = f"agd:{item.id}:fup:{made.ses.id}"
        for p in reachable:
            lang = person_lang(state, unit, p)
            out.append(_private(state, unit, p, key=f"{key}:{p.id}", kind="agd_followup", at=window.now,
                                text_key="agenda.followup_private", group_key="agenda.followup_group",
                                markup=reflect_markup(state, lang, item, unit.id), id=item.id, title=item.title,
                                due=day_text(lang, due, unit.timezone)))
        glang = group_lang(state, unit)
        out += _group_mentions(state, unit, unreachable, key=key, kind="agd_followup", at=window.now,
                               text_key="agenda.followup_group", id=item.id, title=item.title,
                               due=day_text(glang, due, unit.timezone))
    return out


async def _followup_reminders(
    session: AsyncSession, state: BotState, window: Window, unit_of: UnitOf,
) -> list[OutboxIn]:
    out = []
    unreachable: dict[tuple[int, int, datetime], list[Person]] = {}
    for f, person, item in await ag.followups_to_remind(session, since=window.since, until=window.now):
        at = f.due_at - ag.FOLLOWUP_REMIND_BEFORE
        if not split_late(window, [at], f"follow-up reminder {f.id}"):
            continue
        unit = await unit_of(f.unit_id)
        if person.private_ok:
            lang = person_lang(state, unit, person)
            out.append(_private(state, unit, person, key=f"agd:fupr:{f.id}", kind="agd_followup_remind", at=at,
                                text_key="agenda.followup_remind", group_key="agenda.followup_remind_group",
                                markup=reflect_markup(state, lang, item, unit.id), id=item.id, title=item.title,
                                due=day_text(lang, f.due_at, unit.timezone)))
        else:
            unreachable.setdefault((item.id, unit.id, at), []).append(person)
    for (item_id, unit_id, at), people in unreachable.items():
        unit = await unit_of(unit_id)
        item = await session.get(ag.AgendaItem, item_id)
        due = day_text(group_lang(state, unit), at + ag.FOLLOWUP_REMIND_BEFORE, unit.timezone)
        out += _group_mentions(state, unit, people, key=f"agd:{item_id}:fupr:{unit_id}:{at:%Y%m%d%H%M}",
                               kind="agd_followup_remind", at=at, text_key="agenda.followup_remind_group",
                               id=item_id, title=item.title, due=due)
    return out


async def _overdue(session: AsyncSession, state: BotState, window: Window, unit_of: UnitOf) -> list[OutboxIn]:
    """Overdue measures: the owner daily at 09:00, and the unit's group (its admins) once."""
    out = []
    for m, owner, item in await ag.overdue_measures(session, now=window.now):
        unit = await unit_of(m.unit_id)
        due = split_late(window, ag.overdue_reminder_times(m.deadline, unit.timezone, window.since, window.now),
                         f"overdue reminders of measure {m.id}")
        glang = group_lang(state, unit)
        for at in due:
            lang = person_lang(state, unit, owner)
            params = {"id": m.id, "text": m.text, "title": item.title,
                      "deadline": day_text(lang, m.deadline, unit.timezone)}
            if owner.private_ok:
                out.append(_private(state, unit, owner, key=f"agd:m{m.id}:late:{at:%Y%m%d}", kind="agd_overdue",
                                    at=at, text_key="agenda.overdue_private", group_key="agenda.overdue_owner_group",
                                    markup=measure_markup(state, lang, m),
                                    days=(at - m.deadline).days + 1, **params))
            out.append(OutboxIn(
                dedupe_key=f"agd:m{m.id}:flag", chat_id=unit.chat_id, unit_id=unit.id, kind="agd_overdue_flag",
                due_at=at, text=t(glang, "agenda.overdue_flag", who=mention(owner.tg_user_id, owner.display_name),
                                  id=m.id, text=m.text, title=item.title,
                                  deadline=day_text(glang, m.deadline, unit.timezone))))
    return out


def measure_markup(state: BotState, lang: str, m: ag.AgendaMeasure) -> dict | None:
    return as_dict(InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "agenda.btn_progress"), callback_data=state.codec.encode("agd.mp", m.id)),
        InlineKeyboardButton(t(lang, "agenda.btn_done"), callback_data=state.codec.encode("agd.md", m.id)),
    ]]))


def measure_notice(state: BotState, unit: Unit, m: ag.AgendaMeasure, owner: Person, item: ag.AgendaItem,
                   now: datetime) -> OutboxIn:
    lang = person_lang(state, unit, owner)
    return _private(state, unit, owner, key=f"agd:m{m.id}:new", kind="agd_measure", at=now,
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

