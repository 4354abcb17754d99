"""Weekly self-study (党员自学): weekly plans, reading lists, study minutes, leave periods, targets.

Study minutes come from sources (`MINUTE_SOURCES`): each is a SELECT of (person_id, day, minutes)
rows over a date range. Own entries are the first source; attending a session (another feature) adds
a second one by appending its source, and every total (/me, nudges, summaries) sums them all.
"""

from __future__ import annotations

from models.selfstudy.away import add_away, away_list, cancel_away
from models.selfstudy.minutes import (
    MINUTE_SOURCES, all_minutes, as_date, install_minute_sources, log_study, minutes_by_day, minutes_by_person, own_entries, recent_entries,
    record_training, undo_entry,
)
from models.selfstudy.parsing import (
    UNIT_WORD_RE, ItemIn, monday, normalize, parse_away, parse_day, parse_items, parse_minutes,
    parse_plan_line, parse_study, take_week, week_label,
)
from models.selfstudy.plans import (
    done_items, draft_add, item_in_reach, mark_item_done, open_draft, own_draft, plan_for, plan_items, publish_draft,
    push_plan, save_plan, week_progress_figures,
)
from models.selfstudy.readings import (
    add_reading, archive_reading, mark_read, read_ids, readings_figures, readings_for, tiers_up_to,
)
from models.selfstudy.summaries import Figures, MemberWeek, figures, unit_weeks
from models.selfstudy.tables import (
    REASON_MAX, TRAINING_MINUTES, WEEK_MAX, WHAT_MAX, AwayPeriod, EntryKind, ItemKind, PlanDraft, PlanItem,
    PlanItemDone, Reading, ReadingDone, StudyEntry, StudyPlan,
)
from models.selfstudy.targets import (
    parse_rank, set_rank, set_shows_names, set_target_hours, shows_names, target_hours, yearly_target,
)


__all__ = [
    "AwayPeriod", "EntryKind", "Figures", "ItemIn", "ItemKind", "MINUTE_SOURCES", "install_minute_sources", "MemberWeek", "PlanDraft", "PlanItem",
    "PlanItemDone", "REASON_MAX", "Reading", "ReadingDone", "StudyEntry", "StudyPlan", "TRAINING_MINUTES",
    "UNIT_WORD_RE", "WEEK_MAX", "WHAT_MAX", "add_away", "add_reading", "all_minutes", "archive_reading", "as_date",
    "away_list", "cancel_away", "done_items", "draft_add", "figures", "item_in_reach", "log_study",
    "mark_item_done", "mark_read", "minutes_by_day", "minutes_by_person", "monday", "normalize", "open_draft",
    "own_draft", "own_entries", "parse_away", "parse_day", "parse_items", "parse_minutes", "parse_plan_line",
    "parse_rank", "parse_study", "plan_for", "plan_items", "publish_draft", "push_plan", "read_ids", "readings_figures",
    "readings_for", "recent_entries", "record_training", "save_plan", "set_rank", "set_shows_names", "set_target_hours",
    "shows_names", "take_week", "target_hours", "tiers_up_to", "undo_entry", "unit_weeks", "week_label",
    "week_progress_figures", "yearly_target",
]
