"""The check-in fast path's state: which sessions are open in which group, and the group commit.

In the busy minutes of a session, hundreds of members press 签到 within seconds. The careful path
(`@handler`) spends a transaction per press: the caller and unit lookup, the check-in, the commit.
Here the group's open sessions are read once and kept briefly (`OpenSessionViews`), and the
check-ins of all presses waiting at that moment are written in one transaction (`GroupCommit`).
Every press still waits for its own commit before it is answered, so nobody is told "checked in"
about a check-in the database does not hold; anything the fast path is unsure of goes the careful way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from models.joint import SessionPartner
from models.sessions import CheckinResult, QuickCheckin, StudySession, open_or_opening, quick_checkins
from models.units import unit_by_chat

# What a cached view of a group may miss for this long (another instance's new session, say): the
# fast path then sends the press the careful way, which reads the database. Changes made by this
# instance clear the views at their commit.
VIEW_SECONDS = 5.0
# Sessions whose window opens within this are kept too, so a view stays good across the opening.
LOOKAHEAD = timedelta(seconds=30)
# Fields whose change makes a group's open sessions different (a roll's counters are not among them).
_WATCHED = ("state", "opens_at", "closes_at", "late_after", "starts_at", "topic", "unit_id")


@dataclass(frozen=True, slots=True)
class OpenSession:
    id: int
    topic: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class GroupView:
    """A group's unit (None: not bound) and its scheduled sessions open or about to open."""
    unit_id: int | None
    timezone: str
    locale: str | None
    sessions: tuple[OpenSession, ...]
    loaded_for: datetime  # the clock's time it was read for: it knows what opens within LOOKAHEAD of that

    def good_for(self, now: datetime) -> bool:
        return self.loaded_for <= now <= self.loaded_for + LOOKAHEAD

    def open_at(self, now: datetime) -> list[OpenSession]:
        return [s for s in self.sessions if s.opens_at <= now <= s.closes_at]


class OpenSessionViews:
    """chat id → GroupView, each kept VIEW_SECONDS and dropped whenever this instance commits a change
    to a session or a joint partner (an epoch bumped by a flush listener on the session class)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.epoch = 0
        self._views: dict[int, tuple[GroupView, float, int]] = {}
        self._loading: dict[int, asyncio.Future[GroupView]] = {}
        session_class = sessions.kw.get("sync_session_class") or Session
        event.listen(session_class, "after_flush", self._after_flush)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)
        self._session_class = session_class

    def close(self) -> None:
        event.remove(self._session_class, "after_flush", self._after_flush)
        event.remove(self._session_class, "after_commit", self._after_commit)
        event.remove(self._session_class, "after_rollback", self._after_rollback)

    def _after_flush(self, session: Session, _context: object) -> None:
        for obj in (*session.new, *session.deleted):
            if isinstance(obj, (StudySession, SessionPartner)):
                session.info["open_sessions_changed"] = True
                return
        for obj in session.dirty:
            if isinstance(obj, StudySession):
                attrs = inspect(obj).attrs
                if any(attrs[name].history.has_changes() for name in _WATCHED):
                    session.info["open_sessions_changed"] = True
                    return

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("open_sessions_changed", False):
            self.epoch += 1

    def _after_rollback(self, session: Session) -> None:
        session.info.pop("open_sessions_changed", None)

    async def view(self, chat_id: int, now: datetime) -> GroupView:
        held = self._views.get(chat_id)
        if held is not None and held[1] > time.monotonic() and held[2] == self.epoch and held[0].good_for(now):
            return held[0]
        loading = self._loading.get(chat_id)
        if loading is not None:  # a burst's first press reads; the rest wait for that read
            found = await asyncio.shield(loading)
            if found.good_for(now):
                return found
        future: asyncio.Future[GroupView] = asyncio.get_running_loop().create_future()
        self._loading[chat_id] = future
        epoch = self.epoch  # read before the load: a commit during it makes the view stale at once
        try:
            found = await self._load(chat_id, now)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters, if any, get it too
            raise
        finally:
            if self._loading.get(chat_id) is future:
                del self._loading[chat_id]
        self._views[chat_id] = (found, time.monotonic() + VIEW_SECONDS, epoch)
        future.set_result(found)
        return found

    async def _load(self, chat_id: int, now: datetime) -> GroupView:
        async with self.sessions() as session:
            unit = await unit_by_chat(session, chat_id)
            if unit is None:
                return GroupView(None, "UTC", None, (), now)
            found = await open_or_opening(session, unit_id=unit.id, now=now, within=LOOKAHEAD)
            return GroupView(unit.id, unit.timezone, unit.locale, tuple(
                OpenSession(s.id, s.topic, s.opens_at, s.closes_at) for s in found), now)


Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Items submitted while a batch is being written wait and go together in the next one: one
    transaction (and one commit) for many. `write` gets the items, in order, and returns one result
    each; when it raises, every item of that batch gets the exception."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 write: Callable[[AsyncSession, list[Item]], Awaitable[list[Result]]], *, most: int = 500) -> None:
        self.sessions, self.write, self.most = sessions, write, most
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = self.failed = 0  # transactions committed and failed, for the tests and the bench

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="group-commit")
        return await asyncio.shield(future)  # a cancelled caller does not cancel the others' batch

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # the updates already running get their items in first
        while self._waiting:
            batch, self._waiting = self._waiting[:self.most], self._waiting[self.most:]
            try:
                async with self.sessions.begin() as session:
                    results = await self.write(session, [item for item, _ in batch])
            except BaseException as exc:  # handed to each waiter, which decides; none is left hanging
                self.failed += 1
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("batch cancelled"))
                        future.exception()  # retrieved, even if its waiter is gone
                if not isinstance(exc, Exception):  # cancelled (shutdown): the rest are not written either
                    rest, self._waiting = self._waiting, []
                    for _, future in rest:
                        if not future.done():
                            future.set_exception(RuntimeError("batch cancelled"))
                            future.exception()
                    raise
                continue
            self.batches += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        """Let the batch being written finish (at shutdown, before the engine goes)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


class CheckinDesk:
    """What the fast path shares between updates (BotState.desk): the views and the group commit."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.views = OpenSessionViews(sessions)
        self.commit: GroupCommit[QuickCheckin, CheckinResult | None] = GroupCommit(sessions, _write_checkins)

    async def close(self) -> None:
        await self.commit.close()
        self.views.close()


async def _write_checkins(session: AsyncSession, items: list[QuickCheckin]) -> list[CheckinResult | None]:
    return await quick_checkins(session, items=items)
