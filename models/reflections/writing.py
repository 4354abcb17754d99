"""Writing a reflection: counting, files, the draft's parts, submitting and reopening."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.text import clean_text
from models.reflections.subjects import PROVIDERS, Subject
from models.reflections.tables import (
    DEFAULT_MIN_CHARS, DOC_EXTENSIONS, DOC_MIME_TYPES, MAX_CHARS, MAX_FILE_BYTES, MAX_FILES, MIN_CHARS_CEILING,
    TITLE_MAX, Reflection, ReflectionFile, ReflectionPart, ReflectionState,
)
from models.units import Person, Unit


# -- counting and files ----------------------------------------------------------------------------


def count_chars(text: str) -> int:
    """Characters as a Chinese reader counts 字: everything but whitespace."""
    return sum(1 for c in text if not c.isspace())


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


def file_columns(file: FileIn) -> dict:
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
    text = clean_text(text, lines=True)
    if not text and file is None:
        raise DomainError("reflect.media_unsupported")
    if file is not None:
        check_file(file)
        count = await session.scalar(
            select(func.count()).select_from(ReflectionFile).where(ReflectionFile.reflection_id == reflection.id))
        if count >= MAX_FILES:
            raise DomainError("reflect.too_many_files", limit=MAX_FILES)
        session.add(ReflectionFile(reflection_id=reflection.id, message_id=message_id, created_at=now,
                                   **file_columns(file)))
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
    text = clean_text(text, lines=True)
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
    provider = PROVIDERS.get(reflection.subject_kind)
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
