"""The start feature (/start, /help, and the answer to an unknown command): everything it plugs in."""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from bot.features.base import Feature
from handlers import start as h
from handlers.base import Command

FEATURE = Feature(
    name="start",
    commands=(
        Command("start", h.cmd_start, private=True, group=False),
        Command("help", h.cmd_help, private=True, group=True),
    ),
    # Commands no feature declares; added after every feature's CommandHandler (handlers.register).
    update_handlers=(MessageHandler(filters.COMMAND, h.on_unknown_command),),
)
