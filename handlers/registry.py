"""The registry: which feature modules exist, in order. Their declarations (see handlers/base.py)
are gathered here; handler registration, menus, /help and the admin-guard test all read them — a
command cannot exist without being listed."""

from __future__ import annotations

from bot.i18n import t
from handlers import agenda, joint, reflections, selfstudy, sessions, settings, start, supervise, units, youth
from handlers.base import Button, Command, InputFn, MeFigures, MeSection, PromptFn, Setting, Word

FEATURES = (start, units, settings, sessions, joint, selfstudy, reflections, agenda, youth, supervise)


def _gather_dict(name: str) -> dict:
    merged: dict = {}
    for feature in FEATURES:
        table = getattr(feature, name, {})
        clash = merged.keys() & table.keys()
        assert not clash, f"{feature.__name__}.{name} redefines {clash}"
        merged.update(table)
    return merged


COMMANDS: tuple[Command, ...] = tuple(c for f in FEATURES for c in getattr(f, "COMMANDS", ()))
BUTTONS: dict[str, Button] = _gather_dict("BUTTONS")
PROMPTS: dict[str, PromptFn] = _gather_dict("PROMPTS")
WORDS: tuple[Word, ...] = tuple(w for f in FEATURES for w in getattr(f, "WORDS", ()))
INPUTS: tuple[InputFn, ...] = tuple(i for f in FEATURES for i in getattr(f, "INPUTS", ()))
SETTINGS: tuple[Setting, ...] = tuple(s for f in FEATURES for s in getattr(f, "SETTINGS", ()))
ME_SECTIONS: tuple[MeSection, ...] = tuple(s for f in FEATURES for s in getattr(f, "ME_SECTIONS", ()))
ME_FIGURES: tuple[MeFigures, ...] = tuple(s for f in FEATURES for s in getattr(f, "ME_FIGURES", ()))
assert len({s.key for s in SETTINGS}) == len(SETTINGS), "two settings share a key"


def help_lines(lang: str, *, private: bool, admin: bool) -> list[str]:
    if admin and private and not any(c.admin and c.private for c in COMMANDS):
        return [t(lang, "help.admin_in_group")]
    return [
        f"/{c.name} — {t(lang, f'cmd.{c.name}')}"
        for c in COMMANDS
        if c.admin == admin and (c.private if private else c.group)
    ]
