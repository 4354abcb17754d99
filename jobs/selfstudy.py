"""The self-study planners, each unit on its own days and times (/settings; models/reminders.py):

- `weekly` (Monday 09:00): the week's plan to the unit's group, and privately to each member;
- `midweek` (Thursday 19:00): a nudge, privately, only to members still short of the week's target;
- `summary` (Sunday 20:00): to the group, how many met the target and the top hours (names only when
  the unit consents).

Members on leave (/away) get no reminder and are left out of the summary's count. Everything goes
through the outbox with a dedupe key per unit, week (and person), so planning twice sends once. The
figures come from a few queries over all due units together (models.selfstudy.unit_weeks).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import BotState
from bot.i18n import pick_lang
from jobs.planner import Window, split_late
from models.outbox import OutboxIn, enqueue
from models.reminders import reminder
from models.selfstudy import MemberWeek, monday, shows_names, unit_weeks, week_label
from models.units import Unit
from views.base import Renderer
from views.selfstudy import weekly as v

Due = dict[tuple[date, date], list[tuple[Unit, datetime]]]


async def _due(session: AsyncSession, window: Window, name: str) -> Due:
    """Units whose reminder `name` fell due in the window, grouped by (local week, local day)."""
    groups: Due = {}
    for unit in await session.scalars(select(Unit).order_by(Unit.id)):
        schedule = reminder(unit, name)
        if schedule is None:
            continue
        for at in split_late(window, schedule.occurrences(window.since, window.now), f"{name} reminder of unit {unit.id}",
                             unit_id=unit.id):
            day = at.astimezone(ZoneInfo(unit.timezone)).date()
            groups.setdefault((monday(day), day), []).append((unit, at))
    return groups


async def plan_weekly_reminders(session: AsyncSession, state: BotState, window: Window) -> int:
    default = state.settings.locale
    out: list[OutboxIn] = []
    for (week, day), due in (await _due(session, window, "weekly")).items():
        weeks = await unit_weeks(session, units=[u for u, _ in due], week_start=week, private_only=True, away_on=day)
        label = week_label(week)
        for unit, at in due:
            plan, items, members = weeks[unit.id]
            plans = v.Plans(state.codec, plan, items)
            group = Renderer(pick_lang(None, unit.locale, default), state.codec)
            key = f"weekly:{unit.id}:{label}"
            block, markup = plans.get(group.lang)
            out.append(OutboxIn(
                dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="weekly", due_at=at, markup=markup,
                text=v.weekly_group(group, unit, week, block),
            ))
            for m in members:
                if m.away:
                    continue
                mine = Renderer(pick_lang(m.person.language_code, unit.locale, default), state.codec)
                block, markup = plans.get(mine.lang)
                out.append(OutboxIn(
                    dedupe_key=f"{key}:{m.person.id}", chat_id=m.person.tg_user_id, person_id=m.person.id,
                    unit_id=unit.id, kind="weekly", due_at=at, markup=markup,
                    text=v.weekly_private(mine, unit, week, m, block),
                    fallback_text=v.weekly_fallback(group, m.person, week),
                ))
    return await enqueue(session, items=out, now=window.now)


def _behind(m: MemberWeek) -> bool:
    return not m.away and m.minutes < m.target


async def plan_midweek_nudges(session: AsyncSession, state: BotState, window: Window) -> int:
    default = state.settings.locale
    out: list[OutboxIn] = []
    for (week, day), due in (await _due(session, window, "midweek")).items():
        weeks = await unit_weeks(session, units=[u for u, _ in due], week_start=week, private_only=True, away_on=day)
        label = week_label(week)
        for unit, at in due:
            plan, items, members = weeks[unit.id]
            plans = v.Plans(state.codec, plan, items)
            required = v.required(items)
            for m in filter(_behind, members):
                mine = Renderer(pick_lang(m.person.language_code, unit.locale, default), state.codec)
                _, markup = plans.get(mine.lang)
                out.append(OutboxIn(
                    dedupe_key=f"midweek:{unit.id}:{label}:{m.person.id}", chat_id=m.person.tg_user_id,
                    person_id=m.person.id, unit_id=unit.id, kind="midweek", due_at=at, markup=markup,
                    text=v.nudge(mine, unit, week, m, required),
                ))
    return await enqueue(session, items=out, now=window.now)


async def plan_weekly_summaries(session: AsyncSession, state: BotState, window: Window) -> int:
    default = state.settings.locale
    out: list[OutboxIn] = []
    for (week, _day), due in (await _due(session, window, "summary")).items():
        weeks = await unit_weeks(session, units=[u for u, _ in due], week_start=week)
        label = week_label(week)
        for unit, at in due:
            _, _, members = weeks[unit.id]
            text = v.summary(Renderer(pick_lang(None, unit.locale, default), state.codec), unit, week, members,
                             names=shows_names(unit))
            if text is None:  # nobody to sum up: no members yet, or all away
                continue
            out.append(OutboxIn(dedupe_key=f"summary:{unit.id}:{label}", chat_id=unit.chat_id, unit_id=unit.id,
                                kind="summary", due_at=at, text=text))
    return await enqueue(session, items=out, now=window.now)
