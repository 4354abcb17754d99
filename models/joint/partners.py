"""A joint session's partner units: which they are, finding one by what an admin typed, the units one
may still invite, and each person's own group among them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions import SessionKind, SessionPartner, StudySession, clean_text
from models.units import Membership, Unit

JOINT_KINDS = frozenset({SessionKind.joint_study})


def takes_partners(kind: SessionKind | str | None) -> bool:
    return kind is not None and SessionKind(kind) in JOINT_KINDS


async def is_partner(session: AsyncSession, *, session_id: int, unit_id: int) -> bool:
    return await session.scalar(select(SessionPartner.id).where(
        SessionPartner.session_id == session_id, SessionPartner.unit_id == unit_id)) is not None


async def partner_rows(session: AsyncSession, *, session_id: int) -> list[tuple[SessionPartner, Unit]]:
    rows = await session.execute(
        select(SessionPartner, Unit).join(Unit, Unit.id == SessionPartner.unit_id)
        .where(SessionPartner.session_id == session_id).order_by(SessionPartner.id))
    return [(p, u) for p, u in rows.all()]


async def partner_units(session: AsyncSession, *, session_id: int) -> list[Unit]:
    return [u for _, u in await partner_rows(session, session_id=session_id)]


async def partners_of(session: AsyncSession, *, session_ids: list[int]) -> dict[int, list[Unit]]:
    """The partner units of several sessions in one query (for the planner)."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(SessionPartner.session_id, Unit).join(Unit, Unit.id == SessionPartner.unit_id)
        .where(SessionPartner.session_id.in_(session_ids)).order_by(SessionPartner.id))
    found: dict[int, list[Unit]] = {}
    for sid, unit in rows.all():
        found.setdefault(sid, []).append(unit)
    return found


async def find_unit(session: AsyncSession, *, text: str) -> Unit:
    """A unit by its join code or its name (exact, else the one whose name contains the text)."""
    given = clean_text(text)
    if not given:
        raise DomainError("joint.unit_missing")
    unit = await session.scalar(select(Unit).where(Unit.join_code == given))
    if unit is None:
        unit = await session.scalar(select(Unit).where(Unit.name == given).order_by(Unit.id).limit(1))
    if unit is not None:
        return unit
    like = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = (await session.scalars(select(Unit).where(
        func.lower(Unit.name).like(f"%{like.lower()}%", escape="\\")).order_by(Unit.name).limit(6))).all()
    if not found:
        raise DomainError("joint.unknown_unit", given=given[:30])
    if len(found) > 1:
        raise DomainError("joint.ambiguous_unit", given=given[:30], names="、".join(u.name for u in found[:5]))
    return found[0]


async def find_partner(session: AsyncSession, *, ses: StudySession, text: str) -> Unit:
    """One of the session's partner units, by join code or name (exact, else the one whose name holds
    the text)."""
    given = clean_text(text)
    partners = await partner_units(session, session_id=ses.id)
    if not partners:
        raise DomainError("joint.no_partners", id=ses.id, topic=ses.topic)
    if not given:
        raise DomainError("joint.uninvite_usage")
    exact = [u for u in partners if given in (u.join_code, u.name)]
    found = exact or [u for u in partners if given.lower() in u.name.lower()]
    if len(found) == 1:
        return found[0]
    names = "、".join(u.name for u in (found or partners)[:5])
    if not found:
        raise DomainError("joint.not_partner_named", given=given[:30], id=ses.id, names=names)
    raise DomainError("joint.ambiguous_unit", given=given[:30], names=names)


async def partner_session(session: AsyncSession, *, unit: Unit, session_id: int) -> StudySession:
    """A joint session this unit is a partner of (for a partner's admins)."""
    ses = await session.get(StudySession, session_id)
    if ses is None or not await is_partner(session, session_id=ses.id, unit_id=unit.id):
        raise DomainError("sessions.not_found", id=session_id)
    return ses


async def units_by_person(session: AsyncSession, *, ses: StudySession, person_ids: list[int]) -> dict[int, int]:
    """For a joint session, each person's own group among the partners (person id → partner unit id);
    members of the host (and anyone in no partner) are left out: their group is the host's."""
    if not person_ids:
        return {}
    partners = select(SessionPartner.unit_id).where(SessionPartner.session_id == ses.id).scalar_subquery()
    rows = (await session.execute(
        select(Membership.person_id, Membership.unit_id).where(
            Membership.person_id.in_(person_ids), Membership.active,
            or_(Membership.unit_id == ses.unit_id, Membership.unit_id.in_(partners)))
        .order_by(Membership.joined_at, Membership.id))).all()
    in_host = {pid for pid, uid in rows if uid == ses.unit_id}
    found: dict[int, int] = {}
    for pid, uid in rows:
        if pid not in in_host and uid != ses.unit_id:
            found.setdefault(pid, uid)
    return found


async def invitable_units(session: AsyncSession, *, ses: StudySession, limit: int = 30, offset: int = 0) -> list[Unit]:
    """Units one may still invite, by name: not the host, not already a partner."""
    taken = select(SessionPartner.unit_id).where(SessionPartner.session_id == ses.id).scalar_subquery()
    return list(await session.scalars(select(Unit).where(Unit.id != ses.unit_id, Unit.id.not_in(taken))
                                      .order_by(Unit.name, Unit.id).offset(offset).limit(limit)))
