"""Shared pieces of the fake Bot API: method tables, recorded requests, parameter decoding."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import telegram
from aiohttp import web

JSONDict = dict[str, Any]
T = TypeVar("T")
_log = logging.getLogger("fakebot")


#: How long the wait_* helpers wait by default: generous, since a passing test returns at once and a
#: loaded 2-core machine can be slow to get there.
WAIT_SECONDS = 30.0  # only a failing wait takes this long; a busy CI machine may be slow

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

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

#: setMy<Kind> -> maximum length
_BOT_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}

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

def _has_id(obj: Any) -> bool:
    """Whether a User/Chat dict from an injected update is usable (has an int id)."""
    return isinstance(obj, dict) and type(obj.get("id")) is int

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
