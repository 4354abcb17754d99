"""Small rules every feature's handlers share (one copy each): where the update came from, the unit a
button names, a number typed after a command."""

from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ChatType

from bot.callbacks import BadCallback, Callback
from bot.context import Ctx
from models.errors import DomainError
from models.units import Unit

NUMBER = re.compile(r"#?(\d{1,12})")


def in_group(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def in_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def number(text: str, *, error: str, example: str) -> int:
    """A record's number as typed (`12`, `#12`); else DomainError(`error`, given=…, example=…)."""
    m = NUMBER.fullmatch(text.strip())
    if m is None:
        raise DomainError(error, given=text.strip()[:20], example=example)
    return int(m[1])


def own_unit(ctx: Ctx, cb: Callback, index: int = 0) -> Unit:
    """The unit a button names (argument `index`), which must be this chat's unit: buttons cannot
    reach other chats' objects."""
    try:
        unit_id = cb.int_arg(index)
    except BadCallback:
        raise DomainError("errors.bad_callback") from None
    if ctx.unit is None or ctx.unit.id != unit_id:
        raise DomainError("errors.bad_callback")
    return ctx.unit
