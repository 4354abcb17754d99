"""Delivery across real processes: SIGKILL mid-broadcast, and two instances sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db import create_engine, session_factory
from models.leases import set_mark
from models.outbox import Outbox, OutboxState
from models.reminders import set_reminder
from tests.delivery_helpers import UNIT_CHAT, broadcast, make_unit
from tests.processes import Child, bot_env, eventually, health

CONCURRENCY = 4
pytestmark = pytest.mark.timeout(240)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def delivered(fake) -> Counter:  # noqa: ANN001
    return Counter(m.get("text", "") for m in fake.sent_messages() if m.get("text", "").startswith("msg "))


async def test_sigkill_mid_broadcast_loses_nothing(fake, db_url, tmp_path):
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    unit_id, people = await make_unit(sessions, members=400, now=now)
    await broadcast(sessions, unit_id=unit_id, people=people, now=now)
    env = bot_env(fake, db_url, DELIVERY__PER_SECOND=80, DELIVERY__LEASE_SECONDS=5, TELEGRAM__TIMEOUT_SECONDS=2,
                  DELIVERY__CONCURRENCY=CONCURRENCY, DELIVERY__POLL_SECONDS="0.1")
    rng = random.Random(11)
    kills = 0
    try:
        for _ in range(3):  # kill three times at random points of the broadcast
            bot = await Child(["run"], env, tmp_path).start()
            target = sum(delivered(fake).values()) + rng.randint(30, 90)
            await eventually(lambda t=target: sum(delivered(fake).values()) >= t, 60, "progress before the kill",
                             interval=0.01)
            await bot.kill()
            kills += 1
        bot = await Child(["run"], env, tmp_path).start()

        async def settled() -> bool:
            async with sessions() as s:
                return not await s.scalar(select(func.count()).select_from(Outbox).where(
                    Outbox.state.in_([OutboxState.pending, OutboxState.sending])))

        await eventually(settled, 90, "the broadcast to finish after restarts", interval=0.2)
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
    async with sessions() as s:
        rows = (await s.scalars(select(Outbox))).all()
    await engine.dispose()
    counts = delivered(fake)
    assert all(r.state == OutboxState.sent for r in rows)
    assert all(counts[r.text] >= 1 for r in rows), "a message was lost"
    repeats = sum(n - 1 for n in counts.values())
    assert repeats <= kills * CONCURRENCY, f"{repeats} repeats over {kills} kills"


async def test_sigkill_recovery_takes_seconds_not_the_lease(fake, db_url, tmp_path):
    """With the shipped lease (60 s), a kill -9 mid-broadcast delays the rest by seconds: rows claimed
    but not started come back at once (SQLite: at the restart; PostgreSQL: when the short claim or the
    dead sender's instance lease runs out), not when a 60 s lease would."""
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    unit_id, people = await make_unit(sessions, members=300, now=now)
    await broadcast(sessions, unit_id=unit_id, people=people, now=now)
    env = bot_env(fake, db_url, DELIVERY__PER_SECOND=80, DELIVERY__CONCURRENCY=CONCURRENCY,
                  DELIVERY__POLL_SECONDS="0.1")
    loop = asyncio.get_running_loop()
    bot = await Child(["run"], env, tmp_path).start()
    try:
        await eventually(lambda: sum(delivered(fake).values()) >= 100, 60, "progress before the kill", interval=0.01)
        await bot.kill()
        restart = loop.time()
        bot = await Child(["run"], env, tmp_path).start()
        total = len(people)
        before = len(delivered(fake))
        first = await eventually(lambda: len(delivered(fake)) > before and loop.time(), 60, "a first message",
                                 interval=0.05)
        reached = await eventually(lambda: len(delivered(fake)) >= total and loop.time(), 120,
                                   "every member reached", interval=0.05)

        async def settled() -> float | None:
            async with sessions() as s:
                left = await s.scalar(select(func.count()).select_from(Outbox).where(
                    Outbox.state.in_([OutboxState.pending, OutboxState.sending])))
            return None if left else loop.time()

        done = await eventually(settled, 120, "the queue to settle", interval=0.05)
        assert await bot.terminate() == 0
    finally:
        await bot.kill()
    await engine.dispose()
    print(f"\nrecovery after kill -9: first message {first - restart:.1f} s after the restart (start-up), every member reached {reached - restart:.1f} s after the restart, "
          f"queue settled {done - restart:.1f} s after")  # the figures the issue asks for
    limit = 15 if db_url.startswith("sqlite") else 45  # PostgreSQL: the dead sender's instance lease (30 s)
    assert reached - restart < 15, "unstarted rows waited for a lease"
    assert done - restart < limit


async def test_two_instances_on_postgresql_share_the_work(fake, db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("several instances need PostgreSQL (SQLite is single-instance by design)")
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    fake.add_chat(UNIT_CHAT, title="测试支部群")
    unit_id, people = await make_unit(sessions, members=300, now=now)
    # A weekly reminder that fell due a minute ago, and planners that last ran five minutes ago.
    local = (now - timedelta(minutes=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    async with sessions.begin() as s:
        from models.units import Unit

        unit = await s.get(Unit, unit_id)
        await set_reminder(s, unit=unit, name="weekly", weekday=local.weekday(), at=local.time().replace(second=0,
                           microsecond=0), now=now)
        await set_mark(s, name="weekly", until=now - timedelta(minutes=5))
    ports = [free_port(), free_port()]
    children = []
    try:
        for port in ports:
            env = bot_env(fake, db_url, DELIVERY__PER_SECOND=200, DELIVERY__PLANNER_TICK_SECONDS="0.2",
                          DELIVERY__LEADER_TTL_SECONDS=3, DELIVERY__LEASE_SECONDS=5, DELIVERY__POLL_SECONDS="0.1",
                          TELEGRAM__TIMEOUT_SECONDS=2,
                          WEBHOOK__LISTEN="127.0.0.1", WEBHOOK__PORT=port,
                          WEBHOOK__URL=f"http://127.0.0.1:{port}", WEBHOOK__SECRET_TOKEN="s3cret")
            children.append(await Child(["run", "--webhook"], env, tmp_path).start())
        for port in ports:
            await eventually(lambda p=port: health(p), 60, f"health on {port}")

        async def roles() -> list[str] | None:
            found = [(await health(p) or {}).get("role") for p in ports]
            return found if sorted(found) == ["follower", "leader"] else None

        first = await eventually(roles, 30, "one leader and one follower")
        # The planner fired once: one group reminder, one private reminder per member.
        await eventually(lambda: [m for m in fake.sent_messages(UNIT_CHAT) if "本周自学提醒" in m["text"]], 30,
                         "the weekly reminder")
        await broadcast(sessions, unit_id=unit_id, people=people, now=datetime.now(UTC), tag="split")

        async def settled() -> bool:
            async with sessions() as s:
                return not await s.scalar(select(func.count()).select_from(Outbox).where(
                    Outbox.state.in_([OutboxState.pending, OutboxState.sending])))

        await eventually(settled, 60, "the broadcast to finish", interval=0.2)
        assert len([m for m in fake.sent_messages(UNIT_CHAT) if "本周自学提醒" in m["text"]]) == 1
        texts = Counter((m["chat"]["id"], m.get("text", "")) for m in fake.sent_messages())
        assert [k for k, n in texts.items() if n > 1] == [], "a message was sent twice"
        async with sessions() as s:
            senders = dict((await s.execute(select(Outbox.leased_by, func.count()).where(
                Outbox.dedupe_key.like("split:%")).group_by(Outbox.leased_by))).all())
            weekly = await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "weekly"))
        assert weekly == 1 + len(people)
        assert len(senders) == 2 and sum(senders.values()) == len(people), senders  # both sent

        # Kill the leader: the follower takes over within the lease time.
        leader_index = first.index("leader")
        await children[leader_index].kill()
        survivor = ports[1 - leader_index]
        await eventually(lambda: _role_is(survivor, "leader"), 30, "failover")
    finally:
        for child in children:
            await child.kill()
        await engine.dispose()


async def _role_is(port: int, role: str) -> bool:
    body = await health(port)
    return bool(body and body.get("role") == role)


