"""/settings: a unit's settings panel. Features declare its rows (`Feature.settings`, see handlers/base.Setting);
the panel lists them by section with a button each: a toggle flips, a choice offers its values as
buttons, anything else is typed in reply to a question (kept in the prompts table)."""

from __future__ import annotations

from telegram import Update

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import BadCallback, Callback
from bot.context import Ctx, handler
from bot.i18n import mention
from handlers.base import Setting
from handlers.common import own_unit
from models.errors import DomainError
from models.units import Unit
from views import settings as v


def panel(ctx: Ctx, unit: Unit):  # noqa: ANN201 - (text, markup)
    return v.panel(ctx.view, unit, ctx.state.features.settings)


def _show_panel(ctx: Ctx, unit: Unit) -> None:
    text, markup = panel(ctx, unit)
    ctx.edit_text(text, markup=markup)


@handler
@admin_only
async def cmd_settings(update: Update, ctx: Ctx) -> None:
    """/settings: the unit's settings panel (admins, in the unit's group)."""
    text, markup = panel(ctx, ctx.unit)
    ctx.reply_text(text, markup=markup)


def _pick(ctx: Ctx, cb: Callback) -> tuple[Unit, Setting]:
    """The unit the button names (this chat's) and the setting it opens."""
    try:
        unit_id, key = cb.int_arg(0), cb.args[1]
    except (BadCallback, IndexError):
        raise DomainError("errors.bad_callback") from None
    setting = next((s for s in ctx.state.features.settings if s.key == key), None)
    if ctx.unit is None or ctx.unit.id != unit_id or setting is None:
        raise DomainError("errors.bad_callback")
    return ctx.unit, setting


async def on_open(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit, s = _pick(ctx, cb)
    if s.choices is not None and s.toggle:
        current = s.value(ctx.lang, unit)
        value = next(v for v, label in s.choices(ctx.lang, unit) if label != current)
        await s.apply(ctx.session, unit, value, ctx.now)
        ctx.answer = (ctx.t("settings.saved_short", label=ctx.t(s.label), value=s.value(ctx.lang, unit)), False)
        _show_panel(ctx, unit)
    elif s.choices is not None:
        ctx.edit("settings.choose", markup=v.choices(ctx.view, unit, s), label=ctx.t(s.label),
                 value=s.value(ctx.lang, unit))
    else:
        ctx.ask(s.prompt or "settings.ask", kind=v.Ask.VALUE, payload={"unit_id": unit.id, "key": s.key},
                chat_id=unit.chat_id, placeholder=s.value(ctx.lang, unit) or None,
                mention=mention(ctx.person.tg_user_id, ctx.person.display_name), label=ctx.t(s.label),
                value=s.value(ctx.lang, unit))


async def on_value(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit, s = _pick(ctx, cb)
    value = cb.args[2] if len(cb.args) > 2 else ""
    if s.choices is None or value not in {v for v, _ in s.choices(ctx.lang, unit)}:
        raise DomainError("errors.bad_callback")
    await s.apply(ctx.session, unit, value, ctx.now)
    ctx.answer = (ctx.t("settings.saved_short", label=ctx.t(s.label), value=s.value(ctx.lang, unit)), False)
    _show_panel(ctx, unit)


async def on_back(update: Update, ctx: Ctx, cb: Callback) -> None:
    _show_panel(ctx, own_unit(ctx, cb))


async def answer_value(update: Update, ctx: Ctx, payload: dict) -> None:
    """A typed value for a setting: applied when the one who was asked is (still) an admin."""
    unit = ctx.unit
    s = next((s for s in ctx.state.features.settings if s.key == payload.get("key")), None)
    if unit is None or unit.id != payload.get("unit_id") or s is None or not await is_unit_admin(ctx, unit):
        raise DomainError("errors.not_admin")
    await s.apply(ctx.session, unit, update.effective_message.text or "", ctx.now)
    ctx.reply("settings.saved", label=ctx.t(s.label), value=s.value(ctx.lang, unit))
    text, markup = panel(ctx, unit)
    ctx.reply_text(text, markup=markup, quote=False)
