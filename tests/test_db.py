"""bot/db.py on SQLite: the one-trip aiosqlite cursor behaves as a DBAPI cursor for SQLAlchemy."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db import _OneTripCursor, create_engine, session_factory

meta = MetaData()
things = Table("things", meta, Column("id", Integer, primary_key=True), Column("name", String(20)),
               Column("n", Integer), UniqueConstraint("name"))


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    yield engine
    await engine.dispose()


async def test_statements_rows_counts_and_ids(engine):
    async with engine.begin() as conn:
        raw = await conn.get_raw_connection()
        async with raw.driver_connection.cursor() as cursor:
            assert isinstance(cursor, _OneTripCursor)
        first = await conn.execute(insert(things).values(name="a", n=1))
        assert first.inserted_primary_key == (1,)
        await conn.execute(insert(things), [{"name": f"b{i}", "n": i} for i in range(50)])  # executemany
        changed = await conn.execute(update(things).where(things.c.n < 10).values(n=things.c.n + 100))
        assert changed.rowcount == 11
        rows = (await conn.execute(select(things.c.name).order_by(things.c.id))).scalars().all()
        assert len(rows) == 51 and rows[:2] == ["a", "b0"]
        streamed = await conn.stream(select(things.c.id).order_by(things.c.id))
        assert [r async for r in streamed.scalars()][-1] == 51
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_errors_and_transactions(engine):
    sessions = session_factory(engine)
    async with sessions() as s:
        await s.execute(insert(things).values(name="a", n=1))
        await s.commit()
    with pytest.raises(IntegrityError):  # sqlite3's error, mapped as usual
        async with sessions() as s:
            await s.execute(insert(things).values(name="b", n=2))
            await s.execute(insert(things).values(name="a", n=3))
    async with sessions() as s:
        await s.execute(insert(things).values(name="c", n=4))  # closed without commit: rolled back
    async with sessions() as s:
        assert (await s.execute(select(things.c.name))).scalars().all() == ["a"]
        raw = await (await s.connection()).get_raw_connection()
        assert not raw.driver_connection._connection.in_transaction  # a read opens none; nothing left open

