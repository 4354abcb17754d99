"""A member's own record: a logged entry and its undo button, away periods, /me's sections and the
/me chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup

from bot.i18n import mention
from bot.reports import charts
from models import selfstudy as ss
from models.units import Person, Unit
from views.base import Renderer, columns, rows
from views.selfstudy.common import Act, bar, fmt_day, fmt_minutes


def logged(r: Renderer, person: Person, entry: ss.StudyEntry, today: date,
           figs: ss.Figures | None) -> tuple[str, InlineKeyboardMarkup]:
    """What a member is told after logging study: the entry, the week's and year's progress, an undo button."""
    parts = [r.t("study.logged", who=mention(person.tg_user_id, person.display_name),
                 minutes=fmt_minutes(r.lang, entry.minutes),
                 day=r.t("study.today") if entry.day == today else fmt_day(r.lang, entry.day),
                 what=r.t("study.what", what=entry.what) if entry.what else "")]
    if figs is None:
        parts.append(r.t("study.join_hint"))
    else:
        parts.append(r.t("study.progress", week=fmt_minutes(r.lang, figs.week),
                         week_target=fmt_minutes(r.lang, figs.week_target), bar=bar(figs.week, figs.week_target),
                         year=fmt_minutes(r.lang, figs.year), year_target=fmt_minutes(r.lang, figs.year_target)))
        if figs.week >= figs.week_target > figs.week - entry.minutes:
            parts.append(r.t("study.week_met"))
    return "\n".join(parts), rows([r.button("study.btn_undo", Act.undo, entry.id)])


def undone(r: Renderer, entry: ss.StudyEntry) -> str:
    return r.t("study.undone", minutes=fmt_minutes(r.lang, entry.minutes), day=fmt_day(r.lang, entry.day))


# -- /away --------------------------------------------------------------------------------------------

def away_added(r: Renderer, first: date, last: date, reason: str) -> str:
    return r.t("away.added", first=fmt_day(r.lang, first), last=fmt_day(r.lang, last), reason=reason)


def away_list(r: Renderer, periods: list[ss.AwayPeriod]) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [r.t("away.list_title")]
    lines += [r.t("away.item", first=fmt_day(r.lang, a.first_day), last=fmt_day(r.lang, a.last_day),
                  reason=a.reason) for a in periods] or [r.t("away.none")]
    lines.append(r.t("away.usage"))
    buttons = [r.button("=" + r.t("away.btn_cancel", first=fmt_day(r.lang, a.first_day)), Act.away_cancel, a.id)
               for a in periods]
    return "\n".join(lines), columns(buttons, 2) if buttons else None


def away_cancelled(r: Renderer, away: ss.AwayPeriod) -> str:
    return r.t("away.cancelled", first=fmt_day(r.lang, away.first_day), last=fmt_day(r.lang, away.last_day))


# -- /me ------------------------------------------------------------------------------------------------

def me_hours(r: Renderer, figs: ss.Figures | None) -> str:
    if figs is None:
        return r.t("me.no_units")
    f = lambda m: fmt_minutes(r.lang, m)  # noqa: E731
    return r.t("me.hours", week=f(figs.week), week_target=f(figs.week_target), week_bar=bar(figs.week, figs.week_target),
               month=f(figs.month), month_target=f(figs.month_target), month_bar=bar(figs.month, figs.month_target),
               year=f(figs.year), year_target=f(figs.year_target), year_bar=bar(figs.year, figs.year_target),
               streak=figs.streak)


def me_plan(r: Renderer, units: list[Unit], me: dict) -> str | None:
    """This week's plan progress per unit (by position in the member's units), from /me's figures."""
    lines = [r.t("me.plan", unit=u.name, done=me[f"ss_done_{i}"], total=me[f"ss_total_{i}"])
             for i, u in enumerate(units) if me.get(f"ss_plan_{i}")]
    return "\n".join(lines) or None


def me_readings(r: Renderer, me: dict) -> str | None:
    if not me.get("ss_readings_listed"):
        return None
    return r.t("me.readings", done=me["ss_readings_read"], total=me["ss_readings_listed"])


def me_away(r: Renderer, periods: list[ss.AwayPeriod]) -> str | None:
    if not periods:
        return None
    return "\n".join(r.t("me.away", first=fmt_day(r.lang, a.first_day), last=fmt_day(r.lang, a.last_day),
                         reason=a.reason) for a in periods)


# -- the /me chart ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChartText:
    title: str
    weeks_title: str
    minutes: str
    target: str
    year_title: str
    hours: str
    pace: str
    done: str


def chart_text(r: Renderer, person: Person, today: date) -> ChartText:
    return ChartText(
        title=r.t("chart.title", name=person.display_name, year=today.year),
        weeks_title=r.t("chart.weeks_title"), minutes=r.t("chart.minutes"), target=r.t("chart.target"),
        year_title=r.t("chart.year_title"), hours=r.t("chart.hours"), pace=r.t("chart.pace"),
        done=r.t("chart.done"),
    )


def render_chart(figs: ss.Figures, today: date, text: ChartText) -> bytes:
    """A PNG: the last 12 weeks against their targets, and the year's hours against the target's pace.
    CPU-bound: call it in a thread (asyncio.to_thread), never on the event loop."""
    from matplotlib import dates as mdates

    with charts.cjk_figure(8, 7) as fig:
        weeks_ax, year_ax = fig.subplots(2, 1)
        recent = figs.weeks[-12:]
        xs = list(range(len(recent)))
        weeks_ax.bar(xs, [m for _, m, _ in recent], label=text.minutes,
                     color=["#2e7d32" if m >= tg else "#ef6c00" for _, m, tg in recent])
        weeks_ax.step(xs, [tg for _, _, tg in recent], where="mid", color="#c62828", label=text.target)
        weeks_ax.set_xticks(xs, [f"{ws.month}/{ws.day}" for ws, _, _ in recent], fontsize=8)
        weeks_ax.set_title(text.weeks_title)
        weeks_ax.set_ylabel(text.minutes)
        weeks_ax.legend(loc="upper left")

        start = date(today.year, 1, 1)
        days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
        total, cumulative = 0, []
        for d in days:
            total += figs.days.get(d, 0)
            cumulative.append(total / 60)
        year_end = date(today.year, 12, 31)
        year_ax.plot(days, cumulative, color="#1565c0", label=text.done)
        year_ax.plot([start, year_end], [0, figs.year_target / 60], "--", color="#c62828", label=text.pace)
        year_ax.set_xlim(start, year_end)
        year_ax.set_title(text.year_title)
        year_ax.set_ylabel(text.hours)
        year_ax.legend(loc="upper left")
        year_ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%d"))
        fig.suptitle(text.title)
        return charts.png(fig)
