"""A unit's agenda options, and parsing what people type (titles, links, sources, categories, dates, lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.agenda.tables import (
    CATEGORY_WORDS, DEFAULT_FOLLOWUP_DAYS, FOLLOWUP_DAYS_CHOICES, FURTHEST, LINK_MAX, MEASURE_MAX, SOURCE_MAX,
    TITLE_MAX, Category,
)
from models.errors import DomainError
from models.sessions import clean_text, parse_date
from models.units import Unit


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
