"""Reviewing reflections (点评): tallies, who may review, returning, approving, showcases."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import ScalarSelect, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.prompts import Prompt
from models.reflections.subjects import PROVIDERS
from models.reflections.tables import COMMENT_MAX, Grade, Reflection, ReflectionReview, ReflectionState, Showcase
from models.text import clean_text
from models.units import Person, Unit, admin_units, ancestor_ids, subtree_ids


# -- review ----------------------------------------------------------------------------------------


TALLY = ("written", "approved", "excellent", "waiting", "returned", "drafts")


@functools.cache
def tally_figures() -> dict[str, ScalarSelect]:
    """A member's reflections for /me, as scalar subqueries (run with other features' figures in one
    SELECT; the index on (person_id, state) serves each), built once with parameters `rf_person` and
    `rf_since`: written = submitted at least once since then, how many of those are approved and graded
    excellent, and what is still open (any age): waiting for review, returned for revision, drafts."""
    person, since = bindparam("rf_person"), bindparam("rf_since")
    written = (Reflection.state != ReflectionState.draft) & (Reflection.submitted_at >= since)
    approved = written & (Reflection.state == ReflectionState.approved)
    conds = (written, approved, approved & (Reflection.grade == Grade.excellent),
             Reflection.state == ReflectionState.submitted, Reflection.state == ReflectionState.returned,
             Reflection.state == ReflectionState.draft)
    return {name: select(func.count()).select_from(Reflection).where(Reflection.person_id == person, cond)
            .scalar_subquery() for name, cond in zip(TALLY, conds, strict=True)}


async def unit_chain(session: AsyncSession, *, unit_id: int) -> list[Unit]:
    """A unit and the units above it, nearest first: whose admins may see its members' reflections."""
    found = []
    for uid in [unit_id, *await ancestor_ids(session, unit_id=unit_id)]:
        unit = await session.get(Unit, uid)
        if unit is not None:
            found.append(unit)
    return found


async def reviewable_unit_ids(session: AsyncSession, *, person: Person) -> set[int]:
    """Units whose reflections the person may review: those they administer, and everything below."""
    found: set[int] = set()
    for unit in await admin_units(session, person=person):
        found |= await subtree_ids(session, unit_id=unit.id)
    return found


async def pending(
    session: AsyncSession, *, unit_ids: set[int], exclude_person: int | None = None,
) -> list[Reflection]:
    """Reflections waiting for review in these units, oldest submission first."""
    if not unit_ids:
        return []
    query = select(Reflection).where(Reflection.unit_id.in_(unit_ids), Reflection.state == ReflectionState.submitted)
    if exclude_person is not None:
        query = query.where(Reflection.person_id != exclude_person)
    return list(await session.scalars(query.order_by(Reflection.submitted_at, Reflection.id)))


async def reviews_of(session: AsyncSession, *, reflection: Reflection) -> list[ReflectionReview]:
    return list(await session.scalars(
        select(ReflectionReview).where(ReflectionReview.reflection_id == reflection.id)
        .order_by(ReflectionReview.id)
    ))


def _reviewing(reflection: Reflection, reviewer: Person) -> None:
    if reflection.person_id == reviewer.id:
        raise DomainError("review.own")


def clean_comment(text: str | None, *, required: bool) -> str | None:
    comment = clean_text(text or "", lines=True)
    if not comment:
        if required:
            raise DomainError("review.comment_required")
        return None
    if len(comment) > COMMENT_MAX:
        raise DomainError("review.comment_too_long", count=len(comment), limit=COMMENT_MAX)
    return comment


async def return_for_revision(
    session: AsyncSession, *, reflection: Reflection, reviewer: Person, comment: str | None, now: datetime,
) -> ReflectionReview:
    _reviewing(reflection, reviewer)
    if reflection.state != ReflectionState.submitted:
        raise DomainError("review.not_pending")
    text = clean_comment(comment, required=True)
    reflection.state = ReflectionState.returned
    reflection.reviewed_at = reflection.updated_at = now
    reflection.reviewed_by = reviewer.id
    review = ReflectionReview(reflection_id=reflection.id, reviewer_id=reviewer.id, state=ReflectionState.returned,
                              comment=text, revision=reflection.revision, created_at=now)
    session.add(review)
    await session.flush()
    return review


async def approve(
    session: AsyncSession, *, reflection: Reflection, reviewer: Person, grade: Grade, comment: str | None,
    now: datetime,
) -> ReflectionReview:
    """Approve with a grade. An approved reflection can still be raised to excellent (设为优秀)."""
    _reviewing(reflection, reviewer)
    upgrade = (reflection.state == ReflectionState.approved and grade == Grade.excellent
               and reflection.grade != Grade.excellent)
    if reflection.state != ReflectionState.submitted and not upgrade:
        raise DomainError("review.not_pending")
    text = clean_comment(comment, required=False)
    reflection.state, reflection.grade = ReflectionState.approved, grade
    reflection.reviewed_at = reflection.updated_at = now
    reflection.reviewed_by = reviewer.id
    if grade == Grade.excellent and reflection.showcase is None:
        reflection.showcase = Showcase.asked
    review = ReflectionReview(reflection_id=reflection.id, reviewer_id=reviewer.id, state=ReflectionState.approved,
                              grade=grade, comment=text, revision=reflection.revision, created_at=now)
    session.add(review)
    await session.flush()
    provider = PROVIDERS.get(reflection.subject_kind)
    if provider is not None and not upgrade:
        await provider.approved(session, reflection=reflection, now=now)
    return review


async def close_review_prompts(
    session: AsyncSession, *, person: Person, kinds: tuple[str, ...], answered: int | None = None,
) -> None:
    """A decided review leaves no comment question hanging (`answered`: the prompt message being
    answered, which the dispatcher closes itself)."""
    query = delete(Prompt).where(Prompt.person_id == person.id, Prompt.kind.in_(kinds))
    if answered is not None:
        query = query.where(Prompt.message_id != answered)
    await session.execute(query.execution_options(synchronize_session=False))


async def decide_showcase(
    session: AsyncSession, *, reflection: Reflection, person: Person, choice: Showcase, now: datetime,
) -> None:
    """The author's answer to "may we show it to the unit?" — asked once, answered once."""
    if reflection.person_id != person.id:
        raise DomainError("reflect.not_found")
    if reflection.showcase != Showcase.asked or choice == Showcase.asked:
        raise DomainError("showcase.not_asked")
    reflection.showcase = choice
    if choice != Showcase.declined:
        reflection.showcased_at = now
