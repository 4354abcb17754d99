"""The outbox: every message the bot sends on its own is a row here before it is sent.

A row is written in the same transaction as the change that causes it, with a unique dedupe key, so
planning twice is harmless and nothing is sent that the database does not know about. The sender
claims due rows with a lease, sends them, and records the outcome.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Enum, ForeignKey, Index, LargeBinary, String, Text, and_, func, literal, or_, select, update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType, UTCDateTime, str_enum

DEDUPE_MAX = 200


class OutboxState(enum.StrEnum):
    pending = "pending"  # waiting for its due time (or for a retry)
    sending = "sending"  # claimed by a sender until lease_until
    sent = "sent"
    failed = "failed"  # will never go through as addressed (blocked, chat gone); see last_error
    dead = "dead"  # gave up after max attempts; admins were told


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(DEDUPE_MAX), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Who a private message is for (so a block marks them unreachable), and their unit (for the
    # fallback mention in its group and for telling its admins about dead rows).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    markup: Mapped[dict | None] = mapped_column(JSONType)
    # Something other than a text message: {"poll": {options, correct, explanation, open_period}} (a quiz
    # poll whose question is `text`) or {"photo": file_id} (with `text` as its caption).
    media: Mapped[dict | None] = mapped_column(JSONType)
    fallback_text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState), default=OutboxState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The message this row produced once sent; set before sending, the message this row edits.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A document (a report) sent with `text` as its caption, instead of a text message.
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SkippedSchedule(Base):
    """A scheduled message not sent because the bot was down past `delivery.catch_up_hours`: kept so
    its unit's admins are told (once, `told_at`) and `wuxue outbox` can list it."""

    __tablename__ = "skipped_schedules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    what: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    found_at: Mapped[datetime]
    told_at: Mapped[datetime | None]


@dataclass(slots=True)
class OutboxIn:
    """A message to enqueue. `fallback_text` is posted to the unit's group if the person blocked us."""

    dedupe_key: str
    chat_id: int
    text: str
    kind: str
    due_at: datetime
    person_id: int | None = None
    unit_id: int | None = None
    markup: dict | None = None
    fallback_text: str | None = None
    edit_message_id: int | None = None  # edit this message of ours in chat_id instead of sending a new one
    media: dict | None = None  # {"poll": {...}} or {"photo": file_id}: sent as that instead of a text
    document: tuple[str, bytes] | None = None  # (file name, bytes): send a file with `text` as its caption
    extra: dict = field(default_factory=dict)


async def enqueue(session: AsyncSession, *, items: list[OutboxIn], now: datetime) -> int:
    """Insert rows, skipping dedupe keys already present. Returns how many were new.

    Runs in the caller's transaction: the message exists exactly when the change that causes it does.
    """
    if not items:
        return 0
    rows = [
        {
            "dedupe_key": i.dedupe_key[:DEDUPE_MAX], "chat_id": i.chat_id, "person_id": i.person_id,
            "unit_id": i.unit_id, "text": i.text, "markup": i.markup, "media": i.media, "fallback_text": i.fallback_text,
            "kind": i.kind, "due_at": i.due_at, "state": OutboxState.pending, "attempts": 0, "created_at": now,
            "message_id": i.edit_message_id,
            "file_name": i.document[0] if i.document else None, "file_data": i.document[1] if i.document else None,
        }
        for i in items
    ]
    dialect = session.bind.dialect.name
    if dialect == "postgresql":
        return await _enqueue_postgresql(session, rows)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One statement run over many parameter sets (SQLAlchemy batches them into multi-row INSERTs):
    # compiled once, unlike .values(rows), whose compilation grows with the rows. RETURNING counts
    # the rows that were new.
    stmt = insert(Outbox.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Outbox.id)
    result = await session.execute(stmt, rows)
    return len(result.all())


PG_CHUNK = 5000


async def _enqueue_postgresql(session: AsyncSession, rows: list[dict]) -> int:
    """The same rows as one INSERT … SELECT FROM unnest(arrays) per PG_CHUNK rows: a column per
    parameter (an array), so the statement is the same whatever the number of rows, is prepared
    once, and the rows travel in asyncpg's binary array format. A duplicate key (in the table or
    among the rows) is skipped, as before; RETURNING counts the new rows. The values are stored as
    SQLAlchemy would (JSON columns serialised by the dialect's serialiser, None as JSON null; times
    as aware UTC), in the given order (WITH ORDINALITY), so ids follow the order of `items`.
    """
    dialect = session.bind.dialect
    table = Outbox.__table__
    names = list(rows[0])
    serialise = dialect._json_serializer or json.dumps
    casts = ", ".join(f"${n}::{table.c[name].type.compile(dialect)}[]" for n, name in enumerate(names, 1))
    sql = (f"INSERT INTO outbox ({', '.join(names)}) SELECT {', '.join(names)} FROM unnest({casts}) "
           f"WITH ORDINALITY AS r({', '.join(names)}, ord) ORDER BY ord "
           f"ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
    columns: list[Callable[[list[dict]], list]] = []
    for name in names:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            columns.append(_json_column(name, serialise))
        elif isinstance(column_type, UTCDateTime):
            columns.append(_time_column(name))
        elif isinstance(column_type, Enum):
            columns.append(lambda chunk, name=name: [r[name].value for r in chunk])
        else:
            columns.append(lambda chunk, name=name: [r[name] for r in chunk])
    conn = await session.connection()
    new = 0
    for start in range(0, len(rows), PG_CHUNK):
        chunk = rows[start:start + PG_CHUNK]
        result = await conn.exec_driver_sql(sql, tuple(column(chunk) for column in columns))
        new += len(result.all())
    return new


def _json_column(name: str, serialise: Callable[[Any], str]) -> Callable[[list[dict]], list]:
    def values(chunk: list[dict]) -> list[str]:
        done: dict[int, str] = {}  # the same markup object goes to many rows: serialised once
        out = []
        for row in chunk:
            value = row[name]
            key = id(value)
            if key not in done:
                done[key] = serialise(value)
            out.append(done[key])
        return out
    return values


def _time_column(name: str) -> Callable[[list[dict]], list]:
    def values(chunk: list[dict]) -> list[datetime]:
        out = []
        for row in chunk:
            value = row[name]
            if value.tzinfo is None:
                raise ValueError("naive datetime given; the domain works in aware UTC")
            out.append(value.astimezone(UTC))
        return out
    return values


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta, holder: str
) -> list[Outbox]:
    """Lease up to `limit` due rows (pending, or sending with an expired lease): group posts, then
    private messages, each oldest due first.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets several senders claim disjoint rows; SQLite is one
    process, and the UPDATE's state condition keeps a row from being claimed twice.
    """
    due = or_(
        and_(Outbox.state == OutboxState.pending, Outbox.due_at <= now),
        and_(Outbox.state == OutboxState.sending, Outbox.lease_until < now),
    )
    # Group posts first: they are few (each group's window holds them back) and reach everyone, and a
    # post deferred by its group's window must not wait behind a whole private broadcast.
    pick = select(Outbox.id).where(due).order_by((Outbox.chat_id < 0).desc(), Outbox.due_at, Outbox.id).limit(limit)
    if session.bind.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(await session.scalars(pick))
    if not ids:
        return []
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), due)
        .values(state=OutboxState.sending, lease_until=now + lease, leased_by=holder)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(Outbox).where(Outbox.id.in_(ids), Outbox.leased_by == holder, Outbox.state == OutboxState.sending)
        .order_by((Outbox.chat_id < 0).desc(), Outbox.due_at, Outbox.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def start_sending(session: AsyncSession, *, row_id: int, holder: str, until: datetime) -> bool:
    """Extend a claimed row's short claim to the full lease just before its request goes out.
    False when the claim was lost meanwhile (another sender has the row): then it must not be sent."""
    result = await session.execute(
        update(Outbox).where(Outbox.id == row_id, Outbox.leased_by == holder, Outbox.state == OutboxState.sending)
        .values(lease_until=until).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def release_claims(session: AsyncSession, *, holder: str, keep: set[int] | frozenset[int] = frozenset(),
                         only: list[int] | None = None, due_at: datetime | None = None) -> int:
    """Hand back the rows `holder` claimed but did not start (all but `keep`, or just `only`): due
    again at once, or not before `due_at`."""
    stmt = update(Outbox).where(Outbox.leased_by == holder, Outbox.state == OutboxState.sending)
    if keep:
        stmt = stmt.where(Outbox.id.not_in(keep))
    if only is not None:
        stmt = stmt.where(Outbox.id.in_(only))
    values: dict = {"state": OutboxState.pending, "lease_until": None, "leased_by": None}
    if due_at is not None:
        later = literal(due_at, Outbox.__table__.c.due_at.type)  # stored as the column stores times
        values["due_at"] = func.max(Outbox.due_at, later) if session.bind.dialect.name == "sqlite" \
            else func.greatest(Outbox.due_at, later)
    result = await session.execute(stmt.values(**values).execution_options(synchronize_session=False))
    return result.rowcount


async def release_orphans(session: AsyncSession, *, holders: list[str] | None) -> int:
    """Hand back rows held by senders that are gone (`holders`; every sending row when None: a lone
    SQLite process starting knows no other can be running), so a crashed process's claims and sends
    in flight come back now rather than when their leases run out. Any row it was
    sending may be sent again: the at-least-once bound (≤ concurrency per crash) is unchanged."""
    if holders is not None and not holders:
        return 0
    stmt = update(Outbox).where(Outbox.state == OutboxState.sending)
    if holders is not None:
        stmt = stmt.where(Outbox.leased_by.in_(holders))
    result = await session.execute(
        stmt.values(state=OutboxState.pending, lease_until=None, leased_by=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


async def record_skipped(session: AsyncSession, *, skipped: list[tuple[int | None, str, datetime]],
                         now: datetime) -> None:
    session.add_all(SkippedSchedule(unit_id=unit_id, what=what[:200], due_at=at, found_at=now)
                    for unit_id, what, at in skipped)


async def untold_skipped(session: AsyncSession) -> list[SkippedSchedule]:
    return list(await session.scalars(
        select(SkippedSchedule).where(SkippedSchedule.told_at.is_(None)).order_by(SkippedSchedule.id)))


async def recent_skipped(session: AsyncSession, *, limit: int = 50) -> list[SkippedSchedule]:
    return list(await session.scalars(select(SkippedSchedule).order_by(SkippedSchedule.id.desc()).limit(limit)))


async def counts_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Outbox.state, func.count()).group_by(Outbox.state))
    return {str(state.value if hasattr(state, "value") else state): n for state, n in rows.all()}


async def oldest_due(session: AsyncSession, *, now: datetime) -> datetime | None:
    return await session.scalar(
        select(func.min(Outbox.due_at)).where(Outbox.state == OutboxState.pending, Outbox.due_at <= now)
    )


async def backlog(session: AsyncSession, *, now: datetime) -> int:
    return await session.scalar(
        select(func.count()).select_from(Outbox).where(
            Outbox.state.in_([OutboxState.pending, OutboxState.sending]), Outbox.due_at <= now
        )
    ) or 0


async def retry_dead(session: AsyncSession, *, row_id: int, now: datetime) -> Outbox | None:
    """Put a dead (or failed) row back in the queue, due now, with its attempts reset."""
    row = await session.get(Outbox, row_id)
    if row is None or row.state not in (OutboxState.dead, OutboxState.failed):
        return None
    row.state, row.attempts, row.due_at, row.lease_until, row.leased_by = OutboxState.pending, 0, now, None, None
    return row
