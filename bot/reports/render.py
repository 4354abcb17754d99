"""Reports put together: figures from models/, drawn and written by the renderers here; used by
the /report handlers and by the quarterly bulletin's planner."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import t
from bot.reports import bulletin as bulletin_doc
from bot.reports import charts
from models import figures as fg
from models.errors import DomainError
from models.units import Unit


def span(lang: str, period: fg.Period) -> str:
    kind = period.kind.value + (str(1 if period.start.month <= 6 else 2) if period.kind == fg.PeriodKind.half else "")
    return t(lang, f"sv.period.{kind}", y=period.start.year, m=period.start.month,
             q=(period.start.month - 1) // 3 + 1, first=period.start.isoformat(), last=period.end.isoformat())


CHART_UNITS = 30  # more bars than this are unreadable: the best and the worst half each


def _chart_units(rep: fg.Report) -> list[tuple[str, int, int]]:
    shown = [u for u in rep.units if u.depth == 1] or rep.units[:1]
    if len(shown) > CHART_UNITS:
        ranked = sorted(shown, key=lambda u: (-u.tally.rate, -u.tally.study_rate, u.unit.name))
        shown = ranked[:CHART_UNITS // 2] + ranked[-(CHART_UNITS // 2):]
    return [(u.unit.name, u.tally.rate, u.tally.study_rate) for u in shown]


async def render_chart(session: AsyncSession, lang: str, rep: fg.Report) -> bytes:
    """The ranking and trend chart of a report (also drawn into the bulletin by the planner)."""
    points = await fg.trend(session, root=rep.root, period=rep.period)
    label = "sv.bucket.day" if rep.period.kind == fg.PeriodKind.week else (
        "sv.bucket.month" if rep.period.kind == fg.PeriodKind.year else "sv.bucket.week")
    trend = [(t(lang, label, m=d.month, d=d.day), round(100 * att / exp) if exp else None, round(mins / 60, 1))
             for d, att, exp, mins in points]
    text = charts.RankingText(
        title=t(lang, "sv.chart.report_title", unit=rep.root.name, period=span(lang, rep.period)),
        attendance=t(lang, "sv.chart.attendance"), study=t(lang, "sv.chart.study"), trend=t(lang, "sv.chart.trend"),
        rate=t(lang, "sv.chart.rate"), hours=t(lang, "sv.chart.hours_done"))
    return await asyncio.to_thread(charts.render_ranking, _chart_units(rep), trend, text)


async def bulletin_file(session: AsyncSession, lang: str, unit: Unit, period: fg.Period,
                        now: datetime) -> tuple[str, bytes, fg.Bulletin]:
    """(file name, .docx bytes, figures) of the bulletin of a unit's period; DomainError when empty.
    A finished quarter's bulletin orders 补学 for members short of study hours (ids in `b.ordered`: the
    caller tells them, see `views.sessions.ordered_makeup_notices`)."""
    b = await fg.bulletin(session, root=unit, period=period, now=now,
                          makeup_title=t(lang, "bulletin.makeup_title", period=span(lang, period)))
    if b.report.empty:
        raise DomainError("report.no_data", unit=unit.name, period=span(lang, period))
    png = await render_chart(session, lang, b.report)
    title = bulletin_doc.t(lang, f"bulletin.title_{period.kind.value}", unit=unit.name, period=span(lang, period))
    data = await asyncio.to_thread(bulletin_doc.document, lang, b, title, span(lang, period), png)
    safe = "".join(c if c.isalnum() else "_" for c in unit.name)
    return t(lang, "bulletin.name", unit=safe, first=period.start.isoformat(), last=period.end.isoformat()), data, b

