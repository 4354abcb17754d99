"""Check-in: the window, lateness, and the conditional UPDATE that counts a person once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import DomainError
from models.sessions import (
    QuickCheckin, Status, StudySession, Via, ask_leave, cancel_session, checkin, quick_checkins, roll,
)
from models.units import Unit, membership
from tests.domain import factories as f

START = f.MONDAY + timedelta(hours=1)  # window 09:30-10:30 local, late after 10:05


async def test_the_window_lateness_and_a_second_checkin(s, now):
    u = await f.unit(s)
    p, q = await f.members(s, u, 2)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    for at, key in ((ses.opens_at - timedelta(seconds=1), "sessions.window_not_open"),
                    (ses.closes_at + timedelta(seconds=1), "sessions.window_closed")):
        with pytest.raises(DomainError) as err:
            await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=at)
        assert err.value.key == key
    first = await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=ses.late_after)
    assert (first.already, first.late) == (False, False)
    again = await checkin(s, ses=ses, unit=u, person=p, via=Via.word, now=ses.closes_at)
    assert (again.already, again.checked_in_at) == (True, ses.late_after)
    late = await checkin(s, ses=ses, unit=u, person=q, via=Via.button, now=ses.late_after + timedelta(microseconds=1))
    assert late.late
    stranger = await f.person(s, "路过")
    assert not (await checkin(s, ses=ses, unit=u, person=stranger, via=Via.button, now=START)).already
    assert (await membership(s, unit=u, person=stranger)).source == "session"  # checking in is as good as /join
    statuses = {a.person_id: (a.status, a.via) for a, _ in await roll(s, session_id=ses.id)}
    assert statuses[p.id] == (Status.present, Via.button) and statuses[q.id][0] == Status.late
    other = await f.study_session(s, u, starts_at=START + timedelta(days=2), now=now)
    await cancel_session(s, ses=other, unit=u, reason=None, now=now)
    with pytest.raises(DomainError) as err:
        await checkin(s, ses=other, unit=u, person=p, via=Via.button, now=other.starts_at)
    assert err.value.key == "sessions.checkin_cancelled"


async def test_a_leave_request_turns_into_presence_on_checkin(s, now):
    u = await f.unit(s)
    p, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await ask_leave(s, ses=ses, unit=u, person=p, reason="可能出差", now=now)
    assert not (await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=START)).already
    assert [a.status for a, _ in await roll(s, session_id=ses.id) if a.person_id == p.id] == [Status.present]


# Per member: when they tap, in minutes after the window opens (some outside it), and how many times.
TAPS = st.lists(st.tuples(st.integers(-5, 65), st.integers(1, 2)), min_size=1, max_size=6)


@f.DOMAIN
@given(TAPS)
async def test_a_group_commit_checks_in_as_one_by_one_would(s, now, taps):
    """`quick_checkins` (the busy minutes' batch) decides as `checkin` would, and leaves the rest (None)."""
    u = await f.unit(s)
    people = await f.members(s, u, len(taps))
    ses = await f.study_session(s, u, starts_at=START, now=now)
    items = [QuickCheckin(ses.id, p.tg_user_id, (p.first_name, p.last_name, p.username, p.language_code), Via.button,
                          ses.opens_at + timedelta(minutes=minute))
             for p, (minute, times) in zip(people, taps, strict=True) for _ in range(times)]
    results = await quick_checkins(s, items=items)
    seen = set()
    for item, result in zip(items, results, strict=True):
        in_window = ses.opens_at <= item.at <= ses.closes_at
        if not in_window or item.tg_user_id in seen:
            assert result is None  # the careful path decides (and refuses, or says "already")
        else:
            assert (result.checked_in_at, result.late, result.already) == (item.at, item.at > ses.late_after, False)
        seen.add(item.tg_user_id)
    rows = {a.person_id: a for a, _ in await roll(s, session_id=ses.id)}
    for p, (minute, _) in zip(people, taps, strict=True):
        at = ses.opens_at + timedelta(minutes=minute)
        want = (Status.pending if not ses.opens_at <= at <= ses.closes_at
                else Status.late if at > ses.late_after else Status.present)
        assert rows[p.id].status == want


async def test_two_instances_checking_in_one_person_count_once_on_postgresql(pg_sessions, now):
    async with pg_sessions() as setup:
        u = await f.unit(setup)
        p, = await f.members(setup, u, 1)
        ses = await f.study_session(setup, u, starts_at=START, now=now)
        await setup.commit()
        ids = (u.id, p.id, ses.id)
    from models.units import Person
    async with pg_sessions() as a, pg_sessions() as b:
        sides = []
        for side in (a, b):
            sides.append((await side.get(Unit, ids[0]), await side.get(Person, ids[1]),
                          await side.get(StudySession, ids[2])))
        (ua, pa, sa), (ub, pb, sb) = sides
        first = await checkin(a, ses=sa, unit=ua, person=pa, via=Via.button, now=START)
        second = asyncio.create_task(checkin(b, ses=sb, unit=ub, person=pb, via=Via.word,
                                             now=START + timedelta(minutes=1)))  # waits for a's row lock
        await a.commit()
        second = await asyncio.wait_for(second, 10)
        await b.commit()
    assert (first.already, second.already, second.checked_in_at) == (False, True, START)
    async with pg_sessions() as s:
        (row, _), = [(x, y) for x, y in await roll(s, session_id=ids[2]) if x.person_id == ids[1]]
        assert (row.status, row.via, row.checked_in_at) == (Status.present, Via.button, START)
        assert (await s.get(StudySession, ids[2])).roll_version == 1
