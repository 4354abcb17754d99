"""联动: where the features meet. Each feature stays unaware of the others; this module links them.

- attending a session counts as study time (self-study's minute sources);
- a member may write a reflection on a session they attended or on an open 补学 item, and a
  reflection on a 补学 item completes it (reflections' subject providers);
- 会后督学: a member asked for a follow-up on a first agenda item writes a reflection on the item,
  which completes the follow-up (attending a session carrying the item counts as studying it: see
  models/agenda.py);
- 督学 figures count first agenda items studied, follow-ups and measures (`figures.EXTRA_FIGURES`).

Nothing here registers itself: the features declare these (bot/features/linkage.py) and the app factory
installs them (`bot.features.install_domain_plugins`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models import agenda, figures, sessions
from models.agenda import AgendaFollowup, AgendaMeasure, AgendaSession, AgendaStudy, MeasureState
from models.reflections import Reflection, Subject, SubjectProvider
from models.sessions import ATTENDED, Attendance, Makeup, MakeupState, SessionState, StudySession
from models.units import Person

RECENT_SESSIONS = timedelta(days=30)

# What the features plug into each other (declared in bot/features, installed by the app factory).
MINUTE_SOURCES = (sessions.attended_minutes_source,)


class AttendedSessions(SubjectProvider):
    """Sessions the member attended in the last month, reviewed in the session's unit."""

    kind = "session"

    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        rows = await session.scalars(
            select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
                Attendance.person_id == person.id, Attendance.status.in_(ATTENDED),
                StudySession.state != SessionState.cancelled, StudySession.starts_at <= now,
                StudySession.starts_at >= now - RECENT_SESSIONS,
            ).order_by(StudySession.starts_at.desc()).limit(5)
        )
        return [Subject(self.kind, s.id, s.unit_id, s.topic) for s in rows]


class OpenMakeups(SubjectProvider):
    """Open 补学 items: a reflection on the missed session's content (or on what an item without a
    session names) completes the item."""

    kind = "makeup"

    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        rows = (await session.execute(
            select(Makeup, StudySession).outerjoin(StudySession, StudySession.id == Makeup.session_id).where(
                Makeup.person_id == person.id, Makeup.state == MakeupState.open,
            ).order_by(Makeup.due_at, Makeup.id)
        )).all()
        return [Subject(self.kind, m.id, m.unit_id, sessions.makeup_topic(m, s)) for m, s in rows]

    async def submitted(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        item = await session.get(Makeup, reflection.subject_ref)
        if item is not None and item.person_id == reflection.person_id and item.state == MakeupState.open:
            item.state, item.done_at, item.done_by_id = MakeupState.done, now, reflection.person_id
            item.note = f"reflection #{reflection.id}"


class AgendaFollowups(SubjectProvider):
    """First agenda items the member is asked to follow up on (会后督学), reviewed in the session's unit."""

    kind = "agenda"

    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        rows = await agenda.open_followups(session, person_id=person.id)
        return [Subject(self.kind, item.id, f.unit_id, item.title or "") for f, item in rows]

    async def submitted(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        await agenda.complete_followup(session, item_id=reflection.subject_ref, person_id=reflection.person_id,
                                       reflection_id=reflection.id, now=now)


SESSION_SUBJECTS = (AttendedSessions(), OpenMakeups())
AGENDA_SUBJECTS = (AgendaFollowups(),)



# -- 督学 figures of first agenda items (第一议题) and their measures --------------------------------------

def _agenda_studied(ids: set[int], start: datetime, end: datetime, now: datetime) -> Select:
    """Items studied in the period per (unit, person): "已学习" pressed, or attended a session carrying
    the item (each item once per person and unit)."""
    pressed = select(AgendaStudy.item_id, AgendaStudy.person_id, AgendaStudy.unit_id).where(
        AgendaStudy.unit_id.in_(ids), AgendaStudy.studied_at >= start, AgendaStudy.studied_at < end)
    attended = (
        select(AgendaSession.item_id, Attendance.person_id, StudySession.unit_id)
        .join(StudySession, StudySession.id == AgendaSession.session_id)
        .join(Attendance, Attendance.session_id == AgendaSession.session_id)
        .where(StudySession.unit_id.in_(ids), Attendance.status.in_(ATTENDED), StudySession.starts_at >= start,
               StudySession.starts_at < end))
    both = union(pressed, attended).subquery()
    return select(both.c.unit_id, both.c.person_id, func.count()).group_by(both.c.unit_id, both.c.person_id)


def _followups(done: bool):  # noqa: ANN202 - a query builder
    def query(ids: set[int], start: datetime, end: datetime, now: datetime) -> Select:
        """Follow-ups (会后督学) assigned in the period per (unit, person); or those of them done."""
        q = select(AgendaFollowup.unit_id, AgendaFollowup.person_id, func.count()).where(
            AgendaFollowup.unit_id.in_(ids), AgendaFollowup.created_at >= start, AgendaFollowup.created_at < end)
        if done:
            q = q.where(AgendaFollowup.done_at.is_not(None))
        return q.group_by(AgendaFollowup.unit_id, AgendaFollowup.person_id)
    return query


def _measures(overdue: bool):  # noqa: ANN202 - a query builder
    def query(ids: set[int], start: datetime, end: datetime, now: datetime) -> Select:
        """Measures whose deadline falls in the period, per (unit, owner): done; or still open past it."""
        q = select(AgendaMeasure.unit_id, AgendaMeasure.owner_id, func.count()).where(
            AgendaMeasure.unit_id.in_(ids), AgendaMeasure.owner_id.is_not(None),
            AgendaMeasure.deadline >= start, AgendaMeasure.deadline < end)
        q = (q.where(AgendaMeasure.state == MeasureState.open, AgendaMeasure.deadline <= now) if overdue
             else q.where(AgendaMeasure.state == MeasureState.done))
        return q.group_by(AgendaMeasure.unit_id, AgendaMeasure.owner_id)
    return query


AGENDA_FIGURES = (
    figures.ExtraFigure("agenda_studied", _agenda_studied),
    figures.ExtraFigure("followups", _followups(done=False)),
    figures.ExtraFigure("followups_done", _followups(done=True)),
    figures.ExtraFigure("measures_done", _measures(overdue=False)),
    figures.ExtraFigure("measures_overdue", _measures(overdue=True)),
)
