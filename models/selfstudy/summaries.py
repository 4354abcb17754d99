"""A member's /me figures, and a unit's week in bulk for reminders and summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.selfstudy.away import away_people
from models.selfstudy.minutes import as_date, minutes_by_day, minutes_by_person
from models.selfstudy.parsing import monday
from models.selfstudy.plans import plan_items, required_done
from models.selfstudy.tables import PlanItem, StudyPlan
from models.selfstudy.targets import weekly_target, yearly_target
from models.units import Membership, Person, Rank, Unit


# -- /me figures ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Figures:
    week: int
    week_target: int
    month: int
    month_target: int
    year: int
    year_target: int
    streak: int
    weeks: list[tuple[date, int, int]]  # (week start, minutes, target), oldest first, ending this week
    days: dict[date, int]  # minutes per day with any, from the earlier of a year ago and 1 January


async def figures(
    session: AsyncSession, *, person: Person, today: date, weeks_back: int = 52,
    units: list[tuple[Unit, Rank]] | None = None,
) -> Figures | None:
    """Minutes vs targets for this week, month and year, and the streak of weeks meeting the target.

    Three indexed queries whatever the history: memberships (unless the caller has the person's active
    units and ranks at hand already), plans of those units, minutes per day."""
    if units is None:
        units = (await session.execute(
            select(Unit, Membership.rank).join(Membership, Membership.unit_id == Unit.id)
            .where(Membership.person_id == person.id, Membership.active)
        )).all()
    if not units:
        return None
    this_week = monday(today)
    first_week = this_week - timedelta(weeks=weeks_back)
    year_start = date(today.year, 1, 1)
    start = min(first_week, year_start)
    plans: dict[tuple[int, date], int] = {}
    for uid, ws, mins in (await session.execute(
        select(StudyPlan.unit_id, StudyPlan.week_start, StudyPlan.required_minutes)
        .where(StudyPlan.unit_id.in_([u.id for u, _ in units]), StudyPlan.week_start >= first_week)
    )).all():
        plans[(uid, as_date(ws))] = mins
    days = await minutes_by_day(session, person_id=person.id, start=start, end=today)

    def target_of(week: date) -> int:
        return max(weekly_target(u, r, plans.get((u.id, week))) for u, r in units)

    weeks = []
    for i in range(weeks_back, -1, -1):
        ws = this_week - timedelta(weeks=i)
        mins = sum(days.get(ws + timedelta(days=d), 0) for d in range(7))
        weeks.append((ws, mins, target_of(ws)))
    streak = 0
    for ws, mins, target in reversed(weeks):
        if mins >= target:
            streak += 1
        elif ws != this_week:  # the running week does not break a streak yet
            break
    year_target = max(yearly_target(u, r) for u, r in units)
    month_start = today.replace(day=1)
    return Figures(
        week=weeks[-1][1], week_target=weeks[-1][2],
        month=sum(m for d, m in days.items() if d >= month_start), month_target=math.ceil(year_target / 12),
        year=sum(m for d, m in days.items() if d >= year_start), year_target=year_target,
        streak=streak, weeks=weeks, days=days,
    )


# -- the unit's week, in bulk (reminders and summaries) -------------------------------------------

@dataclass(frozen=True, slots=True)
class Someone:
    """What reminders need of a person, without loading the ORM object (they go to thousands)."""

    id: int
    tg_user_id: int
    display_name: str
    language_code: str | None


@dataclass(slots=True)
class MemberWeek:
    person: Someone
    rank: Rank
    minutes: int
    target: int
    required_done: int
    away: bool


async def unit_weeks(
    session: AsyncSession, *, units: list[Unit], week_start: date, private_only: bool = False,
    away_on: date | None = None,
) -> dict[int, tuple[StudyPlan | None, list[PlanItem], list[MemberWeek]]]:
    """Each unit's plan of the week and its active members' minutes, targets and leave, in a few queries
    whatever the number of units or members. All units must share the week (their local week)."""
    ids = [u.id for u in units]
    last = week_start + timedelta(days=6)
    plans = {p.unit_id: p for p in await session.scalars(
        select(StudyPlan).where(StudyPlan.unit_id.in_(ids), StudyPlan.week_start == week_start))}
    items = await plan_items(session, plan_ids=[p.id for p in plans.values()])
    member_q = select(Membership.unit_id, Membership.rank, Person.id, Person.tg_user_id, Person.first_name,
                      Person.last_name, Person.language_code).join(Person, Person.id == Membership.person_id).where(
        Membership.unit_id.in_(ids), Membership.active)
    if private_only:
        member_q = member_q.where(Person.private_ok)
    rows = (await session.execute(member_q.order_by(Membership.unit_id, Membership.joined_at, Person.id))).all()
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids), Membership.active)
    minutes = await minutes_by_person(session, people=people, start=week_start, end=last)
    # Away on the reminder's day, or (for the summary) on any day of the week.
    away = await away_people(session, first=away_on or week_start, last=away_on or last, people=people)
    done = await required_done(session, plan_ids=[p.id for p in plans.values()])
    by_unit = {u.id: u for u in units}
    out: dict[int, tuple[StudyPlan | None, list[PlanItem], list[MemberWeek]]] = {
        u.id: (plans.get(u.id), items.get(plans[u.id].id, []) if u.id in plans else [], []) for u in units
    }
    for unit_id, rank, pid, tg_user_id, first, last, language in rows:
        person = Someone(pid, tg_user_id, f"{first} {last}" if last else first, language)
        plan = plans.get(unit_id)
        out[unit_id][2].append(MemberWeek(
            person=person, rank=rank, minutes=minutes.get(person.id, 0),
            target=weekly_target(by_unit[unit_id], rank, plan.required_minutes if plan else None),
            required_done=done.get((plan.id, person.id), 0) if plan else 0, away=person.id in away,
        ))
    return out
