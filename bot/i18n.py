"""Message catalogs (zh default, en) and the one function that renders user-facing text."""

from __future__ import annotations

import html
import string
import tomllib
from functools import cache
from pathlib import Path

LANGS = ("zh", "en")
LOCALES_DIR = Path(__file__).parent / "locales"


class Raw(str):
    """A parameter that is already HTML (a mention, a link) and must not be escaped again."""


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = str(value)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    """All texts of a language: every `locales/<lang>/*.toml` (one file per feature), merged."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with open(path, "rb") as fh:
            table = _flatten(tomllib.load(fh))
        clash = merged.keys() & table.keys()
        if clash:
            raise ValueError(f"{path.name} redefines {sorted(clash)[:5]}")
        merged.update(table)
    return merged


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(lang: str, key: str, /, **params: object) -> str:
    """Render `key` in `lang` (HTML). String parameters are escaped unless wrapped in Raw."""
    lang = lang if lang in LANGS else LANGS[0]
    text = catalog(lang).get(key) or catalog("zh")[key]
    if not params:
        return text
    safe = {k: v if isinstance(v, Raw) or not isinstance(v, str) else html.escape(v, quote=False)
            for k, v in params.items()}
    return text.format_map(safe)


def pick_lang(user_code: str | None, unit_locale: str | None, default: str) -> str:
    """The user's Telegram language if we speak it, else the unit's, else the default."""
    for code in (user_code, unit_locale):
        if code:
            base = code.split("-")[0].lower()
            if base in LANGS:
                return base
    return default if default in LANGS else LANGS[0]


def mention(tg_user_id: int, name: str) -> Raw:
    return Raw(f'<a href="tg://user?id={int(tg_user_id)}">{html.escape(name, quote=False)}</a>')
