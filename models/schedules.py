"""Recurring times in a unit's own time zone, and what fell due in a window."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.errors import DomainError

TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Weekly:
    """Every week on `weekday` (0 = Monday) at `at`, local to `tz`."""

    weekday: int
    at: time
    tz: str

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        """Occurrences t with start < t <= end, in UTC."""
        zone = ZoneInfo(self.tz)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        found = []
        while day <= last:
            if day.weekday() == self.weekday:
                local = datetime.combine(day, self.at, tzinfo=zone)
                at = local.astimezone(UTC)
                if start < at <= end:
                    found.append(at)
            day += timedelta(days=1)
        return found


def parse_hhmm(text: str) -> time:
    m = TIME_RE.match(text.strip())
    if m is None:
        raise DomainError("schedule.bad_time", given=text[:20])
    return time(int(m.group(1)), int(m.group(2)))


def iso_week(at: datetime, tz: str) -> str:
    """The ISO week of a moment as seen in `tz`, e.g. 2026-W48 (for dedupe keys and plans)."""
    year, week, _ = at.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(at: datetime, tz: str) -> date:
    local = at.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())
