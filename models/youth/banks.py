"""Question banks: a unit's own and those of the units above it, the current one, adding and deleting
questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.units import Person, Unit, ancestor_ids
from models.youth.flags import _set_unit_option
from models.youth.limits import BANK_MAX_QUESTIONS, BANK_NAME_MAX
from models.youth.questions import QuestionIn, clean_bank_name
from models.youth.tables import QuizBank, QuizQuestion


async def banks_of(session: AsyncSession, *, unit: Unit) -> list[tuple[QuizBank, int, Unit]]:
    """Banks a unit can use: its own, then those of the units above it. With question counts."""
    units = [unit.id, *await ancestor_ids(session, unit_id=unit.id)]
    rows = (await session.execute(
        select(QuizBank, func.count(QuizQuestion.id), Unit)
        .join(Unit, Unit.id == QuizBank.unit_id)
        .outerjoin(QuizQuestion, QuizQuestion.bank_id == QuizBank.id)
        .where(QuizBank.unit_id.in_(units)).group_by(QuizBank.id, Unit.id)
    )).all()
    rank = {uid: i for i, uid in enumerate(units)}
    return sorted(((b, n, u) for b, n, u in rows), key=lambda r: (rank[r[2].id], r[0].name))


async def current_bank(session: AsyncSession, *, unit: Unit, by: Person, now: datetime) -> QuizBank:
    """The bank new questions go to: the one last chosen, else one named like the group."""
    bank_id = (unit.options or {}).get("youth", {}).get("bank")
    bank = await session.get(QuizBank, bank_id) if bank_id else None
    if bank is None or bank.unit_id != unit.id:
        bank = await choose_bank(session, unit=unit, name=unit.name[:BANK_NAME_MAX], by=by, now=now)
    return bank


async def choose_bank(session: AsyncSession, *, unit: Unit, name: str, by: Person, now: datetime) -> QuizBank:
    """Make a bank of this unit current, creating it if new."""
    name = clean_bank_name(name)
    bank = await session.scalar(select(QuizBank).where(QuizBank.unit_id == unit.id, QuizBank.name == name))
    if bank is None:
        bank = QuizBank(unit_id=unit.id, name=name, created_by=by.id, created_at=now)
        session.add(bank)
        await session.flush()
    _set_unit_option(unit, "bank", bank.id, now)
    return bank


async def find_bank(session: AsyncSession, *, unit: Unit, name: str | None) -> QuizBank:
    """A bank by name (this unit's first, then those above), or the current one."""
    if name is None:
        bank_id = (unit.options or {}).get("youth", {}).get("bank")
        bank = await session.get(QuizBank, bank_id) if bank_id else None
        if bank is None or bank.unit_id != unit.id:
            raise DomainError("quiz.no_bank")
        return bank
    name = clean_bank_name(name)
    for bank, _, _ in await banks_of(session, unit=unit):
        if bank.name == name:
            return bank
    raise DomainError("quiz.bank_unknown", name=name)


async def bank_questions(session: AsyncSession, *, bank: QuizBank) -> list[QuizQuestion]:
    return list(await session.scalars(
        select(QuizQuestion).where(QuizQuestion.bank_id == bank.id).order_by(QuizQuestion.id)
    ))


async def add_questions(session: AsyncSession, *, bank: QuizBank, items: list[QuestionIn], now: datetime) -> int:
    have = await session.scalar(select(func.count()).select_from(QuizQuestion).where(QuizQuestion.bank_id == bank.id))
    if have + len(items) > BANK_MAX_QUESTIONS:
        raise DomainError("quiz.bank_full", limit=BANK_MAX_QUESTIONS, count=have)
    session.add_all(QuizQuestion(bank_id=bank.id, question=q.question, options=list(q.options), correct=q.correct,
                                 explanation=q.explanation, created_at=now) for q in items)
    await session.flush()
    return have + len(items)


async def delete_question(session: AsyncSession, *, bank: QuizBank, number: int) -> QuizQuestion:
    questions = await bank_questions(session, bank=bank)
    if not 1 <= number <= len(questions):
        raise DomainError("quiz.no_such_question", n=number, count=len(questions))
    question = questions[number - 1]
    await session.delete(question)
    return question
