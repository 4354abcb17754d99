"""Self-study as the bot shows it: minutes and progress bars, the week's span, a plan's block and its
"done" buttons — shared by the self-study handlers, supervision and the weekly jobs."""

from __future__ import annotations

import html
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackCodec
from bot.i18n import Raw, t
from models import selfstudy as ss


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



def item_buttons(lang: str, codec: CallbackCodec, items: list[ss.PlanItem], done: set[int] = frozenset()) -> InlineKeyboardMarkup | None:
    """One button per item not yet done, to mark it done."""
    buttons = [InlineKeyboardButton(t(lang, "plan.btn_done", n=i.position), callback_data=codec.encode("ss.d", i.id))
               for i in items if i.id not in done]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)])
