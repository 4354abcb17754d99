"""The reflections feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import reflections as h
from jobs.reflections import plan_note_reminders

FEATURE = Feature(
    name="reflections",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS, inputs=h.INPUTS,
    me_figures=h.ME_FIGURES, me_sections=h.ME_SECTIONS,
    planners=(("notes", plan_note_reminders),),
)
