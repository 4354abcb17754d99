"""Weekly self-study (党员自学): weekly plans, reading lists, study minutes, leave periods, targets.

Study minutes come from sources (`MINUTE_SOURCES`): each is a SELECT of (person_id, day, minutes)
rows over a date range. Own entries are the first source; attending a session (another feature) adds
a second one by appending its source, and every total (/me, nudges, summaries) sums them all.
"""

from __future__ import annotations

import enum
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date, ForeignKey, Index, ScalarSelect, Select, String, UniqueConstraint, and_, bindparam, delete, func, or_, select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType, str_enum
from models.errors import DomainError
from models.units import RANK_ORDER, Membership, Person, Rank, Unit, UnitKind

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


# -- parsing what people type ---------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)"
_HOURS = r"(?:个半小时|个半钟头|个小时|小时|钟头|h|hr|hrs|hour|hours)"
_MINS = r"(?:分钟|分|min|mins|minute|minutes|m)"
_AMOUNT_RE = re.compile(
    rf"^(?:(?P<h>{_NUM})\s*(?P<hu>{_HOURS})(?:\s*(?P<hm>{_NUM})\s*{_MINS}?)?"
    rf"|(?P<half>半)\s*(?:个)?(?:小时|钟头)"
    rf"|(?P<m>{_NUM})\s*{_MINS}?)$"
)
UNIT_WORD_RE = re.compile(rf"^(?:{_HOURS}|{_MINS})$")
_URL_RE = re.compile(r"https?://\S+")


def normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII, control characters dropped, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n").strip()


def _cn_number(text: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or len(text) > 3:
        raise ValueError(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones:
            raise ValueError(text)
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(text) != 1:
        raise ValueError(text)
    return _CN_DIGITS[text]


def parse_minutes(raw: str, *, limit: int = DAY_MAX, error: str = "study.bad_amount") -> int:
    """`30`, `30分钟`, `1.5小时`, `2h`, `1h30m`, `两小时`, `半小时`, `1个半小时` → minutes (1..limit)."""
    text = normalize(raw).lower().replace(" ", "")
    if text.startswith(("-", "−", "负")):
        raise DomainError("study.negative", given=raw[:20])
    m = _AMOUNT_RE.match(text)
    if m is None:
        raise DomainError(error, given=raw[:20])
    try:
        if m.group("half"):
            minutes = 30.0
        elif m.group("h") is not None:
            minutes = _cn_number(m.group("h")) * 60 + (30 if "半" in m.group("hu") else 0)
            if m.group("hm"):
                minutes += _cn_number(m.group("hm"))
        else:
            minutes = _cn_number(m.group("m"))
    except (ValueError, KeyError):
        raise DomainError(error, given=raw[:20]) from None
    value = round(minutes)
    if value <= 0:
        raise DomainError("study.zero", given=raw[:20])
    if value > limit:
        raise DomainError("study.too_much", given=raw[:20], limit=limit // 60)
    return value


_DATE_RES = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
)
_REL_DAYS = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def parse_day(raw: str, *, today: date) -> date | None:
    """A date word (`昨天`, `2026-11-20`, `11-20`, `11月20日`), or None when the token is not one."""
    text = normalize(raw).lower()
    if text in _REL_DAYS:
        return today - timedelta(days=_REL_DAYS[text])
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            year = int(m.group("y")) if "y" in pattern.groupindex else today.year
            try:
                return date(year, int(m.group("m")), int(m.group("d")))
            except ValueError:
                raise DomainError("study.bad_date", given=raw[:20]) from None
    return None


def clean_text(raw: str, limit: int) -> str:
    return " ".join(normalize(raw).split())[:limit]


@dataclass(frozen=True, slots=True)
class StudyIn:
    minutes: int
    day: date
    what: str | None


def parse_study(raw: str, *, today: date) -> StudyIn:
    """`/study 30 [日期] [内容]`: an amount (a unit word may follow after a space), a date, what."""
    tokens = normalize(raw).split()
    if not tokens:
        raise DomainError("study.usage")
    amount = tokens.pop(0)
    if tokens and UNIT_WORD_RE.match(tokens[0].lower()):
        amount += tokens.pop(0)
    minutes = parse_minutes(amount)
    day = today
    if tokens:
        found = parse_day(tokens[0], today=today)
        if found is not None:
            day = found
            tokens.pop(0)
    check_day(day, today=today)
    what = clean_text(" ".join(tokens), WHAT_MAX) or None
    return StudyIn(minutes, day, what)


def check_day(day: date, *, today: date, back: int = BACKDATE_DAYS) -> None:
    if day > today:
        raise DomainError("study.future", day=day.isoformat())
    if day < today - timedelta(days=back):
        raise DomainError("study.too_old", day=day.isoformat(), days=back)


@dataclass(frozen=True, slots=True)
class ItemIn:
    kind: ItemKind
    title: str
    link: str | None = None

    def as_json(self) -> dict:
        return {"kind": self.kind.value, "title": self.title, "link": self.link}

    @classmethod
    def from_json(cls, data: dict) -> ItemIn:
        return cls(ItemKind(data["kind"]), data["title"], data.get("link"))


_KIND_WORDS = {"必读": ItemKind.required, "必学": ItemKind.required, "required": ItemKind.required,
               "选读": ItemKind.optional, "选学": ItemKind.optional, "optional": ItemKind.optional}
_KIND_RE = re.compile(r"^(必读|必学|选读|选学|required|optional)\s*[:：]?\s*", re.IGNORECASE)
_ITEM_SPLIT_RE = re.compile(r"[;；\n]+")


def parse_items(raw: str) -> list[ItemIn]:
    """Items separated by `;` or new lines: `[必读|选读] 《标题》 [链接或说明]` (必读 when not said)."""
    items = []
    for part in _ITEM_SPLIT_RE.split(normalize(raw)):
        part = " ".join(part.split())
        if not part:
            continue
        kind = ItemKind.required
        m = _KIND_RE.match(part)
        if m:
            kind = _KIND_WORDS[m.group(1).lower()]
            part = part[m.end():]
        link_m = _URL_RE.search(part)
        link = None
        if link_m:
            link = link_m.group(0)
            if len(link) > LINK_MAX:
                raise DomainError("plan.link_too_long", limit=LINK_MAX)
            part = (part[:link_m.start()] + part[link_m.end():]).strip()
        title = part.strip(" -—:：,，")
        if not title:
            if link is None:
                continue
            title = link[:TITLE_MAX]
        if len(title) > TITLE_MAX:
            raise DomainError("plan.title_too_long", limit=TITLE_MAX, length=len(title))
        items.append(ItemIn(kind, title, link))
    if len(items) > PLAN_ITEMS_MAX:
        raise DomainError("plan.too_many_items", limit=PLAN_ITEMS_MAX)
    return items


_NEXT_WEEK_WORDS = {"下周": 1, "next": 1, "本周": 0, "this": 0}


def take_week(tokens: list[str]) -> int:
    """Pop a leading `本周`/`下周` (this/next week) token; returns the week offset (0 or 1)."""
    if tokens and tokens[0].lower() in _NEXT_WEEK_WORDS:
        return _NEXT_WEEK_WORDS[tokens.pop(0).lower()]
    return 0


def parse_plan_line(raw: str) -> tuple[int, int, list[ItemIn]]:
    """`/plan set [下周] 120 《…》; 选读 《…》 https://…` → (week offset, minutes, items)."""
    text = normalize(raw)
    head = text.split(maxsplit=2)
    offset = take_week(head)
    if not head:
        raise DomainError("plan.usage")
    amount = head.pop(0)
    minutes = parse_minutes(amount, limit=WEEK_MAX, error="plan.bad_minutes")
    items = parse_items(" ".join(head))
    if not items:
        raise DomainError("plan.no_items")
    return offset, minutes, items


def parse_away(raw: str, *, today: date) -> tuple[date, date, str]:
    """`/away 2026-12-01 2026-12-07 出差` or `/away 12-01 12-03 休假` (one date: that day only)."""
    tokens = normalize(raw).split()
    if not tokens:
        raise DomainError("away.usage")
    first = parse_day(tokens.pop(0), today=today)
    if first is None:
        raise DomainError("away.bad_date", given=raw.split()[0][:20] if raw.split() else "")
    last = first
    if tokens:
        found = parse_day(tokens[0], today=today)
        if found is not None:
            last = found
            tokens.pop(0)
    if last < first:
        raise DomainError("away.reversed", first=first.isoformat(), last=last.isoformat())
    if last < today:
        raise DomainError("away.past", last=last.isoformat())
    if (last - first).days + 1 > AWAY_MAX_DAYS:
        raise DomainError("away.too_long", limit=AWAY_MAX_DAYS)
    reason = clean_text(" ".join(tokens), 100)
    if not reason:
        raise DomainError("away.no_reason")
    return first, last, reason


# -- weeks ----------------------------------------------------------------------------------------

def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"


# -- minutes: sources and totals ------------------------------------------------------------------

MinuteSource = Callable[[date, date], Select]


def own_entries(start: date, end: date) -> Select:
    """Logged entries, trainings and corrections as (person_id, day, minutes), start..end inclusive."""
    return select(StudyEntry.person_id.label("person_id"), StudyEntry.day.label("day"),
                  StudyEntry.minutes.label("minutes")).where(StudyEntry.day.between(start, end))


# Every source of study minutes; the sessions feature appends one for attended sessions.
MINUTE_SOURCES: list[MinuteSource] = [own_entries]


def _all_minutes(start: date, end: date):
    parts = [src(start, end) for src in MINUTE_SOURCES]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("minutes")


async def minutes_by_day(session: AsyncSession, *, person_id: int, start: date, end: date) -> dict[date, int]:
    every = _all_minutes(start, end)
    rows = await session.execute(
        select(every.c.day, func.sum(every.c.minutes)).where(every.c.person_id == person_id).group_by(every.c.day)
    )
    return {_as_date(d): int(m) for d, m in rows.all()}


async def minutes_by_person(session: AsyncSession, *, people: Select | list[int], start: date, end: date) -> dict[int, int]:
    """Total minutes per person over start..end for a set of people (a subquery of ids, or a list)."""
    every = _all_minutes(start, end)
    rows = await session.execute(
        select(every.c.person_id, func.sum(every.c.minutes))
        .where(every.c.person_id.in_(people)).group_by(every.c.person_id)
    )
    return {pid: int(m) for pid, m in rows.all()}


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# -- study entries --------------------------------------------------------------------------------

async def _day_total(session: AsyncSession, person_id: int, day: date) -> int:
    return (await minutes_by_day(session, person_id=person_id, start=day, end=day)).get(day, 0)


async def log_study(
    session: AsyncSession, *, person: Person, minutes: int, day: date, what: str | None, unit_id: int | None,
    today: date, now: datetime, kind: EntryKind = EntryKind.own, by: Person | None = None,
    reason: str | None = None,
) -> StudyEntry:
    """Record study (or an admin's signed correction) on a day, keeping each day within 0..12 h."""
    if kind == EntryKind.own:
        check_day(day, today=today)
    elif day > today:
        raise DomainError("study.future", day=day.isoformat())
    if minutes == 0 or (minutes < 0 and kind != EntryKind.correction):
        raise DomainError("study.zero", given=str(minutes))
    total = await _day_total(session, person.id, day) + minutes
    if total > DAY_MAX:
        raise DomainError("study.day_full", day=day.isoformat(), limit=DAY_MAX // 60,
                          left=max(0, DAY_MAX - total + minutes))
    if total < 0:
        raise DomainError("study.below_zero", day=day.isoformat(), had=total - minutes)
    entry = StudyEntry(person_id=person.id, unit_id=unit_id, day=day, minutes=minutes, kind=kind, what=what,
                       reason=reason, created_by=(by or person).id, created_at=now)
    session.add(entry)
    await session.flush()
    return entry


async def undo_entry(session: AsyncSession, *, person: Person, entry_id: int | None = None) -> StudyEntry:
    """Remove the person's own last entry (or the given one of theirs): an undo, not a correction."""
    q = select(StudyEntry).where(StudyEntry.person_id == person.id, StudyEntry.kind == EntryKind.own)
    if entry_id is not None:
        q = q.where(StudyEntry.id == entry_id)
    entry = await session.scalar(q.order_by(StudyEntry.created_at.desc(), StudyEntry.id.desc()).limit(1))
    if entry is None:
        raise DomainError("study.nothing_to_undo" if entry_id is None else "study.undo_gone")
    await session.delete(entry)
    await session.flush()
    return entry


async def record_training(
    session: AsyncSession, *, people: list[Person], length: str, day: date, what: str | None, unit: Unit,
    by: Person, today: date, now: datetime,
) -> list[StudyEntry]:
    """A training day (8 h) or half day (4 h) for each person; refused whole if one day would overflow."""
    if length not in TRAINING_MINUTES:
        raise DomainError("training.usage")
    return [
        await log_study(session, person=p, minutes=TRAINING_MINUTES[length], day=day, what=what, unit_id=unit.id,
                        today=today, now=now, kind=EntryKind.training, by=by)
        for p in people
    ]


async def recent_entries(session: AsyncSession, *, person_id: int, limit: int = 8) -> list[StudyEntry]:
    return list(await session.scalars(
        select(StudyEntry).where(StudyEntry.person_id == person_id)
        .order_by(StudyEntry.created_at.desc(), StudyEntry.id.desc()).limit(limit)
    ))


# -- targets --------------------------------------------------------------------------------------

def _unit_cfg(unit: Unit) -> dict:
    return (unit.options or {}).get("selfstudy", {})


def target_hours(unit: Unit) -> dict[str, int]:
    return {**DEFAULT_TARGET_HOURS, **_unit_cfg(unit).get("targets", {})}


def is_leader(unit: Unit, rank: Rank) -> bool:
    """Secretaries and leadership: ranks above member, and every member of a leadership group."""
    return RANK_ORDER[rank] > 0 or unit.kind == UnitKind.lead


def yearly_target(unit: Unit, rank: Rank) -> int:
    """A member's yearly target in minutes, as this unit sets it."""
    return target_hours(unit)["leader" if is_leader(unit, rank) else "member"] * 60


def weekly_target(unit: Unit, rank: Rank, plan_minutes: int | None) -> int:
    """The week's plan sets it; a week without a plan asks for a 52nd of the year's target."""
    return plan_minutes if plan_minutes is not None else math.ceil(yearly_target(unit, rank) / 52)


def _set_unit_cfg(unit: Unit, key: str, value: Any, now: datetime) -> None:
    options = dict(unit.options or {})
    cfg = dict(options.get("selfstudy", {}))
    cfg[key] = value
    options["selfstudy"] = cfg
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now


def set_target_hours(unit: Unit, *, who: str, raw: str, now: datetime) -> int:
    text = normalize(raw).lower().removesuffix("小时").removesuffix("h").strip()
    if not re.fullmatch(r"\d{1,4}", text) or not 1 <= int(text) <= 2000:
        raise DomainError("ss_set.bad_hours", given=raw[:20])
    _set_unit_cfg(unit, "targets", {**_unit_cfg(unit).get("targets", {}), who: int(text)}, now)
    return int(text)


def shows_names(unit: Unit) -> bool:
    """Whether the unit consents to names in the weekly summary's top list."""
    return bool(_unit_cfg(unit).get("show_names", False))


def set_shows_names(unit: Unit, *, on: bool, now: datetime) -> None:
    _set_unit_cfg(unit, "show_names", on, now)


# -- plans ----------------------------------------------------------------------------------------

async def plan_for(session: AsyncSession, *, unit_id: int, week_start: date) -> StudyPlan | None:
    return await session.scalar(
        select(StudyPlan).where(StudyPlan.unit_id == unit_id, StudyPlan.week_start == week_start)
    )


async def plan_items(session: AsyncSession, *, plan_ids: list[int]) -> dict[int, list[PlanItem]]:
    found: dict[int, list[PlanItem]] = {pid: [] for pid in plan_ids}
    if plan_ids:
        for item in await session.scalars(
            select(PlanItem).where(PlanItem.plan_id.in_(plan_ids)).order_by(PlanItem.plan_id, PlanItem.position)
        ):
            found[item.plan_id].append(item)
    return found


async def save_plan(
    session: AsyncSession, *, unit: Unit, week_start: date, minutes: int, items: list[ItemIn], by: Person | None,
    now: datetime, source_plan_id: int | None = None,
) -> StudyPlan:
    """Create or replace the unit's plan of a week (replacing its items clears their done marks)."""
    if not items:
        raise DomainError("plan.no_items")
    if not 0 < minutes <= WEEK_MAX:
        raise DomainError("plan.bad_minutes", given=str(minutes))
    plan = await plan_for(session, unit_id=unit.id, week_start=week_start)
    if plan is None:
        plan = StudyPlan(unit_id=unit.id, week_start=week_start, required_minutes=minutes, revision=1,
                         source_plan_id=source_plan_id, created_by=by.id if by else None, created_at=now,
                         updated_at=now)
        session.add(plan)
        await session.flush()
    else:
        plan.required_minutes, plan.source_plan_id, plan.updated_at = minutes, source_plan_id, now
        plan.revision += 1
        plan.created_by = by.id if by else plan.created_by
        await session.execute(delete(PlanItem).where(PlanItem.plan_id == plan.id))
    session.add_all(PlanItem(plan_id=plan.id, position=i + 1, kind=it.kind, title=it.title, link=it.link)
                    for i, it in enumerate(items))
    await session.flush()
    return plan


@dataclass(slots=True)
class PushResult:
    pushed: list[Unit]
    kept: list[Unit]  # units with a plan of their own that week: not overwritten


async def push_plan(session: AsyncSession, *, plan: StudyPlan, units: list[Unit], now: datetime) -> PushResult:
    """Copy a plan to units below; units with their own plan that week keep it."""
    items = (await plan_items(session, plan_ids=[plan.id]))[plan.id]
    copies = [ItemIn(i.kind, i.title, i.link) for i in items]
    result = PushResult([], [])
    for unit in units:
        if unit.id == plan.unit_id:
            continue
        existing = await plan_for(session, unit_id=unit.id, week_start=plan.week_start)
        if existing is not None and existing.source_plan_id is None:
            result.kept.append(unit)
            continue
        await save_plan(session, unit=unit, week_start=plan.week_start, minutes=plan.required_minutes, items=copies,
                        by=None, now=now, source_plan_id=plan.id)
        result.pushed.append(unit)
    return result


async def item_in_reach(session: AsyncSession, *, item_id: int, person: Person) -> tuple[PlanItem, StudyPlan]:
    """A plan item of a unit the person belongs to (a button naming any other item is refused)."""
    row = (await session.execute(
        select(PlanItem, StudyPlan).join(StudyPlan, StudyPlan.id == PlanItem.plan_id)
        .join(Membership, Membership.unit_id == StudyPlan.unit_id)
        .where(PlanItem.id == item_id, Membership.person_id == person.id, Membership.active)
    )).first()
    if row is None:
        raise DomainError("plan.unknown_item")
    return row[0], row[1]


async def mark_item_done(session: AsyncSession, *, item: PlanItem, person: Person, now: datetime) -> bool:
    """Returns False when it was already marked."""
    if await session.get(PlanItemDone, (item.id, person.id)) is not None:
        return False
    session.add(PlanItemDone(item_id=item.id, person_id=person.id, done_at=now))
    await session.flush()
    return True


async def week_progress(
    session: AsyncSession, *, unit_ids: list[int], week_start: date, person_id: int,
) -> dict[int, tuple[int, int]]:
    """Unit id → (required items the person marked done, required items) of each unit's plan of the
    week (units without a plan left out), in one query (/me)."""
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(StudyPlan.unit_id, func.count(PlanItemDone.item_id), func.count(PlanItem.id))
        .outerjoin(PlanItem, and_(PlanItem.plan_id == StudyPlan.id, PlanItem.kind == ItemKind.required))
        .outerjoin(PlanItemDone, and_(PlanItemDone.item_id == PlanItem.id, PlanItemDone.person_id == person_id))
        .where(StudyPlan.unit_id.in_(unit_ids), StudyPlan.week_start == week_start)
        .group_by(StudyPlan.unit_id)
    )
    return {unit_id: (done, total) for unit_id, done, total in rows.all()}


@functools.cache
def week_progress_figures(units: int) -> dict[str, ScalarSelect]:
    """`week_progress` as scalar subqueries for /me's one SELECT, built once per number of units, with
    parameters `ss_person`, `ss_week` and `ss_unit_<i>`: per unit i `plan_<i>` (plans that week: 0 =
    none), `done_<i>` and `total_<i>` (required items marked done by the person / required)."""
    figs: dict[str, ScalarSelect] = {}
    for i in range(units):
        week = (StudyPlan.unit_id == bindparam(f"ss_unit_{i}"), StudyPlan.week_start == bindparam("ss_week"))
        required = select(func.count()).select_from(PlanItem).join(StudyPlan, StudyPlan.id == PlanItem.plan_id).where(
            *week, PlanItem.kind == ItemKind.required)
        figs[f"plan_{i}"] = select(func.count()).select_from(StudyPlan).where(*week).scalar_subquery()
        figs[f"total_{i}"] = required.scalar_subquery()
        figs[f"done_{i}"] = required.join(PlanItemDone, and_(
            PlanItemDone.item_id == PlanItem.id, PlanItemDone.person_id == bindparam("ss_person"))).scalar_subquery()
    return figs


async def done_items(session: AsyncSession, *, person_id: int, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(await session.scalars(
        select(PlanItemDone.item_id).where(PlanItemDone.person_id == person_id, PlanItemDone.item_id.in_(item_ids))
    ))


async def required_done(
    session: AsyncSession, *, plan_ids: list[int], people: Select | list[int] | None = None,
) -> dict[tuple[int, int], int]:
    """(plan id, person id) → required items done, for the people given or everyone who marked any
    (one query for many plans). A unit's plan is only marked by its members, so a caller asking about
    every member of the plans' units passes no `people`: an IN over thousands of ids would be checked
    for each item's marks (on SQLite one index probe per item and id), while the marks of a week's
    plans are few."""
    if not plan_ids:
        return {}
    stmt = (select(PlanItem.plan_id, PlanItemDone.person_id, func.count())
            .join(PlanItemDone, PlanItemDone.item_id == PlanItem.id)
            .where(PlanItem.plan_id.in_(plan_ids), PlanItem.kind == ItemKind.required)
            .group_by(PlanItem.plan_id, PlanItemDone.person_id))
    if people is not None:
        stmt = stmt.where(PlanItemDone.person_id.in_(people))
    rows = await session.execute(stmt)
    return {(plan_id, pid): n for plan_id, pid, n in rows.all()}


# -- drafts (the guided /plan set) ----------------------------------------------------------------

async def open_draft(session: AsyncSession, *, unit: Unit, person: Person, week_start: date, now: datetime) -> tuple[PlanDraft, bool]:
    """The admin's draft for this unit, created when there is none. Returns (draft, created)."""
    draft = await session.scalar(
        select(PlanDraft).where(PlanDraft.unit_id == unit.id, PlanDraft.person_id == person.id)
    )
    if draft is not None:
        return draft, False
    draft = PlanDraft(unit_id=unit.id, person_id=person.id, week_start=week_start, required_minutes=None, items=[],
                      created_at=now, updated_at=now)
    session.add(draft)
    await session.flush()
    return draft, True


async def own_draft(session: AsyncSession, *, draft_id: int, unit: Unit | None, person: Person) -> PlanDraft:
    draft = await session.get(PlanDraft, draft_id)
    if draft is None or unit is None or draft.unit_id != unit.id or draft.person_id != person.id:
        raise DomainError("plan.draft_gone")
    return draft


def draft_add(draft: PlanDraft, *, raw: str, now: datetime) -> list[ItemIn]:
    items = parse_items(raw)
    if not items:
        raise DomainError("plan.no_items")
    if len(draft.items) + len(items) > PLAN_ITEMS_MAX:
        raise DomainError("plan.too_many_items", limit=PLAN_ITEMS_MAX)
    draft.items = [*draft.items, *(i.as_json() for i in items)]
    draft.updated_at = now
    return items


async def publish_draft(session: AsyncSession, *, draft: PlanDraft, unit: Unit, by: Person, now: datetime) -> StudyPlan:
    if draft.required_minutes is None:
        raise DomainError("plan.draft_no_minutes")
    if not draft.items:
        raise DomainError("plan.draft_no_items")
    plan = await save_plan(session, unit=unit, week_start=draft.week_start, minutes=draft.required_minutes,
                           items=[ItemIn.from_json(i) for i in draft.items], by=by, now=now)
    await session.delete(draft)
    return plan


# -- reading lists --------------------------------------------------------------------------------

async def add_reading(session: AsyncSession, *, unit: Unit, tier: Rank, raw: str, by: Person, now: datetime) -> list[Reading]:
    items = parse_items(raw)
    if not items:
        raise DomainError("readings.usage")
    rows = [Reading(unit_id=unit.id, tier=tier, title=i.title, link=i.link, created_by=by.id, created_at=now)
            for i in items]
    session.add_all(rows)
    await session.flush()
    return rows


async def archive_reading(session: AsyncSession, *, unit: Unit, reading_id: int, now: datetime) -> Reading:
    reading = await session.get(Reading, reading_id)
    if reading is None or reading.unit_id != unit.id or reading.archived_at is not None:
        raise DomainError("readings.unknown", number=reading_id)
    reading.archived_at = now
    return reading


async def readings_for(session: AsyncSession, *, unit_ids: list[int], rank: Rank | None) -> list[Reading]:
    """Live readings of these units (a member's units and the units above them), for a rank (None: all)."""
    tiers = [r for r in Rank if rank is None or RANK_ORDER[r] <= RANK_ORDER[rank]]
    return list(await session.scalars(
        select(Reading).where(Reading.unit_id.in_(unit_ids), Reading.archived_at.is_(None), Reading.tier.in_(tiers))
        .order_by(Reading.id)
    ))


def tiers_up_to(rank: Rank | None) -> list[Rank]:
    return [r for r in Rank if rank is None or RANK_ORDER[r] <= RANK_ORDER[rank]]


@functools.cache
def readings_figures(units: int) -> dict[str, ScalarSelect]:
    """/me's readings figures as scalar subqueries, built once per number of units, with parameters
    `ss_person`, `ss_unit_<i>` and `ss_tiers_<i>` (`tiers_up_to` the rank there): `listed` (live readings
    that apply to the person: of their units and the units above them, up to their rank there) and
    `read` (of those, marked read). The units above come from a recursive CTE: no round trip of their own."""
    if not units:
        return {}
    chain = select(Unit.id.label("origin"), Unit.id.label("id")).where(
        Unit.id.in_([bindparam(f"ss_unit_{i}") for i in range(units)])).cte("unit_chain", recursive=True)
    chain = chain.union(select(chain.c.origin, Unit.parent_id).join(Unit, Unit.id == chain.c.id)
                        .where(Unit.parent_id.is_not(None)))
    applies = or_(*(and_(Reading.unit_id.in_(select(chain.c.id).where(chain.c.origin == bindparam(f"ss_unit_{i}"))),
                         Reading.tier.in_(bindparam(f"ss_tiers_{i}", expanding=True)))
                    for i in range(units)))
    live = select(func.count()).select_from(Reading).where(Reading.archived_at.is_(None), applies)
    return {"listed": live.scalar_subquery(),
            "read": live.join(ReadingDone, and_(ReadingDone.reading_id == Reading.id,
                                                ReadingDone.person_id == bindparam("ss_person"))).scalar_subquery()}


async def read_ids(session: AsyncSession, *, person_id: int, reading_ids: list[int]) -> dict[int, datetime]:
    if not reading_ids:
        return {}
    rows = await session.execute(select(ReadingDone.reading_id, ReadingDone.done_at).where(
        ReadingDone.person_id == person_id, ReadingDone.reading_id.in_(reading_ids)))
    return dict(rows.all())


async def mark_read(session: AsyncSession, *, reading: Reading, person: Person, now: datetime) -> bool:
    if await session.get(ReadingDone, (reading.id, person.id)) is not None:
        return False
    session.add(ReadingDone(reading_id=reading.id, person_id=person.id, done_at=now))
    await session.flush()
    return True


# -- leave periods --------------------------------------------------------------------------------

async def add_away(session: AsyncSession, *, person: Person, first: date, last: date, reason: str, now: datetime) -> AwayPeriod:
    away = AwayPeriod(person_id=person.id, first_day=first, last_day=last, reason=reason, created_at=now)
    session.add(away)
    await session.flush()
    return away


async def away_list(session: AsyncSession, *, person_id: int, today: date) -> list[AwayPeriod]:
    return list(await session.scalars(
        select(AwayPeriod).where(AwayPeriod.person_id == person_id, AwayPeriod.last_day >= today)
        .order_by(AwayPeriod.first_day)
    ))


async def cancel_away(session: AsyncSession, *, person: Person, away_id: int) -> AwayPeriod:
    away = await session.get(AwayPeriod, away_id)
    if away is None or away.person_id != person.id:
        raise DomainError("away.gone")
    await session.delete(away)
    return away


async def away_people(session: AsyncSession, *, first: date, last: date, people: Select | list[int]) -> set[int]:
    """People away on any day of first..last."""
    return set(await session.scalars(
        select(AwayPeriod.person_id).where(AwayPeriod.first_day <= last, AwayPeriod.last_day >= first,
                                           AwayPeriod.person_id.in_(people))
    ))


# -- ranks ----------------------------------------------------------------------------------------

async def set_rank(session: AsyncSession, *, unit: Unit, person_id: int, rank: Rank) -> Membership:
    m = await session.scalar(select(Membership).where(Membership.unit_id == unit.id, Membership.person_id == person_id,
                                                      Membership.active))
    if m is None:
        raise DomainError("rank.not_member")
    m.rank = rank
    return m


RANK_WORDS = {"普通党员": Rank.member, "党员": Rank.member, "普通": Rank.member, "member": Rank.member,
              "领导干部": Rank.chief, "干部": Rank.chief, "处级": Rank.chief, "副处级": Rank.chief, "科级": Rank.chief,
              "chief": Rank.chief, "主要负责人": Rank.head, "负责人": Rank.head, "书记": Rank.head,
              "主官": Rank.head, "head": Rank.head}


def parse_rank(raw: str, error: str = "rank.bad") -> Rank:
    word = normalize(raw).lower()
    if word in RANK_WORDS:
        return RANK_WORDS[word]
    raise DomainError(error, given=raw[:20])


# -- /me figures ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Figures:
    week: int
    week_target: int
    month: int
    month_target: int
    year: int
    year_target: int
    streak: int
    weeks: list[tuple[date, int, int]]  # (week start, minutes, target), oldest first, ending this week
    days: dict[date, int]  # minutes per day with any, from the earlier of a year ago and 1 January


async def figures(
    session: AsyncSession, *, person: Person, today: date, weeks_back: int = 52,
    units: list[tuple[Unit, Rank]] | None = None,
) -> Figures | None:
    """Minutes vs targets for this week, month and year, and the streak of weeks meeting the target.

    Three indexed queries whatever the history: memberships (unless the caller has the person's active
    units and ranks at hand already), plans of those units, minutes per day."""
    if units is None:
        units = (await session.execute(
            select(Unit, Membership.rank).join(Membership, Membership.unit_id == Unit.id)
            .where(Membership.person_id == person.id, Membership.active)
        )).all()
    if not units:
        return None
    this_week = monday(today)
    first_week = this_week - timedelta(weeks=weeks_back)
    year_start = date(today.year, 1, 1)
    start = min(first_week, year_start)
    plans: dict[tuple[int, date], int] = {}
    for uid, ws, mins in (await session.execute(
        select(StudyPlan.unit_id, StudyPlan.week_start, StudyPlan.required_minutes)
        .where(StudyPlan.unit_id.in_([u.id for u, _ in units]), StudyPlan.week_start >= first_week)
    )).all():
        plans[(uid, _as_date(ws))] = mins
    days = await minutes_by_day(session, person_id=person.id, start=start, end=today)

    def target_of(week: date) -> int:
        return max(weekly_target(u, r, plans.get((u.id, week))) for u, r in units)

    weeks = []
    for i in range(weeks_back, -1, -1):
        ws = this_week - timedelta(weeks=i)
        mins = sum(days.get(ws + timedelta(days=d), 0) for d in range(7))
        weeks.append((ws, mins, target_of(ws)))
    streak = 0
    for ws, mins, target in reversed(weeks):
        if mins >= target:
            streak += 1
        elif ws != this_week:  # the running week does not break a streak yet
            break
    year_target = max(yearly_target(u, r) for u, r in units)
    month_start = today.replace(day=1)
    return Figures(
        week=weeks[-1][1], week_target=weeks[-1][2],
        month=sum(m for d, m in days.items() if d >= month_start), month_target=math.ceil(year_target / 12),
        year=sum(m for d, m in days.items() if d >= year_start), year_target=year_target,
        streak=streak, weeks=weeks, days=days,
    )


# -- the unit's week, in bulk (reminders and summaries) -------------------------------------------

@dataclass(frozen=True, slots=True)
class Someone:
    """What reminders need of a person, without loading the ORM object (they go to thousands)."""

    id: int
    tg_user_id: int
    display_name: str
    language_code: str | None


@dataclass(slots=True)
class MemberWeek:
    person: Someone
    rank: Rank
    minutes: int
    target: int
    required_done: int
    away: bool


async def unit_weeks(
    session: AsyncSession, *, units: list[Unit], week_start: date, private_only: bool = False,
    away_on: date | None = None,
) -> dict[int, tuple[StudyPlan | None, list[PlanItem], list[MemberWeek]]]:
    """Each unit's plan of the week and its active members' minutes, targets and leave, in a few queries
    whatever the number of units or members. All units must share the week (their local week)."""
    ids = [u.id for u in units]
    last = week_start + timedelta(days=6)
    plans = {p.unit_id: p for p in await session.scalars(
        select(StudyPlan).where(StudyPlan.unit_id.in_(ids), StudyPlan.week_start == week_start))}
    items = await plan_items(session, plan_ids=[p.id for p in plans.values()])
    member_q = select(Membership.unit_id, Membership.rank, Person.id, Person.tg_user_id, Person.first_name,
                      Person.last_name, Person.language_code).join(Person, Person.id == Membership.person_id).where(
        Membership.unit_id.in_(ids), Membership.active)
    if private_only:
        member_q = member_q.where(Person.private_ok)
    rows = (await session.execute(member_q.order_by(Membership.unit_id, Membership.joined_at, Person.id))).all()
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids), Membership.active)
    minutes = await minutes_by_person(session, people=people, start=week_start, end=last)
    # Away on the reminder's day, or (for the summary) on any day of the week.
    away = await away_people(session, first=away_on or week_start, last=away_on or last, people=people)
    done = await required_done(session, plan_ids=[p.id for p in plans.values()])
    by_unit = {u.id: u for u in units}
    out: dict[int, tuple[StudyPlan | None, list[PlanItem], list[MemberWeek]]] = {
        u.id: (plans.get(u.id), items.get(plans[u.id].id, []) if u.id in plans else [], []) for u in units
    }
    for unit_id, rank, pid, tg_user_id, first, last, language in rows:
        person = Someone(pid, tg_user_id, f"{first} {last}" if last else first, language)
        plan = plans.get(unit_id)
        out[unit_id][2].append(MemberWeek(
            person=person, rank=rank, minutes=minutes.get(person.id, 0),
            target=weekly_target(by_unit[unit_id], rank, plan.required_minutes if plan else None),
            required_done=done.get((plan.id, person.id), 0) if plan else 0, away=person.id in away,
        ))
    return out

