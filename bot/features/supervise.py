"""The supervise feature: everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import supervise as h
from jobs.supervise import plan_bulletins, plan_rectify_posts, plan_task_reminders

FEATURE = Feature(
    name="supervise",
    commands=h.COMMANDS, buttons=h.BUTTONS,
    planners=(("bulletins", plan_bulletins), ("tasks", plan_task_reminders), ("rectify", plan_rectify_posts)),
)
