"""Inline keyboards for handlers: the update's renderer (views/base.py) makes every button, so
callback data always comes from the one codec."""

from __future__ import annotations

from bot.context import Ctx
from views.base import columns, rows  # noqa: F401 - re-exported for handlers
from telegram import InlineKeyboardButton


def button(ctx: Ctx, label: str, action: str, *args: int | str) -> InlineKeyboardButton:
    """A button with a localised label (a catalog key, or text when `label` starts with '=')."""
    return ctx.view.button(label, action, *args)


def url_button(ctx: Ctx, label: str, url: str) -> InlineKeyboardButton:
    return ctx.view.url_button(label, url)
