"""The domain tier: rules called where they live (models/), on a migrated database, no app.

Each test gets a session factory on a migrated database: on SQLite a copy of tests/conftest.py's
migrated template; on PostgreSQL its migrated `pg_database`, inside a transaction rolled back after the
test (commits in the test release savepoints), which is much cheaper than truncating every table.
Tests that need real commits between two transactions (row locks, SKIP LOCKED) take `pg_sessions`,
which truncates before and after. Time is a plain `now` the test passes in."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db import create_engine, session_factory
from tests.conftest import _truncate
from tests.domain.factories import MONDAY


@pytest.fixture
def now() -> datetime:
    return MONDAY


@pytest.fixture(params=["sqlite", "postgresql"])
def domain_db(request, tmp_path) -> tuple[str, str]:
    """(backend, url) of a migrated database for this test (ids end in [sqlite] / [postgresql])."""
    if request.param == "sqlite":
        target = tmp_path / "wuxue.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return "sqlite", f"sqlite+aiosqlite:///{target}"
    return "postgresql", request.getfixturevalue("pg_database")


@pytest.fixture
async def sessions(domain_db):
    """A session factory on this test's database."""
    backend, url = domain_db
    engine = create_engine(url)
    try:
        if backend == "sqlite":
            yield session_factory(engine)
            return
        async with engine.connect() as conn:
            outer = await conn.begin()
            try:
                yield async_sessionmaker(conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
            finally:
                await outer.rollback()
    finally:
        await engine.dispose()


@pytest.fixture
async def s(sessions):
    """One open session; `s.commit()` makes its rows visible as the application's commit would."""
    async with sessions() as session:
        yield session


@pytest.fixture(params=["postgresql"])
def pg_url(request):
    """PostgreSQL only, committing for real (row locks, SKIP LOCKED); emptied before and after."""
    url = request.getfixturevalue("pg_database")
    _truncate(url)
    yield url
    _truncate(url)


@pytest.fixture
async def pg_sessions(pg_url):
    engine = create_engine(pg_url)
    yield session_factory(engine)
    await engine.dispose()
