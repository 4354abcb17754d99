"""The sender: drains due outbox rows within Telegram's limits, surviving errors, crashes and peers.

Guarantee: at-least-once. A row is claimed (state `sending`, committed) for a short while
(`claim_seconds`), its claim is extended to the full lease (`lease_seconds`) just before its request
goes out, and it is marked `sent` (committed) right after; a crash between the two re-sends it once
its lease expires or its sender is known to be gone (the instance lease ran out; on SQLite, at the
next start). Rows claimed but not started are handed back at once on a clean stop, and within
`claim_seconds` after a crash. So a crash can repeat at most the rows in flight at that moment
(≤ `concurrency`, default 4); errors from Telegram never lose or repeat a row. Rows are claimed in
due order, and with FOR UPDATE SKIP LOCKED several processes split the queue without overlap.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, Message, Poll
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.clock import Clock
from bot.i18n import pick_lang, t
from bot.ratelimit import SendLimiter, Ticket
from bot.settings import DeliverySettings
from models.leases import INSTANCE_PREFIX, acquire, dead_instances, forget_instances, live_instances, release
from models.outbox import (
    Outbox, OutboxIn, OutboxState, claim_due, enqueue, release_claims, release_orphans, start_sending,
)
from models.units import Membership, Person, Role, Unit, set_private_ok

log = logging.getLogger("wuxue.delivery")

HARMLESS = ("message is not modified",)
HEARTBEAT = timedelta(seconds=10)
INSTANCE_TTL = timedelta(seconds=30)
MAX_BATCH = 200

# Called in the transaction that marks a row of its kind sent, with the message Telegram returned (a
# contest learns its poll's id this way). A failing hook is logged; the row still counts as sent.
AfterSent = Callable[[AsyncSession, Outbox, Message, datetime], Awaitable[None]]


def new_instance_id() -> str:
    return secrets.token_hex(6)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff (base, 2·base, 4·base…, at most cap), jittered to 50–100 % of the step."""
    step = min(cap, base * 2 ** (attempt - 1))
    return step * random.uniform(0.5, 1.0)


class Sender:
    def __init__(
        self, bot: Bot, sessions: async_sessionmaker[AsyncSession], settings: DeliverySettings, clock: Clock,
        *, default_locale: str = "zh", instance_id: str | None = None, request_timeout: float = 10.0,
        sole: bool = False,
    ) -> None:
        self.bot, self.sessions, self.settings, self.clock = bot, sessions, settings, clock
        self.default_locale = default_locale
        self.instance_id = instance_id or new_instance_id()
        self.limiter = SendLimiter(settings.per_second, settings.per_group_minute)
        self.concurrency = settings.concurrency
        self.claim_seconds = min(settings.claim_seconds, settings.lease_seconds / 2)
        self.request_timeout = request_timeout
        self.idle_poll = settings.poll_seconds
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._paused_until = 0.0  # loop time; set by RetryAfter, which is flood control for the whole bot
        self._next_heartbeat = 0.0
        self.sent_count = 0
        self.after_sent: dict[str, AfterSent] = {}
        self.sole = sole  # no other sender can run on this database (SQLite's lock file says so)
        self._started: set[int] = set()  # rows whose request went out (full lease): never handed back

    # -- life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="wuxue-sender")

    async def recover(self) -> int:
        """At start, alone on the database: whatever a crashed predecessor held is due again now."""
        if not self.sole:
            return 0
        async with self.sessions.begin() as session:
            n = await release_orphans(session, holders=None)
            await forget_instances(session, but=self.instance_id)  # else counted as a live peer for 30 s
        if n:
            log.warning("recovered %s outbox rows held by a sender that stopped without releasing them", n)
        return n

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()
        async with self.sessions.begin() as session:
            # Claimed but not started: due again at once for our restart or a peer.
            await release_claims(session, holder=self.instance_id, keep=self._started)
            await release(session, name=INSTANCE_PREFIX + self.instance_id, holder=self.instance_id)

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self._heartbeat()
                busy = await self.drain_once()
            except Exception:  # noqa: BLE001 - the sender must outlive any one failure
                log.exception("sender loop error; retrying shortly")
                busy = False
            if not busy:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_poll)
                except TimeoutError:
                    pass

    async def _heartbeat(self) -> None:
        """Renew this instance's lease and take a fair share of the limits."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_heartbeat:
            return
        self._next_heartbeat = loop.time() + HEARTBEAT.total_seconds()
        now = datetime.now(UTC)
        async with self.sessions.begin() as session:
            await acquire(session, name=INSTANCE_PREFIX + self.instance_id, holder=self.instance_id, now=now,
                          ttl=INSTANCE_TTL)
            peers = await live_instances(session, now=now)
            dead = await dead_instances(session, now=now)
            if dead and await release_orphans(session, holders=dead):
                log.warning("recovered outbox rows of stopped senders %s", ", ".join(dead))
            for holder in dead:
                await release(session, name=INSTANCE_PREFIX + holder, holder=holder)
        self.limiter.set_share(1.0 / max(1, peers))

    # -- one pass ---------------------------------------------------------------------------------
    async def drain_once(self) -> bool:
        """Claim a batch of due rows and send them. Returns whether there was anything to do."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._paused_until:
            await asyncio.sleep(self._paused_until - loop.time())
        now = self.clock.now()
        async with self.sessions.begin() as session:
            rows = await claim_due(
                # About a second of work (each start is a write, so not more than can start within the
                # short claim): the rest stays claimable by peers (and by our next pass).
                session, now=now, limit=max(min(self.limiter.overall.limit, MAX_BATCH), 1),
                lease=timedelta(seconds=self.claim_seconds), holder=self.instance_id,
            )
        if not rows:
            return False
        # Start nothing once the short claim may have run out (a peer could hold the row by then; the
        # extension to the full lease would fail anyway). Rows not started by then go back to the queue.
        claim = self.claim_seconds
        start_by = loop.time() + max(claim / 2, claim - 1)
        in_flight: set[asyncio.Task] = set()
        deferred: list[tuple[int, float]] = []
        for row in rows:
            if self._stop.is_set() or loop.time() > start_by:
                deferred.append((row.id, 0.0))
                continue
            group_wait = self.limiter.group_wait(row.chat_id)
            if group_wait > 0:
                deferred.append((row.id, group_wait))  # later rows for other chats go first
                continue
            while True:  # a free slot, then room in the window and no flood-control pause
                while len(in_flight) >= self.concurrency:
                    _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                wait = max(self.limiter.overall_wait(), self._paused_until - loop.time())
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if loop.time() > start_by:
                deferred.append((row.id, 0.0))
                continue
            ticket = self.limiter.start(row.chat_id)
            in_flight.add(asyncio.create_task(self._deliver(row, ticket)))
        if in_flight:
            await asyncio.wait(in_flight)
        if deferred:
            await self._defer(deferred)
        return True

    async def _defer(self, deferred: list[tuple[int, float]]) -> None:
        """Hand rows back to the queue, due when their group's window has room again."""
        now = self.clock.now()
        by_wait: dict[float, list[int]] = {}
        for row_id, wait in deferred:
            by_wait.setdefault(wait, []).append(row_id)
        async with self.sessions.begin() as session:
            for wait, ids in by_wait.items():  # one statement per distinct wait (mostly 0)
                await release_claims(session, holder=self.instance_id, only=ids,
                                     due_at=now + timedelta(seconds=wait) if wait > 0 else None)

    async def _send(self, row: Outbox) -> Message | bool:
        markup = InlineKeyboardMarkup.de_json(row.markup, self.bot) if row.markup else None
        media = row.media or {}
        if "poll" in media:
            poll = media["poll"]
            return await self.bot.send_poll(
                row.chat_id, row.text, poll["options"], type=Poll.QUIZ, is_anonymous=False,
                correct_option_ids=[poll["correct"]], explanation=poll.get("explanation") or None,
                open_period=poll["open_period"], question_parse_mode=None, explanation_parse_mode=None,
                reply_markup=markup,
            )
        if "photo" in media:
            return await self.bot.send_photo(row.chat_id, media["photo"], caption=row.text or None, reply_markup=markup)
        if row.file_data is not None:
            return await self.bot.send_document(row.chat_id, row.file_data, filename=row.file_name,
                                                caption=row.text, reply_markup=markup)
        if row.message_id is not None:  # an edit (a live roll): counted against the chat's limit like a send
            return await self.bot.edit_message_text(row.text, chat_id=row.chat_id, message_id=row.message_id,
                                                    reply_markup=markup)
        return await self.bot.send_message(row.chat_id, row.text, reply_markup=markup)

    async def _begin(self, row: Outbox) -> bool:
        """Take the full lease for a row about to go out (the short claim would not outlast a request)."""
        until = self.clock.now() + timedelta(seconds=self.settings.lease_seconds)
        async with self.sessions.begin() as session:
            ok = await start_sending(session, row_id=row.id, holder=self.instance_id, until=until)
        if ok:
            self._started.add(row.id)
        return ok

    async def _deliver(self, row: Outbox, ticket: Ticket) -> None:
        try:
            if not await self._begin(row):
                ticket.finish()
                return  # our claim ran out and another sender has the row
        except Exception:  # noqa: BLE001 - the database is busy or away: the row stays claimed briefly
            ticket.finish()
            log.exception("could not start outbox row %s", row.id)
            return
        try:
            await self._deliver_started(row, ticket)
        finally:
            self._started.discard(row.id)

    async def _deliver_started(self, row: Outbox, ticket: Ticket) -> None:
        try:
            try:
                msg = await self._send(row)
            finally:
                ticket.finish()
        except RetryAfter as exc:
            retry = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
            self._paused_until = max(self._paused_until, asyncio.get_running_loop().time() + retry)
            log.warning("flood control: pausing sends for %.1f s", retry)
            await self._retry(row, retry, f"RetryAfter {retry}", count=False)
        except Forbidden as exc:
            await self._unreachable(row, str(exc))
        except ChatMigrated as exc:
            await self._migrated(row, exc.new_chat_id)
        except BadRequest as exc:
            if any(h in str(exc).lower() for h in HARMLESS):
                await self._done(row, None)
            else:
                await self._fail(row, OutboxState.failed, f"BadRequest: {exc}")
        except (TimedOut, NetworkError, TelegramError) as exc:
            await self._retry(row, self._backoff(row), f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the batch; keep the row
            log.exception("unexpected error sending outbox row %s", row.id)
            await self._retry(row, self._backoff(row), f"{type(exc).__name__}: {exc}")
        else:
            await self._done(row, msg if isinstance(msg, Message) else None)

    def _backoff(self, row: Outbox) -> float:
        return backoff(row.attempts + 1, self.settings.retry_base_seconds, self.settings.retry_cap_seconds)

    # -- outcomes, each in its own short transaction ------------------------------------------------
    async def _mine(self, session: AsyncSession, row: Outbox) -> Outbox | None:
        current = await session.get(Outbox, row.id, with_for_update=session.bind.dialect.name == "postgresql")
        if current is None or current.state != OutboxState.sending or current.leased_by != self.instance_id:
            return None  # our lease expired and someone else has it now
        return current

    async def _done(self, row: Outbox, msg: Message | None) -> None:
        async with self.sessions.begin() as session:
            current = await self._mine(session, row)
            if current is None:
                return
            now = self.clock.now()
            current.state, current.sent_at = OutboxState.sent, now
            if msg is not None:  # an edit Telegram found unchanged keeps the message it was for
                current.message_id = msg.message_id
            current.attempts += 1
            current.lease_until = None
            hook = self.after_sent.get(current.kind)
            if hook is not None and msg is not None:
                try:
                    async with session.begin_nested():
                        await hook(session, current, msg, now)
                except Exception:  # noqa: BLE001 - the message is out; its follow-up must not resend it
                    log.exception("after-sent hook for outbox row %s (%s) failed", current.id, current.kind)
        self.sent_count += 1

    async def _retry(self, row: Outbox, delay: float, error: str, *, count: bool = True) -> None:
        async with self.sessions.begin() as session:
            current = await self._mine(session, row)
            if current is None:
                return
            current.last_error = error[:500]
            if count:
                current.attempts += 1
                if current.attempts >= self.settings.max_attempts:
                    await self._mark_dead(session, current)
                    return
            current.state, current.lease_until, current.leased_by = OutboxState.pending, None, None
            current.due_at = self.clock.now() + timedelta(seconds=delay)
            log.warning("outbox row %s (%s) not sent, retrying in %.1f s: %s", current.id, current.kind, delay, error)

    async def _fail(self, row: Outbox, state: OutboxState, error: str) -> None:
        async with self.sessions.begin() as session:
            current = await self._mine(session, row)
            if current is None:
                return
            current.state, current.last_error, current.lease_until = state, error[:500], None
            current.attempts += 1

    async def _unreachable(self, row: Outbox, error: str) -> None:
        """The person blocked the bot (or left the group): mark them, and mention them in their group."""
        now = self.clock.now()
        async with self.sessions.begin() as session:
            current = await self._mine(session, row)
            if current is None:
                return
            current.state, current.last_error, current.lease_until = OutboxState.failed, f"Forbidden: {error}"[:500], None
            current.attempts += 1
            if current.person_id is None:
                return
            person = await session.get(Person, current.person_id)
            if person is not None:
                await set_private_ok(session, person=person, ok=False, now=now)
            unit = await session.get(Unit, current.unit_id) if current.unit_id else None
            if self.settings.fallback_to_group and unit is not None and current.fallback_text:
                await enqueue(session, items=[OutboxIn(
                    dedupe_key=f"{current.dedupe_key}:fb", chat_id=unit.chat_id, text=current.fallback_text,
                    kind=f"{current.kind}:fb"[:32], due_at=now, unit_id=unit.id,
                )], now=now)
                self.wake()

    async def _migrated(self, row: Outbox, new_chat_id: int) -> None:
        """The group became a supergroup: follow it, and retry at once."""
        async with self.sessions.begin() as session:
            current = await self._mine(session, row)
            if current is None:
                return
            unit = await session.scalar(select(Unit).where(Unit.chat_id == current.chat_id))
            if unit is not None:
                unit.chat_id = new_chat_id
            current.chat_id = new_chat_id
            current.state, current.lease_until, current.leased_by = OutboxState.pending, None, None

    async def _mark_dead(self, session: AsyncSession, row: Outbox) -> None:
        """Give up on a row, and tell its unit's admins who can be reached privately."""
        now = self.clock.now()
        row.state, row.lease_until = OutboxState.dead, None
        log.error("outbox row %s (%s) is dead after %s attempts: %s", row.id, row.kind, row.attempts, row.last_error)
        if row.unit_id is None or row.kind.startswith("dead"):
            return
        unit = await session.get(Unit, row.unit_id)
        admins = (await session.scalars(
            select(Person).join(Membership, Membership.person_id == Person.id).where(
                Membership.unit_id == row.unit_id, Membership.role == Role.admin, Membership.active,
                Person.private_ok,
            )
        )).all()
        items = [
            OutboxIn(
                dedupe_key=f"dead:{row.id}:{admin.id}", chat_id=admin.tg_user_id, person_id=admin.id,
                unit_id=row.unit_id, kind="dead_notice", due_at=now,
                text=t(pick_lang(admin.language_code, unit.locale if unit else None, self.default_locale),
                       "delivery.dead_notice", id=row.id, unit=unit.name if unit else "", kind=row.kind,
                       error=(row.last_error or "")[:200]),
            )
            for admin in admins
        ]
        await enqueue(session, items=items, now=now)
