"""How the sessions feature (joint study included) shows itself: `actions` (its callback actions and
prompt kinds), `messages` (the announcement and live roll, reminders, the close, notices), `panel`
(the admins' panel, who is expected), `draft` (the scheduling dialogue's card), `lists` (/sessions,
/makeup, /me). What other features use is re-exported here."""

from __future__ import annotations

from views.sessions.actions import Act, Ask
from views.sessions.messages import (
    announce, announcement_markup, announcement_text, day_text, first_parts, form_text, group_makeup_notices,
    header_lines, hm, kind_text, leave_decided_messages, makeup_message, makeup_notices, ordered_makeup_notices,
    response_buttons, roll_lines, session_params, stamp, summary_text, tell_members, when_text,
)

__all__ = [
    "Act", "Ask", "announce", "announcement_markup", "announcement_text", "day_text", "first_parts", "form_text",
    "group_makeup_notices", "header_lines", "hm", "kind_text", "leave_decided_messages", "makeup_message",
    "makeup_notices", "ordered_makeup_notices", "response_buttons", "roll_lines", "session_params", "stamp",
    "summary_text", "tell_members", "when_text",
]
