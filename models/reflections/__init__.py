"""Reflections (心得体会) and study notes (学习笔记调阅).

A reflection is written in private chat as a draft (text parts, one per message, plus attachments),
submitted, reviewed (点评: returned for revision or approved with a grade) and, when excellent and
the author consents, shown to the unit (优秀案例). Only the author and the admins of the author's unit
chain may see it.

Its subject is a generic (kind, ref_id) pair. A subject provider — one per feature with things to
reflect on (sessions, agenda items, weekly plans, 补学 items…) — lists a member's candidate subjects
and hears when a reflection on one of its subjects is submitted or approved (so it can close a 补学
item or an agenda follow-up). Adding one is a subclass of `SubjectProvider` declared in a feature (`reflection_subjects`),
and a catalog text `reflect_subject.<kind>` (with `{title}`) in the feature's locale files.
"""

from __future__ import annotations

from models.units import member_by_username
from models.reflections.notes import (
    DUE_MAX_DAYS, active_input, add_note, default_due, edit_note, finish_notes, note_items,
    own_note_request, parse_due, request_notes, start_notes, unit_note_requests,
)
from models.reflections.review import (
    TALLY, approve, clean_comment, close_review_prompts, decide_showcase, pending, return_for_revision,
    reviewable_unit_ids, reviews_of, tally_figures, unit_chain,
)
from models.reflections.subjects import (
    PROVIDERS, Subject, SubjectProvider, candidate_subjects, install_subjects, resolve_subject,
)
from models.reflections.tables import (
    MAX_CHARS, MAX_FILE_BYTES, MIN_CHARS_CEILING, Grade, NoteItem, NoteRequest, NoteState, Reflection, ReflectionFile,
    ReflectionPart, ReflectionReview, ReflectionState, Showcase,
)
from models.reflections.writing import (
    FileIn, add_part, check_file, clear_draft, count_chars, current_draft, discard_draft, edit_part,
    files_of, min_chars, my_reflections, open_draft, own_reflection, parse_min_chars, reopen, set_min_chars, submit,
    touch_draft,
)
from models.units import person_units  # re-exported: its callers import it from here


__all__ = [
    "DUE_MAX_DAYS", "FileIn", "Grade", "MAX_CHARS", "MAX_FILE_BYTES", "MIN_CHARS_CEILING", "NoteItem", "NoteRequest",
    "NoteState", "PROVIDERS", "Reflection", "ReflectionFile", "ReflectionPart", "ReflectionReview", "ReflectionState",
    "Showcase", "Subject", "SubjectProvider", "TALLY", "active_input", "add_note", "add_part", "approve",
    "candidate_subjects", "check_file", "clean_comment", "clear_draft", "close_review_prompts",
    "count_chars", "current_draft", "decide_showcase", "default_due", "discard_draft", "edit_note", "edit_part",
    "files_of", "finish_notes", "member_by_username", "min_chars", "my_reflections", "note_items", "open_draft",
    "own_note_request", "own_reflection", "parse_due", "parse_min_chars", "pending", "person_units",
    "install_subjects", "reopen", "request_notes", "resolve_subject", "return_for_revision", "reviewable_unit_ids",
    "reviews_of", "set_min_chars", "start_notes", "submit", "tally_figures", "touch_draft", "unit_chain",
    "unit_note_requests",
]
