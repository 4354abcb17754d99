"""What the sessions feature's handlers share: the session a button names (and the unit a response
counts for), and asking the caller a question to reply to."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx
from bot.i18n import mention
from handlers.common import in_group, number
from models.errors import DomainError
from models.joint import is_partner
from models.sessions import Attendance, StudySession
from models.units import Unit


def session_number(text: str, example: str) -> int:
    return number(text, error="sessions.bad_number", example=example)


async def unit_of(ctx: Ctx, ses: StudySession) -> Unit:
    """The unit a response to the session counts for: this group's (the host's, or a partner's of a
    joint session), else the host's."""
    if ctx.unit is not None and (ctx.unit.id == ses.unit_id
                                 or await is_partner(ctx.session, session_id=ses.id, unit_id=ctx.unit.id)):
        return ctx.unit
    return await ctx.session.get(Unit, ses.unit_id)


async def button_session(update: Update, ctx: Ctx, cb: Callback) -> tuple[StudySession, Unit]:
    """The session a button names: in a group it must be this group's; in private the caller must be
    on its roll. Anything else is treated as a forged button."""
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    if ses is None:
        raise DomainError("errors.bad_callback")
    if in_group(update):
        if ctx.unit is None or (ses.unit_id != ctx.unit.id
                                and not await is_partner(ctx.session, session_id=ses.id, unit_id=ctx.unit.id)):
            raise DomainError("errors.bad_callback")
        return ses, ctx.unit
    on_roll = await ctx.session.scalar(select(Attendance.id).where(
        Attendance.session_id == ses.id, Attendance.person_id == ctx.person.id))
    if on_roll is None:
        raise DomainError("errors.bad_callback")
    return ses, await ctx.session.get(Unit, ses.unit_id)


async def admin_session(ctx: Ctx, cb: Callback) -> StudySession:
    """For the host's admin buttons (always pressed in the unit's group): the session must be this unit's."""
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    if ses is None or ctx.unit is None or ses.unit_id != ctx.unit.id:
        raise DomainError("errors.bad_callback")
    return ses


def ask(ctx: Ctx, chat_id: int, key: str, *, kind: str, payload: dict, placeholder: str = "",
        prefix: str = "", **params: object) -> None:
    """Ask the caller a question to answer by replying (ForceReply, kept in `prompts` once sent)."""
    who = mention(ctx.person.tg_user_id, ctx.person.display_name)
    ctx.ask(key, kind=kind, payload=payload, chat_id=chat_id, placeholder=placeholder or None, prefix=prefix or None,
            mention=who, **params)
