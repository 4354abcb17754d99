"""The start feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import start as h


FEATURE = Feature(
    name="start",
    commands=h.COMMANDS,
)
