"""The server: state, lifecycle, the HTTP routes, faults and the waiting machinery."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import itertools
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from fakebot.chats import ChatsMixin
from fakebot.common import (
    _BLOCKABLE_METHODS,
    _BOT_TEXT_LIMITS,
    _CANONICAL,
    _HARMLESS_METHODS,
    _KNOWN_METHODS,
    _MEDIA_METHODS,
    _SEND_METHODS,
    WAIT_SECONDS,
    JSONDict,
    Request,
    T,
    WebhookDelivery,
    _as_int,
    _commands_key,
    _json_response,
    _log,
    _read_params,
)
from fakebot.errors import _BLOCKED, FAULT_KINDS, ApiError, _Fault, _RandomFaults, _safe_predicate
from fakebot.files import FilesMixin
from fakebot.messages import MessagesMixin
from fakebot.polls import PollsMixin
from fakebot.updates import UpdatesMixin


class FakeBotAPI(UpdatesMixin, ChatsMixin, MessagesMixin, PollsMixin, FilesMixin):
    """In-process Telegram Bot API double over real HTTP; see the package docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "wuxue_test_bot",
        bot_id: int = 123456,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Wuxue Test Bot",
            "username": bot_username,
        }
        self.url = ""

        # Observable state.
        self.requests: list[Request] = []
        self.injected: dict[int, JSONDict] = {}  # update_id -> update, for every inject()
        self.dropped_updates: list[JSONDict] = []  # filtered out by allowed_updates
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.faults_injected = 0

        # Modelled Telegram state.
        self.chats: dict[int, JSONDict] = {}
        self.users: dict[int, JSONDict] = {}
        self.members: dict[int, dict[int, JSONDict]] = {}  # chat_id -> user_id -> ChatMember
        self.messages: dict[tuple[int, int], JSONDict] = {}  # current version of every message
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope json, lang) -> list
        # (description | short_description | name, language_code) -> text
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.files: dict[str, bytes] = {}  # file_path -> bytes, served under /file/bot<token>/
        self.pinned: dict[int, int] = {}  # chat_id -> message_id
        self.allowed_updates: list[str] | None = None
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40

        #: Called on the server loop with ("request", Request) once a call is answered and with
        #: ("update", dict) once an update is queued: the playground's page follows the chats this way.
        self.observers: list[Callable[[str, Any], None]] = []

        # Knobs.
        #: Telegram's privacy mode (on for bots by default): off here unless asked, as most tests want
        #: every group message to reach the bot; the playground turns it on.
        self.privacy_mode = False
        self.blocked_users: set[int] = set()
        self.latency = 0.0
        self.timeout_sleep = 15.0
        self.webhook_retry_delay = 0.1
        #: Mimic Telegram's default of withholding chat_member & reactions unless asked for.
        self.telegram_default_allowed_updates = False

        self._faults: list[_Fault] = []
        self._random_faults: _RandomFaults | None = None
        self._pending: list[JSONDict] = []
        self._sent: list[JSONDict] = []  # every message the bot sent, as returned at the time
        self._files_by_id: dict[str, tuple[JSONDict, str]] = {}  # file_id -> (object, path)
        self._polls: dict[str, tuple[int, int]] = {}  # poll id -> (chat_id, message_id)
        self._message_ids: dict[int, int] = {}
        self._last_update_id = 0
        self._enqueued_update_id = 0
        self._webhook_error: tuple[int, str] | None = None
        self._serial = itertools.count(1)
        # Guards id allocation, which may happen on a caller thread; re-entrant because inject()
        # runs _enqueue under it when already on the server loop.
        self._lock = threading.RLock()

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        # Replaced on every change so waiters re-check: _tick for any recorded state,
        # _updates_tick only when the pending-update queue changes (long polls wait on that).
        self._tick = asyncio.Event()
        self._updates_tick = asyncio.Event()
        self._closing = asyncio.Event()

        self._handlers: dict[str, Callable[[Request], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "banChatMember": self._ban_chat_member,
            "unbanChatMember": self._unban_chat_member,
            "restrictChatMember": self._restrict_chat_member,
            "promoteChatMember": self._promote_chat_member,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._unpin_chat_message,
            "getFile": self._get_file,
        }
        for method in _MEDIA_METHODS:
            self._handlers[method] = self._send_media
        for kind in _BOT_TEXT_LIMITS:
            camel = "".join(part.title() for part in kind.split("_"))
            self._handlers[f"setMy{camel}"] = functools.partial(self._set_bot_text, kind)
            self._handlers[f"getMy{camel}"] = functools.partial(self._get_bot_text, kind)

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve; sets ``self.url``."""
        self._loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        self._tick = asyncio.Event()
        self._updates_tick = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Wake long polls and timeout faults, stop webhook delivery, close all connections."""
        if self._runner is None:
            return
        self._closing.set()
        self._notify_updates()
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def run_in_thread(self) -> None:
        """Serve from a private event loop in a daemon thread (for benchmarks)."""
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=serve, name="FakeBotAPI", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            self._thread = None
            raise failure[0]

    def export_state(self) -> JSONDict:
        """Telegram's side of the chats as JSON (messages, polls, files), so a restarted stand-in still
        knows the messages the bot will edit; counterpart of :meth:`import_state`."""
        return {
            "messages": [[chat, mid, m] for (chat, mid), m in self.messages.items()],
            "message_ids": [[chat, last] for chat, last in self._message_ids.items()],
            "polls": [[pid, chat, mid] for pid, (chat, mid) in self._polls.items()],
            "files": {path: base64.b64encode(data).decode() for path, data in self.files.items()},
            "file_ids": {fid: [obj, path] for fid, (obj, path) in self._files_by_id.items()},
            "serial": next(self._serial),
        }

    def import_state(self, state: JSONDict) -> None:
        self.messages.update({(chat, mid): m for chat, mid, m in state.get("messages", [])})
        self._message_ids.update({chat: last for chat, last in state.get("message_ids", [])})
        self._polls.update({pid: (chat, mid) for pid, chat, mid in state.get("polls", [])})
        self.files.update({path: base64.b64decode(data) for path, data in state.get("files", {}).items()})
        self._files_by_id.update({fid: (obj, path) for fid, (obj, path) in state.get("file_ids", {}).items()})
        self._serial = itertools.count(max(int(state.get("serial", 1)), 1))

    def stop_thread(self) -> None:
        """Counterpart of :meth:`run_in_thread`."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None

    def calls(self, method: str) -> list[Request]:
        method = _CANONICAL.get(method.lower(), method)
        return [r for r in self.requests if r.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the fake returned for successful send*/copy/forward calls, oldest first."""
        return [m for m in self._sent if chat_id is None or m["chat"]["id"] == chat_id]

    def send_times(self, chat_id: int | None = None) -> list[float]:
        """Arrival times (monotonic) of successful send* calls, for rate-limit assertions."""
        return [
            r.at
            for r in self.requests
            if r.method in _SEND_METHODS and r.ok and (chat_id is None or r.chat_id == chat_id)
        ]

    def message_text(self, chat_id: int, message_id: int) -> str | None:
        """Current text (or caption, for media) of a message, reflecting edits."""
        message = self.messages.get((chat_id, message_id))
        if message is None:
            return None
        return message.get("text", message.get("caption"))

    def my_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands stored by setMyCommands for that exact scope (default scope if None)."""
        return self.commands.get(_commands_key(scope, language_code), [])

    def describe(self, last: int = 15) -> str:
        """Readable summary of recent traffic, used in timeout assertions."""
        lines = [
            f"{len(self.requests)} requests recorded, {len(self._pending)} updates pending, "
            f"webhook={self.webhook_url or '-'}; last {min(last, len(self.requests))}:"
        ]
        lines += [f"  {r.summary()}" for r in self.requests[-last:]]
        # Idle long polls crowd out what matters: also list the last requests that were not getUpdates.
        others = [r for r in self.requests if r.method != "getUpdates"][-last:]
        if others and others[-1] is not self.requests[-1]:
            lines.append(f"last {len(others)} other than getUpdates:")
            lines += [f"  {r.summary()}" for r in others]
        return "\n".join(lines)

    async def wait_for(
        self, predicate: Callable[[Request], bool], timeout: float = WAIT_SECONDS, *, since: int = 0
    ) -> Request:
        """First answered request (index >= ``since``) matching ``predicate``, past or future.

        A predicate that raises counts as "no match", so ``lambda r: r.params["text"] == ...``
        is safe against requests without that parameter.
        """
        cursor = since

        def check() -> Request | None:
            nonlocal cursor
            requests, index, contiguous = self.requests, cursor, True
            while index < len(requests):
                request = requests[index]
                if request.done:
                    if _safe_predicate(predicate, request):
                        return request
                    if contiguous:
                        cursor = index + 1
                else:
                    contiguous = False
                index += 1
            return None

        return await self._on_loop(self._wait_until(check, timeout, "a matching request"))

    async def wait_for_message(
        self, chat_id: int, contains: str | None = None, timeout: float = WAIT_SECONDS, *, since: int = 0
    ) -> JSONDict:
        """First message sent to ``chat_id`` (index >= ``since`` in ``sent_messages()``) whose
        text or caption contains ``contains``; past or future."""
        cursor = since

        def check() -> JSONDict | None:
            nonlocal cursor
            while cursor < len(self._sent):
                message = self._sent[cursor]
                cursor += 1
                if message["chat"]["id"] != chat_id:
                    continue
                visible = message.get("text") or message.get("caption") or ""
                if contains is None or contains in visible:
                    return message
            return None

        what = f"a message to chat {chat_id}" + (f" containing {contains!r}" if contains else "")
        return await self._on_loop(self._wait_until(check, timeout, what))

    async def drain(self, timeout: float = WAIT_SECONDS) -> None:
        """Wait until every update injected so far was confirmed by getUpdates (a later offset)
        or accepted by the webhook (or dropped)."""

        async def run() -> None:
            target = self._enqueued_update_id

            def check() -> bool | None:
                return True if not self._pending or self._pending[0]["update_id"] > target else None

            await self._wait_until(check, timeout, f"updates up to #{target} to be consumed")

        await self._on_loop(run())

    def fail(
        self,
        method: str | None,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        match: Callable[[JSONDict], bool] | None = None,
    ) -> None:
        """Queue a fault for the next ``times`` matching requests (``method=None``: any but the
        polling/start-up methods).  ``match`` filters on the request params."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        canonical = None if method is None else _CANONICAL.get(method.lower(), method)
        self._call(self._faults.append, _Fault(canonical, kind, times, retry_after, match))

    def fail_randomly(
        self,
        rate: float,
        kinds: list[str],
        seed: int = 0,
        methods: Iterable[str] = ("sendMessage",),
        retry_after: int = 1,
        limit: int | None = None,
    ) -> None:
        """Fail each request to ``methods`` with probability ``rate`` (deterministic per seed)."""
        unknown = set(kinds) - FAULT_KINDS
        if unknown or not kinds:
            raise ValueError(f"bad fault kinds {kinds!r}")
        canonical = frozenset(_CANONICAL.get(m.lower(), m) for m in methods)
        self._random_faults = _RandomFaults(
            rate, list(kinds), random.Random(seed), canonical, retry_after, limit
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        method = _CANONICAL.get(raw_method.lower(), raw_method)
        parse_error: ApiError | None = None
        try:
            params, files, filenames, mime_types = await _read_params(request)
        except Exception as exc:  # any malformed body is the client's problem, not a crash
            params, files, filenames, mime_types = {}, {}, {}, {}
            parse_error = ApiError(400, f"Bad Request: can't parse request body: {exc}")
        record = Request(
            method,
            params,
            files,
            time.monotonic(),
            chat_id=_as_int(params.get("chat_id")),
            filenames=filenames,
            mime_types=mime_types,
        )
        self.requests.append(record)

        if parse_error is not None:
            return self._respond(record, parse_error)
        if request.match_info["token"] != self.token:
            return self._respond(record, ApiError(401, "Unauthorized"))
        if method not in _KNOWN_METHODS:
            return self._respond(record, ApiError(404, "Not Found: method not found"))
        if self.latency > 0:
            await self._sleep(self.latency)

        fault = self._take_fault(method, params)
        if fault is not None:
            record.fault = fault.kind
            self.faults_injected += 1
            if fault.kind == "timeout":
                return await self._hang(record)
            if fault.kind == "reset":
                return self._reset(record, request)
            return self._respond(record, fault.error())

        try:
            if method in _BLOCKABLE_METHODS and record.chat_id in self.blocked_users:
                raise ApiError(403, _BLOCKED)
            handler = self._handlers.get(method)
            if handler is not None:
                result = await handler(record)
            elif method in _HARMLESS_METHODS:
                result = True
            else:
                raise ApiError(400, f"Bad Request: {method} is not implemented by FakeBotAPI")
        except ApiError as exc:
            return self._respond(record, exc)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # Parameters of unexpected shape: Telegram answers 400, so do we.
            _log.debug("FakeBotAPI: %s rejected %r", method, params, exc_info=True)
            return self._respond(record, ApiError(400, f"Bad Request: {exc!r}"))
        return self._respond(record, {"ok": True, "result": result})

    def _respond(self, record: Request, outcome: JSONDict | ApiError) -> web.Response:
        if isinstance(outcome, ApiError):
            status, body = outcome.status, outcome.body()
        else:
            status, body = 200, outcome
        record.status, record.response = status, body
        self._finish(record)
        return _json_response(status, body)

    def _finish(self, record: Request) -> None:
        record.done = True
        self._notify()
        self._observe("request", record)

    def _observe(self, kind: str, item: Any) -> None:
        for observer in self.observers:
            try:
                observer(kind, item)
            except Exception:  # an observer's bug must not break the Bot API
                _log.exception("FakeBotAPI: observer failed on %s", kind)

    async def _hang(self, record: Request) -> web.Response:
        """Timeout fault: recorded as undelivered, then outlast the client's read timeout."""
        self._finish(record)
        await self._sleep(self.timeout_sleep)
        return _json_response(504, ApiError(504, "Gateway Timeout").body())

    def _reset(self, record: Request, request: web.Request) -> web.Response:
        """Reset fault: drop the TCP connection without answering."""
        self._finish(record)
        if request.transport is not None:
            request.transport.abort()
        # aiohttp skips writing to the aborted transport; this object never reaches the client.
        return web.Response(status=500)

    def _take_fault(self, method: str, params: JSONDict) -> _Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.applies(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[index]
                return fault
        if self._random_faults is not None:
            return self._random_faults.draw(method)
        return None

    def _notify(self) -> None:
        """Wake everything waiting for a state change (requests, updates, deliveries)."""
        self._tick.set()
        self._tick = asyncio.Event()

    def _notify_updates(self) -> None:
        """Wake long polls and the webhook worker (and, through _notify, everyone else)."""
        self._updates_tick.set()
        self._updates_tick = asyncio.Event()
        self._notify()

    async def _wait_tick(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._tick.wait(), timeout)

    async def _wait_updates(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._updates_tick.wait(), timeout)

    async def _sleep(self, seconds: float) -> None:
        """Sleep that stop() cuts short."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"FakeBotAPI: timed out after {timeout}s waiting for {what}\n{self.describe()}"
                )
            await self._wait_tick(remaining)

    async def _on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the server loop, hopping over from another thread in thread mode."""
        if self._thread is None or threading.current_thread() is self._thread:
            return await coro
        assert self._loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run a state mutation on the server loop (directly unless called from another thread)."""
        if self._thread is None or self._loop is None or threading.current_thread() is self._thread:
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)
