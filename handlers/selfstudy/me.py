"""/me: a member's own record, made of every feature's sections (bot/features: `me_sections`, after
their scalar figures, `me_figures`, are read in one SELECT); /me chart: the same as a picture.
Self-study's own sections are here too."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from telegram import Update

from bot.context import Ctx, handler
from handlers.common import in_private
from handlers.selfstudy.common import today
from models import selfstudy as ss
from models.errors import DomainError
from models.units import Person
from views.selfstudy import fmt_minutes
from views.selfstudy import record as v

_COMBINED: dict[tuple[int, ...], object] = {}


def _combined(queries: tuple) -> object:
    """The one SELECT of these scalar subqueries. Features build theirs once per shape (with bind
    parameters), so the statement is built once per shape too: building and hashing SQLAlchemy
    constructs of this size anew on every /me cost more CPU than the round trips they save."""
    key = tuple(id(q) for q in queries)
    if key not in _COMBINED:
        _COMBINED[key] = select(*(q.label(f"f{i}") for i, q in enumerate(queries)))
    return _COMBINED[key]


async def _me_figures(ctx: Ctx, person: Person) -> None:
    """Every feature's scalar figures for /me in one SELECT (one round trip), into ctx.me."""
    queries: dict[str, object] = {}
    params: dict[str, object] = {}
    for part in ctx.state.features.me_figures:
        q, p = await part(ctx, person)
        queries.update(q)
        params.update(p)
    if queries:
        row = (await ctx.session.execute(_combined(tuple(queries.values())), params)).one()
        ctx.me = {name: int(v or 0) for name, v in zip(queries, row, strict=True)}


@handler
async def cmd_me(update: Update, ctx: Ctx) -> None:
    """/me: the member's own record (private when they can be reached there); /me chart: a picture."""
    args = [a.lower() for a in ctx.args or []]
    target = None
    if not in_private(update) and ctx.person.private_ok:
        target = ctx.person.tg_user_id
    if args and args[0] in ("chart", "图", "图表"):
        await _chart(ctx, target)
    else:
        parts = [ctx.t("me.title", name=ctx.person.display_name)]
        await _me_figures(ctx, ctx.person)
        for section in ctx.state.features.me_sections:
            text = await section(ctx, ctx.person)
            if text:
                parts.append(text)
        parts.append(ctx.t("me.chart_hint"))
        ctx.reply_text("\n\n".join(parts), chat_id=target)
    if target is not None:
        ctx.reply("me.sent_private")


async def _chart(ctx: Ctx, target: int | None) -> None:
    day = await today(ctx)
    figs = await ss.figures(ctx.session, person=ctx.person, today=day, weeks_back=52)
    if figs is None:
        raise DomainError("me.no_units")
    png = await asyncio.to_thread(v.render_chart, figs, day, v.chart_text(ctx.view, ctx.person, day))
    ctx.reply_photo(png, "chart.caption", chat_id=target, year=fmt_minutes(ctx.lang, figs.year),
                    year_target=fmt_minutes(ctx.lang, figs.year_target), streak=figs.streak)


# -- self-study's parts of /me ------------------------------------------------------------------------

async def me_hours(ctx: Ctx, person: Person) -> str | None:
    units = [(u, m.rank) for u, m in await ctx.person_units(person)]
    figs = await ss.figures(ctx.session, person=person, today=await today(ctx), weeks_back=52, units=units)
    return v.me_hours(ctx.view, figs)


async def me_figures(ctx: Ctx, person: Person) -> tuple[dict[str, object], dict[str, object]]:
    """This feature's scalar figures for /me (see _me_figures): this week's plan progress per unit (by
    position in ctx.person_units) and the readings read/listed."""
    memberships = await ctx.person_units(person)
    if not memberships:
        return {}, {}
    n = len(memberships)
    figs = {**ss.week_progress_figures(n), **{f"readings_{k}": q for k, q in ss.readings_figures(n).items()}}
    params: dict[str, object] = {"ss_person": person.id, "ss_week": ss.monday(await today(ctx))}
    for i, (u, m) in enumerate(memberships):
        params[f"ss_unit_{i}"] = u.id
        params[f"ss_tiers_{i}"] = ss.tiers_up_to(m.rank)
    return {f"ss_{k}": q for k, q in figs.items()}, params


async def me_plan(ctx: Ctx, person: Person) -> str | None:
    return v.me_plan(ctx.view, [u for u, _ in await ctx.person_units(person)], ctx.me)


async def me_readings(ctx: Ctx, person: Person) -> str | None:
    return v.me_readings(ctx.view, ctx.me)


async def me_away(ctx: Ctx, person: Person) -> str | None:
    return v.me_away(ctx.view, await ss.away_list(ctx.session, person_id=person.id, today=await today(ctx)))
