"""Inviting a partner unit to a joint session (its members join the roll) and taking one off again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.joint.partners import is_partner, takes_partners
from models.sessions import (
    ATTENDED, Attendance, SessionPartner, SessionState, Status, StudySession, bump_roll, dialect_insert,
)
from models.units import Membership, Person, Unit

MAX_PARTNERS = 20


def _check_open(ses: StudySession, now: datetime) -> None:
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.is_cancelled", id=ses.id, topic=ses.topic)
    if ses.state == SessionState.closed or now > ses.closes_at:
        raise DomainError("sessions.is_closed", id=ses.id, topic=ses.topic)


async def invite_partner(
    session: AsyncSession, *, ses: StudySession, host: Unit, partner: Unit, by: Person | None, now: datetime,
) -> SessionPartner:
    """Add a partner unit to the host's joint session: its active members join the roll."""
    if ses.unit_id != host.id:
        raise DomainError("sessions.not_found", id=ses.id)
    if not takes_partners(ses.kind):
        raise DomainError("joint.not_joint", id=ses.id, topic=ses.topic)
    _check_open(ses, now)
    if partner.id == host.id:
        raise DomainError("joint.self", unit=host.name)
    if await is_partner(session, session_id=ses.id, unit_id=partner.id):
        raise DomainError("joint.already", unit=partner.name, id=ses.id)
    n = await session.scalar(select(func.count()).select_from(SessionPartner)
                             .where(SessionPartner.session_id == ses.id)) or 0
    if n >= MAX_PARTNERS:
        raise DomainError("joint.too_many", limit=MAX_PARTNERS)
    row = SessionPartner(session_id=ses.id, unit_id=partner.id, invited_by_id=by.id if by else None,
                         created_at=now, roll_shown=0)
    session.add(row)
    members = (await session.scalars(
        select(Membership.person_id).where(Membership.unit_id == partner.id, Membership.active))).all()
    if members:
        await session.execute(dialect_insert(session)(Attendance).on_conflict_do_nothing(), [
            {"session_id": ses.id, "person_id": pid, "expected": True, "status": Status.pending,
             "created_at": now, "updated_at": now} for pid in members])
    bump_roll(ses)
    ses.updated_at = now
    await session.flush()
    await session.refresh(ses, ["roll_version"])
    return row


@dataclass(frozen=True, slots=True)
class Removed:
    """A partner taken off a joint session: its unit, the outbox rows of the announcement in its group
    and of that roll's latest edit, and how many people left the roll with it."""

    unit: Unit
    announce_outbox_id: int | None
    roll_outbox_id: int | None
    people: int


async def remove_partner(
    session: AsyncSession, *, ses: StudySession, host: Unit, partner: Unit, now: datetime,
) -> Removed:
    """Take a partner unit off the host's joint session before it closes: the partner's members who are
    on the roll through it alone leave the roll. Refused once one of them has checked in (their
    attendance is a record, and it counts for their unit)."""
    if ses.unit_id != host.id:
        raise DomainError("sessions.not_found", id=ses.id)
    _check_open(ses, now)
    row = await session.scalar(select(SessionPartner).where(
        SessionPartner.session_id == ses.id, SessionPartner.unit_id == partner.id))
    if row is None:
        raise DomainError("joint.not_partner", unit=partner.name, id=ses.id)
    others = select(SessionPartner.unit_id).where(
        SessionPartner.session_id == ses.id, SessionPartner.unit_id != partner.id).scalar_subquery()
    staying = select(Membership.person_id).where(
        Membership.active, or_(Membership.unit_id == ses.unit_id, Membership.unit_id.in_(others))).scalar_subquery()
    leaving = (await session.execute(
        select(Attendance, Person).join(Person, Person.id == Attendance.person_id)
        .join(Membership, (Membership.person_id == Attendance.person_id) & (Membership.unit_id == partner.id))
        .where(Attendance.session_id == ses.id, Membership.active, Attendance.person_id.not_in(staying))
        .order_by(Attendance.id))).all()
    attended = [p.display_name for a, p in leaving if a.status in ATTENDED]
    if attended:
        raise DomainError("joint.partner_checked_in", unit=partner.name, id=ses.id, n=len(attended),
                          names="、".join(attended[:5]))
    for attendance, _ in leaving:
        await session.delete(attendance)
    removed = Removed(unit=partner, announce_outbox_id=row.announce_outbox_id, roll_outbox_id=row.roll_outbox_id,
                      people=len(leaving))
    await session.delete(row)
    bump_roll(ses)
    ses.updated_at = now
    await session.flush()
    await session.refresh(ses, ["roll_version"])
    return removed
