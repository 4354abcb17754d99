"""The agenda feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import agenda as h
from jobs.agenda import plan_agenda
from views.agenda import session_part

FEATURE = Feature(
    name="agenda",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS, settings=h.SETTINGS, me_sections=h.ME_SECTIONS,
    planners=(("agenda", plan_agenda),),  # after sessions: it follows up the sessions they closed
    announcement_parts=(session_part,),
)
