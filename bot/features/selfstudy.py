"""The selfstudy feature (weekly self-study, plans, readings, hours, /me): everything it plugs into
the bot, in one place. Button actions and question kinds are views/selfstudy's constants."""

from __future__ import annotations

from bot.features.base import Feature
from handlers.base import Button, Command, Setting, Word
from handlers.selfstudy import me, members, plan, readings, study
from handlers.selfstudy import settings as apply
from jobs.selfstudy import plan_midweek_nudges, plan_weekly_reminders, plan_weekly_summaries
from views.selfstudy import Act, Ask
from views.selfstudy import settings as show


def _reminder_rows(name: str, short: str) -> tuple[Setting, ...]:
    """A weekly reminder's three rows: on/off, the weekday, the time."""
    section = f"ss_set.sec_{name}"
    return (
        Setting(f"r{short}.on", f"ss_set.{name}", section, show.reminder_on(name), apply.reminder_on(name),
                choices=show.on_off, toggle=True, button=show.reminder_toggle(name)),
        Setting(f"r{short}.d", "ss_set.weekday", section, show.reminder_day(name), apply.reminder_day(name),
                choices=show.weekdays, button=show.reminder_day(name)),
        Setting(f"r{short}.t", "ss_set.time", section, show.reminder_at(name), apply.reminder_at(name),
                prompt="ss_set.ask_time", button=show.reminder_at(name)),
    )


def _target_row(who: str) -> Setting:
    return Setting(f"tg.{who}", f"ss_set.target_{who}", "ss_set.sec_targets", show.target(who), apply.target(who),
                   prompt="ss_set.ask_hours")


FEATURE = Feature(
    name="selfstudy",
    commands=(
        Command("study", study.cmd_study, private=True, group=True),
        Command("plan", plan.cmd_plan, private=True, group=True),
        Command("readings", readings.cmd_readings, private=True, group=True),
        Command("me", me.cmd_me, private=True, group=True),
        Command("away", study.cmd_away, private=True, group=True),
        Command("hours", members.cmd_hours, private=False, group=True, admin=True),
        Command("training", members.cmd_training, private=False, group=True, admin=True),
        Command("rank", members.cmd_rank, private=False, group=True, admin=True),
    ),
    buttons={
        Act.undo: Button(study.on_undo),
        Act.item_done: Button(plan.on_item_done),
        Act.read: Button(readings.on_read),
        Act.away_cancel: Button(study.on_away_cancel),
        Act.draft_week: Button(plan.on_draft_week, admin=True),
        Act.draft_add: Button(plan.on_draft_add, admin=True),
        Act.draft_minutes: Button(plan.on_draft_minutes, admin=True),
        Act.draft_drop: Button(plan.on_draft_drop, admin=True),
        Act.draft_publish: Button(plan.on_draft_publish, admin=True),
        Act.draft_cancel: Button(plan.on_draft_cancel, admin=True),
        Act.push: Button(plan.on_push, admin=True),
        Act.rank_cycle: Button(members.on_rank_cycle, admin=True),
        Act.rank_page: Button(members.on_rank_page, admin=True),
    },
    prompts={Ask.minutes: plan.answer_minutes, Ask.items: plan.answer_items},
    words=(Word(study.STUDY_WORD, study.word_study, private=True, group=True),),
    settings=(
        *_reminder_rows("weekly", "w"),
        *_reminder_rows("midweek", "m"),
        *_reminder_rows("summary", "s"),
        Setting("ss.names", "ss_set.names", "ss_set.sec_summary_names", show.names_shown, apply.names_shown,
                toggle=True, choices=show.names_choices),
        _target_row("member"),
        _target_row("leader"),
    ),
    me_figures=(me.me_figures,),
    me_sections=(me.me_hours, me.me_plan, me.me_readings, me.me_away),
    planners=(("weekly", plan_weekly_reminders), ("midweek", plan_midweek_nudges), ("summary", plan_weekly_summaries)),
)
