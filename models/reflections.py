"""Reflections (心得体会) and study notes (学习笔记调阅).

A reflection is written in private chat as a draft (text parts, one per message, plus attachments),
submitted, reviewed (点评: returned for revision or approved with a grade) and, when excellent and
the author consents, shown to the unit (优秀案例). Only the author and the admins of the author's unit
chain may see it.

Its subject is a generic (kind, ref_id) pair. A subject provider — one per feature with things to
reflect on (sessions, agenda items, weekly plans, 补学 items…) — lists a member's candidate subjects
and hears when a reflection on one of its subjects is submitted or approved (so it can close a 补学
item or an agenda follow-up). Adding one is a subclass of `SubjectProvider` plus `register_subjects`,
and a catalog text `reflect_subject.<kind>` (with `{title}`) in the feature's locale files.
"""

from __future__ import annotations

import abc
import functools
import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ForeignKey, Index, ScalarSelect, String, Text, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, str_enum
from models.errors import DomainError
from models.prompts import Prompt
from models.units import (
    Membership, Person, Unit, admin_units, ancestor_ids, membership, person_units, subtree_ids,
)

MAX_CHARS = 10_000
DEFAULT_MIN_CHARS = 100
MIN_CHARS_CEILING = 5_000
MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot may download through the Bot API
COMMENT_MAX = 1_000
TITLE_MAX = 200
# Documents accepted besides photos: PDF and Word, and images sent as files (scanned handwriting).
DOC_EXTENSIONS = {".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png"}
DOC_MIME_TYPES = {
    "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/jpeg", "image/png",
}
OTHER = "other"


class ReflectionState(enum.StrEnum):
    draft = "draft"  # being written; free text in private chat goes here
    submitted = "submitted"  # waiting for review; the author may still reopen it
    returned = "returned"  # sent back with a comment; the author revises and resubmits
    approved = "approved"  # reviewed: final


class Grade(enum.StrEnum):
    excellent = "excellent"  # 优秀
    good = "good"  # 良好
    pass_ = "pass"  # 合格


class Showcase(enum.StrEnum):
    asked = "asked"  # excellent: the author was asked whether it may be shown to the unit
    named = "named"
    anonymous = "anonymous"
    declined = "declined"


class NoteState(enum.StrEnum):
    open = "open"
    done = "done"  # the member said everything is in (交齐)


class Reflection(Base):
    __tablename__ = "reflections"
    __table_args__ = (
        Index("ix_reflections_unit_id_state", "unit_id", "state"),
        Index("ix_reflections_person_id_state", "person_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[int | None] = mapped_column(BigInteger)
    subject_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    state: Mapped[ReflectionState] = mapped_column(str_enum(ReflectionState), default=ReflectionState.draft)
    text: Mapped[str] = mapped_column(Text, default="")  # the parts joined, kept current
    chars: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=0)  # how many times it was submitted
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade))
    showcase: Mapped[Showcase | None] = mapped_column(str_enum(Showcase))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # When the author last turned to this draft: free input goes to the most recent such thing.
    active_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    showcased_at: Mapped[datetime | None]


class ReflectionPart(Base):
    """One message of a draft's text; an edited message replaces its part."""

    __tablename__ = "reflection_parts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflections.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class FileColumns:
    """A Telegram file we keep by id (the bytes stay with Telegram) and what we know of it."""

    kind: Mapped[str] = mapped_column(String(16))  # photo | document (| text for notes)
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)


class ReflectionFile(FileColumns, Base):
    __tablename__ = "reflection_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflections.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class ReflectionReview(Base):
    """Each review decision, so a returned reflection keeps the comments it was returned with."""

    __tablename__ = "reflection_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflections.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    state: Mapped[ReflectionState] = mapped_column(str_enum(ReflectionState))  # returned | approved
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade))
    comment: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int]
    created_at: Mapped[datetime]


class NoteRequest(Base):
    """An admin asked a member for their study notes by a date (学习笔记调阅)."""

    __tablename__ = "note_requests"
    __table_args__ = (Index("ix_note_requests_unit_id_person_id", "unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    state: Mapped[NoteState] = mapped_column(str_enum(NoteState), default=NoteState.open)
    due_at: Mapped[datetime]
    collecting_at: Mapped[datetime | None]  # the member is sending notes now (free input goes here)
    first_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class NoteItem(FileColumns, Base):
    __tablename__ = "note_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("note_requests.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


# -- subjects ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """What a reflection is about: (kind, ref_id) in the unit that reviews it, and a title to show."""

    kind: str
    ref_id: int | None
    unit_id: int
    title: str = ""


class SubjectProvider(abc.ABC):
    """Offers a member's candidate subjects of one kind and hears about reflections on them."""

    kind: str = ""

    @abc.abstractmethod
    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        """The subjects this person may write about now (recent, open ones), each with its unit."""

    async def resolve(
        self, session: AsyncSession, *, person: Person, ref_id: int | None, unit_id: int, now: datetime,
    ) -> Subject | None:
        """The subject a button or a follow-up names, if it is this person's to write about."""
        for subject in await self.candidates(session, person=person, now=now):
            if subject.ref_id == ref_id and subject.unit_id == unit_id:
                return subject
        return None

    async def submitted(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        """A reflection on one of this provider's subjects was submitted (again)."""

    async def approved(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        """A reflection on one of this provider's subjects was approved."""


_PROVIDERS: dict[str, SubjectProvider] = {}


def register_subjects(provider: SubjectProvider) -> None:
    assert provider.kind and provider.kind not in _PROVIDERS, f"subject kind {provider.kind!r} taken"
    _PROVIDERS[provider.kind] = provider


def providers() -> list[SubjectProvider]:
    """Registered providers, the free topic last."""
    return sorted(_PROVIDERS.values(), key=lambda p: p.kind == OTHER)


class OtherTopic(SubjectProvider):
    """A free topic (其他), reviewed in one of the units the member belongs to."""

    kind = OTHER

    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        return [Subject(OTHER, None, unit.id, unit.name) for unit, _ in await person_units(session, person=person)]


register_subjects(OtherTopic())


async def candidate_subjects(session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
    found: list[Subject] = []
    for provider in providers():
        found += await provider.candidates(session, person=person, now=now)
    return found


async def resolve_subject(
    session: AsyncSession, *, person: Person, kind: str, ref_id: int | None, unit_id: int, now: datetime,
) -> Subject:
    provider = _PROVIDERS.get(kind)
    subject = provider and await provider.resolve(session, person=person, ref_id=ref_id, unit_id=unit_id, now=now)
    if not subject:
        raise DomainError("reflect.subject_gone")
    return subject


# -- counting and files ----------------------------------------------------------------------------


def count_chars(text: str) -> int:
    """Characters as a Chinese reader counts 字: everything but whitespace."""
    return sum(1 for c in text if not c.isspace())


def clean_text(text: str) -> str:
    """Drop control characters (keep line breaks) and trailing blanks."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


@dataclass(frozen=True, slots=True)
class FileIn:
    """A file a message carried. `kind` is Telegram's name for it (photo, document, video, voice…)."""

    kind: str
    file_id: str
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


def check_file(file: FileIn) -> None:
    """Photos, PDF and Word documents (and images sent as files), at most 20 MB."""
    if file.kind not in ("photo", "document"):
        raise DomainError("reflect.media_unsupported")
    if file.kind == "document":
        name = (file.file_name or "").lower()
        ext = name[name.rfind("."):] if "." in name else ""
        if ext not in DOC_EXTENSIONS and (file.mime_type or "").lower() not in DOC_MIME_TYPES:
            raise DomainError("reflect.file_unsupported", name=(file.file_name or file.mime_type or "?")[:60])
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise DomainError("reflect.file_too_big", size=f"{file.size / 1024 / 1024:.1f}",
                          limit=MAX_FILE_BYTES // 1024 // 1024)


def _file_columns(file: FileIn) -> dict:
    return {"kind": file.kind, "file_id": file.file_id, "file_unique_id": file.file_unique_id,
            "file_name": (file.file_name or None) and file.file_name[:255],
            "mime_type": (file.mime_type or None) and file.mime_type[:128], "size": file.size}


# -- writing ---------------------------------------------------------------------------------------


def min_chars(unit: Unit) -> int:
    return int((unit.options or {}).get("reflections", {}).get("min_chars", DEFAULT_MIN_CHARS))


def parse_min_chars(text: str) -> int:
    """`/review min 150` → 150; 1..5000 (full-width digits too)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MIN_CHARS_CEILING:
        raise DomainError("review.bad_min", given=raw[:20], limit=MIN_CHARS_CEILING)
    return int(raw)


async def set_min_chars(session: AsyncSession, *, unit: Unit, value: int, now: datetime) -> None:
    options = dict(unit.options or {})
    options["reflections"] = {**options.get("reflections", {}), "min_chars": value}
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now


async def current_draft(session: AsyncSession, *, person: Person) -> Reflection | None:
    return await session.scalar(
        select(Reflection).where(Reflection.person_id == person.id, Reflection.state == ReflectionState.draft)
        .order_by(Reflection.id.desc()).limit(1)
    )


async def open_draft(session: AsyncSession, *, person: Person, subject: Subject, now: datetime) -> Reflection:
    """Start writing on a subject; the same subject again continues the draft already open."""
    draft = await current_draft(session, person=person)
    if draft is not None:
        if (draft.subject_kind, draft.subject_ref, draft.unit_id) != (subject.kind, subject.ref_id, subject.unit_id):
            raise DomainError("reflect.draft_exists")
        draft.active_at = now
        return draft
    draft = Reflection(
        person_id=person.id, unit_id=subject.unit_id, subject_kind=subject.kind, subject_ref=subject.ref_id,
        subject_title=subject.title[:TITLE_MAX], state=ReflectionState.draft, text="", chars=0, revision=0,
        active_at=now, created_at=now, updated_at=now,
    )
    session.add(draft)
    await session.flush()
    return draft


async def parts_of(session: AsyncSession, *, reflection: Reflection) -> list[ReflectionPart]:
    return list(await session.scalars(
        select(ReflectionPart).where(ReflectionPart.reflection_id == reflection.id).order_by(ReflectionPart.id)
    ))


async def files_of(session: AsyncSession, *, reflection: Reflection) -> list[ReflectionFile]:
    return list(await session.scalars(
        select(ReflectionFile).where(ReflectionFile.reflection_id == reflection.id).order_by(ReflectionFile.id)
    ))


def _editable(reflection: Reflection, person: Person) -> None:
    if reflection.person_id != person.id:
        raise DomainError("reflect.not_found")
    if reflection.state == ReflectionState.approved:
        raise DomainError("reflect.already_reviewed")
    if reflection.state != ReflectionState.draft:
        raise DomainError("reflect.not_draft")


async def _recount(session: AsyncSession, reflection: Reflection, parts: list[ReflectionPart], now: datetime) -> None:
    text = "\n".join(p.text for p in parts)
    chars = count_chars(text)
    if chars > MAX_CHARS:
        raise DomainError("reflect.too_long", count=chars, limit=MAX_CHARS)
    reflection.text, reflection.chars, reflection.updated_at = text, chars, now


async def add_part(
    session: AsyncSession, *, reflection: Reflection, person: Person, message_id: int, text: str,
    file: FileIn | None = None, now: datetime,
) -> None:
    """Add one message (text, and/or a file with its caption) to a draft."""
    _editable(reflection, person)
    text = clean_text(text)
    if not text and file is None:
        raise DomainError("reflect.media_unsupported")
    if file is not None:
        check_file(file)
        count = await session.scalar(
            select(func.count()).select_from(ReflectionFile).where(ReflectionFile.reflection_id == reflection.id))
        if count >= MAX_FILES:
            raise DomainError("reflect.too_many_files", limit=MAX_FILES)
        session.add(ReflectionFile(reflection_id=reflection.id, message_id=message_id, created_at=now,
                                   **_file_columns(file)))
    if text:
        parts = await parts_of(session, reflection=reflection)
        part = ReflectionPart(reflection_id=reflection.id, message_id=message_id, text=text, created_at=now)
        session.add(part)
        await _recount(session, reflection, [*parts, part], now)
    reflection.active_at = reflection.updated_at = now
    await session.flush()


async def edit_part(
    session: AsyncSession, *, reflection: Reflection, person: Person, message_id: int, text: str, now: datetime,
) -> bool:
    """A message of the draft was edited in Telegram: its part follows. False if it was no part."""
    _editable(reflection, person)
    parts = await parts_of(session, reflection=reflection)
    part = next((p for p in parts if p.message_id == message_id), None)
    if part is None:
        return False
    text = clean_text(text)
    if text:
        part.text = text
    else:
        await session.delete(part)
        parts.remove(part)
    await _recount(session, reflection, parts, now)
    await session.flush()
    return True


async def clear_draft(session: AsyncSession, *, reflection: Reflection, person: Person, now: datetime) -> None:
    """Start the text over: parts and attachments go."""
    _editable(reflection, person)
    await session.execute(delete(ReflectionPart).where(ReflectionPart.reflection_id == reflection.id))
    await session.execute(delete(ReflectionFile).where(ReflectionFile.reflection_id == reflection.id))
    reflection.text, reflection.chars, reflection.updated_at, reflection.active_at = "", 0, now, now


async def discard_draft(session: AsyncSession, *, reflection: Reflection, person: Person) -> None:
    """Throw away a draft that was never submitted (a reopened one can only be resubmitted)."""
    _editable(reflection, person)
    if reflection.revision:
        raise DomainError("reflect.cannot_discard")
    await session.delete(reflection)


async def submit(session: AsyncSession, *, reflection: Reflection, person: Person, now: datetime) -> None:
    _editable(reflection, person)
    unit = await session.get(Unit, reflection.unit_id)
    least = min_chars(unit)
    if reflection.chars < least:
        raise DomainError("reflect.too_short", count=reflection.chars, limit=least, missing=least - reflection.chars)
    reflection.state = ReflectionState.submitted
    reflection.revision += 1
    reflection.submitted_at = reflection.updated_at = now
    provider = _PROVIDERS.get(reflection.subject_kind)
    if provider is not None:
        await provider.submitted(session, reflection=reflection, now=now)


async def touch_draft(session: AsyncSession, *, reflection: Reflection, person: Person, now: datetime) -> None:
    """The author turned to this draft again: what they type next goes here."""
    _editable(reflection, person)
    reflection.active_at = now


async def reopen(session: AsyncSession, *, reflection: Reflection, person: Person, now: datetime) -> None:
    """Take a submitted or returned reflection back into a draft, to revise it before review."""
    if reflection.person_id != person.id:
        raise DomainError("reflect.not_found")
    if reflection.state == ReflectionState.approved:
        raise DomainError("reflect.already_reviewed")
    if reflection.state == ReflectionState.draft:
        await touch_draft(session, reflection=reflection, person=person, now=now)
        return
    other = await current_draft(session, person=person)
    if other is not None:
        raise DomainError("reflect.draft_exists")
    reflection.state = ReflectionState.draft
    reflection.active_at = reflection.updated_at = now


async def own_reflection(session: AsyncSession, *, reflection_id: int, person: Person) -> Reflection:
    """The person's own reflection; someone else's looks exactly like a missing one."""
    reflection = await session.get(Reflection, reflection_id)
    if reflection is None or reflection.person_id != person.id:
        raise DomainError("reflect.not_found")
    return reflection


async def my_reflections(session: AsyncSession, *, person: Person, limit: int = 10) -> list[Reflection]:
    return list(await session.scalars(
        select(Reflection).where(Reflection.person_id == person.id, Reflection.state != ReflectionState.draft)
        .order_by(Reflection.updated_at.desc(), Reflection.id.desc()).limit(limit)
    ))


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
    comment = clean_text(text or "")
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
    provider = _PROVIDERS.get(reflection.subject_kind)
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


# -- study notes -----------------------------------------------------------------------------------

DUE_FULL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
DUE_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
DUE_DAYS_RE = re.compile(r"^(\d{1,3})\s*(?:天|日|d|days?)\s*(?:后|内|以内)?$", re.IGNORECASE)
DUE_MAX_DAYS = 366
DEFAULT_DUE_DAYS = 7


def parse_due(text: str, *, now: datetime, tz: str) -> date:
    """A due date: `2026-12-01`, `12-01`, `12月1日`, `12/1`, `7天` (days from today). Local to the unit."""
    raw = unicodedata.normalize("NFKC", text).strip()
    today = now.astimezone(ZoneInfo(tz)).date()
    try:
        if m := DUE_DAYS_RE.match(raw):
            due = today + timedelta(days=int(m.group(1)))
        elif m := DUE_FULL_RE.match(raw):
            due = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := DUE_MONTH_DAY_RE.match(raw):
            due = date(today.year, int(m.group(1)), int(m.group(2)))
            if due < today:  # "1月5日" in December means next January
                due = date(today.year + 1, due.month, due.day)
        else:
            raise ValueError(raw)
    except ValueError:
        raise DomainError("notes.bad_date", given=raw[:20]) from None
    if due < today:
        raise DomainError("notes.date_past")
    if (due - today).days > DUE_MAX_DAYS:
        raise DomainError("notes.date_far", limit=DUE_MAX_DAYS)
    return due


def end_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def default_due(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date() + timedelta(days=DEFAULT_DUE_DAYS)


async def request_notes(
    session: AsyncSession, *, unit: Unit, person: Person, by: Person, due: date, now: datetime,
) -> tuple[NoteRequest, bool]:
    """Ask a member of the unit for their notes by `due`. An open request gets the new date instead.
    Returns (request, created)."""
    m = await membership(session, unit=unit, person=person)
    if m is None or not m.active:
        raise DomainError("notes.not_member", name=person.display_name)
    due_at = end_of_day(due, unit.timezone)
    req = await session.scalar(
        select(NoteRequest).where(NoteRequest.unit_id == unit.id, NoteRequest.person_id == person.id,
                                  NoteRequest.state == NoteState.open)
    )
    if req is not None:
        req.due_at, req.requested_by = due_at, by.id
        return req, False
    req = NoteRequest(unit_id=unit.id, person_id=person.id, requested_by=by.id, state=NoteState.open,
                      due_at=due_at, created_at=now)
    session.add(req)
    await session.flush()
    return req, True


async def member_by_username(session: AsyncSession, *, unit_id: int, username: str) -> Person | None:
    """An active member of the unit by Telegram @username (case-insensitive)."""
    if not username:
        return None
    return await session.scalar(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.unit_id == unit_id, Membership.active, func.lower(Person.username) == username.lower())
        .limit(1)
    )


async def own_note_request(session: AsyncSession, *, request_id: int, person: Person) -> NoteRequest:
    req = await session.get(NoteRequest, request_id)
    if req is None or req.person_id != person.id:
        raise DomainError("notes.not_found")
    return req


def _open(req: NoteRequest) -> None:
    if req.state != NoteState.open:
        raise DomainError("notes.closed")


async def start_notes(session: AsyncSession, *, request: NoteRequest, now: datetime) -> None:
    _open(request)
    request.collecting_at = now


async def note_items(session: AsyncSession, *, request: NoteRequest) -> list[NoteItem]:
    return list(await session.scalars(
        select(NoteItem).where(NoteItem.request_id == request.id).order_by(NoteItem.id)
    ))


async def add_note(
    session: AsyncSession, *, request: NoteRequest, message_id: int, text: str, file: FileIn | None, now: datetime,
) -> int:
    """Record one message of notes (text, or a file with its caption). Returns how many have arrived."""
    _open(request)
    text = clean_text(text)
    if file is not None:
        check_file(file)
        session.add(NoteItem(request_id=request.id, message_id=message_id, text=text or None, created_at=now,
                             **_file_columns(file)))
    elif text:
        session.add(NoteItem(request_id=request.id, message_id=message_id, kind="text", text=text, created_at=now))
    else:
        raise DomainError("reflect.media_unsupported")
    request.first_at = request.first_at or now
    request.collecting_at = now
    await session.flush()
    return await session.scalar(select(func.count()).select_from(NoteItem).where(NoteItem.request_id == request.id))


async def edit_note(session: AsyncSession, *, request: NoteRequest, message_id: int, text: str) -> bool:
    """A message of the notes was edited in Telegram: its text follows. False if it was no note."""
    _open(request)
    item = await session.scalar(
        select(NoteItem).where(NoteItem.request_id == request.id, NoteItem.message_id == message_id))
    if item is None:
        return False
    item.text = clean_text(text) or None
    return True


async def finish_notes(session: AsyncSession, *, request: NoteRequest, now: datetime) -> int:
    """The member says everything is in (交齐). Returns how many items arrived."""
    _open(request)
    count = len(await note_items(session, request=request))
    if not count:
        raise DomainError("notes.nothing_yet")
    request.state, request.done_at, request.collecting_at = NoteState.done, now, None
    return count


async def unit_note_requests(session: AsyncSession, *, unit_id: int, limit: int = 20) -> list[tuple[NoteRequest, int]]:
    """The unit's latest requests with how many items each has."""
    items = (select(NoteItem.request_id, func.count().label("n")).group_by(NoteItem.request_id).subquery())
    rows = await session.execute(
        select(NoteRequest, func.coalesce(items.c.n, 0))
        .outerjoin(items, items.c.request_id == NoteRequest.id)
        .where(NoteRequest.unit_id == unit_id)
        .order_by(NoteRequest.created_at.desc(), NoteRequest.id.desc()).limit(limit)
    )
    return [(r, n) for r, n in rows.all()]


# -- where free input goes -------------------------------------------------------------------------


async def active_input(session: AsyncSession, *, person: Person) -> Reflection | NoteRequest | None:
    """What the person is writing now: their draft or a notes request they are sending to,
    whichever they turned to last."""
    draft = await current_draft(session, person=person)
    notes = await session.scalar(
        select(NoteRequest).where(NoteRequest.person_id == person.id, NoteRequest.state == NoteState.open,
                                  NoteRequest.collecting_at.is_not(None))
        .order_by(NoteRequest.collecting_at.desc()).limit(1)
    )
    if draft is None or notes is None:
        return draft or notes
    return draft if draft.active_at >= notes.collecting_at else notes
