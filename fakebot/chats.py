"""Chats, users and members: who is in which group, admins, bans, pins."""

from __future__ import annotations

import time
from typing import Any

from fakebot.common import (
    _ADMIN_RIGHTS,
    _MEMBER_STATUSES,
    _RESTRICTED_PERMISSIONS,
    JSONDict,
    Request,
    _as_int,
    _has_id,
    _private_chat,
)
from fakebot.errors import ApiError


class ChatsMixin:
    """Part of :class:`fakebot.FakeBotAPI` (state lives there)."""

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

    def _remember_chat(self, chat: JSONDict) -> None:
        if chat.get("type") in ("group", "supergroup", "channel") and chat["id"] not in self.chats:
            self.chats[chat["id"]] = chat

    def _remember_user(self, user: Any) -> None:
        if _has_id(user):
            self.users.setdefault(user["id"], user)

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

    async def _get_me(self, record: Request) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

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
