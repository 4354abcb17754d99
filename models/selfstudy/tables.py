"""Self-study's limits, enums and tables: plans and their items, drafts, reading lists, entries, leave periods."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JSONType, str_enum
from models.units import Rank


DAY_MAX = 12 * 60  # no one studies more than 12 hours a day
TRAINING_MINUTES = {"full": 8 * 60, "half": 4 * 60}  # a training day counts 8 h, half a day 4 h
BACKDATE_DAYS = 31  # members may log study up to a month late; admins correct older entries
WEEK_MAX = 7 * DAY_MAX
TITLE_MAX = 200
LINK_MAX = 500
WHAT_MAX = 200
REASON_MAX = 200
PLAN_ITEMS_MAX = 20
AWAY_MAX_DAYS = 92
DEFAULT_TARGET_HOURS = {"member": 32, "leader": 56}


class ItemKind(enum.StrEnum):
    required = "required"  # 必读
    optional = "optional"  # 选读


class EntryKind(enum.StrEnum):
    own = "own"  # logged by the member
    training = "training"  # a training day or half day, recorded by an admin
    correction = "correction"  # an admin's signed adjustment, with a reason (the audit trail)


class StudyPlan(Base):
    """A unit's self-study plan for one week (Monday `week_start`)."""

    __tablename__ = "study_plans"
    __table_args__ = (UniqueConstraint("unit_id", "week_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    required_minutes: Mapped[int]
    # Set when the plan was pushed down from a parent unit's plan; a unit's own plan is never overwritten.
    source_plan_id: Mapped[int | None] = mapped_column(ForeignKey("study_plans.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PlanItem(Base):
    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))


class PlanItemDone(Base):
    __tablename__ = "plan_item_done"

    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    done_at: Mapped[datetime]


class PlanDraft(Base):
    """A plan being set up step by step (/plan set): kept here so a restart loses nothing."""

    __tablename__ = "plan_drafts"
    __table_args__ = (UniqueConstraint("unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    required_minutes: Mapped[int | None]
    items: Mapped[list] = mapped_column(JSONType, default=list)  # [{"kind", "title", "link"}]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Reading(Base):
    """An item of a unit's reading list (必读书目), for members of `tier` and above."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    tier: Mapped[Rank] = mapped_column(str_enum(Rank))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]


class ReadingDone(Base):
    __tablename__ = "reading_done"

    reading_id: Mapped[int] = mapped_column(ForeignKey("readings.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    done_at: Mapped[datetime]


class StudyEntry(Base):
    """Minutes of study on a (local) day. Corrections are signed entries, so history is never rewritten."""

    __tablename__ = "study_entries"
    # One member's days (/me), and everyone's week (reminders, summaries): both index-only.
    __table_args__ = (Index("ix_study_entries_person_day", "person_id", "day", "minutes"),
                      Index("ix_study_entries_day_person", "day", "person_id", "minutes"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    what: Mapped[str | None] = mapped_column(String(WHAT_MAX))
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class AwayPeriod(Base):
    """Holiday or business trip: the member gets no reminders and is not counted in summaries."""

    __tablename__ = "away_periods"
    __table_args__ = (Index("ix_away_periods_last_day_first_day", "last_day", "first_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
