"""Reflections (心得体会) written in private chat, their review (点评) and showcase (优秀案例), and study
notes called up for review (学习笔记调阅).

Every button here names a reflection or a notes request by id; each is checked against the person
pressing it (the author, or an admin of the author's unit chain), and reflection buttons work only in
private chat, so no text is ever shown in a group by a forged button.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import BadCallback, Callback, CallbackCodec
from bot.context import Ctx, HandlerFn, handler, person_in
from bot.i18n import Raw, catalog, mention, pick_lang, t
from bot.keyboards import button, columns, rows, url_button
from handlers.base import Button, Command, MeFigures, MeSection
from views.reflections import subject_callback
from models.errors import DomainError
from models.outbox import OutboxIn, enqueue
from models.reflections import (
    MAX_CHARS, TALLY, FileIn, Grade, NoteItem, NoteRequest, NoteState, Reflection, ReflectionFile,
    ReflectionState, Showcase, Subject, active_input, add_note, add_part, approve, candidate_subjects,
    clear_draft, close_review_prompts, current_draft, decide_showcase, default_due, discard_draft, edit_note,
    edit_part, files_of, finish_notes, member_by_username, min_chars, my_reflections, note_items, open_draft,
    own_note_request, own_reflection, parse_due, parse_min_chars, pending, reopen,
    request_notes, resolve_subject, return_for_revision, reviewable_unit_ids, reviews_of, set_min_chars,
    start_notes, submit, tally_figures, touch_draft, unit_chain, unit_note_requests,
)
from models.units import (
    Person, Unit, active_members, admin_units, set_private_ok, subtree_ids, upsert_person,
)

EXCERPT = 1200  # characters of a reflection on a review card; the rest on request
CHUNK = 3000  # characters per message when a whole text is sent (Telegram takes 4096)
SHOWCASE_EXCERPT = 3000
PICKER_PAGE = 20
REVIEW_PROMPTS = ("review.approve", "review.return")
MEDIA_KINDS = ("animation", "video", "video_note", "voice", "audio", "sticker")


# -- small helpers ---------------------------------------------------------------------------------


def _arg(cb: Callback, i: int) -> int:
    try:
        return cb.int_arg(i)
    except BadCallback:
        raise DomainError("errors.bad_callback") from None


def _private_only(update: Update) -> None:
    """Reflection texts never go to a group, so their buttons work only in private chat."""
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        raise DomainError("errors.bad_callback")


def _btn(codec: CallbackCodec, lang: str, label: str, action: str, *args: int | str) -> InlineKeyboardButton:
    """A button for a message in someone else's language (the outbox, the author's notes)."""
    return InlineKeyboardButton(t(lang, label), callback_data=codec.encode(action, *args))


def when(lang: str, at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return t(lang, "reflect.when", month=local.month, day=local.day, time=local.strftime("%H:%M"))


def day(lang: str, d: date) -> str:
    return t(lang, "reflect.day", month=d.month, day=d.day)


def subject_label(lang: str, kind: str, title: str) -> str:
    """How a subject reads (plain text): `reflect_subject.<kind>` from the providing feature's catalog."""
    key = f"reflect_subject.{kind}"
    return t(lang, key, title=Raw(title)) if key in catalog(lang) or key in catalog("zh") else title


def _label_of(lang: str, r: Reflection) -> str:
    return subject_label(lang, r.subject_kind, r.subject_title)


def _chunks(text: str, size: int = CHUNK) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def _files_summary(lang: str, files: list[Any]) -> str:
    photos = sum(1 for f in files if f.kind == "photo")
    docs = sum(1 for f in files if f.kind == "document")
    parts = []
    if photos:
        parts.append(t(lang, "reflect.files_photos", n=photos))
    if docs:
        parts.append(t(lang, "reflect.files_docs", n=docs))
    return t(lang, "reflect.list_sep").join(parts)


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


def _private_link(ctx: Ctx) -> str:
    return f"https://t.me/{ctx.state.bot_username}"


def _need_private(ctx: Ctx) -> None:
    """Something is about to be sent to the caller privately: they must have started the bot."""
    if not ctx.person.private_ok:
        raise DomainError("review.start_private_first")


def _send_file(ctx: Ctx, chat_id: int, f: Any, caption: str) -> None:
    """Queue a kept photo or document, sent after the commit."""
    ctx.reply_file_text(f.kind, f.file_id, caption, chat_id=chat_id)


def reviewers_only(fn: HandlerFn) -> HandlerFn:
    """In a group: the unit's admins (as admin_only). In private: anyone who administers a unit."""
    in_group = admin_only(fn)

    @functools.wraps(fn)
    async def wrapper(update: Update, ctx: Ctx) -> Any:
        if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
            if not await admin_units(ctx.session, person=ctx.person):
                raise DomainError("review.not_reviewer")
            return await fn(update, ctx)
        return await in_group(update, ctx)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper


# -- writing ---------------------------------------------------------------------------------------


def _chooser(ctx: Ctx, subjects: list[Subject], names: dict[int, str]) -> InlineKeyboardMarkup:
    several_units = len({s.unit_id for s in subjects}) > 1
    lines = []
    for s in subjects:
        label = subject_label(ctx.lang, s.kind, s.title)[:40]
        if several_units:
            label = ctx.t("reflect.subject_in_unit", subject=Raw(label), unit=Raw(names.get(s.unit_id, "")[:20]))
        lines.append([InlineKeyboardButton(label, callback_data=subject_callback(ctx.state.codec, s))])
    lines.append([button(ctx, "reflect.btn_mine", "rf.my")])
    return InlineKeyboardMarkup(lines)


async def _panel(ctx: Ctx, draft: Reflection, head: str | None = None, **params: object):
    """The draft as it stands: subject, count against the unit's limits, attachments, buttons."""
    unit = await ctx.session.get(Unit, draft.unit_id)
    files = await files_of(ctx.session, reflection=draft)
    least = min_chars(unit)
    lines = [ctx.t(head, **params)] if head else []
    lines.append(ctx.t("reflect.panel", subject=_label_of(ctx.lang, draft), count=draft.chars, min=least,
                       max=MAX_CHARS))
    if files:
        lines.append(ctx.t("reflect.panel_files", files=_files_summary(ctx.lang, files)))
    if draft.chars < least:
        lines.append(ctx.t("reflect.panel_missing", missing=least - draft.chars))
    else:
        lines.append(ctx.t("reflect.panel_enough"))
    last = [button(ctx, "reflect.btn_clear", "rf.clr", draft.id)]
    if not draft.revision:
        last.append(button(ctx, "reflect.btn_discard", "rf.del", draft.id))
    markup = rows(
        [button(ctx, "reflect.btn_submit", "rf.sub", draft.id), button(ctx, "reflect.btn_preview", "rf.pv", draft.id)],
        last,
    )
    return "\n".join(lines), markup


@handler
async def cmd_reflect(update: Update, ctx: Ctx) -> None:
    """/reflect: continue the open draft, or choose what the new reflection is about."""
    if update.effective_chat.type != ChatType.PRIVATE:
        ctx.reply("reflect.in_private", markup=rows([url_button(ctx, "reflect.btn_open_private", _private_link(ctx))]))
        return
    await set_private_ok(ctx.session, person=ctx.person, ok=True, now=ctx.now)
    draft = await current_draft(ctx.session, person=ctx.person)
    if draft is not None:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        text, markup = await _panel(ctx, draft, "reflect.draft_waiting")
        ctx.reply_text(text, markup=markup)
        return
    subjects = await candidate_subjects(ctx.session, person=ctx.person, now=ctx.now)
    if not subjects:
        raise DomainError("reflect.no_unit")
    names = {u.id: u.name for u in [await ctx.session.get(Unit, uid) for uid in {s.unit_id for s in subjects}]}
    markup = _chooser(ctx, subjects, names)
    returned = [r for r in await my_reflections(ctx.session, person=ctx.person) if r.state == ReflectionState.returned]
    text = ctx.t("reflect.choose")
    if returned:
        # Revising what came back usually matters more than starting something new.
        text = ctx.t("reflect.returned_waiting", n=len(returned)) + "\n\n" + text
        edits = [button(ctx, "=" + ctx.t("reflect.btn_edit_returned", id=r.id), "rf.ed", r.id) for r in returned[:4]]
        markup = InlineKeyboardMarkup([edits, *markup.inline_keyboard])
    ctx.reply_text(text, markup=markup)


async def _subject_from(ctx: Ctx, args: tuple[str, ...]) -> Subject:
    cb = Callback("rf.s", args)
    if not args:
        raise DomainError("errors.bad_callback")
    return await resolve_subject(ctx.session, person=ctx.person, kind=args[0], ref_id=_arg(cb, 1) or None,
                                 unit_id=_arg(cb, 2), now=ctx.now)


async def on_subject(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    subject = await _subject_from(ctx, cb.args)
    draft = await open_draft(ctx.session, person=ctx.person, subject=subject, now=ctx.now)
    if draft.chars or await files_of(ctx.session, reflection=draft):
        text, markup = await _panel(ctx, draft)
        ctx.edit_text(text, markup=markup)
        return
    unit = await ctx.session.get(Unit, draft.unit_id)
    ctx.edit("reflect.started", subject=_label_of(ctx.lang, draft), unit=unit.name, min=min_chars(unit), max=MAX_CHARS)


async def _own(ctx: Ctx, cb: Callback) -> Reflection:
    """The caller's own reflection named by the button; anyone else's reads as missing."""
    return await own_reflection(ctx.session, reflection_id=_arg(cb, 0), person=ctx.person)


async def on_submit(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    draft = await _own(ctx, cb)
    await submit(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    files = await files_of(ctx.session, reflection=draft)
    extra = ctx.t("reflect.submitted_files", files=_files_summary(ctx.lang, files)) if files else ""
    ctx.edit("reflect.submitted", subject=_label_of(ctx.lang, draft), count=draft.chars, files=Raw(extra),
             markup=rows([button(ctx, "reflect.btn_edit", "rf.ed", draft.id)]))


async def on_preview(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    r = await _own(ctx, cb)
    if not r.text:
        ctx.answer = (ctx.t("reflect.preview_empty"), True)
        return
    pieces = _chunks(r.text)
    for i, piece in enumerate(pieces, 1):
        ctx.reply("reflect.preview", subject=_label_of(ctx.lang, r), count=r.chars, part=i, parts=len(pieces),
                  text=piece)


async def on_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    draft = await _own(ctx, cb)
    await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    text, markup = await _panel(ctx, draft)
    ctx.edit_text(text, markup=markup)


async def on_clear(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Start over (asks first: the text and attachments go)."""
    _private_only(update)
    draft = await _own(ctx, cb)
    if len(cb.args) < 2:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        ctx.edit("reflect.clear_confirm", count=draft.chars, markup=rows([
            button(ctx, "reflect.btn_clear_yes", "rf.clr", draft.id, 1),
            button(ctx, "reflect.btn_back", "rf.pn", draft.id)]))
        return
    await clear_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    text, markup = await _panel(ctx, draft, "reflect.cleared")
    ctx.edit_text(text, markup=markup)


async def on_discard(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    draft = await _own(ctx, cb)
    if len(cb.args) < 2:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        ctx.edit("reflect.discard_confirm", count=draft.chars, markup=rows([
            button(ctx, "reflect.btn_discard_yes", "rf.del", draft.id, 1),
            button(ctx, "reflect.btn_back", "rf.pn", draft.id)]))
        return
    await discard_draft(ctx.session, reflection=draft, person=ctx.person)
    ctx.edit("reflect.discarded")


async def on_edit(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Take a submitted or returned reflection back to revise it (until it is reviewed)."""
    _private_only(update)
    r = await _own(ctx, cb)
    await reopen(ctx.session, reflection=r, person=ctx.person, now=ctx.now)
    text, markup = await _panel(ctx, r, "reflect.reopened")
    ctx.reply_text(text, markup=markup)


def _state_label(lang: str, r: Reflection) -> str:
    if r.state == ReflectionState.approved and r.grade is not None:
        return t(lang, "reflect.state_approved_grade", grade=t(lang, f"review.grade_{r.grade.value}"))
    return t(lang, f"reflect.state_{r.state.value}")


async def on_mine(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    mine = await my_reflections(ctx.session, person=ctx.person)
    if not mine:
        ctx.answer = (ctx.t("reflect.mine_none"), True)
        return
    lines = [ctx.t("reflect.mine_title")]
    buttons = []
    for r in mine:
        unit = await ctx.session.get(Unit, r.unit_id)
        lines.append(ctx.t("reflect.mine_line", id=r.id, subject=_label_of(ctx.lang, r), count=r.chars,
                           when=when(ctx.lang, r.submitted_at or r.updated_at, unit.timezone),
                           state=_state_label(ctx.lang, r)))
        buttons.append(button(ctx, "=" + ctx.t("reflect.btn_view", id=r.id), "rf.v", r.id))
    ctx.reply_text("\n".join(lines), markup=columns(buttons, 3))


async def me_figures(ctx: Ctx, person: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reflections written this year (in the member's first unit's time zone) and open ones."""
    units = await ctx.person_units(person)
    tz = ZoneInfo(units[0][0].timezone if units else ctx.state.settings.timezone)
    since = datetime(ctx.now.astimezone(tz).year, 1, 1, tzinfo=tz)
    return ({f"reflect_{k}": q for k, q in tally_figures().items()},
            {"rf_person": person.id, "rf_since": since.astimezone(UTC)})


async def me_reflections(ctx: Ctx, person: Person) -> str | None:
    """This feature's part of /me (figures from me_figures). Nothing for someone without units or any."""
    n = {k: ctx.me.get(f"reflect_{k}", 0) for k in TALLY}
    if not await ctx.person_units(person) and not any(n.values()):
        return None
    lines = [ctx.t("reflect.me_written", written=n["written"], approved=n["approved"], excellent=n["excellent"])]
    if n["waiting"] or n["returned"] or n["drafts"]:
        lines.append(ctx.t("reflect.me_open", waiting=n["waiting"], returned=n["returned"], drafts=n["drafts"]))
    return "\n".join(lines)


async def on_view(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The author's own view: state, the latest review comment, and what they can do now."""
    _private_only(update)
    r = await _own(ctx, cb)
    lines = [ctx.t("reflect.view", id=r.id, subject=_label_of(ctx.lang, r), count=r.chars,
                   state=_state_label(ctx.lang, r))]
    reviews = await reviews_of(ctx.session, reflection=r)
    if reviews and reviews[-1].comment:
        reviewer = await ctx.session.get(Person, reviews[-1].reviewer_id) if reviews[-1].reviewer_id else None
        lines.append(ctx.t("reflect.view_comment", comment=reviews[-1].comment,
                           reviewer=reviewer.display_name if reviewer else "—"))
    buttons = [[button(ctx, "reflect.btn_preview", "rf.pv", r.id)]]
    if r.state in (ReflectionState.submitted, ReflectionState.returned):
        buttons.append([button(ctx, "reflect.btn_edit", "rf.ed", r.id)])
    if r.showcase == Showcase.asked:
        unit = await ctx.session.get(Unit, r.unit_id)
        lines.append(ctx.t("showcase.ask", unit=unit.name))
        buttons += _consent_rows(ctx.state.codec, ctx.lang, r.id)
    ctx.reply_text("\n".join(lines), markup=InlineKeyboardMarkup(buttons))


# -- free input: draft parts, notes, edits ---------------------------------------------------------


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
            if cb.action in ("rf.s", "nt.go"):
                found.append(cb)
    if len(found) != 1:
        return None
    cb = found[0]
    if cb.action == "nt.go":
        return await own_note_request(ctx.session, request_id=_arg(cb, 0), person=ctx.person)
    subject = await _subject_from(ctx, cb.args)
    return await open_draft(ctx.session, person=ctx.person, subject=subject, now=ctx.now)


async def take_input(update: Update, ctx: Ctx) -> bool:
    """Private messages: the next part of a draft, or notes being sent. Edits follow their part."""
    if update.effective_chat.type != ChatType.PRIVATE:
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
        panel, markup = await _panel(ctx, target, head)
        ctx.reply_text(panel, markup=markup)
        return True
    if isinstance(target, NoteRequest):
        n = await add_note(ctx.session, request=target, message_id=msg.message_id, text=text, file=file, now=ctx.now)
        what = ctx.t(f"notes.kind_{file.kind}") if file else ctx.t("notes.kind_text")
        ctx.reply("notes.got", n=n, what=what, markup=rows([button(ctx, "notes.btn_done", "nt.done", target.id)]))
        return True
    return False


async def _take_edit(ctx: Ctx, msg: Message) -> bool:
    text = msg.text or msg.caption or ""
    draft = await current_draft(ctx.session, person=ctx.person)
    if draft is not None and await edit_part(ctx.session, reflection=draft, person=ctx.person,
                                             message_id=msg.message_id, text=text, now=ctx.now):
        panel, markup = await _panel(ctx, draft, "reflect.part_edited")
        ctx.reply_text(panel, markup=markup)
        return True
    target = await active_input(ctx.session, person=ctx.person)
    if isinstance(target, NoteRequest) and await edit_note(ctx.session, request=target, message_id=msg.message_id,
                                                           text=text):
        ctx.reply("notes.item_edited")
        return True
    return False


# -- review ----------------------------------------------------------------------------------------


async def _check_reviewer(ctx: Ctx, r: Reflection | None) -> Reflection:
    """The caller administers the author's unit or a unit above it; drafts are nobody's business."""
    if r is None or r.state == ReflectionState.draft:
        raise DomainError("review.not_yours")
    for unit in await unit_chain(ctx.session, unit_id=r.unit_id):
        if await is_unit_admin(ctx, unit):
            return r
    raise DomainError("review.not_yours")


async def _reviewable(ctx: Ctx, reflection_id: int) -> Reflection:
    return await _check_reviewer(ctx, await ctx.session.get(Reflection, reflection_id))


async def _scope_ids(ctx: Ctx, scope: int) -> set[int]:
    """Scope 0: every unit the caller reviews; else that unit (which they must administer) and below."""
    if not scope:
        return await reviewable_unit_ids(ctx.session, person=ctx.person)
    unit = await ctx.session.get(Unit, scope)
    if unit is None or not await is_unit_admin(ctx, unit):
        raise DomainError("review.not_yours")
    return await subtree_ids(ctx.session, unit_id=unit.id)


async def _queue(ctx: Ctx, scope: int) -> list[Reflection]:
    return await pending(ctx.session, unit_ids=await _scope_ids(ctx, scope), exclude_person=ctx.person.id)


async def _card(ctx: Ctx, r: Reflection, scope: int) -> tuple[str, InlineKeyboardMarkup]:
    author = await ctx.session.get(Person, r.person_id)
    unit = await ctx.session.get(Unit, r.unit_id)
    files = await files_of(ctx.session, reflection=r)
    queue = await _queue(ctx, scope)
    lines = [ctx.t("review.card", left=len(queue), id=r.id, author=author.display_name, unit=unit.name,
                   subject=_label_of(ctx.lang, r), revision=r.revision, count=r.chars,
                   when=when(ctx.lang, r.submitted_at or r.updated_at, unit.timezone))]
    if files:
        lines.append(ctx.t("reflect.panel_files", files=_files_summary(ctx.lang, files)))
    lines.append(ctx.t("review.card_text", text=r.text[:EXCERPT]))
    if len(r.text) > EXCERPT:
        lines.append(ctx.t("review.card_more", count=r.chars))
    returns = [v for v in await reviews_of(ctx.session, reflection=r) if v.state == ReflectionState.returned]
    if returns:
        lines.append(ctx.t("review.card_last_return", comment=returns[-1].comment or ""))
    if r.state != ReflectionState.submitted:
        lines.append(ctx.t("review.card_state", state=_state_label(ctx.lang, r)))
    buttons: list[list[InlineKeyboardButton]] = []
    if r.state == ReflectionState.submitted:
        buttons.append([button(ctx, "review.btn_approve", "rv.ok", r.id, scope),
                        button(ctx, "review.btn_return", "rv.rt", r.id, scope)])
    if r.state == ReflectionState.submitted or (r.state == ReflectionState.approved and r.grade != Grade.excellent):
        buttons.append([button(ctx, "review.btn_excellent", "rv.ex", r.id, scope)])
    extra = [button(ctx, "review.btn_full", "rv.full", r.id)] if len(r.text) > EXCERPT else []
    if files:
        extra.append(button(ctx, "=" + ctx.t("review.btn_files", n=len(files)), "rv.att", r.id))
    if any(q.id != r.id for q in queue):
        extra.append(button(ctx, "review.btn_next", "rv.nx", r.id, scope))
    buttons.append(extra)
    return "\n".join(lines), rows(*buttons)


async def _deliver_card(update: Update, ctx: Ctx, r: Reflection, scope: int) -> None:
    """Cards go to the reviewer's private chat; from a group, only a pointer stays there."""
    text, markup = await _card(ctx, r, scope)
    if update.effective_chat.type == ChatType.PRIVATE:
        ctx.reply_text(text, markup=markup)
        return
    if not ctx.person.private_ok:
        ctx.reply("review.start_private_first",
                  markup=rows([url_button(ctx, "reflect.btn_open_private", _private_link(ctx))]))
        return
    ctx.reply_text(text, markup=markup, chat_id=ctx.person.tg_user_id)
    ctx.reply("review.sent_privately", left=len(await _queue(ctx, scope)))


@handler
@reviewers_only
async def cmd_review(update: Update, ctx: Ctx) -> None:
    """/review — the next pending reflection; /review N — reflection #N; /review min N — the unit's minimum."""
    private = update.effective_chat.type == ChatType.PRIVATE
    args = ctx.args or []
    if args and args[0].lower() in ("min", "最少", "字数"):
        if private:
            raise DomainError("review.min_in_group")
        if len(args) < 2:
            ctx.reply("review.min_now", unit=ctx.unit.name, min=min_chars(ctx.unit), max=MAX_CHARS)
            return
        value = parse_min_chars(args[1])
        await set_min_chars(ctx.session, unit=ctx.unit, value=value, now=ctx.now)
        ctx.reply("review.min_set", unit=ctx.unit.name, min=value)
        return
    scope = 0 if private else ctx.unit.id
    if args:
        raw = args[0].lstrip("#＃")
        if len(args) > 1 or not raw.isascii() or not raw.isdigit():
            raise DomainError("review.usage")
        r = await _reviewable(ctx, int(raw))
        await _deliver_card(update, ctx, r, scope)
        return
    queue = await _queue(ctx, scope)
    if not queue:
        ctx.reply("review.none")
        return
    await _deliver_card(update, ctx, queue[0], scope)


async def _button_target(update: Update, ctx: Ctx, cb: Callback) -> tuple[Reflection, int]:
    _private_only(update)
    r = await _reviewable(ctx, _arg(cb, 0))
    return r, _arg(cb, 1)


def _pending_only(r: Reflection) -> None:
    if r.state != ReflectionState.submitted:
        raise DomainError("review.not_pending")


async def on_review_view(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    await close_review_prompts(ctx.session, person=ctx.person, kinds=REVIEW_PROMPTS)
    text, markup = await _card(ctx, r, scope)
    ctx.edit_text(text, markup=markup)


async def on_review_next(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    queue = [q for q in await _queue(ctx, scope) if q.id != r.id]
    if not queue:
        ctx.edit("review.none")
        return
    later = [q for q in queue if (q.submitted_at, q.id) > (r.submitted_at, r.id)]
    text, markup = await _card(ctx, (later or queue)[0], scope)
    ctx.edit_text(text, markup=markup)


async def on_review_approve(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    _pending_only(r)
    grades = [button(ctx, f"review.btn_grade_{g.value}", "rv.g", r.id, scope, g.value) for g in Grade]
    ctx.edit("review.pick_grade", id=r.id, markup=rows(grades, [button(ctx, "reflect.btn_back", "rv.v", r.id, scope)]))


async def on_review_grade(update: Update, ctx: Ctx, cb: Callback) -> None:
    """A grade was picked: ask for an optional comment (a reply), or approve without one."""
    r, scope = await _button_target(update, ctx, cb)
    _pending_only(r)
    grade = _grade(cb, 2)
    ctx.ask("review.approve_prompt", kind="review.approve", payload={"id": r.id, "scope": scope, "grade": grade.value},
            chat_id=update.effective_chat.id, id=r.id, grade=ctx.t(f"review.grade_{grade.value}"))
    ctx.edit("review.grade_chosen", id=r.id, grade=ctx.t(f"review.grade_{grade.value}"), markup=rows(
        [button(ctx, "review.btn_no_comment", "rv.go", r.id, scope, grade.value)],
        [button(ctx, "reflect.btn_back", "rv.v", r.id, scope)]))


def _grade(cb: Callback, i: int) -> Grade:
    try:
        return Grade(cb.args[i])
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None


async def on_review_go(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    await _approve(update, ctx, r, scope, _grade(cb, 2), None, edit=True)


async def on_review_excellent(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    await _approve(update, ctx, r, scope, Grade.excellent, None, edit=True)


async def answer_approve(update: Update, ctx: Ctx, payload: dict) -> None:
    r = await _reviewable(ctx, int(payload.get("id", 0)))
    try:
        grade = Grade(payload.get("grade"))
    except ValueError:
        raise DomainError("errors.bad_callback") from None
    await _approve(update, ctx, r, int(payload.get("scope", 0)), grade, update.effective_message.text or "", edit=False)


async def _approve(update: Update, ctx: Ctx, r: Reflection, scope: int, grade: Grade, comment: str | None,
                   *, edit: bool) -> None:
    review = await approve(ctx.session, reflection=r, reviewer=ctx.person, grade=grade, comment=comment, now=ctx.now)
    await close_review_prompts(ctx.session, person=ctx.person, kinds=REVIEW_PROMPTS, answered=_answered(update))
    await _notify_author(ctx, r, review.comment)
    author = await ctx.session.get(Person, r.person_id)
    key = "review.done_excellent" if grade == Grade.excellent else "review.done_approved"
    result = ctx.t(key, id=r.id, author=author.display_name, grade=ctx.t(f"review.grade_{grade.value}"))
    await _result_then_next(update, ctx, result, scope, edit=edit)


async def on_review_return(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    _pending_only(r)
    ctx.ask("review.return_prompt", kind="review.return", payload={"id": r.id, "scope": scope},
            chat_id=update.effective_chat.id, id=r.id)
    ctx.edit("review.return_asked", id=r.id, markup=rows([button(ctx, "reflect.btn_back", "rv.v", r.id, scope)]))


async def answer_return(update: Update, ctx: Ctx, payload: dict) -> None:
    r = await _reviewable(ctx, int(payload.get("id", 0)))
    review = await return_for_revision(ctx.session, reflection=r, reviewer=ctx.person,
                                       comment=update.effective_message.text, now=ctx.now)
    await close_review_prompts(ctx.session, person=ctx.person, kinds=REVIEW_PROMPTS, answered=_answered(update))
    await _notify_author(ctx, r, review.comment)
    author = await ctx.session.get(Person, r.person_id)
    result = ctx.t("review.done_returned", id=r.id, author=author.display_name)
    await _result_then_next(update, ctx, result, int(payload.get("scope", 0)), edit=False)


def _answered(update: Update) -> int | None:
    """The prompt message a reply answers (None for a button press)."""
    msg = update.message
    return msg.reply_to_message.message_id if msg is not None and msg.reply_to_message is not None else None


async def _result_then_next(update: Update, ctx: Ctx, result: str, scope: int, *, edit: bool) -> None:
    """Say what was decided, then put the next pending reflection in front of the reviewer."""
    if edit:
        ctx.edit_text(result)
    else:
        ctx.reply_text(result)
    queue = await _queue(ctx, scope)
    if queue:
        text, markup = await _card(ctx, queue[0], scope)
        ctx.reply_text(text, markup=markup)
    else:
        ctx.reply("review.all_done")


async def on_review_full(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    r = await _reviewable(ctx, _arg(cb, 0))
    pieces = _chunks(r.text)
    for i, piece in enumerate(pieces, 1):
        ctx.reply("review.full", id=r.id, part=i, parts=len(pieces), text=piece)


async def on_review_files(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Attachments are sent as Telegram keeps them (by file id); nothing is written."""
    _private_only(update)
    r = await _reviewable(ctx, _arg(cb, 0))
    files: list[ReflectionFile] = await files_of(ctx.session, reflection=r)
    for i, f in enumerate(files, 1):
        _send_file(ctx, update.effective_chat.id, f, ctx.t("review.file_caption", id=r.id, n=i, total=len(files)))


async def _notify_author(ctx: Ctx, r: Reflection, comment: str | None) -> None:
    """The decision, privately and through the outbox; excellent ones ask for showcase consent."""
    author = await ctx.session.get(Person, r.person_id)
    unit = await ctx.session.get(Unit, r.unit_id)
    default = ctx.state.settings.locale
    lang = pick_lang(author.language_code, unit.locale, default)
    subject = _label_of(lang, r)
    codec = ctx.state.codec
    comment_line = t(lang, "review.note_comment", reviewer=ctx.person.display_name, comment=comment) if comment else ""
    if r.state == ReflectionState.returned:
        text = t(lang, "review.note_returned", subject=subject, comment=Raw(comment_line))
        markup = InlineKeyboardMarkup([[_btn(codec, lang, "reflect.btn_edit", "rf.ed", r.id)]])
        key = f"reflect:{r.id}:returned:{r.revision}"
    else:
        text = t(lang, "review.note_approved", subject=subject, grade=t(lang, f"review.grade_{r.grade.value}"),
                 comment=Raw(comment_line))
        markup = None
        if r.showcase == Showcase.asked:
            text += "\n\n" + t(lang, "showcase.ask", unit=unit.name)
            markup = InlineKeyboardMarkup(_consent_rows(codec, lang, r.id))
        key = f"reflect:{r.id}:approved:{r.grade.value}"
    fallback = t(pick_lang(None, unit.locale, default), "review.note_fallback",
                 who=mention(author.tg_user_id, author.display_name))
    await enqueue(ctx.session, items=[OutboxIn(
        dedupe_key=key, chat_id=author.tg_user_id, person_id=author.id, unit_id=unit.id, kind="reflection",
        due_at=ctx.now, text=text, markup=markup.to_dict() if markup else None, fallback_text=fallback,
    )], now=ctx.now)
    ctx.enqueued = True


# -- showcase --------------------------------------------------------------------------------------


def _consent_rows(codec: CallbackCodec, lang: str, rid: int) -> list[list[InlineKeyboardButton]]:
    return [
        [_btn(codec, lang, "showcase.btn_named", "sc", rid, Showcase.named.value),
         _btn(codec, lang, "showcase.btn_anonymous", "sc", rid, Showcase.anonymous.value)],
        [_btn(codec, lang, "showcase.btn_decline", "sc", rid, Showcase.declined.value)],
    ]


async def on_showcase(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The author's answer; with consent the reflection is posted to the unit's group."""
    _private_only(update)
    r = await own_reflection(ctx.session, reflection_id=_arg(cb, 0), person=ctx.person)
    try:
        choice = Showcase(cb.args[1])
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None
    await decide_showcase(ctx.session, reflection=r, person=ctx.person, choice=choice, now=ctx.now)
    unit = await ctx.session.get(Unit, r.unit_id)
    if choice == Showcase.declined:
        ctx.edit("showcase.declined")
        return
    lang = pick_lang(None, unit.locale, ctx.state.settings.locale)
    author = ctx.person.display_name if choice == Showcase.named else t(lang, "showcase.anonymous")
    more = t(lang, "showcase.more", count=r.chars) if len(r.text) > SHOWCASE_EXCERPT else ""
    text = t(lang, "showcase.post", subject=_label_of(lang, r), author=author, text=r.text[:SHOWCASE_EXCERPT],
             more=Raw(more))
    await enqueue(ctx.session, items=[OutboxIn(
        dedupe_key=f"reflect:{r.id}:showcase", chat_id=unit.chat_id, unit_id=unit.id, kind="showcase",
        due_at=ctx.now, text=text,
    )], now=ctx.now)
    ctx.enqueued = True
    ctx.edit("showcase.thanks_named" if choice == Showcase.named else "showcase.thanks_anonymous", unit=unit.name)


# -- study notes -----------------------------------------------------------------------------------


def _due_arg(d: date) -> str:
    return d.strftime("%Y%m%d")


def _due_from(cb: Callback, i: int) -> date:
    try:
        return datetime.strptime(cb.args[i], "%Y%m%d").date()
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None


async def _target_of(update: Update, ctx: Ctx, args: list[str]) -> tuple[Person | None, str | None, list[str]]:
    """Who `/notes` names — the author of the replied-to message, a mention, or @username — and
    the words after it. Returns (person, an @name that matched nobody, the rest)."""
    msg = update.effective_message
    replied = msg.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return await upsert_person(ctx.session, who=person_in(replied.from_user), now=ctx.now), None, args
    for entity in msg.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            rest = " ".join(args).replace(msg.parse_entity(entity), "", 1).split()
            return await upsert_person(ctx.session, who=person_in(entity.user), now=ctx.now), None, rest
    if args and args[0].startswith("@"):
        name = args[0][1:]
        person = await member_by_username(ctx.session, unit_id=ctx.unit.id, username=name)
        return person, None if person else name, args[1:]
    return None, None, args


@handler
@admin_only
async def cmd_notes(update: Update, ctx: Ctx) -> None:
    """/notes — who was asked and what arrived, plus a member picker; /notes @member [date] or a reply
    to a member's message with /notes [date] — ask them for their study notes by that date."""
    unit = ctx.unit
    args = list(ctx.args or [])
    target, unmatched, rest = await _target_of(update, ctx, args)
    due = parse_due(" ".join(rest), now=ctx.now, tz=unit.timezone) if rest else default_due(ctx.now, unit.timezone)
    if target is not None:
        await _ask_for_notes(ctx, unit, target, due)
        return
    lines = [ctx.t("notes.unknown_member", name=unmatched)] if unmatched else []
    lines += await _status_lines(ctx, unit)
    lines.append(ctx.t("notes.pick", due=day(ctx.lang, due)))
    ctx.reply_text("\n".join(lines), markup=await _status_markup(ctx, unit, due, page=0))


async def _status_lines(ctx: Ctx, unit: Unit) -> list[str]:
    requests = await unit_note_requests(ctx.session, unit_id=unit.id)
    if not requests:
        return [ctx.t("notes.status_none", unit=unit.name)]
    lines = [ctx.t("notes.status_title", unit=unit.name)]
    for req, n in requests:
        person = await ctx.session.get(Person, req.person_id)
        due = day(ctx.lang, req.due_at.astimezone(ZoneInfo(unit.timezone)).date())
        if req.state == NoteState.done:
            state = ctx.t("notes.state_done", n=n, at=when(ctx.lang, req.done_at, unit.timezone))
        elif n:
            state = ctx.t("notes.state_partial", n=n, at=when(ctx.lang, req.first_at, unit.timezone))
        elif req.due_at < ctx.now:
            state = ctx.t("notes.state_overdue")
        else:
            state = ctx.t("notes.state_waiting")
        lines.append(ctx.t("notes.status_line", name=person.display_name, due=due, state=state))
    return lines


async def _status_markup(ctx: Ctx, unit: Unit, due: date, page: int) -> InlineKeyboardMarkup:
    view = []
    for req, n in await unit_note_requests(ctx.session, unit_id=unit.id):
        if n:
            name = (await ctx.session.get(Person, req.person_id)).display_name[:20]
            view.append(button(ctx, "=" + ctx.t("notes.btn_view", name=Raw(name), n=n), "nt.v", req.id))
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id) if p.id != ctx.person.id]
    shown = members[page * PICKER_PAGE:(page + 1) * PICKER_PAGE]
    pick = [button(ctx, "=" + p.display_name[:30], "nt.p", unit.id, p.id, _due_arg(due)) for p in shown]
    lines = [view[i:i + 2] for i in range(0, len(view), 2)] + [pick[i:i + 2] for i in range(0, len(pick), 2)]
    if len(members) > (page + 1) * PICKER_PAGE:
        lines.append([button(ctx, "notes.btn_more", "nt.pg", unit.id, page + 1, _due_arg(due))])
    return InlineKeyboardMarkup(lines)


def _own_unit(ctx: Ctx, cb: Callback) -> Unit:
    if ctx.unit is None or ctx.unit.id != _arg(cb, 0):
        raise DomainError("errors.bad_callback")
    return ctx.unit


async def on_notes_pick(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    person = await ctx.session.get(Person, _arg(cb, 1))
    if person is None:
        raise DomainError("errors.bad_callback")
    due = _due_from(cb, 2)
    if due < ctx.now.astimezone(ZoneInfo(unit.timezone)).date():
        raise DomainError("notes.date_past")
    await _ask_for_notes(ctx, unit, person, due)


async def on_notes_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    markup = await _status_markup(ctx, unit, _due_from(cb, 2), page=_arg(cb, 1))
    lines = await _status_lines(ctx, unit)
    lines.append(ctx.t("notes.pick", due=day(ctx.lang, _due_from(cb, 2))))
    ctx.edit_text("\n".join(lines), markup=markup)


async def _ask_for_notes(ctx: Ctx, unit: Unit, person: Person, due: date) -> None:
    """Record the request and ask the member privately (in the group if they never started the bot)."""
    req, created = await request_notes(ctx.session, unit=unit, person=person, by=ctx.person, due=due, now=ctx.now)
    default = ctx.state.settings.locale
    unit_lang = pick_lang(None, unit.locale, default)
    who = mention(person.tg_user_id, person.display_name)
    key = f"notes:{req.id}:ask:{int(ctx.now.timestamp())}"  # asking again is deliberate; a double tap is not
    if person.private_ok:
        lang = pick_lang(person.language_code, unit.locale, default)
        item = OutboxIn(
            dedupe_key=key, chat_id=person.tg_user_id, person_id=person.id, unit_id=unit.id, kind="notes",
            due_at=ctx.now,
            text=t(lang, "notes.ask", admin=ctx.person.display_name, unit=unit.name, due=day(lang, due)),
            markup=InlineKeyboardMarkup([[_btn(ctx.state.codec, lang, "notes.btn_start", "nt.go", req.id)]]).to_dict(),
            fallback_text=t(unit_lang, "notes.ask_fallback", who=who, due=day(unit_lang, due)),
        )
    else:
        item = OutboxIn(
            dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="notes", due_at=ctx.now,
            text=t(unit_lang, "notes.ask_group", who=who, admin=ctx.person.display_name, due=day(unit_lang, due)),
            markup=InlineKeyboardMarkup([[_btn(ctx.state.codec, unit_lang, "notes.btn_start", "nt.go", req.id)]])
            .to_dict(),
        )
    await enqueue(ctx.session, items=[item], now=ctx.now)
    ctx.enqueued = True
    how = ctx.t("notes.via_private" if person.private_ok else "notes.via_group")
    ctx.reply("notes.requested" if created else "notes.rerequested", who=who, due=day(ctx.lang, due), how=how)


async def on_notes_start(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The member will send notes now (the button may be pressed in the group or in private)."""
    req = await own_note_request(ctx.session, request_id=_arg(cb, 0), person=ctx.person)
    await start_notes(ctx.session, request=req, now=ctx.now)
    unit = await ctx.session.get(Unit, req.unit_id)
    due = day(ctx.lang, req.due_at.astimezone(ZoneInfo(unit.timezone)).date())
    markup = rows([button(ctx, "notes.btn_done", "nt.done", req.id)])
    if update.effective_chat.type == ChatType.PRIVATE:
        ctx.reply("notes.collecting", due=due, markup=markup)
        return
    _need_private(ctx)
    ctx.reply("notes.collecting", due=due, markup=markup, chat_id=ctx.person.tg_user_id)
    ctx.answer = (ctx.t("notes.see_private"), False)


async def on_notes_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    _private_only(update)
    req = await own_note_request(ctx.session, request_id=_arg(cb, 0), person=ctx.person)
    n = await finish_notes(ctx.session, request=req, now=ctx.now)
    unit = await ctx.session.get(Unit, req.unit_id)
    admin = await ctx.session.get(Person, req.requested_by) if req.requested_by else None
    ctx.edit("notes.done_member", n=n)
    default = ctx.state.settings.locale
    if admin is not None and admin.private_ok:
        lang = pick_lang(admin.language_code, unit.locale, default)
        item = OutboxIn(
            dedupe_key=f"notes:{req.id}:done", chat_id=admin.tg_user_id, person_id=admin.id, unit_id=unit.id,
            kind="notes", due_at=ctx.now,
            text=t(lang, "notes.arrived", name=ctx.person.display_name, n=n, at=when(lang, ctx.now, unit.timezone),
                   unit=unit.name),
            markup=InlineKeyboardMarkup([[_btn(ctx.state.codec, lang, "notes.btn_view_now", "nt.v", req.id)]])
            .to_dict(),
        )
    else:
        lang = pick_lang(None, unit.locale, default)
        item = OutboxIn(dedupe_key=f"notes:{req.id}:done", chat_id=unit.chat_id, unit_id=unit.id, kind="notes",
                        due_at=ctx.now, text=t(lang, "notes.arrived_group", name=ctx.person.display_name, n=n))
    await enqueue(ctx.session, items=[item], now=ctx.now)
    ctx.enqueued = True


async def on_notes_view(update: Update, ctx: Ctx, cb: Callback) -> None:
    """An admin of the request's unit chain gets the notes privately, each with when it arrived."""
    req = await ctx.session.get(NoteRequest, _arg(cb, 0))
    if req is None:
        raise DomainError("notes.not_found")
    unit = await ctx.session.get(Unit, req.unit_id)
    allowed = False
    for u in await unit_chain(ctx.session, unit_id=unit.id):
        if await is_unit_admin(ctx, u):
            allowed = True
            break
    if not allowed:
        raise DomainError("errors.not_admin")
    private = update.effective_chat.type == ChatType.PRIVATE
    if not private:
        _need_private(ctx)
        ctx.answer = (ctx.t("notes.see_private"), False)
    chat_id = ctx.person.tg_user_id
    person = await ctx.session.get(Person, req.person_id)
    items: list[NoteItem] = await note_items(ctx.session, request=req)
    ctx.reply("notes.view_head", chat_id=chat_id, quote=False, name=person.display_name, n=len(items),
              due=day(ctx.lang, req.due_at.astimezone(ZoneInfo(unit.timezone)).date()))
    for i, item in enumerate(items, 1):
        at = when(ctx.lang, item.created_at, unit.timezone)
        if item.kind == "text":
            for piece in _chunks(item.text or ""):
                ctx.reply("notes.view_text", chat_id=chat_id, quote=False, n=i, at=at, text=piece)
        else:
            caption = ctx.t("notes.view_file", n=i, at=at, text=(item.text or "")[:800])
            _send_file(ctx, chat_id, item, caption)


COMMANDS = (
    Command("reflect", cmd_reflect, private=True, group=True),
    # Listed for groups, where admins start; it also answers in private (cards live there).
    Command("review", cmd_review, private=False, group=True, admin=True),
    Command("notes", cmd_notes, private=False, group=True, admin=True),
)
BUTTONS = {
    "rf.s": Button(on_subject),
    "rf.sub": Button(on_submit),
    "rf.pv": Button(on_preview),
    "rf.pn": Button(on_panel),
    "rf.clr": Button(on_clear),
    "rf.del": Button(on_discard),
    "rf.ed": Button(on_edit),
    "rf.my": Button(on_mine),
    "rf.v": Button(on_view),
    "sc": Button(on_showcase),
    # Review buttons live in private chat, where there is no unit to check an admin flag against:
    # each checks the caller against the reflection's unit chain itself.
    "rv.v": Button(on_review_view),
    "rv.nx": Button(on_review_next),
    "rv.ok": Button(on_review_approve),
    "rv.g": Button(on_review_grade),
    "rv.go": Button(on_review_go),
    "rv.ex": Button(on_review_excellent),
    "rv.rt": Button(on_review_return),
    "rv.full": Button(on_review_full),
    "rv.att": Button(on_review_files),
    "nt.p": Button(on_notes_pick, admin=True),
    "nt.pg": Button(on_notes_page, admin=True),
    "nt.go": Button(on_notes_start),
    "nt.done": Button(on_notes_done),
    "nt.v": Button(on_notes_view),
}
PROMPTS = {"review.approve": answer_approve, "review.return": answer_return}
INPUTS = (take_input,)
ME_SECTIONS: tuple[MeSection, ...] = (me_reflections,)
ME_FIGURES: tuple[MeFigures, ...] = (me_figures,)
