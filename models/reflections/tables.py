"""Reflections' limits, states and tables: reflections, their parts, files and reviews; notes requests and items."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, str_enum


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
