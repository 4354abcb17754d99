"""Review (点评): /review, the review card and its buttons, grades, returning with a comment, and the
author told through the outbox. Review buttons live in private chat; each checks the caller against
the reflection's unit chain."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.admins import is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import in_private
from handlers.reflections.shared import arg, private_only, reviewers_only, send_file
from models.errors import DomainError
from models.outbox import enqueue
from models.reflections import (
    MAX_CHARS, Grade, Reflection, ReflectionFile, ReflectionState, approve, close_review_prompts, files_of, min_chars,
    parse_min_chars, pending, return_for_revision, reviewable_unit_ids, reviews_of, set_min_chars, unit_chain,
)
from models.units import Person, Unit, subtree_ids
from views.reflections import (
    REVIEW_PROMPTS, Ask, author_notice, back_row, chunks, grades_keyboard, no_comment_keyboard, open_private,
    review_card,
)
from views.base import rows


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
    returns = [v for v in await reviews_of(ctx.session, reflection=r) if v.state == ReflectionState.returned]
    return review_card(ctx.view, r, author=author, unit=unit, files=files, left=len(queue),
                       last_return=returns[-1] if returns else None, has_next=any(q.id != r.id for q in queue),
                       scope=scope)


async def _deliver_card(update: Update, ctx: Ctx, r: Reflection, scope: int) -> None:
    """Cards go to the reviewer's private chat; from a group, only a pointer stays there."""
    text, markup = await _card(ctx, r, scope)
    if in_private(update):
        ctx.reply_text(text, markup=markup)
        return
    if not ctx.person.private_ok:
        ctx.reply("review.start_private_first", markup=open_private(ctx.view, ctx.state.bot_username))
        return
    ctx.reply_text(text, markup=markup, chat_id=ctx.person.tg_user_id)
    ctx.reply("review.sent_privately", left=len(await _queue(ctx, scope)))


@handler
@reviewers_only
async def cmd_review(update: Update, ctx: Ctx) -> None:
    """/review — the next pending reflection; /review N — reflection #N; /review min N — the unit's minimum."""
    private = in_private(update)
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
    private_only(update)
    r = await _reviewable(ctx, arg(cb, 0))
    return r, arg(cb, 1)


def _pending_only(r: Reflection) -> None:
    if r.state != ReflectionState.submitted:
        raise DomainError("review.not_pending")


def _grade(cb: Callback, i: int) -> Grade:
    try:
        return Grade(cb.args[i])
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None


def _answered(update: Update) -> int | None:
    """The prompt message a reply answers (None for a button press)."""
    msg = update.message
    return msg.reply_to_message.message_id if msg is not None and msg.reply_to_message is not None else None


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
    ctx.edit("review.pick_grade", id=r.id, markup=grades_keyboard(ctx.view, r, scope))


async def on_review_grade(update: Update, ctx: Ctx, cb: Callback) -> None:
    """A grade was picked: ask for an optional comment (a reply), or approve without one."""
    r, scope = await _button_target(update, ctx, cb)
    _pending_only(r)
    grade = _grade(cb, 2)
    ctx.ask("review.approve_prompt", kind=Ask.approve, payload={"id": r.id, "scope": scope, "grade": grade.value},
            chat_id=update.effective_chat.id, id=r.id, grade=ctx.t(f"review.grade_{grade.value}"))
    ctx.edit("review.grade_chosen", id=r.id, grade=ctx.t(f"review.grade_{grade.value}"),
             markup=no_comment_keyboard(ctx.view, r, scope, grade))


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
    author = await _notify_author(ctx, r, review.comment)
    key = "review.done_excellent" if grade == Grade.excellent else "review.done_approved"
    result = ctx.t(key, id=r.id, author=author.display_name, grade=ctx.t(f"review.grade_{grade.value}"))
    await _result_then_next(update, ctx, result, scope, edit=edit)


async def on_review_return(update: Update, ctx: Ctx, cb: Callback) -> None:
    r, scope = await _button_target(update, ctx, cb)
    _pending_only(r)
    ctx.ask("review.return_prompt", kind=Ask.return_, payload={"id": r.id, "scope": scope},
            chat_id=update.effective_chat.id, id=r.id)
    ctx.edit("review.return_asked", id=r.id, markup=rows(back_row(ctx.view, r, scope)))


async def answer_return(update: Update, ctx: Ctx, payload: dict) -> None:
    r = await _reviewable(ctx, int(payload.get("id", 0)))
    review = await return_for_revision(ctx.session, reflection=r, reviewer=ctx.person,
                                       comment=update.effective_message.text, now=ctx.now)
    await close_review_prompts(ctx.session, person=ctx.person, kinds=REVIEW_PROMPTS, answered=_answered(update))
    author = await _notify_author(ctx, r, review.comment)
    result = ctx.t("review.done_returned", id=r.id, author=author.display_name)
    await _result_then_next(update, ctx, result, int(payload.get("scope", 0)), edit=False)


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
    private_only(update)
    r = await _reviewable(ctx, arg(cb, 0))
    pieces = chunks(r.text)
    for i, piece in enumerate(pieces, 1):
        ctx.reply("review.full", id=r.id, part=i, parts=len(pieces), text=piece)


async def on_review_files(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Attachments are sent as Telegram keeps them (by file id); nothing is written."""
    private_only(update)
    r = await _reviewable(ctx, arg(cb, 0))
    files: list[ReflectionFile] = await files_of(ctx.session, reflection=r)
    for i, f in enumerate(files, 1):
        send_file(ctx, update.effective_chat.id, f, ctx.t("review.file_caption", id=r.id, n=i, total=len(files)))


async def _notify_author(ctx: Ctx, r: Reflection, comment: str | None) -> Person:
    """The decision, privately and through the outbox. Returns the author."""
    author = await ctx.session.get(Person, r.person_id)
    unit = await ctx.session.get(Unit, r.unit_id)
    await enqueue(ctx.session, items=[author_notice(ctx.state, r, author=author, unit=unit, reviewer=ctx.person,
                                                    comment=comment, now=ctx.now)], now=ctx.now)
    ctx.enqueued = True
    return author
