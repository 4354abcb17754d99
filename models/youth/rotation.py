"""The rotating group leader (小组长轮流负责制): the order, the period length, who leads which period,
editing the order, and the turns to announce."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.schedules import parse_hhmm
from models.units import Membership, Person, Unit, UnitKind
from models.youth.limits import ORDER_MAX
from models.youth.periods import Period, anchor_for, local_to_utc, local_today, period_at, period_by_index, unit_period
from models.youth.tables import PeriodKind, Rotation, Swap, SwapState


PERIOD_WORDS: dict[str, PeriodKind] = {
    "每周": PeriodKind.weekly, "周": PeriodKind.weekly, "weekly": PeriodKind.weekly,
    "每两周": PeriodKind.biweekly, "双周": PeriodKind.biweekly, "biweekly": PeriodKind.biweekly,
    "每月": PeriodKind.monthly, "月": PeriodKind.monthly, "monthly": PeriodKind.monthly,
    "每季度": PeriodKind.quarterly, "季度": PeriodKind.quarterly, "quarterly": PeriodKind.quarterly,
}
STOP_WORDS = {"停止", "关闭", "stop", "off"}


@dataclass(frozen=True, slots=True)
class RotationArgs:
    period: PeriodKind | None = None
    at: time | None = None
    stop: bool = False


def parse_rotation_args(text: str) -> RotationArgs | None:
    """What is left of `/rotation …` once mentions are taken out: a period word, a time, or stop."""
    words = text.split()
    if not words:
        return None
    period, at, stop = None, None, False
    for word in words:
        low = word.lower()
        if low in PERIOD_WORDS:
            period = PERIOD_WORDS[low]
        elif low in STOP_WORDS:
            stop = True
        elif re.fullmatch(r"\d{1,2}[:：]\d{2}", word):
            try:
                at = parse_hhmm(word)
            except DomainError:
                raise DomainError("rotation.bad_arg", given=word[:32]) from None
        else:
            raise DomainError("rotation.bad_arg", given=word[:32])
    if stop and (period or at):
        raise DomainError("rotation.bad_arg", given=text[:32])
    return RotationArgs(period, at, stop)


async def rotation_of(session: AsyncSession, unit_id: int, *, lock: bool = False) -> Rotation | None:
    stmt = select(Rotation).where(Rotation.unit_id == unit_id)
    if lock and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def require_group(unit: Unit) -> None:
    if unit.kind != UnitKind.promote:
        raise DomainError("youth.not_group", name=unit.name)


async def rotation_for_edit(session: AsyncSession, *, unit: Unit, now: datetime) -> Rotation:
    require_group(unit)
    rot = await rotation_of(session, unit.id, lock=True)
    if rot is None:
        kind = PeriodKind.monthly
        rot = Rotation(unit_id=unit.id, period=kind, order=[], anchor=anchor_for(kind, local_today(now, unit.timezone)),
                       at="09:00", turns={}, draft=[], created_at=now, updated_at=now)
        session.add(rot)
        await session.flush()
    return rot


async def active_ids(session: AsyncSession, unit_id: int) -> set[int]:
    return set(await session.scalars(
        select(Membership.person_id).where(Membership.unit_id == unit_id, Membership.active)
    ))


def leader_for(rot: Rotation, period: Period, active: set[int], *, ahead: bool = False) -> int | None:
    """Who leads a period: its fixed turn (announced or swapped), else the order. For the current and
    coming periods (`ahead`) a fixed turn counts only while that member is still in the group, as
    `turns_to_announce` will pass over them; a past period keeps who led it."""
    fixed = (rot.turns or {}).get(period.key)
    if fixed is not None and (not ahead or fixed in active):
        return fixed
    return by_order(rot, period.index, active)


def by_order(rot: Rotation, index: int, active: set[int]) -> int | None:
    """The order's leader for a period, passing over members who have left."""
    order = rot.order or []
    if not order or index < 0:
        return None
    for step in range(len(order)):
        pid = order[(index + step) % len(order)]
        if pid in active:
            return pid
    return None


def current_period(unit: Unit, rot: Rotation | None, now: datetime) -> Period:
    return unit_period(unit, rot, local_today(now, unit.timezone))


async def current_leader(session: AsyncSession, unit: Unit, now: datetime) -> int | None:
    rot = await rotation_of(session, unit.id)
    if rot is None or not rot.order:
        return None
    return leader_for(rot, current_period(unit, rot, now), await active_ids(session, unit.id), ahead=True)


def upcoming(rot: Rotation, unit: Unit, now: datetime, active: set[int], count: int) -> list[tuple[Period, int | None]]:
    """The current period and the next ones, with their leaders."""
    cur = current_period(unit, rot, now)
    return [(p, leader_for(rot, p, active, ahead=True))
            for p in (period_by_index(rot.period, rot.anchor, cur.index + i) for i in range(count))]


def next_turn(rot: Rotation, person_id: int, from_index: int, active: set[int], *, skip: date | None = None) -> Period | None:
    """The first period from `from_index` on that this person leads (other than `skip`)."""
    horizon = from_index + 3 * max(len(rot.order or []), 1) + len(rot.turns or {}) + 1
    for index in range(max(from_index, 0), horizon):
        p = period_by_index(rot.period, rot.anchor, index)
        if p.start != skip and leader_for(rot, p, active) == person_id:
            return p
    return None


async def _check_members(session: AsyncSession, unit: Unit, people: list[int]) -> None:
    if not people:
        raise DomainError("rotation.empty")
    if len(people) > ORDER_MAX:
        raise DomainError("rotation.too_many", limit=ORDER_MAX)
    if len(set(people)) != len(people):
        raise DomainError("rotation.duplicate")
    if not set(people) <= await active_ids(session, unit.id):
        raise DomainError("rotation.not_member")


def _restart(rot: Rotation, unit: Unit, now: datetime, kind: PeriodKind, order: list[int]) -> Period:
    """Start counting afresh from the current period, `order[0]` leading it; future swaps lapse."""
    today = local_today(now, unit.timezone)
    rot.period, rot.order, rot.anchor = kind, list(order), anchor_for(kind, today)
    cur = period_at(kind, rot.anchor, today)
    rot.turns = {k: v for k, v in (rot.turns or {}).items() if k < cur.key}  # history stays
    rot.updated_at = now
    return cur


async def set_order(session: AsyncSession, *, unit: Unit, order: list[int], now: datetime) -> tuple[Rotation, Period]:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    await _check_members(session, unit, order)
    cur = _restart(rot, unit, now, rot.period, order)
    rot.draft = []
    await _void_pending_swaps(session, unit, now)
    return rot, cur


async def set_period(session: AsyncSession, *, unit: Unit, kind: PeriodKind, now: datetime) -> Rotation:
    """Change the period length; whoever leads now keeps leading the new current period."""
    rot = await rotation_for_edit(session, unit=unit, now=now)
    if not rot.order:
        rot.period, rot.anchor = kind, anchor_for(kind, local_today(now, unit.timezone))
        rot.updated_at = now
        return rot
    active = await active_ids(session, unit.id)
    leader = leader_for(rot, current_period(unit, rot, now), active)
    order = list(rot.order)
    if leader in order:
        i = order.index(leader)
        order = order[i:] + order[:i]
    _restart(rot, unit, now, kind, order)
    await _void_pending_swaps(session, unit, now)
    return rot


async def set_announce_time(session: AsyncSession, *, unit: Unit, at: time, now: datetime) -> Rotation:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    rot.at, rot.updated_at = at.strftime("%H:%M"), now
    return rot


async def stop_rotation(session: AsyncSession, *, unit: Unit, now: datetime) -> None:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    if not rot.order:
        raise DomainError("rotation.none")
    cur = current_period(unit, rot, now)
    rot.order, rot.draft, rot.updated_at = [], [], now
    rot.turns = {k: v for k, v in (rot.turns or {}).items() if k < cur.key}  # who led past periods stays
    await _void_pending_swaps(session, unit, now)


async def draft_edit(session: AsyncSession, *, unit: Unit, now: datetime, add: int | None = None,
                     undo: bool = False, clear: bool = False) -> Rotation:
    """Pick the order one member at a time (buttons)."""
    rot = await rotation_for_edit(session, unit=unit, now=now)
    draft = list(rot.draft or [])
    if add is not None:
        if add not in await active_ids(session, unit.id):
            raise DomainError("rotation.not_member")
        if add not in draft:
            if len(draft) >= ORDER_MAX:
                raise DomainError("rotation.too_many", limit=ORDER_MAX)
            draft.append(add)
    if undo and draft:
        draft.pop()
    if clear:
        draft = []
    rot.draft, rot.updated_at = draft, now
    return rot


async def draft_done(session: AsyncSession, *, unit: Unit, now: datetime) -> tuple[Rotation, Period]:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    return await set_order(session, unit=unit, order=list(rot.draft or []), now=now)


def announce_time(rot: Rotation) -> time:
    hh, mm = map(int, rot.at.split(":"))
    return time(hh, mm)


@dataclass(frozen=True, slots=True)
class Turn:
    unit: Unit
    period: Period
    leader: Person
    next_period: Period
    next_leader: Person | None


async def turns_to_announce(session: AsyncSession, *, now: datetime) -> list[Turn]:
    """Each group's latest turn whose announcement time has come; the turn becomes fixed.

    Announcing is keyed by period and leader, so asking every tick is harmless: a new leader of the
    same period (a swap, a new order) is announced, the same one is not. A turn swapped to someone
    who has left since falls back to the order."""
    found: list[Turn] = []
    rows = await session.execute(select(Rotation, Unit).join(Unit, Unit.id == Rotation.unit_id).order_by(Rotation.id))
    for rot, unit in rows.all():
        if not rot.order:
            continue
        period = current_period(unit, rot, now)
        if period.index < 0 or local_to_utc(period.start, announce_time(rot), unit.timezone) > now:
            continue  # the period's first day, before its announcement time
        active = await active_ids(session, unit.id)
        leader_id = leader_for(rot, period, active)
        if leader_id not in active:
            leader_id = by_order(rot, period.index, active)
        if leader_id is None:
            continue
        if (rot.turns or {}).get(period.key) != leader_id:
            rot.turns = {**(rot.turns or {}), period.key: leader_id}
        nxt = period_by_index(rot.period, rot.anchor, period.index + 1)
        nxt_id = leader_for(rot, nxt, active)
        nxt_id = nxt_id if nxt_id in active else by_order(rot, nxt.index, active)
        found.append(Turn(unit, period, await session.get(Person, leader_id), nxt,
                          await session.get(Person, nxt_id) if nxt_id else None))
    return found


async def _void_pending_swaps(session: AsyncSession, unit: Unit, now: datetime) -> None:
    await session.execute(
        update(Swap).where(Swap.unit_id == unit.id, Swap.state == SwapState.pending)
        .values(state=SwapState.void, decided_at=now)
    )
