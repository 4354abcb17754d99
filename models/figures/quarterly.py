"""The quarterly bulletin (季通报): the figures, the 红黑榜, and 补学 for members short of their hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import sessions
from models.figures.periods import Period, PeriodKind
from models.figures.reporting import _name, report
from models.figures.rows import MemberRow, Report, UnitRow
from models.sessions import Makeup, MakeupState, StudySession
from models.units import Person, Unit


GOOD_RATE = 90  # attendance (%) a unit needs for the 红榜
SHORT_RATE = 80  # below this attendance (%), or below its study target, a unit is on the 黑榜
HONOURS = 5  # names on each list


MAKEUP_DAYS = 30  # 补学 ordered by a bulletin is due at the end of this many days after it


@dataclass(slots=True)
class Bulletin:
    report: Report
    best_units: list[UnitRow]
    short_units: list[UnitRow]
    best_members: list[MemberRow]
    short_members: list[MemberRow]
    # (unit, member, what to make up, due at) of every open 补学 item in the subtree
    makeups: list[tuple[str, str, str, datetime]]
    # ids of the 补学 items this bulletin ordered now (none when it ordered them before), and their due time
    ordered: list[int] = field(default_factory=list)
    ordered_due: datetime | None = None


def _ranked_units(rep: Report) -> list[UnitRow]:
    return [u for u in rep.units if u.depth == 1] or rep.units[:1]


def makeup_origin(root: Unit, period: Period) -> str:
    return f"bulletin:{root.id}:{period.kind.value}:{period.start.isoformat()}"


def short_of_hours(m: MemberRow) -> bool:
    return m.active and bool(m.tally.target) and m.tally.minutes < m.tally.target


async def bulletin(session: AsyncSession, *, root: Unit, period: Period, now: datetime,
                   makeup_title: str | None = None) -> Bulletin:
    """The figures, the 红黑榜 and the open 补学 items, for the bulletin of a period.

    With `makeup_title`, a quarter's bulletin once the quarter is over orders 补学 (an item without a
    session, titled so) for each active member short of their study hours, due `MAKEUP_DAYS` later;
    members who missed sessions already have theirs. Once per bulletin period and member."""
    rep = await report(session, root=root, period=period, now=now)
    units = [u for u in _ranked_units(rep) if u.tally.expected or u.tally.target]
    best = sorted((u for u in units if u.tally.rate >= GOOD_RATE and u.tally.study_rate >= 100),
                  key=lambda u: (-u.tally.rate, -u.tally.study_rate, u.unit.name))[:HONOURS]
    short = sorted((u for u in units if u.tally.rate < SHORT_RATE or u.tally.study_rate < 100),
                   key=lambda u: (u.tally.rate, u.tally.study_rate, u.unit.name))
    members = [m for m in rep.members if m.active]
    best_members = sorted(
        (m for m in members if m.tally.excellent or (m.tally.expected and not m.tally.absent
                                                      and m.tally.study_rate >= 100)),
        key=lambda m: (-m.tally.excellent, -m.tally.study_rate, m.name))[:HONOURS]
    short_members = sorted(
        (m for m in members if m.tally.absent or m.tally.makeup_open or (m.tally.target and m.tally.study_rate < 100)),
        key=lambda m: (-m.tally.absent, m.tally.study_rate, m.name))
    ordered: list[int] = []
    due = None
    zone = ZoneInfo(root.timezone)
    today = now.astimezone(zone).date()
    if makeup_title and period.kind == PeriodKind.quarter and period.end < today and not rep.empty:
        origin = makeup_origin(root, period)
        wanted: dict[int, int] = {}  # person -> the first unit (in tree order) they fell short in
        for m in members:
            if short_of_hours(m):
                wanted.setdefault(m.person_id, m.unit_id)
        due = datetime.combine(today + timedelta(days=MAKEUP_DAYS), time(23, 59), zone).astimezone(UTC)
        had = set(await session.scalars(select(Makeup.person_id).where(Makeup.origin == origin)))
        new = [(u, p, makeup_title) for p, u in wanted.items() if p not in had]
        await sessions.order_makeups(session, origin=origin, wanted=new, due_at=due, now=now)
        if new:
            ordered = [i for i, p in (await session.execute(
                select(Makeup.id, Makeup.person_id).where(Makeup.origin == origin).order_by(Makeup.id))).all()
                if p not in had]
    ids = {u.unit.id for u in rep.units}
    open_items = (await session.execute(
        select(Unit.name, _name(), func.coalesce(StudySession.topic, Makeup.title, ""), Makeup.due_at)
        .join(Person, Person.id == Makeup.person_id).join(Unit, Unit.id == Makeup.unit_id)
        .outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .where(Makeup.unit_id.in_(ids), Makeup.state == MakeupState.open)
        .order_by(Makeup.due_at, Unit.name, Person.first_name, Makeup.id)
    )).all()
    return Bulletin(rep, best, short, best_members, short_members, [tuple(r) for r in open_items], ordered,
                    due if ordered else None)
