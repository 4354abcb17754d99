"""督学 as the bot shows it: the /report summary and its file buttons, files' names, /tasks (a unit's
lists, the notice of a new list, reminders), the rectification ledger (整改台账) and the 季通报's
caption — shared by the supervision handlers and its planners."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from telegram import InlineKeyboardMarkup

from bot.i18n import Raw
from bot.reports.render import span
from models import figures as fg
from models import supervise as tk
from models.units import Unit
from views.base import Renderer, rows
from views.selfstudy import fmt_minutes

RANKED = 10  # units listed in the text summary; the XLSX has them all
TASK_BUTTONS = 10


class Act(StrEnum):
    """Callback actions of supervision's buttons (bot/features/supervise.py maps them)."""

    xlsx = "sv.x"  # unit id, period kind, period start (ordinal)
    docx = "sv.d"  # unit id, period kind, period start (ordinal)
    task_done = "sv.td"  # task item id


# -- /report ------------------------------------------------------------------------------------------

def summary(r: Renderer, rep: fg.Report) -> str:
    lang = r.lang
    total = rep.total
    tl = total.tally
    lines = [r.t("report.title", unit=rep.root.name, period=span(lang, rep.period),
                 first=rep.period.start.isoformat(), last=rep.period.end.isoformat()),
             r.t("report.overview", members=total.members, sessions=total.sessions, attended=tl.attended,
                 expected=tl.expected, rate=tl.rate, late=tl.late, leave=tl.leave, absent=tl.absent,
                 minutes=fmt_minutes(lang, tl.minutes), target=fmt_minutes(lang, tl.target), study_rate=tl.study_rate,
                 written=tl.written, approved=tl.approved, excellent=tl.excellent, makeup_open=tl.makeup_open,
                 makeup_done=tl.makeup_done)]
    for name in (e.name for e in fg.EXTRA_FIGURES):
        lines.append(r.t("report.extra", label=r.t(f"fig.{name}"), value=tl.extra.get(name, 0)))
    children = [u for u in rep.units if u.depth == 1]
    if children:
        lines.append(r.t("report.units_head"))
        ranked = sorted(children, key=lambda u: (-u.tally.rate, -u.tally.study_rate, u.unit.name))
        for i, u in enumerate(ranked[:RANKED], start=1):
            lines.append(r.t("report.unit_line", n=i, unit=u.unit.name, rate=u.tally.rate,
                             study_rate=u.tally.study_rate, sessions=u.sessions, makeup_open=u.tally.makeup_open))
        if len(ranked) > RANKED:
            lines.append(r.t("report.more_units", n=len(ranked) - RANKED))
    return "\n".join(lines)


def report_buttons(r: Renderer, unit: Unit, period: fg.Period) -> InlineKeyboardMarkup:
    """The report's files: the XLSX and the bulletin (.docx), for this unit and period."""
    args = (unit.id, period.kind.value, period.start.toordinal())
    return rows([r.button("report.btn_xlsx", Act.xlsx, *args), r.button("report.btn_docx", Act.docx, *args)])


def file_name(r: Renderer, key: str, unit: Unit, period: fg.Period) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in unit.name)
    return r.t(key, unit=safe, first=period.start.isoformat(), last=period.end.isoformat())


def bulletin_caption(r: Renderer, unit: Unit, period: fg.Period, b: fg.Bulletin) -> str:
    return r.t("bulletin.caption", unit=unit.name, period=span(r.lang, period), makeups=len(b.makeups))


# -- /tasks -----------------------------------------------------------------------------------------------

def _due(i: tk.TaskItem) -> str:
    return f"{i.due_on.month}/{i.due_on.day}"


def received(r: Renderer, issuer: Unit, unit: Unit, month: date, items: list[tk.TaskItem], done: dict,
             today: date) -> str:
    """A list a unit received: each action, done (with its note), overdue or open."""
    lines = [r.t("tasks.received", issuer=issuer.name, y=month.year, m=month.month,
                 done=sum((i.id, unit.id) in done for i in items), total=len(items))]
    for i in items:
        d = done.get((i.id, unit.id))
        key = "tasks.item_done" if d else ("tasks.item_overdue" if i.due_on < today else "tasks.item")
        lines.append(r.t(key, n=i.position, id=i.id, title=i.title, due=_due(i), note=(d.note or "") if d else ""))
    return "\n".join(lines)


def done_buttons(r: Renderer, unit: Unit, items: list[tk.TaskItem], done: dict) -> list:
    return [r.button("=" + r.t("tasks.btn_done", n=i.position, title=i.title[:20]), Act.task_done, i.id)
            for i in items if (i.id, unit.id) not in done]


def issued(r: Renderer, month: date, items: list[tk.TaskItem], done: dict, below: list[Unit]) -> str:
    """A list a unit issued: each action's completion, then each unit below."""
    lines = [r.t("tasks.issued", y=month.year, m=month.month, units=len(below))]
    for i in items:
        lines.append(r.t("tasks.issued_item", n=i.position, title=i.title, due=_due(i),
                         done=sum((i.id, u.id) in done for u in below), total=len(below)))
    lines.append(r.t("tasks.by_unit"))
    for u in below:
        n = sum((i.id, u.id) in done for i in items)
        lines.append(r.t("tasks.unit_line", unit=u.name, done=n, total=len(items),
                         rate=round(100 * n / len(items)) if items else 0))
    return "\n".join(lines)


def task_buttons(buttons: list) -> InlineKeyboardMarkup | None:
    return rows(*[[b] for b in buttons[:TASK_BUTTONS]]) if buttons else None


def tasks_notice(r: Renderer, issuer: Unit, month: date, new: list[tk.TaskItem]) -> str:
    """What a unit below is told of a new list."""
    body = "\n".join(r.t("tasks.notice_item", n=i.position, title=i.title, due=_due(i)) for i in new)
    return r.t("tasks.notice", issuer=issuer.name, y=month.year, m=month.month, items=Raw(body))


def task_reminder(r: Renderer, item: tk.TaskItem, days: int) -> str:
    return r.t("tasks.reminder_today" if days == 0 else "tasks.reminder", n=item.position, id=item.id,
               title=item.title, days=days, due=_due(item))


# -- /rectify ---------------------------------------------------------------------------------------------

def ledger_text(r: Renderer, unit: Unit, lines: list[tk.LedgerLine], today: date) -> str:
    """The rectification ledger as a message: completion rate, then each item (open first)."""
    closed = sum(line.rect.state == tk.RectState.closed for line in lines)
    out = [r.t("rectify.title", unit=unit.name, closed=closed, total=len(lines),
               rate=round(100 * closed / len(lines)) if lines else 0)]
    for line in lines:
        x = line.rect
        key = ("rectify.line_closed" if x.state == tk.RectState.closed
               else "rectify.line_overdue" if x.due_on < today else "rectify.line")
        out.append(r.t(key, id=x.id, problem=x.problem, lead=x.lead, unit=line.responsible,
                       due=x.due_on.isoformat(), measures=x.measures, updates=line.updates,
                       last=line.last or r.t("rectify.no_progress")))
    return "\n\n".join(out)


def rectify_post(r: Renderer, unit: Unit, lines: list[tk.LedgerLine], today: date) -> str:
    """The biweekly progress post of a ledger."""
    return r.t("rectify.post_head") + "\n\n" + ledger_text(r, unit, lines, today)
