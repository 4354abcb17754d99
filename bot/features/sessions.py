"""The sessions feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import sessions as h
from jobs.sessions import plan_sessions

FEATURE = Feature(
    name="sessions",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS, words=h.WORDS, me_sections=h.ME_SECTIONS,
    planners=(("sessions", plan_sessions),),
)
