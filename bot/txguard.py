"""No Bot API call while a database transaction is open.

A transaction held across a network call keeps its locks (and, on SQLite, the write lock) for as long
as Telegram takes to answer, and a failure after a send leaves a message with nothing behind it. The
update's wrapper (bot/context.py) marks its session in `TX_OPEN`; the Bot API client (bot/http.py)
calls `check` before every request. In production a breach is logged; tests run strict (it raises and
is recorded, and the harness fails the test).

Allowed: `getChatMember`, Telegram's admin status of a caller, a read that guards admin commands and
is cached for a minute (see ARCHITECTURE.md).
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

log = logging.getLogger("wuxue.txguard")

TX_OPEN: contextvars.ContextVar[Any] = contextvars.ContextVar("wuxue_tx_open", default=None)
ALLOWED_IN_TRANSACTION = frozenset({"getChatMember"})


class Guard:
    strict = False
    breaches: list[str] = []


def check(url: str) -> None:
    session = TX_OPEN.get()
    if session is None or not session.in_transaction():
        return
    method = url.rsplit("/", 1)[-1]
    if method in ALLOWED_IN_TRANSACTION:
        return
    if "/file/" in url:
        method = "file download"
    message = f"Bot API call ({method}) while a database transaction is open"
    if Guard.strict:
        Guard.breaches.append(method)
        raise RuntimeError(message)
    log.warning(message)
