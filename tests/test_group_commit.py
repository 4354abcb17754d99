"""bot.checkin_desk.GroupCommit on its own: batching, failures, cancellation (no Telegram here)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.checkin_desk import GroupCommit


@pytest.fixture
async def sessions():
    engine = create_async_engine("sqlite+aiosqlite://")
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_what_arrives_during_a_write_goes_in_the_next_batch(sessions):
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def write(session, items):
        await session.execute(text("SELECT 1"))
        batches.append(list(items))
        if len(batches) == 1:
            await gate.wait()  # the first batch is still being written…
        return [i * 10 for i in items]

    commit = GroupCommit(sessions, write)
    first = [asyncio.create_task(commit.submit(i)) for i in (1, 2, 3)]
    while not batches:
        await asyncio.sleep(0)
    later = [asyncio.create_task(commit.submit(i)) for i in (4, 5)]  # …while these arrive
    await asyncio.sleep(0.01)
    gate.set()
    assert await asyncio.gather(*first, *later) == [10, 20, 30, 40, 50]
    assert batches == [[1, 2, 3], [4, 5]] and (commit.batches, commit.failed) == (2, 0)


async def test_a_failed_batch_fails_each_of_its_items_and_the_next_one_is_written(sessions):
    async def write(session, items):
        if 0 in items:
            raise RuntimeError("boom")
        return items

    commit = GroupCommit(sessions, write)
    results = await asyncio.gather(commit.submit(0), commit.submit(1), return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    assert await commit.submit(2) == 2 and (commit.batches, commit.failed) == (1, 1)


async def test_a_cancelled_writer_leaves_nobody_waiting(sessions):
    started = asyncio.Event()

    async def write(session, items):
        started.set()
        await asyncio.sleep(60)
        return items

    commit = GroupCommit(sessions, write)
    waiting = [asyncio.create_task(commit.submit(i)) for i in range(3)]
    await started.wait()
    more = asyncio.create_task(commit.submit(9))
    await asyncio.sleep(0)
    commit._writer.cancel()
    results = await asyncio.wait_for(asyncio.gather(*waiting, more, return_exceptions=True), timeout=30)
    assert all(isinstance(r, RuntimeError) for r in results)
