"""The handler registry: one explicit, ordered list (first match wins within a group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import errors
from handlers import buttons, messages
from handlers.sessions import quick_checkin

if TYPE_CHECKING:
    from bot.features.base import Features


def register(app: Application, features: Features) -> None:
    app.add_handlers([
        *(CommandHandler(c.name, c.callback) for c in features.commands),
        *quick_checkin.handlers(),  # 签到 in a busy group; everything else falls through to the next ones
        CallbackQueryHandler(buttons.on_button),
        *features.update_handlers,  # chat members, poll answers, unknown commands: each feature's own
        MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL & ~filters.VIA_BOT, messages.on_message),
    ])
    app.add_error_handler(errors.on_error)


ALLOWED_UPDATES = [
    Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.CHAT_MEMBER, Update.MY_CHAT_MEMBER,
    Update.POLL, Update.POLL_ANSWER,
]
