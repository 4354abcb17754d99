"""The units feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import units as h


FEATURE = Feature(
    name="units",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS,
)
