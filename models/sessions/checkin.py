"""Checking in: the window, one member's check-in (the hot path of a busy session), and a group
commit's batch of check-ins (`quick_checkins`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions.parsing import hm
from models.sessions.scheduling import bump_roll
from models.sessions.tables import ATTENDED, Attendance, SessionState, Status, StudySession, Via, dialect_insert
from models.units import Person, Unit, join_unit

# The check-in's statements, built once (they run on every check-in; see `checkin`).
_ATT, _SES = Attendance.__table__, StudySession.__table__
_MARK = (_ATT.update().where(_ATT.c.session_id == bindparam("sid"), _ATT.c.person_id == bindparam("pid"),
                             *(_ATT.c.status != s for s in ATTENDED))  # not NOT IN: that cannot executemany
         .values(status=bindparam("new_status"), via=bindparam("new_via"), checked_in_at=bindparam("at"),
                 updated_at=bindparam("at"), expected=True))
_BUMP = _SES.update().where(_SES.c.id == bindparam("sid")).values(roll_version=_SES.c.roll_version + 1)
_MARKED = _MARK.returning(_ATT.c.session_id).cte("marked")
_MARK_AND_BUMP = (_SES.update().where(_SES.c.id.in_(select(_MARKED.c.session_id)))  # PostgreSQL: one statement
                  .values(roll_version=_SES.c.roll_version + 1).returning(_SES.c.id))


@dataclass(frozen=True, slots=True)
class CheckinResult:
    checked_in_at: datetime
    already: bool  # was already checked in: nothing changed
    late: bool


def window_check(ses: StudySession, *, unit: Unit, now: datetime) -> None:
    """Refuse a check-in outside the session's window, saying when the window is."""
    tz = unit.timezone
    if ses.state == SessionState.cancelled:
        raise DomainError("sessions.checkin_cancelled", topic=ses.topic)
    window = {"topic": ses.topic, "day": ses.starts_at.astimezone(ZoneInfo(tz)).strftime("%m-%d"),
              "opens": hm(ses.opens_at, tz), "closes": hm(ses.closes_at, tz)}
    if ses.state == SessionState.closed or now > ses.closes_at:
        raise DomainError("sessions.window_closed", **window)
    if now < ses.opens_at:
        raise DomainError("sessions.window_not_open", **window)


async def _row(session: AsyncSession, *, ses: StudySession, person_id: int) -> Attendance | None:
    return await session.scalar(
        select(Attendance).where(Attendance.session_id == ses.id, Attendance.person_id == person_id)
    )


async def _row_or_join(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person: Person, now: datetime,
) -> Attendance:
    """The person's line on the roll. Someone not on it (joined later, never joined) is added to the
    roll and to the unit: responding to a session of the group is as good as /join."""
    row = await _row(session, ses=ses, person_id=person.id)
    if row is not None:
        if not row.expected:
            row.expected = True
        return row
    await join_unit(session, unit=unit, person=person, source="session", now=now)
    await session.execute(dialect_insert(session)(Attendance).values(
        session_id=ses.id, person_id=person.id, expected=True, status=Status.pending, created_at=now, updated_at=now,
    ).on_conflict_do_nothing())
    return await _row(session, ses=ses, person_id=person.id)


async def checkin(
    session: AsyncSession, *, ses: StudySession, unit: Unit, person: Person, via: Via, now: datetime,
) -> CheckinResult:
    """Check the person in (late after start + grace). Idempotent: a second check-in changes nothing.

    The hot path of a busy session: the common case (on the roll, not yet in) is one conditional
    UPDATE and the roll's counter, in Core; the condition also makes two racing check-ins of one
    person (two instances) count once."""
    window_check(ses, unit=unit, now=now)
    late = now > ses.late_after
    status = Status.late if late else Status.present
    params = {"sid": ses.id, "pid": person.id, "new_status": status, "new_via": via, "at": now}
    if session.bind.dialect.name == "postgresql":  # both in one round trip
        if await session.scalar(_MARK_AND_BUMP, params) is not None:
            return CheckinResult(now, already=False, late=late)
    elif (await session.execute(_MARK, params)).rowcount:
        await session.execute(_BUMP, {"sid": ses.id})
        return CheckinResult(now, already=False, late=late)
    row = await _row_or_join(session, ses=ses, unit=unit, person=person, now=now)  # already in, or not on the roll
    if row.status in ATTENDED:
        return CheckinResult(row.checked_in_at, already=True, late=row.status == Status.late)
    row.status, row.via, row.checked_in_at, row.updated_at = status, via, now, now
    bump_roll(ses)
    return CheckinResult(now, already=False, late=late)


@dataclass(frozen=True, slots=True)
class QuickCheckin:
    """One check-in of a group commit (see `quick_checkins`): who, in which session, how, when, and
    the names Telegram showed, so a renamed person goes the slow way and is freshened there."""
    session_id: int
    tg_user_id: int
    names: tuple[str, str | None, str | None, str | None]  # first, last, username, language code
    via: Via
    at: datetime


_QUICK_ROWS = (
    select(_ATT.c.session_id, _ATT.c.person_id, _ATT.c.status, Person.tg_user_id, Person.first_name,
           Person.last_name, Person.username, Person.language_code, _SES.c.state, _SES.c.opens_at,
           _SES.c.closes_at, _SES.c.late_after)
    .join(Person, Person.id == _ATT.c.person_id).join(_SES, _SES.c.id == _ATT.c.session_id)
    .where(Person.tg_user_id.in_(bindparam("uids", expanding=True)),
           _ATT.c.session_id.in_(bindparam("sids", expanding=True)))
)
_PG_QUICK_MARK = (
    "UPDATE attendances AS a SET status = b.status, via = b.via, checked_in_at = b.at, updated_at = b.at, "
    "expected = true FROM unnest($1::bigint[], $2::bigint[], $3::varchar[], $4::varchar[], $5::timestamptz[]) "
    "AS b(sid, pid, status, via, at) WHERE a.session_id = b.sid AND a.person_id = b.pid "
    f"AND a.status NOT IN ({', '.join(repr(s.value) for s in ATTENDED)}) RETURNING a.id"
)


class QuickCheckinRace(Exception):
    """Another transaction marked one of the batch first: roll the batch back, take each the slow way."""


async def quick_checkins(session: AsyncSession, *, items: list[QuickCheckin]) -> list[CheckinResult | None]:
    """Check in many members at once (a group commit of the busy minutes of a session): for each
    item, its result, or None when it needs the careful path of `checkin` (not on the roll, already
    in, the window shut or the session cancelled since the caller looked, a changed name, or a second
    tap in the same batch). Reads every row in one query, marks in one statement, bumps each roll once."""
    found = await session.execute(_QUICK_ROWS, {"uids": list({i.tg_user_id for i in items}),
                                                "sids": list({i.session_id for i in items})})
    rows = {(r.session_id, r.tg_user_id): r for r in found}
    results: list[CheckinResult | None] = []
    marks: list[dict] = []
    taken: set[tuple[int, int]] = set()
    for item in items:
        key = (item.session_id, item.tg_user_id)
        r = rows.get(key)
        if (r is None or key in taken or r.status in ATTENDED or r.state != SessionState.scheduled
                or not r.opens_at <= item.at <= r.closes_at
                or item.names != (r.first_name, r.last_name, r.username, r.language_code)):
            results.append(None)
            continue
        taken.add(key)
        late = item.at > r.late_after
        marks.append({"sid": item.session_id, "pid": r.person_id, "new_status": Status.late if late else Status.present,
                      "new_via": item.via, "at": item.at})
        results.append(CheckinResult(item.at, already=False, late=late))
    if not marks:
        return results
    if session.bind.dialect.name == "postgresql":
        conn = await session.connection()
        done = len((await conn.exec_driver_sql(_PG_QUICK_MARK, (
            [m["sid"] for m in marks], [m["pid"] for m in marks], [m["new_status"].value for m in marks],
            [m["new_via"].value for m in marks], [m["at"].astimezone(UTC) for m in marks]))).all())
    else:  # SQLite: one executemany; its rowcount is the total, and SQLite writes one at a time
        done = (await session.execute(_MARK, marks)).rowcount
    if done != len(marks):
        raise QuickCheckinRace(f"{done} of {len(marks)} marked")
    await session.execute(_SES.update().where(_SES.c.id.in_({m["sid"] for m in marks}))
                          .values(roll_version=_SES.c.roll_version + 1))
    return results
