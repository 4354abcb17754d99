"""The first agenda item (第一议题): draft, publish, studied, carried by a session, follow-ups, measures, close."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models.agenda import (
    AgendaItem, Category, ItemState, MeasureState, assign_followups, attach, bare_leadership_sessions, complete_followup,
    create_item, draft_measure, draft_missing, end_of_day, finish_measure, has_studied, mark_studied, new_item,
    not_studied, open_followups, overdue_measures, parse_item_line, publish, record_progress, rollup, set_owner,
    studied_ids, target_units, visible_item,
)
from models.errors import DomainError
from models.sessions import SessionKind, Via, checkin, close_session
from models.units import UnitKind, membership
from tests.domain import factories as f

START = f.MONDAY + timedelta(hours=1)
LINE = "学习贯彻全会精神 | https://example.org/a | 全国 | 2026-11-30"


async def _key(coro) -> str:
    with pytest.raises(DomainError) as err:
        await coro
    return err.value.key


async def tree(s):
    """A leading group with two units below it, and one more below the first."""
    root = await f.unit(s, "党组", kind=UnitKind.lead)
    a = await f.unit(s, "一支部", parent=root)
    b = await f.unit(s, "二支部", parent=root)
    a1 = await f.unit(s, "一支部青年小组", kind=UnitKind.promote, parent=a)
    return root, a, b, a1


async def published(s, now, unit, *, cascade: bool):
    admin = await f.admin_of(s, unit)
    item = await create_item(s, unit=unit, by=admin, spec=parse_item_line(LINE, now=now, tz=f.TZ), now=now)
    await publish(s, item=item, unit=unit, cascade=cascade, now=now)
    return item, admin


async def test_a_draft_is_published_once_it_is_complete(s, now):
    root, a, b, a1 = await tree(s)
    admin = await f.admin_of(s, root)
    item = await new_item(s, unit=root, by=admin, now=now)
    assert (item.state, draft_missing(item)) == (ItemState.draft, "title")
    assert await _key(publish(s, item=item, unit=root, cascade=False, now=now)) == "agenda.draft_incomplete"
    assert await _key(visible_item(s, item_id=item.id, unit=root)) == "agenda.not_found"
    item.title = "标题"
    assert draft_missing(item) == "source"
    item.source_text = "文件原文"
    assert draft_missing(item) == "category"
    item.category = Category.sector
    assert draft_missing(item) == "study_by"
    item.study_by = end_of_day(date(2026, 11, 22), f.TZ)  # yesterday
    assert draft_missing(item) is None
    assert await _key(publish(s, item=item, unit=root, cascade=False, now=now)) == "agenda.study_by_past"
    item.study_by = end_of_day(date(2026, 11, 23), f.TZ)  # today still counts
    assert [u.id for u in await publish(s, item=item, unit=root, cascade=True, now=now)] == sorted(
        u.id for u in (root, a, b, a1))
    assert (item.state, item.published_at, item.to_below) == (ItemState.open, now, True)
    assert await _key(publish(s, item=item, unit=root, cascade=True, now=now)) == "agenda.draft_gone"
    assert await visible_item(s, item_id=item.id, unit=a1) is item
    # A new draft drops the admin's unfinished one in the same unit.
    await new_item(s, unit=root, by=admin, now=now)
    latest = await new_item(s, unit=root, by=admin, now=now)
    drafts = (await s.scalars(select(AgendaItem.id).where(AgendaItem.state == ItemState.draft))).all()
    assert drafts == [latest.id]  # (SQLite may hand the dropped draft's id to the new one)


async def test_published_without_cascade_only_the_unit_sees_it(s, now):
    root, a, b, a1 = await tree(s)
    item, _ = await published(s, now, a, cascade=False)
    assert [u.id for u in await target_units(s, item_id=item.id)] == [a.id]
    assert await _key(visible_item(s, item_id=item.id, unit=a1)) == "agenda.not_found"
    assert await _key(visible_item(s, item_id=item.id, unit=root)) == "agenda.not_found"


async def test_studied_by_pressing_or_by_attending_a_session_that_carries_it(s, now):
    root, a, b, a1 = await tree(s)
    item, admin = await published(s, now, root, cascade=True)
    presser, attendee, idle = await f.members(s, root, 3)
    assert await mark_studied(s, item=item, unit=root, person=presser, now=now) is True
    assert await mark_studied(s, item=item, unit=root, person=presser, now=now) is False
    stranger = await f.person(s, "新人")
    assert await mark_studied(s, item=item, unit=a, person=stranger, now=now) is True
    assert (await membership(s, unit=a, person=stranger)).source == "agenda"  # pressing joins the unit

    ses = await f.study_session(s, root, starts_at=START, kind=SessionKind.lead_study, now=now)
    assert ses.id in {x.id for x in await bare_leadership_sessions(s, now=now)}
    assert await attach(s, item=item, ses=ses, unit=root, now=now) is True
    assert await attach(s, item=item, ses=ses, unit=root, now=now) is False
    assert ses.id not in {x.id for x in await bare_leadership_sessions(s, now=now)}
    await checkin(s, ses=ses, unit=root, person=attendee, via=Via.button, now=START)
    assert await studied_ids(s, item_id=item.id) == {presser.id, stranger.id, attendee.id}
    assert await has_studied(s, item_id=item.id, person_id=attendee.id)
    assert {p.id for p in await not_studied(s, item_id=item.id, unit_id=root.id)} == {admin.id, idle.id}

    other = await f.unit(s, "外单位")
    assert await _key(mark_studied(s, item=item, unit=other, person=idle, now=now)) == "agenda.not_found"
    await close_session(s, ses=ses, now=ses.closes_at)
    later = await f.study_session(s, b, starts_at=START + timedelta(days=1), kind=SessionKind.committee, now=now)
    assert await _key(attach(s, item=item, ses=ses, unit=root, now=now)) == "agenda.session_not_open"
    assert await _key(attach(s, item=item, ses=later, unit=root, now=now)) == "agenda.session_not_found"


async def test_follow_ups_after_the_close_once_per_member_and_item(s, now):
    root, *_ = await tree(s)
    item, admin = await published(s, now, root, cascade=False)
    p, q = await f.members(s, root, 2)
    ses = await f.study_session(s, root, starts_at=START, kind=SessionKind.lead_study, now=now)
    await attach(s, item=item, ses=ses, unit=root, now=now)
    assert await assign_followups(s, now=now) == []  # not closed yet
    await checkin(s, ses=ses, unit=root, person=p, via=Via.button, now=START)
    await close_session(s, ses=ses, now=ses.closes_at)
    at = ses.closes_at + timedelta(minutes=1)
    (made,) = await assign_followups(s, now=at)
    # Every expected member, attended or not, is asked; due at the end of the third local day after.
    assert {x.id for _, x in made.people} == {admin.id, p.id, q.id}
    assert {fu.due_at for fu, _ in made.people} == {end_of_day(date(2026, 11, 26), f.TZ)}
    assert await assign_followups(s, now=at) == []

    # A second session carrying the item asks nobody again.
    second = await f.study_session(s, root, starts_at=START + timedelta(days=1), kind=SessionKind.lead_seminar, now=now)
    await attach(s, item=item, ses=second, unit=root, now=now)
    await close_session(s, ses=second, now=second.closes_at)
    (again,) = await assign_followups(s, now=second.closes_at)
    assert again.people == []

    await complete_followup(s, item_id=item.id, person_id=p.id, reflection_id=7, now=at + timedelta(days=1))
    assert [fu.item_id for fu, _ in await open_followups(s, person_id=p.id)] == []
    assert [fu.item_id for fu, _ in await open_followups(s, person_id=q.id)] == [item.id]


async def test_the_item_closes_when_its_last_owned_measure_is_done(s, now):
    root, a, b, a1 = await tree(s)
    item, admin = await published(s, now, root, cascade=True)
    owner_a, = await f.members(s, a, 1)
    owner_b, = await f.members(s, b, 1)
    deadline = end_of_day(date(2026, 11, 27), f.TZ)
    ma = await draft_measure(s, item=item, unit=a, text="制定学习计划", deadline=deadline, by=admin, now=now)
    mb = await draft_measure(s, item=item, unit=b, text="开展专题研讨", deadline=deadline, by=admin, now=now)
    unowned = await draft_measure(s, item=item, unit=b, text="未指定负责人", deadline=deadline, by=admin, now=now)
    assert ma.state == MeasureState.draft
    assert await _key(set_owner(s, measure=ma, unit=a, owner_id=owner_b.id, now=now)) == "agenda.owner_not_member"
    assert (await set_owner(s, measure=ma, unit=a, owner_id=owner_a.id, now=now)).id == owner_a.id
    assert ma.state == MeasureState.open
    assert await _key(set_owner(s, measure=ma, unit=a, owner_id=owner_a.id, now=now)) == "agenda.measure_has_owner"
    await set_owner(s, measure=mb, unit=b, owner_id=owner_b.id, now=now)

    assert await _key(record_progress(s, measure_id=ma.id, person=owner_b, text="x", now=now)) == "agenda.measure_not_yours"
    assert await _key(record_progress(s, measure_id=ma.id, person=owner_a, text=" \n", now=now)) == "agenda.progress_missing"
    assert (await record_progress(s, measure_id=ma.id, person=owner_a, text="已完成一半", now=now)).progress == "已完成一半"
    assert await _key(finish_measure(s, measure_id=unowned.id, person=admin, now=now)) == "agenda.measure_not_found"
    assert [m.id for m, _, _ in await overdue_measures(s, now=deadline)] == [ma.id, mb.id]

    done, closed = await finish_measure(s, measure_id=ma.id, person=owner_a, now=now)
    assert (done.state, closed, item.state) == (MeasureState.done, None, ItemState.open)
    assert await _key(finish_measure(s, measure_id=ma.id, person=owner_a, now=now)) == "agenda.measure_done_already"
    # Today's rule: a measure still without an owner does not hold the item open.
    _, closed = await finish_measure(s, measure_id=mb.id, person=owner_b, now=now + timedelta(hours=1))
    assert closed is item and (item.state, item.closed_at) == (ItemState.closed, now + timedelta(hours=1))
    assert unowned.state == MeasureState.draft
    assert await _key(draft_measure(s, item=item, unit=a, text="再加一条", deadline=deadline, by=admin, now=now)) \
        == "agenda.not_open"
    assert await overdue_measures(s, now=deadline) == []


async def test_the_rollup_shows_each_target_unit_in_tree_order(s, now):
    root, a, b, a1 = await tree(s)
    item, admin = await published(s, now, root, cascade=True)
    a_people = await f.members(s, a, 2)
    await mark_studied(s, item=item, unit=a, person=a_people[0], now=now)
    owner, = await f.members(s, b, 1)
    m = await draft_measure(s, item=item, unit=b, text="措施", deadline=end_of_day(date(2026, 11, 24), f.TZ),
                            by=admin, now=now)
    await set_owner(s, measure=m, unit=b, owner_id=owner.id, now=now)
    rows = await rollup(s, item=item, unit=root, now=now + timedelta(days=2))
    assert [(r.unit.id, r.depth) for r in rows] == [(root.id, 0), (a.id, 1), (a1.id, 2), (b.id, 1)]
    by_unit = {r.unit.id: r for r in rows}
    assert (by_unit[a.id].members, by_unit[a.id].studied, by_unit[a.id].rate) == (3, 1, 33)
    assert (by_unit[b.id].measures, by_unit[b.id].measures_done, by_unit[b.id].measures_overdue) == (1, 0, 1)
    assert all(r.notified == "pending" for r in rows)  # no notice row was queued in this test
    assert [(r.unit.id, r.depth) for r in await rollup(s, item=item, unit=a, now=now)] == [(a.id, 0), (a1.id, 1)]


@pytest.mark.xfail(strict=True, reason="bug: set_owner() opens a measure drafted before its item closed, leaving a "
                   "closed item with an open measure (owner notified and reminded, the item never reopens)")
async def test_no_open_measure_on_a_closed_item(s, now):
    root, a, b, _ = await tree(s)
    item, admin = await published(s, now, root, cascade=True)
    owner_a, = await f.members(s, a, 1)
    owner_b, = await f.members(s, b, 1)
    deadline = end_of_day(date(2026, 11, 27), f.TZ)
    done = await draft_measure(s, item=item, unit=a, text="制定学习计划", deadline=deadline, by=admin, now=now)
    await set_owner(s, measure=done, unit=a, owner_id=owner_a.id, now=now)
    # B's admin drafts a measure and is shown the owner buttons; meanwhile A's owner finishes the last open one.
    pending = await draft_measure(s, item=item, unit=b, text="开展专题研讨", deadline=deadline, by=admin, now=now)
    _, closed = await finish_measure(s, measure_id=done.id, person=owner_a, now=now)
    assert closed is item
    try:
        await set_owner(s, measure=pending, unit=b, owner_id=owner_b.id, now=now)  # the owner button, pressed now
    except DomainError:
        pass  # refusing is one way to keep the rule
    assert not (item.state == ItemState.closed and pending.state == MeasureState.open)
