"""XLSX workbooks (openpyxl): the report's figures, and the 学习档案 with a sheet per topic.

Every sheet: a bold frozen header row, column widths that fit, dates stored as dates."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from models.agenda import ArchiveRow
from models.figures import REQUIRED_KINDS, Archive, CheckRow, Report, Tally

DATE_FMT = "yyyy-mm-dd"
TIME_FMT = "yyyy-mm-dd hh:mm"


def _tally_cells(tally: Tally, extras: list[str]) -> list:
    return [tally.expected, tally.attended, tally.late, tally.leave, tally.absent, tally.rate / 100,
            round(tally.minutes / 60, 1), round(tally.target / 60, 1), tally.study_rate / 100,
            tally.written, tally.approved, tally.excellent, tally.makeup_open, tally.makeup_done,
            *(tally.extra.get(name, 0) for name in extras)]


def _tally_heads(lang: str, extras: list[str]) -> list[str]:
    keys = ("expected", "attended", "late", "leave", "absent", "rate", "hours", "target", "study_rate",
            "written", "approved", "excellent", "makeup_open", "makeup_done")
    return [t(lang, f"sv.col.{k}") for k in keys] + [t(lang, f"fig.{name}") for name in extras]


def _extras(report: Report) -> list[str]:
    from models.figures import EXTRA_FIGURES
    return [e.name for e in EXTRA_FIGURES]


def _sheet(book, title: str, heads: list[str], rows: list[list], percent: set[int] = frozenset()) -> None:
    """A sheet of a write-only workbook (rows streamed to the file, never held as cells): widths from
    every value first, then a bold frozen header, dates and percentages formatted cell by cell."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title)
    widths = [_width(h) for h in heads]
    for row in rows:
        for i, value in enumerate(row):
            if (w := _width(value)) > widths[i]:
                widths[i] = w
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(w + 2, 60)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def styled(value: object, fmt: str | None = None, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value)
        if fmt:
            cell.number_format = fmt
        if font:
            cell.font = font
        return cell

    ws.append([styled(h, font=bold) for h in heads])
    for row in rows:
        ws.append([styled(v, TIME_FMT) if isinstance(v, datetime) else styled(v, DATE_FMT) if isinstance(v, date)
                   else styled(v, "0%") if i in percent and v is not None else v for i, v in enumerate(row)])


def _width(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    if text.isascii():
        return len(text)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)  # CJK characters are two columns wide


def _local(at: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel has no time zones: local wall time, naive."""
    return at.astimezone(zone).replace(tzinfo=None) if at is not None else None


def workbook(lang: str, report: Report, archive: Archive | None = None) -> bytes:
    """The figures per unit and per member; with the archive, the rows behind them too."""
    from openpyxl import Workbook

    extras = _extras(report)
    book = Workbook(write_only=True)
    heads = _tally_heads(lang, extras)
    pct = {5 + 2, 8 + 2}  # attendance and study rates, after the two leading columns
    _sheet(book, t(lang, "sv.sheet.units"), [t(lang, "sv.col.unit"), t(lang, "sv.col.members"),
                                              t(lang, "sv.col.sessions"), *heads],
           [["　" * u.depth + u.unit.name, u.members, u.sessions, *_tally_cells(u.tally, extras)]
            for u in report.units], percent={p + 1 for p in pct})
    names = {u.unit.id: u.unit.name for u in report.units}
    _sheet(book, t(lang, "sv.sheet.members"), [t(lang, "sv.col.unit"), t(lang, "sv.col.name"),
                                                t(lang, "sv.col.rank"), *heads],
           [[names[m.unit_id], m.name, t(lang, f"rank.{m.rank.value}"), *_tally_cells(m.tally, extras)]
            for m in report.members], percent={p + 1 for p in pct})
    if archive is not None:
        zone = ZoneInfo(report.root.timezone)
        _sheet(book, t(lang, "sv.sheet.attendance"),
               [t(lang, f"sv.col.{k}") for k in ("day", "unit", "kind", "topic", "name", "status", "checked_in")],
               [[day, unit, t(lang, f"skind.{kind.value}"), topic, name, t(lang, f"sv.status.{status.value}"),
                 _local(at, zone)] for day, unit, kind, topic, name, status, at in archive.attendance])
        _sheet(book, t(lang, "sv.sheet.study"),
               [t(lang, f"sv.col.{k}") for k in ("day", "name", "unit", "minutes", "entry_kind", "what")],
               [[day, name, unit or "", minutes, t(lang, f"sv.entry.{kind.value}"), what or ""]
                for day, name, unit, minutes, kind, what in archive.study])
        _sheet(book, t(lang, "sv.sheet.reflections"),
               [t(lang, f"sv.col.{k}") for k in ("submitted", "name", "unit", "subject", "state", "grade", "chars")],
               [[_local(at, zone), name, unit, subject, t(lang, f"sv.refl.{state.value}"),
                 t(lang, f"sv.grade.{grade.value}") if grade else "", chars]
                for at, name, unit, subject, state, grade, chars in archive.reflections])
        _sheet(book, t(lang, "sv.sheet.makeups"),
               [t(lang, f"sv.col.{k}") for k in ("unit", "name", "topic", "reason", "state", "due", "done")],
               [[unit, name, topic, t(lang, f"sv.status.{reason.value}") if reason else t(lang, "sv.mk.ordered"),
                 t(lang, f"sv.mk.{state.value}"), _local(due, zone).date(), _local(done, zone)]
                for unit, name, topic, reason, state, due, done in archive.makeups])
        _sheet(book, t(lang, "sv.sheet.agenda"),
               [t(lang, f"sv.col.{k}") for k in AGENDA_COLUMNS],
               [_agenda_cells(lang, r, zone, archive.now) for r in archive.agenda])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


AGENDA_COLUMNS = ("unit", "agenda_title", "category", "published", "study_by", "studied", "followups",
                  "followups_done", "measure", "owner", "deadline", "measure_state", "measure_done")


def _agenda_cells(lang: str, r: ArchiveRow, zone: ZoneInfo, now: datetime | None) -> list:
    """A row of the agenda sheet: dates as local dates; a measure open past its deadline is overdue."""
    def day(at: datetime | None) -> date | None:
        return _local(at, zone).date() if at is not None else None
    state = ""
    if r.measure_state is not None:
        overdue = r.measure_state.value == "open" and r.deadline is not None and now is not None and r.deadline < now
        state = t(lang, "sv.ms.overdue" if overdue else f"sv.ms.{r.measure_state.value}")
    return [r.unit, r.title, t(lang, f"agenda.cat.{r.category.value}") if r.category else "", day(r.published_at),
            day(r.study_by), r.studied, r.followups, r.followups_done, r.measure or "", r.owner or "",
            day(r.deadline), state, day(r.done_at)]


def check_workbook(lang: str, report: Report, rows: list[CheckRow]) -> bytes:
    """The half-yearly check sheet: a row per unit (required sessions held, actions done, rates)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    heads = [t(lang, "sv.col.unit"), *(t(lang, f"skind.{k.value}") for k in REQUIRED_KINDS),
             t(lang, "sv.col.tasks"), t(lang, "sv.col.tasks_done"), t(lang, "sv.col.rate"),
             t(lang, "sv.col.study_rate"), t(lang, "sv.col.written"), t(lang, "sv.col.makeup_open")]
    n = len(REQUIRED_KINDS)
    _sheet(book, t(lang, "sv.sheet.check"), heads, [
        ["　" * r.unit.depth + r.unit.unit.name, *(r.held.get(k, 0) for k in REQUIRED_KINDS), r.tasks, r.tasks_done,
         r.unit.tally.rate / 100, r.unit.tally.study_rate / 100, r.unit.tally.written, r.unit.tally.makeup_open]
        for r in rows], percent={n + 3, n + 4})
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
