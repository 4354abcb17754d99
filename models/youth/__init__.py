"""Youth study groups (促学): who counts as youth, the rotating group leader (小组长轮流负责制) and
swapped turns, activity records, question banks and knowledge contests (知识竞赛) run as quiz polls,
and the committee's evaluation of each group's period with its excellent cases (优秀案例).

Submodules, by concept: `limits` (sizes and timings), `tables` (the ORM tables and enums), `periods`,
`flags` (who is youth), `rotation` (leaders and their turns), `swaps`, `activities` (sessions that are
a group's activities), `records` (activity records and drafts), `questions` (parsing typed and
uploaded questions), `banks`, `contests` (quiz polls and scoring), `evaluation` (the committee's
ratings and the figures they keep). This package re-exports what the rest of wuxue imports from it;
importing it registers the tables on `Base.metadata`.
"""

from __future__ import annotations

from models.units import member_by_username
from models.youth.activities import (
    activity_for_reply, activity_period, activity_recorder, activity_to_record, is_activity,
)
from models.youth.banks import (
    add_questions, bank_questions, banks_of, choose_bank, current_bank, delete_question, find_bank,
)
from models.youth.contests import (
    AnswerOutcome, Step, advance_contest, contests_to_advance, live_contest, mark_round_sent, parse_start_args,
    quiz_record, record_answer, start_contest, stop_contest,
)
from models.youth.evaluation import (
    answer_consent, compute_figures, consent_of, evaluation_of, group_for_committee, group_period, groups_below,
    mark_excellent, rate,
)
from models.youth.flags import age_limit, is_youth, parse_flag_args, set_age_limit, set_youth, youth_of
from models.youth.limits import FILE_MAX_BYTES, START_DELAY
from models.youth.periods import Period, anchor_for, local_today, period_at, period_by_index, unit_period
from models.youth.questions import QuizFileError, parse_quiz_file, parse_quiz_line
from models.youth.records import (
    add_record, append_to_draft, discard_draft, live_draft, open_draft, own_draft, record_period, records_of,
    submit_draft_checked,
)
from models.youth.rotation import (
    Turn, active_ids, current_leader, current_period, draft_done, draft_edit, next_turn,
    parse_rotation_args, require_group, rotation_for_edit, rotation_of, set_announce_time, set_order, set_period,
    stop_rotation, turns_to_announce, upcoming,
)
from models.youth.swaps import confirm_swap, expire_swaps, propose_swap, refuse_swap
from models.youth.tables import (
    ActivityRecord, Answer, Consent, Contest, ContestState, Evaluation, Grade, PeriodKind, QuizBank, QuizQuestion,
    Rotation, Round, Score, Swap, SwapState, YouthPerson,
)

from models.youth.limits import ANSWER_GRACE, FINISH_GRACE, GAP
from models.youth.questions import QuestionIn
from models.youth.rotation import by_order, leader_for

__all__ = [
    "ANSWER_GRACE", "FINISH_GRACE", "GAP", "QuestionIn", "by_order", "leader_for",
    "FILE_MAX_BYTES", "START_DELAY", "ActivityRecord", "Answer", "AnswerOutcome", "Consent", "Contest",
    "ContestState", "Evaluation", "Grade", "Period", "PeriodKind", "QuizBank", "QuizFileError", "QuizQuestion",
    "Rotation", "Round", "Score", "Step", "Swap", "SwapState", "Turn", "YouthPerson", "active_ids",
    "activity_for_reply", "activity_period", "activity_recorder", "activity_to_record", "add_questions",
    "add_record", "advance_contest", "age_limit", "anchor_for", "answer_consent", "append_to_draft",
    "bank_questions", "banks_of", "choose_bank", "compute_figures", "confirm_swap", "consent_of",
    "contests_to_advance", "current_bank", "current_leader", "current_period", "delete_question", "discard_draft",
    "draft_done", "draft_edit", "evaluation_of", "expire_swaps", "find_bank", "group_for_committee", "group_period",
    "groups_below", "is_activity", "is_youth", "live_contest", "live_draft", "local_today", "mark_excellent",
    "mark_round_sent", "member_by_username", "next_turn", "open_draft", "own_draft", "parse_flag_args",
    "parse_quiz_file", "parse_quiz_line", "parse_rotation_args", "parse_start_args", "period_at", "period_by_index",
    "propose_swap", "quiz_record", "rate", "record_answer", "record_period", "records_of", "refuse_swap",
    "require_group", "rotation_for_edit", "rotation_of", "set_age_limit", "set_announce_time", "set_order",
    "set_period", "set_youth", "start_contest", "stop_contest", "stop_rotation", "submit_draft_checked",
    "turns_to_announce", "unit_period", "upcoming", "youth_of",
]
