"""The youth feature (youth groups, 促学): everything it plugs into the bot."""

from __future__ import annotations

from telegram.ext import PollAnswerHandler

from bot.features.base import Feature
from handlers.base import Button, Command
from handlers.youth import evaluate, members, quiz, records, rotation
from jobs.youth import ASK_KIND, activity_closed, plan_youth, quiz_sent_hook, record_ask_sent_hook
from views.youth import Act, Ask

FEATURE = Feature(
    name="youth",
    commands=(
        Command("youth", members.cmd_youth, private=True, group=True),
        Command("swap", rotation.cmd_swap, private=False, group=True),
        Command("record", records.cmd_record, private=True, group=True),
        Command("quiz", quiz.cmd_quiz, private=False, group=True),
        Command("youthflag", members.cmd_youthflag, private=False, group=True, admin=True),
        Command("rotation", rotation.cmd_rotation, private=False, group=True, admin=True),
        Command("evaluate", evaluate.cmd_evaluate, private=False, group=True, admin=True),
    ),
    buttons={
        Act.FLAG_TOGGLE: Button(members.on_flag_toggle, admin=True),
        Act.FLAG_PAGE: Button(members.on_flag_page, admin=True),
        Act.ROTATION_ADD: Button(rotation.on_rotation_add, admin=True),
        Act.ROTATION_UNDO: Button(rotation.on_rotation_undo, admin=True),
        Act.ROTATION_CLEAR: Button(rotation.on_rotation_clear, admin=True),
        Act.ROTATION_KIND: Button(rotation.on_rotation_kind, admin=True),
        Act.ROTATION_DONE: Button(rotation.on_rotation_done, admin=True),
        Act.SWAP_PICK: Button(rotation.on_swap_pick),
        Act.SWAP_YES: Button(rotation.on_swap_yes),
        Act.SWAP_NO: Button(rotation.on_swap_no),
        Act.RECORD_UNIT: Button(records.on_record_unit),
        Act.RECORD_DONE: Button(records.on_record_done),
        Act.RECORD_DROP: Button(records.on_record_drop),
        Act.EVALUATE_LIST: Button(evaluate.on_evaluate_list, admin=True),
        Act.EVALUATE_GROUP: Button(evaluate.on_evaluate_group, admin=True),
        Act.EVALUATE_RATE: Button(evaluate.on_evaluate_rate, admin=True),
        Act.EVALUATE_EXCELLENT: Button(evaluate.on_evaluate_excellent, admin=True),
        Act.CONSENT_YES: Button(evaluate.on_consent_yes),
        Act.CONSENT_NO: Button(evaluate.on_consent_no),
    },
    prompts={Ask.QUIZ_IMPORT: quiz.answer_import, Ask.RECORD: records.answer_record_ask},
    inputs=(records.take_record_input,),
    planners=(("youth", plan_youth),),
    close_hooks=(activity_closed,),
    after_sent={"quiz": quiz_sent_hook, ASK_KIND: record_ask_sent_hook, f"{ASK_KIND}:fb": record_ask_sent_hook},
    update_handlers=(PollAnswerHandler(quiz.on_poll_answer),),
)
