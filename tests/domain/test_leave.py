"""Leave: asking (with a reason, before the close) and an admin's decision, which may change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.errors import DomainError
from models.sessions import Status, Via, ask_leave, cancel_session, checkin, close_session, decide_leave, roll
from models.units import membership
from tests.domain import factories as f

START = f.MONDAY + timedelta(hours=1)


async def _key(coro) -> str:
    with pytest.raises(DomainError) as err:
        await coro
    return err.value.key


async def test_asking_needs_a_reason_and_an_open_session(s, now):
    u = await f.unit(s)
    p, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    assert await _key(ask_leave(s, ses=ses, unit=u, person=p, reason="  \n", now=now)) == "sessions.leave_reason_missing"
    assert await _key(ask_leave(s, ses=ses, unit=u, person=p, reason="x" * 201, now=now)) == "sessions.reason_too_long"
    row = await ask_leave(s, ses=ses, unit=u, person=p, reason=" 出差\t北京 ", now=now)
    assert (row.status, row.leave_reason) == (Status.leave_asked, "出差 北京")
    # Up to the end of the window, and not after it.
    await ask_leave(s, ses=ses, unit=u, person=p, reason="改：病假", now=ses.closes_at)
    assert row.leave_reason == "改：病假"
    key = await _key(ask_leave(s, ses=ses, unit=u, person=p, reason="late", now=ses.closes_at + timedelta(seconds=1)))
    assert key == "sessions.leave_too_late"


async def test_no_leave_after_checking_in_nor_for_a_cancelled_session(s, now):
    u = await f.unit(s)
    p, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=START)
    assert await _key(ask_leave(s, ses=ses, unit=u, person=p, reason="x", now=START)) == "sessions.leave_after_checkin"
    other = await f.study_session(s, u, starts_at=START + timedelta(days=1), now=now)
    await cancel_session(s, ses=other, unit=u, reason="改期", now=now)
    assert await _key(ask_leave(s, ses=other, unit=u, person=p, reason="x", now=now)) == "sessions.checkin_cancelled"


async def test_a_stranger_asking_leave_joins_the_unit_and_the_roll(s, now):
    u = await f.unit(s)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    stranger = await f.person(s, "new")
    await ask_leave(s, ses=ses, unit=u, person=stranger, reason="刚入职", now=now)
    m = await membership(s, unit=u, person=stranger)
    assert m is not None and m.active and m.source == "session"
    assert {a.person_id: a.status for a, _ in await roll(s, session_id=ses.id)}[stranger.id] == Status.leave_asked


async def test_decisions_can_change_and_asking_again_clears_them(s, now):
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    p, q = await f.members(s, u, 2)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    key = await _key(decide_leave(s, ses=ses, person_id=q.id, approve=True, by=admin, now=now))
    assert key == "sessions.no_leave_request"

    await ask_leave(s, ses=ses, unit=u, person=p, reason="出差", now=now)
    await s.flush()
    await s.refresh(ses)
    version = ses.roll_version
    row = await decide_leave(s, ses=ses, person_id=p.id, approve=True, by=admin, now=now + timedelta(minutes=1))
    assert (row.status, row.leave_decided_by_id, row.leave_decided_at) == (
        Status.leave_approved, admin.id, now + timedelta(minutes=1))
    await s.flush()
    await s.refresh(ses)
    assert ses.roll_version > version  # the live roll shows the decision

    row = await decide_leave(s, ses=ses, person_id=p.id, approve=False, by=admin, now=now + timedelta(minutes=2))
    assert row.status == Status.leave_rejected

    await ask_leave(s, ses=ses, unit=u, person=p, reason="再请", now=now + timedelta(minutes=3))
    assert (row.status, row.leave_decided_by_id, row.leave_decided_at) == (Status.leave_asked, None, None)


async def test_no_decision_on_a_cancelled_session_but_one_after_the_close(s, now):
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    p, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await ask_leave(s, ses=ses, unit=u, person=p, reason="出差", now=now)
    await close_session(s, ses=ses, now=ses.closes_at)
    row = await decide_leave(s, ses=ses, person_id=p.id, approve=True, by=admin, now=ses.closes_at + timedelta(days=1))
    assert row.status == Status.leave_approved

    other = await f.study_session(s, u, starts_at=START + timedelta(days=1), now=now)
    await ask_leave(s, ses=other, unit=u, person=p, reason="出差", now=now)
    await cancel_session(s, ses=other, unit=u, reason=None, now=now)
    key = await _key(decide_leave(s, ses=other, person_id=p.id, approve=True, by=admin, now=now))
    assert key == "sessions.checkin_cancelled"
