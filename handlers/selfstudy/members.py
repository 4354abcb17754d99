"""Admins about members: /hours (a member's record, or a correction), /training (hours of a training
day), /rank (rank tiers, which set targets and reading lists)."""

from __future__ import annotations

import re

from sqlalchemy import select
from telegram import Update

from bot.admins import admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import own_unit
from handlers.selfstudy.common import named_people, unit_today
from models.text import clean_text
from models import selfstudy as ss
from models.errors import DomainError
from models.outbox import OutboxIn, enqueue
from models.units import RANK_ORDER, Membership, Person, Rank, Unit
from views.base import Renderer
from views.selfstudy import members as v

_SIGNED_RE = re.compile(r"^([+\-−]?)(.+)$")


@handler
@admin_only
async def cmd_hours(update: Update, ctx: Ctx) -> None:
    """/hours (reply to a member, or @member): their record; `/hours @member -30 [日期] 原因`: a correction."""
    people, rest = await named_people(update, ctx)
    if len(people) != 1:
        raise DomainError("hours.usage")
    person = people[0]
    tokens = ss.normalize(rest).split()
    today = unit_today(ctx)
    if not tokens:
        figs = await ss.figures(ctx.session, person=person, today=today, weeks_back=0)
        ctx.reply_text(v.hours_record(ctx.view, person, figs, await ss.recent_entries(ctx.session, person_id=person.id)))
        return
    sign, amount = _SIGNED_RE.match(tokens.pop(0)).groups()
    if tokens and ss.UNIT_WORD_RE.match(tokens[0].lower()):
        amount += tokens.pop(0)
    minutes = ss.parse_minutes(amount, error="hours.bad_amount") * (-1 if sign in ("-", "−") else 1)
    day = today
    if tokens and (found := ss.parse_day(tokens[0], today=today)) is not None:
        day = found
        tokens.pop(0)
    reason = clean_text(ss.normalize(" ".join(tokens)), limit=ss.REASON_MAX)
    if not reason:
        raise DomainError("hours.no_reason")
    entry = await ss.log_study(ctx.session, person=person, minutes=minutes, day=day, what=None, unit_id=ctx.unit.id,
                               today=today, now=ctx.now, kind=ss.EntryKind.correction, by=ctx.person, reason=reason)
    ctx.reply_text(v.corrected(ctx.view, person, entry, reason))
    if person.private_ok:  # a note to the member; none in the group (a correction is not the group's business)
        plang = person.language_code if person.language_code in ("zh", "en") else ctx.lang
        text = v.correction_notice(Renderer(plang, ctx.state.codec), ctx.unit, entry, v.signed(ctx.view, minutes),
                                   reason)
        await enqueue(ctx.session, now=ctx.now, items=[OutboxIn(
            dedupe_key=f"studyfix:{entry.id}", chat_id=person.tg_user_id, person_id=person.id, unit_id=ctx.unit.id,
            kind="studyfix", due_at=ctx.now, text=text)])
        ctx.enqueued = True


_LENGTH_WORDS = {"全天": "full", "一天": "full", "1天": "full", "整天": "full", "full": "full",
                 "半天": "half", "half": "half"}


@handler
@admin_only
async def cmd_training(update: Update, ctx: Ctx) -> None:
    """/training 全天|半天 [日期] [内容] — for members named (reply, @member) or 全体 (everyone)."""
    people, rest = await named_people(update, ctx)
    tokens = ss.normalize(rest).split()
    if not tokens or tokens[0].lower() not in _LENGTH_WORDS:
        raise DomainError("training.usage")
    length = _LENGTH_WORDS[tokens.pop(0).lower()]
    today = unit_today(ctx)
    day = today
    everyone = False
    while tokens:
        if tokens[0] in ("全体", "all"):
            everyone = True
        elif (found := ss.parse_day(tokens[0], today=today)) is not None:
            day = found
        else:
            break
        tokens.pop(0)
    if everyone:
        people = list(await ctx.session.scalars(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.unit_id == ctx.unit.id, Membership.active).order_by(Person.id)))
    if not people:
        raise DomainError("training.who")
    what = clean_text(ss.normalize(" ".join(tokens)), limit=ss.WHAT_MAX) or None
    await ss.record_training(ctx.session, people=people, length=length, day=day, what=what, unit=ctx.unit,
                             by=ctx.person, today=today, now=ctx.now)
    ctx.reply_text(v.training_recorded(ctx.view, people, length, day))


# -- /rank ---------------------------------------------------------------------------------------------

@handler
@admin_only
async def cmd_rank(update: Update, ctx: Ctx) -> None:
    """/rank: members by rank tier, a button each to change it; `/rank @member 领导干部` sets one."""
    people, rest = await named_people(update, ctx)
    if people:
        rank = ss.parse_rank(rest.strip() or "?")
        for p in people:
            await ss.set_rank(ctx.session, unit=ctx.unit, person_id=p.id, rank=rank)
        ctx.reply("rank.set", names="、".join(p.display_name for p in people), rank=ctx.t(f"rank.{rank.value}"))
        return
    if rest.strip():
        raise DomainError("rank.usage")
    text, markup = await _rank_page(ctx, ctx.unit, 0)
    ctx.reply_text(text, markup=markup)


async def _rank_page(ctx: Ctx, unit: Unit, page: int) -> tuple[str, object]:
    members = (await ctx.session.execute(
        select(Membership.rank, Person).join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id == unit.id, Membership.active).order_by(Membership.joined_at, Person.id)
    )).all()
    return v.rank_page(ctx.view, unit, [(rank, p) for rank, p in members], page)


async def on_rank_cycle(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    m = await ctx.session.scalar(select(Membership).where(
        Membership.unit_id == unit.id, Membership.person_id == cb.int_arg(1), Membership.active))
    if m is None:
        raise DomainError("rank.not_member")
    order = sorted(Rank, key=RANK_ORDER.get)
    m.rank = order[(order.index(m.rank) + 1) % len(order)]
    text, markup = await _rank_page(ctx, unit, cb.int_arg(2) if len(cb.args) > 2 else 0)
    ctx.edit_text(text, markup=markup)


async def on_rank_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    text, markup = await _rank_page(ctx, unit, cb.int_arg(1) if len(cb.args) > 1 else 0)
    ctx.edit_text(text, markup=markup)
