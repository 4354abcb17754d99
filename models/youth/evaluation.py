"""The committee's evaluation of each group's period: the figures it sees, the grade, and excellent
cases (优秀案例) shown once the group's leader agrees."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.reflections import Reflection, ReflectionState
from models.sessions import ATTENDED, Attendance, StudySession
from models.units import Membership, Person, Unit, UnitKind, ancestor_ids, member_count, subtree_ids
from models.youth.activities import _activity_filter
from models.youth.periods import Period, local_today, period_bounds, unit_period
from models.youth.records import records_of
from models.youth.rotation import active_ids, leader_for, rotation_of
from models.youth.tables import ActivityRecord, Consent, Contest, ContestState, Evaluation, Grade, Score


@dataclass(frozen=True, slots=True)
class Scope:
    unit: Unit
    period: Period
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of a group's period: rendered from the catalog key `youth.fig_<key>` with `params`."""

    key: str
    params: dict


FigureFn = Callable[[AsyncSession, Scope], Awaitable[Figure | None]]


async def _contest_ids(session: AsyncSession, scope: Scope) -> list[int]:
    return list(await session.scalars(select(Contest.id).where(
        Contest.unit_id == scope.unit.id, Contest.started_at >= scope.since, Contest.started_at < scope.until,
        Contest.state.in_([ContestState.finished, ContestState.stopped]),
    )))


async def figure_contests(session: AsyncSession, scope: Scope) -> Figure:
    return Figure("contests", {"count": len(await _contest_ids(session, scope))})


async def figure_players(session: AsyncSession, scope: Scope) -> Figure | None:
    ids = await _contest_ids(session, scope)
    if not ids:
        return None
    players = await session.scalar(select(func.count(func.distinct(Score.person_id))).where(Score.contest_id.in_(ids)))
    members = await member_count(session, unit_id=scope.unit.id)
    right, total = (await session.execute(
        select(func.sum(Score.correct), func.sum(Score.answered)).where(Score.contest_id.in_(ids))
    )).one()
    accuracy = round(100 * int(right or 0) / int(total)) if total else 0
    return Figure("players", {"players": int(players or 0), "members": members, "accuracy": accuracy})


async def figure_records(session: AsyncSession, scope: Scope) -> Figure:
    records = await records_of(session, unit_id=scope.unit.id, period=scope.period)
    return Figure("records", {"count": len(records), "photos": sum(len(r.photos or []) for r in records)})


def _activities_in(scope: Scope):  # noqa: ANN202 - a where-clause
    """The group's activities held in the period: closed sessions of a kind with forms starting in it."""
    return _activity_filter(scope.unit.id) & (StudySession.starts_at >= scope.since) & (
        StudySession.starts_at < scope.until)


async def figure_activities(session: AsyncSession, scope: Scope) -> Figure:
    """Activities held, and how many of them have their record."""
    recorded = select(ActivityRecord.id).where(
        ActivityRecord.session_id == StudySession.id, ActivityRecord.submitted_at.is_not(None)).exists()
    held, with_record = (await session.execute(
        select(func.count(StudySession.id), func.coalesce(func.sum(case((recorded, 1), else_=0)), 0))
        .where(_activities_in(scope))
    )).one()
    return Figure("activities", {"count": int(held or 0), "recorded": int(with_record or 0)})


async def figure_attendance(session: AsyncSession, scope: Scope) -> Figure | None:
    """Attendance at those activities: attended (on time, late, 代签, 补签) over those expected."""
    expected, attended = (await session.execute(
        select(func.count(Attendance.id), func.sum(case((Attendance.status.in_(list(ATTENDED)), 1), else_=0)))
        .join(StudySession, StudySession.id == Attendance.session_id)
        .where(_activities_in(scope), Attendance.expected)
    )).one()
    if not expected:
        return None
    attended = int(attended or 0)
    return Figure("attendance", {"attended": attended, "expected": int(expected),
                                 "rate": round(100 * attended / int(expected))})


async def figure_reflections(session: AsyncSession, scope: Scope) -> Figure:
    """Reflections (心得体会) the group's members handed in during the period."""
    members = select(Membership.person_id).where(Membership.unit_id == scope.unit.id, Membership.active)
    count, writers = (await session.execute(
        select(func.count(Reflection.id), func.count(func.distinct(Reflection.person_id))).where(
            Reflection.person_id.in_(members), Reflection.state != ReflectionState.draft,
            Reflection.submitted_at >= scope.since, Reflection.submitted_at < scope.until,
        )
    )).one()
    return Figure("reflections", {"count": int(count or 0), "writers": int(writers or 0),
                                  "members": await member_count(session, unit_id=scope.unit.id)})


# The evaluation's figures, in order: activities and their attendance, contests, records, reflections.
FIGURES: list[FigureFn] = [figure_activities, figure_attendance, figure_contests, figure_players, figure_records,
                           figure_reflections]


async def compute_figures(session: AsyncSession, *, unit: Unit, period: Period) -> list[Figure]:
    since, until = period_bounds(period, unit.timezone)
    scope = Scope(unit, period, since, until)
    return [f for fn in FIGURES if (f := await fn(session, scope)) is not None]


async def groups_below(session: AsyncSession, *, committee: Unit) -> list[Unit]:
    ids = await subtree_ids(session, unit_id=committee.id) - {committee.id}
    if not ids:
        return []
    return list(await session.scalars(
        select(Unit).where(Unit.id.in_(ids), Unit.kind == UnitKind.promote).order_by(Unit.name)
    ))


async def group_for_committee(session: AsyncSession, *, committee: Unit, group_id: int) -> Unit:
    """A group the committee may evaluate: a youth group below it (never one elsewhere)."""
    group = await session.get(Unit, group_id)
    if group is None or group.kind != UnitKind.promote or committee.id not in await ancestor_ids(session, unit_id=group.id):
        raise DomainError("errors.bad_callback")
    return group


async def group_period(session: AsyncSession, *, group: Unit, day: date) -> tuple[Period, int | None]:
    """The group's period containing `day`, and who led it."""
    rot = await rotation_of(session, group.id)
    period = unit_period(group, rot, day)
    leader = leader_for(rot, period, await active_ids(session, group.id)) if rot and rot.order else None
    return period, leader


async def evaluation_of(session: AsyncSession, *, group: Unit, period: Period) -> Evaluation | None:
    return await session.scalar(select(Evaluation).where(
        Evaluation.unit_id == group.id, Evaluation.period_start == period.start))


async def rate(session: AsyncSession, *, committee: Unit, group: Unit, period: Period, grade: Grade, by: Person,
               now: datetime) -> Evaluation:
    """Rate (or re-rate) a group's period; the figures seen are kept with the rating."""
    if period.start > local_today(now, group.timezone):
        raise DomainError("evaluate.future")
    figures = [{"key": f.key, "params": f.params} for f in await compute_figures(session, unit=group, period=period)]
    _, leader = await group_period(session, group=group, day=period.start)
    ev = await evaluation_of(session, group=group, period=period)
    if ev is None:
        ev = Evaluation(unit_id=group.id, period_start=period.start, period_end=period.end, committee_id=committee.id,
                        grade=grade, figures=figures, leader_id=leader, rated_by=by.id, rated_at=now, excellent=False)
        session.add(ev)
    else:
        ev.grade, ev.figures, ev.committee_id, ev.rated_by, ev.rated_at = grade, figures, committee.id, by.id, now
        ev.leader_id = leader
        ev.excellent = ev.excellent and grade == Grade.excellent  # an excellent case is rated 优秀
    await session.flush()
    return ev


async def mark_excellent(session: AsyncSession, *, committee: Unit, group: Unit, period: Period, by: Person,
                         now: datetime) -> Evaluation:
    """An excellent case: rated 优秀 and, once its leader agrees, shown in the committee's group."""
    ev = await rate(session, committee=committee, group=group, period=period, grade=Grade.excellent, by=by, now=now)
    if ev.consent == Consent.granted:
        raise DomainError("evaluate.already_shown")
    ev.excellent, ev.consent, ev.consent_at = True, Consent.asked, None
    return ev


async def consent_of(session: AsyncSession, *, unit: Unit | None, evaluation_id: int) -> Evaluation:
    """The evaluation a consent button names, which must be of the group it was pressed in."""
    ev = await session.get(Evaluation, evaluation_id)
    if ev is None or unit is None or ev.unit_id != unit.id:
        raise DomainError("errors.bad_callback")
    return ev


async def answer_consent(session: AsyncSession, *, ev: Evaluation, person: Person, admin_of_group: bool,
                         agree: bool, now: datetime) -> Evaluation:
    """The leader (or, for a group without one, its admins) agrees to show the case, or not."""
    if (ev.leader_id is not None and person.id != ev.leader_id) or (ev.leader_id is None and not admin_of_group):
        raise DomainError("evaluate.consent_not_yours")
    if ev.consent != Consent.asked:
        raise DomainError("evaluate.consent_done")
    ev.consent, ev.consent_at = (Consent.granted if agree else Consent.declined), now
    return ev
