"""The first agenda item feature (第一议题): everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers import agenda as h
from handlers.base import Button, Command, Setting
from jobs.agenda import plan_agenda
from models.agenda import set_followup_days
from views.agenda import SETTING_FOLLOWUP_DAYS, Act, Ask, followup_choices, followup_value, session_part

FEATURE = Feature(
    name="agenda",
    commands=(
        Command("agenda", h.cmd_agenda, private=False, group=True, admin=True),
        Command("measures", h.cmd_measures, private=True, group=True),
    ),
    buttons={
        Act.category: Button(h.on_category, admin=True),
        Act.study_days: Button(h.on_study_days, admin=True),
        Act.study_day_typed: Button(h.on_study_day_typed, admin=True),
        Act.publish: Button(h.on_publish, admin=True),
        Act.discard: Button(h.on_discard, admin=True),
        Act.studied: Button(h.on_studied),
        Act.session_menu: Button(h.on_session_menu, admin=True),
        Act.attach: Button(h.on_attach, admin=True),
        Act.add_measure: Button(h.on_add_measure, admin=True),
        Act.owner: Button(h.on_owner, admin=True),
        Act.progress: Button(h.on_progress),
        Act.done: Button(h.on_done),
    },
    prompts={
        Ask.item_title: h.answer_title, Ask.source: h.answer_source, Ask.date: h.answer_study_by,
        Ask.measure: h.answer_measure, Ask.progress: h.answer_progress,
    },
    settings=(
        Setting(SETTING_FOLLOWUP_DAYS, "agenda.set_followup", "agenda.sec_settings", followup_value,
                set_followup_days, choices=followup_choices),
    ),
    me_sections=(h.me_agenda,),
    planners=(("agenda", plan_agenda),),  # after sessions: it follows up the sessions they closed
    announcement_parts=(session_part,),
)
