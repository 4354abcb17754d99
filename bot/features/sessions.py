"""The sessions feature: everything it plugs into the bot (联学共建's own parts: bot/features/joint.py)."""

from __future__ import annotations

import re

from bot.features.base import Feature
from handlers.base import Button, Command, Word
from handlers.sessions import checkin, commands, dialogue, leave, makeup, panel
from handlers.sessions.checkin import CHECKIN_WORD
from jobs.sessions import plan_sessions
from views.sessions import Act, Ask

FEATURE = Feature(
    name="sessions",
    commands=(
        Command("checkin", checkin.cmd_checkin, private=True, group=True),
        Command("leave", leave.cmd_leave, private=True, group=True),
        Command("makeup", makeup.cmd_makeup, private=True, group=True),
        Command("session", commands.cmd_session, private=False, group=True, admin=True),
        Command("sessions", commands.cmd_sessions, private=False, group=True, admin=True),
        Command("status", commands.cmd_status, private=False, group=True, admin=True),
        Command("nudge", commands.cmd_nudge, private=False, group=True, admin=True),
    ),
    buttons={
        Act.CHECKIN: Button(checkin.on_checkin_button),
        Act.LEAVE: Button(leave.on_leave_button),
        Act.PANEL: Button(panel.on_panel, admin=True),
        Act.LEAVE_APPROVE: Button(leave.on_leave_approve, admin=True),
        Act.LEAVE_REJECT: Button(leave.on_leave_reject, admin=True),
        Act.PROXY: Button(panel.on_proxy, admin=True),
        Act.EXPECTED: Button(panel.on_expected, admin=True),
        Act.EXPECTED_TOGGLE: Button(panel.on_expected_toggle, admin=True),
        Act.MAKEUP_DONE: Button(makeup.on_makeup_done, admin=True),
        Act.DRAFT_KIND: Button(dialogue.on_draft_kind, admin=True),
        Act.DRAFT_FORM: Button(dialogue.on_draft_form, admin=True),
        Act.DRAFT_DATE: Button(dialogue.on_draft_date, admin=True),
        Act.DRAFT_TIME: Button(dialogue.on_draft_time, admin=True),
        Act.DRAFT_DURATION: Button(dialogue.on_draft_duration, admin=True),
        Act.DRAFT_MENU: Button(dialogue.on_draft_menu, admin=True),
        Act.DRAFT_INPUT: Button(dialogue.on_draft_input, admin=True),
        Act.DRAFT_PUBLISH: Button(dialogue.on_draft_publish, admin=True),
        Act.DRAFT_DISCARD: Button(dialogue.on_draft_discard, admin=True),
    },
    prompts={
        Ask.LEAVE: leave.answer_leave,
        Ask.PROXY: panel.answer_proxy,
        Ask.DRAFT_TEXT: dialogue.answer_draft_text,
    },
    words=(
        Word(re.compile(CHECKIN_WORD), checkin.word_checkin),
        Word(re.compile(r"请假[\s:：,，]*(.*)", re.DOTALL), leave.word_leave),
    ),
    me_sections=(makeup.me_sessions,),
    planners=(("sessions", plan_sessions),),
)
