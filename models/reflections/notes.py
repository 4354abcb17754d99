"""Study notes (学习笔记调阅): requests, due dates, collecting items; and where free input goes."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.reflections.tables import NoteItem, NoteRequest, NoteState, Reflection
from models.reflections.writing import FileIn, check_file, clean_text, current_draft, file_columns
from models.units import Person, Unit, membership


# -- study notes -----------------------------------------------------------------------------------

DUE_FULL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
DUE_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
DUE_DAYS_RE = re.compile(r"^(\d{1,3})\s*(?:天|日|d|days?)\s*(?:后|内|以内)?$", re.IGNORECASE)
DUE_MAX_DAYS = 366
DEFAULT_DUE_DAYS = 7


def parse_due(text: str, *, now: datetime, tz: str) -> date:
    """A due date: `2026-12-01`, `12-01`, `12月1日`, `12/1`, `7天` (days from today). Local to the unit."""
    raw = unicodedata.normalize("NFKC", text).strip()
    today = now.astimezone(ZoneInfo(tz)).date()
    try:
        if m := DUE_DAYS_RE.match(raw):
            due = today + timedelta(days=int(m.group(1)))
        elif m := DUE_FULL_RE.match(raw):
            due = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := DUE_MONTH_DAY_RE.match(raw):
            due = date(today.year, int(m.group(1)), int(m.group(2)))
            if due < today:  # "1月5日" in December means next January
                due = date(today.year + 1, due.month, due.day)
        else:
            raise ValueError(raw)
    except ValueError:
        raise DomainError("notes.bad_date", given=raw[:20]) from None
    if due < today:
        raise DomainError("notes.date_past")
    if (due - today).days > DUE_MAX_DAYS:
        raise DomainError("notes.date_far", limit=DUE_MAX_DAYS)
    return due


def end_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def default_due(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date() + timedelta(days=DEFAULT_DUE_DAYS)


async def request_notes(
    session: AsyncSession, *, unit: Unit, person: Person, by: Person, due: date, now: datetime,
) -> tuple[NoteRequest, bool]:
    """Ask a member of the unit for their notes by `due`. An open request gets the new date instead.
    Returns (request, created)."""
    m = await membership(session, unit=unit, person=person)
    if m is None or not m.active:
        raise DomainError("notes.not_member", name=person.display_name)
    due_at = end_of_day(due, unit.timezone)
    req = await session.scalar(
        select(NoteRequest).where(NoteRequest.unit_id == unit.id, NoteRequest.person_id == person.id,
                                  NoteRequest.state == NoteState.open)
    )
    if req is not None:
        req.due_at, req.requested_by = due_at, by.id
        return req, False
    req = NoteRequest(unit_id=unit.id, person_id=person.id, requested_by=by.id, state=NoteState.open,
                      due_at=due_at, created_at=now)
    session.add(req)
    await session.flush()
    return req, True


async def own_note_request(session: AsyncSession, *, request_id: int, person: Person) -> NoteRequest:
    req = await session.get(NoteRequest, request_id)
    if req is None or req.person_id != person.id:
        raise DomainError("notes.not_found")
    return req


def _open(req: NoteRequest) -> None:
    if req.state != NoteState.open:
        raise DomainError("notes.closed")


async def start_notes(session: AsyncSession, *, request: NoteRequest, now: datetime) -> None:
    _open(request)
    request.collecting_at = now


async def note_items(session: AsyncSession, *, request: NoteRequest) -> list[NoteItem]:
    return list(await session.scalars(
        select(NoteItem).where(NoteItem.request_id == request.id).order_by(NoteItem.id)
    ))


async def add_note(
    session: AsyncSession, *, request: NoteRequest, message_id: int, text: str, file: FileIn | None, now: datetime,
) -> int:
    """Record one message of notes (text, or a file with its caption). Returns how many have arrived."""
    _open(request)
    text = clean_text(text)
    if file is not None:
        check_file(file)
        session.add(NoteItem(request_id=request.id, message_id=message_id, text=text or None, created_at=now,
                             **file_columns(file)))
    elif text:
        session.add(NoteItem(request_id=request.id, message_id=message_id, kind="text", text=text, created_at=now))
    else:
        raise DomainError("reflect.media_unsupported")
    request.first_at = request.first_at or now
    request.collecting_at = now
    await session.flush()
    return await session.scalar(select(func.count()).select_from(NoteItem).where(NoteItem.request_id == request.id))


async def edit_note(session: AsyncSession, *, request: NoteRequest, message_id: int, text: str) -> bool:
    """A message of the notes was edited in Telegram: its text follows. False if it was no note."""
    _open(request)
    item = await session.scalar(
        select(NoteItem).where(NoteItem.request_id == request.id, NoteItem.message_id == message_id))
    if item is None:
        return False
    item.text = clean_text(text) or None
    return True


async def finish_notes(session: AsyncSession, *, request: NoteRequest, now: datetime) -> int:
    """The member says everything is in (交齐). Returns how many items arrived."""
    _open(request)
    count = len(await note_items(session, request=request))
    if not count:
        raise DomainError("notes.nothing_yet")
    request.state, request.done_at, request.collecting_at = NoteState.done, now, None
    return count


async def unit_note_requests(session: AsyncSession, *, unit_id: int, limit: int = 20) -> list[tuple[NoteRequest, int]]:
    """The unit's latest requests with how many items each has."""
    items = (select(NoteItem.request_id, func.count().label("n")).group_by(NoteItem.request_id).subquery())
    rows = await session.execute(
        select(NoteRequest, func.coalesce(items.c.n, 0))
        .outerjoin(items, items.c.request_id == NoteRequest.id)
        .where(NoteRequest.unit_id == unit_id)
        .order_by(NoteRequest.created_at.desc(), NoteRequest.id.desc()).limit(limit)
    )
    return [(r, n) for r, n in rows.all()]


# -- where free input goes -------------------------------------------------------------------------


async def active_input(session: AsyncSession, *, person: Person) -> Reflection | NoteRequest | None:
    """What the person is writing now: their draft or a notes request they are sending to,
    whichever they turned to last."""
    draft = await current_draft(session, person=person)
    notes = await session.scalar(
        select(NoteRequest).where(NoteRequest.person_id == person.id, NoteRequest.state == NoteState.open,
                                  NoteRequest.collecting_at.is_not(None))
        .order_by(NoteRequest.collecting_at.desc()).limit(1)
    )
    if draft is None or notes is None:
        return draft or notes
    return draft if draft.active_at >= notes.collecting_at else notes
