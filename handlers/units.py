"""Binding a group as a unit, joining it, and following who is in the group."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.admins import ADMIN_STATUSES, is_unit_admin, telegram_admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler, person_in
from bot.i18n import mention, t
from bot.parsing import parse_bind_args
from handlers.common import in_private, own_unit
from models.errors import DomainError
from models.units import (
    Role, Unit, UnitKind, admin_units, bind_unit, join_unit, leave_unit, member_count, rename_unit,
    set_parent, set_private_ok, set_role, subtree_ids, unit_by_chat, upsert_person,
)
from views import units as v
from views.base import rows

IN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


async def _bot_admin_status(ctx: Ctx, unit: Unit) -> bool:
    try:
        me = await ctx.bot.get_chat_member(unit.chat_id, ctx.bot.id)
        unit.bot_is_admin = me.status in ADMIN_STATUSES
    except TelegramError:
        pass
    return unit.bot_is_admin


async def _summary(ctx: Ctx, unit: Unit, created: bool) -> tuple[str, object]:
    parent = await ctx.session.get(Unit, unit.parent_id) if unit.parent_id else None
    members = await member_count(ctx.session, unit_id=unit.id)
    return v.bound(ctx.view, unit, created=created, parent=parent, members=members,
                   bot_admin=await _bot_admin_status(ctx, unit), bot_username=ctx.state.bot_username)


@handler
@telegram_admin_only
async def cmd_bind(update: Update, ctx: Ctx) -> None:
    """/bind [kind [name]]: register this group as a unit (buttons when no kind is given)."""
    parsed = parse_bind_args(" ".join(ctx.args or []))
    if parsed is None:
        key = "bind.choose_kind_again" if ctx.unit else "bind.choose_kind"
        ctx.reply(key, markup=v.kind_keyboard(ctx.view), name=ctx.unit.name if ctx.unit else "")
        return
    kind, name = parsed
    created = await _bind(update, ctx, kind, name)
    text, markup = await _summary(ctx, ctx.unit, created)
    ctx.reply_text(text, markup=markup)


async def _bind(update: Update, ctx: Ctx, kind: UnitKind, name: str | None) -> bool:
    chat = update.effective_chat
    unit, created = await bind_unit(
        ctx.session, chat_id=chat.id, title=chat.title or str(chat.id), kind=kind, by=ctx.person,
        now=ctx.now, timezone=ctx.state.settings.timezone,
    )
    if name:
        await rename_unit(ctx.session, unit=unit, raw_name=name, now=ctx.now)
    ctx.unit = unit
    return created


async def on_bind_kind(update: Update, ctx: Ctx, cb: Callback) -> None:
    try:
        kind = UnitKind(cb.args[0])
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    created = await _bind(update, ctx, kind, None)
    text, markup = await _summary(ctx, ctx.unit, created)
    ctx.edit_text(text, markup=markup)


async def on_rename(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    ctx.ask("bind.rename_prompt", kind=v.Ask.RENAME, payload={"unit_id": unit.id}, chat_id=unit.chat_id,
            placeholder=unit.name or None, name=unit.name, mention=mention(ctx.person.tg_user_id, ctx.person.display_name))


async def answer_rename(update: Update, ctx: Ctx, payload: dict) -> None:
    unit = ctx.unit
    if unit is None or unit.id != payload.get("unit_id") or not await is_unit_admin(ctx, unit):
        raise DomainError("errors.not_admin")
    await rename_unit(ctx.session, unit=unit, raw_name=update.effective_message.text or "", now=ctx.now)
    ctx.reply("bind.renamed", name=unit.name)


async def on_parent_menu(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    below = await subtree_ids(ctx.session, unit_id=unit.id)
    choices = [u for u in await admin_units(ctx.session, person=ctx.person) if u.id not in below][:20]
    ctx.reply("bind.parent_choose" if choices else "bind.parent_none", markup=v.parent_picker(ctx.view, unit, choices),
              name=unit.name)


async def on_parent_pick(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    parent_id = cb.int_arg(1)
    parent = None
    if parent_id:
        parent = await ctx.session.get(Unit, parent_id)
        mine = {u.id for u in await admin_units(ctx.session, person=ctx.person)}
        if parent is None or parent.id not in mine:
            raise DomainError("bind.parent_not_yours")
    await set_parent(ctx.session, unit=unit, parent=parent, now=ctx.now)
    if parent:
        ctx.edit("bind.parent_set", name=unit.name, parent=parent.name)
    else:
        ctx.edit("bind.parent_cleared", name=unit.name)


async def on_join_button(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    await _join(ctx, unit, source="button", via_button=True)


async def _join(ctx: Ctx, unit: Unit, *, source: str, via_button: bool = False) -> None:
    _, newly = await join_unit(ctx.session, unit=unit, person=ctx.person, source=source, now=ctx.now)
    count = await member_count(ctx.session, unit_id=unit.id)
    who = mention(ctx.person.tg_user_id, ctx.person.display_name)
    if via_button:
        ctx.answer = (ctx.t("join.done_short" if newly else "join.already_short", unit=unit.name), False)
        if not newly:
            return
    hint = newly and not ctx.person.private_ok and bool(ctx.state.bot_username)
    markup = rows([ctx.view.url_button("join.btn_start_private", v.start_link(ctx.state.bot_username))]) \
        if hint else None
    chat_id = ctx.unit.chat_id if ctx.unit is not None else None
    if newly and chat_id is not None and not ctx.state.welcomes.single(chat_id, ctx.now):
        # A burst of joins: named together in one welcome, edited in place (bot/welcome.py).
        lang, now, name = ctx.lang, ctx.now, who

        def render(names: list[str]) -> tuple[str, object]:
            text = t(lang, "join.welcome_roll", names="、".join(names), n=len(names), unit=unit.name)
            return text + "\n" + t(lang, "join.start_private_hint"), markup_all

        markup_all = rows([ctx.view.url_button("join.btn_start_private", v.start_link(ctx.state.bot_username))]) \
            if ctx.state.bot_username else None

        async def welcome(c: Ctx) -> None:
            await c.state.welcomes.add(c.bot, c.state.sender, chat_id, name, now, render)

        ctx.after_commit(welcome)
        return
    text = ctx.t("join.done" if newly else "join.already", who=who, unit=unit.name, count=count)
    if hint:
        text += "\n" + ctx.t("join.start_private_hint")
    ctx.reply_text(text, markup=markup)


@handler
async def cmd_join(update: Update, ctx: Ctx) -> None:
    """/join in a group: become a member of its unit."""
    if in_private(update):
        raise DomainError("join.only_group")
    if ctx.unit is None:
        raise DomainError("errors.group_not_bound_member")
    await _join(ctx, ctx.unit, source="join")


@handler
async def on_chat_member(update: Update, ctx: Ctx) -> None:
    """Someone joined, left or changed status in a bound group (the bot must be an admin to see it)."""
    change: ChatMemberUpdated = update.chat_member
    if change.new_chat_member.user.is_bot:
        return
    ctx.state.admins.forget(change.chat.id, change.new_chat_member.user.id)
    unit = ctx.unit or await unit_by_chat(ctx.session, change.chat.id)
    if unit is None:
        return
    person = await upsert_person(ctx.session, who=person_in(change.new_chat_member.user), now=ctx.now)
    status = change.new_chat_member.status
    is_in = status in IN_STATUSES or (status == ChatMemberStatus.RESTRICTED and change.new_chat_member.is_member)
    if is_in:
        role = Role.admin if status in ADMIN_STATUSES else None
        await join_unit(ctx.session, unit=unit, person=person, source="chat_member", now=ctx.now, role=role)
        if role is None and change.old_chat_member.status in ADMIN_STATUSES:
            await set_role(ctx.session, unit=unit, person=person, role=Role.member, now=ctx.now)
    else:
        await leave_unit(ctx.session, unit=unit, person=person, now=ctx.now)


@handler
async def on_my_chat_member(update: Update, ctx: Ctx) -> None:
    """The bot was added, promoted or demoted: greet, and keep the unit's view of the bot current."""
    change: ChatMemberUpdated = update.my_chat_member
    if change.chat.type == ChatType.PRIVATE:
        blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        if ctx.person is not None:
            await set_private_ok(ctx.session, person=ctx.person, ok=not blocked, now=ctx.now)
        return
    old, new = change.old_chat_member.status, change.new_chat_member.status
    unit = ctx.unit
    if unit is not None:
        unit.bot_is_admin = new in ADMIN_STATUSES
    if old in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED) and new in IN_STATUSES:
        ctx.reply("bind.added_to_group" if unit is None else "bind.added_back", quote=False)
    elif unit is not None and new in ADMIN_STATUSES and old not in ADMIN_STATUSES:
        ctx.reply("bind.now_admin", quote=False)
