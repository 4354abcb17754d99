"""督学 task lists (党建工作任务清单 / 组织生活通知单): a committee issues a month's required actions
(规定动作) to every unit below it; each unit's admins report each action done, with a note or the
session that did it; what is not done is reminded; the committee sees completion per unit.

And the rectification ledger (整改台账): problems with a lead leader, a responsible unit, a deadline and
measures; progress updates; closing (销号); the completion rate."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, str_enum
from models.errors import DomainError
from models.sessions import StudySession, clean_text, parse_date
from models.units import Person, Unit, ancestor_ids, subtree_ids

TITLE_MAX = 200
NOTE_MAX = 500
ITEMS_MAX = 20
REMIND_DAYS = (3, 0)  # reminders this many days before an action is due (0: on the day)


class TaskList(Base):
    """A committee's list of required actions for a month."""

    __tablename__ = "task_lists"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class TaskItem(Base):
    __tablename__ = "task_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("task_lists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class TaskDone(Base):
    """A unit reports an action done."""

    __tablename__ = "task_done"
    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("task_items.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("study_sessions.id", ondelete="SET NULL"))
    done_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    done_at: Mapped[datetime]


_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[、)）]|\d{1,2}\.(?!\d)|[-•·*])\s*")
_MONTH = re.compile(r"^\s*(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, slots=True)
class ItemIn:
    title: str
    due_on: date


def parse_month(raw: str, *, today: date) -> date:
    """`12月`, `2026-12`, `下月`/`本月` → the first day of that month."""
    text = raw.strip()
    if text in ("", "本月", "this"):
        return today.replace(day=1)
    if text in ("下月", "下个月", "next"):
        return (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    m = _MONTH.match(text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise DomainError("tasks.bad_month", given=text[:20])
    year = int(m[1]) if m[1] else today.year
    if not m[1] and int(m[2]) < today.month - 6:  # "1月" in December is next January
        year += 1
    return date(year, int(m[2]), 1)


def month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def parse_items(lines: list[str], *, month: date) -> list[ItemIn]:
    """One action a line: `[1.] [12月10日] 标题`; without a date it is due at the month's end."""
    items = []
    for raw in lines:
        text = clean_text(_NUMBERING.sub("", raw, count=1))
        if not text:
            continue
        due = month_end(month)
        try:
            found, rest = parse_date(text, today=month)
        except DomainError:
            found, rest = None, text
        if found is not None:
            if not month <= found <= month_end(month):
                raise DomainError("tasks.date_outside", given=text[:30], month=f"{month.year}-{month.month:02d}")
            due, text = found, clean_text(rest)
        if not text:
            raise DomainError("tasks.title_missing", given=raw.strip()[:30])
        if len(text) > TITLE_MAX:
            raise DomainError("tasks.title_too_long", limit=TITLE_MAX, length=len(text))
        items.append(ItemIn(text, due))
    if not items:
        raise DomainError("tasks.no_items")
    if len(items) > ITEMS_MAX:
        raise DomainError("tasks.too_many", limit=ITEMS_MAX, count=len(items))
    return items


async def issue_list(session: AsyncSession, *, unit: Unit, month: date, items: list[ItemIn], by: Person,
                     now: datetime) -> tuple[TaskList, list[TaskItem], bool]:
    """Issue (or add to) the month's list; returns (list, its new items, whether the list is new)."""
    found = await session.scalar(select(TaskList).where(TaskList.unit_id == unit.id, TaskList.month == month))
    created = found is None
    if found is None:
        found = TaskList(unit_id=unit.id, month=month, created_by=by.id, created_at=now)
        session.add(found)
        await session.flush()
    start = await session.scalar(select(func.coalesce(func.max(TaskItem.position), 0))
                                 .where(TaskItem.list_id == found.id))
    if start + len(items) > ITEMS_MAX:
        raise DomainError("tasks.too_many", limit=ITEMS_MAX, count=start + len(items))
    new = [TaskItem(list_id=found.id, position=start + i, title=it.title, due_on=it.due_on, created_at=now)
           for i, it in enumerate(items, start=1)]
    session.add_all(new)
    await session.flush()
    return found, new, created


async def list_items(session: AsyncSession, *, list_id: int) -> list[TaskItem]:
    return list(await session.scalars(select(TaskItem).where(TaskItem.list_id == list_id).order_by(TaskItem.position)))


async def lists_for(session: AsyncSession, *, unit: Unit, month: date) -> list[tuple[TaskList, Unit]]:
    """The month's lists issued to this unit: by any unit above it."""
    above = await ancestor_ids(session, unit_id=unit.id)
    if not above:
        return []
    rows = await session.execute(
        select(TaskList, Unit).join(Unit, Unit.id == TaskList.unit_id)
        .where(TaskList.unit_id.in_(above), TaskList.month == month).order_by(TaskList.id))
    return [(tl, u) for tl, u in rows.all()]


async def own_list(session: AsyncSession, *, unit: Unit, month: date) -> TaskList | None:
    return await session.scalar(select(TaskList).where(TaskList.unit_id == unit.id, TaskList.month == month))


async def done_map(session: AsyncSession, *, item_ids: list[int]) -> dict[tuple[int, int], TaskDone]:
    """(item, unit) → its report."""
    if not item_ids:
        return {}
    rows = await session.scalars(select(TaskDone).where(TaskDone.item_id.in_(item_ids)))
    return {(d.item_id, d.unit_id): d for d in rows}


async def units_below(session: AsyncSession, *, unit: Unit) -> list[Unit]:
    """The units a committee's list goes to: every unit below it, by name."""
    ids = await subtree_ids(session, unit_id=unit.id) - {unit.id}
    if not ids:
        return []
    return list(await session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name, Unit.id)))


async def item_for_unit(session: AsyncSession, *, item_id: int, unit: Unit) -> TaskItem:
    """An action of a list issued to this unit (from above it); anything else is not found."""
    item = await session.get(TaskItem, item_id)
    if item is not None:
        tl = await session.get(TaskList, item.list_id)
        if tl is not None and tl.unit_id in await ancestor_ids(session, unit_id=unit.id):
            return item
    raise DomainError("tasks.not_found", id=item_id)


async def report_done(session: AsyncSession, *, item: TaskItem, unit: Unit, by: Person, note: str,
                      now: datetime) -> tuple[TaskDone, bool]:
    """The unit did the action; `note` may name the session that did it (#12). Returns (report, new)."""
    text = clean_text(note)
    session_id = None
    if m := re.fullmatch(r"[#＃](\d{1,12})", text):
        ses = await session.get(StudySession, int(m[1]))
        if ses is None or ses.unit_id != unit.id:
            raise DomainError("tasks.session_not_found", id=int(m[1]))
        session_id, text = ses.id, ses.topic
    if len(text) > NOTE_MAX:
        raise DomainError("tasks.note_too_long", limit=NOTE_MAX, length=len(text))
    found = await session.scalar(select(TaskDone).where(TaskDone.item_id == item.id, TaskDone.unit_id == unit.id))
    if found is not None:
        if text:
            found.note, found.session_id = text, session_id or found.session_id
        return found, False
    done = TaskDone(item_id=item.id, unit_id=unit.id, note=text or None, session_id=session_id, done_by=by.id,
                    done_at=now)
    session.add(done)
    await session.flush()
    return done, True


async def open_tasks(session: AsyncSession, *, until: date, since: date) -> list[tuple[TaskItem, TaskList, Unit]]:
    """(item, list, receiving unit) of every action due in [since, until+max reminder days] not yet done."""
    last = until + timedelta(days=max(REMIND_DAYS))
    rows = (await session.execute(
        select(TaskItem, TaskList).join(TaskList, TaskList.id == TaskItem.list_id)
        .where(TaskItem.due_on >= since, TaskItem.due_on <= last).order_by(TaskItem.id))).all()
    if not rows:
        return []
    done = await done_map(session, item_ids=[i.id for i, _ in rows])
    out = []
    below_of: dict[int, list[Unit]] = {}
    for item, tl in rows:
        if tl.unit_id not in below_of:
            committee = await session.get(Unit, tl.unit_id)
            below_of[tl.unit_id] = await units_below(session, unit=committee)
        out += [(item, tl, u) for u in below_of[tl.unit_id] if (item.id, u.id) not in done]
    return out


# -- the rectification ledger (整改台账) -------------------------------------------------------------

PROBLEM_MAX = 500
LEAD_MAX = 64
MEASURES_MAX = 1000
PROGRESS_MAX = 1000


class RectState(enum.StrEnum):
    open = "open"
    closed = "closed"  # 销号


class Rectification(Base):
    """A problem found, with its lead leader, responsible unit, deadline and measures, until closed."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)  # whose ledger
    problem: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(String(LEAD_MAX))
    responsible_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    due_on: Mapped[date] = mapped_column(Date)
    measures: Mapped[str] = mapped_column(Text)
    state: Mapped[RectState] = mapped_column(str_enum(RectState), default=RectState.open)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_note: Mapped[str | None] = mapped_column(Text)


class RectProgress(Base):
    __tablename__ = "rectification_progress"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rect_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class RectIn:
    problem: str
    lead: str
    unit: str
    due_on: date
    measures: str


def parse_rect(raw: str, *, today: date) -> RectIn:
    """`问题 | 牵头领导 | 责任单位 | 期限 | 措施` (| or ｜ between the five parts)."""
    parts = [clean_text(p) for p in re.split(r"[|｜]", raw)]
    if len(parts) != 5 or not all(parts):
        raise DomainError("rectify.bad_form", parts=len([p for p in parts if p]))
    problem, lead, unit, due_text, measures = parts
    due, rest = parse_date(due_text, today=today)
    if clean_text(rest):
        raise DomainError("sessions.bad_date", given=due_text[:30])
    if due < today:
        raise DomainError("rectify.due_past", given=due_text[:30])
    for text, limit in ((problem, PROBLEM_MAX), (lead, LEAD_MAX), (measures, MEASURES_MAX)):
        if len(text) > limit:
            raise DomainError("rectify.too_long", limit=limit, length=len(text))
    return RectIn(problem, lead, unit, due, measures)


async def add_rect(session: AsyncSession, *, owner: Unit, item: RectIn, responsible: Unit, by: Person,
                   now: datetime) -> Rectification:
    rect = Rectification(unit_id=owner.id, problem=item.problem, lead=item.lead, responsible_id=responsible.id,
                         due_on=item.due_on, measures=item.measures, state=RectState.open, created_by=by.id,
                         created_at=now)
    session.add(rect)
    await session.flush()
    return rect


async def rect_in_reach(session: AsyncSession, *, rect_id: int, unit: Unit) -> Rectification:
    """An item of this unit's ledger, or one this unit is responsible for."""
    rect = await session.get(Rectification, rect_id)
    if rect is None or unit.id not in (rect.unit_id, rect.responsible_id):
        raise DomainError("rectify.not_found", id=rect_id)
    return rect


async def add_progress(session: AsyncSession, *, rect: Rectification, by: Person, text: str,
                       now: datetime) -> RectProgress:
    body = clean_text(text)
    if not body:
        raise DomainError("rectify.progress_empty", id=rect.id)
    if len(body) > PROGRESS_MAX:
        raise DomainError("rectify.too_long", limit=PROGRESS_MAX, length=len(body))
    if rect.state == RectState.closed:
        raise DomainError("rectify.closed", id=rect.id)
    row = RectProgress(rect_id=rect.id, person_id=by.id, text=body, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def close_rect(session: AsyncSession, *, rect: Rectification, unit: Unit, note: str, now: datetime) -> None:
    """销号: only the ledger's own unit closes an item."""
    if rect.unit_id != unit.id:
        raise DomainError("rectify.close_not_yours", id=rect.id)
    if rect.state == RectState.closed:
        raise DomainError("rectify.closed", id=rect.id)
    rect.state, rect.closed_at, rect.closed_note = RectState.closed, now, clean_text(note) or None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    rect: Rectification
    responsible: str
    updates: int
    last: str | None  # the latest progress


async def ledger(session: AsyncSession, *, unit: Unit) -> list[LedgerLine]:
    """The unit's ledger (its own items and those it is responsible for), open first, by deadline."""
    rows = (await session.execute(
        select(Rectification, Unit.name).join(Unit, Unit.id == Rectification.responsible_id)
        .where((Rectification.unit_id == unit.id) | (Rectification.responsible_id == unit.id))
        .order_by(Rectification.state.desc(), Rectification.due_on, Rectification.id)
    )).all()
    ids = [r.id for r, _ in rows]
    counts = dict((await session.execute(
        select(RectProgress.rect_id, func.count()).where(RectProgress.rect_id.in_(ids)).group_by(RectProgress.rect_id)
    )).all()) if ids else {}
    last: dict[int, str] = {}
    if ids:
        for p in await session.scalars(select(RectProgress).where(RectProgress.rect_id.in_(ids))
                                       .order_by(RectProgress.created_at, RectProgress.id)):
            last[p.rect_id] = p.text
    return [LedgerLine(r, name, counts.get(r.id, 0), last.get(r.id)) for r, name in rows]


async def ledger_owners(session: AsyncSession) -> list[Unit]:
    """Units with open items in their own ledger."""
    return list(await session.scalars(
        select(Unit).where(Unit.id.in_(select(Rectification.unit_id).where(Rectification.state == RectState.open)))
        .order_by(Unit.id)))
