"""Who does what on a joint session: only the host edits or cancels it or changes its kind; a
partner's admins decide the leave of their own members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.joint.partners import is_partner, takes_partners
from models.sessions import Attendance, SessionKind, SessionPartner, StudySession, decide_leave
from models.units import Membership, Person, Unit


async def refuse_partner_edit(session: AsyncSession, *, unit: Unit, session_id: int) -> None:
    """A partner's admin asking to edit or cancel: only the host may."""
    ses = await session.get(StudySession, session_id)
    if ses is not None and ses.unit_id != unit.id and await is_partner(session, session_id=ses.id, unit_id=unit.id):
        host = await session.get(Unit, ses.unit_id)
        raise DomainError("joint.host_only", id=ses.id, topic=ses.topic, host=host.name)


async def check_kind_change(session: AsyncSession, *, ses: StudySession, kind: SessionKind) -> None:
    """A joint session with partners keeps its kind (only the joint kind takes partners)."""
    if not takes_partners(kind) and await session.scalar(
            select(SessionPartner.id).where(SessionPartner.session_id == ses.id).limit(1)) is not None:
        raise DomainError("joint.kind_has_partners", id=ses.id)


async def decide_partner_leave(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person_id: int, approve: bool, by: Person,
    now: datetime,
) -> Attendance:
    """A partner's admin decides the leave of one of the partner's own members."""
    if not await is_partner(session, session_id=ses.id, unit_id=unit.id):
        raise DomainError("sessions.not_found", id=ses.id)
    member = await session.scalar(select(Membership.id).where(
        Membership.unit_id == unit.id, Membership.person_id == person_id, Membership.active))
    if member is None:
        raise DomainError("joint.not_your_member")
    return await decide_leave(session, ses=ses, person_id=person_id, approve=approve, by=by, now=now)
