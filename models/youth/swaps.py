"""Swapped turns: a member offers their next turn for a partner's; both confirm within `SWAP_TTL`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.units import Person, Unit
from models.youth.limits import SWAP_TTL
from models.youth.periods import local_today, period_at
from models.youth.rotation import active_ids, current_period, leader_for, next_turn, require_group, rotation_of
from models.youth.tables import Swap, SwapState


async def propose_swap(session: AsyncSession, *, unit: Unit, proposer: Person, partner: Person, now: datetime) -> Swap:
    """The proposer's current (or next) turn for the partner's next turn; both must confirm."""
    require_group(unit)
    rot = await rotation_of(session, unit.id)
    if rot is None or not rot.order:
        raise DomainError("rotation.none")
    if partner.id == proposer.id:
        raise DomainError("swap.self")
    active = await active_ids(session, unit.id)
    if partner.id not in active:
        raise DomainError("rotation.not_member")
    cur = current_period(unit, rot, now)
    mine = next_turn(rot, proposer.id, cur.index, active)
    if mine is None:
        raise DomainError("swap.no_turn")
    theirs = next_turn(rot, partner.id, cur.index, active, skip=mine.start)
    if theirs is None:
        raise DomainError("swap.partner_no_turn", name=partner.display_name)
    waiting = await session.scalar(select(Swap).where(
        Swap.unit_id == unit.id, Swap.state == SwapState.pending, Swap.proposer_id == proposer.id,
        Swap.expires_at > now,
    ))
    if waiting is not None:
        raise DomainError("swap.already_pending")
    swap = Swap(unit_id=unit.id, proposer_id=proposer.id, partner_id=partner.id, proposer_period=mine.start,
                partner_period=theirs.start, proposer_ok=False, partner_ok=False, state=SwapState.pending,
                created_at=now, expires_at=now + SWAP_TTL)
    session.add(swap)
    await session.flush()
    return swap


async def _own_swap(session: AsyncSession, *, unit: Unit, swap_id: int) -> Swap:
    swap = await session.get(Swap, swap_id, with_for_update=session.bind.dialect.name == "postgresql")
    if swap is None or swap.unit_id != unit.id:
        raise DomainError("errors.bad_callback")
    return swap


def _check_open(swap: Swap, now: datetime) -> None:
    if swap.state == SwapState.pending and swap.expires_at <= now:
        raise DomainError("swap.expired")
    if swap.state != SwapState.pending:
        raise DomainError(f"swap.closed_{swap.state.value}")


async def confirm_swap(session: AsyncSession, *, unit: Unit, swap_id: int, person: Person, now: datetime) -> Swap:
    """One side confirms; the second confirmation applies the swap (if the turns are still as proposed)."""
    swap = await _own_swap(session, unit=unit, swap_id=swap_id)
    if person.id not in (swap.proposer_id, swap.partner_id):
        raise DomainError("swap.not_yours")
    _check_open(swap, now)
    if person.id == swap.proposer_id:
        swap.proposer_ok = True
    if person.id == swap.partner_id:
        swap.partner_ok = True
    if not (swap.proposer_ok and swap.partner_ok):
        return swap
    rot = await rotation_of(session, unit.id, lock=True)
    active = await active_ids(session, unit.id)
    mine = period_at(rot.period, rot.anchor, swap.proposer_period) if rot and rot.order else None
    theirs = period_at(rot.period, rot.anchor, swap.partner_period) if rot and rot.order else None
    today = local_today(now, unit.timezone)
    if (mine is None or theirs is None or mine.start != swap.proposer_period or theirs.start != swap.partner_period
            or mine.end <= today or leader_for(rot, mine, active) != swap.proposer_id
            or leader_for(rot, theirs, active) != swap.partner_id):
        swap.state, swap.decided_at = SwapState.void, now
        return swap
    rot.turns = {**(rot.turns or {}), mine.key: swap.partner_id, theirs.key: swap.proposer_id}
    rot.updated_at = now
    swap.state, swap.decided_at = SwapState.done, now
    return swap


async def refuse_swap(session: AsyncSession, *, unit: Unit, swap_id: int, person: Person, now: datetime) -> Swap:
    swap = await _own_swap(session, unit=unit, swap_id=swap_id)
    if person.id not in (swap.proposer_id, swap.partner_id):
        raise DomainError("swap.not_yours")
    _check_open(swap, now)
    swap.state, swap.decided_at = SwapState.refused, now
    return swap


async def expire_swaps(session: AsyncSession, *, now: datetime) -> list[tuple[Swap, Unit]]:
    rows = (await session.execute(
        select(Swap, Unit).join(Unit, Unit.id == Swap.unit_id)
        .where(Swap.state == SwapState.pending, Swap.expires_at <= now).order_by(Swap.id)
    )).all()
    for swap, _ in rows:
        swap.state, swap.decided_at = SwapState.expired, now
    return [(s, u) for s, u in rows]
