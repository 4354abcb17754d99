"""The reflections feature (心得体会, review, showcase, study notes): everything it plugs into the bot."""

from __future__ import annotations

from bot.features.base import Feature
from handlers.base import Button, Command
from handlers.reflections import inputs, notes, review, writing
from jobs.reflections import plan_note_reminders
from views.reflections import Act, Ask

FEATURE = Feature(
    name="reflections",
    commands=(
        Command("reflect", writing.cmd_reflect, private=True, group=True),
        # Listed for groups, where admins start; it also answers in private (cards live there).
        Command("review", review.cmd_review, private=False, group=True, admin=True),
        Command("notes", notes.cmd_notes, private=False, group=True, admin=True),
    ),
    buttons={
        Act.subject: Button(writing.on_subject),
        Act.submit: Button(writing.on_submit),
        Act.preview: Button(writing.on_preview),
        Act.panel: Button(writing.on_panel),
        Act.clear: Button(writing.on_clear),
        Act.discard: Button(writing.on_discard),
        Act.edit: Button(writing.on_edit),
        Act.mine: Button(writing.on_mine),
        Act.view: Button(writing.on_view),
        Act.showcase: Button(writing.on_showcase),
        # Review buttons live in private chat, where there is no unit to check an admin flag against:
        # each checks the caller against the reflection's unit chain itself.
        Act.review_view: Button(review.on_review_view),
        Act.review_next: Button(review.on_review_next),
        Act.review_approve: Button(review.on_review_approve),
        Act.review_grade: Button(review.on_review_grade),
        Act.review_go: Button(review.on_review_go),
        Act.review_excellent: Button(review.on_review_excellent),
        Act.review_return: Button(review.on_review_return),
        Act.review_full: Button(review.on_review_full),
        Act.review_files: Button(review.on_review_files),
        Act.notes_pick: Button(notes.on_notes_pick, admin=True),
        Act.notes_page: Button(notes.on_notes_page, admin=True),
        Act.notes_start: Button(notes.on_notes_start),
        Act.notes_done: Button(notes.on_notes_done),
        Act.notes_view: Button(notes.on_notes_view),
    },
    prompts={Ask.approve: review.answer_approve, Ask.return_: review.answer_return},
    inputs=(inputs.take_input,),
    me_figures=(writing.me_figures,),
    me_sections=(writing.me_reflections,),
    planners=(("notes", plan_note_reminders),),
)
