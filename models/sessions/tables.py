"""The tables and fixed words of study sessions: kinds and their tiers, activity forms, states, the
session (`StudySession`), its roll (`Attendance`), 补学 (`Makeup`), the dialogue's drafts, and the
partner units of a joint session (`SessionPartner`, see models/joint)."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType, str_enum
from models.units import UnitKind

TOPIC_MAX = 200
PLACE_MAX = 200
PRESENTER_MAX = 64
REASON_MAX = 200
MAKEUP_NOTE_MIN = 10
MAKEUP_NOTE_MAX = 2000
MAKEUP_TITLE_MAX = 200
DEFAULT_MINUTES = 90
DRAFT_TTL = timedelta(days=1)


class SessionKind(enum.StrEnum):
    """The kinds of study session (DOMAIN.md), each held at one or two tiers."""

    lead_study = "lead_study"  # 中心组集体学习
    lead_seminar = "lead_seminar"  # 中心组研讨交流
    member_meeting = "member_meeting"  # 支部党员大会
    committee = "committee"  # 支委会
    group_meeting = "group_meeting"  # 党小组会
    lecture = "lecture"  # 党课
    theme_day = "theme_day"  # 主题党日
    life_meeting = "life_meeting"  # 组织生活会
    youth_study = "youth_study"  # 青年理论学习小组活动
    joint_study = "joint_study"  # 联学共建 (two or more units)
    reading_class = "reading_class"  # 读书班


# The tiers a kind belongs to; the first is used when the unit's own tier is not among them.
KIND_TIERS: dict[SessionKind, tuple[UnitKind, ...]] = {
    SessionKind.lead_study: (UnitKind.lead,),
    SessionKind.lead_seminar: (UnitKind.lead,),
    SessionKind.member_meeting: (UnitKind.research,),
    SessionKind.committee: (UnitKind.research,),
    SessionKind.group_meeting: (UnitKind.research,),
    SessionKind.lecture: (UnitKind.research,),
    SessionKind.theme_day: (UnitKind.research,),
    SessionKind.life_meeting: (UnitKind.research,),
    SessionKind.youth_study: (UnitKind.promote,),
    SessionKind.joint_study: (UnitKind.research,),
    SessionKind.reading_class: (UnitKind.lead, UnitKind.research),
}


class ActivityForm(enum.StrEnum):
    """The forms of a youth study group's activity (青年理论学习小组活动形式)."""

    seminar = "seminar"  # 交流研讨
    visit = "visit"  # 调研参观
    speech = "speech"  # 演讲辩论
    business = "business"  # 业务讲堂
    contest = "contest"  # 知识竞赛
    volunteer = "volunteer"  # 志愿服务
    reading = "reading"  # 读书会


# The kinds whose sessions carry a form (chosen when scheduling, required).
FORM_KINDS = frozenset({SessionKind.youth_study})


def takes_form(kind: SessionKind | str | None) -> bool:
    return kind is not None and SessionKind(kind) in FORM_KINDS


def tier_for(kind: SessionKind, unit_kind: UnitKind) -> UnitKind:
    tiers = KIND_TIERS[kind]
    return unit_kind if unit_kind in tiers else tiers[0]


def kinds_for(unit_kind: UnitKind) -> list[SessionKind]:
    """Every kind, the unit's own tier first (the order of the kind buttons)."""
    return sorted(SessionKind, key=lambda k: unit_kind not in KIND_TIERS[k])


class SessionState(enum.StrEnum):
    scheduled = "scheduled"
    closed = "closed"  # the window closed: absences recorded, 补学 assigned
    cancelled = "cancelled"


class Status(enum.StrEnum):
    pending = "pending"  # expected, no response yet
    present = "present"
    late = "late"
    leave_asked = "leave_asked"
    leave_approved = "leave_approved"
    leave_rejected = "leave_rejected"
    absent = "absent"


ATTENDED = (Status.present, Status.late)
LEAVE = (Status.leave_asked, Status.leave_approved, Status.leave_rejected)


class Via(enum.StrEnum):
    button = "button"
    command = "command"
    word = "word"
    proxy = "proxy"  # 代签: an admin, during the window
    makeup = "makeup"  # 补签: an admin, after the window


class MakeupState(enum.StrEnum):
    open = "open"
    done = "done"
    waived = "waived"  # the absence was corrected (补签, leave approved later)


class StudySession(Base):
    __tablename__ = "study_sessions"
    __table_args__ = (
        Index("ix_study_sessions_unit_id_starts_at", "unit_id", "starts_at"),
        Index("ix_study_sessions_state_starts_at", "state", "starts_at"),
        # Attended sessions as study minutes over a week (reminders, summaries): from the week's
        # sessions to their rolls, instead of through every attendance.
        Index("ix_study_sessions_local_day", "local_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, 24))
    tier: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    topic: Mapped[str] = mapped_column(String(TOPIC_MAX))
    place: Mapped[str | None] = mapped_column(String(PLACE_MAX))
    presenter: Mapped[str | None] = mapped_column(String(PRESENTER_MAX))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The check-in window and the moment after which a check-in counts as late (from the unit's options).
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    late_after: Mapped[datetime]
    state: Mapped[SessionState] = mapped_column(str_enum(SessionState), default=SessionState.scheduled)
    cancel_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    # The announcement in the group (an outbox row; its message_id once sent) and the live roll's state:
    # every response bumps roll_version; the roll job renders when it is ahead of roll_shown.
    announce_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_version: Mapped[int] = mapped_column(default=0)
    roll_shown: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The local day and the length, kept so SQL on either database can count attendance as study time.
    local_day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    # The activity's form, for the kinds that have one (FORM_KINDS); None for every other kind.
    form: Mapped[ActivityForm | None] = mapped_column(str_enum(ActivityForm))


class Attendance(Base):
    """One person's line on a session's roll."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    expected: Mapped[bool] = mapped_column(default=True)
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.pending)
    via: Mapped[Via | None] = mapped_column(str_enum(Via))
    checked_in_at: Mapped[datetime | None]
    leave_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    leave_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    leave_decided_at: Mapped[datetime | None]
    # 代签/补签: which admin, when, and why.
    proxy_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    proxy_at: Mapped[datetime | None]
    proxy_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Makeup(Base):
    """A make-up study item (补学): for a member who missed a session (`session_id`), or ordered by a
    bulletin for a shortfall such as study hours (no session: `title` says what to make up, `origin`
    names the bulletin, so ordering again is a no-op)."""

    __tablename__ = "makeups"
    __table_args__ = (UniqueConstraint("session_id", "person_id"), UniqueConstraint("origin", "person_id"),
                      Index("ix_makeups_state_due_at", "state", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[Status | None] = mapped_column(str_enum(Status))  # absent or leave_rejected; None without a session
    title: Mapped[str | None] = mapped_column(String(MAKEUP_TITLE_MAX))  # what to make up, without a session
    origin: Mapped[str | None] = mapped_column(String(64))  # e.g. "bulletin:3:quarter:2026-10-01"
    state: Mapped[MakeupState] = mapped_column(str_enum(MakeupState), default=MakeupState.open)
    due_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class SessionDraft(Base):
    """A session being set up (or edited) through the guided dialogue: kept here, not in memory,
    so a restart in the middle of the dialogue loses nothing. One per admin per unit."""

    __tablename__ = "session_drafts"
    __table_args__ = (UniqueConstraint("unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SessionPartner(Base):
    """A partner unit of a joint session, with the state of the live roll in its group."""

    __tablename__ = "session_partners"
    __table_args__ = (UniqueConstraint("session_id", "unit_id"), Index("ix_session_partners_unit_id", "unit_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # The announcement in the partner's group and its live roll (as on StudySession for the host).
    announce_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_shown: Mapped[int] = mapped_column(default=0)


def dialect_insert(session: AsyncSession):  # noqa: ANN201 - the dialect's insert construct
    """The database's own `insert` (its ON CONFLICT clauses), for the session's connection."""
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
