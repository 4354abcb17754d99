"""Self-study as the bot shows it: the feature's callback actions, minutes and progress bars, the
week's span, a plan's block and its "done" buttons — shared by the self-study views, supervision and
the weekly jobs."""

from __future__ import annotations

import html
from datetime import date, timedelta
from enum import StrEnum

from telegram import InlineKeyboardMarkup

from bot.i18n import Raw, t
from models import selfstudy as ss
from views.base import Renderer


class Act(StrEnum):
    """Callback actions of self-study's buttons: the views build them, bot/features/selfstudy.py maps
    each to what answers it."""

    undo = "ss.u"  # entry id
    item_done = "ss.d"  # plan item id
    read = "ss.r"  # reading id
    away_cancel = "ss.aw"  # away period id
    draft_week = "ss.pw"  # draft id, 0 this week | 1 next week
    draft_add = "ss.pa"  # draft id
    draft_minutes = "ss.pm"  # draft id
    draft_drop = "ss.px"  # draft id
    draft_publish = "ss.pp"  # draft id
    draft_cancel = "ss.pc"  # draft id
    push = "ss.pd"  # plan id
    rank_cycle = "ss.rk"  # unit id, person id, page
    rank_page = "ss.rp"  # unit id, page


class Ask(StrEnum):
    """Kinds of the questions /plan set asks (prompt rows)."""

    minutes = "ss.min"
    items = "ss.items"


def fmt_minutes(lang: str, minutes: int) -> str:
    sign, m = ("-" if minutes < 0 else ""), abs(minutes)
    if m < 60:
        return sign + t(lang, "ss.fmt_m", m=m)
    if m % 60 == 0:
        return sign + t(lang, "ss.fmt_h", h=m // 60)
    return sign + t(lang, "ss.fmt_hm", h=m // 60, m=m % 60)


def bar(done: int, target: int, cells: int = 10) -> str:
    share = 1.0 if target <= 0 else min(1.0, max(0.0, done / target))
    full = round(share * cells)
    return "▓" * full + "░" * (cells - full) + f" {round(share * 100)}%"


def fmt_day(lang: str, day: date) -> str:
    return t(lang, "ss.fmt_day", m=day.month, d=day.day)


def week_span(lang: str, week_start: date) -> str:
    return t(lang, "ss.week_span", week=ss.week_label(week_start), first=fmt_day(lang, week_start),
             last=fmt_day(lang, week_start + timedelta(days=6)))


def link_html(lang: str, link: str | None) -> Raw:
    if not link:
        return Raw("")
    return Raw(f' <a href="{html.escape(link, quote=True)}">{html.escape(t(lang, "plan.link"))}</a>')


def plan_block(lang: str, plan: ss.StudyPlan | None, items: list[ss.PlanItem], done: set[int] | None = None) -> str:
    """A plan's required minutes and its items (✅ for the ones `done`, when progress is shown)."""
    if plan is None:
        return t(lang, "plan.none_yet")
    lines = [t(lang, "plan.required_minutes", minutes=fmt_minutes(lang, plan.required_minutes))]
    for kind in ss.ItemKind:
        mine = [i for i in items if i.kind == kind]
        if not mine:
            continue
        lines.append(t(lang, f"plan.kind_{kind.value}"))
        for i in mine:
            mark = "" if done is None else ("✅ " if i.id in done else "⬜ ")
            lines.append(t(lang, "plan.item", n=i.position, mark=mark, title=i.title, link=link_html(lang, i.link)))
    return "\n".join(lines)


def item_buttons(r: Renderer, items: list[ss.PlanItem], done: set[int] = frozenset()) -> InlineKeyboardMarkup | None:
    """One button per item not yet done, to mark it done."""
    buttons = [r.button("plan.btn_done", Act.item_done, i.id, n=i.position) for i in items if i.id not in done]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)])
