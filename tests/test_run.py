"""`wuxue run` as a real process, and webhook mode with /healthz."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.db import create_engine, session_factory
from bot.webhook import SECRET_HEADER, serve
from handlers import ALLOWED_UPDATES
from models.units import Membership, Unit
from tests.conftest import make_settings
from tests.processes import Child, bot_env, eventually, health

GROUP = -1001000000001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_wuxue_run_answers_start_help_bind_join(fake, db_url, tmp_path):
    env = bot_env(fake, db_url, DELIVERY__POLL_SECONDS="0.1")
    bot = await Child(["run"], env, tmp_path).start()
    try:
        await fake.wait_for(lambda r: r.method == "getUpdates", timeout=30)
        admin, member = fake.user(1001, "李书记"), fake.user(2001, "王同志")
        fake.add_chat(GROUP, title="第一党支部群")
        fake.set_member(GROUP, admin, "creator")
        fake.message(1001, admin, "/start")
        assert "您好，李书记" in (await fake.wait_for_message(1001, "您好", timeout=30))["text"]
        fake.message(1001, admin, "/help")
        assert "/start" in (await fake.wait_for_message(1001, "成员命令", timeout=30))["text"]
        fake.message(GROUP, admin, "/bind 党支部")
        await fake.wait_for_message(GROUP, "已登记单位", timeout=30)
        fake.message(GROUP, member, "/join")
        await fake.wait_for_message(GROUP, "王同志 已加入", timeout=30)
        engine = create_engine(db_url)
        async with session_factory(engine)() as s:
            unit = await s.scalar(select(Unit))
            members = (await s.scalars(select(Membership).where(Membership.unit_id == unit.id))).all()
        await engine.dispose()
        assert unit.name == "第一党支部群" and len(members) == 2
        if db_url.startswith("sqlite"):  # a second process on the same SQLite file is refused
            second = await Child(["run"], env, tmp_path).start()
            assert await second.wait(30) == 2
            assert "another wuxue process is already using" in second.text and "Traceback" not in second.text
        assert await bot.terminate() == 0
        assert fake.token not in bot.text
    finally:
        await bot.kill()


async def test_run_without_token_and_with_a_bad_setting(fake, tmp_path):
    env = bot_env(fake, "sqlite+aiosqlite:///x.db")
    del env["WUXUE_TELEGRAM__TOKEN"]
    child = await Child(["run"], env, tmp_path).start()
    assert await child.wait() == 2
    assert child.text.strip().splitlines() == [
        "wuxue: telegram.token: missing — set WUXUE_TELEGRAM__TOKEN or telegram.token in settings.toml"]
    env = bot_env(fake, "sqlite+aiosqlite:///x.db", TIMEZONE="Nowhere/Land")
    child = await Child(["run"], env, tmp_path).start()
    assert await child.wait() == 2 and child.text.strip() == (
        "wuxue: timezone: is not a known time zone (e.g. Asia/Shanghai)")
    env = bot_env(fake, "sqlite+aiosqlite:///x.db", TELEGRAM__BASE_URL="http://127.0.0.1:9/bot")
    child = await Child(["run"], env, tmp_path).start()
    assert await child.wait() == 1
    assert child.text.strip().startswith("wuxue: cannot reach Telegram at http://127.0.0.1:9/bot")
    assert "Traceback" not in child.text and fake.token not in child.text
    env = bot_env(fake, "postgresql+asyncpg://nobody:secretpw@127.0.0.1:9/none")
    child = await Child(["run"], env, tmp_path).start()
    assert await child.wait() == 1
    assert child.text.strip().startswith("wuxue: database.url: cannot open postgresql+asyncpg://nobody:***@")
    assert "secretpw" not in child.text and "Traceback" not in child.text


async def test_webhook_mode_serves_updates_and_health(fake, db_url):
    port = free_port()
    settings = make_settings(fake, db_url)
    app = build_application(settings)
    stop = asyncio.Event()
    server = asyncio.create_task(serve(
        app, listen="127.0.0.1", port=port, path="hook", public_url=f"http://127.0.0.1:{port}",
        secret="s3cret-token", allowed_updates=ALLOWED_UPDATES, stop=stop,
    ))
    try:
        await eventually(lambda: fake.webhook_url, 30, "setWebhook")
        assert fake.webhook_url == f"http://127.0.0.1:{port}/hook" and fake.webhook_secret == "s3cret-token"
        admin = fake.user(1001, "李书记")
        fake.message(1001, admin, "/start")
        assert "您好，李书记" in (await fake.wait_for_message(1001, "您好", timeout=30))["text"]
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}/hook", json={"update_id": 1},
                                 headers={SECRET_HEADER: "wrong"}) as r:
                assert r.status == 403
            async with http.post(f"http://127.0.0.1:{port}/hook", data=b"not json",
                                 headers={SECRET_HEADER: "s3cret-token"}) as r:
                assert r.status == 400
        body = await eventually(lambda: health(port), 30, "health")
        assert body["db"] == "ok" and body["role"] in ("leader", "follower") and body["outbox_backlog"] == 0
        await eventually(lambda: _is_leader(port), 10, "leadership")
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)


async def _is_leader(port: int) -> bool:
    body = await health(port)
    return bool(body and body["role"] == "leader")


pytestmark = pytest.mark.timeout(120)
