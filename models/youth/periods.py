"""A group's periods (weeks, fortnights, months, quarters counted from its rotation's anchor), and
local days and times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.units import Unit
from models.youth.tables import PeriodKind, Rotation


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    index: int  # counted from the rotation's anchor
    start: date
    end: date  # exclusive

    @property
    def key(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        """Numbers only (2026-12, 2026-Q4, 2026-11-23~11-29), so it reads the same in every language."""
        if self.kind == PeriodKind.monthly:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.quarterly:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()}~{last.month:02d}-{last.day:02d}"


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def anchor_for(kind: PeriodKind, day: date) -> date:
    """The start of the period of this kind that contains `day` (weeks start on Monday)."""
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        return day - timedelta(days=day.weekday())
    if kind == PeriodKind.monthly:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def period_by_index(kind: PeriodKind, anchor: date, index: int) -> Period:
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        step = 7 if kind == PeriodKind.weekly else 14
        start = anchor + timedelta(days=index * step)
        return Period(kind, index, start, start + timedelta(days=step))
    months = 1 if kind == PeriodKind.monthly else 3
    start = _add_months(anchor, index * months)
    return Period(kind, index, start, _add_months(start, months))


def period_at(kind: PeriodKind, anchor: date, day: date) -> Period:
    if kind in (PeriodKind.weekly, PeriodKind.biweekly):
        step = 7 if kind == PeriodKind.weekly else 14
        return period_by_index(kind, anchor, (day - anchor).days // step)
    months = 1 if kind == PeriodKind.monthly else 3
    diff = (day.year * 12 + day.month) - (anchor.year * 12 + anchor.month)
    return period_by_index(kind, anchor, diff // months)


def unit_period(unit: Unit, rotation: Rotation | None, day: date) -> Period:
    """The group's period containing `day`: its rotation's, else calendar months."""
    if rotation is None:
        return period_at(PeriodKind.monthly, anchor_for(PeriodKind.monthly, day), day)
    return period_at(rotation.period, rotation.anchor, day)


def period_bounds(period: Period, tz: str) -> tuple[datetime, datetime]:
    return local_to_utc(period.start, time(0), tz), local_to_utc(period.end, time(0), tz)
