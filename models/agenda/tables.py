"""First agenda items' limits, categories, states and tables: items, targets, studies, follow-ups, measures."""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum
from models.sessions import SessionKind


TITLE_MAX = 200
LINK_MAX = 500
SOURCE_MAX = 2000
MEASURE_MAX = 300
PROGRESS_MAX = 500
DEFAULT_FOLLOWUP_DAYS = 3
FURTHEST = timedelta(days=2 * 365)  # study-by dates and deadlines are within two years
FOLLOWUP_DAYS_CHOICES = (1, 2, 3, 5, 7, 14)
REMIND_AT = time(9, 0)  # reminders go out at 09:00 local time
FOLLOWUP_REMIND_BEFORE = timedelta(hours=15)  # 09:00 on the due day (due at the end of it)
# Sessions of these kinds should open with a first agenda item.
LEADERSHIP_KINDS = (SessionKind.lead_study, SessionKind.lead_seminar, SessionKind.committee)


class Category(enum.StrEnum):
    """四必列."""

    national = "national"  # on the work of the whole country
    provincial = "provincial"  # on the province
    sector = "sector"  # on this department's or sector's work
    city = "city"  # decision notices after the city committee's study


CATEGORY_WORDS: dict[str, Category] = {
    "1": Category.national, "全国": Category.national, "国家": Category.national, "中央": Category.national,
    "2": Category.provincial, "全省": Category.provincial, "省": Category.provincial, "省委": Category.provincial,
    "3": Category.sector, "本系统": Category.sector, "本行业": Category.sector, "本领域": Category.sector,
    "本部门": Category.sector, "行业": Category.sector,
    "4": Category.city, "市委": Category.city, "市委决策": Category.city, "决策部署": Category.city,
    "决策": Category.city, **{c.value: c for c in Category},
}


class ItemState(enum.StrEnum):
    draft = "draft"  # being set up in the dialogue
    open = "open"
    closed = "closed"  # every measure done


class MeasureState(enum.StrEnum):
    draft = "draft"  # text and deadline given, owner not yet picked
    open = "open"
    done = "done"


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_state_study_by", "state", "study_by"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))
    source_text: Mapped[str | None] = mapped_column(Text)
    category: Mapped[Category | None] = mapped_column(str_enum(Category))
    study_by: Mapped[datetime | None]  # the end of the study-by day, local time
    to_below: Mapped[bool] = mapped_column(default=False)  # published to every unit below too
    state: Mapped[ItemState] = mapped_column(str_enum(ItemState), default=ItemState.draft)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class AgendaTarget(Base):
    """A unit the item was published to."""

    __tablename__ = "agenda_targets"
    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class AgendaStudy(Base):
    """A member pressed "已学习"."""

    __tablename__ = "agenda_studies"
    __table_args__ = (UniqueConstraint("item_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    studied_at: Mapped[datetime]


class AgendaSession(Base):
    """A session carrying the item as its first agenda item (会上领学)."""

    __tablename__ = "agenda_sessions"
    __table_args__ = (UniqueConstraint("session_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    followups_at: Mapped[datetime | None]  # when the session's follow-ups were assigned (after its close)


class AgendaFollowup(Base):
    """会后督学: a member is asked for a reflection on the item after the session that carried it."""

    __tablename__ = "agenda_followups"
    __table_args__ = (UniqueConstraint("item_id", "person_id"), Index("ix_agenda_followups_due_at", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    reflection_id: Mapped[int | None] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AgendaMeasure(Base):
    """闭环落实: a measure of a unit for the item, with an owner and a deadline."""

    __tablename__ = "agenda_measures"
    __table_args__ = (Index("ix_agenda_measures_state_deadline", "state", "deadline"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MEASURE_MAX))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    deadline: Mapped[datetime]  # the end of the deadline day, local time
    state: Mapped[MeasureState] = mapped_column(str_enum(MeasureState), default=MeasureState.draft)
    progress: Mapped[str | None] = mapped_column(String(PROGRESS_MAX))
    progress_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
