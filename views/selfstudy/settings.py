"""How self-study's rows of a unit's /settings panel show their values and choices."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import t
from models import selfstudy as ss
from models.reminders import config as reminder_config
from models.units import Unit

Value = Callable[[str, Unit], str]


def on_off(lang: str, unit: Unit) -> list[tuple[str, str]]:
    return [("1", t(lang, "ss_set.on")), ("0", t(lang, "ss_set.off"))]


def weekdays(lang: str, unit: Unit) -> list[tuple[str, str]]:
    return [(str(d), t(lang, f"ss_set.day_{d}")) for d in range(7)]


def reminder_on(name: str) -> Value:
    return lambda lang, unit: t(lang, "ss_set.on" if reminder_config(unit, name)["on"] else "ss_set.off")


def reminder_toggle(name: str) -> Value:
    """The on/off row's button: a mark and the reminder's name."""
    return lambda lang, unit: ("✅ " if reminder_config(unit, name)["on"] else "⛔ ") + t(lang, f"ss_set.{name}")


def reminder_day(name: str) -> Value:
    return lambda lang, unit: t(lang, f"ss_set.day_{int(reminder_config(unit, name)['weekday'])}")


def reminder_at(name: str) -> Value:
    return lambda lang, unit: reminder_config(unit, name)["at"]


def names_shown(lang: str, unit: Unit) -> str:
    return t(lang, "ss_set.names_on" if ss.shows_names(unit) else "ss_set.names_off")


def names_choices(lang: str, unit: Unit) -> list[tuple[str, str]]:
    return [("1", t(lang, "ss_set.names_on")), ("0", t(lang, "ss_set.names_off"))]


def target(who: str) -> Value:
    return lambda lang, unit: t(lang, "ss_set.hours", h=ss.target_hours(unit)[who])
