"""Weekly study plans: saving, pushing to units, progress, and the guided /plan drafts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ScalarSelect, Select, and_, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.selfstudy.parsing import ItemIn, parse_items
from models.selfstudy.tables import PLAN_ITEMS_MAX, WEEK_MAX, ItemKind, PlanDraft, PlanItem, PlanItemDone, StudyPlan
from models.units import Membership, Person, Unit


# -- plans ----------------------------------------------------------------------------------------

async def plan_for(session: AsyncSession, *, unit_id: int, week_start: date) -> StudyPlan | None:
    return await session.scalar(
        select(StudyPlan).where(StudyPlan.unit_id == unit_id, StudyPlan.week_start == week_start)
    )


async def plan_items(session: AsyncSession, *, plan_ids: list[int]) -> dict[int, list[PlanItem]]:
    found: dict[int, list[PlanItem]] = {pid: [] for pid in plan_ids}
    if plan_ids:
        for item in await session.scalars(
            select(PlanItem).where(PlanItem.plan_id.in_(plan_ids)).order_by(PlanItem.plan_id, PlanItem.position)
        ):
            found[item.plan_id].append(item)
    return found


async def save_plan(
    session: AsyncSession, *, unit: Unit, week_start: date, minutes: int, items: list[ItemIn], by: Person | None,
    now: datetime, source_plan_id: int | None = None,
) -> StudyPlan:
    """Create or replace the unit's plan of a week (replacing its items clears their done marks)."""
    if not items:
        raise DomainError("plan.no_items")
    if not 0 < minutes <= WEEK_MAX:
        raise DomainError("plan.bad_minutes", given=str(minutes))
    plan = await plan_for(session, unit_id=unit.id, week_start=week_start)
    if plan is None:
        plan = StudyPlan(unit_id=unit.id, week_start=week_start, required_minutes=minutes, revision=1,
                         source_plan_id=source_plan_id, created_by=by.id if by else None, created_at=now,
                         updated_at=now)
        session.add(plan)
        await session.flush()
    else:
        plan.required_minutes, plan.source_plan_id, plan.updated_at = minutes, source_plan_id, now
        plan.revision += 1
        plan.created_by = by.id if by else plan.created_by
        await session.execute(delete(PlanItem).where(PlanItem.plan_id == plan.id))
    session.add_all(PlanItem(plan_id=plan.id, position=i + 1, kind=it.kind, title=it.title, link=it.link)
                    for i, it in enumerate(items))
    await session.flush()
    return plan


@dataclass(slots=True)
class PushResult:
    pushed: list[Unit]
    kept: list[Unit]  # units with a plan of their own that week: not overwritten


async def push_plan(session: AsyncSession, *, plan: StudyPlan, units: list[Unit], now: datetime) -> PushResult:
    """Copy a plan to units below; units with their own plan that week keep it."""
    items = (await plan_items(session, plan_ids=[plan.id]))[plan.id]
    copies = [ItemIn(i.kind, i.title, i.link) for i in items]
    result = PushResult([], [])
    for unit in units:
        if unit.id == plan.unit_id:
            continue
        existing = await plan_for(session, unit_id=unit.id, week_start=plan.week_start)
        if existing is not None and existing.source_plan_id is None:
            result.kept.append(unit)
            continue
        await save_plan(session, unit=unit, week_start=plan.week_start, minutes=plan.required_minutes, items=copies,
                        by=None, now=now, source_plan_id=plan.id)
        result.pushed.append(unit)
    return result


async def item_in_reach(session: AsyncSession, *, item_id: int, person: Person) -> tuple[PlanItem, StudyPlan]:
    """A plan item of a unit the person belongs to (a button naming any other item is refused)."""
    row = (await session.execute(
        select(PlanItem, StudyPlan).join(StudyPlan, StudyPlan.id == PlanItem.plan_id)
        .join(Membership, Membership.unit_id == StudyPlan.unit_id)
        .where(PlanItem.id == item_id, Membership.person_id == person.id, Membership.active)
    )).first()
    if row is None:
        raise DomainError("plan.unknown_item")
    return row[0], row[1]


async def mark_item_done(session: AsyncSession, *, item: PlanItem, person: Person, now: datetime) -> bool:
    """Returns False when it was already marked."""
    if await session.get(PlanItemDone, (item.id, person.id)) is not None:
        return False
    session.add(PlanItemDone(item_id=item.id, person_id=person.id, done_at=now))
    await session.flush()
    return True


async def week_progress(
    session: AsyncSession, *, unit_ids: list[int], week_start: date, person_id: int,
) -> dict[int, tuple[int, int]]:
    """Unit id → (required items the person marked done, required items) of each unit's plan of the
    week (units without a plan left out), in one query (/me)."""
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(StudyPlan.unit_id, func.count(PlanItemDone.item_id), func.count(PlanItem.id))
        .outerjoin(PlanItem, and_(PlanItem.plan_id == StudyPlan.id, PlanItem.kind == ItemKind.required))
        .outerjoin(PlanItemDone, and_(PlanItemDone.item_id == PlanItem.id, PlanItemDone.person_id == person_id))
        .where(StudyPlan.unit_id.in_(unit_ids), StudyPlan.week_start == week_start)
        .group_by(StudyPlan.unit_id)
    )
    return {unit_id: (done, total) for unit_id, done, total in rows.all()}


@functools.cache
def week_progress_figures(units: int) -> dict[str, ScalarSelect]:
    """`week_progress` as scalar subqueries for /me's one SELECT, built once per number of units, with
    parameters `ss_person`, `ss_week` and `ss_unit_<i>`: per unit i `plan_<i>` (plans that week: 0 =
    none), `done_<i>` and `total_<i>` (required items marked done by the person / required)."""
    figs: dict[str, ScalarSelect] = {}
    for i in range(units):
        week = (StudyPlan.unit_id == bindparam(f"ss_unit_{i}"), StudyPlan.week_start == bindparam("ss_week"))
        required = select(func.count()).select_from(PlanItem).join(StudyPlan, StudyPlan.id == PlanItem.plan_id).where(
            *week, PlanItem.kind == ItemKind.required)
        figs[f"plan_{i}"] = select(func.count()).select_from(StudyPlan).where(*week).scalar_subquery()
        figs[f"total_{i}"] = required.scalar_subquery()
        figs[f"done_{i}"] = required.join(PlanItemDone, and_(
            PlanItemDone.item_id == PlanItem.id, PlanItemDone.person_id == bindparam("ss_person"))).scalar_subquery()
    return figs


async def done_items(session: AsyncSession, *, person_id: int, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(await session.scalars(
        select(PlanItemDone.item_id).where(PlanItemDone.person_id == person_id, PlanItemDone.item_id.in_(item_ids))
    ))


async def required_done(
    session: AsyncSession, *, plan_ids: list[int], people: Select | list[int] | None = None,
) -> dict[tuple[int, int], int]:
    """(plan id, person id) → required items done, for the people given or everyone who marked any
    (one query for many plans). A unit's plan is only marked by its members, so a caller asking about
    every member of the plans' units passes no `people`: an IN over thousands of ids would be checked
    for each item's marks (on SQLite one index probe per item and id), while the marks of a week's
    plans are few."""
    if not plan_ids:
        return {}
    stmt = (select(PlanItem.plan_id, PlanItemDone.person_id, func.count())
            .join(PlanItemDone, PlanItemDone.item_id == PlanItem.id)
            .where(PlanItem.plan_id.in_(plan_ids), PlanItem.kind == ItemKind.required)
            .group_by(PlanItem.plan_id, PlanItemDone.person_id))
    if people is not None:
        stmt = stmt.where(PlanItemDone.person_id.in_(people))
    rows = await session.execute(stmt)
    return {(plan_id, pid): n for plan_id, pid, n in rows.all()}


# -- drafts (the guided /plan set) ----------------------------------------------------------------

async def open_draft(session: AsyncSession, *, unit: Unit, person: Person, week_start: date, now: datetime) -> tuple[PlanDraft, bool]:
    """The admin's draft for this unit, created when there is none. Returns (draft, created)."""
    draft = await session.scalar(
        select(PlanDraft).where(PlanDraft.unit_id == unit.id, PlanDraft.person_id == person.id)
    )
    if draft is not None:
        return draft, False
    draft = PlanDraft(unit_id=unit.id, person_id=person.id, week_start=week_start, required_minutes=None, items=[],
                      created_at=now, updated_at=now)
    session.add(draft)
    await session.flush()
    return draft, True


async def own_draft(session: AsyncSession, *, draft_id: int, unit: Unit | None, person: Person) -> PlanDraft:
    draft = await session.get(PlanDraft, draft_id)
    if draft is None or unit is None or draft.unit_id != unit.id or draft.person_id != person.id:
        raise DomainError("plan.draft_gone")
    return draft


def draft_add(draft: PlanDraft, *, raw: str, now: datetime) -> list[ItemIn]:
    items = parse_items(raw)
    if not items:
        raise DomainError("plan.no_items")
    if len(draft.items) + len(items) > PLAN_ITEMS_MAX:
        raise DomainError("plan.too_many_items", limit=PLAN_ITEMS_MAX)
    draft.items = [*draft.items, *(i.as_json() for i in items)]
    draft.updated_at = now
    return items


async def publish_draft(session: AsyncSession, *, draft: PlanDraft, unit: Unit, by: Person, now: datetime) -> StudyPlan:
    if draft.required_minutes is None:
        raise DomainError("plan.draft_no_minutes")
    if not draft.items:
        raise DomainError("plan.draft_no_items")
    plan = await save_plan(session, unit=unit, week_start=draft.week_start, minutes=draft.required_minutes,
                           items=[ItemIn.from_json(i) for i in draft.items], by=by, now=now)
    await session.delete(draft)
    return plan
