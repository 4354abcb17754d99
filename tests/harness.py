"""Runs the real wuxue Application against the fake Bot API and lets tests talk to it as users."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot import lifecycle
from bot.app import build_application
from bot.txguard import Guard
from bot.clock import FakeClock
from bot.settings import Settings
from handlers import ALLOWED_UPDATES
from models.base import Base
from fakebot import WAIT_SECONDS, FakeBotAPI

GROUP_ID = -1001000000001
ADMIN_ID = 1001
MEMBER_ID = 2001

log = logging.getLogger(__name__)


def buttons(message: dict) -> list[tuple[str, str]]:
    """(label, callback_data or url) of every inline button under a message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url")) for row in rows for b in row]


def find_button(message: dict, label_part: str) -> str:
    for text, data in buttons(message):
        if label_part in text:
            return data
    raise AssertionError(f"no button with {label_part!r} in {buttons(message)}")


class BotHarness:
    def __init__(self, fake: FakeBotAPI, settings: Settings, clock: FakeClock) -> None:
        self.fake, self.settings, self.clock = fake, settings, clock
        self.app: Application | None = None
        self._done: set[int] = set()
        self._changed = asyncio.Event()
        self._pump: asyncio.Task | None = None
        self._put_off: dict[tuple[int, Any], float] = {}  # (outbox row, due) -> when first seen put off
        self.admin = fake.user(ADMIN_ID, "李书记", language_code="zh")
        self.member = fake.user(MEMBER_ID, "王同志", language_code="zh")

    async def start(self) -> None:
        Guard.strict, Guard.breaches = True, []  # a Bot API call inside a transaction fails the test
        self.app = build_application(self.settings, clock=self.clock)
        self.app.add_handler(TypeHandler(Update, self._mark_done), group=1000)
        await lifecycle.start(self.app, polling=True, poll_timeout=1, allowed_updates=ALLOWED_UPDATES)
        if isinstance(self.clock, FakeClock):
            self._pump = asyncio.create_task(self._release_retries_now_and_then(), name="test-retry-pump")
            await self._first_planner_pass()

    async def _first_planner_pass(self) -> None:
        """A planner with no mark yet plans from the clock's now on, so a test that moves the clock
        before the first tick has planned would skip what fell due in between. Wait for that tick
        (bounded, and only a warning: a test may stop the planner on purpose)."""
        try:
            await self.planned(timeout=10.0)
        except TimeoutError:
            log.warning("test harness: the first planner pass did not finish within 10 s")

    async def _release_retries_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            try:
                await self.release_retries()
            except Exception:  # noqa: BLE001 - e.g. a test that broke the database on purpose
                log.debug("test clock: could not look for put-off rows", exc_info=True)

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
            self._pump = None
        if self.app is None:
            return
        await lifecycle.stop(self.app)
        self.app = None
        breaches, Guard.breaches = Guard.breaches, []
        assert not breaches, f"Bot API calls made while a database transaction was open: {breaches}"

    async def _mark_done(self, update: Update, _ctx: Any) -> None:
        self._done.add(update.update_id)
        self._changed.set()

    async def settle(self, update_id: int, timeout: float = WAIT_SECONDS) -> None:
        """Wait until every handler group has run for this update."""
        async with asyncio.timeout(timeout):
            while update_id not in self._done:
                self._changed.clear()
                await self._changed.wait()

    async def settle_planner(self) -> None:
        """Run one planner pass now, as the tick would (the leader lease is this instance's)."""
        from jobs.planner import is_leader, run_planners

        state = self.app.bot_data
        assert await is_leader(state)
        await run_planners(state)

    async def planned(self, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the background planner tick has planned every planner up to the clock's now
        (unlike settle_planner, this never races the tick for the planner marks)."""
        from models.leases import PlannerMark

        names = [name for name, _ in self.app.bot_data.planners.planners]
        now = self.clock.now()
        async with asyncio.timeout(timeout):
            while True:
                async with self.db() as s:
                    marks = dict((await s.execute(select(PlannerMark.name, PlannerMark.planned_until))).all())
                if all(marks.get(n) is not None and marks[n] >= now for n in names):
                    return
                await asyncio.sleep(0.05)

    async def outbox_summary(self) -> str:
        """The outbox, planner marks and leases, one line each: what a timed-out wait prints."""
        try:
            return await self._outbox_summary()
        except Exception as exc:  # noqa: BLE001 - a diagnostic must not hide the real failure
            return f"(no outbox summary: {type(exc).__name__}: {exc})"

    async def _outbox_summary(self) -> str:
        from models.leases import Lease, PlannerMark
        from models.outbox import Outbox

        async with self.db() as s:
            rows = (await s.execute(select(Outbox.id, Outbox.kind, Outbox.state, Outbox.due_at, Outbox.attempts,
                                           Outbox.last_error).order_by(Outbox.id))).all()
            marks = (await s.execute(select(PlannerMark.name, PlannerMark.planned_until))).all()
            leases = (await s.execute(select(Lease.name, Lease.holder, Lease.expires_at))).all()
        lines = [f"clock {self.clock.now().isoformat()}", "outbox:"]
        lines += [f"  #{r.id} {r.kind} {r.state} due {r.due_at.isoformat()} attempts {r.attempts} {r.last_error or ''}"
                  for r in rows]
        lines += ["marks: " + ", ".join(f"{n}={u.isoformat()}" for n, u in marks)]
        lines += ["leases: " + ", ".join(f"{n}:{h}@{e.isoformat()}" for n, h, e in leases)]
        return "\n".join(lines)

    async def release_retries(self) -> int:
        """The test clock stands still, so a send the sender put off ("retry in 2 s" after a timeout,
        say) would wait forever. Once its delay has passed in real time, make it due now, as time
        would have. Returns how many were released (each is logged: a retry in a test is news)."""
        from models.outbox import Outbox, OutboxState

        loop_now = asyncio.get_running_loop().time()
        now = self.clock.now()
        async with self.db() as s:
            later = (await s.execute(select(Outbox.id, Outbox.due_at, Outbox.last_error).where(
                Outbox.state == OutboxState.pending, Outbox.last_error.is_not(None), Outbox.due_at > now))).all()
            ready = []
            for row_id, due_at, error in later:
                seen = self._put_off.setdefault((row_id, due_at), loop_now)
                if loop_now - seen >= (due_at - now).total_seconds():
                    ready.append(row_id)
                    log.warning("test clock: releasing outbox row %s put off to %s (%s)", row_id, due_at, error)
            if ready:
                await s.execute(update(Outbox).where(Outbox.id.in_(ready), Outbox.state == OutboxState.pending)
                                .values(due_at=now))
                await s.commit()
                self.app.bot_data.sender.wake()
        return len(ready)

    async def until(self, check: Any, timeout: float = WAIT_SECONDS, what: str = "a condition") -> Any:
        """Poll `check` (a function, sync or async) until it returns something truthy; return that."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = check()
            if asyncio.iscoroutine(found):
                found = await found
            if found:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.fake.describe()}\n"
                                     f"{await self.outbox_summary()}")
            await asyncio.sleep(0.02)

    # -- acting as users -------------------------------------------------------------------------
    async def say(self, text: str, *, user: dict | None = None, chat_id: int | None = None, **kw: Any) -> int:
        user = user or self.member
        uid = self.fake.message(chat_id if chat_id is not None else user["id"], user, text, **kw)
        await self.settle(uid)
        return uid

    async def press(self, data: str, *, user: dict | None = None, chat_id: int = GROUP_ID,
                    message_id: int | None = None, message: dict | None = None) -> int:
        uid = self.fake.callback(chat_id, user or self.member, data, message=message, message_id=message_id)
        await self.settle(uid)
        return uid

    async def inject(self, update_id: int) -> None:
        await self.settle(update_id)

    def group(self, chat_id: int = GROUP_ID, title: str = "第一党支部群", *, bot_admin: bool = False) -> int:
        self.fake.add_chat(chat_id, title=title)
        self.fake.set_member(chat_id, self.admin, "creator")
        self.fake.set_member(chat_id, self.member, "member")
        self.fake.set_member(chat_id, self.fake.user(self.fake.bot_id, "wuxue"), "administrator" if bot_admin else "member")
        return chat_id

    # -- looking at the database ------------------------------------------------------------------
    def db(self) -> AsyncSession:
        return self.app.bot_data.sessions()

    async def count(self, model: type[Base], *where: Any) -> int:
        async with self.db() as s:
            return await s.scalar(select(func.count()).select_from(model).where(*where))

    async def background_busy(self) -> bool:
        """Whether the sender or the roll job still has work that is due: an outbox row due and not
        yet delivered, or a live roll behind its session (the host's or a partner group's)."""
        from jobs.sessions import ROLL_AGE
        from models.joint import SessionPartner
        from models.outbox import Outbox, OutboxState
        from models.sessions import StudySession

        now = self.clock.now()
        recent = StudySession.starts_at >= now - ROLL_AGE
        async with self.db() as s:
            found = [
                await s.scalar(select(Outbox.id).where(or_(
                    and_(Outbox.state == OutboxState.pending, Outbox.due_at <= now),
                    Outbox.state == OutboxState.sending)).limit(1)),
                await s.scalar(select(StudySession.id).where(
                    StudySession.roll_version > StudySession.roll_shown, recent).limit(1)),
                await s.scalar(select(SessionPartner.id)
                               .join(StudySession, StudySession.id == SessionPartner.session_id)
                               .where(StudySession.roll_version > SessionPartner.roll_shown, recent).limit(1)),
            ]
        return any(x is not None for x in found)

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait (bounded) until the background is idle: what is due was delivered and every live roll
        was rendered. The sender and the roll job change rows whatever users do, so a snapshot taken
        while they work would differ for no fault of the command under test."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.background_busy():
            if loop.time() > deadline:
                log.warning("test harness: the background did not settle within %s s\n%s", timeout,
                            await self.outbox_summary())
                return
            await asyncio.sleep(0.05)

    async def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every domain table, to prove that a refused command wrote nothing; taken once
        the background has settled (see `settled`).

        Leases and planner marks change in the background, whatever users do."""
        await self.settled()
        out = {}
        async with self.db() as s:
            for table in Base.metadata.sorted_tables:
                if table.name in ("leases", "planner_marks"):
                    continue
                rows = (await s.execute(select(table))).all()
                out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
        return out

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.fake.sent_messages(chat_id)]

    def current(self, chat_id: int, message_id: int) -> dict:
        """A message as it is now, after edits."""
        return self.fake.messages[(chat_id, message_id)]

    def last_message(self, chat_id: int) -> dict:
        """The newest message sent to a chat, as it is now (after edits)."""
        sent = self.fake.sent_messages(chat_id)
        assert sent, f"nothing was sent to {chat_id}"
        return self.current(chat_id, sent[-1]["message_id"])

    def last_answer(self) -> str:
        """The text of the latest answer to a button press (the popup)."""
        return self.fake.calls("answerCallbackQuery")[-1].params.get("text") or ""

    def last_text(self, chat_id: int) -> str:
        texts = self.texts(chat_id)
        assert texts, f"nothing was sent to {chat_id}"
        return texts[-1]
