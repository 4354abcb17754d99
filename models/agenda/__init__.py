"""The first agenda item (第一议题): an item published down the tree, studied before the meeting
(会前自学, "已学习"), led at a session (会上领学), followed up by reflections (会后督学), and turned
into measures tracked to closure (闭环落实).

An item is a row from the first step of the guided dialogue (state `draft`), so a restart in the
middle of the dialogue loses nothing. Publishing fixes its target units (the publisher's unit and,
optionally, every unit below it). A member has studied the item when they pressed "已学习" or attended
a session carrying it.
"""

from __future__ import annotations

from models.agenda.followups import assign_followups, complete_followup, followups_to_remind, open_followups
from models.agenda.items import (
    create_item, draft_item, draft_missing, new_item, notice_key, publish, target_units, unit_items, visible_item,
)
from models.agenda.leading import attach, bare_leadership_sessions, session_items, upcoming_sessions
from models.agenda.measures import (
    draft_measure, finish_measure, overdue_measures, overdue_reminder_times, person_measures, record_progress,
    set_owner, unit_measure, unit_measures,
)
from models.agenda.parsing import (
    check_study_by, clean_title, end_of_day, followup_days, parse_category, parse_day, parse_item_line,
    parse_measure_line, parse_source, set_followup_days,
)
from models.agenda.reports import ArchiveRow, archive_rows, rollup
from models.agenda.study import (
    has_studied, items_to_remind, mark_studied, not_studied, studied_ids, study_reminder_times, unstudied_items,
)
from models.agenda.tables import (
    FOLLOWUP_DAYS_CHOICES, FOLLOWUP_REMIND_BEFORE, AgendaFollowup, AgendaItem, AgendaMeasure, AgendaSession,
    AgendaStudy, AgendaTarget, Category, ItemState, MeasureState,
)


__all__ = [
    "AgendaFollowup", "AgendaItem", "AgendaMeasure", "AgendaSession", "AgendaStudy", "AgendaTarget", "ArchiveRow",
    "Category", "FOLLOWUP_DAYS_CHOICES", "FOLLOWUP_REMIND_BEFORE", "ItemState", "MeasureState", "archive_rows",
    "assign_followups", "attach", "bare_leadership_sessions", "check_study_by", "clean_title", "complete_followup",
    "create_item", "draft_item", "draft_measure", "draft_missing", "end_of_day", "finish_measure", "followup_days",
    "followups_to_remind", "has_studied", "items_to_remind", "mark_studied", "new_item", "not_studied", "notice_key", "open_followups",
    "overdue_measures", "overdue_reminder_times", "parse_category", "parse_day", "parse_item_line",
    "parse_measure_line", "parse_source", "person_measures", "publish", "record_progress", "rollup", "session_items",
    "set_followup_days", "set_owner", "studied_ids", "study_reminder_times", "target_units", "unit_items",
    "unit_measure", "unit_measures", "unstudied_items", "upcoming_sessions", "visible_item",
]
