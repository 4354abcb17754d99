"""Per-unit roll-up of an item, and the rows of the 学习档案 (督学's archive)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.items import notice_key, target_units
from models.agenda.study import studied_ids
from models.agenda.tables import (
    AgendaFollowup, AgendaItem, AgendaMeasure, AgendaSession, AgendaStudy, AgendaTarget, Category, ItemState,
    MeasureState,
)
from models.outbox import Outbox, OutboxState
from models.sessions import ATTENDED, Attendance, SessionState, StudySession
from models.units import Membership, Person, Unit, subtree_ids


# -- roll-up ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UnitRollup:
    unit: Unit
    depth: int
    notified: str  # the notice's delivery: sent, pending, failed
    members: int
    studied: int
    sessions: int
    followups: int
    followups_done: int
    measures: int
    measures_done: int
    measures_overdue: int

    @property
    def rate(self) -> int:
        return round(100 * self.studied / self.members) if self.members else 0


async def rollup(session: AsyncSession, *, item: AgendaItem, unit: Unit, now: datetime) -> list[UnitRollup]:
    """The item's state in the unit and each target unit below it, in tree order."""
    below = await subtree_ids(session, unit_id=unit.id)
    targets = {u.id: u for u in await target_units(session, item_id=item.id) if u.id in below}
    studied = await studied_ids(session, item_id=item.id)
    children: dict[int | None, list[Unit]] = {}
    for u in targets.values():
        children.setdefault(u.parent_id if u.parent_id in targets else None, []).append(u)
    order: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.id):
            order.append((u, depth))
            walk(u.id, depth + 1)
    walk(None, 0)
    out = []
    for u, depth in order:
        members = set(await session.scalars(select(Membership.person_id).where(
            Membership.unit_id == u.id, Membership.active)))
        held = await session.scalar(select(func.count()).select_from(AgendaSession).join(
            StudySession, StudySession.id == AgendaSession.session_id).where(
            AgendaSession.item_id == item.id, StudySession.unit_id == u.id, StudySession.state == SessionState.closed))
        fups = (await session.execute(select(AgendaFollowup.done_at).where(
            AgendaFollowup.item_id == item.id, AgendaFollowup.unit_id == u.id))).scalars().all()
        ms = (await session.execute(select(AgendaMeasure.state, AgendaMeasure.deadline).where(
            AgendaMeasure.item_id == item.id, AgendaMeasure.unit_id == u.id,
            AgendaMeasure.state != MeasureState.draft))).all()
        notice = await session.scalar(select(Outbox.state).where(Outbox.dedupe_key == notice_key(item.id, u.id)))
        notified = {OutboxState.sent: "sent", OutboxState.failed: "failed", OutboxState.dead: "failed"}.get(
            notice, "pending")
        out.append(UnitRollup(
            u, depth, notified, len(members), len(members & studied), held or 0, len(fups), sum(1 for d in fups if d),
            len(ms), sum(1 for s, _ in ms if s == MeasureState.done),
            sum(1 for s, d in ms if s == MeasureState.open and d <= now)))
    return out


# -- the 学习档案 (督学's archive) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ArchiveRow:
    """An item as one target unit received it, with one of its measures there (or none)."""

    unit: str
    title: str
    category: Category | None
    published_at: datetime | None
    study_by: datetime | None
    studied: int  # people of the unit who studied it ("已学习" or attended a session carrying it)
    followups: int
    followups_done: int
    measure: str | None = None
    owner: str | None = None
    deadline: datetime | None = None
    measure_state: MeasureState | None = None
    done_at: datetime | None = None


async def archive_rows(session: AsyncSession, *, unit_ids: set[int], start: datetime,
                       end: datetime) -> list[ArchiveRow]:
    """Items published in [start, end) to units of `unit_ids`: a row per (item, unit, measure) — in SQL
    grouped queries, whatever the number of members."""
    pairs = (await session.execute(
        select(AgendaTarget.item_id, AgendaTarget.unit_id, Unit.name, AgendaItem.title, AgendaItem.category,
               AgendaItem.published_at, AgendaItem.study_by)
        .join(AgendaItem, AgendaItem.id == AgendaTarget.item_id).join(Unit, Unit.id == AgendaTarget.unit_id)
        .where(AgendaTarget.unit_id.in_(unit_ids), AgendaItem.state != ItemState.draft,
               AgendaItem.published_at >= start, AgendaItem.published_at < end)
        .order_by(AgendaItem.published_at, AgendaItem.id, Unit.name, Unit.id)
    )).all()
    if not pairs:
        return []
    items = {p[0] for p in pairs}
    pressed = select(AgendaStudy.item_id, AgendaStudy.unit_id, AgendaStudy.person_id).where(
        AgendaStudy.item_id.in_(items))
    attended = (select(AgendaSession.item_id, StudySession.unit_id, Attendance.person_id)
                .join(StudySession, StudySession.id == AgendaSession.session_id)
                .join(Attendance, Attendance.session_id == AgendaSession.session_id)
                .where(AgendaSession.item_id.in_(items), Attendance.status.in_(ATTENDED)))
    both = pressed.union(attended).subquery()
    studied = {(i, u): n for i, u, n in (await session.execute(
        select(both.c.item_id, both.c.unit_id, func.count()).group_by(both.c.item_id, both.c.unit_id))).all()}
    fups = {(i, u): (n, int(d or 0)) for i, u, n, d in (await session.execute(
        select(AgendaFollowup.item_id, AgendaFollowup.unit_id, func.count(), func.count(AgendaFollowup.done_at))
        .where(AgendaFollowup.item_id.in_(items)).group_by(AgendaFollowup.item_id, AgendaFollowup.unit_id))).all()}
    measures: dict[tuple[int, int], list] = {}
    for m, owner in (await session.execute(
        select(AgendaMeasure, Person).outerjoin(Person, Person.id == AgendaMeasure.owner_id)
        .where(AgendaMeasure.item_id.in_(items), AgendaMeasure.state != MeasureState.draft)
        .order_by(AgendaMeasure.deadline, AgendaMeasure.id))).all():
        measures.setdefault((m.item_id, m.unit_id), []).append((m, owner))
    out = []
    for item_id, unit_id, unit, title, category, published, study_by in pairs:
        n, done = fups.get((item_id, unit_id), (0, 0))
        base = ArchiveRow(unit, title or "", category, published, study_by, studied.get((item_id, unit_id), 0), n, done)
        mine = measures.get((item_id, unit_id))
        if not mine:
            out.append(base)
            continue
        for m, owner in mine:
            out.append(replace(base, measure=m.text, owner=owner.display_name if owner else None,
                               deadline=m.deadline, measure_state=m.state, done_at=m.done_at))
    return out
