"""The live rolls in the partner groups: which are behind their session's, and one partner's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.sessions import SessionPartner, StudySession
from models.units import Unit


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
