"""Closing a session: who is absent, and the 补学 (make-up) items the close orders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models.errors import DomainError
from models.sessions import (
    Attendance, Makeup, MakeupState, SessionState, Status, Via, ask_leave, cancel_session, checkin, close_session,
    count, decide_leave, due_to_close, proxy_checkin, roll, session_makeups, set_expected,
)
from tests.domain import factories as f

START = f.MONDAY + timedelta(hours=1)  # 10:00 local: the window is 09:30-10:30, late after 10:05


async def _statuses(s, ses) -> dict[int, Status]:
    return {a.person_id: a.status for a, _ in await roll(s, session_id=ses.id)}


async def _makeups(s, ses) -> dict[int, Makeup]:
    return {m.person_id: m for m, _ in await session_makeups(s, session_id=ses.id)}


async def test_close_marks_the_silent_absent_and_orders_makeups(s, now):
    u = await f.unit(s, "支部")
    admin = await f.admin_of(s, u)
    on_time, late, silent, approved, refused, undecided, off_roll = await f.members(s, u, 7)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    during = START - timedelta(minutes=10)
    for p in (approved, refused, undecided):
        await ask_leave(s, ses=ses, unit=u, person=p, reason="出差", now=during)
    await decide_leave(s, ses=ses, person_id=approved.id, approve=True, by=admin, now=during)
    await decide_leave(s, ses=ses, person_id=refused.id, approve=False, by=admin, now=during)
    await set_expected(s, ses=ses, unit=u, person_id=off_roll.id, expected=False, now=during)
    await checkin(s, ses=ses, unit=u, person=admin, via=Via.button, now=during)
    await checkin(s, ses=ses, unit=u, person=on_time, via=Via.button, now=START + timedelta(minutes=5))
    await checkin(s, ses=ses, unit=u, person=late, via=Via.word, now=START + timedelta(minutes=6))

    close_at = ses.closes_at
    assert [x.id for x in await due_to_close(s, now=close_at - timedelta(seconds=1))] == []
    assert [x.id for x in await due_to_close(s, now=close_at)] == [ses.id]
    closed = await close_session(s, ses=ses, now=close_at)
    await s.commit()

    assert ses.state == SessionState.closed and ses.closed_at == close_at
    assert await _statuses(s, ses) == {
        admin.id: Status.present, on_time.id: Status.present, late.id: Status.late, silent.id: Status.absent,
        approved.id: Status.leave_approved, refused.id: Status.leave_rejected,
        # Today's behaviour: a request nobody decided stays a request; it is neither absent nor 补学.
        undecided.id: Status.leave_asked,
        off_roll.id: Status.pending,  # not expected: the close leaves the line alone
    }
    made = {p.id: m for m, p in closed.makeups}
    assert set(made) == {silent.id, refused.id}
    assert made[silent.id].reason == Status.absent and made[refused.id].reason == Status.leave_rejected
    due = close_at + timedelta(days=7)  # the unit's default makeup_days
    assert all(m.state == MakeupState.open and m.due_at == due and m.unit_id == u.id for m in made.values())
    assert set(await _makeups(s, ses)) == set(made)

    counts = count(await roll(s, session_id=ses.id), closed=True)
    assert (counts.expected, counts.present, counts.late, counts.leave, counts.absent, counts.pending) == (7, 2, 1, 2, 2, 0)
    assert counts.rate == round(100 * 3 / 7)
    # Before the close the same roll counts the refused leave as leave, not absence.
    assert count(await roll(s, session_id=ses.id), closed=False).leave == 3


async def test_closing_twice_or_after_a_cancel_does_nothing(s, now):
    u = await f.unit(s)
    await f.members(s, u, 2)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    first = await close_session(s, ses=ses, now=ses.closes_at)
    assert first is not None and len(first.makeups) == 3  # two members and the admin, all silent
    assert await close_session(s, ses=ses, now=ses.closes_at + timedelta(minutes=1)) is None
    assert len(await session_makeups(s, session_id=ses.id)) == 3

    other = await f.study_session(s, u, starts_at=START + timedelta(days=1), now=now)
    await cancel_session(s, ses=other, unit=u, reason=None, now=now)
    assert await close_session(s, ses=other, now=other.closes_at) is None
    assert other.state == SessionState.cancelled
    assert await session_makeups(s, session_id=other.id) == []
    assert await due_to_close(s, now=other.closes_at) == []


async def test_a_late_close_still_leaves_a_day_for_the_makeup(s, now):
    u = await f.unit(s)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    late_close = ses.closes_at + timedelta(days=30)  # e.g. the bot was down for a month
    closed = await close_session(s, ses=ses, now=late_close)
    (m, _), = closed.makeups
    assert m.due_at == late_close + timedelta(days=1)


async def test_makeup_days_come_from_the_unit(s, now):
    u = await f.unit(s)
    u.options = {"sessions": {"before": 30, "after": 30, "grace": 5, "makeup_days": 3}}
    ses = await f.study_session(s, u, starts_at=START, now=now)
    (m, _), = (await close_session(s, ses=ses, now=ses.closes_at)).makeups
    assert m.due_at == ses.closes_at + timedelta(days=3)


async def test_decisions_after_the_close_order_or_waive_the_makeup(s, now):
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    asker, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await checkin(s, ses=ses, unit=u, person=admin, via=Via.button, now=START)
    await ask_leave(s, ses=ses, unit=u, person=asker, reason="病假", now=START)
    assert (await close_session(s, ses=ses, now=ses.closes_at)).makeups == []

    later = ses.closes_at + timedelta(hours=2)
    await decide_leave(s, ses=ses, person_id=asker.id, approve=False, by=admin, now=later)
    item = (await _makeups(s, ses))[asker.id]
    assert (item.state, item.reason, item.due_at) == (MakeupState.open, Status.leave_rejected,
                                                     ses.closes_at + timedelta(days=7))

    await decide_leave(s, ses=ses, person_id=asker.id, approve=True, by=admin, now=later + timedelta(hours=1))
    await s.refresh(item)
    assert (item.state, item.done_by_id) == (MakeupState.waived, admin.id)

    # Refused after all: the waived item opens again (one item per session and person, never two).
    again = ses.closes_at + timedelta(days=10)
    await decide_leave(s, ses=ses, person_id=asker.id, approve=False, by=admin, now=again)
    await s.refresh(item)
    assert (item.state, item.done_at, item.due_at) == (MakeupState.open, None, again + timedelta(days=1))
    assert len(await session_makeups(s, session_id=ses.id)) == 1


async def test_makeup_checkin_after_the_close_waives_the_makeup(s, now):
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    gone, = await f.members(s, u, 1)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await checkin(s, ses=ses, unit=u, person=admin, via=Via.button, now=START)
    await close_session(s, ses=ses, now=ses.closes_at)
    with pytest.raises(DomainError) as err:
        await proxy_checkin(s, ses=ses, unit=u, person_id=gone.id, reason=" ", by=admin, now=ses.closes_at)
    assert err.value.key == "sessions.proxy_reason_missing"
    row = await proxy_checkin(s, ses=ses, unit=u, person_id=gone.id, reason="补签：会议纪要已核", by=admin,
                              now=ses.closes_at + timedelta(hours=1))
    assert (row.status, row.via, row.proxy_by_id) == (Status.present, Via.makeup, admin.id)
    assert (await _makeups(s, ses))[gone.id].state == MakeupState.waived
    with pytest.raises(DomainError) as err:
        await proxy_checkin(s, ses=ses, unit=u, person_id=gone.id, reason="again", by=admin, now=ses.closes_at)
    assert err.value.key == "sessions.already_in_other"


# What each member does before the close, and what the close must make of it.
ACTIONS = {
    "silent": (Status.absent, True),
    "on_time": (Status.present, False),
    "late": (Status.late, False),
    "leave_approved": (Status.leave_approved, False),
    "leave_rejected": (Status.leave_rejected, True),
    "leave_undecided": (Status.leave_asked, False),
    "proxy": (Status.present, False),
}


@f.DOMAIN
@given(st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=8))
async def test_close_orders_makeups_exactly_for_the_absent_and_the_refused(s, now, actions):
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    people = await f.members(s, u, len(actions))
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await set_expected(s, ses=ses, unit=u, person_id=admin.id, expected=False, now=now)
    for p, action in zip(people, actions, strict=True):
        if action == "on_time":
            await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=START)
        elif action == "late":
            await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=ses.late_after + timedelta(seconds=1))
        elif action == "proxy":
            await proxy_checkin(s, ses=ses, unit=u, person_id=p.id, reason="代签", by=admin, now=START)
        elif action.startswith("leave"):
            await ask_leave(s, ses=ses, unit=u, person=p, reason="事假", now=now)
            if action != "leave_undecided":
                await decide_leave(s, ses=ses, person_id=p.id, approve=action == "leave_approved", by=admin, now=now)
    closed = await close_session(s, ses=ses, now=ses.closes_at)
    statuses = await _statuses(s, ses)
    for p, action in zip(people, actions, strict=True):
        assert statuses[p.id] == ACTIONS[action][0], action
    assert {p.id for _, p in closed.makeups} == {p.id for p, a in zip(people, actions) if ACTIONS[a][1]}
    counts = count(await roll(s, session_id=ses.id), closed=True)
    assert counts.expected == len(actions) and counts.pending == 0
    assert counts.attended + counts.leave + counts.absent == counts.expected
    rows = (await s.scalars(select(Attendance).where(Attendance.session_id == ses.id))).all()
    assert len(rows) == len(actions) + 1  # the admin's line stays, not expected


async def test_a_cancel_racing_the_close_loses_on_postgresql(pg_sessions, now):
    """The close and a cancel both move the session out of `scheduled` with a conditional UPDATE: the
    second waits for the first's row lock, then finds nothing to change."""
    from models.sessions import StudySession
    from models.units import Unit

    async with pg_sessions() as setup:
        u = await f.unit(setup)
        await f.members(setup, u, 2)
        ses = await f.study_session(setup, u, starts_at=START, now=now)
        await setup.commit()
        unit_id, ses_id = u.id, ses.id
    async with pg_sessions() as a, pg_sessions() as b:
        closing = await a.get(StudySession, ses_id)
        cancelling, unit_b = await b.get(StudySession, ses_id), await b.get(Unit, unit_id)
        closed = await close_session(a, ses=closing, now=closing.closes_at)
        assert closed is not None and len(closed.makeups) == 3
        cancel = asyncio.create_task(
            cancel_session(b, ses=cancelling, unit=unit_b, reason="撤销", now=cancelling.closes_at))
        await a.commit()
        with pytest.raises(DomainError) as err:
            await asyncio.wait_for(cancel, 10)
        assert err.value.key == "sessions.is_closed"
        await b.rollback()
    async with pg_sessions() as s:
        assert (await s.get(StudySession, ses_id)).state == SessionState.closed
        assert len(await session_makeups(s, session_id=ses_id)) == 3


async def test_makeups_are_handed_in_or_confirmed_once(s, now):
    from models.sessions import confirm_makeup, open_makeups, submit_makeup
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    p, q = await f.members(s, u, 2)
    ses = await f.study_session(s, u, starts_at=START, now=now)
    await checkin(s, ses=ses, unit=u, person=admin, via=Via.button, now=START)
    made = {x.id: m for m, x in (await close_session(s, ses=ses, now=ses.closes_at)).makeups}
    later = ses.closes_at + timedelta(days=1)
    for note, key in (("太短", "makeup.too_short"), ("长" * 2001, "makeup.too_long")):
        with pytest.raises(DomainError) as err:
            await submit_makeup(s, makeup_id=made[p.id].id, person=p, note=note, now=later)
        assert err.value.key == key
    with pytest.raises(DomainError) as err:
        await submit_makeup(s, makeup_id=made[p.id].id, person=q, note="x" * 20, now=later)
    assert err.value.key == "makeup.not_found"  # someone else's item is as good as none
    item, of = await submit_makeup(s, makeup_id=made[p.id].id, person=p, note="  学习了会议精神并做了笔记  ", now=later)
    assert (item.state, item.note, item.done_at, of.id) == (MakeupState.done, "学习了会议精神并做了笔记", later, ses.id)
    done = await confirm_makeup(s, makeup_id=made[q.id].id, unit=u, by=admin, now=later)
    assert (done.state, done.done_by_id) == (MakeupState.done, admin.id)
    for mid in (made[p.id].id, made[q.id].id):
        with pytest.raises(DomainError) as err:
            await confirm_makeup(s, makeup_id=mid, unit=u, by=admin, now=later)
        assert err.value.key == "makeup.not_open"
    assert await open_makeups(s, person_id=p.id) == []


async def test_a_bulletin_orders_sessionless_makeups_once_per_origin(s, now):
    from models.sessions import confirm_makeup, open_makeups, order_makeups
    u = await f.unit(s)
    admin = await f.admin_of(s, u)
    p, q = await f.members(s, u, 2)
    due = now + timedelta(days=30)
    origin = "bulletin:1:quarter:2026-07-01"
    await order_makeups(s, origin=origin, wanted=[(u.id, p.id, "学时不足"), (u.id, q.id, "学时不足")], due_at=due, now=now)
    (item, none, unit), = await open_makeups(s, person_id=p.id)
    assert (item.title, item.origin, item.session_id, item.reason, item.due_at, none, unit.id) == (
        "学时不足", origin, None, None, due, None, u.id)
    await confirm_makeup(s, makeup_id=item.id, unit=u, by=admin, now=now)
    # Ordering again (the bulletin made twice) changes nothing, whatever became of the first item.
    await order_makeups(s, origin=origin, wanted=[(u.id, p.id, "学时不足"), (u.id, q.id, "学时不足")],
                        due_at=due + timedelta(days=1), now=now)
    assert await open_makeups(s, person_id=p.id) == []
    assert [m.due_at for m, _, _ in await open_makeups(s, person_id=q.id)] == [due]
    # Another quarter's bulletin is another origin.
    await order_makeups(s, origin="bulletin:1:quarter:2026-10-01", wanted=[(u.id, p.id, "学时不足")], due_at=due, now=now)
    assert len(await open_makeups(s, person_id=p.id)) == 1
