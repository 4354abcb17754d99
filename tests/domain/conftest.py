"""The domain tier: rules called where they live (models/), on a migrated database, no app.

Each test gets a fresh migrated database (the SQLite copy or the truncated PostgreSQL database of
tests/conftest.py) and a session factory on it; time is a plain `now` the test passes in."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.db import create_engine, session_factory
from tests.conftest import _truncate

from tests.domain.factories import MONDAY


@pytest.fixture
def now() -> datetime:
    return MONDAY


@pytest.fixture
async def sessions(db_url):
    """A session factory on this test's database (SQLite and PostgreSQL, from `db_url`)."""
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def s(sessions):
    """One open session; the test commits when it wants a second session to see its rows."""
    async with sessions() as session:
        yield session


@pytest.fixture(params=["postgresql"])
def pg_url(request) -> str:
    """PostgreSQL only, for SQL that differs there (row locks, SKIP LOCKED); ids end in [postgresql]."""
    url = request.getfixturevalue("pg_database")
    _truncate(url)
    return url


@pytest.fixture
async def pg_sessions(pg_url):
    engine = create_engine(pg_url)
    yield session_factory(engine)
    await engine.dispose()
