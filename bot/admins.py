"""Who may run admin commands: the unit's admins in the database, or the group's Telegram admins.

Telegram's answer is cached briefly, since every admin command would otherwise cost a request.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import Ctx, HandlerFn
from models.errors import DomainError
from models.units import Role, Unit, is_db_admin, set_role

ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


class AdminCache:
    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[int, int], tuple[bool, float]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        hit = self._seen.get((chat_id, user_id))
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        self._seen[(chat_id, user_id)] = (is_admin, time.monotonic() + self.ttl)

    def forget(self, chat_id: int, user_id: int) -> None:
        self._seen.pop((chat_id, user_id), None)


async def is_telegram_admin(ctx: Ctx, chat_id: int, user_id: int) -> bool:
    cached = ctx.state.admins.get(chat_id, user_id)
    if cached is not None:
        return cached
    try:
        member = await ctx.bot.get_chat_member(chat_id, user_id)
        answer = member.status in ADMIN_STATUSES
    except TelegramError:
        answer = False
    ctx.state.admins.put(chat_id, user_id, answer)
    return answer


async def is_unit_admin(ctx: Ctx, unit: Unit) -> bool:
    """DB admin of the unit, or a Telegram admin of its group (then recorded as admin in the DB)."""
    person = ctx.person
    if person is None:
        return False
    if await is_db_admin(ctx.session, unit=unit, person=person):
        return True
    if await is_telegram_admin(ctx, unit.chat_id, person.tg_user_id):
        await set_role(ctx.session, unit=unit, person=person, role=Role.admin, now=ctx.now)
        return True
    return False


def admin_only(fn: HandlerFn) -> HandlerFn:
    """Refuse the command unless the caller administers the group's unit. Goes inside @handler."""

    @functools.wraps(fn)
    async def wrapper(update: Update, ctx: Ctx) -> Any:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            raise DomainError("errors.admin_in_group")
        if ctx.unit is None:
            if not await is_telegram_admin(ctx, chat.id, update.effective_user.id):
                raise DomainError("errors.not_admin")
            raise DomainError("errors.group_not_bound")
        if not await is_unit_admin(ctx, ctx.unit):
            raise DomainError("errors.not_admin")
        return await fn(update, ctx)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper


def telegram_admin_only(fn: HandlerFn) -> HandlerFn:
    """Refuse unless the caller is a Telegram admin of this group (for /bind, before a unit exists)."""

    @functools.wraps(fn)
    async def wrapper(update: Update, ctx: Ctx) -> Any:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            raise DomainError("bind.only_group")
        if update.effective_user is None or not await is_telegram_admin(ctx, chat.id, update.effective_user.id):
            raise DomainError("errors.not_admin")
        return await fn(update, ctx)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper
