"""Who counts as youth: an explicit flag, else the birth year against the unit's age limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.units import Person, Unit
from models.youth.limits import AGE_LIMIT_RANGE, BIRTH_YEAR_MIN, YOUTH_AGE_LIMIT
from models.youth.tables import YouthPerson


async def youth_of(session: AsyncSession, person_ids: list[int]) -> dict[int, YouthPerson]:
    if not person_ids:
        return {}
    rows = await session.scalars(select(YouthPerson).where(YouthPerson.person_id.in_(person_ids)))
    return {r.person_id: r for r in rows}


def age_limit(unit: Unit) -> int:
    return int((unit.options or {}).get("youth", {}).get("age_limit", YOUTH_AGE_LIMIT))


def is_youth(info: YouthPerson | None, *, year: int, limit: int) -> bool:
    if info is None:
        return False
    if info.flag is not None:
        return info.flag
    return info.birth_year is not None and year - info.birth_year <= limit


def _set_unit_option(unit: Unit, key: str, value: object, now: datetime) -> None:
    options = dict(unit.options or {})
    youth = dict(options.get("youth", {}))
    youth[key] = value
    options["youth"] = youth
    unit.options = options  # a new dict, so SQLAlchemy sees the change
    unit.updated_at = now


async def set_age_limit(session: AsyncSession, *, unit: Unit, limit: int, now: datetime) -> None:
    low, high = AGE_LIMIT_RANGE
    if not low <= limit <= high:
        raise DomainError("youth.bad_limit", given=limit, low=low, high=high)
    _set_unit_option(unit, "age_limit", limit, now)


_UNSET = object()


async def set_youth(
    session: AsyncSession, *, person: Person, by: Person, now: datetime, flag: object = _UNSET,
    birth_year: object = _UNSET,
) -> YouthPerson:
    """Set the explicit flag (True/False, None = decide by birth year) and/or the birth year."""
    if birth_year is not _UNSET and birth_year is not None:
        if not BIRTH_YEAR_MIN <= int(birth_year) <= now.year - 10:
            raise DomainError("youth.bad_year", given=birth_year, low=BIRTH_YEAR_MIN, high=now.year - 10)
    info = await session.get(YouthPerson, person.id)
    if info is None:
        info = YouthPerson(person_id=person.id, flag=None, birth_year=None, updated_at=now)
        session.add(info)
    if flag is not _UNSET:
        info.flag = flag  # type: ignore[assignment]
    if birth_year is not _UNSET:
        info.birth_year = birth_year  # type: ignore[assignment]
        if flag is _UNSET:
            info.flag = None  # a year given means: decide by age
    info.updated_by, info.updated_at = by.id, now
    await session.flush()
    return info


@dataclass(frozen=True, slots=True)
class FlagArgs:
    flag: bool | None | object = _UNSET
    birth_year: int | None | object = _UNSET
    limit: int | None = None


YES_WORDS = {"是", "青年", "yes", "y", "on", "true"}
NO_WORDS = {"否", "不是", "非青年", "no", "n", "off", "false"}
AUTO_WORDS = {"自动", "按年龄", "auto"}
LIMIT_WORDS = {"上限", "年龄上限", "limit"}


def parse_flag_args(text: str) -> FlagArgs | None:
    """`是` / `否` / `自动` / `1996` / `上限 40`; empty → None (show the picker)."""
    words = text.split()
    if not words:
        return None
    head = words[0].lower()
    if head in LIMIT_WORDS:
        if len(words) != 2 or not words[1].isascii() or not words[1].isdigit() or len(words[1]) > 3:
            raise DomainError("youth.bad_flag", given=text[:40])
        return FlagArgs(limit=int(words[1]))
    if len(words) != 1:
        raise DomainError("youth.bad_flag", given=text[:40])
    if head in YES_WORDS:
        return FlagArgs(flag=True)
    if head in NO_WORDS:
        return FlagArgs(flag=False)
    if head in AUTO_WORDS:
        return FlagArgs(flag=None)
    year = head.removesuffix("年")
    if len(year) == 4 and year.isascii() and year.isdigit():
        return FlagArgs(birth_year=int(year))
    raise DomainError("youth.bad_flag", given=text[:40])
