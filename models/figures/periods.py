"""The periods of 督学 figures (week, month, quarter, half year, year, by the calendar) and the words
that name them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.errors import DomainError


class PeriodKind(enum.StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    half = "half"  # the half-yearly check
    year = "year"


PERIOD_WORDS = {
    "week": PeriodKind.week, "周": PeriodKind.week, "本周": PeriodKind.week, "w": PeriodKind.week,
    "month": PeriodKind.month, "月": PeriodKind.month, "本月": PeriodKind.month, "m": PeriodKind.month,
    "quarter": PeriodKind.quarter, "季": PeriodKind.quarter, "季度": PeriodKind.quarter,
    "本季度": PeriodKind.quarter, "本季": PeriodKind.quarter, "q": PeriodKind.quarter,
    "year": PeriodKind.year, "年": PeriodKind.year, "本年": PeriodKind.year, "全年": PeriodKind.year,
    "今年": PeriodKind.year, "y": PeriodKind.year,
    "half": PeriodKind.half, "半年": PeriodKind.half, "h": PeriodKind.half,
}
HALVES = {"上半年": 1, "h1": 1, "下半年": 2, "h2": 2}  # of this year
LAST_WORDS = ("上", "去", "last", "prev")


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date  # first local day
    end: date  # last local day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes at local midnight."""
        zone = ZoneInfo(tz)
        return (datetime.combine(self.start, time(), zone).astimezone(UTC),
                datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC))


def period_of(kind: PeriodKind, today: date, *, back: int = 0) -> Period:
    """The period of this kind containing `today`, or `back` periods before it."""
    if kind == PeriodKind.week:
        start = today - timedelta(days=today.weekday() + 7 * back)
        return Period(kind, start, start + timedelta(days=6))
    months = {PeriodKind.month: 1, PeriodKind.quarter: 3, PeriodKind.half: 6, PeriodKind.year: 12}[kind]
    first = (today.year * 12 + today.month - 1) // months * months - back * months
    start = date(first // 12, first % 12 + 1, 1)
    after = first + months
    return Period(kind, start, date(after // 12, after % 12 + 1, 1) - timedelta(days=1))


def parse_period(raw: str, *, today: date) -> Period:
    """`week|month|quarter|year` (or 周/月/季度/年), optionally `上…`/`last …` for the previous one."""
    text = raw.strip().lower()
    if text in HALVES:
        return period_of(PeriodKind.half, date(today.year, 6 * HALVES[text] - 5, 1))
    back = 0
    for word in LAST_WORDS:
        if text.startswith(word):
            back, text = 1, text[len(word):].strip(" 个-_")
            break
    kind = PERIOD_WORDS.get(text)
    if kind is None:
        raise DomainError("report.bad_period", given=raw.strip()[:20])
    return period_of(kind, today, back=back)
