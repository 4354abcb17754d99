"""The admins' panel of a session (the host's, or a joint session's partner's: one view), 代签/补签 from
it, and the page choosing who is expected."""

from __future__ import annotations

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update

from bot.admins import is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx
from bot.notify import notify
from handlers.sessions.base import admin_session, ask
from models.errors import DomainError
from models.joint import partner_session
from models.outbox import enqueue
from models.sessions import (
    ATTENDED, Attendance, MakeupState, SessionState, StudySession, Via, member_choices, proxy_checkin, roll,
    session_makeups, set_expected,
)
from models.units import Membership, Person, Unit
from views.sessions import Ask
from views.sessions.panel import expected_page, panel


async def own_members(ctx: Ctx) -> set[int]:
    """This group's unit's active members (a partner's admins speak for these only)."""
    return set((await ctx.session.scalars(select(Membership.person_id).where(
        Membership.unit_id == ctx.unit.id, Membership.active))).all())


async def panel_session(ctx: Ctx, cb: Callback, *, partner: bool) -> StudySession:
    """The session a panel button names: the host's own (`partner` False), or a joint session this
    group's unit is a partner of."""
    if not partner:
        return await admin_session(ctx, cb)
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    return await partner_session(ctx.session, unit=ctx.unit, session_id=cb.int_arg(0))


async def panel_of(ctx: Ctx, ses: StudySession, *, partner: bool | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The panel as this group's admins see it: the host's, or a joint session's partner's (`partner`;
    by default, when the session is hosted elsewhere)."""
    everyone = await roll(ctx.session, session_id=ses.id)
    if partner if partner is not None else ses.unit_id != ctx.unit.id:
        host = await ctx.session.get(Unit, ses.unit_id)
        return panel(ctx.view, ses, ctx.unit, everyone, now=ctx.now, host=host, own=await own_members(ctx))
    makeups = [(m, p) for m, p in await session_makeups(ctx.session, session_id=ses.id)
               if m.state == MakeupState.open]
    return panel(ctx.view, ses, ctx.unit, everyone, now=ctx.now, makeups=makeups)


async def _show(ctx: Ctx, cb: Callback, *, partner: bool) -> None:
    ses = await panel_session(ctx, cb, partner=partner)
    text, markup = await panel_of(ctx, ses, partner=partner)
    if cb.args[1:] == ("1",):  # refresh the panel itself
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup, quote=False)


async def on_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _show(ctx, cb, partner=False)


async def on_partner_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _show(ctx, cb, partner=True)


# -- 代签 (while open) and 补签 (after the close) ------------------------------------------------------------

async def on_proxy(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await admin_session(ctx, cb)
    person = await ctx.session.get(Person, cb.int_arg(1))
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == cb.int_arg(1)))
    if person is None or row is None:
        raise DomainError("errors.bad_callback")
    if row.status in ATTENDED:
        raise DomainError("sessions.already_in_other")
    after = ses.state == SessionState.closed or ctx.now > ses.closes_at
    ask(ctx, ctx.unit.chat_id, "sessions.makeup_checkin_prompt" if after else "sessions.proxy_prompt",
        kind=Ask.PROXY, payload={"session_id": ses.id, "person_id": person.id},
        placeholder=ctx.t("sessions.proxy_placeholder"), name=person.display_name, topic=ses.topic)
    ctx.answer = (ctx.t("sessions.proxy_prompt_short"), False)


async def answer_proxy(update: Update, ctx: Ctx, payload: dict) -> None:
    ses = await ctx.session.get(StudySession, payload.get("session_id"))
    if ses is None or ctx.unit is None or ses.unit_id != ctx.unit.id or not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    person = await ctx.session.get(Person, payload.get("person_id"))
    if person is None:
        raise DomainError("sessions.not_on_roll")
    row = await proxy_checkin(ctx.session, ses=ses, unit=ctx.unit, person_id=person.id,
                              reason=update.effective_message.text or "", by=ctx.person, now=ctx.now)
    kind = "makeup" if row.via == Via.makeup else "proxy"
    await enqueue(ctx.session, items=[notify(
        ctx.state, ctx.unit, person, key=f"ses:{ses.id}:{kind}:{person.id}", kind="ses_notice", at=ctx.now,
        text_key=f"sessions.{kind}_notice", topic=ses.topic, admin=ctx.person.display_name,
        reason=row.proxy_reason)], now=ctx.now)
    ctx.enqueued = True
    ctx.reply(f"sessions.{kind}_done", name=person.display_name, topic=ses.topic, reason=row.proxy_reason)


# -- who is expected ---------------------------------------------------------------------------------------

async def _expected_page(ctx: Ctx, ses: StudySession, page: int) -> tuple[str, InlineKeyboardMarkup]:
    choices = await member_choices(ctx.session, unit_id=ctx.unit.id, session_id=ses.id)
    return expected_page(ctx.view, ses, choices, page)


async def on_expected(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await admin_session(ctx, cb)
    if ses.state != SessionState.scheduled:
        raise DomainError("sessions.is_closed", id=ses.id, topic=ses.topic)
    text, markup = await _expected_page(ctx, ses, cb.int_arg(1))
    ctx.edit_text(text, markup=markup)


async def on_expected_toggle(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await admin_session(ctx, cb)
    person_id = cb.int_arg(1)
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == person_id))
    await set_expected(ctx.session, ses=ses, unit=ctx.unit, person_id=person_id,
                       expected=not (row is not None and row.expected), now=ctx.now)
    await ctx.session.flush()
    text, markup = await _expected_page(ctx, ses, cb.int_arg(2))
    ctx.edit_text(text, markup=markup)
