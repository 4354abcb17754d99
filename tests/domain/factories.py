"""Small factories for the domain tier: units, people and sessions made through the domain functions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import AsyncSession

from models.sessions import SessionKind, SessionSpec, StudySession, create_session
from models.units import Person, PersonIn, Role, Unit, UnitKind, bind_unit, join_unit, set_parent, upsert_person

# A Monday morning in Beijing (09:00 local), as tests/conftest.py's clock starts.
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"

# Hypothesis examples share the test's database (each example makes its own units and people), and a
# round trip to it is slower than hypothesis' default deadline allows on a loaded machine.
DOMAIN = settings(max_examples=15, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_ids = itertools.count(1000)


def next_id() -> int:
    """A Telegram id no other factory call in this process has used."""
    return next(_ids)


async def person(s: AsyncSession, name: str = "p", *, now: datetime = MONDAY, username: str | None = None) -> Person:
    return await upsert_person(s, who=PersonIn(tg_user_id=next_id(), first_name=name, username=username), now=now)


async def unit(
    s: AsyncSession, name: str = "u", *, kind: UnitKind = UnitKind.research, admin: Person | None = None,
    parent: Unit | None = None, now: datetime = MONDAY, tz: str = TZ,
) -> Unit:
    """A bound group (its binder, made here unless given, is an admin), optionally below `parent`."""
    admin = admin or await person(s, f"{name}-admin", now=now)
    made, _ = await bind_unit(s, chat_id=-next_id(), title=name, kind=kind, by=admin, now=now, timezone=tz)
    if parent is not None:
        await set_parent(s, unit=made, parent=parent, now=now)
    await s.flush()
    return made


async def admin_of(s: AsyncSession, u: Unit) -> Person:
    from models.units import active_members
    return next(p for m, p in await active_members(s, unit_id=u.id) if m.role == Role.admin)


async def member(s: AsyncSession, u: Unit, name: str = "m", *, now: datetime = MONDAY, **kw: object) -> Person:
    p = await person(s, name, now=now, **kw)
    await join_unit(s, unit=u, person=p, source="test", now=now)
    return p


async def members(s: AsyncSession, u: Unit, n: int, *, now: datetime = MONDAY, prefix: str = "m") -> list[Person]:
    return [await member(s, u, f"{prefix}{i}", now=now) for i in range(n)]


async def study_session(
    s: AsyncSession, u: Unit, *, starts_at: datetime, minutes: int = 90, topic: str = "学习",
    kind: SessionKind = SessionKind.member_meeting, by: Person | None = None, now: datetime = MONDAY,
) -> StudySession:
    """A session of the unit scheduled at `now`; its active members are on the roll."""
    spec = SessionSpec(kind=kind, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), topic=topic)
    return await create_session(s, unit=u, spec=spec, by=by, now=now)
