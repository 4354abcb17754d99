"""Leases decide, across processes sharing one database, who does what alone: the scheduler leader,
and which instances are alive (each holds an `instance:<id>` lease it renews)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

INSTANCE_PREFIX = "instance:"


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class PlannerMark(Base):
    """How far each planner has planned, so a restart knows what it missed."""

    __tablename__ = "planner_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    planned_until: Mapped[datetime]


async def acquire(session: AsyncSession, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease if it is free, expired or already ours. True when we hold it."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Lease).values(name=name, holder=holder, expires_at=now + ttl).on_conflict_do_nothing()
    )
    if result.rowcount:
        return True
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    return result.rowcount == 1


async def release(session: AsyncSession, *, name: str, holder: str) -> None:
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holder_of(session: AsyncSession, *, name: str, now: datetime) -> str | None:
    return await session.scalar(select(Lease.holder).where(Lease.name == name, Lease.expires_at >= now))


async def live_instances(session: AsyncSession, *, now: datetime) -> int:
    return await session.scalar(
        select(func.count()).select_from(Lease).where(
            Lease.name.startswith(INSTANCE_PREFIX), Lease.expires_at >= now
        )
    ) or 0


async def dead_instances(session: AsyncSession, *, now: datetime) -> list[str]:
    """Senders whose instance lease ran out without a clean stop (a clean stop deletes it): crashed."""
    return list(await session.scalars(select(Lease.holder).where(
        Lease.name.startswith(INSTANCE_PREFIX), Lease.expires_at < now)))


async def forget_instances(session: AsyncSession, *, but: str) -> None:
    """Drop every other sender's instance lease (a lone SQLite process knows they are gone)."""
    await session.execute(delete(Lease).where(Lease.name.startswith(INSTANCE_PREFIX), Lease.holder != but))


async def get_mark(session: AsyncSession, *, name: str) -> datetime | None:
    return await session.scalar(select(PlannerMark.planned_until).where(PlannerMark.name == name))


async def set_mark(session: AsyncSession, *, name: str, until: datetime) -> None:
    """Move the mark forward (never back). An upsert, so two passes planning at once cannot clash."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(PlannerMark).values(name=name, planned_until=until)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["name"], set_={"planned_until": stmt.excluded.planned_until},
        where=PlannerMark.planned_until < stmt.excluded.planned_until,
    ))
