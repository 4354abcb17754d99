"""Writing a reflection in private chat: /reflect, choosing the subject, the draft panel's buttons,
the author's list and view, the showcase answer, and this feature's part of /me."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import Raw
from handlers.common import in_private
from handlers.reflections.shared import arg, draft_panel, own, private_only, subject_from
from models.errors import DomainError
from models.outbox import enqueue
from models.reflections import (
    MAX_CHARS, TALLY, ReflectionState, Showcase, candidate_subjects, clear_draft, current_draft, decide_showcase,
    discard_draft, files_of, min_chars, my_reflections, open_draft, own_reflection, reopen, reviews_of, submit,
    tally_figures, touch_draft,
)
from models.units import Person, Unit, set_private_ok
from views.reflections import (
    Act, author_view, chooser, chunks, confirm_keyboard, edit_keyboard, files_summary, label_of, mine_list,
    open_private, showcase_post,
)


@handler
async def cmd_reflect(update: Update, ctx: Ctx) -> None:
    """/reflect: continue the open draft, or choose what the new reflection is about."""
    if not in_private(update):
        ctx.reply("reflect.in_private", markup=open_private(ctx.view, ctx.state.bot_username))
        return
    await set_private_ok(ctx.session, person=ctx.person, ok=True, now=ctx.now)
    draft = await current_draft(ctx.session, person=ctx.person)
    if draft is not None:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        text, markup = await draft_panel(ctx, draft, "reflect.draft_waiting")
        ctx.reply_text(text, markup=markup)
        return
    subjects = await candidate_subjects(ctx.session, person=ctx.person, now=ctx.now)
    if not subjects:
        raise DomainError("reflect.no_unit")
    names = {u.id: u.name for u in [await ctx.session.get(Unit, uid) for uid in {s.unit_id for s in subjects}]}
    returned = [r for r in await my_reflections(ctx.session, person=ctx.person) if r.state == ReflectionState.returned]
    text, markup = chooser(ctx.view, subjects, names, returned)
    ctx.reply_text(text, markup=markup)


async def on_subject(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    subject = await subject_from(ctx, cb.args)
    draft = await open_draft(ctx.session, person=ctx.person, subject=subject, now=ctx.now)
    if draft.chars or await files_of(ctx.session, reflection=draft):
        text, markup = await draft_panel(ctx, draft)
        ctx.edit_text(text, markup=markup)
        return
    unit = await ctx.session.get(Unit, draft.unit_id)
    ctx.edit("reflect.started", subject=label_of(ctx.lang, draft), unit=unit.name, min=min_chars(unit), max=MAX_CHARS)


async def on_submit(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    draft = await own(ctx, cb)
    await submit(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    files = await files_of(ctx.session, reflection=draft)
    extra = ctx.t("reflect.submitted_files", files=files_summary(ctx.lang, files)) if files else ""
    ctx.edit("reflect.submitted", subject=label_of(ctx.lang, draft), count=draft.chars, files=Raw(extra),
             markup=edit_keyboard(ctx.view, draft))


async def on_preview(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    r = await own(ctx, cb)
    if not r.text:
        ctx.answer = (ctx.t("reflect.preview_empty"), True)
        return
    pieces = chunks(r.text)
    for i, piece in enumerate(pieces, 1):
        ctx.reply("reflect.preview", subject=label_of(ctx.lang, r), count=r.chars, part=i, parts=len(pieces),
                  text=piece)


async def on_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    draft = await own(ctx, cb)
    await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    text, markup = await draft_panel(ctx, draft)
    ctx.edit_text(text, markup=markup)


async def on_clear(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Start over (asks first: the text and attachments go)."""
    private_only(update)
    draft = await own(ctx, cb)
    if len(cb.args) < 2:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        ctx.edit("reflect.clear_confirm", count=draft.chars,
                 markup=confirm_keyboard(ctx.view, "reflect.btn_clear_yes", Act.clear, draft))
        return
    await clear_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
    text, markup = await draft_panel(ctx, draft, "reflect.cleared")
    ctx.edit_text(text, markup=markup)


async def on_discard(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    draft = await own(ctx, cb)
    if len(cb.args) < 2:
        await touch_draft(ctx.session, reflection=draft, person=ctx.person, now=ctx.now)
        ctx.edit("reflect.discard_confirm", count=draft.chars,
                 markup=confirm_keyboard(ctx.view, "reflect.btn_discard_yes", Act.discard, draft))
        return
    await discard_draft(ctx.session, reflection=draft, person=ctx.person)
    ctx.edit("reflect.discarded")


async def on_edit(update: Update, ctx: Ctx, cb: Callback) -> None:
    """Take a submitted or returned reflection back to revise it (until it is reviewed)."""
    private_only(update)
    r = await own(ctx, cb)
    await reopen(ctx.session, reflection=r, person=ctx.person, now=ctx.now)
    text, markup = await draft_panel(ctx, r, "reflect.reopened")
    ctx.reply_text(text, markup=markup)


async def on_mine(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    mine = await my_reflections(ctx.session, person=ctx.person)
    if not mine:
        ctx.answer = (ctx.t("reflect.mine_none"), True)
        return
    text, markup = mine_list(ctx.view, [(r, await ctx.session.get(Unit, r.unit_id)) for r in mine])
    ctx.reply_text(text, markup=markup)


async def on_view(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The author's own view: state, the latest review comment, and what they can do now."""
    private_only(update)
    r = await own(ctx, cb)
    reviews = await reviews_of(ctx.session, reflection=r)
    last = reviews[-1] if reviews else None
    reviewer = await ctx.session.get(Person, last.reviewer_id) if last is not None and last.reviewer_id else None
    unit = await ctx.session.get(Unit, r.unit_id)
    text, markup = author_view(ctx.view, r, last, reviewer, unit)
    ctx.reply_text(text, markup=markup)


async def on_showcase(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The author's answer; with consent the reflection is posted to the unit's group."""
    private_only(update)
    r = await own_reflection(ctx.session, reflection_id=arg(cb, 0), person=ctx.person)
    try:
        choice = Showcase(cb.args[1])
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None
    await decide_showcase(ctx.session, reflection=r, person=ctx.person, choice=choice, now=ctx.now)
    unit = await ctx.session.get(Unit, r.unit_id)
    if choice == Showcase.declined:
        ctx.edit("showcase.declined")
        return
    await enqueue(ctx.session, items=[showcase_post(ctx.state, unit, r, ctx.person, choice, ctx.now)], now=ctx.now)
    ctx.enqueued = True
    ctx.edit("showcase.thanks_named" if choice == Showcase.named else "showcase.thanks_anonymous", unit=unit.name)


# -- /me -------------------------------------------------------------------------------------------

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
