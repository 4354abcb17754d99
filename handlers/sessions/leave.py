"""Leave: asked with the 请假 button (then the reason as a reply), /leave or the word 请假; decided by
an admin on the panel — the host's for everyone, a joint session's partner's for its own members."""

from __future__ import annotations

import re

from sqlalchemy import select
from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import in_group
from handlers.sessions.base import ask, button_session, unit_of
from handlers.sessions.panel import panel_of, panel_session
from models.errors import DomainError
from models.joint import decide_partner_leave
from models.outbox import enqueue
from models.sessions import (
    ATTENDED, Attendance, SessionState, StudySession, ask_leave, clean_text, decide_leave, leave_targets,
)
from models.units import Person, Unit
from views.sessions import Ask, hm, leave_decided_messages, when_text


async def on_leave_button(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses, unit = await button_session(update, ctx, cb)
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == ctx.person.id))
    if row is not None and row.status in ATTENDED:
        raise DomainError("sessions.leave_after_checkin", topic=ses.topic)
    if ses.state != SessionState.scheduled or ctx.now > ses.closes_at:
        raise DomainError("sessions.leave_too_late", topic=ses.topic, closes=hm(ses.closes_at, unit.timezone))
    ask(ctx, update.effective_chat.id, "sessions.leave_prompt", kind=Ask.LEAVE, payload={"session_id": ses.id},
        placeholder=ctx.t("sessions.leave_placeholder"), topic=ses.topic)
    ctx.answer = (ctx.t("sessions.leave_prompt_short"), False)


async def answer_leave(update: Update, ctx: Ctx, payload: dict) -> None:
    ses = await ctx.session.get(StudySession, payload.get("session_id"))
    if ses is None:
        raise DomainError("errors.bad_callback")
    await _leave(ctx, ses, await unit_of(ctx, ses), update.effective_message.text or "")


async def _leave(ctx: Ctx, ses: StudySession, unit: Unit, reason: str) -> None:
    row = await ask_leave(ctx.session, ses=ses, unit=unit, person=ctx.person, reason=reason, now=ctx.now)
    ctx.reply("sessions.leave_asked", topic=ses.topic, reason=row.leave_reason,
              when=when_text(ctx.lang, ses, unit.timezone))


async def _leave_typed(update: Update, ctx: Ctx, reason: str) -> None:
    """/leave 原因 or 请假 原因: for the soonest session not yet closed (in this group, or on the caller's roll)."""
    if not clean_text(reason):
        raise DomainError("sessions.leave_reason_missing")
    if in_group(update):
        if ctx.unit is None:
            raise DomainError("errors.group_not_bound_member")
        targets = await leave_targets(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    else:
        targets = [s for s in await ctx.session.scalars(
            select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
                Attendance.person_id == ctx.person.id, StudySession.state == SessionState.scheduled,
                StudySession.closes_at >= ctx.now,
            ).order_by(StudySession.starts_at).limit(10))]
    if not targets:
        raise DomainError("sessions.nothing_to_leave")
    ses = targets[0]
    await _leave(ctx, ses, await unit_of(ctx, ses), reason)
    if len(targets) > 1:
        ctx.reply("sessions.leave_other_sessions", n=len(targets) - 1)


@handler
async def cmd_leave(update: Update, ctx: Ctx) -> None:
    await _leave_typed(update, ctx, " ".join(ctx.args or []))


async def word_leave(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _leave_typed(update, ctx, match.group(1) or "")


# -- the decision: one for the host's panel and a partner's ---------------------------------------------

async def _decide(ctx: Ctx, cb: Callback, *, approve: bool, partner: bool) -> None:
    """准假 / 不准 on a panel. A partner's admins decide only their own members' leave (the domain checks)."""
    ses = await panel_session(ctx, cb, partner=partner)
    person = await ctx.session.get(Person, cb.int_arg(1))
    if person is None:
        raise DomainError("errors.bad_callback")
    if partner:
        row = await decide_partner_leave(ctx.session, ses=ses, unit=ctx.unit, person_id=person.id, approve=approve,
                                         by=ctx.person, now=ctx.now)
    else:
        row = await decide_leave(ctx.session, ses=ses, person_id=person.id, approve=approve, by=ctx.person,
                                 now=ctx.now)
    items = await leave_decided_messages(ctx.session, ctx.state, ctx.unit, ses, person, reason=row.leave_reason or "",
                                         approve=approve, now=ctx.now)
    await enqueue(ctx.session, items=items, now=ctx.now)
    ctx.enqueued = True
    ctx.answer = (ctx.t("sessions.leave_decided_ok" if approve else "sessions.leave_decided_no",
                        name=person.display_name), False)
    text, markup = await panel_of(ctx, ses, partner=partner)
    ctx.edit_text(text, markup=markup)


async def on_leave_approve(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, approve=True, partner=False)


async def on_leave_reject(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, approve=False, partner=False)


async def on_partner_leave_approve(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, approve=True, partner=True)


async def on_partner_leave_reject(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, approve=False, partner=True)
