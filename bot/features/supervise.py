"""The supervise feature (督学: reports, the archive, the 季通报, required actions, rectification):
everything it plugs into the bot, in one place. Button actions are views/supervise's constants."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import supervise as h
from handlers.base import Button, Command
from jobs.supervise import plan_bulletins, plan_rectify_posts, plan_task_reminders
from views.supervise import Act

FEATURE = Feature(
    name="supervise",
    commands=(
        Command("report", h.cmd_report, private=False, group=True, admin=True),
        Command("export", h.cmd_export, private=False, group=True, admin=True),
        Command("tasks", h.cmd_tasks, private=False, group=True, admin=True),
        Command("rectify", h.cmd_rectify, private=False, group=True, admin=True),
    ),
    buttons={
        Act.xlsx: Button(h.on_xlsx, admin=True),
        Act.docx: Button(h.on_docx, admin=True),
        Act.task_done: Button(h.on_task_done, admin=True),
    },
    planners=(("bulletins", plan_bulletins), ("tasks", plan_task_reminders), ("rectify", plan_rectify_posts)),
)
