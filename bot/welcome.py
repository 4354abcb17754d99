"""A burst of joins in one group reads as one welcome, edited in place (as the live roll does for
check-ins), not a message per member: a group takes about 20 messages a minute.

The first few joins in a minute are welcomed one by one, as always; after that, joins within
WINDOW of the roll's first message are named in that message, edited (within the group's window)
as names arrive. Memberships are in the database; only the wording of the welcome lives here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from bot.pacing import send_paced

if TYPE_CHECKING:
    from telegram import Bot, ReplyMarkup

    from bot.delivery import Sender

log = logging.getLogger("wuxue.welcome")

WINDOW = timedelta(seconds=60)
SINGLE = 5  # welcomes of their own per chat within WINDOW before joins are rolled into one message


@dataclass
class Roll:
    started: datetime
    names: list[str] = field(default_factory=list)
    message_id: int | None = None
    shown: int = 0  # how many names the message shows
    task: asyncio.Task | None = None


@dataclass
class Chat:
    singles: deque[datetime] = field(default_factory=deque)
    roll: Roll | None = None


class Welcomes:
    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self._tasks: set[asyncio.Task] = set()

    def single(self, chat_id: int, now: datetime) -> bool:
        """Whether this join gets a message of its own (few joins lately) — and count it if so."""
        chat = self.chats.setdefault(chat_id, Chat())
        while chat.singles and now - chat.singles[0] > WINDOW:
            chat.singles.popleft()
        if len(chat.singles) < SINGLE and (chat.roll is None or now - chat.roll.started > WINDOW):
            chat.singles.append(now)
            return True
        return False

    async def add(self, bot: Bot, sender: Sender | None, chat_id: int, name: str, now: datetime,
                  render: Callable[[list[str]], tuple[str, ReplyMarkup | None]]) -> None:
        """Name `name` in the chat's roll: a new message if none is open, else an edit (coalesced)."""
        chat = self.chats.setdefault(chat_id, Chat())
        roll = chat.roll
        if roll is None or now - roll.started > WINDOW:
            roll = chat.roll = Roll(started=now, names=[name])
            text, markup = render(roll.names)
            msg = await send_paced(sender, chat_id, lambda: bot.send_message(chat_id, text, reply_markup=markup))
            roll.message_id, roll.shown = msg.message_id, 1
            if len(roll.names) > roll.shown:  # names that arrived while it was being sent
                self._flush_later(bot, sender, chat_id, roll, render)
            return
        roll.names.append(name)
        if roll.message_id is not None:
            self._flush_later(bot, sender, chat_id, roll, render)

    def _flush_later(self, bot: Bot, sender: Sender | None, chat_id: int, roll: Roll, render) -> None:  # noqa: ANN001
        if roll.task is None or roll.task.done():
            roll.task = asyncio.create_task(self._flush(bot, sender, chat_id, roll, render))
            self._tasks.add(roll.task)
            roll.task.add_done_callback(self._tasks.discard)

    async def _flush(self, bot: Bot, sender: Sender | None, chat_id: int, roll: Roll, render) -> None:  # noqa: ANN001
        # One edit per free slot in the group's window, showing every name that arrived meanwhile.
        while roll.shown < len(roll.names):
            names = list(roll.names)
            text, markup = render(names)
            try:
                await send_paced(sender, chat_id, lambda: bot.edit_message_text(
                    text, chat_id=chat_id, message_id=roll.message_id, reply_markup=markup))
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    log.warning("welcome roll in %s not updated: %s", chat_id, exc)
                    return
            except Exception:  # noqa: BLE001 - a welcome's wording must not take the bot down
                log.exception("welcome roll in %s not updated", chat_id)
                return
            roll.shown = len(names)

    async def idle(self) -> None:
        """Until every pending edit went out (for tests and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
