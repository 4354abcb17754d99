"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when reachable), the fake
Bot API server, and a running wuxue Application polling it."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.db import create_engine
from bot.features import gather, install_domain_plugins
from bot.migrate import upgrade
from bot.settings import Settings
from models.base import Base
from fakebot import FakeBotAPI
from tests.harness import BotHarness

@pytest.fixture(autouse=True, scope="session")
def domain_plugins():
    """What the features plug into the domain (study minutes of attended sessions, reflection subjects,
    督学 figures), installed as the app factory does, for tests that call domain functions directly."""
    install_domain_plugins(gather())


# Ticks every 0.1 s in tests overlap slow ones; APScheduler's note about skipping them is noise here.
logging.getLogger("apscheduler").setLevel(logging.ERROR)

PG_ADMIN_URL = os.environ.get("WUXUE_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL.replace("+asyncpg", ""), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL.split('@')[-1]}: {type(exc).__name__}"


@pytest.fixture(scope="session")
def pg_database():
    """A throw-away PostgreSQL database for this test run, migrated once."""
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (mandatory in CI)")
        pytest.skip(reason)
    import asyncpg

    name = f"wuxue_test_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN_URL.replace("+asyncpg", "")

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'CREATE DATABASE "{name}"')
        # Tests need no crash-safety from the server: no fsync wait per commit (a busy disk stalls those).
        await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        await conn.close()
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(create())
    yield url
    asyncio.run(drop())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"

    async def create() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(create())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "wuxue.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    async def go() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(go())


@pytest.fixture
async def fake():
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning in Beijing.
    return FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


def make_settings(fake: FakeBotAPI, db_url: str, **sections: dict) -> Settings:
    """Settings pointing at the fake API and the test database; `sections` override per table."""
    telegram = {"token": fake.token, "base_url": f"{fake.url}/bot", "base_file_url": f"{fake.url}/file/bot",
                **sections.pop("telegram", {})}
    # Group replies now wait for the group's window (20 a minute): a scripted conversation sends many
    # more in real seconds, so the flows run with a wide window; tests of the limit set their own.
    delivery = {"poll_seconds": 0.05, "planner_tick_seconds": 0.1, "per_group_minute": 1000,
                **sections.pop("delivery", {})}
    return Settings(telegram=telegram, database={"url": db_url}, delivery=delivery, **sections)


@pytest.fixture
def settings(fake, db_url) -> Settings:
    return make_settings(fake, db_url)


@pytest.fixture
async def bot(fake, settings, clock):
    harness = BotHarness(fake, settings, clock)
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def start_bot(fake, db_url, clock):
    """Start a harness with custom settings: `await start_bot(delivery={...}, clock=...)`."""
    started: list[BotHarness] = []

    async def go(clock=clock, **sections) -> BotHarness:  # noqa: ANN001
        harness = BotHarness(fake, make_settings(fake, db_url, **sections), clock)
        await harness.start()
        started.append(harness)
        return harness

    yield go
    for harness in started:
        await harness.stop()
