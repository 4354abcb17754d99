"""The close and 补学: at the close whoever did not respond is absent and gets a make-up item (as does
refused leave); items ordered without a session, handed in, confirmed, and reminded of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions.scheduling import _leave_scheduled, session_options
from models.sessions.tables import (
    MAKEUP_NOTE_MAX, MAKEUP_NOTE_MIN, MAKEUP_TITLE_MAX, Attendance, Makeup, MakeupState, SessionState, Status,
    StudySession, dialect_insert,
)
from models.units import Person, Unit


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
    stmt = dialect_insert(session)(Makeup).on_conflict_do_update(
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
    stmt = dialect_insert(session)(Makeup).on_conflict_do_nothing(index_elements=["origin", "person_id"])
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
