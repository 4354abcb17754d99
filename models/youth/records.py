"""Activity records: what a group did in a period, written by its leader, at once or as a draft fed
by private messages."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.text import clean_text
from models.sessions import StudySession
from models.units import Person, Unit
from models.youth.activities import _recorded
from models.youth.limits import DRAFT_TTL, RECORD_GRACE, RECORD_PHOTOS_MAX, RECORD_TEXT_MAX
from models.youth.periods import Period, local_to_utc, period_by_index
from models.youth.rotation import active_ids, current_period, leader_for, require_group, rotation_of
from models.youth.tables import ActivityRecord


async def record_period(session: AsyncSession, *, unit: Unit, person: Person, admin: bool, now: datetime) -> Period:
    """The period a record by this person belongs to: the one they lead now, the one they led just
    before (within a week of its end), or — for admins — the current one."""
    require_group(unit)
    rot = await rotation_of(session, unit.id)
    cur = current_period(unit, rot, now)
    if rot is not None and rot.order:
        active = await active_ids(session, unit.id)
        if leader_for(rot, cur, active) == person.id:
            return cur
        prev = period_by_index(rot.period, rot.anchor, cur.index - 1)
        prev_end = local_to_utc(prev.end, time(0), unit.timezone)
        if prev.index >= 0 and leader_for(rot, prev, active) == person.id and now < prev_end + RECORD_GRACE:
            return prev
    if admin:
        return cur
    raise DomainError("record.not_leader")


def _check_record(text: str, photos: list[str]) -> None:
    if len(text) > RECORD_TEXT_MAX:
        raise DomainError("record.too_long", limit=RECORD_TEXT_MAX, length=len(text))
    if len(photos) > RECORD_PHOTOS_MAX:
        raise DomainError("record.too_many_photos", limit=RECORD_PHOTOS_MAX)


async def add_record(session: AsyncSession, *, unit: Unit, author: Person, period: Period, text: str,
                     photos: list[str], now: datetime, session_id: int | None = None) -> ActivityRecord:
    text = clean_text(text, lines=True)
    if not text:
        raise DomainError("record.empty")
    _check_record(text, photos)
    rec = ActivityRecord(unit_id=unit.id, period_start=period.start, author_id=author.id, text=text,
                         photos=list(photos), session_id=session_id, created_at=now, updated_at=now,
                         submitted_at=now)
    session.add(rec)
    await session.flush()
    return rec


async def open_draft(session: AsyncSession, *, unit: Unit, author: Person, period: Period, now: datetime,
                     session_id: int | None = None) -> ActivityRecord:
    """The author's draft for this unit — for the period, or for one activity (a session) — an older
    one is resumed, never thrown away."""
    rec = await session.scalar(select(ActivityRecord).where(
        ActivityRecord.author_id == author.id, ActivityRecord.unit_id == unit.id, ActivityRecord.submitted_at.is_(None),
        ActivityRecord.session_id == session_id if session_id is not None else ActivityRecord.session_id.is_(None),
    ).order_by(ActivityRecord.id).limit(1))
    if rec is None:
        rec = ActivityRecord(unit_id=unit.id, period_start=period.start, author_id=author.id, text="", photos=[],
                             session_id=session_id, created_at=now, updated_at=now)
        session.add(rec)
        await session.flush()
    rec.updated_at = now
    await session.execute(update(ActivityRecord).where(
        ActivityRecord.author_id == author.id, ActivityRecord.submitted_at.is_(None), ActivityRecord.id != rec.id,
    ).values(updated_at=now - DRAFT_TTL))  # only one draft takes private messages at a time
    return rec


async def live_draft(session: AsyncSession, *, author: Person, now: datetime) -> ActivityRecord | None:
    return await session.scalar(
        select(ActivityRecord).where(
            ActivityRecord.author_id == author.id, ActivityRecord.submitted_at.is_(None),
            ActivityRecord.updated_at > now - DRAFT_TTL,
        ).order_by(ActivityRecord.updated_at.desc()).limit(1)
    )


async def append_to_draft(session: AsyncSession, *, draft: ActivityRecord, text: str, photo: str | None,
                          now: datetime) -> ActivityRecord:
    text = clean_text(text, lines=True)
    joined = f"{draft.text}\n{text}".strip() if text else draft.text
    photos = list(draft.photos or []) + ([photo] if photo else [])
    _check_record(joined, photos)
    draft.text, draft.photos, draft.updated_at = joined, photos, now
    return draft


async def own_draft(session: AsyncSession, *, record_id: int, author: Person) -> ActivityRecord:
    rec = await session.get(ActivityRecord, record_id)
    if rec is None or rec.author_id != author.id:
        raise DomainError("errors.bad_callback")
    if rec.submitted_at is not None:
        raise DomainError("record.already_submitted")
    return rec


async def submit_draft(session: AsyncSession, *, draft: ActivityRecord, now: datetime) -> ActivityRecord:
    if not draft.text:
        raise DomainError("record.empty_draft")
    draft.submitted_at = draft.updated_at = now
    return draft


async def discard_draft(session: AsyncSession, *, draft: ActivityRecord) -> None:
    await session.delete(draft)


async def submit_draft_checked(session: AsyncSession, *, draft: ActivityRecord, now: datetime) -> ActivityRecord:
    """Submit a draft; an activity's draft only while that activity has no record yet."""
    if draft.session_id is not None and await _recorded(session, draft.session_id):
        ses = await session.get(StudySession, draft.session_id)
        raise DomainError("record.activity_done", topic=ses.topic if ses else "?")
    return await submit_draft(session, draft=draft, now=now)


async def records_of(session: AsyncSession, *, unit_id: int, period: Period) -> list[ActivityRecord]:
    return list(await session.scalars(select(ActivityRecord).where(
        ActivityRecord.unit_id == unit_id, ActivityRecord.period_start == period.start,
        ActivityRecord.submitted_at.is_not(None),
    ).order_by(ActivityRecord.submitted_at, ActivityRecord.id)))
