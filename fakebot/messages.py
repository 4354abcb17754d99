"""Messages the bot sends, edits, deletes, copies; callback answers; command menus."""

from __future__ import annotations

import time

from fakebot.common import (
    _BOT_TEXT_LIMITS,
    _COMMAND_RE,
    _CONTENT_KEYS,
    JSONDict,
    Request,
    _as_int,
    _commands_key,
)
from fakebot.errors import _NOT_MODIFIED, ApiError
from fakebot.render import _inline_markup, render_html


class MessagesMixin:
    """Part of :class:`fakebot.FakeBotAPI` (state lives there)."""

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
        caption, entities = render_html(params["caption"], params.get("parse_mode"))
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSONDict = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
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

    async def _send_message(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        text, entities = render_html(params.get("text") or "", params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._store_sent(chat, content, params)

    async def _edit_message_text(self, record: Request) -> JSONDict | bool:
        params = record.params
        target = self._editable(params)
        if target is None:
            return True
        key, old = target
        if "text" not in old:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, parsed = render_html(params.get("text") or "", params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        entities = params.get("entities") if isinstance(params.get("entities"), list) else (parsed or None)
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
