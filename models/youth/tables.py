"""The youth feature's tables and their enums: youth flags, rotations, swaps, activity records, quiz
banks and contests (rounds, answers, scores), evaluations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType, str_enum
from models.youth.limits import BANK_NAME_MAX, EXPLANATION_MAX, QUESTION_MAX


class PeriodKind(enum.StrEnum):
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"
    quarterly = "quarterly"


class SwapState(enum.StrEnum):
    pending = "pending"
    done = "done"
    refused = "refused"
    expired = "expired"
    void = "void"  # the turns changed under it (order reset) before both confirmed


class ContestState(enum.StrEnum):
    running = "running"
    stopping = "stopping"  # asked to stop: the open question runs out, no further ones
    finished = "finished"
    stopped = "stopped"


class Grade(enum.StrEnum):
    excellent = "excellent"
    good = "good"
    fair = "fair"
    poor = "poor"


class Consent(enum.StrEnum):
    asked = "asked"
    granted = "granted"
    declined = "declined"


class YouthPerson(Base):
    """Youth status of a person: an explicit flag wins; otherwise the birth year decides."""

    __tablename__ = "youth_people"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flag: Mapped[bool | None]
    birth_year: Mapped[int | None]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]


class Rotation(Base):
    """A group's leader rotation: the order of members and the period length.

    `turns` maps a period's start date (ISO) to its leader where that is fixed: periods already
    announced (so someone leaving later does not rewrite history) and swapped ones. Other periods
    follow `order`. `draft` is the order being picked with buttons.
    """

    __tablename__ = "youth_rotations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    period: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
    order: Mapped[list] = mapped_column(JSONType, default=list)
    anchor: Mapped[date]
    at: Mapped[str] = mapped_column(String(5), default="09:00")
    turns: Mapped[dict] = mapped_column(JSONType, default=dict)
    draft: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Swap(Base):
    __tablename__ = "youth_swaps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    proposer_period: Mapped[date]
    partner_period: Mapped[date]
    proposer_ok: Mapped[bool] = mapped_column(default=False)
    partner_ok: Mapped[bool] = mapped_column(default=False)
    state: Mapped[SwapState] = mapped_column(str_enum(SwapState), default=SwapState.pending)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class ActivityRecord(Base):
    """What a group did in a period, written by its leader: text and photos (Telegram file ids).
    A draft (submitted_at empty) collects the leader's private messages until they finish it."""

    __tablename__ = "youth_records"
    __table_args__ = (Index("ix_youth_records_unit_id_period_start", "unit_id", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list] = mapped_column(JSONType, default=list)
    # The study session this activity was, once sessions exist; a record stands on its own without one.
    session_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]


class QuizBank(Base):
    __tablename__ = "quiz_banks"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(BANK_NAME_MAX))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("quiz_banks.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    options: Mapped[list] = mapped_column(JSONType)
    correct: Mapped[int]  # 0-based
    explanation: Mapped[str | None] = mapped_column(String(EXPLANATION_MAX))
    created_at: Mapped[datetime]


class Contest(Base):
    __tablename__ = "quiz_contests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    bank_name: Mapped[str] = mapped_column(String(BANK_NAME_MAX))
    state: Mapped[ContestState] = mapped_column(str_enum(ContestState), default=ContestState.running)
    seconds: Mapped[int]
    started_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Round(Base):
    """One question of a contest, copied from the bank so later edits do not change history."""

    __tablename__ = "quiz_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("quiz_contests.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1-based
    question: Mapped[str] = mapped_column(String(QUESTION_MAX))
    options: Mapped[list] = mapped_column(JSONType)
    correct: Mapped[int]
    explanation: Mapped[str | None] = mapped_column(String(EXPLANATION_MAX))
    poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    opened_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]


class Answer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    option: Mapped[int]
    correct: Mapped[bool]
    answered_at: Mapped[datetime]
    elapsed_ms: Mapped[int]


class Score(Base):
    """A member's result in one contest: it counts toward their study record."""

    __tablename__ = "quiz_scores"
    __table_args__ = (UniqueConstraint("contest_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("quiz_contests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    correct: Mapped[int]
    answered: Mapped[int]
    time_ms: Mapped[int]  # time taken over the correct answers (the tie-break)
    rank: Mapped[int]


class Evaluation(Base):
    """The committee's rating of one group's period, with the figures it saw."""

    __tablename__ = "youth_evaluations"
    __table_args__ = (UniqueConstraint("unit_id", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    committee_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade))
    figures: Mapped[list] = mapped_column(JSONType, default=list)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    rated_at: Mapped[datetime]
    excellent: Mapped[bool] = mapped_column(default=False)
    consent: Mapped[Consent | None] = mapped_column(str_enum(Consent))
    consent_at: Mapped[datetime | None]
