"""Helpers for delivery tests: a unit with many reachable members, broadcasts, and waiting."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime

from sqlalchemy import func, insert, select

from models.outbox import Outbox, OutboxIn, OutboxState, enqueue
from models.units import Membership, Person, Role, Unit, UnitKind

UNIT_CHAT = -1009000000001
FIRST_USER = 100_000


async def make_unit(sessions, *, members: int, now: datetime, chat_id: int = UNIT_CHAT) -> tuple[int, list[tuple[int, int]]]:
    """A unit with `members` people who all started the bot. Returns (unit id, [(person id, tg id)])."""
    async with sessions.begin() as s:
        unit = Unit(chat_id=chat_id, kind=UnitKind.research, name="测试支部", timezone="Asia/Shanghai",
                    join_code=f"c{abs(chat_id) % 10**7:07d}", options={}, created_at=now, updated_at=now)
        s.add(unit)
        await s.flush()
        await s.execute(insert(Person), [
            {"tg_user_id": FIRST_USER + i, "first_name": f"党员{i}", "private_ok": True,
             "created_at": now, "updated_at": now} for i in range(members)
        ])
        people = (await s.execute(
            select(Person.id, Person.tg_user_id).where(Person.tg_user_id >= FIRST_USER).order_by(Person.id)
        )).all()
        await s.execute(insert(Membership), [
            {"unit_id": unit.id, "person_id": pid, "role": Role.member, "active": True, "source": "test",
             "joined_at": now} for pid, _ in people
        ])
        return unit.id, [(pid, tg) for pid, tg in people]


async def broadcast(sessions, *, unit_id: int, people: list[tuple[int, int]], now: datetime, tag: str = "b") -> int:
    """One private message per person, each text unique so deliveries can be counted per row."""
    items = [
        OutboxIn(dedupe_key=f"{tag}:{pid}", chat_id=tg, person_id=pid, unit_id=unit_id, kind="test", due_at=now,
                 text=f"msg {tag}:{pid}", fallback_text=f"fallback {tag}:{pid}")
        for pid, tg in people
    ]
    async with sessions.begin() as s:
        return await enqueue(s, items=items, now=now)


async def wait_until_settled(sessions, *, timeout: float, sender=None) -> dict[str, int]:  # noqa: ANN001
    """Wait until no row is pending or sending; returns the counts by state."""
    deadline = time.monotonic() + timeout
    while True:
        async with sessions() as s:
            counts = dict((await s.execute(select(Outbox.state, func.count()).group_by(Outbox.state))).all())
        open_rows = counts.get(OutboxState.pending, 0) + counts.get(OutboxState.sending, 0)
        if open_rows == 0:
            return {str(k.value): v for k, v in counts.items()}
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox not settled after {timeout}s: {counts}")
        if sender is not None:
            sender.wake()
        await asyncio.sleep(0.2)


def delivered_texts(fake) -> Counter:  # noqa: ANN001
    return Counter(m.get("text", "") for m in fake.sent_messages())
