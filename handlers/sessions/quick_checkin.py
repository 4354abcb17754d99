"""签到 in a busy group, the fast way: the 签到 button and the plain word in a group, when this
group has the session open and the member is on its roll (bot/checkin_desk.py). Anything else —
not bound, no or several sessions open, not on the roll, already in, a renamed member, a database
hiccup — goes on to the careful handlers (buttons.on_button, messages.on_message), which answer
exactly as they always have."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.callbacks import BadCallback, CallbackCodec
from bot.context import Ctx, person_in, send_replies
from bot.i18n import pick_lang
from handlers import buttons, messages
from handlers.sessions.checkin import CHECKED_IN, CHECKIN_WORD
from views.sessions import Act, hm
from models.sessions import QuickCheckin, QuickCheckinRace, Via
from models.units import stored_names

log = logging.getLogger(__name__)

_GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


async def _quick(update: Update, ctx: Ctx, *, via: Via, session_id: int | None) -> bool:
    """Check the sender in the fast way and answer; False when the careful path must decide."""
    chat, user, desk = update.effective_chat, update.effective_user, ctx.state.desk
    if desk is None or chat is None or user is None or user.is_bot or chat.type not in _GROUPS:
        return False
    now = ctx.state.clock.now()
    try:
        view = await desk.views.view(chat.id, now)
        open_now = view.open_at(now) if view.unit_id is not None else []
        if session_id is None:  # the word: the one session open here (several: the careful path asks which)
            ses = open_now[0] if len(open_now) == 1 else None
        else:
            ses = next((s for s in open_now if s.id == session_id), None)
        if ses is None:
            return False
        result = await desk.commit.submit(QuickCheckin(ses.id, user.id, stored_names(person_in(user)), via, now))
    except QuickCheckinRace:
        return False
    except Exception:  # the careful path tries again in a transaction of its own, and reports
        log.warning("quick check-in failed; taking the careful path", exc_info=True)
        return False
    if result is None:
        return False
    ctx.lang = pick_lang(user.language_code, view.locale, ctx.state.settings.locale)
    key = "sessions.checked_in_late" if result.late else "sessions.checked_in"
    params = {"time": hm(result.checked_in_at, view.timezone), "topic": ses.topic}
    if via is Via.button:
        ctx.answer = (ctx.t(key, **params), False)
    else:
        ctx.react(CHECKED_IN, key, **params)
    await send_replies(update, ctx)
    return True


async def on_checkin_button(update: Update, ctx: Ctx) -> None:
    try:
        session_id = ctx.state.codec.decode(update.callback_query.data).int_arg(0)
    except BadCallback:
        session_id = None
    if session_id is None or not await _quick(update, ctx, via=Via.button, session_id=session_id):
        await buttons.on_button(update, ctx)


async def on_checkin_word(update: Update, ctx: Ctx) -> None:
    msg = update.effective_message
    if msg.reply_to_message is not None or not await _quick(update, ctx, via=Via.word, session_id=None):
        await messages.on_message(update, ctx)  # (a reply may answer one of the bot's questions)


def handlers() -> list:
    """Registered before the generic button and message handlers (handlers/__init__.py)."""
    prefix = CallbackCodec.prefix(Act.CHECKIN)
    return [
        CallbackQueryHandler(on_checkin_button, pattern=lambda data: isinstance(data, str) and data.startswith(prefix)),
        MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND
                       & filters.Regex(re.compile(rf"^\s*{CHECKIN_WORD}\s*$")), on_checkin_word),
    ]
