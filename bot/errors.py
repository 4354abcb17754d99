"""The error handler: log with a reference id, tell the user something short in their language."""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.error import TelegramError

from bot.context import Ctx
from bot.i18n import pick_lang, t

log = logging.getLogger("wuxue.errors")


async def on_error(update: object, ctx: Ctx) -> None:
    ref = secrets.token_hex(4)
    log.error("error ref=%s while handling update: %s", ref, type(ctx.error).__name__, exc_info=ctx.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = pick_lang(user.language_code if user else None, None, ctx.bot_data.settings.locale)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(lang, "errors.internal", ref=ref), show_alert=True)
        else:
            await ctx.bot.send_message(update.effective_chat.id, t(lang, "errors.internal", ref=ref))
    except TelegramError:
        log.warning("could not tell the user about error ref=%s", ref)
