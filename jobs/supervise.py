"""督学 planners: the 季通报 at each quarter's end (the bulletin of the quarter just ended, as a .docx
through the outbox, to the organ committee's group and privately to its admins who can be reached),
and reminders of required actions (/tasks) a unit has not reported done."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotState
from bot.notify import group_lang, person_lang
from bot.reports.render import bulletin_file
from jobs.planner import Window, split_late
from models import figures as fg
from models import supervise as tk
from models.errors import DomainError
from models.outbox import OutboxIn, enqueue
from models.units import Membership, Person, Role, Unit, UnitKind
from views import supervise as v
from views.base import Renderer
from views.sessions import ordered_makeup_notices

log = logging.getLogger(__name__)

SEND_AT = time(9, 0)  # local time on the first day of the next quarter


def quarter_ends(since: datetime, now: datetime, tz: str) -> list[tuple[datetime, fg.Period]]:
    """The bulletin times in (since, now]: 09:00 local on the day after each quarter, with that quarter."""
    zone = ZoneInfo(tz)
    found = []
    first = fg.period_of(fg.PeriodKind.quarter, since.astimezone(zone).date())
    day = first.start
    while True:
        at = datetime.combine(day, SEND_AT, zone).astimezone(UTC)
        if at > now:
            return found
        if at > since:
            found.append((at, fg.period_of(fg.PeriodKind.quarter, day, back=1)))
        nxt = fg.period_of(fg.PeriodKind.quarter, day).end
        day = date.fromordinal(nxt.toordinal() + 1)


async def plan_bulletins(session: AsyncSession, state: BotState, window: Window) -> int:
    items: list[OutboxIn] = []
    for unit in await session.scalars(select(Unit).where(Unit.kind == UnitKind.supervise).order_by(Unit.id)):
        due = quarter_ends(window.since, window.now, unit.timezone)
        keep = set(split_late(window, [at for at, _ in due], f"季通报 of unit {unit.id}", unit_id=unit.id))
        for at, period in due:
            if at in keep:
                items += await _bulletin_items(session, state, unit, period, at)
    return await enqueue(session, items=items, now=window.now)


async def _bulletin_items(session: AsyncSession, state: BotState, unit: Unit, period: fg.Period,
                          at: datetime) -> list[OutboxIn]:
    files: dict[str, tuple[str, bytes, fg.Bulletin]] = {}  # by language: the group's and each admin's

    async def made(lang: str) -> tuple[str, bytes, fg.Bulletin]:
        if lang not in files:
            files[lang] = await bulletin_file(session, lang, unit, period, at)
        return files[lang]

    def item(lang: str, key: str, chat_id: int, person_id: int | None) -> OutboxIn:
        name, data, b = files[lang]
        return OutboxIn(dedupe_key=key, chat_id=chat_id, person_id=person_id, unit_id=unit.id, kind="bulletin",
                        due_at=at, document=(name, data),
                        text=v.bulletin_caption(Renderer(lang, state.codec), unit, period, b))

    lang = group_lang(state, unit)
    try:
        await made(lang)
    except DomainError:  # nothing happened that quarter: no bulletin
        log.info("no 季通报 for unit %s, %s: no data", unit.id, period.start)
        return []
    key = f"bulletin:{unit.id}:{period.start.isoformat()}"
    items = [item(lang, f"{key}:group", unit.chat_id, None)]
    items += await ordered_makeup_notices(session, state, files[lang][2].ordered, at=at)  # 补学 it ordered
    admins = await session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.unit_id == unit.id, Membership.active, Membership.role == Role.admin, Person.private_ok)
        .order_by(Person.id))
    for person in admins:
        plang = person_lang(state, unit, person)
        await made(plang)
        items.append(item(plang, f"{key}:p{person.id}", person.tg_user_id, person.id))
    return items


async def plan_task_reminders(session: AsyncSession, state: BotState, window: Window) -> int:
    """Each action a unit has not reported done: a reminder in its group some days before it is due
    and on the day, at 09:00 local."""
    items: list[OutboxIn] = []
    since = window.since.date() - timedelta(days=1)
    for item, tl, unit in await tk.open_tasks(session, since=since, until=window.now.date() + timedelta(days=1)):
        zone = ZoneInfo(unit.timezone)
        times = {days: datetime.combine(item.due_on - timedelta(days=days), SEND_AT, zone).astimezone(UTC)
                 for days in tk.REMIND_DAYS}
        due = [at for at in times.values() if window.since < at <= window.now]
        keep = set(split_late(window, due, f"task {item.id} reminder for unit {unit.id}", unit_id=unit.id))
        r = Renderer(group_lang(state, unit), state.codec)
        for days, at in times.items():
            if at in keep:
                items.append(OutboxIn(
                    dedupe_key=f"task:{item.id}:{unit.id}:{days}", chat_id=unit.chat_id, unit_id=unit.id,
                    kind="task_remind", due_at=at, text=v.task_reminder(r, item, days)))
    return await enqueue(session, items=items, now=window.now)


def progress_posts(since: datetime, now: datetime, tz: str) -> list[datetime]:
    """Every other Monday (even ISO weeks) at 09:00 local, in (since, now]."""
    zone = ZoneInfo(tz)
    day = since.astimezone(zone).date()
    day -= timedelta(days=day.weekday())
    found = []
    while (at := datetime.combine(day, SEND_AT, zone).astimezone(UTC)) <= now:
        if at > since and day.isocalendar().week % 2 == 0:
            found.append(at)
        day += timedelta(days=7)
    return found


async def plan_rectify_posts(session: AsyncSession, state: BotState, window: Window) -> int:
    """The biweekly progress post of each ledger with open items, to its unit's group."""
    items: list[OutboxIn] = []
    for unit in await tk.ledger_owners(session):
        due = split_late(window, progress_posts(window.since, window.now, unit.timezone), f"整改 post of unit {unit.id}",
                         unit_id=unit.id)
        if not due:
            continue
        r = Renderer(group_lang(state, unit), state.codec)
        lines = [line for line in await tk.ledger(session, unit=unit) if line.rect.unit_id == unit.id]
        for at in due:
            today = at.astimezone(ZoneInfo(unit.timezone)).date()
            items.append(OutboxIn(dedupe_key=f"rect:{unit.id}:{today.isoformat()}", chat_id=unit.chat_id,
                                  unit_id=unit.id, kind="rect_post", due_at=at,
                                  text=v.rectify_post(r, unit, lines, today)))
    return await enqueue(session, items=items, now=window.now)
