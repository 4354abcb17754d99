"""Webhook mode: a small tornado server that feeds Telegram's POSTs to the Application and answers
/healthz. Several processes can serve the same bot behind a load balancer (PostgreSQL only)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from datetime import UTC, datetime

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApp
from tornado.web import RequestHandler

from bot import lifecycle
from bot.context import BotState
from models.outbox import backlog

log = logging.getLogger("wuxue.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateReceiver(RequestHandler):
    def initialize(self, app: Application, secret: str | None) -> None:
        self.app, self.secret = app, secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given, self.secret):
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        await self.app.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, *args: object) -> None:  # tornado would log the URL; it has no token, but be terse
        log.warning("bad webhook request")


class Health(RequestHandler):
    def initialize(self, app: Application) -> None:
        self.app = app

    async def get(self) -> None:
        state: BotState = self.app.bot_data
        body: dict[str, object] = {"role": "leader" if state.is_leader else "follower"}
        try:
            async with state.sessions() as session:
                await session.execute(text("SELECT 1"))
                body["outbox_backlog"] = await backlog(session, now=state.clock.now())
            body["db"] = "ok"
            self.set_status(200)
        except Exception as exc:  # noqa: BLE001 - health reports, never raises
            body["db"] = f"error: {type(exc).__name__}"
            self.set_status(503)
        body["checked_at"] = datetime.now(UTC).isoformat()
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


def make_web_app(app: Application, *, path: str, secret: str | None) -> WebApp:
    return WebApp([
        (rf"/{path.strip('/')}", UpdateReceiver, {"app": app, "secret": secret}),
        (r"/healthz", Health, {"app": app}),
    ])


async def serve(app: Application, *, listen: str, port: int, path: str, public_url: str, secret: str | None,
                allowed_updates: list[str], stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set). The webhook stays registered for the other instances."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    await lifecycle.start(app, polling=False)
    server = HTTPServer(make_web_app(app, path=path, secret=secret))
    server.listen(port, address=listen)
    try:
        await app.bot.set_webhook(
            url=f"{public_url.rstrip('/')}/{path.strip('/')}", secret_token=secret, allowed_updates=allowed_updates,
        )
        log.info("webhook server listening on %s:%s", listen, port)
        await stop.wait()
    finally:
        server.stop()
        await lifecycle.stop(app)
