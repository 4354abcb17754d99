"""The units a report covers: the root's subtree in order, and a unit an admin names within it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.units import Unit, subtree_ids


async def units_below(session: AsyncSession, *, root: Unit) -> list[tuple[Unit, int]]:
    """The root and its subtree, depth-first by name, each with its depth."""
    ids = await subtree_ids(session, unit_id=root.id)
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    children: dict[int | None, list[Unit]] = {}
    for u in units.values():
        if u.id != root.id:
            children.setdefault(u.parent_id, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(u: Unit, depth: int) -> None:
        out.append((u, depth))
        for child in sorted(children.get(u.id, []), key=lambda c: (c.name, c.id)):
            walk(child, depth + 1)
    walk(root, 0)
    return out


async def unit_in_tree(session: AsyncSession, *, root: Unit, raw: str) -> Unit:
    """The unit an admin names (by name or #id), which must be the root or below it."""
    text = raw.strip().lstrip("#＃")
    if not text:
        return root
    below = await subtree_ids(session, unit_id=root.id)
    query = select(Unit).where(Unit.name == text)
    if text.isdigit():
        query = select(Unit).where((Unit.name == text) | (Unit.id == int(text)))
    found = list(await session.scalars(query.order_by(Unit.id)))
    mine = [u for u in found if u.id in below]
    if mine:
        return mine[0]
    if found:
        raise DomainError("report.not_below", name=found[0].name, unit=root.name)
    raise DomainError("report.unknown_unit", given=raw.strip()[:40])
