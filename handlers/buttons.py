"""One entry point for inline buttons: decode with the codec, check admin, route by action."""

from __future__ import annotations

from telegram import Update

from bot.admins import is_telegram_admin, is_unit_admin
from bot.callbacks import BadCallback
from bot.context import Ctx, handler
from models.errors import DomainError


async def caller_is_admin(update: Update, ctx: Ctx) -> bool:
    """Admin of this chat's unit; in a group not bound yet, a Telegram admin of it."""
    if ctx.unit is not None:
        return await is_unit_admin(ctx, ctx.unit)
    chat = update.effective_chat
    return chat is not None and chat.id < 0 and await is_telegram_admin(ctx, chat.id, update.effective_user.id)


@handler
async def on_button(update: Update, ctx: Ctx) -> None:
    try:
        cb = ctx.state.codec.decode(update.callback_query.data)
        button = ctx.state.features.buttons[cb.action]
    except (BadCallback, KeyError):
        raise DomainError("errors.bad_callback") from None
    if button.admin and not await caller_is_admin(update, ctx):
        raise DomainError("errors.not_admin")
    await button.fn(update, ctx, cb)
