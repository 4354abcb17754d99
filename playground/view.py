"""What the page shows, kept from the stand-in's traffic: every chat's messages as Telegram would show
them (edits in place, reactions, ForceReply, polls, files), the inspector's raw calls and updates, and
a queue per connected page (server-sent events)."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

from fakebot import FakeBotAPI, Request
from playground import cast
from playground.clock import MovableClock

INSPECTOR_KEEP = 400
_SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendPoll", "sendVideo", "sendAudio", "sendVoice",
          "sendAnimation", "copyMessage", "forwardMessage"}
_EDITS = {"editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
_QUIET = {"getUpdates"}  # empty long polls would drown the inspector


class View:
    def __init__(self, fake: FakeBotAPI, clock: MovableClock) -> None:
        self.fake, self.clock = fake, clock
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}  # chat -> message_id -> shown message
        self.inspector: deque[dict[str, Any]] = deque(maxlen=INSPECTOR_KEEP)
        self.queries: dict[str, int] = {}  # callback query id -> who pressed
        self.votes: dict[str, set[int]] = {}  # poll id -> who voted
        self.listeners: set[asyncio.Queue[str]] = set()
        self._serial = 0
        self.dirty = False  # something to save since the last save
        for g in cast.GROUPS:
            self.chats[g.chat_id] = {"id": g.chat_id, "type": "group", "title": g.title, "key": g.key,
                                     "members": [p.key for p in cast.members(g.key)]}
        for p in cast.PERSONAS:
            self.chats[p.tg_id] = {"id": p.tg_id, "type": "private", "title": cast.BOT_NAME, "persona": p.key}
        fake.observers.append(self._observe)

    # -- what the page asks for -----------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "bot": {"id": cast.BOT_ID, "name": cast.BOT_NAME, "username": cast.BOT_USERNAME},
            "personas": [{"key": p.key, "id": p.tg_id, "name": p.name, "role_zh": p.role_zh, "role_en": p.role_en,
                          "groups": [g.chat_id for g in cast.GROUPS if g.key in p.admin_of + p.member_of],
                          "admin_of": [cast.GROUP[k].chat_id for k in p.admin_of]} for p in cast.PERSONAS],
            "chats": list(self.chats.values()),
            "messages": [m for chat in self.messages.values() for m in chat.values()],
            "inspector": list(self.inspector),
            "clock": self.clock_state(),
            "votes": {poll: sorted(who) for poll, who in self.votes.items()},
        }

    def clock_state(self) -> dict[str, Any]:
        return {"now": self.clock.now().isoformat(), "offset": self.clock.offset.total_seconds(),
                "timezone": cast.TIMEZONE}

    def commands(self, chat_id: int, persona_id: int) -> list[dict[str, str]]:
        """The command menu Telegram would show this person in this chat (the bot's setMyCommands)."""
        chat = self.chats.get(chat_id, {})
        if chat.get("type") == "private":
            scopes = [{"type": "all_private_chats"}, {"type": "default"}]
        else:
            persona = cast.BY_TG_ID.get(persona_id)
            admin = persona is not None and chat.get("key") in persona.admin_of
            scopes = ([{"type": "all_chat_administrators"}] if admin else []) + [{"type": "all_group_chats"},
                                                                                  {"type": "default"}]
        for scope in scopes:
            for lang in ("zh", ""):
                found = self.fake.my_commands(scope, lang)
                if found:
                    return found
        return []

    def export_state(self) -> dict[str, Any]:
        return {"messages": [m for chat in self.messages.values() for m in chat.values()],
                "votes": {poll: sorted(who) for poll, who in self.votes.items()}}

    def import_state(self, state: dict[str, Any]) -> None:
        for m in state.get("messages", []):
            self.messages.setdefault(m["chat"], {})[m["id"]] = m
        self.votes = {poll: set(who) for poll, who in state.get("votes", {}).items()}

    # -- listeners --------------------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=5000)
        self.listeners.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        self.listeners.discard(queue)

    def publish(self, kind: str, data: Any) -> None:
        line = f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        for queue in list(self.listeners):
            if queue.full():  # a page that stopped reading: it reloads and gets a fresh snapshot
                self.listeners.discard(queue)
            else:
                queue.put_nowait(line)

    # -- the stand-in's traffic ---------------------------------------------------------------------
    def _observe(self, kind: str, item: Any) -> None:
        if kind == "update":
            self._on_update(item)
        elif kind == "request":
            self._on_request(item)

    def _log(self, entry: dict[str, Any]) -> None:
        self._serial += 1
        entry = {"n": self._serial, "at": self.clock.now().isoformat(), **entry}
        self.inspector.append(entry)
        self.publish("inspector", entry)

    def _on_update(self, update: dict[str, Any]) -> None:
        self._log({"kind": "update", "body": update})
        message = update.get("message")
        if isinstance(message, dict):
            self._show(message, by_user=True)
        query = update.get("callback_query")
        if isinstance(query, dict):
            self.queries[str(query["id"])] = query["from"]["id"]
        answer = update.get("poll_answer")
        if isinstance(answer, dict):
            self.votes.setdefault(str(answer["poll_id"]), set()).add(answer["user"]["id"])
            poll_message = self.fake.poll_message(str(answer["poll_id"]))
            if poll_message is not None:
                self._show(poll_message, keep_flags=True)

    def _on_request(self, record: Request) -> None:
        if record.method in _QUIET and not record.result:
            return
        files = {name: f"<{len(data)} bytes{': ' + record.filenames[name] if name in record.filenames else ''}>"
                 for name, data in record.files.items()}
        self._log({"kind": "call", "method": record.method, "params": {**record.params, **files},
                   "status": record.status, "response": record.response})
        if not record.ok:
            return
        method, result, params = record.method, record.result, record.params
        if method in _SENDS and isinstance(result, dict):
            if "chat" not in result:  # copyMessage answers with the id only
                chat_id = record.chat_id
                result = self.fake.messages.get((chat_id, result.get("message_id")), result) if chat_id else result
            markup = params.get("reply_markup") if isinstance(params.get("reply_markup"), dict) else {}
            self._show(result, force_reply=bool(markup.get("force_reply")),
                       placeholder=markup.get("input_field_placeholder"))
        elif method in _EDITS and isinstance(result, dict):
            self._show(result, keep_flags=True)
        elif method in ("deleteMessage", "deleteMessages"):
            chat_id = record.chat_id
            ids = params.get("message_ids") or [params.get("message_id")]
            for message_id in ids:
                if chat_id is not None and self.messages.get(chat_id, {}).pop(int(message_id), None) is not None:
                    self.publish("delete", {"chat": chat_id, "id": int(message_id)})
        elif method == "stopPoll":
            key = (record.chat_id, int(params.get("message_id") or 0))
            if key in self.fake.messages:
                self._show(self.fake.messages[key], keep_flags=True)
        elif method == "setMessageReaction":
            shown = self.messages.get(record.chat_id or 0, {}).get(int(params.get("message_id") or 0))
            if shown is not None:
                shown["reactions"] = [r.get("emoji") for r in params.get("reaction") or [] if isinstance(r, dict)]
                self.publish("message", shown)
        elif method == "answerCallbackQuery" and params.get("text"):
            who = self.queries.get(str(params.get("callback_query_id")))
            self.publish("toast", {"persona": who, "text": params["text"], "alert": bool(params.get("show_alert"))})
        elif method == "setMyCommands":
            self.publish("commands", {})

    def _show(self, message: dict[str, Any], *, by_user: bool = False, force_reply: bool = False,
              placeholder: str | None = None, keep_flags: bool = False) -> None:
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        old = self.messages.get(chat_id, {}).get(message_id)
        sender = message.get("from") or {}
        shown: dict[str, Any] = {
            "chat": chat_id, "id": message_id,
            "from": {"id": sender.get("id"), "name": sender.get("first_name", ""), "bot": bool(sender.get("is_bot"))},
            "at": old["at"] if old else self.clock.now().isoformat(),
            "text": message.get("text"), "entities": message.get("entities") or [],
            "caption": message.get("caption"), "caption_entities": message.get("caption_entities") or [],
            "markup": (message.get("reply_markup") or {}).get("inline_keyboard"),
            "edited": bool(message.get("edit_date")) and old is not None,
            "force_reply": old["force_reply"] if keep_flags and old else force_reply,
            "placeholder": old["placeholder"] if keep_flags and old else placeholder,
            "reactions": old["reactions"] if old else [],
        }
        reply = message.get("reply_to_message")
        if isinstance(reply, dict):
            shown["reply_to"] = {"id": reply.get("message_id"), "name": (reply.get("from") or {}).get("first_name", ""),
                                 "text": (reply.get("text") or reply.get("caption") or "")[:80]}
        if message.get("photo"):
            shown["photo"] = self._file_url(message["photo"][-1])
        if isinstance(message.get("document"), dict):
            doc = message["document"]
            shown["document"] = {"name": doc.get("file_name") or "file", "size": doc.get("file_size"),
                                 "url": self._file_url(doc)}
        if isinstance(message.get("poll"), dict):
            poll = message["poll"]
            shown["poll"] = {"id": poll["id"], "question": poll["question"], "type": poll.get("type"),
                             "closed": poll.get("is_closed"), "anonymous": poll.get("is_anonymous"),
                             "total": poll.get("total_voter_count", 0), "correct": poll.get("correct_option_ids"),
                             "options": [{"text": o["text"], "votes": o["voter_count"]} for o in poll["options"]]}
        if by_user:
            shown["from"]["bot"] = False
        self.messages.setdefault(chat_id, {})[message_id] = shown
        self.dirty = True
        self.publish("message", shown)

    def _file_url(self, obj: dict[str, Any]) -> str | None:
        path = self.fake.file_path(obj.get("file_id", ""))
        return f"/api/file/{path}" if path else None

