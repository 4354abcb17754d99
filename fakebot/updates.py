"""The update queue: builders that inject updates, getUpdates long polling, webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp

from fakebot.common import (
    _MESSAGE_UPDATE_KEYS,
    _SECRET_RE,
    TELEGRAM_DEFAULT_EXCLUDED,
    JSONDict,
    Request,
    WebhookDelivery,
    _as_float,
    _as_int,
    _has_id,
)
from fakebot.errors import ApiError
from fakebot.render import _utf16_len


class UpdatesMixin:
    """Part of :class:`fakebot.FakeBotAPI` (state lives there)."""

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

    def _enqueue(self, update: JSONDict) -> None:
        self._remember(update)
        if self.privacy_mode and self._withheld(update):
            self.dropped_updates.append(update)  # Telegram never delivers it; the chat still shows it
            self._observe("update", update)
            return
        self.injected[update["update_id"]] = update
        self._pending.append(update)
        self._enqueued_update_id = update["update_id"]
        self._notify_updates()
        self._observe("update", update)

    def _withheld(self, update: JSONDict) -> bool:
        """Privacy mode: in a group where the bot is no admin, it gets commands, replies to its own
        messages and mentions of it, and nothing else."""
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict) or message.get("chat", {}).get("type") not in ("group", "supergroup"):
            return False
        member = self.members.get(message["chat"]["id"], {}).get(self.bot_id)
        if member is not None and member["status"] in ("administrator", "creator"):
            return False
        text = str(message.get("text") or message.get("caption") or "")
        replied = message.get("reply_to_message") or {}
        return not (text.startswith("/") or f"@{self.bot_username}" in text
                    or (replied.get("from") or {}).get("id") == self.bot_id)

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
