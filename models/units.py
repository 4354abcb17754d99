"""Units (bound groups), people (Telegram users) and their memberships."""

from __future__ import annotations

import enum
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import BigId, Base, JSONType, str_enum
from models.errors import DomainError

NAME_MAX = 64


class UnitKind(enum.StrEnum):
    """The tier a unit studies at (DOMAIN.md); `self` is per member, not a unit."""

    lead = "lead"  # 党组/理论学习中心组
    supervise = "supervise"  # 机关党委
    research = "research"  # 党支部
    promote = "promote"  # 党小组/青年理论学习小组


class Role(enum.StrEnum):
    admin = "admin"
    member = "member"


class Rank(enum.StrEnum):
    """A member's rank tier, which decides their reading list and study-hour target (DOMAIN.md)."""

    member = "member"  # 普通党员
    chief = "chief"  # 领导干部（副处级及以上）
    head = "head"  # 单位主要负责人、书记


RANK_ORDER = {Rank.member: 0, Rank.chief: 1, Rank.head: 2}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    bot_is_admin: Mapped[bool] = mapped_column(default=False)
    options: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")


class Person(Base):
    """A Telegram user the bot has seen."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # Whether the bot may message this person privately: set by /start, cleared by Forbidden.
    private_ok: Mapped[bool] = mapped_column(default=False)
    private_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() if self.last_name else self.first_name


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("unit_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.member)
    rank: Mapped[Rank] = mapped_column(str_enum(Rank), default=Rank.member, server_default=Rank.member.value)
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class PersonIn:
    """What an update tells about a user, kept apart from Telegram's types."""

    tg_user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


async def upsert_person(session: AsyncSession, *, who: PersonIn, now: datetime) -> Person:
    """The person for a Telegram user, created on first sight; names kept current."""
    person = await session.scalar(select(Person).where(Person.tg_user_id == who.tg_user_id))
    first = (who.first_name or "?")[:128]
    last = who.last_name[:128] if who.last_name else None
    if person is None:
        person = Person(
            tg_user_id=who.tg_user_id, first_name=first, last_name=last, username=who.username,
            language_code=who.language_code, private_ok=False, created_at=now, updated_at=now,
        )
        session.add(person)
        await session.flush()
        return person
    _freshen(person, who, now)
    return person


def stored_names(who: PersonIn) -> tuple[str, str | None, str | None, str | None]:
    """(first name, last name, username, language code) as a person row keeps them."""
    return ((who.first_name or "?")[:128], who.last_name[:128] if who.last_name else None, who.username,
            who.language_code)


def _freshen(person: Person, who: PersonIn, now: datetime) -> None:
    """Keep the names and language as Telegram last showed them (written only when they changed)."""
    fresh = stored_names(who)
    if fresh != (person.first_name, person.last_name, person.username, person.language_code):
        person.first_name, person.last_name, person.username, person.language_code = fresh
        person.updated_at = now


# Built once: an update's first query skips building and keying the statement (it runs on every update).
_CALLER = (select(Person, Unit).outerjoin(Unit, Unit.chat_id == bindparam("chat_id"))
           .where(Person.tg_user_id == bindparam("tg_user_id")))


async def caller(
    session: AsyncSession, *, who: PersonIn | None, chat_id: int | None, now: datetime,
) -> tuple[Person | None, Unit | None]:
    """Who sent an update (as `upsert_person` leaves them) and the unit of the group it came from
    (`chat_id`, None outside groups): one query when the person is known, as on nearly every update."""
    if who is not None and chat_id is not None:
        found = (await session.execute(_CALLER, {"chat_id": chat_id, "tg_user_id": who.tg_user_id})).first()
        if found is not None:
            person, unit = found
            _freshen(person, who, now)
            return person, unit
    unit = await unit_by_chat(session, chat_id) if chat_id is not None else None
    person = await upsert_person(session, who=who, now=now) if who is not None else None
    return person, unit


async def set_private_ok(session: AsyncSession, *, person: Person, ok: bool, now: datetime) -> None:
    """Record whether the person can be reached in private chat (/start sets, a block clears)."""
    if person.private_ok != ok:
        person.private_ok = ok
        person.private_changed_at = now


async def set_private_ok_by_chat(session: AsyncSession, *, tg_user_id: int, ok: bool, now: datetime) -> Person | None:
    person = await session.scalar(select(Person).where(Person.tg_user_id == tg_user_id))
    if person is not None:
        await set_private_ok(session, person=person, ok=ok, now=now)
    return person


def clean_name(raw: str) -> str:
    """A unit name: printable, trimmed, 1..NAME_MAX characters."""
    name = "".join(c for c in raw if unicodedata.category(c)[0] != "C").strip()
    if not name:
        raise DomainError("unit.name_empty")
    if len(name) > NAME_MAX:
        raise DomainError("unit.name_too_long", limit=NAME_MAX, length=len(name))
    return name


async def unit_by_chat(session: AsyncSession, chat_id: int) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.chat_id == chat_id))


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.join_code == code))


async def bind_unit(
    session: AsyncSession, *, chat_id: int, title: str, kind: UnitKind, by: Person, now: datetime,
    timezone: str,
) -> tuple[Unit, bool]:
    """Register a group as a unit, or update its kind when bound again. The binder becomes an admin."""
    unit = await unit_by_chat(session, chat_id)
    created = unit is None
    if unit is None:
        try:
            name = clean_name(title)
        except DomainError:
            name = str(chat_id)
        unit = Unit(
            chat_id=chat_id, kind=kind, name=name, timezone=timezone, join_code=await _new_code(session),
            options={}, created_at=now, updated_at=now,
        )
        session.add(unit)
        await session.flush()
    else:
        unit.kind = kind
        unit.updated_at = now
    await join_unit(session, unit=unit, person=by, source="bind", now=now, role=Role.admin)
    return unit, created


async def _new_code(session: AsyncSession) -> str:
    while True:
        code = secrets.token_urlsafe(6)
        if await unit_by_code(session, code) is None:
            return code


async def rename_unit(session: AsyncSession, *, unit: Unit, raw_name: str, now: datetime) -> Unit:
    unit.name = clean_name(raw_name)
    unit.updated_at = now
    return unit


async def set_parent(session: AsyncSession, *, unit: Unit, parent: Unit | None, now: datetime) -> Unit:
    """Place a unit under another; a unit cannot sit below itself."""
    if parent is not None:
        if parent.id in await subtree_ids(session, unit_id=unit.id):
            raise DomainError("unit.parent_cycle")
    unit.parent_id = parent.id if parent else None
    unit.updated_at = now
    return unit


async def subtree_ids(session: AsyncSession, *, unit_id: int) -> set[int]:
    """The unit and every unit below it."""
    rows = (await session.execute(select(Unit.id, Unit.parent_id))).all()
    children: dict[int | None, list[int]] = {}
    for uid, pid in rows:
        children.setdefault(pid, []).append(uid)
    found, todo = {unit_id}, [unit_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def ancestor_ids(session: AsyncSession, *, unit_id: int) -> list[int]:
    """The units above this one, nearest first."""
    parents = dict((await session.execute(select(Unit.id, Unit.parent_id))).all())
    chain, cur = [], parents.get(unit_id)
    while cur is not None and cur not in chain and cur != unit_id:
        chain.append(cur)
        cur = parents.get(cur)
    return chain


async def admin_units(session: AsyncSession, *, person: Person) -> list[Unit]:
    """Units where the person is an admin in the database."""
    return list(
        await session.scalars(
            select(Unit)
            .join(Membership, Membership.unit_id == Unit.id)
            .where(Membership.person_id == person.id, Membership.role == Role.admin, Membership.active)
            .order_by(Unit.name)
        )
    )


async def membership(session: AsyncSession, *, unit: Unit, person: Person) -> Membership | None:
    return await session.scalar(
        select(Membership).where(Membership.unit_id == unit.id, Membership.person_id == person.id)
    )


async def join_unit(
    session: AsyncSession, *, unit: Unit, person: Person, source: str, now: datetime, role: Role | None = None,
) -> tuple[Membership, bool]:
    """Make the person an active member. Returns (membership, newly joined). Idempotent."""
    m = await membership(session, unit=unit, person=person)
    if m is None:
        m = Membership(
            unit_id=unit.id, person_id=person.id, role=role or Role.member, active=True, source=source,
            joined_at=now,
        )
        session.add(m)
        await session.flush()
        return m, True
    newly = not m.active
    if newly:
        m.active, m.left_at, m.joined_at, m.source = True, None, now, source
    if role is not None:
        m.role = role
    return m, newly


async def leave_unit(session: AsyncSession, *, unit: Unit, person: Person, now: datetime) -> bool:
    """Mark the person as gone from the unit (history stays). Returns whether anything changed."""
    m = await membership(session, unit=unit, person=person)
    if m is None or not m.active:
        return False
    m.active, m.left_at = False, now
    return True


async def set_role(session: AsyncSession, *, unit: Unit, person: Person, role: Role, now: datetime) -> None:
    """Record a role learned from Telegram (admin status) or granted in the bot."""
    m = await membership(session, unit=unit, person=person)
    if m is None:
        await join_unit(session, unit=unit, person=person, source="role", now=now, role=role)
    else:
        m.role = role


async def is_db_admin(session: AsyncSession, *, unit: Unit, person: Person) -> bool:
    m = await membership(session, unit=unit, person=person)
    return m is not None and m.active and m.role == Role.admin


async def active_members(session: AsyncSession, *, unit_id: int) -> list[tuple[Membership, Person]]:
    rows = await session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id == unit_id, Membership.active)
        .order_by(Membership.joined_at, Person.id)
    )
    return [(m, p) for m, p in rows.all()]


async def member_count(session: AsyncSession, *, unit_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Membership).where(Membership.unit_id == unit_id, Membership.active)
    ) or 0


async def person_units(session: AsyncSession, *, person: Person) -> list[tuple[Unit, Membership]]:
    rows = await session.execute(
        select(Unit, Membership)
        .join(Membership, Membership.unit_id == Unit.id)
        .where(Membership.person_id == person.id, Membership.active)
        .order_by(Unit.name)
    )
    return [(u, m) for u, m in rows.all()]


async def member_by_username(session: AsyncSession, *, unit_id: int, username: str) -> Person | None:
    """An active member of the unit by Telegram @username (case-insensitive)."""
    if not username:
        return None
    return await session.scalar(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.unit_id == unit_id, Membership.active, func.lower(Person.username) == username.lower())
        .limit(1)
    )
