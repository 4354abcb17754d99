"""Study sessions (三会一课, 主题党日, 中心组学习…), their rolls, leave, and make-up study (补学).

A session has a check-in window (opens before the start, closes after it) and a roll: one
`Attendance` row per expected member, written when the session is created, so a check-in is one
small update. Each response bumps the session's `roll_version`; a job re-renders the live roll in
the group when the version moved (so check-ins never wait for a roll rebuild). At close, whoever
did not respond is absent and, like a member whose leave was refused, gets a `Makeup` item.

Submodules, each importing only those above it: `tables` (the tables, kinds and states), `parsing`
(what admins type), `scheduling` (window options, create, edit, cancel), `lookup` (a unit's sessions,
with the joint ones it is a partner of), `checkin`, `close` (the close and 补学), `roll` (leave,
代签/补签, counts), `attended` (attendance as study time), `drafts` (the guided dialogue).
"""

from __future__ import annotations

from models.sessions.tables import (
    ATTENDED, ActivityForm, Attendance, DEFAULT_MINUTES, DRAFT_TTL, FORM_KINDS, KIND_TIERS, LEAVE,
    MAKEUP_NOTE_MAX, MAKEUP_NOTE_MIN, MAKEUP_TITLE_MAX, Makeup, MakeupState, PLACE_MAX, PRESENTER_MAX,
    REASON_MAX, SessionDraft, SessionKind, SessionPartner, SessionState, Status, StudySession, TOPIC_MAX, Via,
    dialect_insert, kinds_for, takes_form, tier_for,
)
from models.sessions.parsing import (
    FORM_WORDS, KIND_WORDS, SessionSpec, WEEKDAYS, check_times, clean_place, clean_presenter, clean_reason,
    clean_text, clean_topic, day_hm, hm, local_span, parse_date, parse_form, parse_kind, parse_session_line,
    parse_time_range,
)
from models.sessions.scheduling import (
    SessionOptions, WINDOW_MAX, bump_roll, cancel_session, create_session, session_options, set_session_options,
    update_session,
)
from models.sessions.lookup import (
    leave_targets, nearest_session, of_unit, open_or_opening, open_sessions, person_open_sessions, unit_session,
    unit_sessions,
)
from models.sessions.checkin import (
    CheckinResult, QuickCheckin, QuickCheckinRace, checkin, quick_checkins, window_check,
)
from models.sessions.close import (
    Closed, close_session, confirm_makeup, due_to_close, makeup_reminder_times, makeup_topic, makeups_to_remind,
    open_makeups, order_makeups, session_makeups, submit_makeup,
)
from models.sessions.roll import (
    Counts, ask_leave, count, decide_leave, member_choices, proxy_checkin, roll, session_counts, set_expected,
)
from models.sessions.attended import (
    attendance_tally, attended_minutes, attended_minutes_source, attended_sessions,
)
from models.sessions.drafts import draft_missing, draft_spec, drop_draft, get_draft, new_draft, set_draft

__all__ = [
    "ATTENDED", "ActivityForm", "Attendance", "DEFAULT_MINUTES", "DRAFT_TTL", "FORM_KINDS", "KIND_TIERS",
    "LEAVE", "MAKEUP_NOTE_MAX", "MAKEUP_NOTE_MIN", "MAKEUP_TITLE_MAX", "Makeup", "MakeupState", "PLACE_MAX",
    "PRESENTER_MAX", "REASON_MAX", "SessionDraft", "SessionKind", "SessionPartner", "SessionState", "Status",
    "StudySession", "TOPIC_MAX", "Via", "dialect_insert", "kinds_for", "takes_form", "tier_for", "FORM_WORDS",
    "KIND_WORDS", "SessionSpec", "WEEKDAYS", "check_times", "clean_place", "clean_presenter", "clean_reason",
    "clean_text", "clean_topic", "day_hm", "hm", "local_span", "parse_date", "parse_form", "parse_kind",
    "parse_session_line", "parse_time_range", "SessionOptions", "WINDOW_MAX", "bump_roll", "cancel_session",
    "create_session", "session_options", "set_session_options", "update_session", "leave_targets",
    "nearest_session", "of_unit", "open_or_opening", "open_sessions", "person_open_sessions", "unit_session",
    "unit_sessions", "CheckinResult", "QuickCheckin", "QuickCheckinRace", "checkin", "quick_checkins",
    "window_check", "Closed", "close_session", "confirm_makeup", "due_to_close", "makeup_reminder_times",
    "makeup_topic", "makeups_to_remind", "open_makeups", "order_makeups", "session_makeups", "submit_makeup",
    "Counts", "ask_leave", "count", "decide_leave", "member_choices", "proxy_checkin", "roll", "session_counts",
    "set_expected", "attendance_tally", "attended_minutes", "attended_minutes_source", "attended_sessions",
    "draft_missing", "draft_spec", "drop_draft", "get_draft", "new_draft", "set_draft",
]
