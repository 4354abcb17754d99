"""The study archive (学习档案): the figures and every row of the period behind them, for the XLSX."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import agenda, selfstudy
from models.figures.periods import Period
from models.figures.reporting import _name, report
from models.figures.rows import Report
from models.reflections import Grade, Reflection, ReflectionState
from models.sessions import Attendance, Makeup, MakeupState, SessionState, Status, StudySession
from models.units import Membership, Person, Unit


@dataclass(slots=True)
class Archive:
    report: Report
    # (local day, unit, kind, topic, member, status, checked in at)
    attendance: list[tuple[date, str, str, str, str, Status, datetime | None]]
    study: list[tuple[date, str, str | None, int, str, str | None]]  # (day, member, unit, minutes, kind, what)
    # (submitted at, member, unit, subject, state, grade, characters)
    reflections: list[tuple[datetime, str, str, str, ReflectionState, Grade | None, int]]
    # (unit, member, session topic or the item's title, reason (None without a session), state, due at, done at)
    makeups: list[tuple[str, str, str, Status | None, MakeupState, datetime, datetime | None]]
    agenda: list[agenda.ArchiveRow] = field(default_factory=list)  # first agenda items and measures
    now: datetime | None = None  # when it was made (a measure open past its deadline is overdue)


async def archive(session: AsyncSession, *, root: Unit, period: Period, now: datetime) -> Archive:
    """The figures and every row of the period behind them, for the XLSX study archive."""
    rep = await report(session, root=root, period=period, now=now)
    ids = {u.unit.id for u in rep.units}
    start_at, end_at = period.bounds(root.timezone)
    attendance = (await session.execute(
        select(StudySession.local_day, Unit.name, StudySession.kind, StudySession.topic, _name(), Attendance.status,
               Attendance.checked_in_at)
        .join(StudySession, StudySession.id == Attendance.session_id).join(Unit, Unit.id == StudySession.unit_id)
        .join(Person, Person.id == Attendance.person_id)
        .where(StudySession.unit_id.in_(ids), StudySession.state == SessionState.closed, Attendance.expected,
               StudySession.local_day.between(period.start, period.end))
        .order_by(StudySession.starts_at, StudySession.id, Person.first_name, Person.id)
    )).all()
    people = select(Membership.person_id).where(Membership.unit_id.in_(ids))
    study = (await session.execute(
        select(selfstudy.StudyEntry.day, _name(), Unit.name, selfstudy.StudyEntry.minutes, selfstudy.StudyEntry.kind,
               selfstudy.StudyEntry.what)
        .join(Person, Person.id == selfstudy.StudyEntry.person_id)
        .outerjoin(Unit, Unit.id == selfstudy.StudyEntry.unit_id)
        .where(selfstudy.StudyEntry.person_id.in_(people),
               selfstudy.StudyEntry.day.between(period.start, period.end))
        .order_by(selfstudy.StudyEntry.day, Person.first_name, selfstudy.StudyEntry.id)
    )).all()
    reflections = (await session.execute(
        select(Reflection.submitted_at, _name(), Unit.name, Reflection.subject_title, Reflection.state,
               Reflection.grade, Reflection.chars)
        .join(Person, Person.id == Reflection.person_id).join(Unit, Unit.id == Reflection.unit_id)
        .where(Reflection.unit_id.in_(ids), Reflection.submitted_at >= start_at, Reflection.submitted_at < end_at,
               Reflection.state != ReflectionState.draft)
        .order_by(Reflection.submitted_at, Reflection.id)
    )).all()
    makeups = (await session.execute(
        select(Unit.name, _name(), func.coalesce(StudySession.topic, Makeup.title, ""), Makeup.reason, Makeup.state,
               Makeup.due_at, Makeup.done_at)
        .join(Person, Person.id == Makeup.person_id).join(Unit, Unit.id == Makeup.unit_id)
        .outerjoin(StudySession, StudySession.id == Makeup.session_id)
        .where(Makeup.unit_id.in_(ids), Makeup.created_at >= start_at, Makeup.created_at < end_at,
               Makeup.state != MakeupState.waived)
        .order_by(Makeup.due_at, Makeup.id)
    )).all()
    items = await agenda.archive_rows(session, unit_ids=ids, start=start_at, end=end_at)
    return Archive(rep, [tuple(r) for r in attendance], [tuple(r) for r in study],
                   [tuple(r) for r in reflections], [tuple(r) for r in makeups], items, now)
