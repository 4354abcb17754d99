"""What every view uses: a `Renderer` (a language and the callback codec) that makes texts from the
catalogs and buttons with signed callback data, and a few shared pieces (names, mentions).

A view is a pure function `(domain objects, Renderer) -> text` or `-> markup`; handlers get their
renderer from the update (`ctx.view`), jobs make one per recipient's language (`Renderer(lang, codec)`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.callbacks import CallbackCodec
from bot.i18n import Raw, mention, t
from models.units import Person

NAMES_SHOWN = 60  # names listed per part of a roll or summary; the rest are counted
NAME_CHARS = 12
MENTIONS_PER_MESSAGE = 30


@dataclass(frozen=True, slots=True)
class Renderer:
    lang: str
    codec: CallbackCodec

    def t(self, key: str, /, **params: object) -> str:
        return t(self.lang, key, **params)

    def button(self, label: str, action: str, *args: int | str, **params: object) -> InlineKeyboardButton:
        """A button with a localised label (a catalog key, or text when `label` starts with '=')."""
        text = label[1:] if label.startswith("=") else t(self.lang, label, **params)
        return InlineKeyboardButton(text, callback_data=self.codec.encode(action, *args))

    def url_button(self, label: str, url: str, **params: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(self.lang, label, **params), url=url)

    def web_app_button(self, label: str, url: str, **params: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(self.lang, label, **params), web_app=WebAppInfo(url))


def rows(*lines: Iterable[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(line) for line in lines if line])


def columns(buttons: list[InlineKeyboardButton], width: int = 2) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i:i + width] for i in range(0, len(buttons), width)])


def as_dict(markup: InlineKeyboardMarkup | None) -> dict | None:
    """A keyboard as an outbox row keeps it."""
    return markup.to_dict() if markup is not None else None


def short_name(person: Person) -> str:
    name = person.display_name
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def names(lang: str, people: list[str], limit: int = NAMES_SHOWN) -> Raw:
    """A list of names (escaped), the ones past `limit` counted instead of listed."""
    shown = [html.escape(n, quote=False) for n in people[:limit]]
    text = t(lang, "sessions.name_sep").join(shown)
    if len(people) > limit:
        text += t(lang, "sessions.and_more", n=len(people) - limit)
    return Raw(text)


def mentions(people: list[Person]) -> list[Raw]:
    """Mentions of people, a message's worth per item."""
    chunks = [people[i:i + MENTIONS_PER_MESSAGE] for i in range(0, len(people), MENTIONS_PER_MESSAGE)]
    return [Raw(" ".join(mention(p.tg_user_id, p.display_name) for p in chunk)) for chunk in chunks]
