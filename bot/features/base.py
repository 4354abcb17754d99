"""What a feature plugs into the bot, declared in one place (`Feature`), and the gathered view of all
features the app keeps in its state (`Features`).

`build_application` gathers `bot.features.FEATURES` — one explicit, ordered tuple — into a `Features`
and stores it as `state.features`; handlers, jobs, menus, /help, /me, /settings and the planner all
read it from there. Nothing registers itself by being imported, so import order changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bot.i18n import t
from handlers.base import Button, Command, InputFn, MeFigures, MeSection, PromptFn, Setting, Word

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from telegram.ext import BaseHandler

    from bot.context import BotState
    from bot.delivery import AfterSent
    from jobs.planner import Planner, Window
    from models.outbox import OutboxIn
    from models.sessions import Closed, StudySession
    from models.units import Unit

# A part other features show first under a session's header (e.g. its first agenda items): rendered
# in a language, or None.
AnnouncementPart = Callable[["AsyncSession", str, "StudySession"], Awaitable[str | None]]
# What a feature does when a session closes: the messages to enqueue with the close, same transaction.
CloseHook = Callable[["AsyncSession", "BotState", "Window", "Closed", "Unit"], Awaitable[list["OutboxIn"]]]
# Builds the sender's hook for one outbox kind, once the app's state is ready.
AfterSentFactory = Callable[["BotState"], "AfterSent"]



@dataclass(frozen=True, slots=True)
class Feature:
    """Everything one feature plugs in. Every field is optional; order within a field is kept."""

    name: str
    commands: tuple[Command, ...] = ()
    buttons: Mapping[str, Button] = field(default_factory=dict)  # callback action → what answers it (actions: views' constants)
    prompts: Mapping[str, PromptFn] = field(default_factory=dict)  # prompt kind → what takes the reply to that question
    words: tuple[Word, ...] = ()  # plain words typed in chat (签到, 请假 原因…)
    inputs: tuple[InputFn, ...] = ()  # free input hooks, after prompts and words
    settings: tuple[Setting, ...] = ()  # rows of a unit's /settings panel
    me_figures: tuple[MeFigures, ...] = ()  # scalar figures /me reads in one SELECT
    me_sections: tuple[MeSection, ...] = ()  # parts of a member's /me
    planners: tuple[tuple[str, Planner], ...] = ()  # (name, planner), run each tick in list order
    close_hooks: tuple[CloseHook, ...] = ()
    announcement_parts: tuple[AnnouncementPart, ...] = ()
    after_sent: Mapping[str, AfterSentFactory] = field(default_factory=dict)  # outbox kind → hook factory
    # Domain plug-ins (models/plugins.py): where study minutes come from, what a reflection can be
    # about, and extra 督学 figures.
    minute_sources: tuple[Any, ...] = ()
    reflection_subjects: tuple[Any, ...] = ()
    report_figures: tuple[Any, ...] = ()
    # Telegram updates that are neither commands, buttons nor messages for the generic handlers (chat
    # members, poll answers, unknown commands): PTB handlers, added after the buttons' and before the
    # plain messages' (handlers.register).
    update_handlers: tuple[BaseHandler, ...] = ()


def _merged(features: tuple[Feature, ...], name: str) -> dict:
    merged: dict = {}
    for feature in features:
        table = getattr(feature, name)
        clash = merged.keys() & table.keys()
        if clash:
            raise ValueError(f"feature {feature.name!r}: {name} {sorted(clash)} already declared")
        merged.update(table)
    return merged


def _joined(features: tuple[Feature, ...], name: str) -> tuple:
    return tuple(x for f in features for x in getattr(f, name))


@dataclass(frozen=True, slots=True)
class Features:
    """All features gathered, in declaration order. Built once by the app factory."""

    features: tuple[Feature, ...]
    commands: tuple[Command, ...] = field(init=False)
    buttons: Mapping[str, Button] = field(init=False)
    prompts: Mapping[str, PromptFn] = field(init=False)
    words: tuple[Word, ...] = field(init=False)
    inputs: tuple[InputFn, ...] = field(init=False)
    settings: tuple[Setting, ...] = field(init=False)
    me_figures: tuple[MeFigures, ...] = field(init=False)
    me_sections: tuple[MeSection, ...] = field(init=False)
    planners: tuple[tuple[str, Planner], ...] = field(init=False)
    close_hooks: tuple[CloseHook, ...] = field(init=False)
    announcement_parts: tuple[AnnouncementPart, ...] = field(init=False)
    after_sent: Mapping[str, AfterSentFactory] = field(init=False)
    minute_sources: tuple[Any, ...] = field(init=False)
    reflection_subjects: tuple[Any, ...] = field(init=False)
    report_figures: tuple[Any, ...] = field(init=False)
    update_handlers: tuple[BaseHandler, ...] = field(init=False)

    def __post_init__(self) -> None:
        fs = self.features
        names = [f.name for f in fs]
        if len(set(names)) != len(names):
            raise ValueError(f"two features share a name: {names}")
        for name in ("commands", "words", "inputs", "settings", "me_figures", "me_sections", "planners",
                     "close_hooks", "announcement_parts", "minute_sources", "reflection_subjects",
                     "report_figures", "update_handlers"):
            object.__setattr__(self, name, _joined(fs, name))
        for name in ("buttons", "prompts", "after_sent"):
            object.__setattr__(self, name, MappingProxyType(_merged(fs, name)))
        for kind, items in (("command", [c.name for c in self.commands]),
                            ("setting", [s.key for s in self.settings]),
                            ("planner", [n for n, _ in self.planners])):
            if len(set(items)) != len(items):
                raise ValueError(f"two {kind}s share a name: {sorted(items)}")

    def help_lines(self, lang: str, *, private: bool, admin: bool) -> list[str]:
        if admin and private and not any(c.admin and c.private for c in self.commands):
            return [t(lang, "help.admin_in_group")]
        return [
            f"/{c.name} — {t(lang, f'cmd.{c.name}')}"
            for c in self.commands
            if c.admin == admin and (c.private if private else c.group)
        ]

    def setting(self, key: str) -> Setting | None:
        return next((s for s in self.settings if s.key == key), None)
