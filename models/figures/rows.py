"""The shapes of a report: a `Tally` of additive figures per member and per unit, their rows, and
the figures other features plug in (`EXTRA_FIGURES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select

from models.figures.periods import Period
from models.units import Rank, Unit


@dataclass(slots=True)
class Tally:
    """Additive figures of a member or a unit over a period."""

    expected: int = 0  # places expected at closed sessions
    attended: int = 0  # on time or late (补签 and 代签 included)
    late: int = 0
    leave: int = 0
    absent: int = 0  # refused leave counts as absent
    minutes: int = 0  # every minute source (own entries, attended sessions, trainings)
    target: int = 0  # the period's share of the yearly target
    written: int = 0  # reflections submitted
    approved: int = 0
    excellent: int = 0
    makeup_open: int = 0
    makeup_done: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> int:
        """Attendance in whole percent of places expected."""
        return round(100 * self.attended / self.expected) if self.expected else 0

    @property
    def study_rate(self) -> int:
        """Study minutes in whole percent of the target."""
        return round(100 * self.minutes / self.target) if self.target else 0

    def add(self, other: Tally, *, study: bool = True) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if study:
            self.minutes += other.minutes
            self.target += other.target
        for key, value in other.extra.items():
            self.extra[key] = self.extra.get(key, 0) + value

    @property
    def empty(self) -> bool:
        return not (self.expected or self.minutes or self.written or self.makeup_open or self.makeup_done
                    or any(self.extra.values()))


@dataclass(slots=True)
class MemberRow:
    unit_id: int
    person_id: int
    name: str
    rank: Rank
    active: bool
    tally: Tally


@dataclass(slots=True)
class UnitRow:
    unit: Unit
    depth: int  # 0 for the report's unit
    members: int  # distinct active members in the subtree
    sessions: int  # closed sessions held in the subtree
    tally: Tally


@dataclass(slots=True)
class Report:
    root: Unit
    period: Period
    units: list[UnitRow]  # the root first, then its subtree depth-first by name
    members: list[MemberRow]  # by unit order, then name

    @property
    def total(self) -> UnitRow:
        return self.units[0]

    @property
    def empty(self) -> bool:
        return self.total.sessions == 0 and self.total.tally.empty


@dataclass(frozen=True, slots=True)
class ExtraFigure:
    """Figures of another feature: `query(unit_ids, start, end, now)` selects (unit_id, person_id, value)
    rows (several rows of one pair add up)."""

    name: str
    query: Callable[[set[int], datetime, datetime, datetime], Select]


# The counts that add up plainly (`Tally.add`, a unit's roll-up); minutes and targets do not.
COUNTS = ("expected", "attended", "late", "leave", "absent", "written", "approved", "excellent", "makeup_open",
          "makeup_done")

EXTRA_FIGURES: list[ExtraFigure] = []  # installed by the app factory from the features' declarations


def install_extra_figures(declared: tuple[ExtraFigure, ...]) -> None:
    EXTRA_FIGURES[:] = declared
