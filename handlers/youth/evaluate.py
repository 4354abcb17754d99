"""The committee's evaluation (/evaluate): a card per youth group and period (figures, records,
grade), marking an excellent case, and the group leader's consent before the case is shared."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.notify import group_lang
from handlers.common import own_unit
from handlers.youth.common import names
from models.errors import DomainError
from models.outbox import enqueue
from models.sessions import StudySession
from models.units import Person, Unit
from models.youth import (
    Grade, Period, answer_consent, compute_figures, consent_of, evaluation_of, group_for_committee, group_period,
    groups_below, local_today, mark_excellent, rate, records_of, rotation_of, unit_period,
)
from views import youth as v
from views.base import Renderer


async def _period_from_arg(ctx: Ctx, group: Unit, arg: int) -> tuple[Period, int | None]:
    """Period `arg` (yyyymmdd of any day in it; 0 = the current one) of a group."""
    if arg == 0:
        day = local_today(ctx.now, group.timezone)
    else:
        try:
            day = date(arg // 10000, arg // 100 % 100, arg % 100)
        except ValueError:
            raise DomainError("errors.bad_callback") from None
    if day > local_today(ctx.now, group.timezone):
        raise DomainError("evaluate.future")
    return await group_period(ctx.session, group=group, day=day)


async def _card(ctx: Ctx, committee: Unit, group: Unit, period: Period, leader_id: int | None):  # noqa: ANN202
    ev = await evaluation_of(ctx.session, group=group, period=period)
    figures = [{"key": f.key, "params": f.params} for f in await compute_figures(ctx.session, unit=group, period=period)]
    leader = v.name_of(ctx.view, await names(ctx, [leader_id] if leader_id else []), leader_id)
    records = await records_of(ctx.session, unit_id=group.id, period=period)
    authors = await names(ctx, [r.author_id for r in records])
    shown = [(rec, authors.get(rec.author_id, "?"),
              await ctx.session.get(StudySession, rec.session_id) if rec.session_id else None) for rec in records[:5]]
    return v.card(ctx.view, committee=committee, group=group, period=period, leader=leader, figures=figures,
                  records=shown, ev=ev, today=local_today(ctx.now, group.timezone))


async def _group_list(ctx: Ctx, committee: Unit):  # noqa: ANN202
    groups = await groups_below(ctx.session, committee=committee)
    if not groups:
        raise DomainError("evaluate.no_groups", unit=committee.name)
    return v.group_list(ctx.view, committee, groups)


@handler
@admin_only
async def cmd_evaluate(update: Update, ctx: Ctx) -> None:
    """/evaluate in the committee's group: rate each youth group's period, mark excellent cases."""
    text, markup = await _group_list(ctx, ctx.unit)
    ctx.reply_text(text, markup=markup)


async def on_evaluate_list(update: Update, ctx: Ctx, cb: Callback) -> None:
    committee = own_unit(ctx, cb)
    text, markup = await _group_list(ctx, committee)
    ctx.edit_text(text, markup=markup)


async def _card_target(ctx: Ctx, cb: Callback) -> tuple[Unit, Unit, Period, int | None]:
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    group = await group_for_committee(ctx.session, committee=ctx.unit, group_id=cb.int_arg(0))
    period, leader = await _period_from_arg(ctx, group, cb.int_arg(1))
    return ctx.unit, group, period, leader


async def on_evaluate_group(update: Update, ctx: Ctx, cb: Callback) -> None:
    committee, group, period, leader = await _card_target(ctx, cb)
    text, markup = await _card(ctx, committee, group, period, leader)
    ctx.edit_text(text, markup=markup)


async def on_evaluate_rate(update: Update, ctx: Ctx, cb: Callback) -> None:
    committee, group, period, leader = await _card_target(ctx, cb)
    try:
        grade = Grade(cb.args[2])
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    await rate(ctx.session, committee=committee, group=group, period=period, grade=grade, by=ctx.person, now=ctx.now)
    text, markup = await _card(ctx, committee, group, period, leader)
    ctx.edit_text(text, markup=markup)
    ctx.answer = (ctx.t("evaluate.rated_short", grade=ctx.t(f"evaluate.grade_{grade.value}")), False)


async def on_evaluate_excellent(update: Update, ctx: Ctx, cb: Callback) -> None:
    committee, group, period, leader = await _card_target(ctx, cb)
    ev = await mark_excellent(ctx.session, committee=committee, group=group, period=period, by=ctx.person, now=ctx.now)
    # Asked in the group itself (the group sees its case was chosen); only the leader can answer.
    chosen = await ctx.session.get(Person, ev.leader_id) if ev.leader_id else None
    ask = Renderer(group_lang(ctx.state, group), ctx.state.codec)
    await enqueue(ctx.session, items=[v.consent_ask(ask, committee, group, period, ev, chosen, ctx.now)], now=ctx.now)
    ctx.enqueued = True
    text, markup = await _card(ctx, committee, group, period, leader)
    ctx.edit_text(text, markup=markup)
    ctx.answer = (ctx.t("evaluate.consent_asked_short"), False)


async def _consent(ctx: Ctx, cb: Callback, agree: bool) -> None:
    group = own_unit(ctx, cb)
    ev = await consent_of(ctx.session, unit=group, evaluation_id=cb.int_arg(1))
    admin = ev.leader_id is None and await is_unit_admin(ctx, group)
    ev = await answer_consent(ctx.session, ev=ev, person=ctx.person, admin_of_group=admin, agree=agree, now=ctx.now)
    committee = await ctx.session.get(Unit, ev.committee_id)
    rot = await rotation_of(ctx.session, group.id)
    period = unit_period(group, rot, ev.period_start)
    to_committee = Renderer(group_lang(ctx.state, committee), ctx.state.codec)
    if agree:
        leader = await ctx.session.get(Person, ev.leader_id) if ev.leader_id else None
        records = await records_of(ctx.session, unit_id=group.id, period=period)
        authors = await names(ctx, [r.author_id for r in records])
        items = v.case_items(to_committee, committee, group, period, ev, leader,
                             [(rec, authors.get(rec.author_id, "?")) for rec in records], ctx.now)
        ctx.edit("evaluate.consent_granted", committee=committee.name, period=period.label)
    else:
        items = [v.case_declined(to_committee, committee, group, period, ev, ctx.now)]
        ctx.edit("evaluate.consent_declined", committee=committee.name, period=period.label)
    await enqueue(ctx.session, items=items, now=ctx.now)
    ctx.enqueued = True


async def on_consent_yes(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _consent(ctx, cb, True)


async def on_consent_no(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _consent(ctx, cb, False)
