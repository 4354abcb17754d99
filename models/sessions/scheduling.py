"""Scheduling a session: the unit's check-in window, creating, editing and cancelling a session, and
marking its live roll out of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models.errors import DomainError
from models.sessions.parsing import SessionSpec, check_times, hm
from models.sessions.tables import (
    REASON_MAX, Attendance, SessionState, Status, StudySession, dialect_insert, takes_form, tier_for,
)
from models.units import Membership, Person, Unit


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


def _window(ses: StudySession, opts: SessionOptions, tz: str) -> None:
    ses.opens_at = ses.starts_at - timedelta(minutes=opts.before)
    ses.closes_at = ses.starts_at + timedelta(minutes=opts.after)
    ses.late_after = ses.starts_at + timedelta(minutes=opts.grace)
    ses.local_day = ses.starts_at.astimezone(ZoneInfo(tz)).date()
    ses.minutes = int((ses.ends_at - ses.starts_at).total_seconds() // 60)


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
        await session.execute(dialect_insert(session)(Attendance), [
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
