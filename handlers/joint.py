"""联学共建 in chat: the host's admins invite partner units to a joint session
(`/session invite N <unit code or name>`, or the 🤝 button under the session's confirmation) and take
them off again before it closes (`/session uninvite N <unit>`), and a partner's admins see the roll
and decide their own members' leave from the partner's announcement.

Check-in and leave from a partner group go through `handlers.sessions` (a partner's group counts as
the session's group there); this module never imports other features' handlers.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Callback
from bot.context import Ctx
from bot.keyboards import button
from handlers.base import Button
from views.joint import announce_to_partner, withdraw_from_partner
from views.base import short_name
from views.sessions import header_lines, leave_decided_messages, roll_lines
from models.errors import DomainError
from models.joint import (
    decide_partner_leave, find_partner, find_unit, invitable_units, invite_partner, partner_session,
    refuse_partner_edit, remove_partner, takes_partners,
)
from models.outbox import enqueue
from models.sessions import SessionState, Status, StudySession, roll, unit_session
from models.units import Membership, Person, Unit

UNITS_SHOWN = 30  # a page of the invite picker
LEAVES_SHOWN = 20


def invite_markup(ctx: Ctx, ses: StudySession) -> InlineKeyboardMarkup | None:
    """Under a joint session's confirmation: the button that lists units to invite."""
    if not takes_partners(ses.kind):
        return None
    return InlineKeyboardMarkup([[button(ctx, "joint.btn_invite", "jnt.ls", ses.id)]])


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


async def _host_session(ctx: Ctx, cb: Callback) -> StudySession:
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    if ses is None or ctx.unit is None or ses.unit_id != ctx.unit.id:
        raise DomainError("errors.bad_callback")
    return ses


async def on_list_units(update: Update, ctx: Ctx, cb: Callback) -> None:
    """🤝 邀请共建单位: the units that may still be invited, one button each, a page at a time (a page
    turned edits the list in place)."""
    ses = await _host_session(ctx, cb)
    if not takes_partners(ses.kind):
        raise DomainError("joint.not_joint", id=ses.id, topic=ses.topic)
    paging = len(cb.args) > 1
    page = max(0, cb.int_arg(1)) if paging else 0
    units = await invitable_units(ctx.session, ses=ses, limit=UNITS_SHOWN + 1, offset=page * UNITS_SHOWN)
    if not units and page == 0:
        raise DomainError("joint.no_units", id=ses.id)
    lines = [[button(ctx, "=" + u.name[:40], "jnt.iv", ses.id, u.id)] for u in units[:UNITS_SHOWN]]
    nav = []
    if page > 0:
        nav.append(button(ctx, "sessions.btn_prev", "jnt.ls", ses.id, page - 1))
    if len(units) > UNITS_SHOWN:
        nav.append(button(ctx, "sessions.btn_next", "jnt.ls", ses.id, page + 1))
    if nav:
        lines.append(nav)
    if paging:
        ctx.edit("joint.pick_unit", id=ses.id, topic=ses.topic, markup=InlineKeyboardMarkup(lines))
    else:
        ctx.reply("joint.pick_unit", id=ses.id, topic=ses.topic, markup=InlineKeyboardMarkup(lines), quote=False)


async def on_invite(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await _host_session(ctx, cb)
    partner = await ctx.session.get(Unit, cb.int_arg(1))
    if partner is None:
        raise DomainError("errors.bad_callback")
    await _invite(ctx, ses, partner)
    ctx.answer = (ctx.t("joint.invited_short", unit=partner.name), False)
    ctx.reply("joint.invited_done", id=ses.id, topic=ses.topic, unit=partner.name, quote=False)


# -- a partner's admins ----------------------------------------------------------------------------------

async def own_members(ctx: Ctx) -> set[int]:
    return set((await ctx.session.scalars(select(Membership.person_id).where(
        Membership.unit_id == ctx.unit.id, Membership.active))).all())


async def partner_panel(ctx: Ctx, ses: StudySession) -> tuple[str, InlineKeyboardMarkup]:
    """The roll, and the leave requests of this partner's own members with 准假 / 不准 buttons."""
    everyone = await roll(ctx.session, session_id=ses.id)
    own = await own_members(ctx)
    host = await ctx.session.get(Unit, ses.unit_id)
    lines = [*header_lines(ctx.lang, ses, ctx.unit), "", *roll_lines(ctx.lang, ses, everyone), "",
             ctx.t("joint.panel_note", host=host.name)]
    asked = [(a, p) for a, p in everyone if a.expected and a.status == Status.leave_asked and p.id in own]
    buttons: list[list] = []
    if asked and ses.state != SessionState.cancelled:
        lines += ["", ctx.t("sessions.panel_leaves")]
        lines += [ctx.t("sessions.panel_leave_line", name=p.display_name, reason=a.leave_reason or "")
                  for a, p in asked[:LEAVES_SHOWN]]
        buttons += [[button(ctx, "=" + ctx.t("sessions.btn_approve", name=short_name(p)), "jnt.la", ses.id, p.id),
                     button(ctx, "=" + ctx.t("sessions.btn_reject", name=short_name(p)), "jnt.lr", ses.id, p.id)]
                    for _, p in asked[:LEAVES_SHOWN]]
    buttons.append([button(ctx, "sessions.btn_refresh", "jnt.pn", ses.id, 1)])
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def on_partner_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    ses = await partner_session(ctx.session, unit=ctx.unit, session_id=cb.int_arg(0))
    text, markup = await partner_panel(ctx, ses)
    if cb.args[1:] == ("1",):
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup, quote=False)


async def _decide(ctx: Ctx, cb: Callback, approve: bool) -> None:
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    ses = await partner_session(ctx.session, unit=ctx.unit, session_id=cb.int_arg(0))
    person = await ctx.session.get(Person, cb.int_arg(1))
    if person is None:
        raise DomainError("errors.bad_callback")
    row = await decide_partner_leave(ctx.session, ses=ses, unit=ctx.unit, person_id=person.id, approve=approve,
                                     by=ctx.person, now=ctx.now)
    items = await leave_decided_messages(ctx.session, ctx.state, ctx.unit, ses, person, reason=row.leave_reason or "",
                                         approve=approve, now=ctx.now)
    await enqueue(ctx.session, items=items, now=ctx.now)
    ctx.enqueued = True
    ctx.answer = (ctx.t("sessions.leave_decided_ok" if approve else "sessions.leave_decided_no",
                        name=person.display_name), False)
    text, markup = await partner_panel(ctx, ses)
    ctx.edit_text(text, markup=markup)


async def on_partner_approve(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, True)


async def on_partner_reject(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(ctx, cb, False)


BUTTONS = {
    "jnt.ls": Button(on_list_units, admin=True),
    "jnt.iv": Button(on_invite, admin=True),
    "jnt.pn": Button(on_partner_panel, admin=True),
    "jnt.la": Button(on_partner_approve, admin=True),
    "jnt.lr": Button(on_partner_reject, admin=True),
}
