"""The guided dialogue's drafts: a session being set up (or edited), kept in the database so a restart
in the middle of the dialogue loses nothing."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.sessions.parsing import SessionSpec, local_span
from models.sessions.tables import (
    DEFAULT_MINUTES, DRAFT_TTL, ActivityForm, SessionDraft, SessionKind, StudySession, takes_form,
)
from models.units import Person, Unit


async def new_draft(
    session: AsyncSession, *, unit: Unit, person: Person, now: datetime, ses: StudySession | None = None,
) -> SessionDraft:
    """Start (or restart) the admin's draft in this unit; editing a session starts from its values."""
    await session.execute(delete(SessionDraft).where(
        (SessionDraft.expires_at <= now)
        | ((SessionDraft.unit_id == unit.id) & (SessionDraft.person_id == person.id))
    ))
    data: dict = {"minutes": DEFAULT_MINUTES}
    if ses is not None:
        zone = ZoneInfo(unit.timezone)
        start = ses.starts_at.astimezone(zone)
        data = {"kind": ses.kind.value, "date": start.date().isoformat(), "time": start.strftime("%H:%M"),
                "minutes": ses.minutes, "topic": ses.topic, "place": ses.place, "presenter": ses.presenter,
                "form": ses.form.value if ses.form else None}
    draft = SessionDraft(unit_id=unit.id, person_id=person.id, session_id=ses.id if ses else None, data=data,
                         created_at=now, expires_at=now + DRAFT_TTL)
    session.add(draft)
    await session.flush()
    return draft


async def get_draft(
    session: AsyncSession, *, draft_id: int, unit: Unit | None, person: Person, now: datetime,
) -> SessionDraft:
    """The caller's own live draft in this unit."""
    draft = await session.get(SessionDraft, draft_id)
    if draft is None or draft.expires_at <= now or unit is None or draft.unit_id != unit.id:
        raise DomainError("sessions.draft_gone")
    if draft.person_id != person.id:
        raise DomainError("sessions.draft_not_yours")
    return draft


def set_draft(draft: SessionDraft, now: datetime, **values: object) -> None:
    draft.data = {**draft.data, **values}  # a new dict, so SQLAlchemy sees the change
    draft.expires_at = now + DRAFT_TTL


def draft_missing(draft: SessionDraft) -> str | None:
    """The first thing the dialogue still has to ask, or None when the draft is complete."""
    for name in ("kind", "form", "date", "time", "topic"):
        if name == "form" and not takes_form(draft.data.get("kind")):
            continue
        if not draft.data.get(name):
            return name
    return None


def draft_spec(draft: SessionDraft, *, tz: str) -> SessionSpec:
    d = draft.data
    missing = draft_missing(draft)
    if missing:
        raise DomainError("sessions.draft_incomplete")
    start = time.fromisoformat(d["time"])
    starts_at, ends_at = local_span(date.fromisoformat(d["date"]), start, None, tz, int(d.get("minutes") or 90))
    kind = SessionKind(d["kind"])
    return SessionSpec(kind=kind, starts_at=starts_at, ends_at=ends_at, topic=d["topic"],
                       place=d.get("place"), presenter=d.get("presenter"),
                       form=ActivityForm(d["form"]) if takes_form(kind) and d.get("form") else None)


async def drop_draft(session: AsyncSession, *, draft: SessionDraft) -> None:
    await session.delete(draft)
