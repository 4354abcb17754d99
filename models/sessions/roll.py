"""The roll beyond check-ins: leave asked and decided, 代签/补签, who is expected, the roll with names
and its counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions.checkin import _row, _row_or_join
from models.sessions.close import _assign_makeups, _waive
from models.sessions.parsing import clean_reason, hm
from models.sessions.scheduling import _editable, bump_roll
from models.sessions.tables import ATTENDED, LEAVE, Attendance, SessionState, Status, StudySession, Via
from models.units import Membership, Person, Unit


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
