"""The settings feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import settings as h


FEATURE = Feature(
    name="settings",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS,
)
