"""Figures: a unit tree with members, the totals of each unit over its subtree, in a period."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from models.figures import PeriodKind, period_of, report, units_below
from models.sessions import Via, ask_leave, checkin, close_session, decide_leave, set_expected, submit_makeup
from models.units import UnitKind, join_unit, leave_unit
from tests.domain import factories as f

NOVEMBER = period_of(PeriodKind.month, date(2026, 11, 23))
START = f.MONDAY + timedelta(hours=1)


def figures(row) -> dict[str, int]:
    t = row.tally
    return {"members": row.members, "sessions": row.sessions, "expected": t.expected, "attended": t.attended,
            "late": t.late, "leave": t.leave, "absent": t.absent, "makeup_open": t.makeup_open,
            "makeup_done": t.makeup_done}


def want(members, sessions, expected, attended, late, leave, absent, makeup_open, makeup_done) -> dict[str, int]:
    return {"members": members, "sessions": sessions, "expected": expected, "attended": attended, "late": late,
            "leave": leave, "absent": absent, "makeup_open": makeup_open, "makeup_done": makeup_done}


async def test_each_unit_totals_its_subtree(s, now):
    root = await f.unit(s, "机关党委", kind=UnitKind.supervise)
    a = await f.unit(s, "A", parent=root)
    b = await f.unit(s, "B", parent=root)
    a1 = await f.unit(s, "A1", kind=UnitKind.promote, parent=a)
    admin_a, admin_b, admin_a1 = [await f.admin_of(s, u) for u in (a, b, a1)]
    both, gone = await f.members(s, a, 2)
    await join_unit(s, unit=a1, person=both, source="test", now=now)  # one person in two units of the tree
    x, = await f.members(s, a1, 1)
    b1, = await f.members(s, b, 1)

    # Before the period: a closed session of A that November must not count.
    september = f.MONDAY - timedelta(days=60)
    old = await f.study_session(s, a, starts_at=september + timedelta(hours=1), now=september)
    await close_session(s, ses=old, now=old.closes_at)

    in_a = await f.study_session(s, a, starts_at=START, now=now)
    await checkin(s, ses=in_a, unit=a, person=both, via=Via.button, now=START)
    await ask_leave(s, ses=in_a, unit=a, person=admin_a, reason="出差", now=now)
    await decide_leave(s, ses=in_a, person_id=admin_a.id, approve=True, by=admin_a, now=now)
    in_b = await f.study_session(s, b, starts_at=START, now=now)
    await checkin(s, ses=in_b, unit=b, person=b1, via=Via.button, now=in_b.late_after + timedelta(minutes=1))
    await ask_leave(s, ses=in_b, unit=b, person=admin_b, reason="私事", now=now)
    await decide_leave(s, ses=in_b, person_id=admin_b.id, approve=False, by=admin_b, now=now)
    in_a1 = await f.study_session(s, a1, starts_at=START, now=now)
    for p in (admin_a1, x):
        await checkin(s, ses=in_a1, unit=a1, person=p, via=Via.button, now=START)
    closed = {}
    for ses in (in_a, in_b, in_a1):
        closed[ses.id] = (await close_session(s, ses=ses, now=ses.closes_at)).makeups
    await f.study_session(s, a, starts_at=START + timedelta(days=2), now=now)  # still scheduled: not held
    (makeup, _), = [(m, p) for m, p in closed[in_a1.id] if p.id == both.id]
    await submit_makeup(s, makeup_id=makeup.id, person=both, note="补学：已自学会议精神并写下体会", now=now + timedelta(days=1))

    rep = await report(s, root=root, period=NOVEMBER, now=now + timedelta(days=2))
    assert [(row.unit.name, row.depth) for row in rep.units] == [("机关党委", 0), ("A", 1), ("A1", 2), ("B", 1)]
    by_name = {row.unit.name: figures(row) for row in rep.units}
    assert by_name["A1"] == want(3, 1, 3, 2, 0, 0, 1, 0, 1)
    assert by_name["A"] == want(5, 2, 6, 3, 0, 1, 2, 1, 1)  # A and A1; the person in both counted once
    assert by_name["B"] == want(2, 1, 2, 1, 1, 0, 1, 1, 0)  # refused leave is an absence
    assert by_name["机关党委"] == want(8, 3, 8, 4, 1, 1, 3, 2, 1)
    assert rep.total.tally.rate == 50 and not rep.empty
    member_rows = {(m.unit_id, m.person_id): m.tally for m in rep.members}
    assert (member_rows[(a.id, both.id)].attended, member_rows[(a1.id, both.id)].absent) == (1, 1)

    # A member who leaves keeps their history in the figures but no longer counts as a member.
    await leave_unit(s, unit=a, person=gone, now=now + timedelta(days=3))
    rep = await report(s, root=root, period=NOVEMBER, now=now + timedelta(days=3))
    assert {row.unit.name: figures(row) for row in rep.units}["A"] == want(4, 2, 6, 3, 0, 1, 2, 1, 1)
    assert [m.active for m in rep.members if m.person_id == gone.id] == [False]

    # A report of A covers A's subtree only.
    sub = await report(s, root=a, period=NOVEMBER, now=now)
    assert [(row.unit.name, row.depth) for row in sub.units] == [("A", 0), ("A1", 1)]
    assert figures(sub.total)["expected"] == 6
    # September holds the earlier session; October held nothing.
    september_rep = await report(s, root=root, period=period_of(PeriodKind.month, date(2026, 11, 23), back=2), now=now)
    assert figures(september_rep.total)["sessions"] == 1 and figures(september_rep.total)["expected"] == 3
    assert (await report(s, root=root, period=period_of(PeriodKind.month, date(2026, 11, 23), back=1), now=now)).empty


# A tree given as each unit's parent among the units before it (None: below the root), with each
# unit's members as attended (True) or not (False) at one closed session of that unit.
TREES = st.lists(st.tuples(st.integers(0, 10), st.lists(st.booleans(), max_size=3)), min_size=1, max_size=5)


@f.DOMAIN
@given(TREES)
async def test_roll_ups_add_up_over_any_tree(s, now, spec):
    root = await f.unit(s, "root", kind=UnitKind.supervise)
    units, parent_of = [], {}
    for i, (parent, _) in enumerate(spec):
        up = units[parent] if parent < len(units) else root  # an index past the units made so far: the root
        units.append(await f.unit(s, f"u{i:02d}", parent=up))
        parent_of[i] = parent if parent < i else None
    for u, (_, outcomes) in zip(units, spec, strict=True):
        people = await f.members(s, u, len(outcomes))
        ses = await f.study_session(s, u, starts_at=START, now=now)
        await set_expected(s, ses=ses, unit=u, person_id=(await f.admin_of(s, u)).id, expected=False, now=now)
        for p, came in zip(people, outcomes, strict=True):
            if came:
                await checkin(s, ses=ses, unit=u, person=p, via=Via.button, now=START)
        await close_session(s, ses=ses, now=ses.closes_at)

    def below(i: int) -> set[int]:
        found = {i}
        for j in range(len(spec)):
            k = j
            while parent_of[k] is not None:
                k = parent_of[k]
                if k == i:
                    found.add(j)
                    break
        return found

    rep = await report(s, root=root, period=NOVEMBER, now=now)
    rows = {row.unit.id: row for row in rep.units}
    assert len(rows) == len(units) + 1
    for i, u in enumerate(units):
        sub = below(i)
        outcomes = [o for j in sub for o in spec[j][1]]
        assert figures(rows[u.id]) | {"late": 0, "leave": 0, "makeup_done": 0} == want(
            members=len(sub) + len(outcomes), sessions=len(sub), expected=len(outcomes), attended=sum(outcomes),
            late=0, leave=0, absent=len(outcomes) - sum(outcomes), makeup_open=len(outcomes) - sum(outcomes),
            makeup_done=0)
    everyone = [o for _, outcomes in spec for o in outcomes]
    assert figures(rep.total)["members"] == 1 + len(units) + len(everyone)
    assert (figures(rep.total)["expected"], figures(rep.total)["attended"]) == (len(everyone), sum(everyone))
    tree = await units_below(s, root=root)
    assert [d for _, d in tree][0] == 0 and all(d >= 1 for _, d in tree[1:])



@given(st.sampled_from(list(PeriodKind)), st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 30))
def test_periods_of_a_kind_follow_each_other(kind, today, back):
    p = period_of(kind, today, back=back)
    before = period_of(kind, today, back=back + 1)
    assert before.end + timedelta(days=1) == p.start and p.start <= p.end
    if back == 0:
        assert p.start <= today <= p.end
    assert period_of(kind, p.end) == p == period_of(kind, p.start)
