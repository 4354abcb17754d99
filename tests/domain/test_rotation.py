"""Youth-group leader rotation: the order, members who leave, announced turns, period changes, swaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import DomainError
from models.units import UnitKind, leave_unit
from models.youth import (
    PeriodKind, Rotation, SwapState, active_ids, anchor_for, by_order, confirm_swap, current_leader, expire_swaps,
    leader_for,
    period_at, period_by_index, propose_swap, refuse_swap, rotation_of, set_order, set_period, turns_to_announce,
    upcoming,
)
from tests.domain import factories as f

TZ = ZoneInfo(f.TZ)


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)


async def group(s, now, n: int = 3):
    u = await f.unit(s, "青年理论学习小组", kind=UnitKind.promote)
    return u, await f.members(s, u, n)


async def leaders(s, u, now, count: int = 4) -> list[tuple[date, int | None]]:
    rot = await rotation_of(s, u.id)
    return [(p.start, who) for p, who in upcoming(rot, u, now, await active_ids(s, u.id), count)]


async def test_the_order_decides_each_period_and_passes_over_those_who_left(s, now):
    u, (a, b, c) = await group(s, now)
    with pytest.raises(DomainError) as err:
        await set_order(s, unit=await f.unit(s, "支部"), order=[a.id], now=now)
    assert err.value.key == "youth.not_group"
    for bad, key in (([], "rotation.empty"), ([a.id, a.id], "rotation.duplicate"),
                     ([a.id, (await f.person(s)).id], "rotation.not_member")):
        with pytest.raises(DomainError) as err:
            await set_order(s, unit=u, order=bad, now=now)
        assert err.value.key == key
    rot, cur = await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    assert (rot.period, cur.start, cur.end, cur.label) == (PeriodKind.monthly, date(2026, 11, 1), date(2026, 12, 1),
                                                           "2026-11")
    assert await current_leader(s, u, now) == a.id
    assert await leaders(s, u, now) == [(date(2026, 11, 1), a.id), (date(2026, 12, 1), b.id),
                                        (date(2027, 1, 1), c.id), (date(2027, 2, 1), a.id)]
    await leave_unit(s, unit=u, person=b, now=now)
    assert await leaders(s, u, now) == [(date(2026, 11, 1), a.id), (date(2026, 12, 1), c.id),
                                        (date(2027, 1, 1), c.id), (date(2027, 2, 1), a.id)]


async def test_an_announced_turn_is_history_that_a_new_order_keeps(s, now):
    u, (a, b, c) = await group(s, now)
    await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    dec_1 = local(2026, 12, 1)
    (nov,) = [t for t in await turns_to_announce(s, now=now) if t.unit.id == u.id]
    assert (nov.period.start, nov.leader.id, nov.next_leader.id) == (date(2026, 11, 1), a.id, b.id)
    # December's turn waits for 09:00 on its first day (the announcement time).
    assert [t for t in await turns_to_announce(s, now=dec_1 - timedelta(minutes=1)) if t.unit.id == u.id] == []
    (turn,) = [t for t in await turns_to_announce(s, now=dec_1) if t.unit.id == u.id]
    assert (turn.period.start, turn.leader.id, turn.next_period.start, turn.next_leader.id) == (
        date(2026, 12, 1), b.id, date(2027, 1, 1), c.id)
    rot = await rotation_of(s, u.id)
    assert rot.turns == {"2026-11-01": a.id, "2026-12-01": b.id}

    # In January a new order starts afresh from the current period; who led before stays recorded.
    jan = local(2027, 1, 5)
    rot, cur = await set_order(s, unit=u, order=[c.id, a.id], now=jan)
    assert cur.start == date(2027, 1, 1) and await current_leader(s, u, jan) == c.id
    assert rot.turns == {"2026-11-01": a.id, "2026-12-01": b.id}
    assert leader_for(rot, period_at(rot.period, date(2026, 12, 1), date(2026, 12, 1)), {a.id, c.id}) == b.id


async def test_a_new_period_length_keeps_the_current_leader(s, now):
    u, (a, b, c) = await group(s, now)
    await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    dec = local(2026, 12, 9)  # a Wednesday; b leads December
    rot = await set_period(s, unit=u, kind=PeriodKind.weekly, now=dec)
    assert rot.order == [b.id, c.id, a.id] and rot.anchor == date(2026, 12, 7)
    assert await leaders(s, u, dec, 4) == [(date(2026, 12, 7), b.id), (date(2026, 12, 14), c.id),
                                           (date(2026, 12, 21), a.id), (date(2026, 12, 28), b.id)]


async def test_a_swap_applies_when_both_confirm(s, now):
    u, (a, b, c) = await group(s, now)
    await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    swap = await propose_swap(s, unit=u, proposer=a, partner=c, now=now)
    assert (swap.proposer_period, swap.partner_period) == (date(2026, 11, 1), date(2027, 1, 1))
    with pytest.raises(DomainError) as err:
        await propose_swap(s, unit=u, proposer=a, partner=b, now=now)
    assert err.value.key == "swap.already_pending"
    with pytest.raises(DomainError) as err:
        await confirm_swap(s, unit=u, swap_id=swap.id, person=b, now=now)
    assert err.value.key == "swap.not_yours"
    assert (await confirm_swap(s, unit=u, swap_id=swap.id, person=a, now=now)).state == SwapState.pending
    assert (await confirm_swap(s, unit=u, swap_id=swap.id, person=c, now=now)).state == SwapState.done
    assert await leaders(s, u, now) == [(date(2026, 11, 1), c.id), (date(2026, 12, 1), b.id),
                                        (date(2027, 1, 1), a.id), (date(2027, 2, 1), a.id)]


async def test_swaps_are_refused_expire_or_lapse_with_a_new_order(s, now):
    u, (a, b, c) = await group(s, now)
    await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    refused = await propose_swap(s, unit=u, proposer=a, partner=b, now=now)
    assert (await refuse_swap(s, unit=u, swap_id=refused.id, person=b, now=now)).state == SwapState.refused
    with pytest.raises(DomainError) as err:
        await confirm_swap(s, unit=u, swap_id=refused.id, person=a, now=now)
    assert err.value.key == "swap.closed_refused"

    old = await propose_swap(s, unit=u, proposer=b, partner=c, now=now)
    expired = [sw.id for sw, _ in await expire_swaps(s, now=now + timedelta(hours=48))]
    assert old.id in expired and old.state == SwapState.expired

    lapsing = await propose_swap(s, unit=u, proposer=c, partner=a, now=now)
    await set_order(s, unit=u, order=[b.id, a.id, c.id], now=now)
    await s.refresh(lapsing)
    assert lapsing.state == SwapState.void


ORDERS = st.lists(st.integers(1, 30), min_size=1, max_size=8, unique=True)


@given(ORDERS.flatmap(lambda order: st.tuples(st.just(order), st.sets(st.sampled_from(order)))),
       st.integers(0, 200))
def test_by_order_picks_the_next_active_member(order_active, index):
    order, active = order_active
    rot = Rotation(order=order, turns={}, period=PeriodKind.monthly, anchor=date(2026, 1, 1))
    leader = by_order(rot, index, active)
    if not active:
        assert leader is None
        return
    # The first active member from the index's place in the order on, going round.
    start = index % len(order)
    assert leader == next(p for p in order[start:] + order[:start] if p in active)
    # Over any len(order) periods in a row every active member leads at least once.
    assert {by_order(rot, index + i, active) for i in range(len(order))} == active


@given(st.sampled_from(list(PeriodKind)), st.dates(date(2020, 1, 1), date(2035, 12, 31)), st.integers(0, 400))
def test_periods_tile_the_calendar(kind, day, later):
    anchor = anchor_for(kind, day)
    target = day + timedelta(days=later)
    p = period_at(kind, anchor, target)
    assert p.start <= target < p.end and p.index >= 0
    assert period_by_index(kind, anchor, p.index + 1).start == p.end
    assert period_at(kind, anchor, anchor).index == 0



async def test_the_listed_leader_of_a_swapped_period_is_the_one_announced(s, now):
    u, (a, b, c) = await group(s, now)
    await set_order(s, unit=u, order=[a.id, b.id, c.id], now=now)
    swap = await propose_swap(s, unit=u, proposer=a, partner=c, now=now)  # a's November for c's January
    for p in (a, c):
        await confirm_swap(s, unit=u, swap_id=swap.id, person=p, now=now)
    await leave_unit(s, unit=u, person=a, now=now)  # a, who now holds January, leaves
    listed = dict(await leaders(s, u, now))[date(2027, 1, 1)]
    early = await current_leader(s, u, local(2027, 1, 1, 0, 30))  # January, before its announcement
    (turn,) = [t for t in await turns_to_announce(s, now=local(2027, 1, 1)) if t.unit.id == u.id]
    assert turn.leader.id == c.id  # a having left, the order's January leader is announced
    assert (listed, early) == (c.id, c.id)  # today both are a, who left
