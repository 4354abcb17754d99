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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import ContextTypes

from bot.context import BotState
from models.units import Unit
from models.leases import acquire, get_mark, release, set_mark

log = logging.getLogger("wuxue.planner")

LEADER_LEASE = "scheduler"


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime  # exclusive
    now: datetime  # inclusive
    oldest: datetime  # due times before this are too late (outside grace): skip them


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
                total += await planner(session, state, Window(since=since, now=now, oldest=now - grace))
                await set_mark(session, name=name, until=now)
        except Exception:  # noqa: BLE001 - one failing planner must not hold back the others' messages
            # Its mark did not move, so the next tick retries the same window.
            log.exception("planner %s failed; retrying on the next tick", name)
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


def split_late(window: Window, due: list[datetime], what: str) -> list[datetime]:
    """Keep due times within grace; log the ones that are too late to send."""
    late = [d for d in due if d < window.oldest]
    for d in late:
        log.warning("skipped %s due %s: more than the catch-up window late", what, d.isoformat())
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
