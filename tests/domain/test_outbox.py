"""The outbox: dedupe keys, claiming due rows under a lease, and taking back an expired lease.

PostgreSQL claims with FOR UPDATE SKIP LOCKED so several senders take disjoint rows: tested there with
two open transactions; SQLite (one writer) relies on the UPDATE's state condition."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from models.leases import acquire, holder_of, release
from models.outbox import Outbox, OutboxIn, OutboxState, backlog, claim_due, enqueue, retry_dead
from tests.domain import factories as f

LEASE = timedelta(seconds=60)


def item(key: str, *, due, chat_id: int = 42, **kw) -> OutboxIn:
    return OutboxIn(dedupe_key=key, chat_id=chat_id, text=f"text {key}", kind="test", due_at=due, **kw)


async def test_a_dedupe_key_is_enqueued_once(s, now):
    assert await enqueue(s, items=[], now=now) == 0
    assert await enqueue(s, items=[item("a", due=now), item("b", due=now)], now=now) == 2
    # Again, and twice within one batch: only the new key counts, and the first row stays as it was.
    assert await enqueue(s, items=[item("a", due=now + timedelta(days=1)), item("c", due=now),
                                   item("c", due=now)], now=now) == 1
    rows = (await s.scalars(select(Outbox).order_by(Outbox.id))).all()
    assert [r.dedupe_key for r in rows] == ["a", "b", "c"]
    assert rows[0].due_at == now and rows[0].state == OutboxState.pending and rows[0].attempts == 0
    # A key longer than the column is cut, and the cut key still dedupes.
    long = "k" * 250
    assert await enqueue(s, items=[item(long, due=now)], now=now) == 1
    assert await enqueue(s, items=[item(long[:200] + "other", due=now)], now=now) == 0


async def test_claim_takes_due_rows_group_posts_first_under_a_lease(s, now):
    await enqueue(s, items=[
        item("private-old", due=now - timedelta(minutes=5), chat_id=7),
        item("private-new", due=now - timedelta(minutes=1), chat_id=8),
        item("group", due=now, chat_id=-100),
        item("future", due=now + timedelta(seconds=1), chat_id=-100),
    ], now=now)
    await s.commit()
    first = await claim_due(s, now=now, limit=2, lease=LEASE, holder="a")
    assert [r.dedupe_key for r in first] == ["group", "private-old"]
    assert all((r.state, r.lease_until, r.leased_by) == (OutboxState.sending, now + LEASE, "a") for r in first)
    rest = await claim_due(s, now=now, limit=10, lease=LEASE, holder="b")
    assert [r.dedupe_key for r in rest] == ["private-new"]  # the leased rows are not claimed twice
    assert await backlog(s, now=now) == 3
    later = await claim_due(s, now=now + LEASE - timedelta(seconds=1), limit=10, lease=LEASE, holder="c")
    assert [r.dedupe_key for r in later] == ["future"]  # now due; the leased ones still are not free


async def test_an_expired_lease_is_claimed_again(s, now):
    await enqueue(s, items=[item("x", due=now)], now=now)
    (row,) = await claim_due(s, now=now, limit=10, lease=LEASE, holder="dead-sender")
    assert await claim_due(s, now=now + LEASE, limit=10, lease=LEASE, holder="b") == []  # not expired at the edge
    later = now + LEASE + timedelta(milliseconds=1)
    (again,) = await claim_due(s, now=later, limit=10, lease=LEASE, holder="b")
    assert again.id == row.id and (again.leased_by, again.lease_until) == ("b", later + LEASE)
    # A sent row is never claimed, whatever its lease says.
    await s.execute(update(Outbox).where(Outbox.id == row.id).values(state=OutboxState.sent))
    assert await claim_due(s, now=later + 2 * LEASE, limit=10, lease=LEASE, holder="c") == []


async def test_retry_dead_puts_a_row_back_due_now(s, now):
    await enqueue(s, items=[item("d", due=now - timedelta(days=1)), item("p", due=now)], now=now)
    dead, pending = (await s.scalars(select(Outbox).order_by(Outbox.id))).all()
    dead.state, dead.attempts, dead.leased_by = OutboxState.dead, 5, "x"
    await s.flush()
    assert await retry_dead(s, row_id=pending.id, now=now) is None
    assert await retry_dead(s, row_id=10**9, now=now) is None
    back = await retry_dead(s, row_id=dead.id, now=now + timedelta(hours=1))
    assert (back.state, back.attempts, back.due_at, back.lease_until, back.leased_by) == (
        OutboxState.pending, 0, now + timedelta(hours=1), None, None)


STATES = st.sampled_from([OutboxState.pending, OutboxState.sending, OutboxState.sent, OutboxState.failed,
                          OutboxState.dead])


@f.DOMAIN
@given(st.lists(st.tuples(STATES, st.integers(-120, 120), st.integers(-120, 120), st.booleans()), max_size=12),
       st.integers(1, 12))
async def test_claim_takes_exactly_the_due_rows_in_order(s, now, rows, limit):
    await s.execute(delete(Outbox))
    await enqueue(s, items=[item(f"r{i}", due=now + timedelta(seconds=due), chat_id=-1 if group else 1)
                            for i, (_, due, _, group) in enumerate(rows)], now=now)
    stored = (await s.scalars(select(Outbox).order_by(Outbox.id))).all()
    for row, (state, _, lease, _) in zip(stored, rows, strict=True):
        row.state = state
        row.lease_until = now + timedelta(seconds=lease) if state == OutboxState.sending else None
    await s.flush()
    due = [r for r in stored if (r.state == OutboxState.pending and r.due_at <= now)
           or (r.state == OutboxState.sending and r.lease_until < now)]
    order = [r.id for r in sorted(due, key=lambda r: (r.chat_id >= 0, r.due_at, r.id))]
    got = await claim_due(s, now=now, limit=limit, lease=LEASE, holder="h")
    assert [r.id for r in got] == order[:limit]
    # A second sender at the same moment gets the next ones, never one of those.
    more = await claim_due(s, now=now, limit=limit, lease=LEASE, holder="other")
    assert [r.id for r in more] == order[limit:2 * limit]


async def test_two_senders_claim_disjoint_rows_with_skip_locked(pg_sessions, now):
    async with pg_sessions() as s:
        await enqueue(s, items=[item(f"r{i}", due=now) for i in range(6)], now=now)
        await s.commit()
    async with pg_sessions() as a, pg_sessions() as b:
        mine = await claim_due(a, now=now, limit=4, lease=LEASE, holder="a")  # locks held until a commits
        theirs = await asyncio.wait_for(claim_due(b, now=now, limit=4, lease=LEASE, holder="b"), 10)
        assert len(mine) == 4 and len(theirs) == 2
        assert not {r.id for r in mine} & {r.id for r in theirs}
        await b.commit()
        await a.commit()
    async with pg_sessions() as s:
        holders = dict((await s.execute(select(Outbox.dedupe_key, Outbox.leased_by))).all())
        assert sorted(holders.values()) == ["a"] * 4 + ["b"] * 2
        assert await claim_due(s, now=now, limit=10, lease=LEASE, holder="c") == []


async def test_a_lease_has_one_holder_until_it_expires(s, now):
    ttl = timedelta(seconds=30)
    assert await acquire(s, name="planner", holder="a", now=now, ttl=ttl)
    assert not await acquire(s, name="planner", holder="b", now=now + timedelta(seconds=10), ttl=ttl)
    assert await acquire(s, name="planner", holder="a", now=now + timedelta(seconds=20), ttl=ttl)  # renewed
    assert not await acquire(s, name="planner", holder="b", now=now + timedelta(seconds=45), ttl=ttl)
    assert await holder_of(s, name="planner", now=now + timedelta(seconds=50)) == "a"
    later = now + timedelta(seconds=51)
    assert await holder_of(s, name="planner", now=later) is None
    assert await acquire(s, name="planner", holder="b", now=later, ttl=ttl)  # expired: taken over
    await release(s, name="planner", holder="a")  # not a's any more: no effect
    assert await holder_of(s, name="planner", now=later) == "b"
    await release(s, name="planner", holder="b")
    assert await acquire(s, name="planner", holder="c", now=later, ttl=ttl)


async def test_a_planner_mark_only_moves_forward(s, now):
    from models.leases import get_mark, set_mark
    assert await get_mark(s, name="sessions") is None
    await set_mark(s, name="sessions", until=now)
    await set_mark(s, name="sessions", until=now - timedelta(hours=1))  # a slower pass: ignored
    assert await get_mark(s, name="sessions") == now
    await set_mark(s, name="sessions", until=now + timedelta(minutes=1))
    assert await get_mark(s, name="sessions") == now + timedelta(minutes=1)
