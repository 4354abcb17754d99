"""What the reflection handlers share: reading a button's arguments, the private-chat rule, the
caller's own reflection, the subject a button names, the draft panel, the reviewers' guard."""

from __future__ import annotations

import functools
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.admins import admin_only
from bot.callbacks import BadCallback, Callback
from bot.context import Ctx, HandlerFn
from handlers.common import in_private
from models.errors import DomainError
from models.reflections import Reflection, Subject, files_of, min_chars, own_reflection, resolve_subject
from models.units import Unit, admin_units
from views.reflections import Act, panel


def arg(cb: Callback, i: int) -> int:
    try:
        return cb.int_arg(i)
    except BadCallback:
        raise DomainError("errors.bad_callback") from None


def private_only(update: Update) -> None:
    """Reflection texts never go to a group, so their buttons work only in private chat."""
    if not in_private(update):
        raise DomainError("errors.bad_callback")


def need_private(ctx: Ctx) -> None:
    """Something is about to be sent to the caller privately: they must have started the bot."""
    if not ctx.person.private_ok:
        raise DomainError("review.start_private_first")


async def own(ctx: Ctx, cb: Callback) -> Reflection:
    """The caller's own reflection named by the button; anyone else's reads as missing."""
    return await own_reflection(ctx.session, reflection_id=arg(cb, 0), person=ctx.person)


async def subject_from(ctx: Ctx, args: tuple[str, ...]) -> Subject:
    """The subject a "write a reflection" button names (kind, ref id or 0, unit id)."""
    cb = Callback(Act.subject, args)
    if not args:
        raise DomainError("errors.bad_callback")
    return await resolve_subject(ctx.session, person=ctx.person, kind=args[0], ref_id=arg(cb, 1) or None,
                                 unit_id=arg(cb, 2), now=ctx.now)


async def draft_panel(ctx: Ctx, draft: Reflection, head: str | None = None,
                      **params: object) -> tuple[str, InlineKeyboardMarkup]:
    unit = await ctx.session.get(Unit, draft.unit_id)
    files = await files_of(ctx.session, reflection=draft)
    return panel(ctx.view, draft, least=min_chars(unit), files=files, head=head, **params)


def send_file(ctx: Ctx, chat_id: int, f: Any, caption: str) -> None:
    """Queue a kept photo or document, sent after the commit."""
    ctx.reply_file_text(f.kind, f.file_id, caption, chat_id=chat_id)


def reviewers_only(fn: HandlerFn) -> HandlerFn:
    """In a group: the unit's admins (as admin_only). In private: anyone who administers a unit."""
    in_group = admin_only(fn)

    @functools.wraps(fn)
    async def wrapper(update: Update, ctx: Ctx) -> Any:
        if in_private(update):
            if not await admin_units(ctx.session, person=ctx.person):
                raise DomainError("review.not_reviewer")
            return await fn(update, ctx)
        return await in_group(update, ctx)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper
