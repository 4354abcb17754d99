"""The fake Bot API (`fakebot/`) in a process of its own, driven over a Pipe.

The bot under test runs in the bench process and the fake in this child, so the two cores are split
between them and the fake's work does not count against the bot. Every time is the child's
`time.monotonic()` (the fake's clock; CLOCK_MONOTONIC is system-wide on Linux anyway).

Closed loop (`drive`): the child makes `window` updates available, and each time one is answered it
makes the next one available, until all are answered. An update counts as answered by the first
successful request that refers to it:
  * a message in a group: a send whose reply target is that message (wuxue and PTB quote in groups),
    or a setMessageReaction on it;
  * a message in a private chat: any send to that chat (one update per private chat in flight);
  * a button press: answerCallbackQuery with its id.
Latency = arrival of that request - the moment the update was made available; throughput = answered
updates / (last answer - the first getUpdates that handed out an update).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import time
from collections.abc import Iterator
from typing import Any

_SPAWN = mp.get_context("spawn")
#: Methods whose success can answer an update (see the module docstring).
_SENDS = ("sendMessage", "sendPhoto", "sendDocument", "copyMessage", "forwardMessage")
Key = tuple


class FakeProcess:
    """Parent-side handle; `await fake.call("name", ...)` runs `Driver.cmd_name` in the child."""

    def __init__(self) -> None:
        self._conn, child = _SPAWN.Pipe()
        self._proc = _SPAWN.Process(target=_serve, args=(child,), name="fake-bot-api", daemon=True)
        self._proc.start()
        child.close()
        try:
            if not self._conn.poll(30):
                raise EOFError
            self.url, self.token = self._conn.recv()
        except EOFError:
            self._proc.kill()
            raise RuntimeError(f"the fake Bot API process did not start (exit code {self._proc.exitcode})") from None

    def _call_sync(self, name: str, *args: Any) -> Any:
        self._conn.send((name, *args))
        status, value = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"fake Bot API process: {value}")
        return value

    async def call(self, name: str, *args: Any) -> Any:
        # A thread waits on the pipe so the bot's event loop keeps running meanwhile.
        return await asyncio.to_thread(self._call_sync, name, *args)

    async def drive(self, updates: list[dict], *, window: int, timeout: float) -> dict:
        return await self.call("drive", updates, window, timeout)

    def close(self) -> None:
        if self._proc.is_alive():
            try:
                self._call_sync("stop")
            except (EOFError, BrokenPipeError, OSError):
                pass
            self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._conn.close()

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------ child


def _serve(conn: Any) -> None:
    asyncio.run(_main(conn))


async def _main(conn: Any) -> None:
    from fakebot import FakeBotAPI

    fake = FakeBotAPI()
    await fake.start()
    driver = Driver(fake)
    conn.send((fake.url, fake.token))
    try:
        while True:
            name, *args = await asyncio.to_thread(conn.recv)
            if name == "stop":
                conn.send(("ok", None))
                return
            try:
                conn.send(("ok", await getattr(driver, f"cmd_{name}")(*args)))
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
                conn.send(("error", f"{name}: {type(exc).__name__}: {exc}"))
    finally:
        await fake.stop()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def update_key(update: dict) -> Key | None:
    """What an answer to this (completed) update will refer to."""
    message = update.get("message")
    if message is not None:
        chat = message["chat"]
        if chat.get("type") == "private":
            return ("chat", chat["id"])
        return ("msg", chat["id"], message["message_id"])
    query = update.get("callback_query")
    if query is not None:
        return ("cb", str(query["id"]))
    return None


def answer_key(method: str, params: dict) -> Key | None:
    """Which update a successful request answers (see the module docstring)."""
    chat_id = _int(params.get("chat_id"))
    if method == "answerCallbackQuery":
        return ("cb", str(params.get("callback_query_id")))
    if method == "setMessageReaction":
        return ("msg", chat_id, _int(params.get("message_id")))
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        return ("msg", _int(reply.get("chat_id")) or chat_id, _int(reply.get("message_id")))
    if params.get("reply_to_message_id") is not None:
        return ("msg", chat_id, _int(params["reply_to_message_id"]))
    return ("chat", chat_id)


class _Run:
    """One closed-loop drive: which updates are out, when each became available, when answered."""

    def __init__(self, fake: Any, updates: list[dict], window: int) -> None:
        self.fake = fake
        self.total = len(updates)
        self.window = window
        self._next: Iterator[dict] = iter(updates)
        self.available_at: dict[Key, float] = {}
        self.latencies: list[float] = []
        self.first_fetch: float | None = None
        self.last_answer: float | None = None
        self.done = asyncio.Event()

    def start(self) -> None:
        for _ in range(min(self.window, self.total)):
            self.feed()
        if not self.total:
            self.done.set()

    def feed(self) -> None:
        update = next(self._next, None)
        if update is None:
            return
        message = update.get("message")
        if message is not None:
            message = {"date": int(time.time()), **message}
            message.setdefault("message_id", self.fake._next_message_id(message["chat"]["id"]))
            update = {**update, "message": message}
        key = update_key(update)
        if key is None:
            raise ValueError(f"cannot tell what would answer {update!r}")
        self.available_at[key] = time.monotonic()
        self.fake.inject(update)

    def answered(self, key: Key | None, at: float) -> None:
        made = self.available_at.pop(key, None)
        if made is None:
            return
        self.latencies.append(at - made)
        self.last_answer = at
        if len(self.latencies) == self.total:
            self.done.set()
        else:
            self.feed()


class Driver:
    """Commands the parent can run in the child, on the fake's event loop."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.run: _Run | None = None
        for method in (*_SENDS, "answerCallbackQuery", "setMessageReaction"):
            self._watch(method)
        get_updates = fake._handlers["getUpdates"]

        async def watched_get_updates(record: Any) -> Any:
            batch = await get_updates(record)
            if batch and self.run is not None and self.run.first_fetch is None:
                self.run.first_fetch = time.monotonic()
            return batch

        fake._handlers["getUpdates"] = watched_get_updates

    def _watch(self, method: str) -> None:
        original = self.fake._handlers.get(method)

        async def watched(record: Any) -> Any:
            result = await original(record) if original is not None else True
            if self.run is not None:  # reached only on success: errors raise past this
                self.run.answered(answer_key(method, record.params), record.at)
            return result

        self.fake._handlers[method] = watched

    async def cmd_reset(self) -> None:
        """Forget the previous run's traffic, so each contender starts from the same state."""
        fake = self.fake
        fake._drop_pending()
        for collection in (fake.requests, fake._sent, fake.messages, fake.injected, fake.dropped_updates):
            collection.clear()
        fake.allowed_updates = None

    async def cmd_add_chat(self, chat_id: int, title: str) -> None:
        self.fake.add_chat(chat_id, title=title)

    async def cmd_drive(self, updates: list[dict], window: int, timeout: float) -> dict:
        run = self.run = _Run(self.fake, updates, window)
        first_request = len(self.fake.requests)
        cpu, wall = time.process_time(), time.monotonic()
        run.start()
        try:
            await asyncio.wait_for(run.done.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            self.run = None
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        failed = [r for r in itertools.islice(self.fake.requests, first_request, None)
                  if r.done and r.status != 200]
        return {
            "updates": run.total, "answered": len(run.latencies), "latencies": run.latencies,
            "first_fetch": run.first_fetch, "last_answer": run.last_answer,
            "fake_cpu_seconds": cpu, "wall_seconds": wall,
            "failed_requests": len(failed), "failed_samples": [r.summary() for r in failed[:3]],
        }

    async def cmd_sent_count(self) -> int:
        return len(self.fake._sent)

    async def cmd_send_times(self, chat_id: int | None = None) -> list[float]:
        return self.fake.send_times(chat_id)

    async def cmd_sent_texts(self) -> list[str]:
        return [m.get("text", "") for m in self.fake.sent_messages()]

    async def cmd_bot_messages(self, chat_id: int) -> list[dict]:
        """The bot's messages in a chat as they stand now (edits applied), oldest first."""
        return [self.fake.messages.get((chat_id, m["message_id"]), m) for m in self.fake.sent_messages(chat_id)]

    async def cmd_request_times(self, method: str) -> list[tuple[int | None, float]]:
        """(chat id, arrival time) of each successful call of a method."""
        return [(r.chat_id, r.at) for r in self.fake.calls(method) if r.ok]

    async def cmd_bot_user(self) -> dict:
        return dict(self.fake.bot_user)

    async def cmd_cpu(self) -> float:
        return time.process_time()
