"""Quiz contests: rounds opened as their polls go out, answers counted once, scoring and ranking."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models.errors import DomainError
from models.outbox import Outbox, OutboxState, enqueue
from models.units import UnitKind
from models.youth import (
    ANSWER_GRACE, FINISH_GRACE, GAP, START_DELAY, AnswerOutcome, ContestState, QuestionIn, Score, advance_contest,
    choose_bank, add_questions, mark_round_sent, quiz_record, record_answer, start_contest, stop_contest,
)
from tests.domain import factories as f

SECONDS = 30


def questions(n: int) -> list[QuestionIn]:
    return [QuestionIn(f"第{i}题", ("甲", "乙", "丙"), i % 3, None) for i in range(n)]


async def contest_in(s, now, *, n_questions: int = 3, count: int | None = None, players: int = 0):
    u = await f.unit(s, "青年小组", kind=UnitKind.promote)
    admin = await f.admin_of(s, u)
    people = await f.members(s, u, players)
    bank = await choose_bank(s, unit=u, name="题库", by=admin, now=now)
    await add_questions(s, bank=bank, items=questions(n_questions), now=now)
    contest, rounds, first = await start_contest(s, unit=u, bank=bank, by=admin, count=count, seconds=SECONDS,
                                                 now=now, rng=random.Random(1))
    return u, admin, people, contest, rounds, first


def opened_at(now, seq: int):
    """When round `seq` (1-based) goes out, each a whole question plus the gap after the one before."""
    return now + START_DELAY + (seq - 1) * (timedelta(seconds=SECONDS) + GAP)


async def test_a_contest_copies_the_bank_and_plans_its_first_poll(s, now):
    u, admin, _, contest, rounds, first = await contest_in(s, now, n_questions=5, count=3)
    assert contest.state == ContestState.running and contest.seconds == SECONDS
    assert [r.seq for r in rounds] == [1, 2, 3]
    assert len({r.question for r in rounds}) == 3 and all(r.opened_at is None for r in rounds)
    assert (first.dedupe_key, first.chat_id, first.due_at) == (f"quiz:{contest.id}:1", u.chat_id, now + START_DELAY)
    assert first.text.startswith("[1/3] ") and first.media["poll"]["correct"] == rounds[0].correct
    bank = await choose_bank(s, unit=u, name="题库", by=admin, now=now)
    with pytest.raises(DomainError) as err:
        await start_contest(s, unit=u, bank=bank, by=admin, count=None, seconds=SECONDS, now=now)
    assert err.value.key == "quiz.already_running"


async def test_the_next_poll_is_planned_once_the_previous_one_closes(s, now):
    _, _, _, contest, rounds, first = await contest_in(s, now, n_questions=2)
    step = await advance_contest(s, contest=contest, now=now)
    assert [p.dedupe_key for p in step.polls] == [first.dedupe_key]  # not queued yet: planned
    await enqueue(s, items=step.polls, now=now)
    assert (await advance_contest(s, contest=contest, now=now)).polls == []  # queued: not again
    t1 = opened_at(now, 1)
    assert await mark_round_sent(s, contest_id=contest.id, seq=1, poll_id="p1", message_id=11, now=t1) is not None
    assert await mark_round_sent(s, contest_id=contest.id, seq=1, poll_id="p1", message_id=11, now=t1) is None
    step = await advance_contest(s, contest=contest, now=t1)
    assert [(p.dedupe_key, p.due_at) for p in step.polls] == [
        (f"quiz:{contest.id}:2", t1 + timedelta(seconds=SECONDS) + GAP)]


async def test_answers_count_once_and_only_in_time(s, now):
    _, _, (p, q, r), contest, rounds, _ = await contest_in(s, now, players=3)
    t1 = opened_at(now, 1)
    assert await record_answer(s, poll_id="p1", person=p, option_ids=[0], now=t1) is None  # not sent yet
    await mark_round_sent(s, contest_id=contest.id, seq=1, poll_id="p1", message_id=11, now=t1)
    ok = await record_answer(s, poll_id="p1", person=p, option_ids=[rounds[0].correct], now=t1 + timedelta(seconds=4))
    assert (ok.outcome, ok.seq) == (AnswerOutcome.counted, 1)
    again = await record_answer(s, poll_id="p1", person=p, option_ids=[1], now=t1 + timedelta(seconds=5))
    assert again.outcome == AnswerOutcome.again
    assert await record_answer(s, poll_id="p1", person=q, option_ids=[], now=t1) is None  # a withdrawn vote
    assert await record_answer(s, poll_id="other", person=q, option_ids=[0], now=t1) is None
    closes = t1 + timedelta(seconds=SECONDS)
    edge = await record_answer(s, poll_id="p1", person=q, option_ids=[0], now=closes + ANSWER_GRACE)
    assert edge.outcome == AnswerOutcome.counted
    late = await record_answer(s, poll_id="p1", person=r, option_ids=[0],
                               now=closes + ANSWER_GRACE + timedelta(milliseconds=1))
    assert late.outcome == AnswerOutcome.late


async def test_stop_withdraws_unsent_polls_and_scores_what_was_played(s, now):
    u, _, (p,), contest, rounds, first = await contest_in(s, now, n_questions=3, players=1)
    await enqueue(s, items=[first], now=now)
    t1 = opened_at(now, 1)
    await mark_round_sent(s, contest_id=contest.id, seq=1, poll_id="p1", message_id=11, now=t1)
    await record_answer(s, poll_id="p1", person=p, option_ids=[rounds[0].correct], now=t1 + timedelta(seconds=2))
    step = await advance_contest(s, contest=contest, now=t1)
    await enqueue(s, items=step.polls, now=t1)
    sent = await s.scalar(select(Outbox).where(Outbox.dedupe_key == first.dedupe_key))
    sent.state = OutboxState.sent  # as the sender leaves round 1
    stopped = await stop_contest(s, unit=u, now=t1 + timedelta(seconds=3))
    assert stopped.state == ContestState.stopping
    # The planned round 2 is withdrawn; the sent round 1 stays.
    assert (await s.scalars(select(Outbox.dedupe_key))).all() == [first.dedupe_key]
    closes = t1 + timedelta(seconds=SECONDS)
    assert (await advance_contest(s, contest=contest, now=closes + FINISH_GRACE - timedelta(seconds=1))).finished is None
    step = await advance_contest(s, contest=contest, now=closes + FINISH_GRACE)
    assert step.finished is contest and contest.state == ContestState.stopped and step.played == 1
    assert [(x.rank, x.person.id, x.correct, x.answered, x.time_ms) for x in step.standings] == [(1, p.id, 1, 1, 2000)]
    assert (await advance_contest(s, contest=contest, now=closes + FINISH_GRACE)).finished is None  # once
    with pytest.raises(DomainError) as err:
        await stop_contest(s, unit=u, now=closes)
    assert err.value.key == "quiz.none_running"


def ranked(results: dict[int, tuple[int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """The ranking as the rules say it: most correct first, then least time on the correct answers,
    then by person; equal (correct, time) share a rank and the next rank skips (1, 1, 3)."""
    rows = sorted(((pid, *v) for pid, v in results.items()), key=lambda r: (-r[2], r[3], r[0]))
    out: list[tuple[int, int, int, int, int]] = []
    for i, (pid, answered, correct, ms) in enumerate(rows):
        tied = out and (out[-1][2], out[-1][4]) == (correct, ms)
        out.append((out[-1][0] if tied else i + 1, pid, correct, answered, ms))
    return out


# Per player and round: no answer, or (right?, whole seconds after the poll opened).
ANSWER = st.one_of(st.none(), st.tuples(st.booleans(), st.integers(0, SECONDS)))


@f.DOMAIN
@given(st.integers(1, 4).flatmap(lambda rounds: st.lists(st.lists(ANSWER, min_size=rounds, max_size=rounds),
                                                         min_size=1, max_size=5)))
async def test_scores_and_ranks_follow_the_rules(s, now, table):
    n_rounds = len(table[0])
    _, _, people, contest, rounds, _ = await contest_in(s, now, n_questions=n_rounds, players=len(table))
    expected: dict[int, tuple[int, int, int]] = {}
    for rnd in rounds:
        t = opened_at(now, rnd.seq)
        await mark_round_sent(s, contest_id=contest.id, seq=rnd.seq, poll_id=f"c{contest.id}r{rnd.seq}",
                              message_id=rnd.seq, now=t)
        for person, answers in zip(people, table, strict=True):
            given_ = answers[rnd.seq - 1]
            if given_ is None:
                continue
            right, secs = given_
            option = rnd.correct if right else (rnd.correct + 1) % 3
            res = await record_answer(s, poll_id=f"c{contest.id}r{rnd.seq}", person=person, option_ids=[option],
                                      now=t + timedelta(seconds=secs))
            assert res.outcome == AnswerOutcome.counted
            answered, correct, ms = expected.get(person.id, (0, 0, 0))
            expected[person.id] = (answered + 1, correct + right, ms + (secs * 1000 if right else 0))
    end = opened_at(now, n_rounds) + timedelta(seconds=SECONDS) + FINISH_GRACE
    step = await advance_contest(s, contest=contest, now=end)
    assert step.finished is contest and contest.state == ContestState.finished and step.played == n_rounds
    got = [(x.rank, x.person.id, x.correct, x.answered, x.time_ms) for x in step.standings]
    assert got == ranked(expected)
    scores = (await s.scalars(select(Score).where(Score.contest_id == contest.id))).all()
    assert sorted((x.rank, x.person_id, x.correct, x.answered, x.time_ms) for x in scores) == sorted(got)
    for person in people:
        record = await quiz_record(s, person=person)
        mine = [g for g in got if g[1] == person.id]
        assert record.contests == len(mine)
        assert record.best_rank == (mine[0][0] if mine else None)
