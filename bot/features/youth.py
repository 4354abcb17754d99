"""The youth feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import youth as h
from jobs.youth import ASK_KIND, activity_closed, plan_youth, quiz_sent_hook, record_ask_sent_hook

FEATURE = Feature(
    name="youth",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS, inputs=h.INPUTS,
    planners=(("youth", plan_youth),),
    close_hooks=(activity_closed,),
    after_sent={"quiz": quiz_sent_hook, ASK_KIND: record_ask_sent_hook, f"{ASK_KIND}:fb": record_ask_sent_hook},
)
