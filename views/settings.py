"""A unit's /settings panel as the bot shows it: every row with its value, by section, a button each;
a choice's values; the callback actions (`Act`) and the question kind (`Ask`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.units import Unit
from views.base import Renderer

if TYPE_CHECKING:
    from handlers.base import Setting

ROW_WIDTH = 3
CHOICES_WIDTH = 4


class Act(StrEnum):
    """Callback actions of the settings panel's buttons."""

    OPEN = "set.o"
    VALUE = "set.v"
    BACK = "set.b"


class Ask(StrEnum):
    VALUE = "settings.value"  # a value typed for a setting without choices


def _button_text(r: Renderer, s: Setting, unit: Unit) -> str:
    if s.button is not None:
        return s.button(r.lang, unit)
    return r.t("settings.button", label=r.t(s.label), value=s.value(r.lang, unit))


def panel(r: Renderer, unit: Unit, settings: tuple[Setting, ...]) -> tuple[str, InlineKeyboardMarkup]:
    """The panel's text (every row with its value, by section) and its keyboard."""
    lines = [r.t("settings.title", unit=unit.name)]
    keyboard: list[list[InlineKeyboardButton]] = []
    section = None
    for s in settings:
        if s.section != section:
            section = s.section
            lines += ["", r.t("settings.section", name=r.t(section))]
            keyboard.append([])
        lines.append(r.t("settings.row", label=r.t(s.label), value=s.value(r.lang, unit)))
        if len(keyboard[-1]) == ROW_WIDTH:
            keyboard.append([])
        keyboard[-1].append(r.button("=" + _button_text(r, s, unit), Act.OPEN, unit.id, s.key))
    lines += ["", r.t("settings.hint")]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def choices(r: Renderer, unit: Unit, s: Setting) -> InlineKeyboardMarkup:
    """A choice's values, a button each, and the way back to the panel."""
    options = [r.button("=" + label, Act.VALUE, unit.id, s.key, value) for value, label in s.choices(r.lang, unit)]
    keyboard = [options[i:i + CHOICES_WIDTH] for i in range(0, len(options), CHOICES_WIDTH)]
    keyboard.append([r.button("settings.back", Act.BACK, unit.id)])
    return InlineKeyboardMarkup(keyboard)
