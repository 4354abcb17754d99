"""Per-unit study targets and settings, and members' ranks."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.selfstudy.parsing import normalize
from models.selfstudy.tables import DEFAULT_TARGET_HOURS
from models.units import RANK_ORDER, Membership, Rank, Unit, UnitKind


# -- targets --------------------------------------------------------------------------------------

def _unit_cfg(unit: Unit) -> dict:
    return (unit.options or {}).get("selfstudy", {})


def target_hours(unit: Unit) -> dict[str, int]:
    return {**DEFAULT_TARGET_HOURS, **_unit_cfg(unit).get("targets", {})}


def is_leader(unit: Unit, rank: Rank) -> bool:
    """Secretaries and leadership: ranks above member, and every member of a leadership group."""
    return RANK_ORDER[rank] > 0 or unit.kind == UnitKind.lead


def yearly_target(unit: Unit, rank: Rank) -> int:
    """A member's yearly target in minutes, as this unit sets it."""
    return target_hours(unit)["leader" if is_leader(unit, rank) else "member"] * 60


def weekly_target(unit: Unit, rank: Rank, plan_minutes: int | None) -> int:
    """The week's plan sets it; a week without a plan asks for a 52nd of the year's target."""
    return plan_minutes if plan_minutes is not None else math.ceil(yearly_target(unit, rank) / 52)


def _set_unit_cfg(unit: Unit, key: str, value: Any, now: datetime) -> None:
    options = dict(unit.options or {})
    cfg = dict(options.get("selfstudy", {}))
    cfg[key] = value
    options["selfstudy"] = cfg
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now


def set_target_hours(unit: Unit, *, who: str, raw: str, now: datetime) -> int:
    text = normalize(raw).lower().removesuffix("小时").removesuffix("h").strip()
    if not re.fullmatch(r"\d{1,4}", text) or not 1 <= int(text) <= 2000:
        raise DomainError("ss_set.bad_hours", given=raw[:20])
    _set_unit_cfg(unit, "targets", {**_unit_cfg(unit).get("targets", {}), who: int(text)}, now)
    return int(text)


def shows_names(unit: Unit) -> bool:
    """Whether the unit consents to names in the weekly summary's top list."""
    return bool(_unit_cfg(unit).get("show_names", False))


def set_shows_names(unit: Unit, *, on: bool, now: datetime) -> None:
    _set_unit_cfg(unit, "show_names", on, now)


# -- ranks ----------------------------------------------------------------------------------------

async def set_rank(session: AsyncSession, *, unit: Unit, person_id: int, rank: Rank) -> Membership:
    m = await session.scalar(select(Membership).where(Membership.unit_id == unit.id, Membership.person_id == person_id,
                                                      Membership.active))
    if m is None:
        raise DomainError("rank.not_member")
    m.rank = rank
    return m


RANK_WORDS = {"普通党员": Rank.member, "党员": Rank.member, "普通": Rank.member, "member": Rank.member,
              "领导干部": Rank.chief, "干部": Rank.chief, "处级": Rank.chief, "副处级": Rank.chief, "科级": Rank.chief,
              "chief": Rank.chief, "主要负责人": Rank.head, "负责人": Rank.head, "书记": Rank.head,
              "主官": Rank.head, "head": Rank.head}


def parse_rank(raw: str, error: str = "rank.bad") -> Rank:
    word = normalize(raw).lower()
    if word in RANK_WORDS:
        return RANK_WORDS[word]
    raise DomainError(error, given=raw[:20])
