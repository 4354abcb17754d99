"""督学 figures: per member and per unit, for a period, aggregated in SQL.

A unit's figures roll up its subtree. Each family of figures is one grouped query keyed by
(unit, person); units are sums of their members' rows (study minutes and targets count each person
once, however many units of the subtree they belong to).

Figures of other features (first agenda items studied, follow-ups, measures: see models/linkage.py)
plug in through `EXTRA_FIGURES`: a name (its catalog key is `fig.<name>`) and a query of
(unit_id, person_id, value) rows.
"""

from __future__ import annotations

import calendar
import enum
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import agenda, selfstudy, sessions
from models.errors import DomainError
from models.reflections import Grade, Reflection, ReflectionState
from models.sessions import Attendance, Makeup, MakeupState, SessionKind, SessionState, Status, StudySession
from models.supervise import TaskDone, TaskItem, TaskList
from models.units import Membership, Person, Rank, Unit, subtree_ids


class PeriodKind(enum.StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    half = "half"  # the half-yearly check
    year = "year"


PERIOD_WORDS = {
    "week": PeriodKind.week, "周": PeriodKind.week, "本周": PeriodKind.week, "w": PeriodKind.week,
    "month": PeriodKind.month, "月": PeriodKind.month, "本月": PeriodKind.month, "m": PeriodKind.month,
    "quarter": PeriodKind.quarter, "季": PeriodKind.quarter, "季度": PeriodKind.quarter,
    "本季度": PeriodKind.quarter, "本季": PeriodKind.quarter, "q": PeriodKind.quarter,
    "year": PeriodKind.year, "年": PeriodKind.year, "本年": PeriodKind.year, "全年": PeriodKind.year,
    "今年": PeriodKind.year, "y": PeriodKind.year,
    "half": PeriodKind.half, "半年": PeriodKind.half, "h": PeriodKind.half,
}
HALVES = {"上半年": 1, "h1": 1, "下半年": 2, "h2": 2}  # of this year
LAST_WORDS = ("上", "去", "last", "prev")


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date  # first local day
    end: date  # last local day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes at local midnight."""
        zone = ZoneInfo(tz)
        return (datetime.combine(self.start, time(), zone).astimezone(UTC),
                datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC))


def period_of(kind: PeriodKind, today: date, *, back: int = 0) -> Period:
    """The period of this kind containing `today`, or `back` periods before it."""
    if kind == PeriodKind.week:
        start = today - timedelta(days=today.weekday() + 7 * back)
        return Period(kind, start, start + timedelta(days=6))
    months = {PeriodKind.month: 1, PeriodKind.quarter: 3, PeriodKind.half: 6, PeriodKind.year: 12}[kind]
    first = (today.year * 12 + today.month - 1) // months * months - back * months
    start = date(first // 12, first % 12 + 1, 1)
    after = first + months
    return Period(kind, start, date(after // 12, after % 12 + 1, 1) - timedelta(days=1))


def parse_period(raw: str, *, today: date) -> Period:
    """`week|month|quarter|year` (or 周/月/季度/年), optionally `上…`/`last …` for the previous one."""
    text = raw.strip().lower()
    if text in HALVES:
        return period_of(PeriodKind.half, date(today.year, 6 * HALVES[text] - 5, 1))
    back = 0
    for word in LAST_WORDS:
        if text.startswith(word):
            back, text = 1, text[len(word):].strip(" 个-_")
            break
    kind = PERIOD_WORDS.get(text)
    if kind is None:
        raise DomainError("report.bad_period", given=raw.strip()[:20])
    return period_of(kind, today, back=back)


@dataclass(slots=True)
class Tally:
    """Additive figures of a member or a unit over a period."""

    expected: int = 0  # places expected at closed sessions
    attended: int = 0  # on time or late (补签 and 代签 included)
    late: int = 0
    leave: int = 0
    absent: int = 0  # refused leave counts as absent
    minutes: int = 0  # every minute source (own entries, attended sessions, trainings)
    target: int = 0  # the period's share of the yearly target
    written: int = 0  # reflections submitted
    approved: int = 0
    excellent: int = 0
    makeup_open: int = 0
    makeup_done: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> int:
        """Attendance in whole percent of places expected."""
        return round(100 * self.attended / self.expected) if self.expected else 0

    @property
    def study_rate(self) -> int:
        """Study minutes in whole percent of the target."""
        return round(100 * self.minutes / self.target) if self.target else 0

    def add(self, other: Tally, *, study: bool = True) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if study:
            self.minutes += other.minutes
            self.target += other.target
        for key, value in other.extra.items():
            self.extra[key] = self.extra.get(key, 0) + value

    @property
    def empty(self) -> bool:
        return not (self.expected or self.minutes or self.written or self.makeup_open or self.makeup_done
                    or any(self.extra.values()))


@dataclass(slots=True)
class MemberRow:
    unit_id: int
    person_id: int
    name: str
    rank: Rank
    active: bool
    tally: Tally


@dataclass(slots=True)
class UnitRow:
    unit: Unit
    depth: int  # 0 for the report's unit
    members: int  # distinct active members in the subtree
    sessions: int  # closed sessions held in the subtree
    tally: Tally


@dataclass(slots=True)
class Report:
    root: Unit
    period: Period
    units: list[UnitRow]  # the root first, then its subtree depth-first by name
    members: list[MemberRow]  # by unit order, then name

    @property
    def total(self) -> UnitRow:
        return self.units[0]

    @property
    def empty(self) -> bool:
        return self.total.sessions == 0 and self.total.tally.empty


@dataclass(frozen=True, slots=True)
class ExtraFigure:
    """Figures of another feature: `query(unit_ids, start, end, now)` selects (unit_id, person_id, value)
    rows (several rows of one pair add up)."""

    name: str
    query: Callable[[set[int], datetime, datetime, datetime], Select]


EXTRA_FIGURES: list[ExtraFigure] = []  # installed by the app factory from the features' declarations


def install_extra_figures(declared: tuple[ExtraFigure, ...]) -> None:
    EXTRA_FIGURES[:] = declared


# -- the report -----------------------------------------------------------------------------------

async def units_below(session: AsyncSession, *, root: Unit) -> list[tuple[Unit, int]]:
    """The root and its subtree, depth-first by name, each with its depth."""
    ids = await subtree_ids(session, unit_id=root.id)
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    children: dict[int | None, list[Unit]] = {}
    for u in units.values():
        if u.id != root.id:
            children.setdefault(u.parent_id, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(u: Unit, depth: int) -> None:
        out.append((u, depth))
        for child in sorted(children.get(u.id, []), key=lambda c: (c.name, c.id)):
            walk(child, depth + 1)
    walk(root, 0)
    return out


async def report(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> Report:
    """Every figure of the root's subtree over the period, per member and per unit."""
    tree = await units_below(session, root=root)
    ids = {u.id for u, _ in tree}
    start_at, end_at = period.bounds(root.timezone)
    rows: dict[tuple[int, int], Tally] = {}

    def tally(unit_id: int, person_id: int) -> Tally:
        return rows.setdefault((unit_id, person_id), Tally())

    member_of = select(Membership.person_id).where(Membership.unit_id.in_(ids))
    members = (await session.execute(
        select(Membership.unit_id, Membership.person_id, Membership.rank, Membership.active, _name())
        .join(Person, Person.id == Membership.person_id).where(Membership.unit_id.in_(ids))
    )).all()
    active = {(u, p) for u, p, _, on, _ in members if on}
    ranks = {(u, p): r for u, p, r, _, _ in members}
    names: dict[int, str] = {p: name for _, p, _, _, name in members}
    for key in active:
        tally(*key)

    # Sessions: places at closed sessions that started within the period, one row per (unit, person).
    held = func.count(func.distinct(StudySession.id))
    att = (await session.execute(
        select(StudySession.unit_id, Attendance.person_id, func.count(),
               func.sum(case((Attendance.status.in_([Status.present, Status.late]), 1), else_=0)),
               func.sum(case((Attendance.status == Status.late, 1), else_=0)),
               func.sum(case((Attendance.status.in_([Status.leave_asked, Status.leave_approved]), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id, Attendance.person_id)
    )).all()
    for unit_id, person_id, n, attended, late, leave in att:
        t = tally(unit_id, person_id)
        t.expected, t.attended, t.late, t.leave = n, int(attended), int(late), int(leave)
        t.absent = n - t.attended - t.leave  # absent, refused leave, or never answered
    sessions_by_unit = dict((await session.execute(
        select(StudySession.unit_id, held).where(
            StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed,
            StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id)
    )).all())

    # Reflections submitted in the period, in the unit they were written for.
    refl = (await session.execute(
        select(Reflection.unit_id, Reflection.person_id, func.count(),
               func.sum(case((Reflection.state == ReflectionState.approved, 1), else_=0)),
               func.sum(case((Reflection.grade == Grade.excellent, 1), else_=0)))
        .where(Reflection.unit_id.in_(ids), Reflection.submitted_at >= start_at, Reflection.submitted_at < end_at,
               Reflection.state != ReflectionState.draft)
        .group_by(Reflection.unit_id, Reflection.person_id)
    )).all()
    for unit_id, person_id, n, approved, excellent in refl:
        t = tally(unit_id, person_id)
        t.written, t.approved, t.excellent = n, int(approved or 0), int(excellent or 0)

    # 补学 ordered in the period: still open, or done (waived ones were corrections, not make-ups).
    mk = (await session.execute(
        select(Makeup.unit_id, Makeup.person_id, Makeup.state, func.count())
        .where(Makeup.unit_id.in_(ids), Makeup.created_at >= start_at, Makeup.created_at < end_at,
               Makeup.state != MakeupState.waived)
        .group_by(Makeup.unit_id, Makeup.person_id, Makeup.state)
    )).all()
    for unit_id, person_id, state, n in mk:
        t = tally(unit_id, person_id)
        if state == MakeupState.open:
            t.makeup_open += n
        else:
            t.makeup_done += n

    for extra in EXTRA_FIGURES:
        for unit_id, person_id, value in (await session.execute(extra.query(ids, start_at, end_at, now))).all():
            t = tally(unit_id, person_id)
            t.extra[extra.name] = t.extra.get(extra.name, 0) + int(value or 0)

    # Study minutes are a person's, whatever unit: one query over every minute source.
    minutes = await selfstudy.minutes_by_person(session, people=member_of, start=period.start, end=period.end)
    people = {p for _, p in rows}
    for chunk in _chunks(sorted(people - set(minutes) - set(names))):  # e.g. owners of measures, not members
        minutes.update(await selfstudy.minutes_by_person(session, people=chunk, start=period.start, end=period.end))
    for chunk in _chunks(sorted(people - set(names))):
        names.update((await session.execute(select(Person.id, _name()).where(Person.id.in_(chunk)))).all())
    units = {u.id: u for u, _ in tree}
    share = period.days / (366 if calendar.isleap(period.start.year) else 365)
    targets: dict[tuple[int, Rank], int] = {}
    for (unit_id, person_id), t in rows.items():
        t.minutes = minutes.get(person_id, 0)
        if (unit_id, person_id) in active:
            rank = ranks[(unit_id, person_id)]
            if (unit_id, rank) not in targets:
                targets[(unit_id, rank)] = math.ceil(selfstudy.yearly_target(units[unit_id], rank) * share)
            t.target = targets[(unit_id, rank)]

    order = {u.id: i for i, (u, _) in enumerate(tree)}
    member_rows = sorted(
        (MemberRow(u, p, names.get(p, "?"), ranks.get((u, p), Rank.member), (u, p) in active, t)
         for (u, p), t in rows.items()),
        key=lambda m: (order[m.unit_id], m.name, m.person_id))
    by_unit: dict[int, list[MemberRow]] = {}
    for m in member_rows:
        by_unit.setdefault(m.unit_id, []).append(m)
    return Report(root, period, [_roll_up(unit, depth, [m for i in below for m in by_unit.get(i, ())],
                                          sessions_by_unit, below)
                                 for unit, depth, below in _subtrees(tree)], member_rows)


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _subtrees(tree: list[tuple[Unit, int]]) -> list[tuple[Unit, int, set[int]]]:
    """In depth-first order a unit's subtree is the run of deeper units right after it."""
    out = []
    for i, (unit, depth) in enumerate(tree):
        below = {unit.id}
        for other, d in tree[i + 1:]:
            if d <= depth:
                break
            below.add(other.id)
        out.append((unit, depth, below))
    return out


COUNTS = ("expected", "attended", "late", "leave", "absent", "written", "approved", "excellent", "makeup_open",
          "makeup_done")
_counts = operator.attrgetter(*COUNTS)


def _roll_up(unit: Unit, depth: int, members: list[MemberRow], held: dict[int, int], ids: set[int]) -> UnitRow:
    """The unit's figures: the sum of its subtree's member rows (`members`)."""
    total = Tally()
    if members:  # column sums, in C: a tree of 10,000 members sums 20,000 rows
        for name, value in zip(COUNTS, map(sum, zip(*(_counts(m.tally) for m in members)))):
            setattr(total, name, value)
    studied: dict[int, tuple[int, int]] = {}  # person -> (minutes, target): each person once
    for m in members:
        for key, value in m.tally.extra.items():
            total.extra[key] = total.extra.get(key, 0) + value
        if m.active:
            mins, target = studied.get(m.person_id, (0, 0))
            studied[m.person_id] = (m.tally.minutes, max(target, m.tally.target))
    total.minutes = sum(mins for mins, _ in studied.values())
    total.target = sum(target for _, target in studied.values())
    return UnitRow(unit, depth, len(studied), sum(held.get(i, 0) for i in ids), total)


# -- the archive (学习档案): the rows behind the figures ------------------------------------------------

@dataclass(slots=True)
class Archive:
    report: Report
    # (local day, unit, kind, topic, member, status, checked in at)
    attendance: list[tuple[date, str, str, str, str, Status, datetime | None]]
    study: list[tuple[date, str, str | None, int, str, str | None]]  # (day, member, unit, minutes, kind, what)
    # (submitted at, member, unit, subject, state, grade, characters)
    reflections: list[tuple[datetime, str, str, str, ReflectionState, Grade | None, int]]
    # (unit, member, session topic or the item's title, reason (None without a session), state, due at, done at)
    makeups: list[tuple[str, str, str, Status | None, MakeupState, datetime, datetime | None]]
    agenda: list[agenda.ArchiveRow] = field(default_factory=list)  # first agenda items and measures
    now: datetime | None = None  # when it was made (a measure open past its deadline is overdue)


def _name():
    return Person.first_name + func.coalesce(" " + Person.last_name, "")


async def archive(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> Archive:
    """The figures and every row of the period behind them, for the XLSX study archive."""
    rep = await report(session, root=root, period=period, now=now)
    ids = {u.unit.id for u in rep.units}
    start_at, end_at = period.bounds(root.timezone)
    attendance = (await session.execute(
        select(StudySession.local_day, Unit.name, StudySession.kind, StudySession.topic, _name(), Attendance.status,
               Attendance.checked_in_at)
        .join(StudySession, StudySession.id == Attendance.session_id).join(Unit, Unit.id == StudySession.unit_id)
        .join(Person, Person.id == Attendance.person_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .order_by(StudySession.starts_at, StudySession.id, Person.first_name, Person.id)
    )).all()
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids))
    study = (await session.execute(
        select(selfstudy.StudyEntry.day, _name(), Unit.name, selfstudy.StudyEntry.minutes, selfstudy.StudyEntry.kind,
               selfstudy.StudyEntry.what)
        .join(Person, Person.id == selfstudy.StudyEntry.person_id)
        .outerjoin(Unit, Unit.id == selfstudy.StudyEntry.unit_id)
        .where(selfstudy.StudyEntry.person_id.in_(people),
               selfstudy.StudyEntry.day.between(period.start, period.end))
        .order_by(selfstudy.StudyEntry.day, Person.first_name, selfstudy.StudyEntry.id)
    )).all()
    reflections = (await session.execute(
        select(Reflection.submitted_at, _name(), Unit.name, Reflection.subject_title, Reflection.state,
               Reflection.grade, Reflection.chars)
        .join(Person, Person.id == Reflection.person_id).join(Unit, Unit.id == Reflection.unit_id)
        .where(Reflection.unit_id.in_(ids), Reflection.submitted_at >= start_at, Reflection.submitted_at < end_at,
               Reflection.state != ReflectionState.draft)
        .order_by(Reflection.submitted_at, Reflection.id)
    )).all()
    makeups = (await session.execute(
        select(Unit.name, _name(), func.coalesce(StudySession.topic, Makeup.title, ""), Makeup.reason, Makeup.state,
               Makeup.due_at, Makeup.done_at)
        .join(Person, Person.id == Makeup.person_id).join(Unit, Unit.id == Makeup.unit_id)
        .outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .where(Makeup.unit_id.in_(ids), Makeup.created_at >= start_at, Makeup.created_at < end_at,
               Makeup.state != MakeupState.waived)
        .order_by(Makeup.due_at, Makeup.id)
    )).all()
    items = await agenda.archive_rows(session, unit_ids=ids, start=start_at, end=end_at)
    return Archive(rep, [tuple(r) for r in attendance], [tuple(r) for r in study],
                   [tuple(r) for r in reflections], [tuple(r) for r in makeups], items, now)


async def trend(session: AsyncSession, *, root: Unit, period: Period) -> list[tuple[date, int, int, int]]:
    """Per sub-period of the period (days of a week, weeks of a month or quarter, months of a year):
    (first day, places attended, places expected, study minutes) over the root's subtree."""
    ids = await subtree_ids(session, unit_id=root.id)
    starts = _buckets(period)
    att = (await session.execute(
        select(StudySession.local_day, func.count(),
               func.sum(case((Attendance.status.in_([Status.present, Status.late]), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.local_day)
    )).all()
    every = selfstudy.all_minutes(period.start, period.end)
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids), Membership.active)
    mins = (await session.execute(
        select(every.c.day, func.sum(every.c.minutes)).where(every.c.person_id.in_(people)).group_by(every.c.day)
    )).all()
    out = {s: [0, 0, 0] for s in starts}

    def bucket(day: date) -> date:
        return max(s for s in starts if s <= day)
    for day, expected, attended in att:
        b = out[bucket(selfstudy.as_date(day))]
        b[0] += int(attended or 0)
        b[1] += expected
    for day, minutes in mins:
        out[bucket(selfstudy.as_date(day))][2] += int(minutes or 0)
    return [(s, *out[s]) for s in starts]


def _buckets(period: Period) -> list[date]:
    if period.kind == PeriodKind.week:
        return [period.start + timedelta(days=i) for i in range(7)]
    if period.kind in (PeriodKind.year, PeriodKind.half):
        return [date(period.start.year, m, 1) for m in range(period.start.month, period.end.month + 1)]
    first = [period.start]
    day = period.start + timedelta(days=7 - period.start.weekday())
    while day <= period.end:
        first.append(day)
        day += timedelta(days=7)
    return first


async def unit_in_tree(session: AsyncSession, *, root: Unit, raw: str) -> Unit:
    """The unit an admin names (by name or #id), which must be the root or below it."""
    text = raw.strip().lstrip("#＃")
    if not text:
        return root
    below = await subtree_ids(session, unit_id=root.id)
    query = select(Unit).where(Unit.name == text)
    if text.isdigit():
        query = select(Unit).where((Unit.name == text) | (Unit.id == int(text)))
    found = list(await session.scalars(query.order_by(Unit.id)))
    mine = [u for u in found if u.id in below]
    if mine:
        return mine[0]
    if found:
        raise DomainError("report.not_below", name=found[0].name, unit=root.name)
    raise DomainError("report.unknown_unit", given=raw.strip()[:40])


# -- the quarterly bulletin (季通报) ------------------------------------------------------------------

GOOD_RATE = 90  # attendance (%) a unit needs for the 红榜
SHORT_RATE = 80  # below this attendance (%), or below its study target, a unit is on the 黑榜
HONOURS = 5  # names on each list


MAKEUP_DAYS = 30  # 补学 ordered by a bulletin is due at the end of this many days after it


@dataclass(slots=True)
class Bulletin:
    report: Report
    best_units: list[UnitRow]
    short_units: list[UnitRow]
    best_members: list[MemberRow]
    short_members: list[MemberRow]
    # (unit, member, what to make up, due at) of every open 补学 item in the subtree
    makeups: list[tuple[str, str, str, datetime]]
    # ids of the 补学 items this bulletin ordered now (none when it ordered them before), and their due time
    ordered: list[int] = field(default_factory=list)
    ordered_due: datetime | None = None


def _ranked_units(rep: Report) -> list[UnitRow]:
    return [u for u in rep.units if u.depth == 1] or rep.units[:1]


def makeup_origin(root: Unit, period: Period) -> str:
    return f"bulletin:{root.id}:{period.kind.value}:{period.start.isoformat()}"


def short_of_hours(m: MemberRow) -> bool:
    return m.active and bool(m.tally.target) and m.tally.minutes < m.tally.target


async def bulletin(session: AsyncSession, *, root: Unit, period: Period, now: datetime,
                   makeup_title: str | None = None) -> Bulletin:
    """The figures, the 红黑榜 and the open 补学 items, for the bulletin of a period.

    With `makeup_title`, a quarter's bulletin once the quarter is over orders 补学 (an item without a
    session, titled so) for each active member short of their study hours, due `MAKEUP_DAYS` later;
    members who missed sessions already have theirs. Once per bulletin period and member."""
    rep = await report(session, root=root, period=period, now=now)
    units = [u for u in _ranked_units(rep) if u.tally.expected or u.tally.target]
    best = sorted((u for u in units if u.tally.rate >= GOOD_RATE and u.tally.study_rate >= 100),
                  key=lambda u: (-u.tally.rate, -u.tally.study_rate, u.unit.name))[:HONOURS]
    short = sorted((u for u in units if u.tally.rate < SHORT_RATE or u.tally.study_rate < 100),
                   key=lambda u: (u.tally.rate, u.tally.study_rate, u.unit.name))
    members = [m for m in rep.members if m.active]
    best_members = sorted(
        (m for m in members if m.tally.excellent or (m.tally.expected and not m.tally.absent
                                                      and m.tally.study_rate >= 100)),
        key=lambda m: (-m.tally.excellent, -m.tally.study_rate, m.name))[:HONOURS]
    short_members = sorted(
        (m for m in members if m.tally.absent or m.tally.makeup_open or (m.tally.target and m.tally.study_rate < 100)),
        key=lambda m: (-m.tally.absent, m.tally.study_rate, m.name))
    ordered: list[int] = []
    due = None
    zone = ZoneInfo(root.timezone)
    today = now.astimezone(zone).date()
    if makeup_title and period.kind == PeriodKind.quarter and period.end < today and not rep.empty:
        origin = makeup_origin(root, period)
        wanted: dict[int, int] = {}  # person -> the first unit (in tree order) they fell short in
        for m in members:
            if short_of_hours(m):
                wanted.setdefault(m.person_id, m.unit_id)
        due = datetime.combine(today + timedelta(days=MAKEUP_DAYS), time(23, 59), zone).astimezone(UTC)
        had = set(await session.scalars(select(Makeup.person_id).where(Makeup.origin == origin)))
        new = [(u, p, makeup_title) for p, u in wanted.items() if p not in had]
        await sessions.order_makeups(session, origin=origin, wanted=new, due_at=due, now=now)
        if new:
            ordered = [i for i, p in (await session.execute(
                select(Makeup.id, Makeup.person_id).where(Makeup.origin == origin).order_by(Makeup.id))).all()
                if p not in had]
    ids = {u.unit.id for u in rep.units}
    open_items = (await session.execute(
        select(Unit.name, _name(), func.coalesce(StudySession.topic, Makeup.title, ""), Makeup.due_at)
        .join(Person, Person.id == Makeup.person_id).join(Unit, Unit.id == Makeup.unit_id)
        .outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .where(Makeup.unit_id.in_(ids), Makeup.state == MakeupState.open)
        .order_by(Makeup.due_at, Unit.name, Person.first_name, Makeup.id)
    )).all()
    return Bulletin(rep, best, short, best_members, short_members, [tuple(r) for r in open_items], ordered,
                    due if ordered else None)


# -- the half-yearly check (半年检查) -----------------------------------------------------------------

REQUIRED_KINDS = (SessionKind.member_meeting, SessionKind.committee, SessionKind.group_meeting,
                  SessionKind.lecture, SessionKind.theme_day)  # 三会一课 and the themed party day


@dataclass(slots=True)
class CheckRow:
    unit: UnitRow
    held: dict[SessionKind, int]  # closed sessions of each required kind, in the unit itself
    tasks: int  # required actions issued to the unit (from above) due in the period
    tasks_done: int


async def check_sheet(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> tuple[Report, list[CheckRow]]:
    """Per unit of the subtree: required sessions held, required actions done, and its figures."""
    rep = await report(session, root=root, period=period, now=now)
    ids = [u.unit.id for u in rep.units]
    held: dict[int, dict[SessionKind, int]] = {i: {} for i in ids}
    for unit_id, kind, n in (await session.execute(
        select(StudySession.unit_id, StudySession.kind, func.count()).where(
            StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed,
            StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id, StudySession.kind)
    )).all():
        held[unit_id][kind] = n
    issued = (await session.execute(
        select(TaskList.unit_id, TaskItem.id).join(TaskItem, TaskItem.list_id == TaskList.id)
        .where(TaskItem.due_on.between(period.start, period.end))
    )).all()
    done = set((await session.execute(
        select(TaskDone.item_id, TaskDone.unit_id).where(TaskDone.unit_id.in_(ids)))).all())
    parents = dict((await session.execute(select(Unit.id, Unit.parent_id))).all())

    def above(uid: int) -> set[int]:
        found, cur = set(), parents.get(uid)
        while cur is not None and cur not in found:
            found.add(cur)
            cur = parents.get(cur)
        return found
    rows = []
    for u in rep.units:
        mine = [item for issuer, item in issued if issuer in above(u.unit.id)]
        rows.append(CheckRow(u, held[u.unit.id], len(mine), sum((item, u.unit.id) in done for item in mine)))
    return rep, rows
