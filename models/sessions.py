"""Study sessions (三会一课, 主题党日, 中心组学习…), their rolls, leave, and make-up study (补学).

A session has a check-in window (opens before the start, closes after it) and a roll: one
`Attendance` row per expected member, written when the session is created, so a check-in is one
small update. Each response bumps the session's `roll_version`; a job re-renders the live roll in
the group when the version moved (so check-ins never wait for a roll rebuild). At close, whoever
did not respond is absent and, like a member whose leave was refused, gets a `Makeup` item.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from models.base import BigId, Base, JSONType, str_enum
from models.errors import DomainError
from models.units import Membership, Person, Unit, UnitKind, join_unit

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

# What secretaries type for each kind (matched longest first, at the start of the rest of the line).
KIND_WORDS: dict[str, SessionKind] = {
    "中心组集体学习": SessionKind.lead_study, "中心组学习": SessionKind.lead_study, "集体学习": SessionKind.lead_study,
    "中心组研讨交流": SessionKind.lead_seminar, "中心组研讨": SessionKind.lead_seminar,
    "研讨交流": SessionKind.lead_seminar,
    "支部党员大会": SessionKind.member_meeting, "党员大会": SessionKind.member_meeting,
    "支部大会": SessionKind.member_meeting,
    "支委会": SessionKind.committee, "支部委员会": SessionKind.committee,
    "党小组会": SessionKind.group_meeting, "小组会": SessionKind.group_meeting,
    "党课": SessionKind.lecture,
    "主题党日": SessionKind.theme_day, "党日": SessionKind.theme_day,
    "组织生活会": SessionKind.life_meeting,
    "青年理论学习小组活动": SessionKind.youth_study, "青年理论学习小组": SessionKind.youth_study,
    "青年小组": SessionKind.youth_study, "青年学习": SessionKind.youth_study,
    "联学共建": SessionKind.joint_study, "联学": SessionKind.joint_study,
    "读书班": SessionKind.reading_class,
    **{k.value: k for k in SessionKind},
}
_KIND_ORDER = sorted(KIND_WORDS, key=len, reverse=True)


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
FORM_WORDS: dict[str, ActivityForm] = {
    "交流研讨": ActivityForm.seminar, "调研参观": ActivityForm.visit, "演讲辩论": ActivityForm.speech,
    "业务讲堂": ActivityForm.business, "知识竞赛": ActivityForm.contest, "志愿服务": ActivityForm.volunteer,
    "读书会": ActivityForm.reading,
    **{f.value: f for f in ActivityForm},
}
_FORM_ORDER = sorted(FORM_WORDS, key=len, reverse=True)
_FORM_SEPARATORS = "·・:：/-—|｜（(【[「"
_FORM_CLOSERS = "）)】]」"


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


# -- per-unit options ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SessionOptions:
    before: int = 30  # the window opens this many minutes before the start…
    after: int = 30  # …and closes this many minutes after it
    grace: int = 5  # a check-in later than start + grace is late
    makeup_days: int = 7  # 补学 is due this many days after the close


WINDOW_MAX = 24 * 60


def session_options(unit: Unit) -> SessionOptions:
    return SessionOptions(**(unit.options or {}).get("sessions", {}))


async def set_session_options(
    session: AsyncSession, *, unit: Unit, before: int, after: int, grace: int, now: datetime,
) -> SessionOptions:
    """Change the unit's check-in window for sessions scheduled from now on."""
    if not (0 <= before <= WINDOW_MAX and 1 <= after <= WINDOW_MAX and 0 <= grace <= after):
        raise DomainError("sessions.bad_window", before=before, after=after, grace=grace, max=WINDOW_MAX)
    opts = SessionOptions(before, after, grace, session_options(unit).makeup_days)
    unit.options = {**(unit.options or {}), "sessions": {
        "before": before, "after": after, "grace": grace, "makeup_days": opts.makeup_days}}
    unit.updated_at = now
    return opts


# -- parsing what admins type ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SessionSpec:
    """A session as an admin described it (one-line form or dialogue), validated."""

    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    topic: str
    place: str | None = None
    presenter: str | None = None
    form: ActivityForm | None = None


WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_DATE_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_MD = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_REL = re.compile(r"(今天|今日|明天|明日|后天|大后天|today|tomorrow)", re.IGNORECASE)
_DATE_WEEK = re.compile(r"(下下|下个?|本|这个?)?\s*(?:周|星期|礼拜)([一二三四五六日天七1-7])")
_CLOCK = (r"(?:(上午|早上|早晨|中午|下午|晚上)\s*)?(\d{1,2})\s*(?:[:：]\s*(\d{1,2})|点\s*(?:(半)|(\d{1,2})\s*分?)?|时)")
_TIME = re.compile(_CLOCK + r"(?:\s*[-~～—–至到]\s*" + _CLOCK + r")?")
_PLACE = re.compile(r"\s[@＠]\s*(\S.*)$", re.DOTALL)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2, "大后天": 3}


def clean_text(raw: str) -> str:
    """Printable text on one line: control characters dropped, whitespace runs collapsed."""
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in raw)
    return " ".join(kept.split())


def _date(year: int, month: int, day: int, given: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("sessions.bad_date", given=given.strip()[:30]) from None


def parse_date(text: str, *, today: date) -> tuple[date, str]:
    """A date at the start of `text` → (date, rest). 2026-12-01, 12-01, 12月1日, 明天, 周三, 下周三."""
    text = text.lstrip()
    if m := _DATE_YMD.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]), m[0]), text[m.end():]
    if m := _DATE_MD.match(text):
        month, day = int(m[1]), int(m[2])
        year = today.year
        if (month, day) == (2, 29):
            while date(year, 3, 1) - date(year, 2, 28) != timedelta(days=2):
                year += 1  # the next leap year
        found = _date(year, month, day, m[0])
        # No year given: the nearest such date, so "01-10" in December is next January.
        if (today - found).days > 183:
            found = _date(found.year + 1, month, day, m[0])
        return found, text[m.end():]
    if m := _DATE_REL.match(text):
        return today + timedelta(days=_RELATIVE_DAYS[m[1].lower()]), text[m.end():]
    if m := _DATE_WEEK.match(text):
        weekday = WEEKDAYS[m[2]]
        monday = today - timedelta(days=today.weekday())
        prefix = (m[1] or "").rstrip("个")
        if prefix == "下下":
            return monday + timedelta(days=14 + weekday), text[m.end():]
        if prefix == "下":
            return monday + timedelta(days=7 + weekday), text[m.end():]
        if prefix in ("本", "这"):
            return monday + timedelta(days=weekday), text[m.end():]
        return today + timedelta(days=(weekday - today.weekday()) % 7), text[m.end():]
    raise DomainError("sessions.bad_date", given=(text.split() or [""])[0][:30])


def _clock(groups: tuple, given: str) -> time:
    part, hour, minute, half, minute2 = groups
    h = int(hour)
    m = 30 if half else int(minute or minute2 or 0)
    if part in ("下午", "晚上") and h < 12:
        h += 12
    elif part == "中午" and h < 11:
        h += 12
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise DomainError("sessions.bad_time", given=given.strip()[:30])
    return time(h, m)


def parse_time_range(text: str) -> tuple[time, time | None, str]:
    """A time (or range) at the start of `text` → (start, end or None, rest). 15:00, 15:00-16:30, 下午3点."""
    text = text.lstrip()
    m = _TIME.match(text)
    if m is None:
        raise DomainError("sessions.bad_time", given=(text.split() or [""])[0][:30])
    start = _clock(m.groups()[:5], m[0])
    end = _clock(m.groups()[5:], m[0]) if m.group(7) else None
    if end is not None and m.group(6) is None and m.group(1) in ("下午", "晚上", "中午") and end.hour < 12:
        end = time(end.hour + 12, end.minute)  # 下午3点-5点: the part of day carries over
    return start, end, text[m.end():]


def parse_kind(text: str) -> tuple[SessionKind, str]:
    text = text.lstrip()
    for word in _KIND_ORDER:
        if text[:len(word)].lower() == word.lower():
            return KIND_WORDS[word], text[len(word):]
    raise DomainError("sessions.bad_kind", given=(text.split() or [""])[0][:30])


def parse_form(text: str) -> tuple[ActivityForm, str]:
    """The activity form right after a youth-kind word: `读书会 …`, `·读书会 …`, `（读书会）…`."""
    text = text.lstrip().lstrip(_FORM_SEPARATORS).lstrip()
    for word in _FORM_ORDER:
        if text[:len(word)].lower() == word.lower():
            rest = text[len(word):]
            return FORM_WORDS[word], rest.lstrip().lstrip(_FORM_CLOSERS)
    raise DomainError("sessions.bad_form", given=(text.split() or ["—"])[0][:30])


def clean_topic(raw: str) -> str:
    topic = clean_text(raw)
    if not topic:
        raise DomainError("sessions.topic_empty")
    if len(topic) > TOPIC_MAX:
        raise DomainError("sessions.topic_too_long", length=len(topic), limit=TOPIC_MAX)
    return topic


def clean_place(raw: str) -> str | None:
    place = clean_text(raw)
    if len(place) > PLACE_MAX:
        raise DomainError("sessions.place_too_long", length=len(place), limit=PLACE_MAX)
    return place or None


def clean_presenter(raw: str) -> str | None:
    name = clean_text(raw)
    if len(name) > PRESENTER_MAX:
        raise DomainError("sessions.presenter_too_long", length=len(name), limit=PRESENTER_MAX)
    return name or None


def clean_reason(raw: str, *, missing: str) -> str:
    reason = clean_text(raw)
    if not reason:
        raise DomainError(missing)
    if len(reason) > REASON_MAX:
        raise DomainError("sessions.reason_too_long", length=len(reason), limit=REASON_MAX)
    return reason


def local_span(day: date, start: time, end: time | None, tz: str, minutes: int) -> tuple[datetime, datetime]:
    """Start and end in UTC from a local day and times (end: the given time, else start + minutes)."""
    zone = ZoneInfo(tz)
    starts = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    if end is None:
        return starts, starts + timedelta(minutes=minutes)
    return starts, datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def parse_session_line(text: str, *, now: datetime, tz: str) -> SessionSpec:
    """`2026-12-01 15:00 主题党日 学习贯彻… @三楼会议室` (also 12-01, 明天, 下周三; 15:00-16:30).
    A kind with forms takes the form next: `明天 15:00 青年理论学习小组活动 读书会 共读《…》`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    day, rest = parse_date(text, today=today)
    start, end, rest = parse_time_range(rest)
    kind, rest = parse_kind(rest)
    form = None
    if takes_form(kind):
        form, rest = parse_form(rest)
    place = None
    if m := _PLACE.search(" " + rest):
        place = clean_place(m[1])
        rest = (" " + rest)[:m.start()]
    starts_at, ends_at = local_span(day, start, end, tz, DEFAULT_MINUTES)
    spec = SessionSpec(kind=kind, starts_at=starts_at, ends_at=ends_at, topic=clean_topic(rest), place=place,
                       form=form)
    check_times(spec.starts_at, spec.ends_at, now=now, tz=tz)
    return spec


def check_times(starts_at: datetime, ends_at: datetime, *, now: datetime, tz: str) -> None:
    if ends_at <= starts_at:
        raise DomainError("sessions.end_before_start", start=hm(starts_at, tz), end=hm(ends_at, tz))
    if starts_at <= now:
        raise DomainError("sessions.in_the_past", when=day_hm(starts_at, tz), now=day_hm(now, tz))


def hm(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def day_hm(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


# -- sessions ------------------------------------------------------------------------------------------

def _window(ses: StudySession, opts: SessionOptions, tz: str) -> None:
    ses.opens_at = ses.starts_at - timedelta(minutes=opts.before)
    ses.closes_at = ses.starts_at + timedelta(minutes=opts.after)
    ses.late_after = ses.starts_at + timedelta(minutes=opts.grace)
    ses.local_day = ses.starts_at.astimezone(ZoneInfo(tz)).date()
    ses.minutes = int((ses.ends_at - ses.starts_at).total_seconds() // 60)


def _insert(session: AsyncSession):
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def create_session(
    session: AsyncSession, *, unit: Unit, spec: SessionSpec, by: Person | None, now: datetime,
) -> StudySession:
    """Schedule a session; the unit's active members at this moment are its expected attendees."""
    check_times(spec.starts_at, spec.ends_at, now=now, tz=unit.timezone)
    ses = StudySession(
        unit_id=unit.id, kind=spec.kind, tier=tier_for(spec.kind, unit.kind), topic=spec.topic, place=spec.place,
        presenter=spec.presenter, starts_at=spec.starts_at, ends_at=spec.ends_at, state=SessionState.scheduled,
        form=spec.form if takes_form(spec.kind) else None,
        roll_version=0, roll_shown=0, created_by_id=by.id if by else None, created_at=now, updated_at=now,
    )
    _window(ses, session_options(unit), unit.timezone)
    session.add(ses)
    await session.flush()
    members = (await session.scalars(
        select(Membership.person_id).where(Membership.unit_id == unit.id, Membership.active)
    )).all()
    if members:
        await session.execute(_insert(session)(Attendance), [
            {"session_id": ses.id, "person_id": pid, "expected": True, "status": Status.pending,
             "created_at": now, "updated_at": now} for pid in members
        ])
    return ses


async def update_session(
    session: AsyncSession, *, ses: StudySession, unit: Unit, spec: SessionSpec, now: datetime,
) -> set[str]:
    """Apply an edit; returns the names of what changed (time, place, topic, kind, form, presenter)."""
    _editable(ses, unit, now)
    changed = set()
    if (spec.starts_at, spec.ends_at) != (ses.starts_at, ses.ends_at):
        if spec.starts_at != ses.starts_at:
            check_times(spec.starts_at, spec.ends_at, now=now, tz=unit.timezone)
        elif spec.ends_at <= spec.starts_at:
            raise DomainError("sessions.end_before_start", start=hm(spec.starts_at, unit.timezone),
                              end=hm(spec.ends_at, unit.timezone))
        ses.starts_at, ses.ends_at = spec.starts_at, spec.ends_at
        _window(ses, session_options(unit), unit.timezone)
        changed.add("time")
    spec_form = spec.form if takes_form(spec.kind) else None
    if spec_form != ses.form:
        ses.form = spec_form
        changed.add("form")
    for name in ("kind", "topic", "place", "presenter"):
        if getattr(spec, name) != getattr(ses, name):
            setattr(ses, name, getattr(spec, name))
            changed.add(name)
    if "kind" in changed:
        ses.tier = tier_for(ses.kind, unit.kind)
    if changed:
        ses.updated_at = now
        bump_roll(ses)
    return changed


def _editable(ses: StudySession, unit: Unit, now: datetime) -> None:
    if ses.unit_id != unit.id:
        raise DomainError("sessions.not_found", id=ses.id)
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.is_cancelled", id=ses.id, topic=ses.topic)
    if ses.state == SessionState.closed or now > ses.closes_at:
        raise DomainError("sessions.is_closed", id=ses.id, topic=ses.topic)


async def _leave_scheduled(session: AsyncSession, *, ses: StudySession, to: SessionState, **values: object) -> bool:
    """Move a session out of `scheduled`, unless someone else (the close, a cancel) just did."""
    result = await session.execute(
        update(StudySession).where(StudySession.id == ses.id, StudySession.state == SessionState.scheduled)
        .values(state=to, roll_version=StudySession.roll_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    for name, value in {"state": to, **values}.items():
        set_committed_value(ses, name, value)
    return True


async def cancel_session(
    session: AsyncSession, *, ses: StudySession, unit: Unit, reason: str | None, now: datetime,
) -> None:
    _editable(ses, unit, now)
    if reason is not None and len(reason) > REASON_MAX:
        raise DomainError("sessions.reason_too_long", length=len(reason), limit=REASON_MAX)
    if not await _leave_scheduled(session, ses=ses, to=SessionState.cancelled, cancel_reason=reason,
                                  cancelled_at=now, updated_at=now):
        raise DomainError("sessions.is_closed", id=ses.id, topic=ses.topic)


def bump_roll(ses: StudySession) -> None:
    """Mark the live roll as out of date (an UPDATE of one counter, never a re-render here)."""
    ses.roll_version = StudySession.roll_version + 1



async def unit_session(session: AsyncSession, *, unit: Unit, session_id: int) -> StudySession:
    """A session of this unit, by number; another unit's session is as good as none."""
    ses = await session.get(StudySession, session_id)
    if ses is None or ses.unit_id != unit.id:
        raise DomainError("sessions.not_found", id=session_id)
    return ses


# The check-in's statements, built once (they run on every check-in; see `checkin`).
_ATT, _SES = Attendance.__table__, StudySession.__table__
_MARK = (_ATT.update().where(_ATT.c.session_id == bindparam("sid"), _ATT.c.person_id == bindparam("pid"),
                             *(_ATT.c.status != s for s in ATTENDED))  # not NOT IN: that cannot executemany
         .values(status=bindparam("new_status"), via=bindparam("new_via"), checked_in_at=bindparam("at"),
                 updated_at=bindparam("at"), expected=True))
_BUMP = _SES.update().where(_SES.c.id == bindparam("sid")).values(roll_version=_SES.c.roll_version + 1)
_MARKED = _MARK.returning(_ATT.c.session_id).cte("marked")
_MARK_AND_BUMP = (_SES.update().where(_SES.c.id.in_(select(_MARKED.c.session_id)))  # PostgreSQL: one statement
                  .values(roll_version=_SES.c.roll_version + 1).returning(_SES.c.id))


async def open_sessions(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    """Sessions of the unit (or joint sessions it is a partner of) whose check-in window is open now."""
    return await open_or_opening(session, unit_id=unit_id, now=now, within=timedelta(0))


async def open_or_opening(
    session: AsyncSession, *, unit_id: int, now: datetime, within: timedelta,
) -> list[StudySession]:
    """Scheduled sessions of the unit (or joint ones it is a partner of) open now or opening within
    `within`: what the check-in fast path keeps for a group."""
    from models.joint import of_unit  # joint builds on this module
    return list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.opens_at <= now + within, StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id)
    ))


async def nearest_session(session: AsyncSession, *, unit_id: int, now: datetime) -> StudySession | None:
    """The session a member most likely means when none is open: the next one, else the last one."""
    from models.joint import of_unit  # joint builds on this module
    upcoming = await session.scalar(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return await session.scalar(
        select(StudySession).where(StudySession.unit_id == unit_id, StudySession.state != SessionState.cancelled)
        .order_by(StudySession.starts_at.desc(), StudySession.id.desc()).limit(1)
    )


async def leave_targets(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    """Sessions one may still ask leave for: scheduled and not yet closed, soonest first."""
    from models.joint import of_unit  # joint builds on this module
    return list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
            StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id).limit(10)
    ))


async def person_open_sessions(session: AsyncSession, *, person_id: int, now: datetime) -> list[StudySession]:
    """Sessions open for check-in now on whose roll the person is (for /checkin in private)."""
    return list(await session.scalars(
        select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
            Attendance.person_id == person_id, Attendance.expected, StudySession.state == SessionState.scheduled,
            StudySession.opens_at <= now, StudySession.closes_at >= now,
        ).order_by(StudySession.starts_at, StudySession.id)
    ))


async def unit_sessions(
    session: AsyncSession, *, unit_id: int, now: datetime, upcoming: int = 5, recent: int = 5,
) -> tuple[list[StudySession], list[StudySession]]:
    """(upcoming or running, soonest first; recent, newest first) for /sessions (with the joint
    sessions the unit is a partner of)."""
    from models.joint import of_unit  # joint builds on this module
    soon = list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state == SessionState.scheduled,
        ).order_by(StudySession.starts_at, StudySession.id).limit(upcoming)
    ))
    past = list(await session.scalars(
        select(StudySession).where(
            of_unit(unit_id), StudySession.state != SessionState.scheduled,
        ).order_by(StudySession.starts_at.desc(), StudySession.id.desc()).limit(recent)
    ))
    return soon, past


# -- the roll -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CheckinResult:
    checked_in_at: datetime
    already: bool  # was already checked in: nothing changed
    late: bool


def window_check(ses: StudySession, *, unit: Unit, now: datetime) -> None:
    """Refuse a check-in outside the session's window, saying when the window is."""
    tz = unit.timezone
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.checkin_cancelled", topic=ses.topic)
    window = {"topic": ses.topic, "day": ses.starts_at.astimezone(ZoneInfo(tz)).strftime("%m-%d"),
              "opens": hm(ses.opens_at, tz), "closes": hm(ses.closes_at, tz)}
    if ses.state == SessionState.closed or now > ses.closes_at:
        raise DomainError("sessions.window_closed", **window)
    if now < ses.opens_at:
        raise DomainError("sessions.window_not_open", **window)


async def _row(session: AsyncSession, *, ses: StudySession, person_id: int) -> Attendance | None:
    return await session.scalar(
        select(Attendance).where(Attendance.session_id == ses.id, Attendance.person_id == person_id)
    )


async def _row_or_join(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person: Person, now: datetime,
) -> Attendance:
    """The person's line on the roll. Someone not on it (joined later, never joined) is added to the
    roll and to the unit: responding to a session of the group is as good as /join."""
    row = await _row(session, ses=ses, person_id=person.id)
    if row is not None:
        if not row.expected:
            row.expected = True
        return row
    await join_unit(session, unit=unit, person=person, source="session", now=now)
    await session.execute(_insert(session)(Attendance).values(
        session_id=ses.id, person_id=person.id, expected=True, status=Status.pending, created_at=now, updated_at=now,
    ).on_conflict_do_nothing())
    return await _row(session, ses=ses, person_id=person.id)


async def checkin(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person: Person, via: Via, now: datetime,
) -> CheckinResult:
    """Check the person in (late after start + grace). Idempotent: a second check-in changes nothing.

    The hot path of a busy session: the common case (on the roll, not yet in) is one conditional
    UPDATE and the roll's counter, in Core; the condition also makes two racing check-ins of one
    person (two instances) count once."""
    window_check(ses, unit=unit, now=now)
    late = now > ses.late_after
    status = Status.late if late else Status.present
    params = {"sid": ses.id, "pid": person.id, "new_status": status, "new_via": via, "at": now}
    if session.bind.dialect.name == "postgresql":  # both in one round trip
        if await session.scalar(_MARK_AND_BUMP, params) is not None:
            return CheckinResult(now, already=False, late=late)
    elif (await session.execute(_MARK, params)).rowcount:
        await session.execute(_BUMP, {"sid": ses.id})
        return CheckinResult(now, already=False, late=late)
    row = await _row_or_join(session, ses=ses, unit=unit, person=person, now=now)  # already in, or not on the roll
    if row.status in ATTENDED:
        return CheckinResult(row.checked_in_at, already=True, late=row.status == Status.late)
    row.status, row.via, row.checked_in_at, row.updated_at = status, via, now, now
    bump_roll(ses)
    return CheckinResult(now, already=False, late=late)


@dataclass(frozen=True, slots=True)
class QuickCheckin:
    """One check-in of a group commit (see `quick_checkins`): who, in which session, how, when, and
    the names Telegram showed, so a renamed person goes the slow way and is freshened there."""
    session_id: int
    tg_user_id: int
    names: tuple[str, str | None, str | None, str | None]  # first, last, username, language code
    via: Via
    at: datetime


_QUICK_ROWS = (
    select(_ATT.c.session_id, _ATT.c.person_id, _ATT.c.status, Person.tg_user_id, Person.first_name,
           Person.last_name, Person.username, Person.language_code, _SES.c.state, _SES.c.opens_at,
           _SES.c.closes_at, _SES.c.late_after)
    .join(Person, Person.id == _ATT.c.person_id).join(_SES, _SES.c.id == _ATT.c.session_id)
    .where(Person.tg_user_id.in_(bindparam("uids", expanding=True)),
           _ATT.c.session_id.in_(bindparam("sids", expanding=True)))
)
_PG_QUICK_MARK = (
    "UPDATE attendances AS a SET status = b.status, via = b.via, checked_in_at = b.at, updated_at = b.at, "
    "expected = true FROM unnest($1::bigint[], $2::bigint[], $3::varchar[], $4::varchar[], $5::timestamptz[]) "
    "AS b(sid, pid, status, via, at) WHERE a.session_id = b.sid AND a.person_id = b.pid "
    f"AND a.status NOT IN ({', '.join(repr(s.value) for s in ATTENDED)}) RETURNING a.id"
)


class QuickCheckinRace(Exception):
    """Another transaction marked one of the batch first: roll the batch back, take each the slow way."""


async def quick_checkins(session: AsyncSession, *, items: list[QuickCheckin]) -> list[CheckinResult | None]:
    """Check in many members at once (a group commit of the busy minutes of a session): for each
    item, its result, or None when it needs the careful path of `checkin` (not on the roll, already
    in, the window shut or the session cancelled since the caller looked, a changed name, or a second
    tap in the same batch). Reads every row in one query, marks in one statement, bumps each roll once."""
    found = await session.execute(_QUICK_ROWS, {"uids": list({i.tg_user_id for i in items}),
                                                "sids": list({i.session_id for i in items})})
    rows = {(r.session_id, r.tg_user_id): r for r in found}
    results: list[CheckinResult | None] = []
    marks: list[dict] = []
    taken: set[tuple[int, int]] = set()
    for item in items:
        key = (item.session_id, item.tg_user_id)
        r = rows.get(key)
        if (r is None or key in taken or r.status in ATTENDED or r.state != SessionState.scheduled
                or not r.opens_at <= item.at <= r.closes_at
                or item.names != (r.first_name, r.last_name, r.username, r.language_code)):
            results.append(None)
            continue
        taken.add(key)
        late = item.at > r.late_after
        marks.append({"sid": item.session_id, "pid": r.person_id, "new_status": Status.late if late else Status.present,
                      "new_via": item.via, "at": item.at})
        results.append(CheckinResult(item.at, already=False, late=late))
    if not marks:
        return results
    if session.bind.dialect.name == "postgresql":
        conn = await session.connection()
        done = len((await conn.exec_driver_sql(_PG_QUICK_MARK, (
            [m["sid"] for m in marks], [m["pid"] for m in marks], [m["new_status"].value for m in marks],
            [m["new_via"].value for m in marks], [m["at"].astimezone(UTC) for m in marks]))).all())
    else:  # SQLite: one executemany; its rowcount is the total, and SQLite writes one at a time
        done = (await session.execute(_MARK, marks)).rowcount
    if done != len(marks):
        raise QuickCheckinRace(f"{done} of {len(marks)} marked")
    await session.execute(_SES.update().where(_SES.c.id.in_({m["sid"] for m in marks}))
                          .values(roll_version=_SES.c.roll_version + 1))
    return results


async def ask_leave(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person: Person, reason: str, now: datetime,
) -> Attendance:
    """Ask leave for a session not yet closed; the reason is required. Asking again replaces the reason."""
    reason = clean_reason(reason, missing="sessions.leave_reason_missing")
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.checkin_cancelled", topic=ses.topic)
    if ses.state == SessionState.closed or now > ses.closes_at:
        raise DomainError("sessions.leave_too_late", topic=ses.topic, closes=hm(ses.closes_at, unit.timezone))
    row = await _row_or_join(session, ses=ses, unit=unit, person=person, now=now)
    if row.status in ATTENDED:
        raise DomainError("sessions.leave_after_checkin", topic=ses.topic)
    row.status, row.leave_reason, row.updated_at = Status.leave_asked, reason, now
    row.leave_decided_by_id = row.leave_decided_at = None
    bump_roll(ses)
    return row


async def decide_leave(
    session: AsyncSession, *, ses: StudySession, person_id: int, approve: bool, by: Person, now: datetime,
) -> Attendance:
    """An admin approves or refuses a leave request (a decision may be changed, also after the close:
    refusing then assigns 补学, approving then waives it)."""
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.checkin_cancelled", topic=ses.topic)
    row = await _row(session, ses=ses, person_id=person_id)
    if row is None or row.status not in LEAVE:
        raise DomainError("sessions.no_leave_request")
    row.status = Status.leave_approved if approve else Status.leave_rejected
    row.leave_decided_by_id, row.leave_decided_at, row.updated_at = by.id, now, now
    bump_roll(ses)
    if ses.state == SessionState.closed:
        if approve:
            await _waive(session, session_id=ses.id, person_id=person_id, by=by, now=now)
        else:
            unit = await session.get(Unit, ses.unit_id)
            await _assign_makeups(session, ses=ses, rows=[row], unit=unit, now=now)
    return row


async def proxy_checkin(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person_id: int, reason: str, by: Person,
    now: datetime,
) -> Attendance:
    """代签 during the window, 补签 after it; both record who, when and why. 补签 waives the 补学 item."""
    reason = clean_reason(reason, missing="sessions.proxy_reason_missing")
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.checkin_cancelled", topic=ses.topic)
    if now < ses.opens_at:
        raise DomainError("sessions.proxy_too_early", topic=ses.topic, opens=hm(ses.opens_at, unit.timezone))
    row = await _row(session, ses=ses, person_id=person_id)
    if row is None:
        raise DomainError("sessions.not_on_roll")
    if row.status in ATTENDED:
        raise DomainError("sessions.already_in_other")
    after = ses.state == SessionState.closed or now > ses.closes_at
    row.status = Status.present if after or now <= ses.late_after else Status.late
    row.via = Via.makeup if after else Via.proxy
    row.checked_in_at = row.proxy_at = row.updated_at = now
    row.expected, row.proxy_by_id, row.proxy_reason = True, by.id, reason
    bump_roll(ses)
    if after:
        await _waive(session, session_id=ses.id, person_id=person_id, by=by, now=now)
    return row


async def set_expected(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person_id: int, expected: bool, now: datetime,
) -> None:
    """Put a member of the unit on the roll, or take one off it (before the close)."""
    _editable(ses, unit, now)
    row = await _row(session, ses=ses, person_id=person_id)
    if row is None:
        member = await session.scalar(select(Membership.id).where(
            Membership.unit_id == unit.id, Membership.person_id == person_id, Membership.active))
        if member is None:
            raise DomainError("sessions.not_a_member")
        session.add(Attendance(session_id=ses.id, person_id=person_id, expected=expected, status=Status.pending,
                               created_at=now, updated_at=now))
    elif row.expected != expected:
        row.expected, row.updated_at = expected, now
    bump_roll(ses)


async def roll(session: AsyncSession, *, session_id: int) -> list[tuple[Attendance, Person]]:
    """The roll with names, in a stable order (who responded first comes first)."""
    rows = await session.execute(
        select(Attendance, Person).join(Person, Person.id == Attendance.person_id)
        .where(Attendance.session_id == session_id)
        .order_by(Attendance.checked_in_at.is_(None), Attendance.checked_in_at, Attendance.id)
    )
    return [(a, p) for a, p in rows.all()]


@dataclass(frozen=True, slots=True)
class Counts:
    expected: int
    present: int
    late: int
    leave: int  # asked or approved (refused leave counts as absent once the window closes)
    pending: int
    absent: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def rate(self) -> int:
        """Attendance in whole percent of those expected."""
        return round(100 * self.attended / self.expected) if self.expected else 0


def count(rows: list[tuple[Attendance, Person]] | list[Attendance], *, closed: bool) -> Counts:
    by = {s: 0 for s in Status}
    for item in rows:
        a = item[0] if isinstance(item, tuple) else item
        if a.expected:
            by[a.status] += 1
    refused = by[Status.leave_rejected]
    return Counts(
        expected=sum(by.values()), present=by[Status.present], late=by[Status.late],
        leave=by[Status.leave_asked] + by[Status.leave_approved] + (0 if closed else refused),
        pending=by[Status.pending], absent=by[Status.absent] + (refused if closed else 0),
    )


async def session_counts(session: AsyncSession, *, session_ids: list[int]) -> dict[int, Counts]:
    """Counts for several sessions in one query (for /sessions)."""
    if not session_ids:
        return {}
    rows = (await session.scalars(select(Attendance).where(Attendance.session_id.in_(session_ids)))).all()
    states = dict((await session.execute(
        select(StudySession.id, StudySession.state).where(StudySession.id.in_(session_ids)))).all())
    grouped: dict[int, list[Attendance]] = {sid: [] for sid in session_ids}
    for a in rows:
        grouped[a.session_id].append(a)
    return {sid: count(items, closed=states[sid] == SessionState.closed) for sid, items in grouped.items()}


# -- the close and 补学 ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Closed:
    session: StudySession
    makeups: list[tuple[Makeup, Person]]


async def due_to_close(session: AsyncSession, *, now: datetime) -> list[StudySession]:
    return list(await session.scalars(
        select(StudySession).where(StudySession.state == SessionState.scheduled, StudySession.closes_at <= now)
        .order_by(StudySession.closes_at, StudySession.id)
    ))


async def close_session(session: AsyncSession, *, ses: StudySession, now: datetime) -> Closed | None:
    """The window closed: whoever did not respond is absent; absentees and refused leave get 补学.
    None when the session was cancelled meanwhile."""
    if not await _leave_scheduled(session, ses=ses, to=SessionState.closed, closed_at=now, updated_at=now):
        return None
    unit = await session.get(Unit, ses.unit_id)
    await session.execute(
        update(Attendance).where(Attendance.session_id == ses.id, Attendance.expected,
                                 Attendance.status == Status.pending)
        .values(status=Status.absent, updated_at=now).execution_options(synchronize_session=False)
    )
    missed = (await session.scalars(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.expected,
        Attendance.status.in_([Status.absent, Status.leave_rejected]),
    ).execution_options(populate_existing=True))).all()
    return Closed(ses, await _assign_makeups(session, ses=ses, rows=list(missed), unit=unit, now=now))


async def _assign_makeups(
    session: AsyncSession, *, ses: StudySession, rows: list[Attendance], unit: Unit, now: datetime,
) -> list[tuple[Makeup, Person]]:
    if not rows:
        return []
    due = ses.closes_at + timedelta(days=session_options(unit).makeup_days)
    due = max(due, now + timedelta(days=1))  # a late close (or a late refusal) still leaves a day
    # An item waived earlier (leave approved after the close, then refused after all) opens again.
    stmt = _insert(session)(Makeup).on_conflict_do_update(
        index_elements=["session_id", "person_id"],
        set_={"state": MakeupState.open, "due_at": due, "done_at": None, "done_by_id": None},
        where=Makeup.state == MakeupState.waived,
    )
    await session.execute(stmt, [
        {"unit_id": ses.unit_id, "session_id": ses.id, "person_id": a.person_id, "reason": a.status,
         "state": MakeupState.open, "due_at": due, "created_at": now} for a in rows
    ])
    wanted = {a.person_id for a in rows}
    made = await session.execute(
        select(Makeup, Person).join(Person, Person.id == Makeup.person_id)
        .where(Makeup.session_id == ses.id, Makeup.state == MakeupState.open)
        .order_by(Makeup.id).execution_options(populate_existing=True)
    )
    return [(m, p) for m, p in made.all() if p.id in wanted]


async def _waive(session: AsyncSession, *, session_id: int, person_id: int, by: Person, now: datetime) -> None:
    await session.execute(
        update(Makeup).where(Makeup.session_id == session_id, Makeup.person_id == person_id,
                             Makeup.state == MakeupState.open)
        .values(state=MakeupState.waived, done_at=now, done_by_id=by.id).execution_options(synchronize_session=False)
    )


def makeup_topic(item: Makeup, ses: StudySession | None) -> str:
    """What the item is about: the missed session's topic, else its own title."""
    return ses.topic if ses is not None else (item.title or "")


async def order_makeups(
    session: AsyncSession, *, origin: str, wanted: list[tuple[int, int, str]], due_at: datetime, now: datetime,
) -> None:
    """Session-less 补学 items ordered by e.g. a bulletin: (unit_id, person_id, title) each, once per origin
    and person (ordering again changes nothing, whatever became of the first item)."""
    if not wanted:
        return
    stmt = _insert(session)(Makeup).on_conflict_do_nothing(index_elements=["origin", "person_id"])
    for i in range(0, len(wanted), 1000):
        await session.execute(stmt, [
            {"unit_id": unit_id, "session_id": None, "person_id": person_id, "reason": None,
             "title": title[:MAKEUP_TITLE_MAX], "origin": origin, "state": MakeupState.open, "due_at": due_at,
             "created_at": now} for unit_id, person_id, title in wanted[i:i + 1000]])


async def open_makeups(session: AsyncSession, *, person_id: int) -> list[tuple[Makeup, StudySession | None, Unit]]:
    rows = await session.execute(
        select(Makeup, StudySession, Unit).outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .join(Unit, Unit.id == Makeup.unit_id)
        .where(Makeup.person_id == person_id, Makeup.state == MakeupState.open).order_by(Makeup.due_at, Makeup.id)
    )
    return [(m, s, u) for m, s, u in rows.all()]


async def session_makeups(session: AsyncSession, *, session_id: int) -> list[tuple[Makeup, Person]]:
    rows = await session.execute(
        select(Makeup, Person).join(Person, Person.id == Makeup.person_id)
        .where(Makeup.session_id == session_id).order_by(Makeup.id)
    )
    return [(m, p) for m, p in rows.all()]


async def submit_makeup(
    session: AsyncSession, *, makeup_id: int, person: Person, note: str, now: datetime,
) -> tuple[Makeup, StudySession | None]:
    """The member hands in a make-up note: the item is done."""
    item = await session.get(Makeup, makeup_id)
    if item is None or item.person_id != person.id:
        raise DomainError("makeup.not_found", id=makeup_id)
    if item.state != MakeupState.open:
        raise DomainError("makeup.not_open", id=makeup_id)
    text = note.strip()
    if len(text) < MAKEUP_NOTE_MIN:
        raise DomainError("makeup.too_short", length=len(text), min=MAKEUP_NOTE_MIN)
    if len(text) > MAKEUP_NOTE_MAX:
        raise DomainError("makeup.too_long", length=len(text), limit=MAKEUP_NOTE_MAX)
    item.state, item.note, item.done_at, item.done_by_id = MakeupState.done, text, now, person.id
    return item, (await session.get(StudySession, item.session_id)) if item.session_id is not None else None


async def confirm_makeup(session: AsyncSession, *, makeup_id: int, unit: Unit, by: Person, now: datetime) -> Makeup:
    """An admin marks a member's 补学 as done (e.g. they studied it at a later meeting)."""
    item = await session.get(Makeup, makeup_id)
    if item is None or item.unit_id != unit.id:
        raise DomainError("makeup.not_found", id=makeup_id)
    if item.state != MakeupState.open:
        raise DomainError("makeup.not_open", id=makeup_id)
    item.state, item.done_at, item.done_by_id = MakeupState.done, now, by.id
    return item


async def makeups_to_remind(
    session: AsyncSession, *, until: datetime,
) -> list[tuple[Makeup, Person, StudySession | None]]:
    """Open items whose first reminder (a day before the due date) has come (the session is None for
    an item without one)."""
    rows = await session.execute(
        select(Makeup, Person, StudySession).join(Person, Person.id == Makeup.person_id)
        .outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .where(Makeup.state == MakeupState.open, Makeup.due_at <= until + timedelta(days=1))
        .order_by(Makeup.id)
    )
    return [(m, p, s) for m, p, s in rows.all()]


def makeup_reminder_times(due_at: datetime, since: datetime, until: datetime) -> list[tuple[int, datetime]]:
    """Reminders of an open item in (since, until]: a day before it is due, when due, then weekly."""
    found = []
    for n, at in ((0, due_at - timedelta(days=1)), (1, due_at)):
        if since < at <= until:
            found.append((n, at))
    week = timedelta(days=7)
    first = max(1, int((since - due_at) / week))
    k = first
    while due_at + k * week <= until:
        at = due_at + k * week
        if at > since:
            found.append((k + 1, at))
        k += 1
    return found


# -- for other features ---------------------------------------------------------------------------------

async def attended_sessions(
    session: AsyncSession, *, person_id: int, start: datetime, end: datetime,
) -> list[tuple[StudySession, int]]:
    """Sessions the person attended (on time, late, by 代签 or 补签) starting in [start, end),
    each with its length in minutes (self-study counts them as study hours)."""
    rows = await session.scalars(
        select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
            Attendance.person_id == person_id, Attendance.status.in_(ATTENDED),
            StudySession.state != SessionState.cancelled,
            StudySession.starts_at >= start, StudySession.starts_at < end,
        ).order_by(StudySession.starts_at)
    )
    return [(s, s.minutes) for s in rows]


async def attended_minutes(session: AsyncSession, *, person_id: int, start: datetime, end: datetime) -> int:
    return sum(minutes for _, minutes in await attended_sessions(session, person_id=person_id, start=start, end=end))


# -- the guided dialogue's drafts ------------------------------------------------------------------------

async def new_draft(
    session: AsyncSession, *, unit: Unit, person: Person, now: datetime, ses: StudySession | None = None,
) -> SessionDraft:
    """Start (or restart) the admin's draft in this unit; editing a session starts from its values."""
    await session.execute(delete(SessionDraft).where(
        (SessionDraft.expires_at <= now)
        | ((SessionDraft.unit_id == unit.id) & (SessionDraft.person_id == person.id))
    ))
    data: dict = {"minutes": DEFAULT_MINUTES}
    if ses is not None:
        zone = ZoneInfo(unit.timezone)
        start = ses.starts_at.astimezone(zone)
        data = {"kind": ses.kind.value, "date": start.date().isoformat(), "time": start.strftime("%H:%M"),
                "minutes": ses.minutes, "topic": ses.topic, "place": ses.place, "presenter": ses.presenter,
                "form": ses.form.value if ses.form else None}
    draft = SessionDraft(unit_id=unit.id, person_id=person.id, session_id=ses.id if ses else None, data=data,
                         created_at=now, expires_at=now + DRAFT_TTL)
    session.add(draft)
    await session.flush()
    return draft


async def get_draft(
    session: AsyncSession, *, draft_id: int, unit: Unit | None, person: Person, now: datetime,
) -> SessionDraft:
    """The caller's own live draft in this unit."""
    draft = await session.get(SessionDraft, draft_id)
    if draft is None or draft.expires_at <= now or unit is None or draft.unit_id != unit.id:
        raise DomainError("sessions.draft_gone")
    if draft.person_id != person.id:
        raise DomainError("sessions.draft_not_yours")
    return draft


def set_draft(draft: SessionDraft, now: datetime, **values: object) -> None:
    draft.data = {**draft.data, **values}  # a new dict, so SQLAlchemy sees the change
    draft.expires_at = now + DRAFT_TTL


def draft_missing(draft: SessionDraft) -> str | None:
    """The first thing the dialogue still has to ask, or None when the draft is complete."""
    for name in ("kind", "form", "date", "time", "topic"):
        if name == "form" and not takes_form(draft.data.get("kind")):
            continue
        if not draft.data.get(name):
            return name
    return None


def draft_spec(draft: SessionDraft, *, tz: str) -> SessionSpec:
    d = draft.data
    missing = draft_missing(draft)
    if missing:
        raise DomainError("sessions.draft_incomplete")
    start = time.fromisoformat(d["time"])
    starts_at, ends_at = local_span(date.fromisoformat(d["date"]), start, None, tz, int(d.get("minutes") or 90))
    kind = SessionKind(d["kind"])
    return SessionSpec(kind=kind, starts_at=starts_at, ends_at=ends_at, topic=d["topic"],
                       place=d.get("place"), presenter=d.get("presenter"),
                       form=ActivityForm(d["form"]) if takes_form(kind) and d.get("form") else None)


async def drop_draft(session: AsyncSession, *, draft: SessionDraft) -> None:
    await session.delete(draft)


async def member_choices(session: AsyncSession, *, unit_id: int, session_id: int) -> list[tuple[Person, bool]]:
    """Active members of the unit and everyone on the roll, each with whether they are expected."""
    on_roll = dict((await session.execute(
        select(Attendance.person_id, Attendance.expected).where(Attendance.session_id == session_id))).all())
    members = (await session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.unit_id == unit_id, Membership.active).order_by(Membership.joined_at, Person.id)
    )).all()
    seen = {p.id for p in members}
    extra = (await session.scalars(select(Person).where(Person.id.in_(set(on_roll) - seen)).order_by(Person.id))).all()
    return [(p, on_roll.get(p.id, False)) for p in (*members, *extra)]



async def attendance_tally(
    session: AsyncSession, *, person_id: int, since: datetime, until: datetime,
) -> tuple[int, int]:
    """(sessions attended, sessions missed) by a person among closed sessions starting in [since, until)."""
    # The person's own lines (their index) with each session by its key, counted here: a condition on
    # the sessions in SQL lets the planners walk every session of the period instead (SQLite probing
    # each one's roll for the person, PostgreSQL hashing them all), for a few dozen lines a year.
    lines = (await session.execute(
        select(Attendance.status, StudySession.state, StudySession.starts_at)
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(Attendance.person_id == person_id, Attendance.expected)
    )).all()
    by = Counter(status for status, state, starts_at in lines
                 if state == SessionState.closed and since <= starts_at < until)
    return sum(by.get(s, 0) for s in ATTENDED), by.get(Status.absent, 0) + by.get(Status.leave_rejected, 0)


def attended_minutes_source(start: date, end: date):  # noqa: ANN201 - a Select of (person_id, day, minutes)
    """Attended sessions as study time: one row per attendance, on the session's local day."""
    return select(Attendance.person_id.label("person_id"), StudySession.local_day.label("day"),
                  StudySession.minutes.label("minutes")).join(
        StudySession, StudySession.id == Attendance.session_id).where(
        Attendance.status.in_(ATTENDED), StudySession.state != SessionState.cancelled,
        StudySession.local_day.between(start, end))
