"""The first agenda item (第一议题): an item published down the tree, studied before the meeting
(会前自学, "已学习"), led at a session (会上领学), followed up by reflections (会后督学), and turned
into measures tracked to closure (闭环落实).

An item is a row from the first step of the guided dialogue (state `draft`), so a restart in the
middle of the dialogue loses nothing. Publishing fixes its target units (the publisher's unit and,
optionally, every unit below it). A member has studied the item when they pressed "已学习" or attended
a session carrying it.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, bindparam, delete, exists, func, select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import BigId, Base, str_enum
from models.errors import DomainError
from models.outbox import Outbox, OutboxState
from models.sessions import (
    ATTENDED, Attendance, SessionKind, SessionState, StudySession, bump_roll, clean_text, parse_date,
)
from models.units import Membership, Person, Unit, join_unit, subtree_ids

TITLE_MAX = 200
LINK_MAX = 500
SOURCE_MAX = 2000
MEASURE_MAX = 300
PROGRESS_MAX = 500
DEFAULT_FOLLOWUP_DAYS = 3
FURTHEST = timedelta(days=2 * 365)  # study-by dates and deadlines are within two years
FOLLOWUP_DAYS_CHOICES = (1, 2, 3, 5, 7, 14)
REMIND_AT = time(9, 0)  # reminders go out at 09:00 local time
FOLLOWUP_REMIND_BEFORE = timedelta(hours=15)  # 09:00 on the due day (due at the end of it)
# Sessions of these kinds should open with a first agenda item.
LEADERSHIP_KINDS = (SessionKind.lead_study, SessionKind.lead_seminar, SessionKind.committee)


class Category(enum.StrEnum):
    """四必列."""

    national = "national"  # on the work of the whole country
    provincial = "provincial"  # on the province
    sector = "sector"  # on this department's or sector's work
    city = "city"  # decision notices after the city committee's study


CATEGORY_WORDS: dict[str, Category] = {
    "1": Category.national, "全国": Category.national, "国家": Category.national, "中央": Category.national,
    "2": Category.provincial, "全省": Category.provincial, "省": Category.provincial, "省委": Category.provincial,
    "3": Category.sector, "本系统": Category.sector, "本行业": Category.sector, "本领域": Category.sector,
    "本部门": Category.sector, "行业": Category.sector,
    "4": Category.city, "市委": Category.city, "市委决策": Category.city, "决策部署": Category.city,
    "决策": Category.city,
    # the catalogs' own labels (agenda.cat.*), so a label copied from a button is understood
    "全局工作": Category.national, "全局": Category.national, "本省": Category.provincial,
    "本部门本系统": Category.sector, "市委决定事项": Category.city, "决定事项": Category.city,
    **{c.value: c for c in Category},
}


class ItemState(enum.StrEnum):
    draft = "draft"  # being set up in the dialogue
    open = "open"
    closed = "closed"  # every measure done


class MeasureState(enum.StrEnum):
    draft = "draft"  # text and deadline given, owner not yet picked
    open = "open"
    done = "done"


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_state_study_by", "state", "study_by"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))
    source_text: Mapped[str | None] = mapped_column(Text)
    category: Mapped[Category | None] = mapped_column(str_enum(Category))
    study_by: Mapped[datetime | None]  # the end of the study-by day, local time
    to_below: Mapped[bool] = mapped_column(default=False)  # published to every unit below too
    state: Mapped[ItemState] = mapped_column(str_enum(ItemState), default=ItemState.draft)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class AgendaTarget(Base):
    """A unit the item was published to."""

    __tablename__ = "agenda_targets"
    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class AgendaStudy(Base):
    """A member pressed "已学习"."""

    __tablename__ = "agenda_studies"
    __table_args__ = (UniqueConstraint("item_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    studied_at: Mapped[datetime]


class AgendaSession(Base):
    """A session carrying the item as its first agenda item (会上领学)."""

    __tablename__ = "agenda_sessions"
    __table_args__ = (UniqueConstraint("session_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    followups_at: Mapped[datetime | None]  # when the session's follow-ups were assigned (after its close)


class AgendaFollowup(Base):
    """会后督学: a member is asked for a reflection on the item after the session that carried it."""

    __tablename__ = "agenda_followups"
    __table_args__ = (UniqueConstraint("item_id", "person_id"), Index("ix_agenda_followups_due_at", "due_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    reflection_id: Mapped[int | None] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AgendaMeasure(Base):
    """闭环落实: a measure of a unit for the item, with an owner and a deadline."""

    __tablename__ = "agenda_measures"
    __table_args__ = (Index("ix_agenda_measures_state_deadline", "state", "deadline"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MEASURE_MAX))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    deadline: Mapped[datetime]  # the end of the deadline day, local time
    state: Mapped[MeasureState] = mapped_column(str_enum(MeasureState), default=MeasureState.draft)
    progress: Mapped[str | None] = mapped_column(String(PROGRESS_MAX))
    progress_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


# -- options -------------------------------------------------------------------------------------------

def followup_days(unit: Unit) -> int:
    return int((unit.options or {}).get("agenda", {}).get("followup_days", DEFAULT_FOLLOWUP_DAYS))


async def set_followup_days(session: AsyncSession, unit: Unit, value: str, now: datetime) -> None:
    if not value.isdigit() or int(value) not in FOLLOWUP_DAYS_CHOICES:
        raise DomainError("agenda.bad_followup_days", given=value[:10])
    unit.options = {**(unit.options or {}), "agenda": {"followup_days": int(value)}}
    unit.updated_at = now


# -- parsing -------------------------------------------------------------------------------------------

_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://\S+$", re.IGNORECASE)
_LOOKS_LIKE_LINK = re.compile(r"^([a-z][a-z0-9+.\-]*:|www\.)\S*$", re.IGNORECASE)


def clean_title(raw: str) -> str:
    title = clean_text(raw)
    if not title:
        raise DomainError("agenda.title_missing")
    if len(title) > TITLE_MAX:
        raise DomainError("agenda.title_too_long", length=len(title), limit=TITLE_MAX)
    return title


def parse_link(raw: str) -> str:
    link = raw.strip()
    if not _URL.match(link) or not link.lower().startswith(("http://", "https://")) or len(link) > LINK_MAX:
        raise DomainError("agenda.bad_link", given=link[:60])
    return link


def parse_source(raw: str) -> tuple[str | None, str | None]:
    """What an admin gave as the source: (link, text). A link must be http(s)."""
    text = raw.strip()
    if not text:
        raise DomainError("agenda.source_missing")
    if _LOOKS_LIKE_LINK.match(text):
        return parse_link(text), None
    if len(text) > SOURCE_MAX:
        raise DomainError("agenda.source_too_long", length=len(text), limit=SOURCE_MAX)
    return None, text


def parse_category(raw: str) -> Category:
    word = clean_text(raw).lower()
    if word in CATEGORY_WORDS:
        return CATEGORY_WORDS[word]
    for key in sorted(CATEGORY_WORDS, key=len, reverse=True):
        if len(key) > 1 and key in word:
            return CATEGORY_WORDS[key]
    raise DomainError("agenda.bad_category", given=word[:30])


def end_of_day(day: date, tz: str) -> datetime:
    """The end of a local day (the next midnight), as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(tz))


def parse_day(raw: str, *, now: datetime, tz: str, error: str) -> date:
    text = clean_text(raw)
    today = now.astimezone(ZoneInfo(tz)).date()
    if not text:
        raise DomainError(error, given="")
    try:
        day, rest = parse_date(text, today=today)
    except DomainError:
        raise DomainError(error, given=text[:30]) from None
    if rest.strip():
        raise DomainError(error, given=text[:30])
    if day > today + FURTHEST:
        raise DomainError("agenda.too_far", day=f"{day:%Y-%m-%d}", years=FURTHEST.days // 365)
    return day


def check_study_by(day: date, *, now: datetime, tz: str) -> datetime:
    today = now.astimezone(ZoneInfo(tz)).date()
    if day < today:
        raise DomainError("agenda.study_by_past", day=f"{day:%Y-%m-%d}", today=f"{today:%Y-%m-%d}")
    return end_of_day(day, tz)


@dataclass(frozen=True, slots=True)
class ItemSpec:
    title: str
    link: str | None
    source_text: str | None
    category: Category
    study_by: datetime
    cascade: bool


CASCADE_WORDS = {"下级", "含下级", "全部", "所有下级", "all", "below", "cascade"}


def parse_item_line(text: str, *, now: datetime, tz: str) -> ItemSpec:
    """`<标题> | <链接> | <类别> | <学习截止日期> [| 下级]`."""
    parts = [p.strip() for p in re.split(r"[|｜]", text)]
    if len(parts) not in (4, 5):
        raise DomainError("agenda.line_shape", parts=len(parts))
    cascade = False
    if len(parts) == 5:
        if parts[4].lower() not in CASCADE_WORDS:
            raise DomainError("agenda.bad_scope", given=parts[4][:20])
        cascade = True
    link, source = parse_source(parts[1])
    day = parse_day(parts[3], now=now, tz=tz, error="agenda.bad_date")
    return ItemSpec(clean_title(parts[0]), link, source, parse_category(parts[2]),
                    check_study_by(day, now=now, tz=tz), cascade)


def parse_measure_line(text: str, *, now: datetime, tz: str) -> tuple[str, datetime]:
    """`<措施内容> | <截止日期>`."""
    parts = [p.strip() for p in re.split(r"[|｜]", text)]
    if len(parts) != 2:
        raise DomainError("agenda.measure_shape")
    body = clean_text(parts[0])
    if not body:
        raise DomainError("agenda.measure_shape")
    if len(body) > MEASURE_MAX:
        raise DomainError("agenda.measure_too_long", length=len(body), limit=MEASURE_MAX)
    day = parse_day(parts[1], now=now, tz=tz, error="agenda.bad_deadline")
    today = now.astimezone(ZoneInfo(tz)).date()
    if day < today:
        raise DomainError("agenda.deadline_past", day=f"{day:%Y-%m-%d}")
    return body, end_of_day(day, tz)


# -- items -----------------------------------------------------------------------------------------------

async def new_item(session: AsyncSession, *, unit: Unit, by: Person, now: datetime) -> AgendaItem:
    """A new draft; the admin's earlier unfinished drafts in this unit are dropped (one at a time)."""
    await session.execute(delete(AgendaItem).where(
        AgendaItem.unit_id == unit.id, AgendaItem.created_by_id == by.id, AgendaItem.state == ItemState.draft))
    item = AgendaItem(unit_id=unit.id, state=ItemState.draft, to_below=False, created_by_id=by.id, created_at=now)
    session.add(item)
    await session.flush()
    return item


async def draft_item(session: AsyncSession, *, item_id: int, unit: Unit | None, person: Person) -> AgendaItem:
    """The caller's own draft in this unit."""
    item = await session.get(AgendaItem, item_id)
    if item is None or unit is None or item.unit_id != unit.id or item.state != ItemState.draft:
        raise DomainError("agenda.draft_gone")
    if item.created_by_id != person.id:
        raise DomainError("agenda.draft_not_yours")
    return item


def draft_missing(item: AgendaItem) -> str | None:
    if not item.title:
        return "title"
    if not item.link and not item.source_text:
        return "source"
    if item.category is None:
        return "category"
    if item.study_by is None:
        return "study_by"
    return None


async def create_item(session: AsyncSession, *, unit: Unit, by: Person, spec: ItemSpec, now: datetime) -> AgendaItem:
    item = await new_item(session, unit=unit, by=by, now=now)
    item.title, item.link, item.source_text = spec.title, spec.link, spec.source_text
    item.category, item.study_by, item.to_below = spec.category, spec.study_by, spec.cascade
    return item


async def publish(session: AsyncSession, *, item: AgendaItem, unit: Unit, cascade: bool, now: datetime) -> list[Unit]:
    """Publish to the unit and, with `cascade`, every unit below it. Returns the target units."""
    if item.unit_id != unit.id or item.state != ItemState.draft:
        raise DomainError("agenda.draft_gone")
    if draft_missing(item):
        raise DomainError("agenda.draft_incomplete")
    if item.study_by < now:
        raise DomainError("agenda.study_by_past", day=f"{item.study_by:%Y-%m-%d}",
                          today=f"{now.astimezone(ZoneInfo(unit.timezone)):%Y-%m-%d}")
    ids = await subtree_ids(session, unit_id=unit.id) if cascade else {unit.id}
    item.to_below, item.state, item.published_at = cascade, ItemState.open, now
    for uid in sorted(ids):
        session.add(AgendaTarget(item_id=item.id, unit_id=uid, created_at=now))
    await session.flush()
    return list(await session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)))


async def target_units(session: AsyncSession, *, item_id: int) -> list[Unit]:
    return list(await session.scalars(
        select(Unit).join(AgendaTarget, AgendaTarget.unit_id == Unit.id).where(AgendaTarget.item_id == item_id)
        .order_by(Unit.id)
    ))


async def is_target(session: AsyncSession, *, item_id: int, unit_id: int) -> bool:
    return await session.scalar(select(AgendaTarget.id).where(
        AgendaTarget.item_id == item_id, AgendaTarget.unit_id == unit_id)) is not None


async def visible_item(session: AsyncSession, *, item_id: int, unit: Unit) -> AgendaItem:
    """A published item this unit received (or published); anything else is as good as none."""
    item = await session.get(AgendaItem, item_id)
    if item is None or item.state == ItemState.draft or not await is_target(session, item_id=item_id, unit_id=unit.id):
        raise DomainError("agenda.not_found", id=item_id)
    return item


async def unit_items(session: AsyncSession, *, unit_id: int, open_only: bool = True) -> list[AgendaItem]:
    stmt = select(AgendaItem).join(AgendaTarget, AgendaTarget.item_id == AgendaItem.id).where(
        AgendaTarget.unit_id == unit_id, AgendaItem.state != ItemState.draft)
    if open_only:
        stmt = stmt.where(AgendaItem.state == ItemState.open)
    return list(await session.scalars(stmt.order_by(AgendaItem.id.desc()).limit(30)))


def notice_key(item_id: int, unit_id: int) -> str:
    """The dedupe key of the item's notice to a unit (the roll-up reads whether it was delivered)."""
    return f"agd:{item_id}:notice:{unit_id}"


# -- 会前自学 -----------------------------------------------------------------------------------------------

async def mark_studied(session: AsyncSession, *, item: AgendaItem, unit: Unit, person: Person, now: datetime) -> bool:
    """"已学习": True when newly recorded. The unit must have received the item; pressing joins it."""
    if item.state == ItemState.draft or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_found", id=item.id)
    await join_unit(session, unit=unit, person=person, source="agenda", now=now)
    if await session.scalar(select(AgendaStudy.id).where(
            AgendaStudy.item_id == item.id, AgendaStudy.person_id == person.id)) is not None:
        return False
    session.add(AgendaStudy(item_id=item.id, person_id=person.id, unit_id=unit.id, studied_at=now))
    await session.flush()
    return True


def _attended_ids(item_id: int):  # noqa: ANN202 - a Select of person ids
    return select(Attendance.person_id).join(AgendaSession, AgendaSession.session_id == Attendance.session_id).where(
        AgendaSession.item_id == item_id, Attendance.status.in_(ATTENDED))


async def studied_ids(session: AsyncSession, *, item_id: int) -> set[int]:
    """Who studied the item: pressed "已学习" or attended a session carrying it."""
    pressed = set(await session.scalars(select(AgendaStudy.person_id).where(AgendaStudy.item_id == item_id)))
    return pressed | set(await session.scalars(_attended_ids(item_id)))


async def has_studied(session: AsyncSession, *, item_id: int, person_id: int) -> bool:
    return person_id in await studied_ids(session, item_id=item_id)


async def studied_items(session: AsyncSession, *, item_ids: list[int], person_id: int) -> set[int]:
    """Which of the items the person studied (as `studied_ids` counts it), in one query."""
    if not item_ids:
        return set()
    pressed = select(AgendaStudy.item_id).where(AgendaStudy.person_id == person_id, AgendaStudy.item_id.in_(item_ids))
    attended = select(AgendaSession.item_id).join(Attendance, Attendance.session_id == AgendaSession.session_id).where(
        Attendance.person_id == person_id, Attendance.status.in_(ATTENDED), AgendaSession.item_id.in_(item_ids))
    return set(await session.scalars(union_all(pressed, attended)))


@functools.cache
def _unstudied_stmt():
    """Built once (with bind parameters): constructing it per /me costs more CPU than running it."""
    rank = func.row_number().over(partition_by=AgendaTarget.unit_id, order_by=AgendaItem.id.desc()).label("rank")
    listed = (select(AgendaTarget.unit_id, AgendaTarget.item_id, rank)
              .join(AgendaItem, AgendaItem.id == AgendaTarget.item_id)
              .where(AgendaTarget.unit_id.in_(bindparam("units", expanding=True)), AgendaItem.state == ItemState.open)
              .subquery())
    person = bindparam("person")
    pressed = exists().where(AgendaStudy.person_id == person, AgendaStudy.item_id == listed.c.item_id)
    attended = exists().where(AgendaSession.item_id == listed.c.item_id, Attendance.session_id == AgendaSession.session_id,
                              Attendance.person_id == person, Attendance.status.in_(ATTENDED))
    return (select(listed.c.unit_id, AgendaItem).join(AgendaItem, AgendaItem.id == listed.c.item_id)
            .where(listed.c.rank <= bindparam("latest"), ~pressed, ~attended)
            .order_by(listed.c.unit_id, AgendaItem.id.desc()))


async def unstudied_items(
    session: AsyncSession, *, unit_ids: list[int], person_id: int, latest: int = 30,
) -> list[tuple[int, AgendaItem]]:
    """(unit id, item) for each unit's `latest` open items (as `unit_items` lists them) that the person
    has not studied (as `studied_items` counts it), newest first per unit: one query for all units (/me)."""
    if not unit_ids:
        return []
    rows = (await session.execute(_unstudied_stmt(), {"units": unit_ids, "person": person_id, "latest": latest})).all()
    return [(unit_id, item) for unit_id, item in rows]


async def not_studied(session: AsyncSession, *, item_id: int, unit_id: int) -> list[Person]:
    done = await studied_ids(session, item_id=item_id)
    people = await session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.unit_id == unit_id, Membership.active).order_by(Membership.joined_at, Person.id))
    return [p for p in people if p.id not in done]


def study_reminder_times(item: AgendaItem, tz: str) -> list[tuple[str, datetime]]:
    """09:00 on the day before the study-by day and on the day itself, if after publishing."""
    last_day = (item.study_by - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).date()
    out = []
    for tag, day in (("d1", last_day - timedelta(days=1)), ("d0", last_day)):
        at = datetime.combine(day, REMIND_AT, ZoneInfo(tz))
        if at > item.published_at:
            out.append((tag, at))
    return out


async def items_to_remind(session: AsyncSession, *, since: datetime) -> list[AgendaItem]:
    return list(await session.scalars(select(AgendaItem).where(
        AgendaItem.state == ItemState.open, AgendaItem.study_by > since).order_by(AgendaItem.id)))


# -- 会上领学 ---------------------------------------------------------------------------------------------

async def attach(session: AsyncSession, *, item: AgendaItem, ses: StudySession, unit: Unit, now: datetime) -> bool:
    """Make the item a first agenda item of the unit's session. True when newly attached."""
    if ses.unit_id != unit.id:
        raise DomainError("agenda.session_not_found", id=ses.id)
    if ses.state != SessionState.scheduled:
        raise DomainError("agenda.session_not_open", id=ses.id)
    if item.state != ItemState.open or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_found", id=item.id)
    if await session.scalar(select(AgendaSession.id).where(
            AgendaSession.session_id == ses.id, AgendaSession.item_id == item.id)) is not None:
        return False
    session.add(AgendaSession(session_id=ses.id, item_id=item.id, created_at=now))
    bump_roll(ses)  # the announcement shows the item first
    await session.flush()
    return True


async def session_items(session: AsyncSession, *, session_id: int) -> list[AgendaItem]:
    return list(await session.scalars(
        select(AgendaItem).join(AgendaSession, AgendaSession.item_id == AgendaItem.id)
        .where(AgendaSession.session_id == session_id).order_by(AgendaSession.id)))


async def bare_leadership_sessions(session: AsyncSession, *, now: datetime) -> list[StudySession]:
    """Scheduled leadership sessions still ahead that carry no first agenda item."""
    linked = select(AgendaSession.session_id)
    return list(await session.scalars(select(StudySession).where(
        StudySession.state == SessionState.scheduled, StudySession.kind.in_(LEADERSHIP_KINDS),
        StudySession.starts_at > now, StudySession.id.not_in(linked),
    ).order_by(StudySession.id)))


async def upcoming_sessions(session: AsyncSession, *, unit_id: int, now: datetime) -> list[StudySession]:
    return list(await session.scalars(select(StudySession).where(
        StudySession.unit_id == unit_id, StudySession.state == SessionState.scheduled,
        StudySession.closes_at > now).order_by(StudySession.starts_at).limit(8)))


# -- 会后督学 ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NewFollowups:
    item: AgendaItem
    ses: StudySession
    unit: Unit
    people: list[tuple[AgendaFollowup, Person]]


async def assign_followups(session: AsyncSession, *, now: datetime) -> list[NewFollowups]:
    """Closed sessions carrying items whose follow-ups are not assigned yet: ask each expected member
    (who has none for the item yet) for a reflection, due after the unit's follow-up days."""
    pending = (await session.execute(
        select(AgendaSession, StudySession).join(StudySession, StudySession.id == AgendaSession.session_id)
        .where(AgendaSession.followups_at.is_(None), StudySession.state == SessionState.closed)
        .order_by(AgendaSession.id)
    )).all()
    out = []
    for link, ses in pending:
        link.followups_at = now
        item = await session.get(AgendaItem, link.item_id)
        if item.state == ItemState.draft:
            continue
        unit = await session.get(Unit, ses.unit_id)
        due = end_of_day((now + timedelta(days=followup_days(unit))).astimezone(ZoneInfo(unit.timezone)).date(),
                         unit.timezone)
        have = set(await session.scalars(select(AgendaFollowup.person_id).where(AgendaFollowup.item_id == item.id)))
        people = (await session.scalars(
            select(Person).join(Attendance, Attendance.person_id == Person.id)
            .where(Attendance.session_id == ses.id, Attendance.expected).order_by(Attendance.id))).all()
        made = []
        for p in people:
            if p.id in have:
                continue
            f = AgendaFollowup(item_id=item.id, person_id=p.id, unit_id=unit.id, session_id=ses.id, due_at=due,
                               created_at=now)
            session.add(f)
            made.append((f, p))
        await session.flush()
        out.append(NewFollowups(item, ses, unit, made))
    return out


async def followups_to_remind(
    session: AsyncSession, *, since: datetime, until: datetime,
) -> list[tuple[AgendaFollowup, Person, AgendaItem]]:
    """Open follow-ups whose reminder (09:00 on the due day) fell in (since, until]."""
    rows = await session.execute(
        select(AgendaFollowup, Person, AgendaItem).join(Person, Person.id == AgendaFollowup.person_id)
        .join(AgendaItem, AgendaItem.id == AgendaFollowup.item_id)
        .where(AgendaFollowup.done_at.is_(None), AgendaFollowup.due_at > since + FOLLOWUP_REMIND_BEFORE,
               AgendaFollowup.due_at <= until + FOLLOWUP_REMIND_BEFORE)
        .order_by(AgendaFollowup.id))
    return [tuple(r) for r in rows.all()]


async def open_followups(session: AsyncSession, *, person_id: int) -> list[tuple[AgendaFollowup, AgendaItem]]:
    rows = await session.execute(
        select(AgendaFollowup, AgendaItem).join(AgendaItem, AgendaItem.id == AgendaFollowup.item_id)
        .where(AgendaFollowup.person_id == person_id, AgendaFollowup.done_at.is_(None))
        .order_by(AgendaFollowup.due_at))
    return [tuple(r) for r in rows.all()]


async def complete_followup(session: AsyncSession, *, item_id: int, person_id: int, reflection_id: int,
                            now: datetime) -> None:
    f = await session.scalar(select(AgendaFollowup).where(
        AgendaFollowup.item_id == item_id, AgendaFollowup.person_id == person_id))
    if f is not None and f.done_at is None:
        f.done_at, f.reflection_id = now, reflection_id


# -- 闭环落实 ---------------------------------------------------------------------------------------------

async def draft_measure(session: AsyncSession, *, item: AgendaItem, unit: Unit, text: str, deadline: datetime,
                        by: Person, now: datetime) -> AgendaMeasure:
    if item.state != ItemState.open or not await is_target(session, item_id=item.id, unit_id=unit.id):
        raise DomainError("agenda.not_open", id=item.id)
    m = AgendaMeasure(item_id=item.id, unit_id=unit.id, text=text, deadline=deadline, state=MeasureState.draft,
                      created_by_id=by.id, created_at=now)
    session.add(m)
    await session.flush()
    return m


async def unit_measure(session: AsyncSession, *, measure_id: int, unit: Unit) -> AgendaMeasure:
    m = await session.get(AgendaMeasure, measure_id)
    if m is None or m.unit_id != unit.id:
        raise DomainError("agenda.measure_not_found", id=measure_id)
    return m


async def set_owner(session: AsyncSession, *, measure: AgendaMeasure, unit: Unit, owner_id: int,
                    now: datetime) -> Person:
    """Give the drafted measure its owner, who must be an active member of the unit."""
    if measure.state != MeasureState.draft:
        raise DomainError("agenda.measure_has_owner", id=measure.id)
    owner = await session.scalar(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Person.id == owner_id, Membership.unit_id == unit.id, Membership.active))
    if owner is None:
        raise DomainError("agenda.owner_not_member", unit=unit.name)
    measure.owner_id, measure.state = owner.id, MeasureState.open
    return owner


def _own(measure: AgendaMeasure | None, person: Person, measure_id: int) -> AgendaMeasure:
    if measure is None or measure.state == MeasureState.draft:
        raise DomainError("agenda.measure_not_found", id=measure_id)
    if measure.owner_id != person.id:
        raise DomainError("agenda.measure_not_yours", id=measure_id)
    return measure


async def record_progress(session: AsyncSession, *, measure_id: int, person: Person, text: str,
                          now: datetime) -> AgendaMeasure:
    m = _own(await session.get(AgendaMeasure, measure_id), person, measure_id)
    if m.state == MeasureState.done:
        raise DomainError("agenda.measure_done_already", id=m.id)
    body = clean_text(text)
    if not body:
        raise DomainError("agenda.progress_missing")
    if len(body) > PROGRESS_MAX:
        raise DomainError("agenda.progress_too_long", length=len(body), limit=PROGRESS_MAX)
    m.progress, m.progress_at = body, now
    return m


async def finish_measure(session: AsyncSession, *, measure_id: int, person: Person,
                         now: datetime) -> tuple[AgendaMeasure, AgendaItem | None]:
    """Mark the owner's measure done. Returns it and the item when this closed the item."""
    m = _own(await session.get(AgendaMeasure, measure_id), person, measure_id)
    if m.state == MeasureState.done:
        raise DomainError("agenda.measure_done_already", id=m.id)
    m.state, m.done_at = MeasureState.done, now
    await session.flush()
    left = await session.scalar(select(func.count()).select_from(AgendaMeasure).where(
        AgendaMeasure.item_id == m.item_id, AgendaMeasure.state == MeasureState.open))
    item = await session.get(AgendaItem, m.item_id)
    if left == 0 and item.state == ItemState.open:
        item.state, item.closed_at = ItemState.closed, now
        return m, item
    return m, None


async def unit_measures(session: AsyncSession, *, item_id: int, unit_id: int) -> list[tuple[AgendaMeasure, Person]]:
    """The unit's measures for the item (with owners), in the order they were added."""
    rows = await session.execute(
        select(AgendaMeasure, Person).join(Person, Person.id == AgendaMeasure.owner_id)
        .where(AgendaMeasure.item_id == item_id, AgendaMeasure.unit_id == unit_id,
               AgendaMeasure.state != MeasureState.draft)
        .order_by(AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


async def person_measures(session: AsyncSession, *, person_id: int) -> list[tuple[AgendaMeasure, AgendaItem]]:
    rows = await session.execute(
        select(AgendaMeasure, AgendaItem).join(AgendaItem, AgendaItem.id == AgendaMeasure.item_id)
        .where(AgendaMeasure.owner_id == person_id, AgendaMeasure.state == MeasureState.open)
        .order_by(AgendaMeasure.deadline, AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


async def overdue_measures(session: AsyncSession, *, now: datetime) -> list[tuple[AgendaMeasure, Person, AgendaItem]]:
    rows = await session.execute(
        select(AgendaMeasure, Person, AgendaItem).join(Person, Person.id == AgendaMeasure.owner_id)
        .join(AgendaItem, AgendaItem.id == AgendaMeasure.item_id)
        .where(AgendaMeasure.state == MeasureState.open, AgendaMeasure.deadline <= now)
        .order_by(AgendaMeasure.id))
    return [tuple(r) for r in rows.all()]


def overdue_reminder_times(deadline: datetime, tz: str, since: datetime, until: datetime) -> list[datetime]:
    """09:00 local on each day after the deadline that falls in (since, until]."""
    zone = ZoneInfo(tz)
    day = max(deadline, since).astimezone(zone).date()
    out = []
    while (at := datetime.combine(day, REMIND_AT, zone)) <= until:
        if at > since and at >= deadline:
            out.append(at)
        day += timedelta(days=1)
    return out


# -- roll-up ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UnitRollup:
    unit: Unit
    depth: int
    notified: str  # the notice's delivery: sent, pending, failed
    members: int
    studied: int
    sessions: int
    followups: int
    followups_done: int
    measures: int
    measures_done: int
    measures_overdue: int

    @property
    def rate(self) -> int:
        return round(100 * self.studied / self.members) if self.members else 0


async def rollup(session: AsyncSession, *, item: AgendaItem, unit: Unit, now: datetime) -> list[UnitRollup]:
    """The item's state in the unit and each target unit below it, in tree order."""
    below = await subtree_ids(session, unit_id=unit.id)
    targets = {u.id: u for u in await target_units(session, item_id=item.id) if u.id in below}
    studied = await studied_ids(session, item_id=item.id)
    children: dict[int | None, list[Unit]] = {}
    for u in targets.values():
        children.setdefault(u.parent_id if u.parent_id in targets else None, []).append(u)
    order: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.id):
            order.append((u, depth))
            walk(u.id, depth + 1)
    walk(None, 0)
    out = []
    for u, depth in order:
        members = set(await session.scalars(select(Membership.person_id).where(
            Membership.unit_id == u.id, Membership.active)))
        held = await session.scalar(select(func.count()).select_from(AgendaSession).join(
            StudySession, StudySession.id == AgendaSession.session_id).where(
            AgendaSession.item_id == item.id, StudySession.unit_id == u.id, StudySession.state == SessionState.closed))
        fups = (await session.execute(select(AgendaFollowup.done_at).where(
            AgendaFollowup.item_id == item.id, AgendaFollowup.unit_id == u.id))).scalars().all()
        ms = (await session.execute(select(AgendaMeasure.state, AgendaMeasure.deadline).where(
            AgendaMeasure.item_id == item.id, AgendaMeasure.unit_id == u.id,
            AgendaMeasure.state != MeasureState.draft))).all()
        notice = await session.scalar(select(Outbox.state).where(Outbox.dedupe_key == notice_key(item.id, u.id)))
        notified = {OutboxState.sent: "sent", OutboxState.failed: "failed", OutboxState.dead: "failed"}.get(
            notice, "pending")
        out.append(UnitRollup(
            u, depth, notified, len(members), len(members & studied), held or 0, len(fups), sum(1 for d in fups if d),
            len(ms), sum(1 for s, _ in ms if s == MeasureState.done),
            sum(1 for s, d in ms if s == MeasureState.open and d <= now)))
    return out


# -- the 学习档案 (督学's archive) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ArchiveRow:
    """An item as one target unit received it, with one of its measures there (or none)."""

    unit: str
    title: str
    category: Category | None
    published_at: datetime | None
    study_by: datetime | None
    studied: int  # people of the unit who studied it ("已学习" or attended a session carrying it)
    followups: int
    followups_done: int
    measure: str | None = None
    owner: str | None = None
    deadline: datetime | None = None
    measure_state: MeasureState | None = None
    done_at: datetime | None = None


async def archive_rows(session: AsyncSession, *, unit_ids: set[int], start: datetime,
                       end: datetime) -> list[ArchiveRow]:
    """Items published in [start, end) to units of `unit_ids`: a row per (item, unit, measure) — in SQL
    grouped queries, whatever the number of members."""
    pairs = (await session.execute(
        select(AgendaTarget.item_id, AgendaTarget.unit_id, Unit.name, AgendaItem.title, AgendaItem.category,
               AgendaItem.published_at, AgendaItem.study_by)
        .join(AgendaItem, AgendaItem.id == AgendaTarget.item_id).join(Unit, Unit.id == AgendaTarget.unit_id)
        .where(AgendaTarget.unit_id.in_(unit_ids), AgendaItem.state != ItemState.draft,
               AgendaItem.published_at >= start, AgendaItem.published_at < end)
        .order_by(AgendaItem.published_at, AgendaItem.id, Unit.name, Unit.id)
    )).all()
    if not pairs:
        return []
    items = {p[0] for p in pairs}
    pressed = select(AgendaStudy.item_id, AgendaStudy.unit_id, AgendaStudy.person_id).where(
        AgendaStudy.item_id.in_(items))
    attended = (select(AgendaSession.item_id, StudySession.unit_id, Attendance.person_id)
                .join(StudySession, StudySession.id == AgendaSession.session_id)
                .join(Attendance, Attendance.session_id == AgendaSession.session_id)
                .where(AgendaSession.item_id.in_(items), Attendance.status.in_(ATTENDED)))
    both = pressed.union(attended).subquery()
    studied = {(i, u): n for i, u, n in (await session.execute(
        select(both.c.item_id, both.c.unit_id, func.count()).group_by(both.c.item_id, both.c.unit_id))).all()}
    fups = {(i, u): (n, int(d or 0)) for i, u, n, d in (await session.execute(
        select(AgendaFollowup.item_id, AgendaFollowup.unit_id, func.count(), func.count(AgendaFollowup.done_at))
        .where(AgendaFollowup.item_id.in_(items)).group_by(AgendaFollowup.item_id, AgendaFollowup.unit_id))).all()}
    measures: dict[tuple[int, int], list] = {}
    for m, owner in (await session.execute(
        select(AgendaMeasure, Person).outerjoin(Person, Person.id == AgendaMeasure.owner_id)
        .where(AgendaMeasure.item_id.in_(items), AgendaMeasure.state != MeasureState.draft)
        .order_by(AgendaMeasure.deadline, AgendaMeasure.id))).all():
        measures.setdefault((m.item_id, m.unit_id), []).append((m, owner))
    out = []
    for item_id, unit_id, unit, title, category, published, study_by in pairs:
        n, done = fups.get((item_id, unit_id), (0, 0))
        base = ArchiveRow(unit, title or "", category, published, study_by, studied.get((item_id, unit_id), 0), n, done)
        mine = measures.get((item_id, unit_id))
        if not mine:
            out.append(base)
            continue
        for m, owner in mine:
            out.append(replace(base, measure=m.text, owner=owner.display_name if owner else None,
                               deadline=m.deadline, measure_state=m.state, done_at=m.done_at))
    return out
