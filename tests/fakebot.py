"""A fake Telegram Bot API server speaking real HTTP on 127.0.0.1.

Integration tests and benchmarks point the real python-telegram-bot stack at it
(``base_url=f"{fake.url}/bot"``, ``base_file_url=f"{fake.url}/file/bot"``), inject updates,
and assert on the recorded API calls.  It is strict where Telegram is strict in ways that bite
bots in production (message not modified, replying to a missing message, HTML that does not
parse, over-long texts, callback data over 64 bytes, invalid command names) and lenient
elsewhere (unknown chats are invented on the fly, no permission checks).

Two ways to run it:

* ``await fake.start()`` / ``await fake.stop()`` (or ``async with FakeBotAPI() as fake``) on the
  test's own event loop, next to the bot;
* ``fake.run_in_thread()`` / ``fake.stop_thread()`` on a private loop in a daemon thread, for
  benchmarks where the bot is the thing being measured.  The update builders (``inject``,
  ``message``, ...) and the ``wait_*``/``drain`` coroutines may then be called from any thread or
  loop; they hop onto the server loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import logging
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar

import aiohttp
import telegram
from aiohttp import web

JSONDict = dict[str, Any]
#: How long the wait_* helpers wait by default: generous, since a passing test returns at once and a
#: loaded 2-core machine can be slow to get there.
WAIT_SECONDS = 30.0  # only a failing wait takes this long; a busy CI machine may be slow
T = TypeVar("T")

_log = logging.getLogger(__name__)

#: Every Bot API method PTB knows, keyed by its lower-cased name: Telegram matches method names
#: case-insensitively, and we record the canonical camelCase spelling.
_CANONICAL: dict[str, str] = {
    name.lower(): name
    for name in dir(telegram.Bot)
    if not name.startswith("_")
    and "_" not in name
    and name != name.lower()
    and callable(getattr(telegram.Bot, name))
}
_CANONICAL["close"] = "close"
_KNOWN_METHODS = frozenset(_CANONICAL.values())

#: Methods that ``fail(None, ...)`` leaves alone, so start-up and polling keep working.
_SERVICE_METHODS = frozenset(
    {"getUpdates", "getMe", "setMyCommands", "deleteWebhook", "setWebhook"}
)

#: Methods that put a message into a chat (rate statistics, ``blocked_users``).
_SEND_METHODS = frozenset(
    {m for m in _CANONICAL.values() if m.startswith("send") and m != "sendChatAction"}
    | {"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"}
)
_BLOCKABLE_METHODS = _SEND_METHODS | {"sendChatAction"}

#: Known methods without side effects worth modelling: they just succeed.
_HARMLESS_METHODS = frozenset(
    {
        "answerInlineQuery",
        "answerPreCheckoutQuery",
        "answerShippingQuery",
        "approveChatJoinRequest",
        "banChatSenderChat",
        "close",
        "declineChatJoinRequest",
        "deleteChatPhoto",
        "deleteChatStickerSet",
        "leaveChat",
        "logOut",
        "removeMyProfilePhoto",
        "sendChatAction",
        "setChatAdministratorCustomTitle",
        "setChatDescription",
        "setChatMenuButton",
        "setChatPermissions",
        "setChatPhoto",
        "setChatStickerSet",
        "setChatTitle",
        "setMessageReaction",
        "setMyDefaultAdministratorRights",
        "setMyProfilePhoto",
        "unbanChatSenderChat",
        "unpinAllChatMessages",
        "unpinAllForumTopicMessages",
    }
)

#: Parameters holding free text or file ids.  Form fields arrive as strings and everything else
#: is JSON-decoded (PTB JSON-encodes ints, bools and objects), but "123" as a text stays a string.
_TEXT_PARAMS = frozenset(
    {
        "action", "animation", "audio", "business_connection_id", "callback_query_id",
        "caption", "currency", "custom_emoji_id", "custom_title", "description", "document",
        "emoji", "explanation", "explanation_parse_mode", "file_id", "game_short_name",
        "inline_message_id", "inline_query_id", "invite_link", "ip_address", "language_code",
        "message_effect_id", "name", "next_offset", "parse_mode", "payload", "photo",
        "provider_token", "question", "question_parse_mode", "secret_token", "short_description",
        "start_parameter", "sticker", "sticker_set_name", "text", "thumbnail", "title", "url",
        "video", "video_note", "voice",
    }
)  # fmt: skip
_JSON_START = frozenset('[{"-0123456789tfn')

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_BLOCKED = "Forbidden: bot was blocked by the user"
_FAULT_ERRORS: dict[str, tuple[int, str]] = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "403": (403, _BLOCKED),
    "400": (400, _NOT_MODIFIED),
    "not_modified": (400, _NOT_MODIFIED),
    "chat_not_found": (400, "Bad Request: chat not found"),
}
FAULT_KINDS = frozenset({*_FAULT_ERRORS, "429", "timeout", "reset"})

#: Update types Telegram withholds unless explicitly listed in ``allowed_updates``.
TELEGRAM_DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_MESSAGE_UPDATE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
_CONTENT_KEYS = frozenset(
    {"text", "entities", "caption", "caption_entities", "photo", "document", "video", "audio",
     "voice", "animation", "sticker", "poll", "location", "contact", "dice"}
)  # fmt: skip
#: sendX method -> (parameter / Message field, fields the PTB class requires besides the ids)
_MEDIA_METHODS: dict[str, tuple[str, JSONDict]] = {
    "sendDocument": ("document", {}),
    "sendVideo": ("video", {"width": 640, "height": 360, "duration": 1}),
    "sendAnimation": ("animation", {"width": 320, "height": 240, "duration": 1}),
    "sendAudio": ("audio", {"duration": 1}),
    "sendVoice": ("voice", {"duration": 1}),
}
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_ADMIN_RIGHTS: JSONDict = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True, "can_manage_topics": False,
}  # fmt: skip
_RESTRICTED_PERMISSIONS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag",
    "can_react_to_messages",
)  # fmt: skip
_HTML_TAGS = frozenset(
    {"a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre", "s", "span", "strike",
     "strong", "tg-emoji", "tg-spoiler", "u"}
)  # fmt: skip
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: setMy<Kind> -> maximum length
_BOT_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}


class ApiError(Exception):
    """A failure answered the way Telegram does: HTTP status plus ``{"ok": false, ...}`` body."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Request:
    """One recorded Bot API call (recorded on arrival; ``done`` once the fake has answered)."""

    method: str
    params: JSONDict
    files: dict[str, bytes]
    at: float
    response: JSONDict | None = None
    chat_id: int | None = None
    status: int | None = None  # HTTP status; None when nothing was delivered (timeout/reset)
    fault: str | None = None  # the injected fault kind, if any
    filenames: dict[str, str] = field(default_factory=dict)
    mime_types: dict[str, str] = field(default_factory=dict)
    done: bool = False

    @property
    def ok(self) -> bool:
        return self.response is not None and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result") if self.response else None

    def summary(self) -> str:
        outcome = "no response" if self.status is None else str(self.status)
        if self.response and not self.ok:
            outcome += f" {self.response.get('description')!r}"
        if self.fault:
            outcome += f" [fault {self.fault}]"
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(params) > 160:
            params = params[:157] + "..."
        return f"{self.method} -> {outcome} {params}"


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    status: int | None  # None on connection errors
    headers: dict[str, str]
    at: float


@dataclass
class _Fault:
    method: str | None
    kind: str
    times: int = 1
    retry_after: int = 1
    match: Callable[[JSONDict], bool] | None = None

    def applies(self, method: str, params: JSONDict) -> bool:
        if self.method is None and method in _SERVICE_METHODS:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.match is None or _safe_predicate(self.match, params)

    def error(self) -> ApiError:
        if self.kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        return ApiError(*_FAULT_ERRORS[self.kind])


@dataclass
class _RandomFaults:
    rate: float
    kinds: list[str]
    rng: random.Random
    methods: frozenset[str]
    retry_after: int
    limit: int | None
    injected: int = 0

    def draw(self, method: str) -> _Fault | None:
        if method not in self.methods or (self.limit is not None and self.injected >= self.limit):
            return None
        if self.rng.random() >= self.rate:
            return None
        self.injected += 1
        return _Fault(method, self.rng.choice(self.kinds), retry_after=self.retry_after)


class FakeBotAPI:
    """In-process Telegram Bot API double over real HTTP; see the module docstring."""

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

        # Knobs.
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

    # ------------------------------------------------------------------ lifecycle

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

    def stop_thread(self) -> None:
        """Counterpart of :meth:`run_in_thread`."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None

    # ------------------------------------------------------------------ inspection

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

    # ------------------------------------------------------------------ configuration

    def add_chat(
        self, chat_id: int, type: str = "supergroup", title: str = "Test group", **extra: Any
    ) -> None:
        chat: JSONDict = {"id": chat_id, "type": type}
        if type != "private":
            chat["title"] = title
        chat.update(extra)
        self._call(self.chats.__setitem__, chat_id, chat)

    def set_member(
        self, chat_id: int, user: JSONDict, status: str = "member", **fields: Any
    ) -> None:
        """Set a user's ChatMember (``fields`` override e.g. admin rights); pass the bot's id
        (or ``fake.bot_user``) to make the bot an administrator."""
        member = self._member(user, status, fields)  # validates in the caller's thread
        self._call(self._store_member, chat_id, member)

    def user(
        self,
        user_id: int,
        first_name: str = "张三",
        language_code: str | None = "zh",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Build (and remember, for private chat dicts) a User."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def add_document(
        self, data: bytes, file_name: str = "file.bin", mime_type: str = "application/octet-stream"
    ) -> JSONDict:
        """Register a downloadable file and return a Document dict, for injected messages."""
        extra = {"file_name": file_name, "mime_type": mime_type}
        return self._register_file("document", data, extra)

    def add_photo(self, data: bytes, width: int = 1280, height: int = 720) -> list[JSONDict]:
        """Register a downloadable photo and return its PhotoSize list (thumbnail first)."""
        thumb_size = {"width": 90, "height": max(1, 90 * height // max(width, 1))}
        thumb = self._register_file("photo", data, thumb_size)
        full = self._register_file("photo", data, {"width": width, "height": height})
        return [thumb, full]

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

    # ------------------------------------------------------------------ update builders

    def inject(self, update: JSONDict) -> int:
        """Queue a raw update (its update_id is assigned here) and return the update_id."""
        with self._lock:  # allocate and schedule together so cross-thread order is kept
            self._last_update_id += 1
            update_id = self._last_update_id
            self._call(self._enqueue, {**update, "update_id": update_id})
        return update_id

    def message(
        self,
        chat_id: int,
        user: JSONDict,
        text: str | None,
        *,
        chat_type: str | None = None,
        reply_to: JSONDict | None = None,
        **extra: Any,
    ) -> int:
        """Inject a Message from ``user``; a leading "/command[@bot]" gets its bot_command
        entity.  ``extra`` is merged into the message (photo=..., caption=..., ...)."""
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._incoming_chat(chat_id, user, chat_type),
            "date": int(time.time()),
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
                ]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra)
        return self.inject({"message": message})

    def command(self, chat_id: int, user: JSONDict, text: str, **kwargs: Any) -> int:
        return self.message(chat_id, user, text, **kwargs)

    def callback(
        self,
        chat_id: int,
        user: JSONDict,
        data: str,
        message: JSONDict | None = None,
        message_id: int | None = None,
    ) -> int:
        """Inject a button press.  Without ``message`` the query carries the stored message
        ``message_id`` (default: the bot's latest message in the chat) or a minimal stand-in."""
        if message is None:
            message = self._callback_message(chat_id, user, message_id)
        query = {
            "id": str(10**15 + next(self._serial)),
            "from": user,
            "chat_instance": str(abs(chat_id) * 7 + self.bot_id),
            "data": data,
            "message": message,
        }
        return self.inject({"callback_query": query})

    def chat_member_update(
        self,
        chat_id: int,
        user: JSONDict,
        old_status: str,
        new_status: str,
        by: JSONDict | None = None,
    ) -> int:
        """Inject a "chat_member" update (and apply the new status to the fake's state)."""
        return self.inject(
            {"chat_member": self._member_change(chat_id, user, old_status, new_status, by or user)}
        )

    def my_chat_member_update(
        self, chat_id: int, by: JSONDict, old_status: str, new_status: str
    ) -> int:
        """Inject the bot's own membership change (added to a group, blocked by a user, ...)."""
        change = self._member_change(chat_id, self.bot_user, old_status, new_status, by)
        return self.inject({"my_chat_member": change})

    def poll_answer(self, poll_id: str, user: JSONDict, option_ids: list[int]) -> int:
        """Inject a vote (counted on the stored poll when the bot sent it)."""
        answer = {
            "poll_id": poll_id,
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": [f"{poll_id}-{index}" for index in option_ids],
        }
        return self.inject({"poll_answer": answer})

    # ------------------------------------------------------------------ HTTP layer

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

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(401, ApiError(401, "Unauthorized").body())
        data = self.files.get(request.match_info["path"])
        if data is None:
            return _json_response(404, ApiError(404, "Not Found").body())
        return web.Response(body=data, content_type="application/octet-stream")

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

    # ------------------------------------------------------------------ waiting machinery

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

    # ------------------------------------------------------------------ updates

    def _enqueue(self, update: JSONDict) -> None:
        self._remember(update)
        self.injected[update["update_id"]] = update
        self._pending.append(update)
        self._enqueued_update_id = update["update_id"]
        self._notify_updates()

    def _is_allowed(self, update: JSONDict) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return not (self.telegram_default_allowed_updates and kind in TELEGRAM_DEFAULT_EXCLUDED)

    def _deliverable(self) -> list[JSONDict]:
        """Pending updates, after dropping types the bot did not subscribe to (as Telegram does)."""
        if self.allowed_updates or self.telegram_default_allowed_updates:
            kept = [u for u in self._pending if self._is_allowed(u)]
            if len(kept) != len(self._pending):
                self.dropped_updates += [u for u in self._pending if not self._is_allowed(u)]
                self._pending = kept
                self._notify_updates()
        return self._pending

    def _set_allowed_updates(self, value: Any) -> None:
        if isinstance(value, list):
            self.allowed_updates = [str(kind) for kind in value]

    def _drop_pending(self) -> None:
        self.dropped_updates += self._pending
        self._pending = []
        self._notify_updates()

    def _confirm(self, offset: int) -> None:
        """getUpdates offset semantics: forget updates below ``offset`` (negative: keep the
        last ``-offset``)."""
        if offset > 0:
            kept = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            kept = self._pending[offset:]
        else:
            return
        if len(kept) != len(self._pending):
            self._pending = kept
            self._notify_updates()

    def _remember(self, update: JSONDict) -> None:
        """Fold an injected update into the modelled state (messages, users, chats, members)."""
        for key in _MESSAGE_UPDATE_KEYS:
            message = update.get(key)
            if isinstance(message, dict):
                self._remember_message(message)
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._remember_user(query.get("from"))
        for key in ("chat_member", "my_chat_member"):
            change = update.get(key)
            if not isinstance(change, dict) or not _has_id(change.get("chat")):
                continue
            chat, member = change["chat"], change.get("new_chat_member")
            self._remember_chat(chat)
            if isinstance(member, dict) and _has_id(member.get("user")):
                self._store_member(chat["id"], member)
        answer = update.get("poll_answer")
        if isinstance(answer, dict):
            self._remember_user(answer.get("user"))
            self._count_vote(answer)

    def _remember_message(self, message: JSONDict) -> None:
        chat, message_id = message.get("chat"), message.get("message_id")
        if not _has_id(chat) or not isinstance(message_id, int):
            return
        chat_id = chat["id"]
        self._remember_chat(chat)
        sender = message.get("from")
        self._remember_user(sender)
        if (
            chat.get("type") in ("group", "supergroup")
            and _has_id(sender)
            and sender["id"] not in self.members.get(chat_id, {})
        ):
            self._store_member(chat_id, self._member(sender, "member", {}))
        self.messages[(chat_id, message_id)] = message
        with self._lock:
            self._message_ids[chat_id] = max(self._message_ids.get(chat_id, 0), message_id)

    def _remember_chat(self, chat: JSONDict) -> None:
        if chat.get("type") in ("group", "supergroup", "channel") and chat["id"] not in self.chats:
            self.chats[chat["id"]] = chat

    def _remember_user(self, user: Any) -> None:
        if _has_id(user):
            self.users.setdefault(user["id"], user)

    def _count_vote(self, answer: JSONDict) -> None:
        location = self._polls.get(str(answer.get("poll_id")))
        message = self.messages.get(location) if location else None
        option_ids = answer.get("option_ids")
        if message is None or not isinstance(option_ids, list):
            return
        poll = message["poll"]
        options = [
            {**option, "voter_count": option["voter_count"] + (index in option_ids)}
            for index, option in enumerate(poll["options"])
        ]
        total = poll["total_voter_count"] + (1 if option_ids else 0)
        self.messages[location] = {  # type: ignore[index]
            **message,
            "poll": {**poll, "options": options, "total_voter_count": total},
        }

    # ------------------------------------------------------------------ webhook delivery

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _webhook_worker(self) -> None:
        """POST pending updates to the webhook one at a time, in order, retrying failures."""
        while not self._closing.is_set() and self.webhook_url:
            pending = self._deliverable()
            if not pending:
                await self._wait_updates(10.0)
                continue
            update = pending[0]
            if await self._post_update(update) == 200:
                if self._pending and self._pending[0] is update:
                    del self._pending[0]
                self._notify_updates()
            else:
                await self._sleep(self.webhook_retry_delay)

    async def _post_update(self, update: JSONDict) -> int | None:
        assert self.webhook_url is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        body = json.dumps(update, ensure_ascii=False).encode()
        status: int | None = None
        error = ""
        try:
            async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = f"Connection error: {exc!r}"
        self.webhook_deliveries.append(
            WebhookDelivery(update["update_id"], status, headers, time.monotonic())
        )
        if status != 200:
            error = error or f"Wrong response from the webhook: {status}"
            self._webhook_error = (int(time.time()), error)
        return status

    # ------------------------------------------------------------------ chats, users, members

    def _incoming_chat(self, chat_id: int, user: JSONDict, chat_type: str | None) -> JSONDict:
        known = self.chats.get(chat_id)
        if known is not None:
            return known
        if chat_type == "private" or (chat_type is None and chat_id == user.get("id")):
            return _private_chat(user)
        return {"id": chat_id, "type": chat_type or "supergroup", "title": "Test group"}

    def _chat(self, chat_id: int) -> JSONDict:
        """The chat dict for an id: registered, a private chat with a (known) user, or a
        supergroup invented on the spot."""
        chat = self.chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:
            return _private_chat(self.users.get(chat_id) or {"id": chat_id, "first_name": "User"})
        chat = self.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": "Test group"}
        return chat

    def _target_chat(self, params: JSONDict, key: str = "chat_id") -> JSONDict:
        raw = params.get(key)
        if raw is None or raw == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username") == raw[1:]:
                    return chat
            raise ApiError(400, "Bad Request: chat not found")
        chat_id = _as_int(raw)
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat(chat_id)

    def _member(self, user: JSONDict, status: str, fields: JSONDict) -> JSONDict:
        """A ChatMember dict with every field PTB requires for that status."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        if user.get("id") == self.bot_id:
            user = self.bot_user
        member: JSONDict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "restricted":
            member.update({"is_member": True, "until_date": 0})
            member.update(dict.fromkeys(_RESTRICTED_PERMISSIONS, False))
        elif status == "kicked":
            member["until_date"] = 0
        member.update(fields)
        return member

    def _store_member(self, chat_id: int, member: JSONDict) -> None:
        self._remember_user(member["user"])
        self.members.setdefault(chat_id, {})[member["user"]["id"]] = member
        if chat_id < 0 and chat_id not in self.chats:
            self._chat(chat_id)

    def _member_change(
        self, chat_id: int, user: JSONDict, old: str, new: str, by: JSONDict
    ) -> JSONDict:
        return {
            "chat": self._incoming_chat(chat_id, by, None),
            "from": by,
            "date": int(time.time()),
            "old_chat_member": self._member(user, old, {}),
            "new_chat_member": self._member(user, new, {}),
        }

    def _lookup_member(self, chat: JSONDict, user_id: int) -> JSONDict:
        member = self.members.get(chat["id"], {}).get(user_id)
        if member is not None:
            return member
        present = user_id == self.bot_id or (chat["type"] == "private" and user_id == chat["id"])
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        return self._member(user, "member" if present else "left", {})

    def _member_target(self, params: JSONDict) -> tuple[JSONDict, JSONDict]:
        chat = self._target_chat(params)
        user_id = _as_int(params.get("user_id"))
        if user_id is None:
            raise ApiError(400, "Bad Request: invalid user_id specified")
        return chat, self._lookup_member(chat, user_id)

    # ------------------------------------------------------------------ messages

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            message_id = self._message_ids.get(chat_id, 0) + 1
            self._message_ids[chat_id] = message_id
        return message_id

    def _callback_message(self, chat_id: int, user: JSONDict, message_id: int | None) -> JSONDict:
        if message_id is None:
            latest = next((m for m in reversed(self._sent) if m["chat"]["id"] == chat_id), None)
            if latest is not None:
                return self.messages.get((chat_id, latest["message_id"]), latest)
            message_id = self._next_message_id(chat_id)
        stored = self.messages.get((chat_id, message_id))
        if stored is not None:
            return stored
        return {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._incoming_chat(chat_id, user, None),
            "date": int(time.time()),
        }

    def _reply_target(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = _as_int(reply.get("message_id"))
            allow_missing = reply.get("allow_sending_without_reply")
            chat_id = _as_int(reply.get("chat_id")) or chat_id
        elif params.get("reply_to_message_id") is not None:
            message_id = _as_int(params["reply_to_message_id"])
            allow_missing = params.get("allow_sending_without_reply")
        else:
            return None
        target = self.messages.get((chat_id, message_id or 0))
        if target is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _store_sent(self, chat: JSONDict, content: JSONDict, params: JSONDict) -> JSONDict:
        """Validate the common send options, then create, store and log the bot's message."""
        reply_to = self._reply_target(chat["id"], params)
        markup = _inline_markup(params.get("reply_markup"))
        message: JSONDict = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message["message_id"])] = message
        self._sent.append(message)
        return message

    def _caption(self, params: JSONDict) -> JSONDict:
        if params.get("caption") in (None, ""):
            return {}
        caption = _render(params["caption"], params.get("parse_mode"))
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSONDict = {"caption": caption}
        if isinstance(params.get("caption_entities"), list):
            content["caption_entities"] = params["caption_entities"]
        return content

    def _editable(self, params: JSONDict) -> tuple[tuple[int, int], JSONDict] | None:
        """The stored message an edit addresses; None for inline messages (answered True)."""
        if params.get("inline_message_id"):
            return None
        chat = self._target_chat(params)
        key = (chat["id"], _as_int(params.get("message_id")) or 0)
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return key, message

    def _replace(self, key: tuple[int, int], old: JSONDict, changes: JSONDict) -> JSONDict:
        """Copy-on-write edit, so dicts already handed out (sent_messages) stay as they were."""
        if all(old.get(name) == value for name, value in changes.items()):
            raise ApiError(400, _NOT_MODIFIED)
        new = {**old, "edit_date": int(time.time())}
        for name, value in changes.items():
            if value is None:
                new.pop(name, None)
            else:
                new[name] = value
        self.messages[key] = new
        return new

    def _register_file(self, kind: str, data: bytes, extra: JSONDict) -> JSONDict:
        serial = next(self._serial)
        obj: JSONDict = {
            "file_id": f"FAKE-{kind}-{serial:06d}",
            "file_unique_id": f"U{serial:06d}",
            "file_size": len(data),
            **extra,
        }
        name = str(extra.get("file_name") or "")
        suffix = name[name.rfind(".") :] if "." in name else (".jpg" if kind == "photo" else "")
        path = f"{kind}s/file_{serial}{suffix}"
        self.files[path] = data
        self._files_by_id[obj["file_id"]] = (obj, path)
        return obj

    def _media_object(self, record: Request, field_name: str, extra: JSONDict) -> JSONDict:
        """The file object for a media parameter: an upload (direct or attach://), a file_id
        sent before, or an unknown id/URL taken at face value."""
        value = record.params.get(field_name)
        part = _upload_part(record.params, field_name)
        if part in record.files:
            data = record.files[part]
            file_name = record.filenames.get(part) or field_name
            mime_type = record.mime_types.get(part) or "application/octet-stream"
            return self._register_file(
                field_name, data, {"file_name": file_name, "mime_type": mime_type, **extra}
            )
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        if value in self._files_by_id:
            return self._files_by_id[value][0]
        serial = next(self._serial)
        return {"file_id": value, "file_unique_id": f"U{serial:06d}", **extra}

    # ------------------------------------------------------------------ method handlers

    async def _get_me(self, record: Request) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, record: Request) -> list[JSONDict]:
        params = record.params
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        self._confirm(_as_int(params.get("offset")) or 0)
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        deadline = time.monotonic() + max(_as_float(params.get("timeout")), 0.0)
        while True:
            batch = self._deliverable()[:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            await self._wait_updates(remaining)

    async def _set_webhook(self, record: Request) -> bool:
        params = record.params
        if params.get("drop_pending_updates"):
            self._drop_pending()
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        url = str(params.get("url") or "")
        if not url:
            await self._remove_webhook()
            return True
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: Failed to resolve host")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook_url = url
        self.webhook_secret = None if secret is None else str(secret)
        self.webhook_max_connections = _as_int(params.get("max_connections")) or 40
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_worker())
        self._notify_updates()
        return True

    async def _delete_webhook(self, record: Request) -> bool:
        if record.params.get("drop_pending_updates"):
            self._drop_pending()
        await self._remove_webhook()
        return True

    async def _remove_webhook(self) -> None:
        self.webhook_url = self.webhook_secret = None
        self._webhook_error = None
        await self._stop_webhook_worker()

    async def _get_webhook_info(self, record: Request) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
            if self._webhook_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _send_message(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        text = _render(params.get("text") or "", params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: JSONDict = {"text": text}
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._store_sent(chat, content, params)

    async def _send_photo(self, record: Request) -> JSONDict:
        chat = self._target_chat(record.params)
        caption = self._caption(record.params)
        data = record.files.get(_upload_part(record.params, "photo"))
        if data is not None:
            sizes = self.add_photo(data)
        else:
            sizes = [self._media_object(record, "photo", {"width": 1280, "height": 720})]
        return self._store_sent(chat, {"photo": sizes, **caption}, record.params)

    async def _send_media(self, record: Request) -> JSONDict:
        field_name, extra = _MEDIA_METHODS[record.method]
        chat = self._target_chat(record.params)
        caption = self._caption(record.params)
        media = self._media_object(record, field_name, extra)
        return self._store_sent(chat, {field_name: media, **caption}, record.params)

    async def _send_poll(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        question = str(params.get("question") or "")
        if not question.strip():
            raise ApiError(400, "Bad Request: poll question must be non-empty")
        raw_options = params.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ApiError(400, "Bad Request: poll must have at least 2 option")
        if len(raw_options) > 12:
            raise ApiError(400, "Bad Request: poll can't have more than 12 options")
        poll_id = str(5 * 10**18 + next(self._serial))
        options = [
            {
                "text": str(o.get("text") if isinstance(o, dict) else o),
                "voter_count": 0,
                "persistent_id": f"{poll_id}-{index}",
            }
            for index, o in enumerate(raw_options)
        ]
        poll: JSONDict = {
            "id": poll_id,
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous") is not False,
            "type": params.get("type") or "regular",
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": bool(params.get("allows_revoting")),
            "members_only": bool(params.get("members_only")),
        }
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if poll["type"] == "quiz":
            if not isinstance(correct, list) or not all(
                isinstance(i, int) and 0 <= i < len(options) for i in correct
            ):
                raise ApiError(400, "Bad Request: wrong correct option ID specified")
            poll["correct_option_ids"] = correct
        for key in ("explanation", "open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = params[key]
        message = self._store_sent(chat, {"poll": poll}, params)
        self._polls[poll["id"]] = (chat["id"], message["message_id"])
        return message

    async def _stop_poll(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        key = (chat["id"], _as_int(params.get("message_id")) or 0)
        message = self.messages.get(key)
        if message is None or "poll" not in message:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        poll = {**message["poll"], "is_closed": True}
        self.messages[key] = {**message, "poll": poll}
        return poll

    async def _edit_message_text(self, record: Request) -> JSONDict | bool:
        params = record.params
        target = self._editable(params)
        if target is None:
            return True
        key, old = target
        if "text" not in old:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _render(params.get("text") or "", params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        entities = params.get("entities") if isinstance(params.get("entities"), list) else None
        markup = _inline_markup(params.get("reply_markup"))
        return self._replace(key, old, {"text": text, "entities": entities, "reply_markup": markup})

    async def _edit_message_caption(self, record: Request) -> JSONDict | bool:
        target = self._editable(record.params)
        if target is None:
            return True
        key, old = target
        if "text" in old:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(record.params)
        markup = _inline_markup(record.params.get("reply_markup"))
        return self._replace(
            key,
            old,
            {
                "caption": caption.get("caption"),
                "caption_entities": caption.get("caption_entities"),
                "reply_markup": markup,
            },
        )

    async def _edit_message_reply_markup(self, record: Request) -> JSONDict | bool:
        target = self._editable(record.params)
        if target is None:
            return True
        key, old = target
        return self._replace(
            key, old, {"reply_markup": _inline_markup(record.params.get("reply_markup"))}
        )

    async def _delete_message(self, record: Request) -> bool:
        chat = self._target_chat(record.params)
        key = (chat["id"], _as_int(record.params.get("message_id")) or 0)
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _delete_messages(self, record: Request) -> bool:
        chat = self._target_chat(record.params)
        for message_id in record.params.get("message_ids") or []:
            self.messages.pop((chat["id"], _as_int(message_id) or 0), None)
        return True

    def _source_message(self, params: JSONDict, verb: str) -> JSONDict:
        source_chat = self._target_chat(params, "from_chat_id")
        source = self.messages.get((source_chat["id"], _as_int(params.get("message_id")) or 0))
        if source is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return source

    async def _copy_message(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        source = self._source_message(params, "copy")
        content = {k: v for k, v in source.items() if k in _CONTENT_KEYS}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        return {"message_id": self._store_sent(chat, content, params)["message_id"]}

    async def _forward_message(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        source = self._source_message(params, "forward")
        content = {k: v for k, v in source.items() if k in _CONTENT_KEYS}
        sender = source.get("from")
        if isinstance(sender, dict):
            content["forward_origin"] = {
                "type": "user",
                "sender_user": sender,
                "date": source["date"],
            }
        return self._store_sent(chat, content, {})

    async def _answer_callback_query(self, record: Request) -> bool:
        if not record.params.get("callback_query_id"):
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = record.params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _set_my_commands(self, record: Request) -> bool:
        params = record.params
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        stored = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not _COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = _commands_key(params.get("scope"), params.get("language_code"))
        if stored:
            self.commands[key] = stored
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, record: Request) -> list[JSONDict]:
        params = record.params
        return self.my_commands(params.get("scope"), params.get("language_code") or "")

    async def _delete_my_commands(self, record: Request) -> bool:
        params = record.params
        self.commands.pop(_commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    async def _set_bot_text(self, kind: str, record: Request) -> bool:
        value = str(record.params.get(kind) or "")
        if len(value) > _BOT_TEXT_LIMITS[kind]:
            raise ApiError(400, f"Bad Request: {kind.replace('_', ' ')} is too long")
        key = (kind, str(record.params.get("language_code") or ""))
        if value:
            self.bot_texts[key] = value
        else:
            self.bot_texts.pop(key, None)
        return True

    async def _get_bot_text(self, kind: str, record: Request) -> JSONDict:
        key = (kind, str(record.params.get("language_code") or ""))
        value = self.bot_texts.get(key)
        if value is None and kind == "name":
            value = self.bot_user["first_name"]
        return {kind: value or ""}

    async def _get_chat(self, record: Request) -> JSONDict:
        chat = self._target_chat(record.params)
        full: JSONDict = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        pinned = self.messages.get((chat["id"], self.pinned.get(chat["id"], 0)))
        if pinned is not None:
            full["pinned_message"] = pinned
        return full

    async def _get_chat_member(self, record: Request) -> JSONDict:
        return self._member_target(record.params)[1]

    async def _get_chat_administrators(self, record: Request) -> list[JSONDict]:
        chat = self._target_chat(record.params)
        if chat["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [
            m
            for m in self.members.get(chat["id"], {}).values()
            if m["status"] in ("creator", "administrator")
        ]

    async def _get_chat_member_count(self, record: Request) -> int:
        chat = self._target_chat(record.params)
        if chat["type"] == "private":
            return 2
        return sum(
            1
            for m in self.members.get(chat["id"], {}).values()
            if m["status"] in ("creator", "administrator", "member")
            or (m["status"] == "restricted" and m.get("is_member"))
        )

    async def _ban_chat_member(self, record: Request) -> bool:
        chat, member = self._member_target(record.params)
        until = _as_int(record.params.get("until_date")) or 0
        banned = self._member(member["user"], "kicked", {"until_date": until})
        self._store_member(chat["id"], banned)
        return True

    async def _unban_chat_member(self, record: Request) -> bool:
        chat, member = self._member_target(record.params)
        if record.params.get("only_if_banned") and member["status"] != "kicked":
            return True
        self._store_member(chat["id"], self._member(member["user"], "left", {}))
        return True

    async def _restrict_chat_member(self, record: Request) -> bool:
        chat, member = self._member_target(record.params)
        permissions = record.params.get("permissions")
        if not isinstance(permissions, dict):
            raise ApiError(400, "Bad Request: can't parse permissions JSON object")
        fields: JSONDict = {k: bool(permissions.get(k, False)) for k in _RESTRICTED_PERMISSIONS}
        fields["until_date"] = _as_int(record.params.get("until_date")) or 0
        fields["is_member"] = member["status"] in ("member", "restricted", "administrator")
        self._store_member(chat["id"], self._member(member["user"], "restricted", fields))
        return True

    async def _promote_chat_member(self, record: Request) -> bool:
        chat, member = self._member_target(record.params)
        rights = {
            k: bool(v)
            for k, v in record.params.items()
            if k.startswith("can_") or k == "is_anonymous"
        }
        status = "administrator" if any(rights.values()) else "member"
        fields = rights if status == "administrator" else {}
        self._store_member(chat["id"], self._member(member["user"], status, fields))
        return True

    async def _pin_chat_message(self, record: Request) -> bool:
        chat = self._target_chat(record.params)
        message_id = _as_int(record.params.get("message_id")) or 0
        if (chat["id"], message_id) not in self.messages:
            raise ApiError(400, "Bad Request: message to pin not found")
        self.pinned[chat["id"]] = message_id
        return True

    async def _unpin_chat_message(self, record: Request) -> bool:
        chat = self._target_chat(record.params)
        self.pinned.pop(chat["id"], None)
        return True

    async def _get_file(self, record: Request) -> JSONDict:
        found = self._files_by_id.get(str(record.params.get("file_id") or ""))
        if found is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        obj, path = found
        return {
            "file_id": obj["file_id"],
            "file_unique_id": obj["file_unique_id"],
            "file_size": obj["file_size"],
            "file_path": path,
        }


# ---------------------------------------------------------------------- helpers


async def _read_params(
    request: web.Request,
) -> tuple[JSONDict, dict[str, bytes], dict[str, str], dict[str, str]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: JSONDict = dict(request.query)
    files: dict[str, bytes] = {}
    filenames: dict[str, str] = {}
    mime_types: dict[str, str] = {}
    if request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    files[part.name] = bytes(await part.read())
                    filenames[part.name] = part.filename
                    mime_types[part.name] = part.headers.get(
                        aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream"
                    )
                else:
                    raw[part.name] = await part.text()
        else:
            form = await request.post()
            raw.update((k, v) for k, v in form.items() if isinstance(v, str))
    return {k: _decode_param(k, v) for k, v in raw.items()}, files, filenames, mime_types


def _decode_param(key: str, value: Any) -> Any:
    """Form fields carry JSON-encoded values (ints, bools, objects); free-text ones stay as is."""
    if not isinstance(value, str) or key in _TEXT_PARAMS:
        return value
    if not value or value[0] not in _JSON_START:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _upload_part(params: JSONDict, field_name: str) -> str:
    """Multipart part holding a parameter's upload: its own name, or an attach://<part> ref."""
    value = params.get(field_name)
    if isinstance(value, str) and value.startswith("attach://"):
        return value.removeprefix("attach://")
    return field_name


def _json_response(status: int, body: JSONDict) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _safe_predicate(predicate: Callable[[Any], bool], item: Any) -> bool:
    try:
        return bool(predicate(item))
    except Exception:
        return False


def _has_id(obj: Any) -> bool:
    """Whether a User/Chat dict from an injected update is usable (has an int id)."""
    return isinstance(obj, dict) and type(obj.get("id")) is int


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _private_chat(user: JSONDict) -> JSONDict:
    chat: JSONDict = {"id": user["id"], "type": "private"}
    for key in ("first_name", "last_name", "username"):
        if user.get(key):
            chat[key] = user[key]
    return chat


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    if not isinstance(scope, dict):
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(language_code or "")


def _inline_markup(markup: Any) -> JSONDict | None:
    """The markup Telegram echoes in the Message (inline keyboards only), validated."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: field \"inline_keyboard\" must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _render(text: Any, parse_mode: Any) -> str:
    """The text Telegram stores: HTML is validated and reduced to its visible text.
    Markdown modes are echoed verbatim (not parsed)."""
    text = str(text)
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        parser = _TelegramHTML()
        parser.feed(text)
        parser.close()
        if parser.open_tags:
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Can't find end tag corresponding to start "
                f'tag "{parser.open_tags[-1]}"',
            )
        return "".join(parser.text)
    return text


class _TelegramHTML(HTMLParser):
    """Checks Telegram's HTML subset (known tags, properly nested) and collects visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
