"""Agenda items: the guided draft, publishing to target units, and which units see which items."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.parsing import ItemSpec
from models.agenda.tables import AgendaItem, AgendaTarget, ItemState
from models.errors import DomainError
from models.units import Person, Unit, subtree_ids


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
