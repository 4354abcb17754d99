"""Units as the bot shows them while binding and joining: the callback actions (`Act`), the kind
picker, the bound unit's keyboard, the parent picker and the join link."""

from __future__ import annotations

from enum import StrEnum

from telegram import InlineKeyboardMarkup

from models.units import Unit, UnitKind
from views.base import Renderer, columns, rows


class Act(StrEnum):
    """Callback actions of the units feature's buttons."""

    BIND_KIND = "bind.k"
    RENAME = "bind.rn"
    PARENT_MENU = "bind.pa"
    PARENT_PICK = "bind.pp"
    JOIN = "join"


class Ask(StrEnum):
    """Kinds of the questions (prompt rows) whose replies the units feature takes."""

    RENAME = "unit.rename"


def join_link(bot_username: str, unit: Unit) -> str:
    return f"https://t.me/{bot_username}?start=join_{unit.join_code}"


def start_link(bot_username: str) -> str:
    """Opens a private chat with the bot (so it may write to the person from then on)."""
    return f"https://t.me/{bot_username}?start=hi"


def kind_keyboard(r: Renderer) -> InlineKeyboardMarkup:
    return columns([r.button(f"kind.{k.value}", Act.BIND_KIND, k.value) for k in UnitKind], width=2)


def unit_keyboard(r: Renderer, unit: Unit) -> InlineKeyboardMarkup:
    return rows(
        [r.button("bind.btn_join", Act.JOIN, unit.id)],
        [r.button("bind.btn_rename", Act.RENAME, unit.id), r.button("bind.btn_parent", Act.PARENT_MENU, unit.id)],
    )


def parent_picker(r: Renderer, unit: Unit, choices: list[Unit]) -> InlineKeyboardMarkup:
    """The units this admin also runs (a button each), and "no parent"."""
    buttons = [r.button("=" + u.name[:40], Act.PARENT_PICK, unit.id, u.id) for u in choices]
    buttons.append(r.button("bind.btn_no_parent", Act.PARENT_PICK, unit.id, 0))
    return columns(buttons, 1)


def bound(r: Renderer, unit: Unit, *, created: bool, parent: Unit | None, members: int, bot_admin: bool,
          bot_username: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text that closes binding: what was bound, admin status of the bot, the next step."""
    parts = [
        r.t("bind.done" if created else "bind.updated", name=unit.name, kind=r.t(f"kind.{unit.kind.value}"),
            parent=parent.name if parent else r.t("bind.no_parent"), members=members),
        r.t("bind.bot_admin_ok") if bot_admin else r.t("bind.bot_admin_hint"),
        r.t("bind.join_hint", link=join_link(bot_username, unit)),
        r.t("bind.next_step"),
    ]
    return "\n\n".join(parts), unit_keyboard(r, unit)
