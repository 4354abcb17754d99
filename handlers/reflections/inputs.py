"""Free input in private chat: the next part of a draft, notes being sent, and edits of either."""

from __future__ import annotations

from telegram import Message, Update

from bot.callbacks import BadCallback, Callback
from bot.context import Ctx
from handlers.common import in_private
from handlers.reflections.shared import arg, draft_panel, subject_from
from models.reflections import (
    FileIn, NoteRequest, Reflection, active_input, add_note, add_part, current_draft, edit_note, edit_part, open_draft,
    own_note_request,
)
from views.reflections import Act, notes_done_keyboard

MEDIA_KINDS = ("animation", "video", "video_note", "voice", "audio", "sticker")


def _content(msg: Message) -> tuple[str, FileIn | None]:
    """The text (or caption) and the file a message carries."""
    text = msg.text or msg.caption or ""
    if msg.photo:
        p = msg.photo[-1]
        return text, FileIn("photo", p.file_id, p.file_unique_id, None, "image/jpeg", p.file_size)
    for kind in MEDIA_KINDS:  # animations also carry `document`: look at them first
        obj = getattr(msg, kind, None)
        if obj is not None:
            return text, FileIn(kind, obj.file_id, obj.file_unique_id, None, getattr(obj, "mime_type", None),
                                obj.file_size)
    if msg.document:
        d = msg.document
        return text, FileIn("document", d.file_id, d.file_unique_id, d.file_name, d.mime_type, d.file_size)
    return text, None


async def _replied_target(update: Update, ctx: Ctx) -> Reflection | NoteRequest | None:
    """A reply to one of our messages that carries one "write a reflection" or "send notes" button
    goes there (a follow-up from a session or an agenda item, a notes request). A message offering
    several subjects (the chooser) names none: the member has to pick."""
    asked = update.effective_message.reply_to_message
    if asked is None or asked.from_user is None or asked.from_user.id != ctx.bot.id or asked.reply_markup is None:
        return None
    found: list[Callback] = []
    for line in asked.reply_markup.inline_keyboard:
        for b in line:
            try:
                cb = ctx.state.codec.decode(b.callback_data)
            except BadCallback:
                continue
            if cb.action in (Act.subject, Act.notes_start):
                found.append(cb)
    if len(found) != 1:
        return None
    cb = found[0]
    if cb.action == Act.notes_start:
        return await own_note_request(ctx.session, request_id=arg(cb, 0), person=ctx.person)
    subject = await subject_from(ctx, cb.args)
    return await open_draft(ctx.session, person=ctx.person, subject=subject, now=ctx.now)


async def take_input(update: Update, ctx: Ctx) -> bool:
    """Private messages: the next part of a draft, or notes being sent. Edits follow their part."""
    if not in_private(update):
        return False
    msg = update.effective_message
    if update.edited_message is not None:
        return await _take_edit(ctx, msg)
    target = await _replied_target(update, ctx) or await active_input(ctx.session, person=ctx.person)
    text, file = _content(msg)
    if isinstance(target, Reflection):
        await add_part(ctx.session, reflection=target, person=ctx.person, message_id=msg.message_id, text=text,
                       file=file, now=ctx.now)
        head = "reflect.got_file" if file else "reflect.got_text"
        panel, markup = await draft_panel(ctx, target, head)
        ctx.reply_text(panel, markup=markup)
        return True
    if isinstance(target, NoteRequest):
        n = await add_note(ctx.session, request=target, message_id=msg.message_id, text=text, file=file, now=ctx.now)
        what = ctx.t(f"notes.kind_{file.kind}") if file else ctx.t("notes.kind_text")
        ctx.reply("notes.got", n=n, what=what, markup=notes_done_keyboard(ctx.view, target))
        return True
    return False


async def _take_edit(ctx: Ctx, msg: Message) -> bool:
    text = msg.text or msg.caption or ""
    draft = await current_draft(ctx.session, person=ctx.person)
    if draft is not None and await edit_part(ctx.session, reflection=draft, person=ctx.person,
                                             message_id=msg.message_id, text=text, now=ctx.now):
        panel, markup = await draft_panel(ctx, draft, "reflect.part_edited")
        ctx.reply_text(panel, markup=markup)
        return True
    target = await active_input(ctx.session, person=ctx.person)
    if isinstance(target, NoteRequest) and await edit_note(ctx.session, request=target, message_id=msg.message_id,
                                                           text=text):
        ctx.reply("notes.item_edited")
        return True
    return False
