"""What a feature module declares, so the registry can list it: commands, buttons, prompt answers,
plain words and free-input hooks. A feature module exports any of

    COMMANDS: tuple[Command, ...]      BUTTONS: dict[str, Button]      PROMPTS: dict[str, PromptFn]
    WORDS: tuple[Word, ...]            INPUTS: tuple[InputFn, ...]
    SETTINGS: tuple[Setting, ...]      (rows of a unit's /settings panel)
    ME_SECTIONS: tuple[MeSection, ...] (parts of a member's /me record)
    ME_FIGURES: tuple[MeFigures, ...] (scalar subqueries /me asks in one SELECT; sections read ctx.me)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx
from models.units import Person, Unit

ButtonFn = Callable[[Update, Ctx, Callback], Awaitable[None]]
PromptFn = Callable[[Update, Ctx, dict], Awaitable[None]]
WordFn = Callable[[Update, Ctx, re.Match[str]], Awaitable[None]]
# Returns True when it took the message (e.g. the next part of a reflection being written).
InputFn = Callable[[Update, Ctx], Awaitable[bool]]
# A part of /me: the member's record of one feature as HTML, or None when there is nothing to show.
MeSection = Callable[[Ctx, Person], Awaitable[str | None]]
# A feature's scalar figures for /me: ({name: scalar subquery}, {bind parameter: value}). /me runs every
# feature's in one SELECT (one database round trip) before the sections, which read the values from
# `ctx.me[name]`. Names and parameters are prefixed with the feature ("reflect_written", "rf_person").
# Build the subqueries once per shape (functools.cache, bindparam): building them per update costs CPU.
MeFigures = Callable[[Ctx, Person], Awaitable[tuple[dict[str, Any], dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command. `callback` is already wrapped with @handler (and a guard when admin)."""

    name: str
    callback: Any
    private: bool
    group: bool
    admin: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    fn: ButtonFn
    admin: bool = False  # the dispatcher checks this before the action runs


@dataclass(frozen=True, slots=True)
class Word:
    """A plain word typed in chat (签到, 请假 原因…). Matched against the whole stripped text."""

    pattern: re.Pattern[str]
    fn: WordFn
    private: bool = False
    group: bool = True


@dataclass(frozen=True, slots=True)
class Setting:
    """A row of a unit's /settings panel. `value` renders the current value in a language; `apply`
    stores a new one (a choice's value, or what an admin typed) and raises DomainError when it is bad.
    With `choices`, pressing the row offers them (a `toggle` flips to the next at once); without, the
    admin is asked to type a value (`prompt`, a catalog key)."""

    key: str  # short and unique: it travels in callback data
    label: str  # catalog key
    section: str  # catalog key of the heading it sits under; a section's rows share a keyboard row
    value: Callable[[str, Unit], str]
    apply: Callable[[AsyncSession, Unit, str, datetime], Awaitable[None]]
    choices: Callable[[str, Unit], list[tuple[str, str]]] | None = None
    toggle: bool = False
    prompt: str | None = None
    button: Callable[[str, Unit], str] | None = None  # the button's text; default "label: value"
