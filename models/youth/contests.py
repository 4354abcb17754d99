"""Knowledge contests (知识竞赛) run as quiz polls, and their scoring.

A contest is a state machine in the database: each question is a round whose poll goes out through
the outbox; the sender reports the poll's id back (`mark_round_sent`), answers are checked against
the round's closing time, and `advance_contest` (run by the planner and after each send) decides
what comes next — so a restart mid-contest carries on where it stopped.
"""

from __future__ import annotations

import enum
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.outbox import Outbox, OutboxIn, OutboxState
from models.units import Person, Unit
from models.youth.banks import bank_questions
from models.youth.limits import (
    ANSWER_GRACE, COUNT_RANGE, FINISH_GRACE, GAP, SECONDS_DEFAULT, SECONDS_RANGE, START_DELAY,
)
from models.youth.questions import clean_bank_name
from models.youth.tables import Answer, Contest, ContestState, QuizBank, Round, Score


@dataclass(frozen=True, slots=True)
class StartArgs:
    bank: str | None = None
    count: int | None = None
    seconds: int = SECONDS_DEFAULT


def parse_start_args(text: str) -> StartArgs:
    """`[题库名] [10题] [30秒]`, in any order."""
    count: int | None = None
    seconds = SECONDS_DEFAULT
    name: list[str] = []
    for word in text.split():
        norm = unicodedata.normalize("NFKC", word).lower()
        if m := re.fullmatch(r"(\d{1,4})(题|道|道题|q)", norm):
            count = int(m.group(1))
            if not COUNT_RANGE[0] <= count <= COUNT_RANGE[1]:
                raise DomainError("quiz.bad_count", given=count, low=COUNT_RANGE[0], high=COUNT_RANGE[1])
        elif m := re.fullmatch(r"(\d{1,4})(秒|s|sec)", norm):
            seconds = int(m.group(1))
            if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
                raise DomainError("quiz.bad_seconds", given=seconds, low=SECONDS_RANGE[0], high=SECONDS_RANGE[1])
        elif norm.isdigit():
            raise DomainError("quiz.bare_number", given=word[:8])
        else:
            name.append(word)
    return StartArgs(clean_bank_name(" ".join(name)) if name else None, count, seconds)


async def live_contest(session: AsyncSession, *, unit_id: int) -> Contest | None:
    return await session.scalar(select(Contest).where(
        Contest.unit_id == unit_id, Contest.state.in_([ContestState.running, ContestState.stopping]),
    ))


def poll_key(contest_id: int, seq: int) -> str:
    return f"quiz:{contest_id}:{seq}"


def poll_item(unit: Unit, contest: Contest, rnd: Round, total: int, due_at: datetime) -> OutboxIn:
    """The outbox row that sends a round's quiz poll (numbers only in the prefix: no language needed)."""
    return OutboxIn(
        dedupe_key=poll_key(contest.id, rnd.seq), chat_id=unit.chat_id, unit_id=unit.id, kind="quiz",
        due_at=due_at, text=f"[{rnd.seq}/{total}] {rnd.question}",
        media={"poll": {"options": list(rnd.options), "correct": rnd.correct, "explanation": rnd.explanation,
                        "open_period": contest.seconds}},
    )


async def start_contest(session: AsyncSession, *, unit: Unit, bank: QuizBank, by: Person, count: int | None,
                        seconds: int, now: datetime, rng: random.Random | None = None) -> tuple[Contest, list[Round], OutboxIn]:
    """Copy the questions into rounds and plan the first poll. One contest per group at a time."""
    if await live_contest(session, unit_id=unit.id) is not None:
        raise DomainError("quiz.already_running")
    questions = await bank_questions(session, bank=bank)
    if not questions:
        raise DomainError("quiz.bank_empty", name=bank.name)
    if count is not None and count < len(questions):
        picked = sorted((rng or random.Random()).sample(range(len(questions)), count))
        questions = [questions[i] for i in picked]
    contest = Contest(unit_id=unit.id, bank_name=bank.name, state=ContestState.running, seconds=seconds,
                      started_by=by.id, started_at=now)
    session.add(contest)
    await session.flush()
    rounds = [Round(contest_id=contest.id, seq=i, question=q.question, options=list(q.options), correct=q.correct,
                    explanation=q.explanation) for i, q in enumerate(questions, 1)]
    session.add_all(rounds)
    await session.flush()
    return contest, rounds, poll_item(unit, contest, rounds[0], len(rounds), now + START_DELAY)


async def contest_rounds(session: AsyncSession, *, contest_id: int) -> list[Round]:
    return list(await session.scalars(select(Round).where(Round.contest_id == contest_id).order_by(Round.seq)))


async def mark_round_sent(session: AsyncSession, *, contest_id: int, seq: int, poll_id: str, message_id: int,
                          now: datetime) -> Contest | None:
    """The sender delivered a round's poll: from now the question is open for `seconds`."""
    rnd = await session.scalar(select(Round).where(Round.contest_id == contest_id, Round.seq == seq))
    contest = await session.get(Contest, contest_id)
    if rnd is None or contest is None or rnd.opened_at is not None:
        return None
    rnd.poll_id, rnd.message_id = poll_id, message_id
    rnd.opened_at, rnd.closes_at = now, now + timedelta(seconds=contest.seconds)
    return contest


class AnswerOutcome(enum.StrEnum):
    counted = "counted"
    late = "late"
    again = "again"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    seq: int


async def record_answer(session: AsyncSession, *, poll_id: str, person: Person, option_ids: list[int],
                        now: datetime) -> AnswerResult | None:
    """A quiz vote. None when the poll is not a contest's (or the vote was withdrawn)."""
    rnd = await session.scalar(select(Round).where(Round.poll_id == poll_id))
    if rnd is None or not option_ids or rnd.opened_at is None:
        return None
    contest = await session.get(Contest, rnd.contest_id)
    if contest.state not in (ContestState.running, ContestState.stopping) or now > rnd.closes_at + ANSWER_GRACE:
        return AnswerResult(AnswerOutcome.late, rnd.seq)
    if await session.scalar(select(Answer.id).where(Answer.round_id == rnd.id, Answer.person_id == person.id)):
        return AnswerResult(AnswerOutcome.again, rnd.seq)
    option = option_ids[0]
    session.add(Answer(round_id=rnd.id, person_id=person.id, option=option, correct=option == rnd.correct,
                       answered_at=now, elapsed_ms=max(0, int((now - rnd.opened_at).total_seconds() * 1000))))
    await session.flush()
    return AnswerResult(AnswerOutcome.counted, rnd.seq)


async def stop_contest(session: AsyncSession, *, unit: Unit, now: datetime) -> Contest:
    """No further questions: polls not yet sent are withdrawn; the open one runs out, then the scores."""
    contest = await live_contest(session, unit_id=unit.id)
    if contest is None:
        raise DomainError("quiz.none_running")
    contest.state = ContestState.stopping
    await session.execute(delete(Outbox).where(
        Outbox.dedupe_key.like(f"quiz:{contest.id}:%"), Outbox.kind == "quiz", Outbox.state == OutboxState.pending,
    ))
    return contest


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    person: Person
    correct: int
    answered: int
    time_ms: int


@dataclass(frozen=True, slots=True)
class Step:
    """What `advance_contest` decided: polls to enqueue, and the final standings when it finished."""

    polls: list[OutboxIn]
    finished: Contest | None = None
    standings: list[Standing] | None = None
    played: int = 0
    failed_seq: int | None = None


async def advance_contest(session: AsyncSession, *, contest: Contest, now: datetime) -> Step:
    """Plan the next poll once the previous one is out; finish when the last has closed."""
    if contest.state not in (ContestState.running, ContestState.stopping):
        return Step([])
    unit = await session.get(Unit, contest.unit_id)
    rounds = await contest_rounds(session, contest_id=contest.id)
    opened = [r for r in rounds if r.opened_at is not None]
    waiting = [r for r in rounds if r.opened_at is None]
    last = opened[-1] if opened else None
    if contest.state == ContestState.running and waiting:
        # Confirm the contest still runs while holding its row: a /quiz stop committed meanwhile must
        # not see its next question planned again after it cleared the queue.
        still = await session.execute(
            update(Contest).where(Contest.id == contest.id, Contest.state == ContestState.running)
            .values(state=ContestState.running).execution_options(synchronize_session=False)
        )
        if still.rowcount != 1:
            return Step([])
        nxt = waiting[0]
        row = await session.scalar(select(Outbox).where(Outbox.dedupe_key == poll_key(contest.id, nxt.seq)))
        if row is not None and row.state in (OutboxState.failed, OutboxState.dead):
            return await _finish(session, contest, opened, now, failed_seq=nxt.seq)
        # Only a poll not yet queued is planned. Queuing one again would be a no-op, but on PostgreSQL
        # that insert waits for the sender marking the same row sent, whose after-sent hook waits for
        # the contest row held here: a deadlock that left the question never opened.
        if row is None:
            due = last.closes_at + GAP if last else contest.started_at + START_DELAY
            return Step([poll_item(unit, contest, nxt, len(rounds), due)])
        return Step([])
    if last is None or now >= last.closes_at + FINISH_GRACE:
        return await _finish(session, contest, opened, now)
    return Step([])


async def _finish(session: AsyncSession, contest: Contest, opened: list[Round], now: datetime,
                  failed_seq: int | None = None) -> Step:
    """Score the contest once: the state change is conditional, so a second planner pass does nothing."""
    final = ContestState.finished if contest.state == ContestState.running and failed_seq is None else ContestState.stopped
    result = await session.execute(
        update(Contest).where(Contest.id == contest.id, Contest.state == contest.state)
        .values(state=final, finished_at=now).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Step([])
    contest.state, contest.finished_at = final, now
    await session.execute(delete(Outbox).where(
        Outbox.dedupe_key.like(f"quiz:{contest.id}:%"), Outbox.kind == "quiz", Outbox.state == OutboxState.pending,
    ))
    standings = await _score(session, contest, [r.id for r in opened])
    return Step([], finished=contest, standings=standings, played=len(opened), failed_seq=failed_seq)


async def _score(session: AsyncSession, contest: Contest, round_ids: list[int]) -> list[Standing]:
    """Most correct answers first; among equals, less time on the correct ones. Ties share a rank."""
    if not round_ids:
        return []
    rows = (await session.execute(
        select(Answer.person_id, func.count(), func.sum(case((Answer.correct, 1), else_=0)),
               func.sum(case((Answer.correct, Answer.elapsed_ms), else_=0)))
        .where(Answer.round_id.in_(round_ids)).group_by(Answer.person_id)
    )).all()
    results = sorted(((pid, int(n), int(ok or 0), int(ms or 0)) for pid, n, ok, ms in rows),
                     key=lambda r: (-r[2], r[3], r[0]))
    people = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_([r[0] for r in results])))}
    standings: list[Standing] = []
    for i, (pid, answered, correct, ms) in enumerate(results):
        same = standings and (standings[-1].correct, standings[-1].time_ms) == (correct, ms)
        rank = standings[-1].rank if same else i + 1
        standings.append(Standing(rank, people[pid], correct, answered, ms))
        session.add(Score(contest_id=contest.id, person_id=pid, correct=correct, answered=answered, time_ms=ms,
                          rank=rank))
    await session.flush()
    return standings


async def contests_to_advance(session: AsyncSession) -> list[Contest]:
    return list(await session.scalars(select(Contest).where(
        Contest.state.in_([ContestState.running, ContestState.stopping])).order_by(Contest.id)))


@dataclass(frozen=True, slots=True)
class QuizRecord:
    contests: int
    correct: int
    answered: int
    best_rank: int | None


async def quiz_record(session: AsyncSession, *, person: Person) -> QuizRecord:
    """A member's contests, for their own record."""
    n, ok, answered, best = (await session.execute(
        select(func.count(), func.sum(Score.correct), func.sum(Score.answered), func.min(Score.rank))
        .where(Score.person_id == person.id)
    )).one()
    return QuizRecord(int(n or 0), int(ok or 0), int(answered or 0), best)
