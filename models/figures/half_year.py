"""The half-yearly check (半年检查): per unit, the required sessions held and required actions done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.figures.periods import Period
from models.figures.reporting import report
from models.figures.rows import Report, UnitRow
from models.sessions import SessionKind, SessionState, StudySession
from models.supervise import TaskDone, TaskItem, TaskList
from models.units import Unit


REQUIRED_KINDS = (SessionKind.member_meeting, SessionKind.committee, SessionKind.group_meeting,
                  SessionKind.lecture, SessionKind.theme_day)  # 三会一课 and the themed party day


@dataclass(slots=True)
class CheckRow:
    unit: UnitRow
    held: dict[SessionKind, int]  # closed sessions of each required kind, in the unit itself
    tasks: int  # required actions issued to the unit (from above) due in the period
    tasks_done: int


async def check_sheet(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> tuple[Report, list[CheckRow]]:
    """Per unit of the subtree: required sessions held, required actions done, and its figures."""
    rep = await report(session, root=root, period=period, now=now)
    ids = [u.unit.id for u in rep.units]
    held: dict[int, dict[SessionKind, int]] = {i: {} for i in ids}
    for unit_id, kind, n in (await session.execute(
        select(StudySession.unit_id, StudySession.kind, func.count()).where(
            StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed,
            StudySession.local_day.between(period.start, period.end))
        .group_by(StudySession.unit_id, StudySession.kind)
    )).all():
        held[unit_id][kind] = n
    issued = (await session.execute(
        select(TaskList.unit_id, TaskItem.id).join(TaskItem, TaskItem.list_id == TaskList.id)
        .where(TaskItem.due_on.between(period.start, period.end))
    )).all()
    done = set((await session.execute(
        select(TaskDone.item_id, TaskDone.unit_id).where(TaskDone.unit_id.in_(ids)))).all())
    parents = dict((await session.execute(select(Unit.id, Unit.parent_id))).all())

    def above(uid: int) -> set[int]:
        found, cur = set(), parents.get(uid)
        while cur is not None and cur not in found:
            found.add(cur)
            cur = parents.get(cur)
        return found
    rows = []
    for u in rep.units:
        mine = [item for issuer, item in issued if issuer in above(u.unit.id)]
        rows.append(CheckRow(u, held[u.unit.id], len(mine), sum((item, u.unit.id) in done for item in mine)))
    return rep, rows
