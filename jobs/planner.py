"""The planner tick: one instance (the lease holder) runs every planner; each enqueues what fell due.

A planner gets the window (since, now] it has not planned yet. Anything due within the grace window
is enqueued (with dedupe keys, so a repeat is harmless); anything older is skipped and logged. The
window's end is stored, so a restart knows where it stopped. Schedules are read from the database on
every tick, so changing a unit's schedule needs no restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ContextTypes

from bot.context import BotState
from bot.i18n import pick_lang, t
from models.leases import acquire, get_mark, release, set_mark
from models.outbox import OutboxIn, enqueue, record_skipped, untold_skipped
from models.units import Membership, Person, Role, Unit

log = logging.getLogger("wuxue.planner")

LEADER_LEASE = "scheduler"


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime  # exclusive
    now: datetime  # inclusive
    oldest: datetime  # due times before this are too late (outside grace): skip them
    # What split_late skipped: (unit id, what, due time), kept and told to the unit's admins.
    skipped: list[tuple[int | None, str, datetime]] = field(default_factory=list)


Planner = Callable[[AsyncSession, BotState, Window], Awaitable[int]]


class PlannerRegistry:
    def __init__(self) -> None:
        self.planners: list[tuple[str, Planner]] = []
        self.lock = asyncio.Lock()  # one pass at a time in this process (the tick, or an explicit run)

    def add(self, name: str, planner: Planner) -> None:
        self.planners.append((name, planner))


async def is_leader(state: BotState) -> bool:
    cfg = state.settings.delivery
    async with state.sessions.begin() as session:
        leader = await acquire(
            session, name=LEADER_LEASE, holder=state.sender.instance_id, now=datetime.now(UTC),
            ttl=timedelta(seconds=cfg.leader_ttl_seconds),
        )
    if leader != state.is_leader:
        log.info("scheduler role: %s", "leader" if leader else "follower")
    state.is_leader = leader
    return leader


async def resign(state: BotState) -> None:
    """Hand leadership back on a clean stop, so another instance (or our restart) takes it at once."""
    if state.sender is None:
        return
    async with state.sessions.begin() as session:
        await release(session, name=LEADER_LEASE, holder=state.sender.instance_id)
    state.is_leader = False


async def run_planners(state: BotState) -> int:
    """Run each planner over its unplanned window; returns how many messages were enqueued."""
    async with state.planners.lock:
        return await _run_planners(state)


async def _run_planners(state: BotState) -> int:
    now = state.clock.now()
    grace = timedelta(hours=state.settings.delivery.catch_up_hours)
    total = 0
    for name, planner in state.planners.planners:
        try:
            async with state.sessions.begin() as session:
                since = await get_mark(session, name=name) or now
                if since >= now:
                    await set_mark(session, name=name, until=now)
                    continue
                window = Window(since=since, now=now, oldest=now - grace)
                total += await planner(session, state, window)
                await record_skipped(session, skipped=window.skipped, now=now)
                await set_mark(session, name=name, until=now)
        except Exception:  # noqa: BLE001 - one failing planner must not hold back the others' messages
            # Its mark did not move, so the next tick retries the same window.
            log.exception("planner %s failed; retrying on the next tick", name)
    try:
        total += await tell_skipped(state, now)
    except Exception:  # noqa: BLE001 - kept untold: the next pass tries again
        log.exception("telling admins about skipped schedules failed")
    if total:
        state.sender.wake()
    return total


async def planner_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: lead or follow, and plan when leading."""
    state: BotState = context.bot_data
    try:
        if await is_leader(state):
            await run_planners(state)
    except Exception:  # noqa: BLE001 - the next tick tries again
        log.exception("planner tick failed")


def split_late(window: Window, due: list[datetime], what: str, *, unit_id: int | None = None) -> list[datetime]:
    """Keep due times within grace; log the ones that are too late to send, and keep them on the
    window (stored with the planner's mark; the unit's admins are told once)."""
    late = [d for d in due if d < window.oldest]
    for d in late:
        log.warning("skipped %s due %s: more than the catch-up window late", what, d.isoformat())
        window.skipped.append((unit_id, what, d))
    return [d for d in due if d >= window.oldest]


class UnitCache:
    """Units by id, each read once per planner pass (a pass touches the same few units many times).
    Make one per pass: it lives no longer than the pass's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.units: dict[int, Unit] = {}

    async def __call__(self, unit_id: int) -> Unit:
        if unit_id not in self.units:
            self.units[unit_id] = await self.session.get(Unit, unit_id)
        return self.units[unit_id]


async def tell_skipped(state: BotState, now: datetime) -> int:
    """One private summary per affected unit to each of its reachable admins, for what was skipped
    and not told yet. Returns how many messages were enqueued."""
    hours = f"{state.settings.delivery.catch_up_hours:g}"
    n = 0
    async with state.sessions.begin() as session:
        rows = await untold_skipped(session)
        for unit_id, group in groupby(sorted(rows, key=lambda r: (r.unit_id or 0, r.id)), key=lambda r: r.unit_id):
            group = list(group)
            for r in group:
                r.told_at = now
            unit = await session.get(Unit, unit_id) if unit_id is not None else None
            if unit is None:
                continue  # listed by `wuxue outbox` only
            admins = (await session.scalars(
                select(Person).join(Membership, Membership.person_id == Person.id).where(
                    Membership.unit_id == unit.id, Membership.role == Role.admin, Membership.active,
                    Person.private_ok)
            )).all()
            zone = ZoneInfo(unit.timezone)
            items = []
            for admin in admins:
                lang = pick_lang(admin.language_code, unit.locale, state.settings.locale)
                lines = "\n".join(t(lang, "delivery.skipped_line", what=r.what,
                                     when=r.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")) for r in group)
                items.append(OutboxIn(
                    dedupe_key=f"skipped:{unit.id}:{group[0].id}-{group[-1].id}:{admin.id}", chat_id=admin.tg_user_id,
                    person_id=admin.id, unit_id=unit.id, kind="skipped_notice", due_at=now,
                    text=t(lang, "delivery.skipped_summary", unit=unit.name, hours=hours, lines=lines),
                ))
            n += await enqueue(session, items=items, now=now)
    return n
