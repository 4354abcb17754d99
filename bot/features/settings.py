"""The settings feature (a unit's /settings panel; its rows come from every feature's `settings`):
everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import settings as h
from handlers.base import Button, Command
from views.settings import Act, Ask

FEATURE = Feature(
    name="settings",
    commands=(Command("settings", h.cmd_settings, private=False, group=True, admin=True),),
    buttons={
        Act.OPEN: Button(h.on_open, admin=True),
        Act.VALUE: Button(h.on_value, admin=True),
        Act.BACK: Button(h.on_back, admin=True),
    },
    prompts={Ask.VALUE: h.answer_value},
)
