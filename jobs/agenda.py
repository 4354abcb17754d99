"""First agenda items on the clock: reminders to members who have not studied, the warning for a
leadership session without an item, 会后督学 requests and reminders, and overdue measures. The texts
and keyboards are views (views/agenda.py).

Everything goes through the outbox with dedupe keys, so a restart neither loses nor repeats one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotState
from bot.notify import group_lang, group_mentions, notify, person_lang, reachable_or_not
from jobs.planner import UnitCache, Window, split_late
from models import agenda as ag
from models.outbox import OutboxIn, enqueue
from models.units import Person, Unit
from views.agenda import (
    WARN_ITEMS, day_text, measure_markup, overdue_flag, reflect_markup, studied_markup, warning,
)

WARN_SESSIONS_CREATED_WITHIN = timedelta(days=1)


async def plan_agenda(session: AsyncSession, state: BotState, window: Window) -> int:
    unit_of = UnitCache(session)
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
            kept = set(split_late(window, [at for _, at in due], f"study reminders of agenda item {item.id}",
                                  unit_id=unit.id))
            due = [(tag, at) for tag, at in due if at in kept]
            if not due:
                continue
            reachable, unreachable = reachable_or_not(await ag.not_studied(session, item_id=item.id, unit_id=unit.id))
            for tag, at in due:
                key = f"agd:{item.id}:{tag}:{unit.id}"
                for p in reachable:
                    lang = person_lang(state, unit, p)
                    out.append(notify(
                        state, unit, p, key=f"{key}:{p.id}", kind="agd_remind", at=at,
                        text_key=f"agenda.remind_{tag}_private", group_key=f"agenda.remind_{tag}_group",
                        markup=studied_markup(state, lang, item, unit), id=item.id, title=item.title,
                        day=day_text(lang, item.study_by, unit.timezone), link=item.link or "—",
                        publisher=publisher.name))
                glang = group_lang(state, unit)
                out += group_mentions(state, unit, unreachable, key=key, kind="agd_remind", at=at,
                                       text_key=f"agenda.remind_{tag}_group",
                                       markup=studied_markup(state, glang, item, unit),
                                       id=item.id, title=item.title, day=day_text(glang, item.study_by, unit.timezone),
                                       link=item.link or "—", publisher=publisher.name)
    return out


async def _warnings(session: AsyncSession, state: BotState, window: Window, unit_of: UnitCache) -> list[OutboxIn]:
    """A leadership session scheduled without a first agenda item: tell its group's admins, offering
    the unit's open items to attach."""
    out = []
    for ses in await ag.bare_leadership_sessions(session, now=window.now):
        if ses.created_at < window.now - WARN_SESSIONS_CREATED_WITHIN:
            continue
        unit = await unit_of(ses.unit_id)
        open_items = (await ag.unit_items(session, unit_id=unit.id))[:WARN_ITEMS]
        out.append(warning(state, unit, ses, open_items, window.now))
    return out


async def _followups(session: AsyncSession, state: BotState, window: Window) -> list[OutboxIn]:
    """会后督学: after a session carrying items closed, ask its members for a reflection on each."""
    out = []
    for made in await ag.assign_followups(session, now=window.now):
        item, unit = made.item, made.unit
        people = [p for _, p in made.people]
        if not people:
            continue
        due = made.people[0][0].due_at
        reachable, unreachable = reachable_or_not(people)
        key = f"agd:{item.id}:fup:{made.ses.id}"
        for p in reachable:
            lang = person_lang(state, unit, p)
            out.append(notify(state, unit, p, key=f"{key}:{p.id}", kind="agd_followup", at=window.now,
                                text_key="agenda.followup_private", group_key="agenda.followup_group",
                                markup=reflect_markup(state, lang, item, unit.id), id=item.id, title=item.title,
                                due=day_text(lang, due, unit.timezone)))
        glang = group_lang(state, unit)
        out += group_mentions(state, unit, unreachable, key=key, kind="agd_followup", at=window.now,
                               text_key="agenda.followup_group", id=item.id, title=item.title,
                               due=day_text(glang, due, unit.timezone))
    return out


async def _followup_reminders(
    session: AsyncSession, state: BotState, window: Window, unit_of: UnitCache,
) -> list[OutboxIn]:
    out = []
    unreachable: dict[tuple[int, int, datetime], list[Person]] = {}
    for f, person, item in await ag.followups_to_remind(session, since=window.since, until=window.now):
        at = f.due_at - ag.FOLLOWUP_REMIND_BEFORE
        if not split_late(window, [at], f"follow-up reminder {f.id}", unit_id=f.unit_id):
            continue
        unit = await unit_of(f.unit_id)
        if person.private_ok:
            lang = person_lang(state, unit, person)
            out.append(notify(state, unit, person, key=f"agd:fupr:{f.id}", kind="agd_followup_remind", at=at,
                                text_key="agenda.followup_remind", group_key="agenda.followup_remind_group",
                                markup=reflect_markup(state, lang, item, unit.id), id=item.id, title=item.title,
                                due=day_text(lang, f.due_at, unit.timezone)))
        else:
            unreachable.setdefault((item.id, unit.id, at), []).append(person)
    for (item_id, unit_id, at), people in unreachable.items():
        unit = await unit_of(unit_id)
        item = await session.get(ag.AgendaItem, item_id)
        due = day_text(group_lang(state, unit), at + ag.FOLLOWUP_REMIND_BEFORE, unit.timezone)
        out += group_mentions(state, unit, people, key=f"agd:{item_id}:fupr:{unit_id}:{at:%Y%m%d%H%M}",
                               kind="agd_followup_remind", at=at, text_key="agenda.followup_remind_group",
                               id=item_id, title=item.title, due=due)
    return out


async def _overdue(session: AsyncSession, state: BotState, window: Window, unit_of: UnitCache) -> list[OutboxIn]:
    """Overdue measures: the owner daily at 09:00, and the unit's group (its admins) once."""
    out = []
    for m, owner, item in await ag.overdue_measures(session, now=window.now):
        unit = await unit_of(m.unit_id)
        due = split_late(window, ag.overdue_reminder_times(m.deadline, unit.timezone, window.since, window.now),
                         f"overdue reminders of measure {m.id}", unit_id=unit.id)
        for at in due:
            lang = person_lang(state, unit, owner)
            params = {"id": m.id, "text": m.text, "title": item.title,
                      "deadline": day_text(lang, m.deadline, unit.timezone)}
            if owner.private_ok:
                out.append(notify(state, unit, owner, key=f"agd:m{m.id}:late:{at:%Y%m%d}", kind="agd_overdue",
                                    at=at, text_key="agenda.overdue_private", group_key="agenda.overdue_owner_group",
                                    markup=measure_markup(state, lang, m),
                                    days=(at - m.deadline).days + 1, **params))
            out.append(overdue_flag(state, unit, m, owner, item, at))
    return out


