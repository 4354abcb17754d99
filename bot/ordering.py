"""Updates processed concurrently, each user's (and each private chat's) in the order they came.

PTB's default handles one update at a time, so every wait on the database or on Telegram holds up
all the others. `OrderedUpdateProcessor` lets up to `limit` updates run at once, but an update waits
for every earlier update that shares one of its keys:

* the user who sent it (a person's messages, button presses and prompt answers stay in order, so a
  dialogue or a ForceReply answer never overtakes the question before it);
* its chat, when it is a private chat, or an update about the chat itself (the bot added or removed,
  members joining or leaving, a group migrating) rather than a message or button press of one user.

Two members checking in in the same group therefore run side by side; the database keeps them apart
(one session per update, and the check-in is idempotent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore never blocks (so updates enter `do_process_update` in the order PTB started
# them, which is the order they came); the limit is applied after the keys are queued.
_PTB_LIMIT = 1_000_000


def update_keys(update: object) -> tuple[tuple[str, int], ...]:
    """What this update must stay in order with (see the module docstring)."""
    if not isinstance(update, Update):
        return (("other", 0),)  # custom updates: one after another
    keys: list[tuple[str, int]] = []
    user = update.effective_user
    if user is not None:
        keys.append(("user", user.id))
    chat = update.effective_chat
    if chat is not None:
        per_user = (update.message or update.edited_message or update.callback_query) is not None
        if chat.type == ChatType.PRIVATE or not per_user or user is None:
            keys.append(("chat", chat.id))
    return tuple(keys) or (("other", 0),)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Up to `limit` updates at once, in order per user and per private chat (module docstring)."""

    __slots__ = ("_last", "_limit")

    def __init__(self, limit: int) -> None:
        super().__init__(_PTB_LIMIT if limit > 1 else 1)
        self._limit = asyncio.Semaphore(limit)
        self._last: dict[tuple[str, int], asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        loop = asyncio.get_running_loop()
        mine: asyncio.Future[None] = loop.create_future()
        keys = update_keys(update)
        before = [self._last[k] for k in keys if k in self._last]
        for k in keys:  # queued before the first await: the order is the order of arrival
            self._last[k] = mine
        started = False
        try:
            for earlier in before:
                await asyncio.shield(earlier)
            async with self._limit:
                started = True
                await coroutine
        finally:
            if not started and hasattr(coroutine, "close"):
                coroutine.close()  # cancelled while waiting its turn (shutdown)
            mine.set_result(None)
            for k in keys:
                if self._last.get(k) is mine:
                    del self._last[k]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
