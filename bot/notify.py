"""Telling a person something through the outbox: privately when the bot can reach them, else (and as
the fallback should they block the bot later) a mention in their unit's group. The one place that
decides where a personal message goes; jobs and handlers both use it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.i18n import mention, pick_lang, t
from models.outbox import OutboxIn
from models.units import Person, Unit
from views.base import mentions

if TYPE_CHECKING:
    from bot.context import BotState


def group_lang(state: BotState, unit: Unit) -> str:
    return pick_lang(None, unit.locale, state.settings.locale)


def person_lang(state: BotState, unit: Unit, person: Person) -> str:
    return pick_lang(person.language_code, unit.locale, state.settings.locale)


def notify(state: BotState, unit: Unit, person: Person, *, key: str, kind: str, at: datetime, text_key: str,
           group_key: str | None = None, markup: dict | None = None, **params: object) -> OutboxIn:
    """One outbox row for `person`: `text_key` privately (with `group_key`, default `text_key`_group, as
    the group fallback), or straight to the group as a mention when the bot cannot reach them."""
    in_group = t(group_lang(state, unit), group_key or f"{text_key}_group",
                 who=mention(person.tg_user_id, person.display_name), **params)
    if not person.private_ok:
        return OutboxIn(dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind=kind, due_at=at, text=in_group,
                        markup=markup)
    return OutboxIn(dedupe_key=key, chat_id=person.tg_user_id, person_id=person.id, unit_id=unit.id, kind=kind,
                    due_at=at, text=t(person_lang(state, unit, person), text_key, **params), markup=markup,
                    fallback_text=in_group)


def group_mentions(state: BotState, unit: Unit, people: list[Person], *, key: str, kind: str, at: datetime,
                   text_key: str, markup: dict | None = None, **params: object) -> list[OutboxIn]:
    """For members the bot cannot reach privately: mention lists in their group, a message per chunk."""
    lang = group_lang(state, unit)
    return [OutboxIn(dedupe_key=f"{key}:g{n}", chat_id=unit.chat_id, unit_id=unit.id, kind=kind, due_at=at,
                     text=t(lang, text_key, who=who, **params), markup=markup)
            for n, who in enumerate(mentions(people))]


def reachable_or_not(people: list[Person]) -> tuple[list[Person], list[Person]]:
    """(those the bot can message privately, those it can only mention in a group)."""
    return [p for p in people if p.private_ok], [p for p in people if not p.private_ok]
