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
from bot.i18n import mention, pick_lang, t
from views.selfstudy import bar, fmt_minutes, item_buttons, plan_block, week_span
from jobs.planner import Window, split_late
from models.outbox import OutboxIn, enqueue
from models.reminders import reminder
from models.selfstudy import ItemKind, MemberWeek, PlanItem, StudyPlan, monday, shows_names, unit_weeks, week_label
from models.units import Unit

TOP = 3

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


class _Plans:
    """A unit's plan rendered once per language: the text block and the mark-done buttons."""

    def __init__(self, state: BotState, plan: StudyPlan | None, items: list[PlanItem]) -> None:
        self.state, self.plan, self.items = state, plan, items
        self._cache: dict[str, tuple[str, dict | None]] = {}

    def get(self, lang: str) -> tuple[str, dict | None]:
        if lang not in self._cache:
            markup = item_buttons(lang, self.state.codec, self.items) if self.plan else None
            self._cache[lang] = (plan_block(lang, self.plan, self.items), markup.to_dict() if markup else None)
        return self._cache[lang]


def _required(items: list[PlanItem]) -> int:
    return sum(1 for i in items if i.kind == ItemKind.required)


async def plan_weekly_reminders(session: AsyncSession, state: BotState, window: Window) -> int:
    default = state.settings.locale
    out: list[OutboxIn] = []
    for (week, day), due in (await _due(session, window, "weekly")).items():
        weeks = await unit_weeks(session, units=[u for u, _ in due], week_start=week, private_only=True, away_on=day)
        label = week_label(week)
        for unit, at in due:
            plan, items, members = weeks[unit.id]
            plans = _Plans(state, plan, items)
            lang = pick_lang(None, unit.locale, default)
            key = f"weekly:{unit.id}:{label}"
            block, markup = plans.get(lang)
            out.append(OutboxIn(
                dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="weekly", due_at=at, markup=markup,
                text="\n".join([t(lang, "weekly.group", unit=unit.name, week=label),
                                t(lang, "weekly.span", span=week_span(lang, week)), block]),
            ))
            for m in members:
                if m.away:
                    continue
                plang = pick_lang(m.person.language_code, unit.locale, default)
                block, markup = plans.get(plang)
                out.append(OutboxIn(
                    dedupe_key=f"{key}:{m.person.id}", chat_id=m.person.tg_user_id, person_id=m.person.id,
                    unit_id=unit.id, kind="weekly", due_at=at, markup=markup,
                    text="\n".join([
                        t(plang, "weekly.private", name=m.person.display_name, unit=unit.name, week=label),
                        t(plang, "weekly.target", target=fmt_minutes(plang, m.target)), block]),
                    fallback_text=t(lang, "weekly.fallback", who=mention(m.person.tg_user_id, m.person.display_name),
                                    week=label),
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
            plans = _Plans(state, plan, items)
            required = _required(items)
            for m in filter(_behind, members):
                lang = pick_lang(m.person.language_code, unit.locale, default)
                lines = [t(lang, "nudge.private", name=m.person.display_name, unit=unit.name, week=label,
                           minutes=fmt_minutes(lang, m.minutes), target=fmt_minutes(lang, m.target),
                           left=fmt_minutes(lang, m.target - m.minutes), bar=bar(m.minutes, m.target))]
                if required > m.required_done:
                    lines.append(t(lang, "nudge.items_left", left=required - m.required_done, total=required))
                _, markup = plans.get(lang)
                lines.append(t(lang, "nudge.tail"))
                out.append(OutboxIn(
                    dedupe_key=f"midweek:{unit.id}:{label}:{m.person.id}", chat_id=m.person.tg_user_id,
                    person_id=m.person.id, unit_id=unit.id, kind="midweek", due_at=at, markup=markup,
                    text="\n".join(lines),
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
            lang = pick_lang(None, unit.locale, default)
            present = [m for m in members if not m.away]
            if not present:  # nobody to sum up: no members yet, or all away
                continue
            met = sum(1 for m in present if m.minutes >= m.target)
            total = sum(m.minutes for m in present)
            lines = [t(lang, "summary.group", unit=unit.name, week=label, met=met, count=len(present),
                       total=fmt_minutes(lang, total), bar=bar(met, len(present)))]
            away = len(members) - len(present)
            if away:
                lines.append(t(lang, "summary.away", count=away))
            top = sorted((m for m in present if m.minutes > 0), key=lambda m: (-m.minutes, m.person.id))[:TOP]
            if top:
                lines.append(t(lang, "summary.top_title"))
                for n, m in enumerate(top, 1):
                    if shows_names(unit):
                        lines.append(t(lang, "summary.top_named", n=n, name=m.person.display_name,
                                       minutes=fmt_minutes(lang, m.minutes)))
                    else:
                        lines.append(t(lang, "summary.top_anon", n=n, minutes=fmt_minutes(lang, m.minutes)))
            lines.append(t(lang, "summary.tail"))
            out.append(OutboxIn(dedupe_key=f"summary:{unit.id}:{label}", chat_id=unit.chat_id, unit_id=unit.id,
                                kind="summary", due_at=at, text="\n".join(lines)))
    return await enqueue(session, items=out, now=window.now)
