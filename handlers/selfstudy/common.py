"""What self-study's handlers share: the caller's day, the text after a command, who an admin's
command names."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from telegram import MessageEntity, Update

from bot.context import Ctx
from handlers.common import in_private
from models.errors import DomainError
from models.units import Person, membership


async def tz(ctx: Ctx) -> str:
    """The caller's time zone: this group's unit, else their first unit, else the default."""
    if ctx.unit is not None:
        return ctx.unit.timezone
    units = await ctx.person_units(ctx.person)
    return units[0][0].timezone if units else ctx.state.settings.timezone


async def today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ZoneInfo(await tz(ctx))).date()


def unit_today(ctx: Ctx) -> date:
    """Today in this group's unit (admin commands run in a bound group)."""
    return ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date()


def after(text: str, words: int) -> str:
    """The message text after its first `words` whitespace-separated words, new lines kept."""
    m = re.match(r"\s*" + r"\S+\s*" * words, text)
    return text[m.end():] if m and len(text.split()) >= words else ""


def need_unit_here(update: Update, ctx: Ctx) -> None:
    if not in_private(update) and ctx.unit is None:
        raise DomainError("errors.group_not_bound_member")


async def named_people(update: Update, ctx: Ctx) -> tuple[list[Person], str]:
    """The members an admin's command names — by replying to their message, @username or a mention —
    and the text left once the command and the names are taken out."""
    msg = update.effective_message
    text = msg.text or ""
    people: list[Person] = []
    for entity, part in msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            person = await ctx.session.scalar(select(Person).where(Person.tg_user_id == entity.user.id))
        else:
            person = await ctx.session.scalar(
                select(Person).where(func.lower(Person.username) == part.lstrip("@").lower()))
        if person is None:
            raise DomainError("admin.unknown_person", name=part[:40])
        people.append(person)
        text = text.replace(part, " ", 1)
    reply = msg.reply_to_message
    if not people and reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        person = await ctx.session.scalar(select(Person).where(Person.tg_user_id == reply.from_user.id))
        if person is not None:
            people.append(person)
    for person in people:
        m = await membership(ctx.session, unit=ctx.unit, person=person)
        if m is None or not m.active:
            raise DomainError("admin.not_member", name=person.display_name, unit=ctx.unit.name)
    return people, after(text, 1)
