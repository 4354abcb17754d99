"""What the youth handlers share: the group a command came from, the text after the command, the
members a message names."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update

from bot.admins import is_unit_admin
from bot.context import Ctx, person_in
from handlers.common import in_private
from models.errors import DomainError
from models.units import Person, Unit, member_by_username, upsert_person
from models.youth import active_ids, current_leader


def group_of(update: Update, ctx: Ctx) -> Unit:
    """The unit of the group this command came from."""
    if in_private(update):
        raise DomainError("youth.group_only")
    if ctx.unit is None:
        raise DomainError("errors.group_not_bound_member")
    return ctx.unit


def rest(msg: Message) -> str:
    """The text after the command word."""
    parts = (msg.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def mention_entities(msg: Message) -> list[tuple[MessageEntity, str]]:
    found = msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    return sorted(found.items(), key=lambda kv: kv[0].offset)


def without_mentions(msg: Message, text: str) -> str:
    for _, span in mention_entities(msg):
        text = text.replace(span, " ", 1)
    return text


async def targets(ctx: Ctx, msg: Message, unit: Unit) -> list[Person]:
    """Members named by @mentions (or picked from the mention list), else the author of the replied message."""
    active = await active_ids(ctx.session, unit.id)
    found: list[Person] = []
    for entity, span in mention_entities(msg):
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            person = await upsert_person(ctx.session, who=person_in(entity.user), now=ctx.now)
        else:
            person = await member_by_username(ctx.session, unit_id=unit.id, username=span.lstrip("@"))
        if person is None or person.id not in active:
            raise DomainError("youth.unknown_member", name=span[:40])
        if person not in found:
            found.append(person)
    replied = msg.reply_to_message
    if not found and replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        person = await upsert_person(ctx.session, who=person_in(replied.from_user), now=ctx.now)
        if person.id not in active:
            raise DomainError("youth.unknown_member", name=person.display_name)
        found.append(person)
    return found


async def admin_or_leader(ctx: Ctx, unit: Unit) -> bool:
    return await current_leader(ctx.session, unit, ctx.now) == ctx.person.id or await is_unit_admin(ctx, unit)


async def names(ctx: Ctx, ids: list[int]) -> dict[int, str]:
    people = [await ctx.session.get(Person, pid) for pid in ids]
    return {p.id: p.display_name for p in people if p is not None}
