"""The rotating leader (轮值): /rotation (pick the order with buttons or @mentions, the period kind,
when turns are announced, stop) and /swap (offer to swap your turn; both confirm)."""

from __future__ import annotations

from telegram import Update

from bot.admins import admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import mention
from handlers.common import own_unit
from handlers.youth.common import group_of, mention_entities, names, rest, targets, without_mentions
from models.errors import DomainError
from models.units import Person, Unit, active_members
from models.youth import (
    PeriodKind, Rotation, Swap, SwapState, active_ids, confirm_swap, current_period, draft_done, draft_edit,
    next_turn, parse_rotation_args, propose_swap, refuse_swap, require_group, rotation_for_edit, rotation_of,
    set_announce_time, set_order, set_period, stop_rotation, unit_period, upcoming,
)
from views import youth as v

# ------------------------------------------------------------------------------------------ /rotation


async def _summary(ctx: Ctx, unit: Unit, rot: Rotation) -> str:
    if not rot.order:
        return v.rotation_summary(ctx.view, rot, [], {})
    turns = upcoming(rot, unit, ctx.now, await active_ids(ctx.session, unit.id), 2)
    return v.rotation_summary(ctx.view, rot, turns, await names(ctx, [*rot.order, *(pid for _, pid in turns if pid)]))


async def _picker(ctx: Ctx, unit: Unit, rot: Rotation):  # noqa: ANN202 - (text, markup)
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id)]
    return v.rotation_picker(ctx.view, unit, rot, members)


@handler
@admin_only
async def cmd_rotation(update: Update, ctx: Ctx) -> None:
    """/rotation — pick the order with buttons; `/rotation @甲 @乙 @丙`, `/rotation 每周|每两周|每月|每季度`,
    `/rotation 08:30` (when turns are announced), `/rotation 停止`."""
    unit, msg = ctx.unit, update.effective_message
    require_group(unit)
    people = await targets(ctx, msg, unit) if mention_entities(msg) else []
    args = parse_rotation_args(without_mentions(msg, rest(msg)))
    if args is not None and args.stop:
        if people:
            raise DomainError("rotation.bad_arg", given=rest(msg)[:32])
        await stop_rotation(ctx.session, unit=unit, now=ctx.now)
        ctx.reply("rotation.stopped")
        return
    if args is not None and args.period is not None:
        await set_period(ctx.session, unit=unit, kind=args.period, now=ctx.now)
    if args is not None and args.at is not None:
        await set_announce_time(ctx.session, unit=unit, at=args.at, now=ctx.now)
    if people:
        await set_order(ctx.session, unit=unit, order=[p.id for p in people], now=ctx.now)
    rot = await rotation_for_edit(ctx.session, unit=unit, now=ctx.now)
    if args is None and not people:
        text, markup = await _picker(ctx, unit, rot)
        ctx.reply_text(text, markup=markup)
        return
    ctx.reply_text(await _summary(ctx, unit, rot))


async def _picker_step(ctx: Ctx, cb: Callback, **change: object) -> None:
    unit = own_unit(ctx, cb)
    rot = await draft_edit(ctx.session, unit=unit, now=ctx.now, **change)
    text, markup = await _picker(ctx, unit, rot)
    ctx.edit_text(text, markup=markup)


async def on_rotation_add(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, add=cb.int_arg(1))


async def on_rotation_undo(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, undo=True)


async def on_rotation_clear(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, clear=True)


async def on_rotation_kind(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    try:
        kind = PeriodKind(cb.args[1])
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    await set_period(ctx.session, unit=unit, kind=kind, now=ctx.now)
    await _picker_step(ctx, cb)


async def on_rotation_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    rot, _ = await draft_done(ctx.session, unit=unit, now=ctx.now)
    ctx.edit_text(await _summary(ctx, unit, rot))


# ---------------------------------------------------------------------------------------------- /swap


@handler
async def cmd_swap(update: Update, ctx: Ctx) -> None:
    """/swap replying to a member's message, or `/swap @成员`, or /swap to pick: offer to swap your turn."""
    unit, msg = group_of(update, ctx), update.effective_message
    require_group(unit)
    partners = await targets(ctx, msg, unit)
    if len(partners) > 1:
        raise DomainError("swap.one_partner")
    if partners:
        await _propose(ctx, unit, partners[0], edit=False)
        return
    rot = await rotation_of(ctx.session, unit.id)
    if rot is None or not rot.order:
        raise DomainError("rotation.none")
    active = await active_ids(ctx.session, unit.id)
    cur = current_period(unit, rot, ctx.now)
    mine = next_turn(rot, ctx.person.id, cur.index, active)
    if mine is None:
        raise DomainError("swap.no_turn")
    others = await names(ctx, [pid for pid in rot.order if pid in active and pid != ctx.person.id])
    choices = []
    for pid, name in others.items():
        theirs = next_turn(rot, pid, cur.index, active, skip=mine.start)
        if theirs is not None:
            choices.append((pid, name, theirs))
    if not choices:
        raise DomainError("swap.nobody")
    ctx.reply("swap.pick", markup=v.swap_choices(ctx.view, unit, ctx.person, choices), period=mine.label)


async def _propose(ctx: Ctx, unit: Unit, partner: Person, *, edit: bool) -> None:
    swap = await propose_swap(ctx.session, unit=unit, proposer=ctx.person, partner=partner, now=ctx.now)
    rot = await rotation_of(ctx.session, unit.id)
    text = v.swap_text(ctx.view, mention(ctx.person.tg_user_id, ctx.person.display_name),
                       mention(partner.tg_user_id, partner.display_name),
                       unit_period(unit, rot, swap.proposer_period).label,
                       unit_period(unit, rot, swap.partner_period).label, ctx.t("swap.status_none"))
    if edit:
        ctx.edit_text(text, markup=v.swap_buttons(ctx.view, swap))
    else:
        ctx.reply_text(text, markup=v.swap_buttons(ctx.view, swap))


async def on_swap_pick(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    if cb.int_arg(1) != ctx.person.id:
        raise DomainError("swap.not_your_picker")
    partner = await ctx.session.get(Person, cb.int_arg(2))
    if partner is None:
        raise DomainError("errors.bad_callback")
    await _propose(ctx, unit, partner, edit=True)


async def _swap_message(ctx: Ctx, unit: Unit, swap: Swap, status: str, *, buttons: bool) -> None:
    rot = await rotation_of(ctx.session, unit.id)
    proposer = await ctx.session.get(Person, swap.proposer_id)
    partner = await ctx.session.get(Person, swap.partner_id)
    text = v.swap_text(
        ctx.view, proposer.display_name, partner.display_name,
        unit_period(unit, rot, swap.proposer_period).label if rot else swap.proposer_period.isoformat(),
        unit_period(unit, rot, swap.partner_period).label if rot else swap.partner_period.isoformat(), status)
    ctx.edit_text(text, markup=v.swap_buttons(ctx.view, swap) if buttons else None)


async def on_swap_yes(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    swap = await confirm_swap(ctx.session, unit=unit, swap_id=cb.int_arg(1), person=ctx.person, now=ctx.now)
    if swap.state == SwapState.pending:
        waiting = swap.partner_id if swap.proposer_ok else swap.proposer_id
        other = await ctx.session.get(Person, waiting)
        await _swap_message(ctx, unit, swap, ctx.t("swap.status_waiting", name=ctx.person.display_name,
                                                   other=other.display_name), buttons=True)
        ctx.answer = (ctx.t("swap.confirmed_wait", other=other.display_name), False)
    elif swap.state == SwapState.done:
        await _swap_message(ctx, unit, swap, ctx.t("swap.status_done"), buttons=False)
        ctx.answer = (ctx.t("swap.done_short"), False)
    else:
        await _swap_message(ctx, unit, swap, ctx.t("swap.status_void"), buttons=False)
        ctx.answer = (ctx.t("swap.void_short"), True)


async def on_swap_no(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    swap = await refuse_swap(ctx.session, unit=unit, swap_id=cb.int_arg(1), person=ctx.person, now=ctx.now)
    await _swap_message(ctx, unit, swap, ctx.t("swap.status_refused", name=ctx.person.display_name), buttons=False)
