"""The selfstudy feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import selfstudy as h
from jobs.selfstudy import plan_midweek_nudges, plan_weekly_reminders, plan_weekly_summaries

FEATURE = Feature(
    name="selfstudy",
    commands=h.COMMANDS, buttons=h.BUTTONS, prompts=h.PROMPTS, words=h.WORDS, settings=h.SETTINGS,
    me_figures=h.ME_FIGURES, me_sections=h.ME_SECTIONS,
    planners=(("weekly", plan_weekly_reminders), ("midweek", plan_midweek_nudges), ("summary", plan_weekly_summaries)),
)
