"""督学 figures: per member and per unit, for a period, aggregated in SQL.

A unit's figures roll up its subtree. Each family of figures is one grouped query keyed by
(unit, person); units are sums of their members' rows (study minutes and targets count each person
once, however many units of the subtree they belong to).

Figures of other features (first agenda items studied, follow-ups, measures: see models/linkage.py)
plug in through `EXTRA_FIGURES`: a name (its catalog key is `fig.<name>`) and a query of
(unit_id, person_id, value) rows.

Submodules, by concept: `periods`, `rows` (Tally and the report's rows, `EXTRA_FIGURES`), `tree`
(the units a report covers), `reporting` (the report itself), `study_archive` (学习档案), `trends`
(figures over time), `quarterly` (季通报), `half_year` (半年检查). This package re-exports what the
rest of wuxue imports from it.
"""

from __future__ import annotations

from models.figures.half_year import REQUIRED_KINDS, CheckRow, check_sheet
from models.figures.periods import LAST_WORDS, Period, PeriodKind, parse_period, period_of
from models.figures.quarterly import Bulletin, bulletin
from models.figures.reporting import report
from models.figures.rows import EXTRA_FIGURES, ExtraFigure, install_extra_figures, MemberRow, Report, Tally, UnitRow
from models.figures.study_archive import Archive, archive
from models.figures.tree import unit_in_tree, units_below
from models.figures.trends import trend

__all__ = [
    "EXTRA_FIGURES", "install_extra_figures", "LAST_WORDS", "REQUIRED_KINDS", "Archive", "Bulletin", "CheckRow", "ExtraFigure", "MemberRow",
    "Period", "PeriodKind", "Report", "Tally", "UnitRow", "archive", "bulletin", "check_sheet", "parse_period",
    "period_of", "report", "trend", "unit_in_tree", "units_below",
]
