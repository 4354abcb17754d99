"""联学共建: a joint study session held by one unit (the host) with partner units.

The host's admins schedule it as any session and invite partner units; each partner is a row of
`session_partners`. A partner's active members are added to the roll when it is invited, so the
expected attendees are the members of the host and of every partner. Each partner group gets its own
announcement (a live roll, like the host's: its own outbox row and its own `roll_shown`), the
reminders and the close summary. Members check in from their own group. Only the host edits or
cancels, and may take a partner off again before the close (with the members it alone brought);
a partner's admins decide the leave of their own members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, UniqueConstraint, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base
from models.errors import DomainError
from models.sessions import (
    ATTENDED, Attendance, SessionKind, SessionState, Status, StudySession, _insert, bump_roll, clean_text, decide_leave,
)
from models.units import Membership, Person, Unit

MAX_PARTNERS = 20
JOINT_KINDS = frozenset({SessionKind.joint_study})


class SessionPartner(Base):
    """A partner unit of a joint session, with the state of the live roll in its group."""

    __tablename__ = "session_partners"
    __table_args__ = (UniqueConstraint("session_id", "unit_id"), Index("ix_session_partners_unit_id", "unit_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # The announcement in the partner's group and its live roll (as on StudySession for the host).
    announce_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_outbox_id: Mapped[int | None] = mapped_column(BigInteger)
    roll_shown: Mapped[int] = mapped_column(default=0)


def takes_partners(kind: SessionKind | str | None) -> bool:
    return kind is not None and SessionKind(kind) in JOINT_KINDS


def of_unit(unit_id: int):  # noqa: ANN201 - an SQL condition on StudySession
    """Sessions held by the unit or joint sessions it is a partner of (the sessions "of this group")."""
    return or_(StudySession.unit_id == unit_id, StudySession.id.in_(
        select(SessionPartner.session_id).where(SessionPartner.unit_id == unit_id).scalar_subquery()))


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
        await session.execute(_insert(session)(Attendance).on_conflict_do_nothing(), [
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


async def partner_session(session: AsyncSession, *, unit: Unit, session_id: int) -> StudySession:
    """A joint session this unit is a partner of (for a partner's admins)."""
    ses = await session.get(StudySession, session_id)
    if ses is None or not await is_partner(session, session_id=ses.id, unit_id=unit.id):
        raise DomainError("sessions.not_found", id=session_id)
    return ses


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


@dataclass(frozen=True, slots=True)
class Stale:
    """A partner group whose roll is behind the session's."""

    partner: SessionPartner
    session: StudySession
    unit: Unit


async def stale_partner_rolls(session: AsyncSession, *, since: datetime) -> list[Stale]:
    rows = await session.execute(
        select(SessionPartner, StudySession, Unit)
        .join(StudySession, StudySession.id == SessionPartner.session_id)
        .join(Unit, Unit.id == SessionPartner.unit_id)
        .where(StudySession.roll_version > SessionPartner.roll_shown, StudySession.starts_at >= since)
        .order_by(SessionPartner.id))
    return [Stale(p, s, u) for p, s, u in rows.all()]


async def partner_roll(session: AsyncSession, *, partner_id: int) -> Stale | None:
    """One partner's roll state with its session and unit (the roll job renders each in its own
    transaction)."""
    found = (await session.execute(
        select(SessionPartner, StudySession, Unit)
        .join(StudySession, StudySession.id == SessionPartner.session_id)
        .join(Unit, Unit.id == SessionPartner.unit_id)
        .where(SessionPartner.id == partner_id))).first()
    return Stale(*found) if found is not None else None
