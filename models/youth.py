"""Youth study groups (促学): who counts as youth, the rotating group leader (小组长轮流负责制) and
swapped turns, activity records, question banks and knowledge contests (知识竞赛) run as quiz polls,
and the committee's evaluation of each group's period with its excellent cases (优秀案例).

A contest is a state machine in the database: each question is a round whose poll goes out through
the outbox; the sender reports the poll's id back (`mark_round_sent`), answers are checked against
the round's closing time, and `advance_contest` (run by the planner and after each send) decides
what comes next — so a restart mid-contest carries on where it stopped.
"""

from __future__ import annotations

import csv
import enum
import io
import random
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, case, delete, func, select, update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType, str_enum
from models.errors import DomainError
from models.outbox import Outbox, OutboxIn, OutboxState
from models.reflections import Reflection, ReflectionState
from models.schedules import parse_hhmm
from models.sessions import ATTENDED, FORM_KINDS, Attendance, SessionState, StudySession
from models.units import Membership, Person, Unit, UnitKind, ancestor_ids, member_count, subtree_ids

YOUTH_AGE_LIMIT = 35  # 青年: up to 35 unless the unit sets another limit
AGE_LIMIT_RANGE = (18, 60)
BIRTH_YEAR_MIN = 1930
SWAP_TTL = timedelta(hours=48)
RECORD_GRACE = timedelta(days=7)  # the previous leader may still write up their period this long after it
DRAFT_TTL = timedelta(hours=24)  # private messages feed a draft record only while it is this fresh
RECORD_TEXT_MAX = 2000
RECORD_PHOTOS_MAX = 20
ORDER_MAX = 60

BANK_NAME_MAX = 32
QUESTION_MAX = 280  # Telegram allows 300; the "[n/N] " prefix takes the rest
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 10
EXPLANATION_MAX = 200
FILE_MAX_BYTES = 512 * 1024
FILE_MAX_QUESTIONS = 300
BANK_MAX_QUESTIONS = 1000
SECONDS_DEFAULT, SECONDS_RANGE = 30, (10, 600)
COUNT_RANGE = (1, 100)
START_DELAY = timedelta(seconds=5)  # the intro is read before the first question appears
GAP = timedelta(seconds=3)  # between a question closing and the next one
ANSWER_GRACE = timedelta(seconds=2)  # an answer we see this late was still given in time
FINISH_GRACE = timedelta(seconds=5)  # answers in flight land before the scoreboard is computed
HEADER_WORDS = {"题目", "问题", "question"}


# ---------------------------------------------------------------------------------------- tables


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


# --------------------------------------------------------------------------------------- periods


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    index: int  # counted from the rotation's anchor
    start: date
    end: date  # exclusive

    @property
    def key(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        """Numbers only (2026-12, 2026-Q4, 2026-11-23~11-29), so it reads the same in every language."""
        if self.kind == PeriodKind.monthly:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.quarterly:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()}~{last.month:02d}-{last.day:02d}"


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def anchor_for(kind: PeriodKind, day: date) -> date:
    """The start of the period of this kind that contains `day` (weeks start on Monday)."""
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        return day - timedelta(days=day.weekday())
    if kind == PeriodKind.monthly:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def period_by_index(kind: PeriodKind, anchor: date, index: int) -> Period:
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        step = 7 if kind == PeriodKind.weekly else 14
        start = anchor + timedelta(days=index * step)
        return Period(kind, index, start, start + timedelta(days=step))
    months = 1 if kind == PeriodKind.monthly else 3
    start = _add_months(anchor, index * months)
    return Period(kind, index, start, _add_months(start, months))


def period_at(kind: PeriodKind, anchor: date, day: date) -> Period:
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        step = 7 if kind == PeriodKind.weekly else 14
        return period_by_index(kind, anchor, (day - anchor).days // step)
    months = 1 if kind == PeriodKind.monthly else 3
    diff = (day.year * 12 + day.month) - (anchor.year * 12 + anchor.month)
    return period_by_index(kind, anchor, diff // months)


def unit_period(unit: Unit, rotation: Rotation | None, day: date) -> Period:
    """The group's period containing `day`: its rotation's, else calendar months."""
    if rotation is None:
        return period_at(PeriodKind.monthly, anchor_for(PeriodKind.monthly, day), day)
    return period_at(rotation.period, rotation.anchor, day)


def period_bounds(period: Period, tz: str) -> tuple[datetime, datetime]:
    return local_to_utc(period.start, time(0), tz), local_to_utc(period.end, time(0), tz)


# ------------------------------------------------------------------------------------ youth flags


async def youth_of(session: AsyncSession, person_ids: list[int]) -> dict[int, YouthPerson]:
    if not person_ids:
        return {}
    rows = await session.scalars(select(YouthPerson).where(YouthPerson.person_id.in_(person_ids)))
    return {r.person_id: r for r in rows}


def age_limit(unit: Unit) -> int:
    return int((unit.options or {}).get("youth", {}).get("age_limit", YOUTH_AGE_LIMIT))


def is_youth(info: YouthPerson | None, *, year: int, limit: int) -> bool:
    if info is None:
        return False
    if info.flag is not None:
        return info.flag
    return info.birth_year is not None and year - info.birth_year <= limit


def _set_unit_option(unit: Unit, key: str, value: object, now: datetime) -> None:
    options = dict(unit.options or {})
    youth = dict(options.get("youth", {}))
    youth[key] = value
    options["youth"] = youth
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now


async def set_age_limit(session: AsyncSession, *, unit: Unit, limit: int, now: datetime) -> None:
    low, high = AGE_LIMIT_RANGE
    if not low <= limit <= high:
        raise DomainError("youth.bad_limit", given=limit, low=low, high=high)
    _set_unit_option(unit, "age_limit", limit, now)


_UNSET = object()


async def set_youth(
    session: AsyncSession, *, person: Person, by: Person, now: datetime, flag: object = _UNSET,
    birth_year: object = _UNSET,
) -> YouthPerson:
    """Set the explicit flag (True/False, None = decide by birth year) and/or the birth year."""
    if birth_year is not _UNSET and birth_year is not None:
        if not BIRTH_YEAR_MIN <= int(birth_year) <= now.year - 10:
            raise DomainError("youth.bad_year", given=birth_year, low=BIRTH_YEAR_MIN, high=now.year - 10)
    info = await session.get(YouthPerson, person.id)
    if info is None:
        info = YouthPerson(person_id=person.id, flag=None, birth_year=None, updated_at=now)
        session.add(info)
    if flag is not _UNSET:
        info.flag = flag  # type: ignore[assignment]
    if birth_year is not _UNSET:
        info.birth_year = birth_year  # type: ignore[assignment]
        if flag is _UNSET:
            info.flag = None  # a year given means: decide by age
    info.updated_by, info.updated_at = by.id, now
    await session.flush()
    return info


@dataclass(frozen=True, slots=True)
class FlagArgs:
    flag: bool | None | object = _UNSET
    birth_year: int | None | object = _UNSET
    limit: int | None = None


YES_WORDS = {"是", "青年", "yes", "y", "on", "true"}
NO_WORDS = {"否", "不是", "非青年", "no", "n", "off", "false"}
AUTO_WORDS = {"自动", "按年龄", "auto"}
LIMIT_WORDS = {"上限", "年龄上限", "limit"}


def parse_flag_args(text: str) -> FlagArgs | None:
    """`是` / `否` / `自动` / `1996` / `上限 40`; empty → None (show the picker)."""
    words = text.split()
    if not words:
        return None
    head = words[0].lower()
    if head in LIMIT_WORDS:
        if len(words) != 2 or not words[1].isascii() or not words[1].isdigit() or len(words[1]) > 3:
            raise DomainError("youth.bad_flag", given=text[:40])
        return FlagArgs(limit=int(words[1]))
    if len(words) != 1:
        raise DomainError("youth.bad_flag", given=text[:40])
    if head in YES_WORDS:
        return FlagArgs(flag=True)
    if head in NO_WORDS:
        return FlagArgs(flag=False)
    if head in AUTO_WORDS:
        return FlagArgs(flag=None)
    year = head.removesuffix("年")
    if len(year) == 4 and year.isascii() and year.isdigit():
        return FlagArgs(birth_year=int(year))
    raise DomainError("youth.bad_flag", given=text[:40])


# -------------------------------------------------------------------------------------- rotation

PERIOD_WORDS: dict[str, PeriodKind] = {
    "每周": PeriodKind.weekly, "周": PeriodKind.weekly, "weekly": PeriodKind.weekly,
    "每两周": PeriodKind.biweekly, "双周": PeriodKind.biweekly, "biweekly": PeriodKind.biweekly,
    "每月": PeriodKind.monthly, "月": PeriodKind.monthly, "monthly": PeriodKind.monthly,
    "每季度": PeriodKind.quarterly, "季度": PeriodKind.quarterly, "quarterly": PeriodKind.quarterly,
}
STOP_WORDS = {"停止", "关闭", "stop", "off"}


@dataclass(frozen=True, slots=True)
class RotationArgs:
    period: PeriodKind | None = None
    at: time | None = None
    stop: bool = False


def parse_rotation_args(text: str) -> RotationArgs | None:
    """What is left of `/rotation …` once mentions are taken out: a period word, a time, or stop."""
    words = text.split()
    if not words:
        return None
    period, at, stop = None, None, False
    for word in words:
        low = word.lower()
        if low in PERIOD_WORDS:
            period = PERIOD_WORDS[low]
        elif low in STOP_WORDS:
            stop = True
        elif re.fullmatch(r"\d{1,2}[:：]\d{2}", word):
            try:
                at = parse_hhmm(word)
            except DomainError:
                raise DomainError("rotation.bad_arg", given=word[:32]) from None
        else:
            raise DomainError("rotation.bad_arg", given=word[:32])
    if stop and (period or at):
        raise DomainError("rotation.bad_arg", given=text[:32])
    return RotationArgs(period, at, stop)


async def rotation_of(session: AsyncSession, unit_id: int, *, lock: bool = False) -> Rotation | None:
    stmt = select(Rotation).where(Rotation.unit_id == unit_id)
    if lock and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def require_group(unit: Unit) -> None:
    if unit.kind != UnitKind.promote:
        raise DomainError("youth.not_group", name=unit.name)


async def rotation_for_edit(session: AsyncSession, *, unit: Unit, now: datetime) -> Rotation:
    require_group(unit)
    rot = await rotation_of(session, unit.id, lock=True)
    if rot is None:
        kind = PeriodKind.monthly
        rot = Rotation(unit_id=unit.id, period=kind, order=[], anchor=anchor_for(kind, local_today(now, unit.timezone)),
                       at="09:00", turns={}, draft=[], created_at=now, updated_at=now)
        session.add(rot)
        await session.flush()
    return rot


async def member_by_username(session: AsyncSession, *, unit_id: int, username: str) -> Person | None:
    return await session.scalar(
        select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.unit_id == unit_id, Membership.active, func.lower(Person.username) == username.lower(),
        )
    )


async def active_ids(session: AsyncSession, unit_id: int) -> set[int]:
    return set(await session.scalars(
        select(Membership.person_id).where(Membership.unit_id == unit_id, Membership.active)
    ))


def leader_for(rot: Rotation, period: Period, active: set[int]) -> int | None:
    """Who leads a period: its fixed turn (announced or swapped), else the order."""
    fixed = (rot.turns or {}).get(period.key)
    return fixed if fixed is not None else by_order(rot, period.index, active)


def by_order(rot: Rotation, index: int, active: set[int]) -> int | None:
    """The order's leader for a period, passing over members who have left."""
    order = rot.order or []
    if not order or index < 0:
        return None
    for step in range(len(order)):
        pid = order[(index + step) % len(order)]
        if pid in active:
            return pid
    return None


def current_period(unit: Unit, rot: Rotation | None, now: datetime) -> Period:
    return unit_period(unit, rot, local_today(now, unit.timezone))


async def current_leader(session: AsyncSession, unit: Unit, now: datetime) -> int | None:
    rot = await rotation_of(session, unit.id)
    if rot is None or not rot.order:
        return None
    return leader_for(rot, current_period(unit, rot, now), await active_ids(session, unit.id))


def upcoming(rot: Rotation, unit: Unit, now: datetime, active: set[int], count: int) -> list[tuple[Period, int | None]]:
    """The current period and the next ones, with their leaders."""
    cur = current_period(unit, rot, now)
    return [(p, leader_for(rot, p, active))
            for p in (period_by_index(rot.period, rot.anchor, cur.index + i) for i in range(count))]


def next_turn(rot: Rotation, person_id: int, from_index: int, active: set[int], *, skip: date | None = None) -> Period | None:
    """The first period from `from_index` on that this person leads (other than `skip`)."""
    horizon = from_index + 3 * max(len(rot.order or []), 1) + len(rot.turns or {}) + 1
    for index in range(max(from_index, 0), horizon):
        p = period_by_index(rot.period, rot.anchor, index)
        if p.start != skip and leader_for(rot, p, active) == person_id:
            return p
    return None


async def _check_members(session: AsyncSession, unit: Unit, people: list[int]) -> None:
    if not people:
        raise DomainError("rotation.empty")
    if len(people) > ORDER_MAX:
        raise DomainError("rotation.too_many", limit=ORDER_MAX)
    if len(set(people)) != len(people):
        raise DomainError("rotation.duplicate")
    if not set(people) <= await active_ids(session, unit.id):
        raise DomainError("rotation.not_member")


def _restart(rot: Rotation, unit: Unit, now: datetime, kind: PeriodKind, order: list[int]) -> Period:
    """Start counting afresh from the current period, `order[0]` leading it; future swaps lapse."""
    today = local_today(now, unit.timezone)
    rot.period, rot.order, rot.anchor = kind, list(order), anchor_for(kind, today)
    cur = period_at(kind, rot.anchor, today)
    rot.turns = {k: v for k, v in (rot.turns or {}).items() if k < cur.key}  # history stays
    rot.updated_at = now
    return cur


async def set_order(session: AsyncSession, *, unit: Unit, order: list[int], now: datetime) -> tuple[Rotation, Period]:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    await _check_members(session, unit, order)
    cur = _restart(rot, unit, now, rot.period, order)
    rot.draft = []
    await _void_pending_swaps(session, unit, now)
    return rot, cur


async def set_period(session: AsyncSession, *, unit: Unit, kind: PeriodKind, now: datetime) -> Rotation:
    """Change the period length; whoever leads now keeps leading the new current period."""
    rot = await rotation_for_edit(session, unit=unit, now=now)
    if not rot.order:
        rot.period, rot.anchor = kind, anchor_for(kind, local_today(now, unit.timezone))
        rot.updated_at = now
        return rot
    active = await active_ids(session, unit.id)
    leader = leader_for(rot, current_period(unit, rot, now), active)
    order = list(rot.order)
    if leader in order:
        i = order.index(leader)
        order = order[i:] + order[:i]
    _restart(rot, unit, now, kind, order)
    await _void_pending_swaps(session, unit, now)
    return rot


async def set_announce_time(session: AsyncSession, *, unit: Unit, at: time, now: datetime) -> Rotation:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    rot.at, rot.updated_at = at.strftime("%H:%M"), now
    return rot


async def stop_rotation(session: AsyncSession, *, unit: Unit, now: datetime) -> None:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    if not rot.order:
        raise DomainError("rotation.none")
    cur = current_period(unit, rot, now)
    rot.order, rot.draft, rot.updated_at = [], [], now
    rot.turns = {k: v for k, v in (rot.turns or {}).items() if k < cur.key}  # who led past periods stays
    await _void_pending_swaps(session, unit, now)


async def draft_edit(session: AsyncSession, *, unit: Unit, now: datetime, add: int | None = None,
                     undo: bool = False, clear: bool = False) -> Rotation:
    """Pick the order one member at a time (buttons)."""
    rot = await rotation_for_edit(session, unit=unit, now=now)
    draft = list(rot.draft or [])
    if add is not None:
        if add not in await active_ids(session, unit.id):
            raise DomainError("rotation.not_member")
        if add not in draft:
            if len(draft) >= ORDER_MAX:
                raise DomainError("rotation.too_many", limit=ORDER_MAX)
            draft.append(add)
    if undo and draft:
        draft.pop()
    if clear:
        draft = []
    rot.draft, rot.updated_at = draft, now
    return rot


async def draft_done(session: AsyncSession, *, unit: Unit, now: datetime) -> tuple[Rotation, Period]:
    rot = await rotation_for_edit(session, unit=unit, now=now)
    return await set_order(session, unit=unit, order=list(rot.draft or []), now=now)


def announce_time(rot: Rotation) -> time:
    hh, mm = map(int, rot.at.split(":"))
    return time(hh, mm)


@dataclass(frozen=True, slots=True)
class Turn:
    unit: Unit
    period: Period
    leader: Person
    next_period: Period
    next_leader: Person | None


async def turns_to_announce(session: AsyncSession, *, now: datetime) -> list[Turn]:
    """Each group's latest turn whose announcement time has come; the turn becomes fixed.

    Announcing is keyed by period and leader, so asking every tick is harmless: a new leader of the
    same period (a swap, a new order) is announced, the same one is not. A turn swapped to someone
    who has left since falls back to the order."""
    found: list[Turn] = []
    rows = await session.execute(select(Rotation, Unit).join(Unit, Unit.id == Rotation.unit_id).order_by(Rotation.id))
    for rot, unit in rows.all():
        if not rot.order:
            continue
        period = current_period(unit, rot, now)
        if period.index < 0 or local_to_utc(period.start, announce_time(rot), unit.timezone) > now:
            continue  # the period's first day, before its announcement time
        active = await active_ids(session, unit.id)
        leader_id = leader_for(rot, period, active)
        if leader_id not in active:
            leader_id = by_order(rot, period.index, active)
        if leader_id is None:
            continue
        if (rot.turns or {}).get(period.key) != leader_id:
            rot.turns = {**(rot.turns or {}), period.key: leader_id}
        nxt = period_by_index(rot.period, rot.anchor, period.index + 1)
        nxt_id = leader_for(rot, nxt, active)
        nxt_id = nxt_id if nxt_id in active else by_order(rot, nxt.index, active)
        found.append(Turn(unit, period, await session.get(Person, leader_id), nxt,
                          await session.get(Person, nxt_id) if nxt_id else None))
    return found


# ------------------------------------------------------------------------------------------ swaps


async def _void_pending_swaps(session: AsyncSession, unit: Unit, now: datetime) -> None:
    await session.execute(
        update(Swap).where(Swap.unit_id == unit.id, Swap.state == SwapState.pending)
        .values(state=SwapState.void, decided_at=now)
    )


async def propose_swap(session: AsyncSession, *, unit: Unit, proposer: Person, partner: Person, now: datetime) -> Swap:
    """The proposer's current (or next) turn for the partner's next turn; both must confirm."""
    require_group(unit)
    rot = await rotation_of(session, unit.id)
    if rot is None or not rot.order:
        raise DomainError("rotation.none")
    if partner.id == proposer.id:
        raise DomainError("swap.self")
    active = await active_ids(session, unit.id)
    if partner.id not in active:
        raise DomainError("rotation.not_member")
    cur = current_period(unit, rot, now)
    mine = next_turn(rot, proposer.id, cur.index, active)
    if mine is None:
        raise DomainError("swap.no_turn")
    theirs = next_turn(rot, partner.id, cur.index, active, skip=mine.start)
    if theirs is None:
        raise DomainError("swap.partner_no_turn", name=partner.display_name)
    waiting = await session.scalar(select(Swap).where(
        Swap.unit_id == unit.id, Swap.state == SwapState.pending, Swap.proposer_id == proposer.id,
        Swap.expires_at > now,
    ))
    if waiting is not None:
        raise DomainError("swap.already_pending")
    swap = Swap(unit_id=unit.id, proposer_id=proposer.id, partner_id=partner.id, proposer_period=mine.start,
                partner_period=theirs.start, proposer_ok=False, partner_ok=False, state=SwapState.pending,
                created_at=now, expires_at=now + SWAP_TTL)
    session.add(swap)
    await session.flush()
    return swap


async def _own_swap(session: AsyncSession, *, unit: Unit, swap_id: int) -> Swap:
    swap = await session.get(Swap, swap_id, with_for_update=session.bind.dialect.name == "postgresql")
    if swap is None or swap.unit_id != unit.id:
        raise DomainError("errors.bad_callback")
    return swap


def _check_open(swap: Swap, now: datetime) -> None:
    if swap.state == SwapState.pending and swap.expires_at <= now:
        raise DomainError("swap.expired")
    if swap.state != SwapState.pending:
        raise DomainError(f"swap.closed_{swap.state.value}")


async def confirm_swap(session: AsyncSession, *, unit: Unit, swap_id: int, person: Person, now: datetime) -> Swap:
    """One side confirms; the second confirmation applies the swap (if the turns are still as proposed)."""
    swap = await _own_swap(session, unit=unit, swap_id=swap_id)
    if person.id not in (swap.proposer_id, swap.partner_id):
        raise DomainError("swap.not_yours")
    _check_open(swap, now)
    if person.id == swap.proposer_id:
        swap.proposer_ok = True
    if person.id == swap.partner_id:
        swap.partner_ok = True
    if not (swap.proposer_ok and swap.partner_ok):
        return swap
    rot = await rotation_of(session, unit.id, lock=True)
    active = await active_ids(session, unit.id)
    mine = period_at(rot.period, rot.anchor, swap.proposer_period) if rot and rot.order else None
    theirs = period_at(rot.period, rot.anchor, swap.partner_period) if rot and rot.order else None
    today = local_today(now, unit.timezone)
    if (mine is None or theirs is None or mine.start != swap.proposer_period or theirs.start != swap.partner_period
            or mine.end <= today or leader_for(rot, mine, active) != swap.proposer_id
            or leader_for(rot, theirs, active) != swap.partner_id):
        swap.state, swap.decided_at = SwapState.void, now
        return swap
    rot.turns = {**(rot.turns or {}), mine.key: swap.partner_id, theirs.key: swap.proposer_id}
    rot.updated_at = now
    swap.state, swap.decided_at = SwapState.done, now
    return swap


async def refuse_swap(session: AsyncSession, *, unit: Unit, swap_id: int, person: Person, now: datetime) -> Swap:
    swap = await _own_swap(session, unit=unit, swap_id=swap_id)
    if person.id not in (swap.proposer_id, swap.partner_id):
        raise DomainError("swap.not_yours")
    _check_open(swap, now)
    swap.state, swap.decided_at = SwapState.refused, now
    return swap


async def expire_swaps(session: AsyncSession, *, now: datetime) -> list[tuple[Swap, Unit]]:
    rows = (await session.execute(
        select(Swap, Unit).join(Unit, Unit.id == Swap.unit_id)
        .where(Swap.state == SwapState.pending, Swap.expires_at <= now).order_by(Swap.id)
    )).all()
    for swap, _ in rows:
        swap.state, swap.decided_at = SwapState.expired, now
    return [(s, u) for s, u in rows]


# ---------------------------------------------------------------------------------------- records


async def record_period(session: AsyncSession, *, unit: Unit, person: Person, admin: bool, now: datetime) -> Period:
    """The period a record by this person belongs to: the one they lead now, the one they led just
    before (within a week of its end), or — for admins — the current one."""
    require_group(unit)
    rot = await rotation_of(session, unit.id)
    cur = current_period(unit, rot, now)
    if rot is not None and rot.order:
        active = await active_ids(session, unit.id)
        if leader_for(rot, cur, active) == person.id:
            return cur
        prev = period_by_index(rot.period, rot.anchor, cur.index - 1)
        prev_end = local_to_utc(prev.end, time(0), unit.timezone)
        if prev.index >= 0 and leader_for(rot, prev, active) == person.id and now < prev_end + RECORD_GRACE:
            return prev
    if admin:
        return cur
    raise DomainError("record.not_leader")


def _clean_text(text: str) -> str:
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


def _check_record(text: str, photos: list[str]) -> None:
    if len(text) > RECORD_TEXT_MAX:
        raise DomainError("record.too_long", limit=RECORD_TEXT_MAX, length=len(text))
    if len(photos) > RECORD_PHOTOS_MAX:
        raise DomainError("record.too_many_photos", limit=RECORD_PHOTOS_MAX)


async def add_record(session: AsyncSession, *, unit: Unit, author: Person, period: Period, text: str,
                     photos: list[str], now: datetime, session_id: int | None = None) -> ActivityRecord:
    text = _clean_text(text)
    if not text:
        raise DomainError("record.empty")
    _check_record(text, photos)
    rec = ActivityRecord(unit_id=unit.id, period_start=period.start, author_id=author.id, text=text,
                         photos=list(photos), session_id=session_id, created_at=now, updated_at=now,
                         submitted_at=now)
    session.add(rec)
    await session.flush()
    return rec


async def open_draft(session: AsyncSession, *, unit: Unit, author: Person, period: Period, now: datetime,
                     session_id: int | None = None) -> ActivityRecord:
    """The author's draft for this unit — for the period, or for one activity (a session) — an older
    one is resumed, never thrown away."""
    rec = await session.scalar(select(ActivityRecord).where(
        ActivityRecord.author_id == author.id, ActivityRecord.unit_id == unit.id, ActivityRecord.submitted_at.is_(None),
        ActivityRecord.session_id == session_id if session_id is not None else ActivityRecord.session_id.is_(None),
    ).order_by(ActivityRecord.id).limit(1))
    if rec is None:
        rec = ActivityRecord(unit_id=unit.id, period_start=period.start, author_id=author.id, text="", photos=[],
                             session_id=session_id, created_at=now, updated_at=now)
        session.add(rec)
        await session.flush()
    rec.updated_at = now
    await session.execute(update(ActivityRecord).where(
        ActivityRecord.author_id == author.id, ActivityRecord.submitted_at.is_(None), ActivityRecord.id != rec.id,
    ).values(updated_at=now - DRAFT_TTL))  # only one draft takes private messages at a time
    return rec


async def live_draft(session: AsyncSession, *, author: Person, now: datetime) -> ActivityRecord | None:
    return await session.scalar(
        select(ActivityRecord).where(
            ActivityRecord.author_id == author.id, ActivityRecord.submitted_at.is_(None),
            ActivityRecord.updated_at > now - DRAFT_TTL,
        ).order_by(ActivityRecord.updated_at.desc()).limit(1)
    )


async def append_to_draft(session: AsyncSession, *, draft: ActivityRecord, text: str, photo: str | None,
                          now: datetime) -> ActivityRecord:
    text = _clean_text(text)
    joined = f"{draft.text}\n{text}".strip() if text else draft.text
    photos = list(draft.photos or []) + ([photo] if photo else [])
    _check_record(joined, photos)
    draft.text, draft.photos, draft.updated_at = joined, photos, now
    return draft


async def own_draft(session: AsyncSession, *, record_id: int, author: Person) -> ActivityRecord:
    rec = await session.get(ActivityRecord, record_id)
    if rec is None or rec.author_id != author.id:
        raise DomainError("errors.bad_callback")
    if rec.submitted_at is not None:
        raise DomainError("record.already_submitted")
    return rec


async def submit_draft(session: AsyncSession, *, draft: ActivityRecord, now: datetime) -> ActivityRecord:
    if not draft.text:
        raise DomainError("record.empty_draft")
    draft.submitted_at = draft.updated_at = now
    return draft


async def discard_draft(session: AsyncSession, *, draft: ActivityRecord) -> None:
    await session.delete(draft)


async def submit_draft_checked(session: AsyncSession, *, draft: ActivityRecord, now: datetime) -> ActivityRecord:
    """Submit a draft; an activity's draft only while that activity has no record yet."""
    if draft.session_id is not None and await _recorded(session, draft.session_id):
        ses = await session.get(StudySession, draft.session_id)
        raise DomainError("record.activity_done", topic=ses.topic if ses else "?")
    return await submit_draft(session, draft=draft, now=now)


# ----------------------------------------------------------------------------- activity records
#
# A youth group's activity is a study session of a kind with forms (FORM_KINDS: 青年理论学习小组活动).
# When it closes, whoever leads the period it falls in is asked for its record; the record is an
# ActivityRecord pointing at the session. An activity is pending while it closed less than
# RECORD_GRACE ago and has no submitted record.


def _activity_filter(unit_id: int):  # noqa: ANN202 - a where-clause
    return ((StudySession.unit_id == unit_id) & StudySession.kind.in_(list(FORM_KINDS))
            & (StudySession.state == SessionState.closed))


async def _recorded(session: AsyncSession, session_id: int) -> bool:
    return await session.scalar(select(ActivityRecord.id).where(
        ActivityRecord.session_id == session_id, ActivityRecord.submitted_at.is_not(None)).limit(1)) is not None


def is_activity(ses: StudySession, unit: Unit) -> bool:
    return ses.kind in FORM_KINDS and unit.kind == UnitKind.promote


async def activity_period(session: AsyncSession, *, unit: Unit, ses: StudySession) -> Period:
    return unit_period(unit, await rotation_of(session, unit.id), local_today(ses.starts_at, unit.timezone))


async def activity_recorder(session: AsyncSession, *, unit: Unit, ses: StudySession) -> int | None:
    """Who is asked for the activity's record: the leader of the period it falls in (the rotation),
    else whoever scheduled it."""
    rot = await rotation_of(session, unit.id)
    if rot is not None and rot.order:
        active = await active_ids(session, unit.id)
        leader = leader_for(rot, unit_period(unit, rot, local_today(ses.starts_at, unit.timezone)), active)
        if leader is not None and leader in active:
            return leader
    return ses.created_by_id


async def pending_activities(session: AsyncSession, *, unit: Unit, now: datetime) -> list[StudySession]:
    """The group's closed activities still waiting for their record, oldest first."""
    recorded = select(ActivityRecord.id).where(
        ActivityRecord.session_id == StudySession.id, ActivityRecord.submitted_at.is_not(None)).exists()
    return list(await session.scalars(select(StudySession).where(
        _activity_filter(unit.id), StudySession.closed_at >= now - RECORD_GRACE, ~recorded,
    ).order_by(StudySession.starts_at, StudySession.id)))


async def _may_record(session: AsyncSession, *, unit: Unit, ses: StudySession, person: Person, admin: bool) -> bool:
    return admin or await activity_recorder(session, unit=unit, ses=ses) == person.id


async def activity_to_record(session: AsyncSession, *, unit: Unit, person: Person, admin: bool,
                             now: datetime) -> tuple[StudySession, Period, int] | None:
    """The first pending activity of the group this person may write up (the one asked, or an admin),
    its period, and how many more are pending after it; None when there is none."""
    if unit.kind != UnitKind.promote:
        return None
    mine = [s for s in await pending_activities(session, unit=unit, now=now)
            if await _may_record(session, unit=unit, ses=s, person=person, admin=admin)]
    if not mine:
        return None
    return mine[0], await activity_period(session, unit=unit, ses=mine[0]), len(mine) - 1


async def activity_for_reply(session: AsyncSession, *, session_id: int, person: Person, admin: bool,
                             now: datetime) -> tuple[StudySession, Unit, Period]:
    """The activity a reply to the bot's request names, if its record is still to be written by them."""
    ses = await session.get(StudySession, session_id)
    unit = await session.get(Unit, ses.unit_id) if ses is not None else None
    if ses is None or unit is None or not is_activity(ses, unit) or ses.state != SessionState.closed:
        raise DomainError("record.nothing_pending")
    if await _recorded(session, ses.id):
        raise DomainError("record.activity_done", topic=ses.topic)
    if ses.closed_at is None or ses.closed_at < now - RECORD_GRACE:
        raise DomainError("record.activity_too_late", topic=ses.topic, days=RECORD_GRACE.days)
    if not await _may_record(session, unit=unit, ses=ses, person=person, admin=admin):
        raise DomainError("record.not_leader")
    return ses, unit, await activity_period(session, unit=unit, ses=ses)


async def records_of(session: AsyncSession, *, unit_id: int, period: Period) -> list[ActivityRecord]:
    return list(await session.scalars(select(ActivityRecord).where(
        ActivityRecord.unit_id == unit_id, ActivityRecord.period_start == period.start,
        ActivityRecord.submitted_at.is_not(None),
    ).order_by(ActivityRecord.submitted_at, ActivityRecord.id)))


# ---------------------------------------------------------------------------------- question banks


@dataclass(frozen=True, slots=True)
class QuestionIn:
    question: str
    options: tuple[str, ...]
    correct: int  # 0-based
    explanation: str | None


def _cell(text: str) -> str:
    return " ".join("".join(c for c in text if unicodedata.category(c)[0] != "C").split())


def _number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def question_from_fields(fields: list[str]) -> QuestionIn:
    """题目, 选项…, 正确选项序号[, 解析]: the last whole number is the answer; text after it, the explanation."""
    cells = [_cell(f) for f in fields]
    if len(cells) < 4:
        raise DomainError("quiz.too_few", count=len(cells))
    explanation: str | None = None
    answer = _number(cells[-1])
    if answer is None:
        explanation = cells[-1] or None
        answer = _number(cells[-2])
        if answer is None:
            raise DomainError("quiz.no_answer", given=cells[-2][:20])
        options, question = cells[1:-2], cells[0]
    else:
        options, question = cells[1:-1], cells[0]
    if not question:
        raise DomainError("quiz.question_empty")
    if len(question) > QUESTION_MAX:
        raise DomainError("quiz.question_long", limit=QUESTION_MAX, length=len(question))
    if len(options) < OPTIONS_MIN:
        raise DomainError("quiz.too_few", count=len(cells))
    if len(options) > OPTIONS_MAX:
        raise DomainError("quiz.too_many_options", limit=OPTIONS_MAX, count=len(options))
    for n, option in enumerate(options, 1):
        if not option:
            raise DomainError("quiz.option_empty", n=n)
        if len(option) > OPTION_MAX:
            raise DomainError("quiz.option_long", n=n, limit=OPTION_MAX, length=len(option))
    if len(set(options)) != len(options):
        raise DomainError("quiz.option_duplicate")
    if not 1 <= answer <= len(options):
        raise DomainError("quiz.answer_range", given=answer, count=len(options))
    if explanation and len(explanation) > EXPLANATION_MAX:
        raise DomainError("quiz.explanation_long", limit=EXPLANATION_MAX, length=len(explanation))
    return QuestionIn(question, tuple(options), answer - 1, explanation)


PIPES = re.compile(r"[|｜]")


def parse_quiz_line(text: str) -> QuestionIn:
    if not PIPES.search(text):
        raise DomainError("quiz.no_pipes")
    return question_from_fields(PIPES.split(text))


class QuizFileError(DomainError):
    """A question file with bad lines: each (line number, catalog key, params). Nothing is loaded."""

    def __init__(self, problems: list[tuple[int, str, dict]]) -> None:
        # Rendered on its own it names the lines; the handler replaces `lines` with what is wrong in each.
        super().__init__("quiz.file_bad", count=len(problems), lines=", ".join(str(n) for n, _, _ in problems))
        self.problems = problems


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("quiz.file_encoding")


def parse_quiz_file(data: bytes) -> list[QuestionIn]:
    """Lines `题目|选项A|选项B|…|序号|解析` (or the same columns as CSV). Blank lines, lines starting
    with # and a header row are skipped. Any bad line fails the whole file."""
    if len(data) > FILE_MAX_BYTES:
        raise DomainError("quiz.file_too_big", limit=FILE_MAX_BYTES // 1024)
    text = _decode(data)
    rows: list[tuple[int, list[str]]] = []
    problems: list[tuple[int, str, dict]] = []
    if PIPES.search(text):
        rows = [(n, PIPES.split(line)) for n, line in enumerate(text.splitlines(), 1)]
    else:
        reader = csv.reader(io.StringIO(text))
        try:
            for fields in reader:
                rows.append((reader.line_num, fields))
        except csv.Error as exc:
            problems.append((reader.line_num + 1, "quiz.csv_error", {"error": str(exc)[:80]}))
    questions: list[QuestionIn] = []
    header_allowed = True
    for n, fields in rows:
        cells = [c.strip() for c in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header_allowed and cells[0].lower() in HEADER_WORDS:
            header_allowed = False
            continue
        header_allowed = False
        if len(cells) == 1:
            problems.append((n, "quiz.no_pipes", {}))
            continue
        try:
            questions.append(question_from_fields(cells))
        except DomainError as err:
            problems.append((n, err.key, err.params))
    if problems:
        raise QuizFileError(problems)
    if not questions:
        raise DomainError("quiz.file_empty")
    if len(questions) > FILE_MAX_QUESTIONS:
        raise DomainError("quiz.file_too_many", limit=FILE_MAX_QUESTIONS, count=len(questions))
    return questions


def clean_bank_name(raw: str) -> str:
    name = _cell(raw).replace("|", "").replace("｜", "").strip()
    if not name:
        raise DomainError("quiz.bank_name_empty")
    if len(name) > BANK_NAME_MAX:
        raise DomainError("quiz.bank_name_long", limit=BANK_NAME_MAX, length=len(name))
    return name


async def banks_of(session: AsyncSession, *, unit: Unit) -> list[tuple[QuizBank, int, Unit]]:
    """Banks a unit can use: its own, then those of the units above it. With question counts."""
    units = [unit.id, *await ancestor_ids(session, unit_id=unit.id)]
    rows = (await session.execute(
        select(QuizBank, func.count(QuizQuestion.id), Unit)
        .join(Unit, Unit.id == QuizBank.unit_id)
        .outerjoin(QuizQuestion, QuizQuestion.bank_id == QuizBank.id)
        .where(QuizBank.unit_id.in_(units)).group_by(QuizBank.id, Unit.id)
    )).all()
    rank = {uid: i for i, uid in enumerate(units)}
    return sorted(((b, n, u) for b, n, u in rows), key=lambda r: (rank[r[2].id], r[0].name))


async def current_bank(session: AsyncSession, *, unit: Unit, by: Person, now: datetime) -> QuizBank:
    """The bank new questions go to: the one last chosen, else one named like the group."""
    bank_id = (unit.options or {}).get("youth", {}).get("bank")
    bank = await session.get(QuizBank, bank_id) if bank_id else None
    if bank is None or bank.unit_id != unit.id:
        bank = await choose_bank(session, unit=unit, name=unit.name[:BANK_NAME_MAX], by=by, now=now)
    return bank


async def choose_bank(session: AsyncSession, *, unit: Unit, name: str, by: Person, now: datetime) -> QuizBank:
    """Make a bank of this unit current, creating it if new."""
    name = clean_bank_name(name)
    bank = await session.scalar(select(QuizBank).where(QuizBank.unit_id == unit.id, QuizBank.name == name))
    if bank is None:
        bank = QuizBank(unit_id=unit.id, name=name, created_by=by.id, created_at=now)
        session.add(bank)
        await session.flush()
    _set_unit_option(unit, "bank", bank.id, now)
    return bank


async def find_bank(session: AsyncSession, *, unit: Unit, name: str | None) -> QuizBank:
    """A bank by name (this unit's first, then those above), or the current one."""
    if name is None:
        bank_id = (unit.options or {}).get("youth", {}).get("bank")
        bank = await session.get(QuizBank, bank_id) if bank_id else None
        if bank is None or bank.unit_id != unit.id:
            raise DomainError("quiz.no_bank")
        return bank
    name = clean_bank_name(name)
    for bank, _, _ in await banks_of(session, unit=unit):
        if bank.name == name:
            return bank
    raise DomainError("quiz.bank_unknown", name=name)


async def bank_questions(session: AsyncSession, *, bank: QuizBank) -> list[QuizQuestion]:
    return list(await session.scalars(
        select(QuizQuestion).where(QuizQuestion.bank_id == bank.id).order_by(QuizQuestion.id)
    ))


async def add_questions(session: AsyncSession, *, bank: QuizBank, items: list[QuestionIn], now: datetime) -> int:
    have = await session.scalar(select(func.count()).select_from(QuizQuestion).where(QuizQuestion.bank_id == bank.id))
    if have + len(items) > BANK_MAX_QUESTIONS:
        raise DomainError("quiz.bank_full", limit=BANK_MAX_QUESTIONS, count=have)
    session.add_all(QuizQuestion(bank_id=bank.id, question=q.question, options=list(q.options), correct=q.correct,
                                 explanation=q.explanation, created_at=now) for q in items)
    await session.flush()
    return have + len(items)


async def delete_question(session: AsyncSession, *, bank: QuizBank, number: int) -> QuizQuestion:
    questions = await bank_questions(session, bank=bank)
    if not 1 <= number <= len(questions):
        raise DomainError("quiz.no_such_question", n=number, count=len(questions))
    question = questions[number - 1]
    await session.delete(question)
    return question


# --------------------------------------------------------------------------------------- contests


@dataclass(frozen=True, slots=True)
class StartArgs:
    bank: str | None = None
    count: int | None = None
    seconds: int = SECONDS_DEFAULT


def parse_start_args(text: str) -> StartArgs:
    """`[题库名] [10题] [30秒]`, in any order."""
    count: int | None = None
    seconds = SECONDS_DEFAULT
    name: list[str] = []
    for word in text.split():
        norm = unicodedata.normalize("NFKC", word).lower()
        if m := re.fullmatch(r"(\d{1,4})(题|道|道题|q)", norm):
            count = int(m.group(1))
            if not COUNT_RANGE[0] <= count <= COUNT_RANGE[1]:
                raise DomainError("quiz.bad_count", given=count, low=COUNT_RANGE[0], high=COUNT_RANGE[1])
        elif m := re.fullmatch(r"(\d{1,4})(秒|s|sec)", norm):
            seconds = int(m.group(1))
            if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
                raise DomainError("quiz.bad_seconds", given=seconds, low=SECONDS_RANGE[0], high=SECONDS_RANGE[1])
        elif norm.isdigit():
            raise DomainError("quiz.bare_number", given=word[:8])
        else:
            name.append(word)
    return StartArgs(clean_bank_name(" ".join(name)) if name else None, count, seconds)


async def live_contest(session: AsyncSession, *, unit_id: int) -> Contest | None:
    return await session.scalar(select(Contest).where(
        Contest.unit_id == unit_id, Contest.state.in_([ContestState.running, ContestState.stopping]),
    ))


def poll_key(contest_id: int, seq: int) -> str:
    return f"quiz:{contest_id}:{seq}"


def poll_item(unit: Unit, contest: Contest, rnd: Round, total: int, due_at: datetime) -> OutboxIn:
    """The outbox row that sends a round's quiz poll (numbers only in the prefix: no language needed)."""
    return OutboxIn(
        dedupe_key=poll_key(contest.id, rnd.seq), chat_id=unit.chat_id, unit_id=unit.id, kind="quiz",
        due_at=due_at, text=f"[{rnd.seq}/{total}] {rnd.question}",
        media={"poll": {"options": list(rnd.options), "correct": rnd.correct, "explanation": rnd.explanation,
                        "open_period": contest.seconds}},
    )


async def start_contest(session: AsyncSession, *, unit: Unit, bank: QuizBank, by: Person, count: int | None,
                        seconds: int, now: datetime, rng: random.Random | None = None) -> tuple[Contest, list[Round], OutboxIn]:
    """Copy the questions into rounds and plan the first poll. One contest per group at a time."""
    if await live_contest(session, unit_id=unit.id) is not None:
        raise DomainError("quiz.already_running")
    questions = await bank_questions(session, bank=bank)
    if not questions:
        raise DomainError("quiz.bank_empty", name=bank.name)
    if count is not None and count < len(questions):
        picked = sorted((rng or random.Random()).sample(range(len(questions)), count))
        questions = [questions[i] for i in picked]
    contest = Contest(unit_id=unit.id, bank_name=bank.name, state=ContestState.running, seconds=seconds,
                      started_by=by.id, started_at=now)
    session.add(contest)
    await session.flush()
    rounds = [Round(contest_id=contest.id, seq=i, question=q.question, options=list(q.options), correct=q.correct,
                    explanation=q.explanation) for i, q in enumerate(questions, 1)]
    session.add_all(rounds)
    await session.flush()
    return contest, rounds, poll_item(unit, contest, rounds[0], len(rounds), now + START_DELAY)


async def contest_rounds(session: AsyncSession, *, contest_id: int) -> list[Round]:
    return list(await session.scalars(select(Round).where(Round.contest_id == contest_id).order_by(Round.seq)))


async def mark_round_sent(session: AsyncSession, *, contest_id: int, seq: int, poll_id: str, message_id: int,
                          now: datetime) -> Contest | None:
    """The sender delivered a round's poll: from now the question is open for `seconds`."""
    rnd = await session.scalar(select(Round).where(Round.contest_id == contest_id, Round.seq == seq))
    contest = await session.get(Contest, contest_id)
    if rnd is None or contest is None or rnd.opened_at is not None:
        return None
    rnd.poll_id, rnd.message_id = poll_id, message_id
    rnd.opened_at, rnd.closes_at = now, now + timedelta(seconds=contest.seconds)
    return contest


class AnswerOutcome(enum.StrEnum):
    counted = "counted"
    late = "late"
    again = "again"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    seq: int


async def record_answer(session: AsyncSession, *, poll_id: str, person: Person, option_ids: list[int],
                        now: datetime) -> AnswerResult | None:
    """A quiz vote. None when the poll is not a contest's (or the vote was withdrawn)."""
    rnd = await session.scalar(select(Round).where(Round.poll_id == poll_id))
    if rnd is None or not option_ids or rnd.opened_at is None:
        return None
    contest = await session.get(Contest, rnd.contest_id)
    if contest.state not in (ContestState.running, ContestState.stopping) or now > rnd.closes_at + ANSWER_GRACE:
        return AnswerResult(AnswerOutcome.late, rnd.seq)
    if await session.scalar(select(Answer.id).where(Answer.round_id == rnd.id, Answer.person_id == person.id)):
        return AnswerResult(AnswerOutcome.again, rnd.seq)
    option = option_ids[0]
    session.add(Answer(round_id=rnd.id, person_id=person.id, option=option, correct=option == rnd.correct,
                       answered_at=now, elapsed_ms=max(0, int((now - rnd.opened_at).total_seconds() * 1000))))
    await session.flush()
    return AnswerResult(AnswerOutcome.counted, rnd.seq)


async def stop_contest(session: AsyncSession, *, unit: Unit, now: datetime) -> Contest:
    """No further questions: polls not yet sent are withdrawn; the open one runs out, then the scores."""
    contest = await live_contest(session, unit_id=unit.id)
    if contest is None:
        raise DomainError("quiz.none_running")
    contest.state = ContestState.stopping
    await session.execute(delete(Outbox).where(
        Outbox.dedupe_key.like(f"quiz:{contest.id}:%"), Outbox.kind == "quiz", Outbox.state == OutboxState.pending,
    ))
    return contest


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    person: Person
    correct: int
    answered: int
    time_ms: int


@dataclass(frozen=True, slots=True)
class Step:
    """What `advance_contest` decided: polls to enqueue, and the final standings when it finished."""

    polls: list[OutboxIn]
    finished: Contest | None = None
    standings: list[Standing] | None = None
    played: int = 0
    failed_seq: int | None = None


async def advance_contest(session: AsyncSession, *, contest: Contest, now: datetime) -> Step:
    """Plan the next poll once the previous one is out; finish when the last has closed."""
    if contest.state not in (ContestState.running, ContestState.stopping):
        return Step([])
    unit = await session.get(Unit, contest.unit_id)
    rounds = await contest_rounds(session, contest_id=contest.id)
    opened = [r for r in rounds if r.opened_at is not None]
    waiting = [r for r in rounds if r.opened_at is None]
    last = opened[-1] if opened else None
    if contest.state == ContestState.running and waiting:
        # Confirm the contest still runs while holding its row: a /quiz stop committed meanwhile must
        # not see its next question planned again after it cleared the queue.
        still = await session.execute(
            update(Contest).where(Contest.id == contest.id, Contest.state == ContestState.running)
            .values(state=ContestState.running).execution_options(synchronize_session=False)
        )
        if still.rowcount != 1:
            return Step([])
        nxt = waiting[0]
        row = await session.scalar(select(Outbox).where(Outbox.dedupe_key == poll_key(contest.id, nxt.seq)))
        if row is not None and row.state in (OutboxState.failed, OutboxState.dead):
            return await _finish(session, contest, opened, now, failed_seq=nxt.seq)
        # Only a poll not yet queued is planned. Queuing one again would be a no-op, but on PostgreSQL
        # that insert waits for the sender marking the same row sent, whose after-sent hook waits for
        # the contest row held here: a deadlock that left the question never opened.
        if row is None:
            due = last.closes_at + GAP if last else contest.started_at + START_DELAY
            return Step([poll_item(unit, contest, nxt, len(rounds), due)])
        return Step([])
    if last is None or now >= last.closes_at + FINISH_GRACE:
        return await _finish(session, contest, opened, now)
    return Step([])


async def _finish(session: AsyncSession, contest: Contest, opened: list[Round], now: datetime,
                  failed_seq: int | None = None) -> Step:
    """Score the contest once: the state change is conditional, so a second planner pass does nothing."""
    final = ContestState.finished if contest.state == ContestState.running and failed_seq is None else ContestState.stopped
    result = await session.execute(
        update(Contest).where(Contest.id == contest.id, Contest.state == contest.state)
        .values(state=final, finished_at=now).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Step([])
    contest.state, contest.finished_at = final, now
    await session.execute(delete(Outbox).where(
        Outbox.dedupe_key.like(f"quiz:{contest.id}:%"), Outbox.kind == "quiz", Outbox.state == OutboxState.pending,
    ))
    standings = await _score(session, contest, [r.id for r in opened])
    return Step([], finished=contest, standings=standings, played=len(opened), failed_seq=failed_seq)


async def _score(session: AsyncSession, contest: Contest, round_ids: list[int]) -> list[Standing]:
    """Most correct answers first; among equals, less time on the correct ones. Ties share a rank."""
    if not round_ids:
        return []
    rows = (await session.execute(
        select(Answer.person_id, func.count(), func.sum(case((Answer.correct, 1), else_=0)),
               func.sum(case((Answer.correct, Answer.elapsed_ms), else_=0)))
        .where(Answer.round_id.in_(round_ids)).group_by(Answer.person_id)
    )).all()
    results = sorted(((pid, int(n), int(ok or 0), int(ms or 0)) for pid, n, ok, ms in rows),
                     key=lambda r: (-r[2], r[3], r[0]))
    people = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_([r[0] for r in results])))}
    standings: list[Standing] = []
    for i, (pid, answered, correct, ms) in enumerate(results):
        same = standings and (standings[-1].correct, standings[-1].time_ms) == (correct, ms)
        rank = standings[-1].rank if same else i + 1
        standings.append(Standing(rank, people[pid], correct, answered, ms))
        session.add(Score(contest_id=contest.id, person_id=pid, correct=correct, answered=answered, time_ms=ms,
                          rank=rank))
    await session.flush()
    return standings


async def contests_to_advance(session: AsyncSession) -> list[Contest]:
    return list(await session.scalars(select(Contest).where(
        Contest.state.in_([ContestState.running, ContestState.stopping])).order_by(Contest.id)))


@dataclass(frozen=True, slots=True)
class QuizRecord:
    contests: int
    correct: int
    answered: int
    best_rank: int | None


async def quiz_record(session: AsyncSession, *, person: Person) -> QuizRecord:
    """A member's contests, for their own record."""
    n, ok, answered, best = (await session.execute(
        select(func.count(), func.sum(Score.correct), func.sum(Score.answered), func.min(Score.rank))
        .where(Score.person_id == person.id)
    )).one()
    return QuizRecord(int(n or 0), int(ok or 0), int(answered or 0), best)


# ------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class Scope:
    unit: Unit
    period: Period
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of a group's period: rendered from the catalog key `youth.fig_<key>` with `params`."""

    key: str
    params: dict


FigureFn = Callable[[AsyncSession, Scope], Awaitable[Figure | None]]


async def _contest_ids(session: AsyncSession, scope: Scope) -> list[int]:
    return list(await session.scalars(select(Contest.id).where(
        Contest.unit_id == scope.unit.id, Contest.started_at >= scope.since, Contest.started_at < scope.until,
        Contest.state.in_([ContestState.finished, ContestState.stopped]),
    )))


async def figure_contests(session: AsyncSession, scope: Scope) -> Figure:
    return Figure("contests", {"count": len(await _contest_ids(session, scope))})


async def figure_players(session: AsyncSession, scope: Scope) -> Figure | None:
    ids = await _contest_ids(session, scope)
    if not ids:
        return None
    players = await session.scalar(select(func.count(func.distinct(Score.person_id))).where(Score.contest_id.in_(ids)))
    members = await member_count(session, unit_id=scope.unit.id)
    right, total = (await session.execute(
        select(func.sum(Score.correct), func.sum(Score.answered)).where(Score.contest_id.in_(ids))
    )).one()
    accuracy = round(100 * int(right or 0) / int(total)) if total else 0
    return Figure("players", {"players": int(players or 0), "members": members, "accuracy": accuracy})


async def figure_records(session: AsyncSession, scope: Scope) -> Figure:
    records = await records_of(session, unit_id=scope.unit.id, period=scope.period)
    return Figure("records", {"count": len(records), "photos": sum(len(r.photos or []) for r in records)})


def _activities_in(scope: Scope):  # noqa: ANN202 - a where-clause
    """The group's activities held in the period: closed sessions of a kind with forms starting in it."""
    return _activity_filter(scope.unit.id) & (StudySession.starts_at >= scope.since) & (
        StudySession.starts_at < scope.until)


async def figure_activities(session: AsyncSession, scope: Scope) -> Figure:
    """Activities held, and how many of them have their record."""
    recorded = select(ActivityRecord.id).where(
        ActivityRecord.session_id == StudySession.id, ActivityRecord.submitted_at.is_not(None)).exists()
    held, with_record = (await session.execute(
        select(func.count(StudySession.id), func.coalesce(func.sum(case((recorded, 1), else_=0)), 0))
        .where(_activities_in(scope))
    )).one()
    return Figure("activities", {"count": int(held or 0), "recorded": int(with_record or 0)})


async def figure_attendance(session: AsyncSession, scope: Scope) -> Figure | None:
    """Attendance at those activities: attended (on time, late, 代签, 补签) over those expected."""
    expected, attended = (await session.execute(
        select(func.count(Attendance.id), func.sum(case((Attendance.status.in_(list(ATTENDED)), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(_activities_in(scope), Attendance.expected)
    )).one()
    if not expected:
        return None
    attended = int(attended or 0)
    return Figure("attendance", {"attended": attended, "expected": int(expected),
                                 "rate": round(100 * attended / int(expected))})


async def figure_reflections(session: AsyncSession, scope: Scope) -> Figure:
    """Reflections (心得体会) the group's members handed in during the period."""
    members = select(Membership.person_id).where(Membership.unit_id == scope.unit.id, Membership.active)
    count, writers = (await session.execute(
        select(func.count(Reflection.id), func.count(func.distinct(Reflection.person_id))).where(
            Reflection.person_id.in_(members), Reflection.state != ReflectionState.draft,
            Reflection.submitted_at >= scope.since, Reflection.submitted_at < scope.until,
        )
    )).one()
    return Figure("reflections", {"count": int(count or 0), "writers": int(writers or 0),
                                  "members": await member_count(session, unit_id=scope.unit.id)})


# The evaluation's figures, in order: activities and their attendance, contests, records, reflections.
FIGURES: list[FigureFn] = [figure_activities, figure_attendance, figure_contests, figure_players, figure_records,
                           figure_reflections]


async def compute_figures(session: AsyncSession, *, unit: Unit, period: Period) -> list[Figure]:
    since, until = period_bounds(period, unit.timezone)
    scope = Scope(unit, period, since, until)
    return [f for fn in FIGURES if (f := await fn(session, scope)) is not None]


async def groups_below(session: AsyncSession, *, committee: Unit) -> list[Unit]:
    ids = await subtree_ids(session, unit_id=committee.id) - {committee.id}
    if not ids:
        return []
    return list(await session.scalars(
        select(Unit).where(Unit.id.in_(ids), Unit.kind == UnitKind.promote).order_by(Unit.name)
    ))


async def group_for_committee(session: AsyncSession, *, committee: Unit, group_id: int) -> Unit:
    """A group the committee may evaluate: a youth group below it (never one elsewhere)."""
    group = await session.get(Unit, group_id)
    if group is None or group.kind != UnitKind.promote or committee.id not in await ancestor_ids(session, unit_id=group.id):
        raise DomainError("errors.bad_callback")
    return group


async def group_period(session: AsyncSession, *, group: Unit, day: date) -> tuple[Period, int | None]:
    """The group's period containing `day`, and who led it."""
    rot = await rotation_of(session, group.id)
    period = unit_period(group, rot, day)
    leader = leader_for(rot, period, await active_ids(session, group.id)) if rot and rot.order else None
    return period, leader


async def evaluation_of(session: AsyncSession, *, group: Unit, period: Period) -> Evaluation | None:
    return await session.scalar(select(Evaluation).where(
        Evaluation.unit_id == group.id, Evaluation.period_start == period.start))


async def rate(session: AsyncSession, *, committee: Unit, group: Unit, period: Period, grade: Grade, by: Person,
               now: datetime) -> Evaluation:
    """Rate (or re-rate) a group's period; the figures seen are kept with the rating."""
    if period.start > local_today(now, group.timezone):
        raise DomainError("evaluate.future")
    figures = [{"key": f.key, "params": f.params} for f in await compute_figures(session, unit=group, period=period)]
    _, leader = await group_period(session, group=group, day=period.start)
    ev = await evaluation_of(session, group=group, period=period)
    if ev is None:
        ev = Evaluation(unit_id=group.id, period_start=period.start, period_end=period.end, committee_id=committee.id,
                        grade=grade, figures=figures, leader_id=leader, rated_by=by.id, rated_at=now, excellent=False)
        session.add(ev)
    else:
        ev.grade, ev.figures, ev.committee_id, ev.rated_by, ev.rated_at = grade, figures, committee.id, by.id, now
        ev.leader_id = leader
        ev.excellent = ev.excellent and grade == Grade.excellent  # an excellent case is rated 优秀
    await session.flush()
    return ev


async def mark_excellent(session: AsyncSession, *, committee: Unit, group: Unit, period: Period, by: Person,
                         now: datetime) -> Evaluation:
    """An excellent case: rated 优秀 and, once its leader agrees, shown in the committee's group."""
    ev = await rate(session, committee=committee, group=group, period=period, grade=Grade.excellent, by=by, now=now)
    if ev.consent == Consent.granted:
        raise DomainError("evaluate.already_shown")
    ev.excellent, ev.consent, ev.consent_at = True, Consent.asked, None
    return ev


async def consent_of(session: AsyncSession, *, unit: Unit | None, evaluation_id: int) -> Evaluation:
    """The evaluation a consent button names, which must be of the group it was pressed in."""
    ev = await session.get(Evaluation, evaluation_id)
    if ev is None or unit is None or ev.unit_id != unit.id:
        raise DomainError("errors.bad_callback")
    return ev


async def answer_consent(session: AsyncSession, *, ev: Evaluation, person: Person, admin_of_group: bool,
                         agree: bool, now: datetime) -> Evaluation:
    """The leader (or, for a group without one, its admins) agrees to show the case, or not."""
    if (ev.leader_id is not None and person.id != ev.leader_id) or (ev.leader_id is None and not admin_of_group):
        raise DomainError("evaluate.consent_not_yours")
    if ev.consent != Consent.asked:
        raise DomainError("evaluate.consent_done")
    ev.consent, ev.consent_at = (Consent.granted if agree else Consent.declined), now
    return ev
