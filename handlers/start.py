"""/start (private reachability and deep links), /help, and the fallbacks for what we don't know."""

from __future__ import annotations

from telegram import Update

from bot.context import Ctx, handler
from bot.parsing import parse_join_payload
from handlers.common import in_private
from models.errors import DomainError
from models.units import join_unit, person_units, set_private_ok, unit_by_code


@handler
async def cmd_start(update: Update, ctx: Ctx) -> None:
    if not in_private(update):
        ctx.reply("start.group" if ctx.unit else "start.group_unbound")
        return
    await set_private_ok(ctx.session, person=ctx.person, ok=True, now=ctx.now)
    payload = (ctx.args or [""])[0]
    if payload.startswith("join_") or (payload and payload != "hi"):
        code = parse_join_payload(payload)
        unit = await unit_by_code(ctx.session, code)
        if unit is None:
            raise DomainError("start.bad_link")
        _, newly = await join_unit(ctx.session, unit=unit, person=ctx.person, source="link", now=ctx.now)
        ctx.reply("start.joined" if newly else "start.already_member", unit=unit.name)
        return
    units = await person_units(ctx.session, person=ctx.person)
    names = "、".join(u.name for u, _ in units) if units else ctx.t("start.no_units")
    ctx.reply("start.private", name=ctx.person.display_name, units=names)


@handler
async def cmd_help(update: Update, ctx: Ctx) -> None:
    private = in_private(update)
    ctx.reply_text("\n".join([
        ctx.t("help.intro"),
        "",
        ctx.t("help.member_title"),
        *ctx.state.features.help_lines(ctx.lang, private=private, admin=False),
        "",
        ctx.t("help.admin_title"),
        *ctx.state.features.help_lines(ctx.lang, private=private, admin=True),
        "",
        ctx.t("help.words" if not private else "help.private_tail"),
    ]))


@handler
async def on_unknown_command(update: Update, ctx: Ctx) -> None:
    """Answer unknown commands in private, and in groups only when addressed to this bot."""
    text = update.effective_message.text or ""
    head = text.split()[0] if text.split() else ""
    private = in_private(update)
    if private or head.lower().endswith("@" + ctx.state.bot_username.lower()):
        ctx.reply("errors.unknown_command", command=head.split("@")[0][:32])
