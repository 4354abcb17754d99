"""联学共建: the host's admins invite partner units to a joint session (`/session invite N <unit code or
name>`, or the 🤝 button under the session's confirmation) and take them off again before it closes
(`/session uninvite N <unit>`). A partner's admins see the roll and decide their own members' leave on
the one panel (panel.py, leave.py); check-in and leave from a partner group count there (base.unit_of)."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx
from handlers.sessions.base import admin_session
from models.errors import DomainError
from models.joint import (
    find_partner, find_unit, invitable_units, invite_partner, refuse_partner_edit, remove_partner, takes_partners,
)
from models.sessions import StudySession, unit_session
from models.units import Unit
from views.joint import UNITS_SHOWN, announce_to_partner, units_page, withdraw_from_partner


async def _invite(ctx: Ctx, ses: StudySession, partner: Unit) -> None:
    row = await invite_partner(ctx.session, ses=ses, host=ctx.unit, partner=partner, by=ctx.person, now=ctx.now)
    await announce_to_partner(ctx.session, ctx.state, ses=ses, partner=row, unit=partner, now=ctx.now)
    ctx.enqueued = True


async def invite_command(ctx: Ctx, args: list[str]) -> None:
    """/session invite N <unit's join code or name>."""
    if len(args) < 2 or not args[1].lstrip("#").isdigit():
        raise DomainError("joint.invite_usage")
    if len(args) < 3:
        raise DomainError("joint.unit_missing")
    ses = await unit_session(ctx.session, unit=ctx.unit, session_id=int(args[1].lstrip("#")))
    partner = await find_unit(ctx.session, text=" ".join(args[2:]))
    await _invite(ctx, ses, partner)
    ctx.reply("joint.invited_done", id=ses.id, topic=ses.topic, unit=partner.name)


async def uninvite_command(ctx: Ctx, args: list[str]) -> None:
    """/session uninvite N <partner's join code or name>: take a partner off before the session closes."""
    if len(args) < 3 or not args[1].lstrip("#").isdigit():
        raise DomainError("joint.uninvite_usage")
    number = int(args[1].lstrip("#"))
    await refuse_partner_edit(ctx.session, unit=ctx.unit, session_id=number)
    ses = await unit_session(ctx.session, unit=ctx.unit, session_id=number)
    partner = await find_partner(ctx.session, ses=ses, text=" ".join(args[2:]))
    removed = await remove_partner(ctx.session, ses=ses, host=ctx.unit, partner=partner, now=ctx.now)
    await withdraw_from_partner(ctx.session, ctx.state, ses=ses, removed=removed, now=ctx.now)
    ctx.enqueued = True
    ctx.reply("joint.uninvited_done", id=ses.id, topic=ses.topic, unit=partner.name, n=removed.people)


async def on_list_units(update: Update, ctx: Ctx, cb: Callback) -> None:
    """🤝 邀请共建单位: the units that may still be invited, one button each, a page at a time (a page
    turned edits the list in place)."""
    ses = await admin_session(ctx, cb)
    if not takes_partners(ses.kind):
        raise DomainError("joint.not_joint", id=ses.id, topic=ses.topic)
    paging = len(cb.args) > 1
    page = max(0, cb.int_arg(1)) if paging else 0
    units = await invitable_units(ctx.session, ses=ses, limit=UNITS_SHOWN + 1, offset=page * UNITS_SHOWN)
    if not units and page == 0:
        raise DomainError("joint.no_units", id=ses.id)
    markup = units_page(ctx.view, ses, units, page)
    if paging:
        ctx.edit("joint.pick_unit", id=ses.id, topic=ses.topic, markup=markup)
    else:
        ctx.reply("joint.pick_unit", id=ses.id, topic=ses.topic, markup=markup, quote=False)


async def on_invite(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await admin_session(ctx, cb)
    partner = await ctx.session.get(Unit, cb.int_arg(1))
    if partner is None:
        raise DomainError("errors.bad_callback")
    await _invite(ctx, ses, partner)
    ctx.answer = (ctx.t("joint.invited_short", unit=partner.name), False)
    ctx.reply("joint.invited_done", id=ses.id, topic=ses.topic, unit=partner.name, quote=False)
