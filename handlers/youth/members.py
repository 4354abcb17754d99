"""/youth (the group's youth members, rotation and this period; in private, your own record) and
/youthflag (who counts as youth: a picker, flags, birth years, the age limit)."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.admins import admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler
from handlers.common import in_private, own_unit
from handlers.youth.common import group_of, names, rest, targets, without_mentions
from models.errors import DomainError
from models.units import Person, Unit, UnitKind, active_members, person_units
from models.youth import (
    active_ids, age_limit, compute_figures, current_period, is_youth, local_today, next_turn, parse_flag_args,
    quiz_record, rotation_of, set_age_limit, set_youth, upcoming, youth_of,
)
from views import youth as v


@handler
async def cmd_youth(update: Update, ctx: Ctx) -> None:
    """/youth: the group's youth members, rotation and this period (in private: your own record)."""
    if in_private(update):
        await _my_record(ctx)
        return
    unit = group_of(update, ctx)
    members = await active_members(ctx.session, unit_id=unit.id)
    info = await youth_of(ctx.session, [p.id for _, p in members])
    year, limit = local_today(ctx.now, unit.timezone).year, age_limit(unit)
    youth = [p.display_name for _, p in members if is_youth(info.get(p.id), year=year, limit=limit)]
    lines = v.overview_head(ctx.view, unit, len(members), youth, limit)
    if unit.kind != UnitKind.promote:
        lines += ["", ctx.t("youth.overview_not_group")]
        ctx.reply_text("\n".join(lines))
        return
    rot = await rotation_of(ctx.session, unit.id)
    period = current_period(unit, rot, ctx.now)
    lines.append("")
    if rot is not None and rot.order:
        turns = upcoming(rot, unit, ctx.now, await active_ids(ctx.session, unit.id), 3)
        lines += v.overview_rotation(ctx.view, rot, period, turns,
                                     await names(ctx, [*rot.order, *(pid for _, pid in turns if pid)]))
    else:
        lines.append(ctx.t("youth.overview_no_rotation"))
    figures = await compute_figures(ctx.session, unit=unit, period=period)
    lines += ["", ctx.t("youth.overview_period", period=period.label)]
    lines += v.figure_lines(ctx.view, [{"key": f.key, "params": f.params} for f in figures])
    lines += ["", ctx.t("youth.overview_help")]
    ctx.reply_text("\n".join(lines))


async def _my_record(ctx: Ctx) -> None:
    turns = []
    for unit, _ in await person_units(ctx.session, person=ctx.person):
        if unit.kind != UnitKind.promote:
            continue
        rot = await rotation_of(ctx.session, unit.id)
        if rot is None or not rot.order:
            continue
        cur = current_period(unit, rot, ctx.now)
        turn = next_turn(rot, ctx.person.id, cur.index, await active_ids(ctx.session, unit.id))
        if turn is not None:
            turns.append((unit, turn, turn.start == cur.start))
    ctx.reply_text(v.mine(ctx.view, ctx.person, turns, await quiz_record(ctx.session, person=ctx.person)))


def _counts_as_youth(info, unit: Unit, now: datetime) -> bool:  # noqa: ANN001 - YouthPerson | None
    return is_youth(info, year=local_today(now, unit.timezone).year, limit=age_limit(unit))


async def _flag_picker(ctx: Ctx, unit: Unit, page: int):  # noqa: ANN202 - (text, markup)
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id)]
    info = await youth_of(ctx.session, [p.id for p in members])
    youth = {p.id for p in members if _counts_as_youth(info.get(p.id), unit, ctx.now)}
    return v.flag_picker(ctx.view, unit, members, youth, age_limit(unit), page)


@handler
@admin_only
async def cmd_youthflag(update: Update, ctx: Ctx) -> None:
    """/youthflag — a picker; `/youthflag 是|否|自动|1996` replying to a member or with @mentions;
    `/youthflag 上限 40` sets the age limit."""
    unit, msg = ctx.unit, update.effective_message
    people = await targets(ctx, msg, unit)
    args = parse_flag_args(without_mentions(msg, rest(msg)))
    if args is None and not people:
        text, markup = await _flag_picker(ctx, unit, 0)
        ctx.reply_text(text, markup=markup)
        return
    if args is not None and args.limit is not None:
        if people:
            raise DomainError("youth.bad_flag", given=rest(msg)[:40])
        await set_age_limit(ctx.session, unit=unit, limit=args.limit, now=ctx.now)
        ctx.reply("youth.limit_set", limit=args.limit)
        return
    if not people:
        raise DomainError("youth.flag_who")
    lines = []
    for person in people:
        info = (await youth_of(ctx.session, [person.id])).get(person.id)
        if args is not None:
            info = await set_youth(ctx.session, person=person, by=ctx.person, now=ctx.now, flag=args.flag,
                                   birth_year=args.birth_year)
        status = v.youth_status(ctx.view, info, _counts_as_youth(info, unit, ctx.now))
        lines.append(ctx.t("youth.flag_line", name=person.display_name, status=status))
    ctx.reply_text("\n".join([ctx.t("youth.flag_done" if args else "youth.flag_shown"), *lines]))


async def on_flag_toggle(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    person = await ctx.session.get(Person, cb.int_arg(1))
    if person is None or person.id not in await active_ids(ctx.session, unit.id):
        raise DomainError("errors.bad_callback")
    info = (await youth_of(ctx.session, [person.id])).get(person.id)
    now_youth = _counts_as_youth(info, unit, ctx.now)
    await set_youth(ctx.session, person=person, by=ctx.person, now=ctx.now, flag=not now_youth)
    text, markup = await _flag_picker(ctx, unit, cb.int_arg(2))
    ctx.edit_text(text, markup=markup)
    ctx.answer = (ctx.t("youth.toggled_yes" if not now_youth else "youth.toggled_no", name=person.display_name), False)


async def on_flag_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    text, markup = await _flag_picker(ctx, unit, cb.int_arg(1))
    ctx.edit_text(text, markup=markup)
