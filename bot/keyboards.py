"""Inline keyboards, with every button's callback_data made by the one codec."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx


def button(ctx: Ctx, label: str, action: str, *args: int | str) -> InlineKeyboardButton:
    """A button with a localised label (a catalog key, or text when `label` starts with '=')."""
    text = label[1:] if label.startswith("=") else ctx.t(label)
    return InlineKeyboardButton(text, callback_data=ctx.state.codec.encode(action, *args))


def url_button(ctx: Ctx, label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(ctx.t(label), url=url)


def rows(*lines: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(line) for line in lines if line])


def columns(buttons: list[InlineKeyboardButton], width: int = 2) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i:i + width] for i in range(0, len(buttons), width)])
