"""/study and 学习 <分钟>: logging study (and undoing it); /away: periods without reminders."""

from __future__ import annotations

import re

from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.selfstudy.common import after, need_unit_here, today
from models import selfstudy as ss
from views.selfstudy import record as v

_AMOUNT_WORD = (r"(?:\d+(?:[.．]\d+)?\s*(?:个半小时|个小时|小时|钟头|分钟|分|h|hr|hrs|m|min|mins)?"
                r"|[一二两三四五六七八九十]+\s*(?:个半小时|个小时|小时|钟头|分钟)|半\s*个?(?:小时|钟头))")
STUDY_WORD = re.compile(rf"^学习\s*(?P<rest>{_AMOUNT_WORD}(?:\s+\S[\s\S]*)?)$", re.IGNORECASE)


async def _log(update: Update, ctx: Ctx, raw: str) -> None:
    need_unit_here(update, ctx)
    day = await today(ctx)
    parsed = ss.parse_study(raw, today=day)
    entry = await ss.log_study(ctx.session, person=ctx.person, minutes=parsed.minutes, day=parsed.day, what=parsed.what,
                               unit_id=ctx.unit.id if ctx.unit else None, today=day, now=ctx.now)
    figs = await ss.figures(ctx.session, person=ctx.person, today=day, weeks_back=0)
    text, markup = v.logged(ctx.view, ctx.person, entry, day, figs)
    ctx.reply_text(text, markup=markup)


@handler
async def cmd_study(update: Update, ctx: Ctx) -> None:
    """/study <minutes> [date] [what]; /study undo."""
    raw = after(update.effective_message.text or "", 1)
    if not raw.strip():
        ctx.reply("study.usage")
        return
    if raw.strip().lower() in ("undo", "撤销", "撤回"):
        entry = await ss.undo_entry(ctx.session, person=ctx.person, entry_id=None)
        ctx.reply_text(v.undone(ctx.view, entry))
        return
    await _log(update, ctx, raw)


async def word_study(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _log(update, ctx, match.group("rest"))


async def on_undo(update: Update, ctx: Ctx, cb: Callback) -> None:
    entry = await ss.undo_entry(ctx.session, person=ctx.person, entry_id=cb.int_arg(0))
    ctx.answer = (ctx.t("study.undone_short"), False)
    ctx.edit_text(v.undone(ctx.view, entry))


# -- /away ------------------------------------------------------------------------------------------

@handler
async def cmd_away(update: Update, ctx: Ctx) -> None:
    """/away 2026-12-01 2026-12-07 出差 — no reminders then; /away alone lists (and cancels) them."""
    raw = after(update.effective_message.text or "", 1)
    day = await today(ctx)
    if raw.strip():
        first, last, reason = ss.parse_away(raw, today=day)
        await ss.add_away(ctx.session, person=ctx.person, first=first, last=last, reason=reason, now=ctx.now)
        ctx.reply_text(v.away_added(ctx.view, first, last, reason))
        return
    text, markup = v.away_list(ctx.view, await ss.away_list(ctx.session, person_id=ctx.person.id, today=day))
    ctx.reply_text(text, markup=markup)


async def on_away_cancel(update: Update, ctx: Ctx, cb: Callback) -> None:
    away = await ss.cancel_away(ctx.session, person=ctx.person, away_id=cb.int_arg(0))
    text = v.away_cancelled(ctx.view, away)
    ctx.answer = (text, False)
    ctx.edit_text(text)
