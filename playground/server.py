"""The playground: the stand-in, the real bot against it, and the page's HTTP API (aiohttp)."""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from telegram.ext import Application

from bot import lifecycle
from bot.app import build_application
from bot.settings import DatabaseSettings, DeliverySettings, Settings, TelegramSettings
from fakebot import FakeBotAPI
from handlers import ALLOWED_UPDATES
from playground import cast, seed
from playground.clock import MovableClock
from playground.view import View

log = logging.getLogger("wuxue.playground")

STATIC = Path(__file__).parent / "static"
TEXT_MAX = 4096  # Telegram's limit for a message's text
FILE_MAX = 20 * 1024 * 1024  # the most a bot may download (getFile)
CAPTION_MAX = 1024


class Playground:
    def __init__(self, *, db_url: str, sqlite_path: Path | None, state_file: Path | None,
                 chats_file: Path | None = None) -> None:
        self.db_url, self.sqlite_path, self.state_file, self.chats_file = db_url, sqlite_path, state_file, chats_file
        self._saver: asyncio.Task[None] | None = None
        self.clock = MovableClock(state_file)
        self.fake: FakeBotAPI | None = None
        self.app: Application | None = None
        self.view: View | None = None
        self._lock = asyncio.Lock()  # one start, stop or reset at a time
        self.live_seed: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def settings(self, fake_url: str) -> Settings:
        return Settings(
            telegram=TelegramSettings(token=cast.TOKEN, base_url=f"{fake_url}/bot", base_file_url=f"{fake_url}/file/bot"),
            database=DatabaseSettings(url=self.db_url),
            # Moving the clock a week ahead must still deliver what fell due on the way.
            delivery=DeliverySettings(planner_tick_seconds=5.0, catch_up_hours=24 * 14),
            timezone=cast.TIMEZONE, locale="zh", log_level="WARNING",
        )

    async def start(self) -> None:
        fake = FakeBotAPI(token=cast.TOKEN, bot_username=cast.BOT_USERNAME, bot_id=cast.BOT_ID)
        fake.bot_user["first_name"] = cast.BOT_NAME
        fake.privacy_mode = True  # as on Telegram; the bot is an admin of every demo group, so it sees all
        await fake.start()
        self.fake = fake
        self.view = View(fake, self.clock)
        self._load_chats()
        for g in cast.GROUPS:
            fake.add_chat(g.chat_id, type="supergroup", title=g.title)
            fake.set_member(g.chat_id, fake.bot_user, "administrator")
            for p in cast.members(g.key):
                fake.set_member(g.chat_id, fake.user(p.tg_id, p.name, "zh", p.username),
                                "creator" if g.key in p.admin_of else "member")
        settings = self.settings(fake.url)
        app = build_application(settings, clock=self.clock)
        # History first, on the bot's own database (migrations are the bot's: post_init applies them).
        from bot.db import create_engine, session_factory
        from bot.migrate import upgrade

        engine = create_engine(self.db_url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)
            fresh = not await seed.seeded(sessions)
            if fresh:
                await seed.history(sessions, now=self.clock.now())
        finally:
            await engine.dispose()
        # A short long-poll: a stop waits for the poll in flight.
        await lifecycle.start(app, polling=True, poll_timeout=2, allowed_updates=ALLOWED_UPDATES)
        self.app = app
        self._saver = asyncio.create_task(self._save_now_and_then(), name="playground-save")
        if fresh:
            self.live_seed = asyncio.create_task(self._live_seed(), name="playground-live-seed")

    async def _live_seed(self) -> None:
        try:
            assert self.fake is not None
            await seed.live(self.fake, now=self.clock.now())
        except Exception:  # noqa: BLE001 - the demo still works without its live start
            log.exception("playground: the live part of the demo could not be made")

    # -- the chats survive a restart (the bot edits messages it sent before) -------------------------
    def _load_chats(self) -> None:
        if self.chats_file is None or not self.chats_file.exists():
            return
        try:
            saved = json.loads(self.chats_file.read_text())
            assert self.fake is not None and self.view is not None
            self.fake.import_state(saved["fake"])
            self.view.import_state(saved["view"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("playground: could not read the saved chats (%s); starting with empty chats", exc)

    def save_chats(self) -> None:
        if self.chats_file is None or self.fake is None or self.view is None:
            return
        data = json.dumps({"fake": self.fake.export_state(), "view": self.view.export_state()}, ensure_ascii=False)
        tmp = self.chats_file.with_name(self.chats_file.name + ".tmp")
        tmp.write_text(data)
        tmp.replace(self.chats_file)

    async def _save_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(10)
            if self.view is not None and self.view.dirty:
                self.view.dirty = False
                self.save_chats()

    async def stop(self) -> None:
        if self._saver is not None:
            self._saver.cancel()
            await asyncio.gather(self._saver, return_exceptions=True)
            self._saver = None
        self.save_chats()
        if self.live_seed is not None:
            self.live_seed.cancel()
            await asyncio.gather(self.live_seed, return_exceptions=True)
            self.live_seed = None
        if self.app is not None:
            await lifecycle.stop(self.app)
            self.app = None
        if self.fake is not None:
            await self.fake.stop()
            self.fake = None

    async def reset(self) -> None:
        """Start over: a new database (the playground's own SQLite file only), the clock back to now."""
        async with self._lock:
            listeners = self.view.listeners if self.view else set()
            await self.stop()
            if self.sqlite_path is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)
            if self.chats_file is not None:
                self.chats_file.unlink(missing_ok=True)
            self.clock.reset()
            await self.start()
            assert self.view is not None
            self.view.listeners |= listeners
            self.view.publish("reset", {})

    # -- the clock --------------------------------------------------------------------------------
    async def move_clock(self, action: str) -> datetime:
        tz = ZoneInfo(cast.TIMEZONE)
        now = self.clock.now()
        if action == "hour":
            target = now + timedelta(hours=1)
        elif action == "day":
            target = now + timedelta(days=1)
        elif action == "monday9":
            local = now.astimezone(tz)
            monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
            target = datetime.combine(monday, time(9, 0), tz)
            if target <= now:
                target += timedelta(days=7)
        elif action == "session":
            target = await self._next_session_start(now)
            if target is None:
                raise web.HTTPBadRequest(text="no_session")
        else:
            raise web.HTTPBadRequest(text="bad_action")
        self.clock.move_to(target)
        await self.catch_up()
        assert self.view is not None
        self.view.publish("clock", self.view.clock_state())
        return self.clock.now()

    async def _next_session_start(self, now: datetime) -> datetime | None:
        from models.sessions import StudySession

        assert self.app is not None
        async with self.app.bot_data.sessions() as session:
            starts = await session.scalar(select(StudySession.starts_at).where(StudySession.starts_at > now)
                                          .order_by(StudySession.starts_at).limit(1))
        return starts

    async def catch_up(self) -> None:
        """After a clock move: plan what fell due at once (not at the next tick) and wake the sender."""
        from jobs.planner import is_leader, run_planners

        assert self.app is not None
        state = self.app.bot_data
        if await is_leader(state):
            await run_planners(state)
        state.sender.wake()


# -- HTTP ------------------------------------------------------------------------------------------

def make_web_app(pg: Playground) -> web.Application:
    app = web.Application(client_max_size=FILE_MAX + 1024 * 1024)
    routes = web.RouteTableDef()

    def persona_user(key: Any) -> dict:
        p = cast.PERSONA.get(str(key))
        if p is None:
            raise web.HTTPBadRequest(text="unknown persona")
        return cast.tg_user(p)

    def chat_of(value: Any, user: dict) -> int:
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="bad chat") from None
        chat = pg.view.chats.get(chat_id) if pg.view else None
        persona = cast.BY_TG_ID[user["id"]]
        if chat is None or (chat_id != user["id"] if chat["type"] == "private" else persona.key not in chat["members"]):
            raise web.HTTPBadRequest(text="not your chat")
        return chat_id

    def refuse(code: str, **params: Any) -> web.Response:
        return web.json_response({"ok": False, "error": code, **params}, status=400)

    @routes.get("/")
    async def index(_request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @routes.get("/static/{name}")
    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "no-store"})

    @routes.get("/font/cjk.otf")
    async def font(_request: web.Request) -> web.StreamResponse:
        import mplfonts

        path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400"})

    @routes.get("/healthz")
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": pg.app is not None})

    @routes.get("/api/events")
    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        assert pg.view is not None
        queue = pg.view.subscribe()
        view = pg.view
        try:
            await response.write(view_line("state", pg.view.snapshot()))
            while True:
                try:
                    line = await asyncio.wait_for(queue.get(), 15)
                except TimeoutError:
                    line = ": keep-alive\n\n"
                if view is not pg.view and pg.view is not None:  # reset: follow the new view
                    view.unsubscribe(queue)
                    view = pg.view
                await response.write(line.encode())
        except ConnectionResetError:  # the page went away
            pass
        finally:
            view.unsubscribe(queue)
            if pg.view is not None:
                pg.view.unsubscribe(queue)
        return response

    @routes.get("/api/commands")
    async def commands(request: web.Request) -> web.Response:
        user = persona_user(request.query.get("persona"))
        chat_id = chat_of(request.query.get("chat"), user)
        assert pg.view is not None
        return web.json_response({"commands": pg.view.commands(chat_id, user["id"])})

    @routes.post("/api/send")
    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        user = persona_user(body.get("persona"))
        chat_id = chat_of(body.get("chat"), user)
        text = str(body.get("text") or "")
        if not text.strip():
            return refuse("empty")
        if len(text) > TEXT_MAX:
            return refuse("too_long", limit=TEXT_MAX, length=len(text))
        assert pg.fake is not None
        extra: dict[str, Any] = {}
        reply_to = body.get("reply_to")
        if reply_to:
            target = pg.fake.messages.get((chat_id, int(reply_to)))
            if target is not None:
                extra["reply_to"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        update_id = pg.fake.message(chat_id, user, text, chat_type="private" if chat_id > 0 else None, **extra)
        return web.json_response({"ok": True, "update_id": update_id})

    @routes.post("/api/upload")
    async def upload(request: web.Request) -> web.Response:
        reader = await request.multipart()
        fields: dict[str, str] = {}
        data, filename, mime = b"", "file", "application/octet-stream"
        while (part := await reader.next()) is not None:
            if part.name == "file":
                filename = part.filename or "file"
                mime = part.headers.get("Content-Type") or mimetypes.guess_type(filename)[0] or mime
                chunks = []
                size = 0
                while chunk := await part.read_chunk(256 * 1024):
                    size += len(chunk)
                    if size > FILE_MAX:
                        return refuse("too_big", limit=FILE_MAX)
                    chunks.append(chunk)
                data = b"".join(chunks)
            elif part.name:
                fields[part.name] = await part.text()
        user = persona_user(fields.get("persona"))
        chat_id = chat_of(fields.get("chat"), user)
        caption = fields.get("caption") or ""
        if len(caption) > CAPTION_MAX:
            return refuse("caption_too_long", limit=CAPTION_MAX)
        if not data:
            return refuse("empty_file")
        assert pg.fake is not None
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        reply_to = fields.get("reply_to")
        if reply_to:
            target = pg.fake.messages.get((chat_id, int(reply_to)))
            if target is not None:
                extra["reply_to"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if mime.startswith("image/") and mime != "image/svg+xml":
            extra["photo"] = pg.fake.add_photo(data)
        else:
            extra["document"] = pg.fake.add_document(data, filename, mime)
        update_id = pg.fake.message(chat_id, user, None, chat_type="private" if chat_id > 0 else None, **extra)
        return web.json_response({"ok": True, "update_id": update_id})

    @routes.post("/api/press")
    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user = persona_user(body.get("persona"))
        chat_id = chat_of(body.get("chat"), user)
        assert pg.fake is not None
        message = pg.fake.messages.get((chat_id, int(body.get("message") or 0)))
        if message is None:
            return refuse("gone")
        update_id = pg.fake.callback(chat_id, user, str(body.get("data") or ""), message=message)
        return web.json_response({"ok": True, "update_id": update_id})

    @routes.post("/api/vote")
    async def vote(request: web.Request) -> web.Response:
        body = await request.json()
        user = persona_user(body.get("persona"))
        chat_id = chat_of(body.get("chat"), user)
        assert pg.fake is not None and pg.view is not None
        message = pg.fake.messages.get((chat_id, int(body.get("message") or 0)))
        if message is None or "poll" not in message:
            return refuse("gone")
        poll = message["poll"]
        if poll.get("is_closed"):
            return refuse("poll_closed")
        if user["id"] in pg.view.votes.get(poll["id"], set()):
            return refuse("voted")
        update_id = pg.fake.poll_answer(poll["id"], user, [int(body.get("option") or 0)])
        return web.json_response({"ok": True, "update_id": update_id})

    @routes.post("/api/clock")
    async def clock(request: web.Request) -> web.Response:
        body = await request.json()
        async with pg._lock:
            await pg.move_clock(str(body.get("action")))
        assert pg.view is not None
        return web.json_response({"ok": True, "clock": pg.view.clock_state()})

    @routes.post("/api/reset")
    async def reset(_request: web.Request) -> web.Response:
        if pg.sqlite_path is None:
            return refuse("reset_needs_sqlite")
        await pg.reset()
        return web.json_response({"ok": True})

    @routes.get("/api/file/{path:.+}")
    async def file(request: web.Request) -> web.Response:
        assert pg.fake is not None
        path = request.match_info["path"]
        data = pg.fake.files.get(path)
        if data is None:
            raise web.HTTPNotFound()
        name = request.query.get("name") or path.rsplit("/", 1)[-1]
        obj = pg.fake.file_object(path)
        if obj is not None and obj.get("file_name"):
            name = obj["file_name"]
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        disposition = "inline" if mime.startswith("image/") else "attachment"
        from urllib.parse import quote

        return web.Response(body=data, content_type=mime, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})

    app.add_routes(routes)
    return app


def view_line(kind: str, data: Any) -> bytes:
    import json

    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()
