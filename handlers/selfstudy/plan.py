"""/plan: the week's plan with my progress, and marking its items done; admins: /plan set (one line,
or a draft filled in by replies to the bot's questions), /plan push (a copy to every unit below)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import mention
from handlers.common import in_private
from handlers.selfstudy.common import after, need_unit_here, today
from models import selfstudy as ss
from models.errors import DomainError
from models.outbox import OutboxIn, enqueue
from models.units import Unit, membership, person_units, subtree_ids
from views.base import Renderer, as_dict
from views.selfstudy import Ask, week_span
from views.selfstudy import plan as v


async def _plan_view(ctx: Ctx, unit: Unit, week: date) -> tuple[str, InlineKeyboardMarkup | None]:
    plan = await ss.plan_for(ctx.session, unit_id=unit.id, week_start=week)
    if plan is None:
        return v.plan_none(ctx.view, unit, week), None
    items = (await ss.plan_items(ctx.session, plan_ids=[plan.id]))[plan.id]
    done = await ss.done_items(ctx.session, person_id=ctx.person.id, item_ids=[i.id for i in items])
    minutes = (await ss.minutes_by_person(ctx.session, people=[ctx.person.id], start=week,
                                          end=week + timedelta(days=6))).get(ctx.person.id, 0)
    return v.plan_progress(ctx.view, unit, ctx.person, plan, items, done, minutes)


@handler
async def cmd_plan(update: Update, ctx: Ctx) -> None:
    """/plan [下周]: the week's plan with my progress; admins: /plan set …, /plan push [下周]."""
    text = update.effective_message.text or ""
    words = text.split()
    sub = words[1].lower() if len(words) > 1 else ""
    if sub in ("set", "设置"):
        await _plan_set(update, ctx)
        return
    if sub in ("push", "下发"):
        await _plan_push(update, ctx)
        return
    need_unit_here(update, ctx)
    tokens = words[1:]
    offset = ss.take_week(tokens)
    if tokens:
        raise DomainError("plan.bad_args", given=tokens[0][:20])
    week = ss.monday(await today(ctx)) + timedelta(weeks=offset)
    units = [ctx.unit] if ctx.unit else [u for u, _ in await person_units(ctx.session, person=ctx.person)]
    if not units:
        raise DomainError("me.no_units")
    if ctx.unit is not None and await membership(ctx.session, unit=ctx.unit, person=ctx.person) is None:
        raise DomainError("plan.join_first")
    for unit in units:
        body, markup = await _plan_view(ctx, unit, week)
        ctx.reply_text(body, markup=markup)


@admin_only
async def _plan_set(update: Update, ctx: Ctx) -> None:
    raw = after(update.effective_message.text or "", 2)
    day = await today(ctx)
    if raw.strip():
        offset, minutes, items = ss.parse_plan_line(raw)
        week = ss.monday(day) + timedelta(weeks=offset)
        plan = await ss.save_plan(ctx.session, unit=ctx.unit, week_start=week, minutes=minutes, items=items,
                                  by=ctx.person, now=ctx.now)
        await _published(ctx, plan, edit=False)
        return
    # The guided form: a draft kept in the database, filled in by replies to the bot's questions.
    default_week = ss.monday(day) + timedelta(weeks=0 if day.weekday() <= 3 else 1)
    draft, created = await ss.open_draft(ctx.session, unit=ctx.unit, person=ctx.person, week_start=default_week,
                                         now=ctx.now)
    if draft.required_minutes is None:
        _ask_minutes(ctx, draft)
    elif not draft.items:
        _ask(ctx, "plan.ask_items", Ask.items, draft)
    else:
        text, markup = v.draft(ctx.view, draft, resumed=True)
        ctx.reply_text(text, markup=markup)


def _ask(ctx: Ctx, key: str, kind: str, draft: ss.PlanDraft, **params: object) -> None:
    """Ask the admin a question they answer by replying (the question is kept in the prompts table)."""
    ctx.ask(key, kind=kind, payload={"draft_id": draft.id}, chat_id=ctx.unit.chat_id,
            mention=mention(ctx.person.tg_user_id, ctx.person.display_name), **params)


def _ask_minutes(ctx: Ctx, draft: ss.PlanDraft) -> None:
    _ask(ctx, "plan.ask_minutes", Ask.minutes, draft, week=week_span(ctx.lang, draft.week_start))


async def _draft_from(ctx: Ctx, draft_id: int) -> ss.PlanDraft:
    return await ss.own_draft(ctx.session, draft_id=draft_id, unit=ctx.unit, person=ctx.person)


async def _answered_draft(ctx: Ctx, payload: dict) -> ss.PlanDraft:
    """The draft a reply continues; its author must still be an admin (buttons are checked by the
    dispatcher, replies here)."""
    draft = await _draft_from(ctx, payload.get("draft_id", 0))
    if not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    return draft


async def answer_minutes(update: Update, ctx: Ctx, payload: dict) -> None:
    draft = await _answered_draft(ctx, payload)
    draft.required_minutes = ss.parse_minutes(update.effective_message.text or "", limit=ss.WEEK_MAX,
                                              error="plan.bad_minutes")
    draft.updated_at = ctx.now
    if not draft.items:
        _ask(ctx, "plan.ask_items", Ask.items, draft)
    else:
        text, markup = v.draft(ctx.view, draft)
        ctx.reply_text(text, markup=markup)


async def answer_items(update: Update, ctx: Ctx, payload: dict) -> None:
    draft = await _answered_draft(ctx, payload)
    ss.draft_add(draft, raw=update.effective_message.text or "", now=ctx.now)
    text, markup = v.draft(ctx.view, draft)
    ctx.reply_text(text, markup=markup)


async def on_draft_week(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    offset = cb.int_arg(1)
    if offset not in (0, 1):
        raise DomainError("errors.bad_callback")
    draft.week_start = ss.monday(await today(ctx)) + timedelta(weeks=offset)
    draft.updated_at = ctx.now
    text, markup = v.draft(ctx.view, draft)
    ctx.edit_text(text, markup=markup)


async def on_draft_add(update: Update, ctx: Ctx, cb: Callback) -> None:
    _ask(ctx, "plan.ask_items", Ask.items, await _draft_from(ctx, cb.int_arg(0)))


async def on_draft_minutes(update: Update, ctx: Ctx, cb: Callback) -> None:
    _ask_minutes(ctx, await _draft_from(ctx, cb.int_arg(0)))


async def on_draft_drop(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    if draft.items:
        draft.items = draft.items[:-1]
        draft.updated_at = ctx.now
    text, markup = v.draft(ctx.view, draft)
    ctx.edit_text(text, markup=markup)


async def on_draft_publish(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    plan = await ss.publish_draft(ctx.session, draft=draft, unit=ctx.unit, by=ctx.person, now=ctx.now)
    await _published(ctx, plan, edit=True)


async def on_draft_cancel(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    await ctx.session.delete(draft)
    ctx.edit("plan.draft_cancelled")


async def _published(ctx: Ctx, plan: ss.StudyPlan, *, edit: bool) -> None:
    """Show the saved plan; a unit with units below it gets a button to push the plan down."""
    items = (await ss.plan_items(ctx.session, plan_ids=[plan.id]))[plan.id]
    below = await subtree_ids(ctx.session, unit_id=ctx.unit.id) - {ctx.unit.id}
    text, markup = v.published(ctx.view, ctx.unit, plan, items, len(below))
    if edit:
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup)


# -- pushing a plan down ------------------------------------------------------------------------------

@admin_only
async def _plan_push(update: Update, ctx: Ctx) -> None:
    tokens = (update.effective_message.text or "").split()[2:]
    week = ss.monday(await today(ctx)) + timedelta(weeks=ss.take_week(tokens))
    plan = await ss.plan_for(ctx.session, unit_id=ctx.unit.id, week_start=week)
    if plan is None:
        raise DomainError("plan.push_none", week=ss.week_label(week))
    ctx.reply_text(await _push(ctx, plan))


async def on_push(update: Update, ctx: Ctx, cb: Callback) -> None:
    plan = await ctx.session.get(ss.StudyPlan, cb.int_arg(0))
    if plan is None or ctx.unit is None or plan.unit_id != ctx.unit.id:
        raise DomainError("errors.bad_callback")
    text = await _push(ctx, plan)
    ctx.answer = (ctx.t("plan.pushed_short"), False)
    ctx.reply_text(text)


async def _push(ctx: Ctx, plan: ss.StudyPlan) -> str:
    """Push the plan to every unit below; each one's group is told through the outbox."""
    ids = await subtree_ids(ctx.session, unit_id=ctx.unit.id) - {ctx.unit.id}
    if not ids:
        raise DomainError("plan.push_no_units")
    units = list(await ctx.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name)))
    result = await ss.push_plan(ctx.session, plan=plan, units=units, now=ctx.now)
    notices = []
    for unit in result.pushed:
        copy = await ss.plan_for(ctx.session, unit_id=unit.id, week_start=plan.week_start)
        items = (await ss.plan_items(ctx.session, plan_ids=[copy.id]))[copy.id]
        text, markup = v.pushed_notice(Renderer(unit.locale or ctx.state.settings.locale, ctx.state.codec),
                                       ctx.unit, unit, copy, items)
        notices.append(OutboxIn(
            dedupe_key=f"planpush:{unit.id}:{copy.id}:{copy.revision}", chat_id=unit.chat_id, unit_id=unit.id,
            kind="planpush", due_at=ctx.now, markup=as_dict(markup), text=text,
        ))
    if notices:
        await enqueue(ctx.session, items=notices, now=ctx.now)
        ctx.enqueued = True
    return v.pushed(ctx.view, result, plan.week_start)


async def on_item_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    item, plan = await ss.item_in_reach(ctx.session, item_id=cb.int_arg(0), person=ctx.person)
    newly = await ss.mark_item_done(ctx.session, item=item, person=ctx.person, now=ctx.now)
    items = (await ss.plan_items(ctx.session, plan_ids=[plan.id]))[plan.id]
    done = await ss.done_items(ctx.session, person_id=ctx.person.id, item_ids=[i.id for i in items])
    ctx.answer = (v.item_marked(ctx.view, item, items, done, newly=newly), False)
    if in_private(update):
        # In private the message is the member's own: show it anew with the marks (a group's is everyone's).
        text, markup = await _plan_view(ctx, await ctx.session.get(Unit, plan.unit_id), plan.week_start)
        ctx.edit_text(text, markup=markup)
