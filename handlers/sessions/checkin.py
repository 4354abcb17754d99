"""签到: the button, /checkin and the plain word (the careful path; quick_checkin.py is the fast one)."""

from __future__ import annotations

import re

from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import in_group
from handlers.sessions.base import button_session, unit_of
from models.errors import DomainError
from models.sessions import Via, checkin, nearest_session, open_sessions, person_open_sessions, window_check
from views.sessions import hm
from views.sessions.lists import which_session

CHECKED_IN = "👌"
CHECKIN_WORD = r"签到[!！。.~～]*"  # the plain word, as the whole message


async def on_checkin_button(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses, unit = await button_session(update, ctx, cb)
    result = await checkin(ctx.session, ses=ses, unit=unit, person=ctx.person, via=Via.button, now=ctx.now)
    at = hm(result.checked_in_at, unit.timezone)
    if result.already:
        ctx.answer = (ctx.t("sessions.already_in", time=at, topic=ses.topic), False)
    else:
        ctx.answer = (ctx.t("sessions.checked_in_late" if result.late else "sessions.checked_in", time=at,
                            topic=ses.topic), False)


async def _checkin_typed(update: Update, ctx: Ctx, via: Via) -> None:
    """签到 or /checkin: the session open in this group (or, in private, open on the caller's roll)."""
    if in_group(update):
        if ctx.unit is None:
            raise DomainError("errors.group_not_bound_member")
        candidates = await open_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
        if not candidates:
            nearest = await nearest_session(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
            if nearest is not None:
                window_check(nearest, unit=ctx.unit, now=ctx.now)  # says when its window is
            raise DomainError("sessions.none_scheduled")
    else:
        candidates = await person_open_sessions(ctx.session, person_id=ctx.person.id, now=ctx.now)
        if not candidates:
            raise DomainError("sessions.none_open_private")
    if len(candidates) > 1:
        units = {s.unit_id: await unit_of(ctx, s) for s in candidates}
        ctx.reply("sessions.which", markup=which_session(ctx.view, [(s, units[s.unit_id]) for s in candidates]))
        return
    ses = candidates[0]
    unit = await unit_of(ctx, ses)
    result = await checkin(ctx.session, ses=ses, unit=unit, person=ctx.person, via=via, now=ctx.now)
    at = hm(result.checked_in_at, unit.timezone)
    if result.already:
        ctx.reply("sessions.already_in", time=at, topic=ses.topic)
    elif in_group(update):
        # A reaction keeps a busy group quiet (the live roll shows the name); a reply if reactions are off.
        ctx.react(CHECKED_IN, "sessions.checked_in_late" if result.late else "sessions.checked_in", time=at,
                  topic=ses.topic)
    else:
        ctx.reply("sessions.checked_in_late" if result.late else "sessions.checked_in", time=at, topic=ses.topic)


@handler
async def cmd_checkin(update: Update, ctx: Ctx) -> None:
    await _checkin_typed(update, ctx, Via.command)


async def word_checkin(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _checkin_typed(update, ctx, Via.word)
