"""Questions the bot asked and awaits a reply to (ForceReply), kept in the database so a restart
does not forget them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, JSONType

PROMPT_TTL = timedelta(days=2)


class Prompt(Base):
    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


async def open_prompt(
    session: AsyncSession, *, chat_id: int, message_id: int, person_id: int, kind: str, payload: dict,
    now: datetime,
) -> Prompt:
    prompt = Prompt(
        chat_id=chat_id, message_id=message_id, person_id=person_id, kind=kind, payload=payload,
        created_at=now, expires_at=now + PROMPT_TTL,
    )
    session.add(prompt)
    await session.flush()
    return prompt


async def find_prompt(
    session: AsyncSession, *, chat_id: int, message_id: int, person_id: int, now: datetime
) -> Prompt | None:
    """The live prompt this reply answers, if it was asked of this person."""
    return await session.scalar(
        select(Prompt).where(
            Prompt.chat_id == chat_id, Prompt.message_id == message_id, Prompt.person_id == person_id,
            Prompt.expires_at > now,
        )
    )


async def close_prompt(session: AsyncSession, *, prompt: Prompt) -> None:
    await session.delete(prompt)


async def purge_expired_prompts(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(delete(Prompt).where(Prompt.expires_at <= now))
    return result.rowcount or 0
