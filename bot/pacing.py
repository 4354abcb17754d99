"""Direct sends (handler replies, the welcome roll) within the same windows the outbox sender uses.

A send into a group waits for room in that group's window (20 in any minute, shared with the
sender); a private one goes at once. Either is retried after `retry_after` when Telegram answers 429,
rather than dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from telegram.error import RetryAfter

if TYPE_CHECKING:
    from bot.delivery import Sender

log = logging.getLogger("wuxue.pacing")

T = TypeVar("T")
RETRIES = 3


def _seconds(exc: RetryAfter) -> float:
    r = exc.retry_after
    return r if isinstance(r, (int, float)) else r.total_seconds()


async def send_paced(sender: Sender | None, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
    """Run `call` (one Bot API request to `chat_id`) once the windows allow it; 429 → wait, retry."""
    attempt = 0
    while True:
        if sender is None:
            ticket = None
        else:
            limiter = sender.limiter
            if chat_id < 0:  # private replies stay immediate: only groups wait for their window
                while (wait := max(limiter.group_wait(chat_id), limiter.overall_wait())) > 0:
                    await asyncio.sleep(wait)
            ticket = limiter.start(chat_id)
        try:
            return await call()
        except RetryAfter as exc:
            attempt += 1
            if attempt > RETRIES:
                raise
            log.warning("reply to %s refused by flood control: retrying in %.1f s", chat_id, _seconds(exc))
            await asyncio.sleep(_seconds(exc))
        finally:
            if ticket is not None:
                ticket.finish()
