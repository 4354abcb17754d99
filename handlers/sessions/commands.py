"""The admins' commands: /session (schedule in one line or by the dialogue, edit, cancel, invite and
uninvite partners, the check-in window), /status, /nudge and /sessions."""

from __future__ import annotations

from telegram import Update

from bot.admins import admin_only
from bot.context import Ctx, handler
from bot.i18n import t
from bot.notify import group_lang
from handlers.sessions.base import session_number
from handlers.sessions.dialogue import start_dialogue
from handlers.sessions.joint import invite_command, uninvite_command
from handlers.sessions.panel import own_members, panel_of
from models.errors import DomainError
from models.joint import is_partner, refuse_partner_edit
from models.sessions import (
    SessionState, Status, StudySession, cancel_session, clean_text, create_session, nearest_session, open_sessions,
    parse_session_line, roll, session_counts, session_options, set_session_options, unit_session, unit_sessions,
)
from views.base import mentions
from views.joint import invite_markup, tell_partners
from views.sessions import announce, hm, tell_members, when_text
from views.sessions.lists import sessions_list
from views.sessions.panel import nudge_markup


@handler
@admin_only
async def cmd_session(update: Update, ctx: Ctx) -> None:
    """/session (dialogue) · /session <date> <time> <kind> [form] <topic> [@place] · edit N · cancel N [reason] ·
    window <before> <after> [grace]. The form is required after a kind that has forms (青年理论学习小组活动)."""
    args = ctx.args or []
    head = args[0].lower() if args else ""
    if not args:
        await start_dialogue(ctx)
    elif head in ("invite", "邀请"):
        await invite_command(ctx, args)
    elif head in ("uninvite", "移出"):
        await uninvite_command(ctx, args)
    elif head in ("edit", "修改"):
        number = session_number(args[1] if len(args) > 1 else "", "/session edit 12")
        await refuse_partner_edit(ctx.session, unit=ctx.unit, session_id=number)
        ses = await unit_session(ctx.session, unit=ctx.unit, session_id=number)
        if ses.state != SessionState.scheduled:
            raise DomainError("sessions.is_cancelled" if ses.state == SessionState.cancelled else "sessions.is_closed",
                              id=ses.id, topic=ses.topic)
        await start_dialogue(ctx, ses)
    elif head in ("cancel", "取消"):
        number = session_number(args[1] if len(args) > 1 else "", "/session cancel 12 改期")
        await refuse_partner_edit(ctx.session, unit=ctx.unit, session_id=number)
        ses = await unit_session(ctx.session, unit=ctx.unit, session_id=number)
        reason = clean_text(" ".join(args[2:])) or None
        await cancel_session(ctx.session, ses=ses, unit=ctx.unit, reason=reason, now=ctx.now)
        await tell_members(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now, tag="cancel",
                           kind="ses_cancel", key="sessions.cancelled",
                           reason=reason or t(group_lang(ctx.state, ctx.unit), "sessions.no_reason"))
        await tell_partners(ctx.session, ctx.state, ses=ses, now=ctx.now, tag="cancel", kind="ses_cancel",
                            key="sessions.cancelled",
                            **({"reason": reason} if reason else {"texts": {"reason": "sessions.no_reason"}}))
        ctx.enqueued = True
        ctx.reply("sessions.cancel_done", id=ses.id, topic=ses.topic)
    elif head == "window":
        numbers = [session_number(a, "/session window 30 30 5") for a in args[1:4]]
        if len(numbers) < 2 or len(args) > 4:
            raise DomainError("sessions.window_usage")
        opts = await set_session_options(ctx.session, unit=ctx.unit, before=numbers[0], after=numbers[1],
                                         grace=numbers[2] if len(numbers) > 2 else session_options(ctx.unit).grace,
                                         now=ctx.now)
        ctx.reply("sessions.window_set", before=opts.before, after=opts.after, grace=opts.grace)
    else:
        text = update.effective_message.text.split(maxsplit=1)[1]
        spec = parse_session_line(text, now=ctx.now, tz=ctx.unit.timezone)
        ses = await create_session(ctx.session, unit=ctx.unit, spec=spec, by=ctx.person, now=ctx.now)
        await announce(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now)
        ctx.enqueued = True
        ctx.reply("sessions.created", id=ses.id, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone),
                  markup=invite_markup(ctx.view, ses))


async def _pick(ctx: Ctx, args: list[str], example: str) -> StudySession:
    """Session N, else the one open now, else the nearest one (next, or last)."""
    if args:
        number = session_number(args[0], example)
        if await is_partner(ctx.session, session_id=number, unit_id=ctx.unit.id):  # 联学共建 as a partner
            return await ctx.session.get(StudySession, number)
        return await unit_session(ctx.session, unit=ctx.unit, session_id=number)
    current = await open_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    ses = current[0] if current else await nearest_session(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    if ses is None:
        raise DomainError("sessions.none_scheduled_admin")
    return ses


@handler
@admin_only
async def cmd_status(update: Update, ctx: Ctx) -> None:
    """/status [N]: who is in and who is missing for the current (or next, or given) session."""
    ses = await _pick(ctx, ctx.args or [], "/status 12")
    text, markup = await panel_of(ctx, ses)  # a joint session this unit is a partner of: the partner's panel
    ctx.reply_text(text, markup=markup)


@handler
@admin_only
async def cmd_nudge(update: Update, ctx: Ctx) -> None:
    """/nudge [N]: mention, in the group, the expected members who have not responded."""
    ses = await _pick(ctx, ctx.args or [], "/nudge 12")
    if ses.state != SessionState.scheduled:
        raise DomainError("sessions.nudge_closed", id=ses.id, topic=ses.topic)
    missing = [p for a, p in await roll(ctx.session, session_id=ses.id) if a.expected and a.status == Status.pending]
    if ses.unit_id != ctx.unit.id:  # a joint session this unit is a partner of: its own members only
        own = await own_members(ctx)
        missing = [p for p in missing if p.id in own]
    if not missing:
        ctx.reply("sessions.nudge_nobody", topic=ses.topic)
        return
    markup = nudge_markup(ctx.view, ses)
    for who in mentions(missing):
        ctx.reply("sessions.nudge_text", who=who, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone),
                  opens=hm(ses.opens_at, ctx.unit.timezone), closes=hm(ses.closes_at, ctx.unit.timezone),
                  markup=markup, quote=False)


@handler
@admin_only
async def cmd_sessions(update: Update, ctx: Ctx) -> None:
    """/sessions: upcoming and recent sessions with their rates."""
    soon, past = await unit_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    counts = await session_counts(ctx.session, session_ids=[s.id for s in (*soon, *past)])
    ctx.reply_text(sessions_list(ctx.view, ctx.unit, soon, past, counts))

