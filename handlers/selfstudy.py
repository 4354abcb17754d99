"""Weekly self-study (党员自学): /study and 学习 <分钟>, /plan (and /plan set, /plan push), /readings,
/away, /me (and /me chart); admins: /hours (corrections), /training, /rank; rows of /settings.

/me is made of sections (`ME_SECTIONS`, gathered by the registry from every feature): a feature adds
its part of a member's record by exporting its own section functions.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from telegram import InlineKeyboardMarkup, MessageEntity, Update
from telegram.constants import ChatType

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import BadCallback, Callback
from bot.context import Ctx, handler
from bot.i18n import mention, t
from bot.keyboards import button, columns, rows
from bot.reports import charts
from handlers.base import Button, Command, Setting, Word
from views.selfstudy import bar, fmt_day, fmt_minutes, item_buttons, link_html, plan_block, week_span
from models import selfstudy as ss
from models.errors import DomainError
from models.text import clean_text
from models.outbox import OutboxIn, enqueue
from models.reminders import config as reminder_config
from models.reminders import set_reminder
from models.schedules import parse_hhmm
from models.units import (
    RANK_ORDER, Membership, Person, Rank, Unit, ancestor_ids, membership, person_units, subtree_ids,
)

RANK_PAGE = 12


# -- rendering (also used by the planners in jobs/selfstudy.py) ------------------------------------


# -- helpers ----------------------------------------------------------------------------------------

def _private(update: Update) -> bool:
    return update.effective_chat.type == ChatType.PRIVATE


async def _tz(ctx: Ctx) -> str:
    """The caller's time zone: this group's unit, else their first unit, else the default."""
    if ctx.unit is not None:
        return ctx.unit.timezone
    units = await ctx.person_units(ctx.person)
    return units[0][0].timezone if units else ctx.state.settings.timezone


async def _today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ZoneInfo(await _tz(ctx))).date()


def _after(text: str, words: int) -> str:
    """The message text after its first `words` whitespace-separated words, new lines kept."""
    m = re.match(r"\s*" + r"\S+\s*" * words, text)
    return text[m.end():] if m and len(text.split()) >= words else ""


def _need_unit_here(update: Update, ctx: Ctx) -> None:
    if not _private(update) and ctx.unit is None:
        raise DomainError("errors.group_not_bound_member")


# -- /study and 学习 <分钟> ------------------------------------------------------------------------

async def _log(update: Update, ctx: Ctx, raw: str) -> None:
    _need_unit_here(update, ctx)
    today = await _today(ctx)
    parsed = ss.parse_study(raw, today=today)
    entry = await ss.log_study(ctx.session, person=ctx.person, minutes=parsed.minutes, day=parsed.day, what=parsed.what,
                               unit_id=ctx.unit.id if ctx.unit else None, today=today, now=ctx.now)
    who = mention(ctx.person.tg_user_id, ctx.person.display_name)
    parts = [ctx.t("study.logged", who=who, minutes=fmt_minutes(ctx.lang, entry.minutes),
                   day=ctx.t("study.today") if entry.day == today else fmt_day(ctx.lang, entry.day),
                   what=ctx.t("study.what", what=entry.what) if entry.what else "")]
    figs = await ss.figures(ctx.session, person=ctx.person, today=today, weeks_back=0)
    if figs is None:
        parts.append(ctx.t("study.join_hint"))
    else:
        parts.append(ctx.t("study.progress", week=fmt_minutes(ctx.lang, figs.week),
                           week_target=fmt_minutes(ctx.lang, figs.week_target), bar=bar(figs.week, figs.week_target),
                           year=fmt_minutes(ctx.lang, figs.year), year_target=fmt_minutes(ctx.lang, figs.year_target)))
        if figs.week >= figs.week_target > figs.week - entry.minutes:
            parts.append(ctx.t("study.week_met"))
    ctx.reply_text("\n".join(parts), markup=rows([button(ctx, "study.btn_undo", "ss.u", entry.id)]))


async def _undo(ctx: Ctx, entry_id: int | None = None) -> ss.StudyEntry:
    return await ss.undo_entry(ctx.session, person=ctx.person, entry_id=entry_id)


@handler
async def cmd_study(update: Update, ctx: Ctx) -> None:
    """/study <minutes> [date] [what]; /study undo."""
    raw = _after(update.effective_message.text or "", 1)
    if not raw.strip():
        ctx.reply("study.usage")
        return
    if raw.strip().lower() in ("undo", "撤销", "撤回"):
        entry = await _undo(ctx)
        ctx.reply("study.undone", minutes=fmt_minutes(ctx.lang, entry.minutes), day=fmt_day(ctx.lang, entry.day))
        return
    await _log(update, ctx, raw)


async def word_study(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _log(update, ctx, match.group("rest"))


async def on_undo(update: Update, ctx: Ctx, cb: Callback) -> None:
    entry = await _undo(ctx, cb.int_arg(0))
    ctx.answer = (ctx.t("study.undone_short"), False)
    ctx.edit("study.undone", minutes=fmt_minutes(ctx.lang, entry.minutes), day=fmt_day(ctx.lang, entry.day))


_AMOUNT_WORD = (r"(?:\d+(?:[.．]\d+)?\s*(?:个半小时|个小时|小时|钟头|分钟|分|h|hr|hrs|m|min|mins)?"
                r"|[一二两三四五六七八九十]+\s*(?:个半小时|个小时|小时|钟头|分钟)|半\s*个?(?:小时|钟头))")
STUDY_WORD = re.compile(rf"^学习\s*(?P<rest>{_AMOUNT_WORD}(?:\s+\S[\s\S]*)?)$", re.IGNORECASE)


# -- /me --------------------------------------------------------------------------------------------

async def me_hours(ctx: Ctx, person: Person) -> str | None:
    units = [(u, m.rank) for u, m in await ctx.person_units(person)]
    figs = await ss.figures(ctx.session, person=person, today=await _today(ctx), weeks_back=52, units=units)
    if figs is None:
        return ctx.t("me.no_units")
    f = lambda m: fmt_minutes(ctx.lang, m)  # noqa: E731
    return ctx.t("me.hours", week=f(figs.week), week_target=f(figs.week_target), week_bar=bar(figs.week, figs.week_target),
                 month=f(figs.month), month_target=f(figs.month_target), month_bar=bar(figs.month, figs.month_target),
                 year=f(figs.year), year_target=f(figs.year_target), year_bar=bar(figs.year, figs.year_target),
                 streak=figs.streak)


async def me_figures(ctx: Ctx, person: Person) -> tuple[dict[str, object], dict[str, object]]:
    """This feature's scalar figures for /me (see _me_figures): this week's plan progress per unit (by
    position in ctx.person_units) and the readings read/listed."""
    memberships = await ctx.person_units(person)
    if not memberships:
        return {}, {}
    n = len(memberships)
    figs = {**ss.week_progress_figures(n), **{f"readings_{k}": q for k, q in ss.readings_figures(n).items()}}
    params: dict[str, object] = {"ss_person": person.id, "ss_week": ss.monday(await _today(ctx))}
    for i, (u, m) in enumerate(memberships):
        params[f"ss_unit_{i}"] = u.id
        params[f"ss_tiers_{i}"] = ss.tiers_up_to(m.rank)
    return {f"ss_{k}": q for k, q in figs.items()}, params


async def me_plan(ctx: Ctx, person: Person) -> str | None:
    lines = [ctx.t("me.plan", unit=u.name, done=ctx.me[f"ss_done_{i}"], total=ctx.me[f"ss_total_{i}"])
             for i, (u, _) in enumerate(await ctx.person_units(person)) if ctx.me.get(f"ss_plan_{i}")]
    return "\n".join(lines) or None


async def me_readings(ctx: Ctx, person: Person) -> str | None:
    if not ctx.me.get("ss_readings_listed"):
        return None
    return ctx.t("me.readings", done=ctx.me["ss_readings_read"], total=ctx.me["ss_readings_listed"])


async def me_away(ctx: Ctx, person: Person) -> str | None:
    periods = await ss.away_list(ctx.session, person_id=person.id, today=await _today(ctx))
    if not periods:
        return None
    return "\n".join(ctx.t("me.away", first=fmt_day(ctx.lang, a.first_day), last=fmt_day(ctx.lang, a.last_day),
                           reason=a.reason) for a in periods)


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
    if not _private(update) and ctx.person.private_ok:
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
    today = await _today(ctx)
    figs = await ss.figures(ctx.session, person=ctx.person, today=today, weeks_back=52)
    if figs is None:
        raise DomainError("me.no_units")
    text = ChartText(
        title=ctx.t("chart.title", name=ctx.person.display_name, year=today.year),
        weeks_title=ctx.t("chart.weeks_title"), minutes=ctx.t("chart.minutes"), target=ctx.t("chart.target"),
        year_title=ctx.t("chart.year_title"), hours=ctx.t("chart.hours"), pace=ctx.t("chart.pace"),
        done=ctx.t("chart.done"),
    )
    png = await asyncio.to_thread(render_chart, figs, today, text)
    ctx.reply_photo(png, "chart.caption", chat_id=target, year=fmt_minutes(ctx.lang, figs.year),
                    year_target=fmt_minutes(ctx.lang, figs.year_target), streak=figs.streak)


# -- the /me chart ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChartText:
    title: str
    weeks_title: str
    minutes: str
    target: str
    year_title: str
    hours: str
    pace: str
    done: str


def render_chart(figs: ss.Figures, today: date, text: ChartText) -> bytes:
    """A PNG: the last 12 weeks against their targets, and the year's hours against the target's pace.
    CPU-bound: call it in a thread (asyncio.to_thread), never on the event loop."""
    from matplotlib import dates as mdates

    with charts.cjk_figure(8, 7) as fig:
        weeks_ax, year_ax = fig.subplots(2, 1)
        recent = figs.weeks[-12:]
        xs = list(range(len(recent)))
        weeks_ax.bar(xs, [m for _, m, _ in recent], label=text.minutes,
                     color=["#2e7d32" if m >= tg else "#ef6c00" for _, m, tg in recent])
        weeks_ax.step(xs, [tg for _, _, tg in recent], where="mid", color="#c62828", label=text.target)
        weeks_ax.set_xticks(xs, [f"{ws.month}/{ws.day}" for ws, _, _ in recent], fontsize=8)
        weeks_ax.set_title(text.weeks_title)
        weeks_ax.set_ylabel(text.minutes)
        weeks_ax.legend(loc="upper left")

        start = date(today.year, 1, 1)
        days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
        total, cumulative = 0, []
        for d in days:
            total += figs.days.get(d, 0)
            cumulative.append(total / 60)
        year_end = date(today.year, 12, 31)
        year_ax.plot(days, cumulative, color="#1565c0", label=text.done)
        year_ax.plot([start, year_end], [0, figs.year_target / 60], "--", color="#c62828", label=text.pace)
        year_ax.set_xlim(start, year_end)
        year_ax.set_title(text.year_title)
        year_ax.set_ylabel(text.hours)
        year_ax.legend(loc="upper left")
        year_ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%d"))
        fig.suptitle(text.title)
        return charts.png(fig)


# -- /plan ------------------------------------------------------------------------------------------

async def _plan_view(ctx: Ctx, unit: Unit, week: date) -> tuple[str, InlineKeyboardMarkup | None]:
    plan = await ss.plan_for(ctx.session, unit_id=unit.id, week_start=week)
    head = ctx.t("plan.title", unit=unit.name, span=week_span(ctx.lang, week))
    if plan is None:
        return f"{head}\n{ctx.t('plan.none_yet')}", None
    items = (await ss.plan_items(ctx.session, plan_ids=[plan.id]))[plan.id]
    done = await ss.done_items(ctx.session, person_id=ctx.person.id, item_ids=[i.id for i in items])
    minutes = (await ss.minutes_by_person(ctx.session, people=[ctx.person.id], start=week,
                                          end=week + timedelta(days=6))).get(ctx.person.id, 0)
    required = [i for i in items if i.kind == ss.ItemKind.required]
    mine = ctx.t("plan.progress", name=ctx.person.display_name, minutes=fmt_minutes(ctx.lang, minutes),
                 target=fmt_minutes(ctx.lang, plan.required_minutes), bar=bar(minutes, plan.required_minutes),
                 done=len(done & {i.id for i in required}), total=len(required))
    return "\n".join([head, plan_block(ctx.lang, plan, items, done), "", mine]), item_buttons(
        ctx.lang, ctx.state.codec, items, done)


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
    _need_unit_here(update, ctx)
    tokens = words[1:]
    offset = ss.take_week(tokens)
    if tokens:
        raise DomainError("plan.bad_args", given=tokens[0][:20])
    week = ss.monday(await _today(ctx)) + timedelta(weeks=offset)
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
    raw = _after(update.effective_message.text or "", 2)
    today = await _today(ctx)
    if raw.strip():
        offset, minutes, items = ss.parse_plan_line(raw)
        week = ss.monday(today) + timedelta(weeks=offset)
        plan = await ss.save_plan(ctx.session, unit=ctx.unit, week_start=week, minutes=minutes, items=items,
                                  by=ctx.person, now=ctx.now)
        await _published(ctx, plan, edit=False)
        return
    # The guided form: a draft kept in the database, filled in by replies to the bot's questions.
    default_week = ss.monday(today) + timedelta(weeks=0 if today.weekday() <= 3 else 1)
    draft, created = await ss.open_draft(ctx.session, unit=ctx.unit, person=ctx.person, week_start=default_week,
                                         now=ctx.now)
    if draft.required_minutes is None:
        await _ask(ctx, "plan.ask_minutes", "ss.min", draft, week=week_span(ctx.lang, draft.week_start))
    elif not draft.items:
        await _ask(ctx, "plan.ask_items", "ss.items", draft)
    else:
        ctx.reply_text(*_draft_view(ctx, draft, resumed=True))


async def _ask(ctx: Ctx, key: str, kind: str, draft: ss.PlanDraft, **params: object) -> None:
    """Ask the admin a question they answer by replying (the question is kept in the prompts table)."""
    ctx.ask(key, kind=kind, payload={"draft_id": draft.id}, chat_id=ctx.unit.chat_id,
            mention=mention(ctx.person.tg_user_id, ctx.person.display_name), **params)


def _draft_view(ctx: Ctx, draft: ss.PlanDraft, *, resumed: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    items = [ss.ItemIn.from_json(i) for i in draft.items]
    lines = [ctx.t("plan.draft_title", span=week_span(ctx.lang, draft.week_start))]
    if resumed:
        lines.append(ctx.t("plan.draft_resumed"))
    lines.append(ctx.t("plan.required_minutes", minutes=fmt_minutes(ctx.lang, draft.required_minutes or 0)))
    for n, item in enumerate(items, 1):
        lines.append(ctx.t("plan.draft_item", n=n, kind=ctx.t(f"plan.kind_short_{item.kind.value}"), title=item.title,
                           link=link_html(ctx.lang, item.link)))
    if not items:
        lines.append(ctx.t("plan.draft_empty"))
    lines.append(ctx.t("plan.draft_hint"))
    d = draft.id
    markup = rows(
        [button(ctx, "plan.btn_this_week", "ss.pw", d, 0), button(ctx, "plan.btn_next_week", "ss.pw", d, 1)],
        [button(ctx, "plan.btn_add", "ss.pa", d), button(ctx, "plan.btn_minutes", "ss.pm", d)],
        [button(ctx, "plan.btn_drop_last", "ss.px", d)] if items else [],
        [button(ctx, "plan.btn_publish", "ss.pp", d), button(ctx, "plan.btn_cancel", "ss.pc", d)],
    )
    return "\n".join(lines), markup


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
        await _ask(ctx, "plan.ask_items", "ss.items", draft)
    else:
        ctx.reply_text(*_draft_view(ctx, draft))


async def answer_items(update: Update, ctx: Ctx, payload: dict) -> None:
    draft = await _answered_draft(ctx, payload)
    ss.draft_add(draft, raw=update.effective_message.text or "", now=ctx.now)
    text, markup = _draft_view(ctx, draft)
    ctx.reply_text(text, markup=markup)


async def on_draft_week(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    offset = cb.int_arg(1)
    if offset not in (0, 1):
        raise DomainError("errors.bad_callback")
    draft.week_start = ss.monday(await _today(ctx)) + timedelta(weeks=offset)
    draft.updated_at = ctx.now
    text, markup = _draft_view(ctx, draft)
    ctx.edit_text(text, markup=markup)


async def on_draft_add(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _ask(ctx, "plan.ask_items", "ss.items", await _draft_from(ctx, cb.int_arg(0)))


async def on_draft_minutes(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    await _ask(ctx, "plan.ask_minutes", "ss.min", draft, week=week_span(ctx.lang, draft.week_start))


async def on_draft_drop(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_from(ctx, cb.int_arg(0))
    if draft.items:
        draft.items = draft.items[:-1]
        draft.updated_at = ctx.now
    text, markup = _draft_view(ctx, draft)
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
    text = "\n".join([ctx.t("plan.saved", unit=ctx.unit.name, span=week_span(ctx.lang, plan.week_start)),
                      plan_block(ctx.lang, plan, items)])
    markup = rows([button(ctx, "plan.btn_push", "ss.pd", plan.id)]) if below else None
    if below:
        text += "\n\n" + ctx.t("plan.push_hint", count=len(below))
    if edit:
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup)


@admin_only
async def _plan_push(update: Update, ctx: Ctx) -> None:
    tokens = (update.effective_message.text or "").split()[2:]
    week = ss.monday(await _today(ctx)) + timedelta(weeks=ss.take_week(tokens))
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
        lang = unit.locale or ctx.state.settings.locale
        markup = item_buttons(lang, ctx.state.codec, items)
        notices.append(OutboxIn(
            dedupe_key=f"planpush:{unit.id}:{copy.id}:{copy.revision}", chat_id=unit.chat_id, unit_id=unit.id,
            kind="planpush", due_at=ctx.now, markup=markup.to_dict() if markup else None,
            text="\n".join([t(lang, "plan.pushed_notice", parent=ctx.unit.name, unit=unit.name,
                              span=week_span(lang, plan.week_start)), plan_block(lang, copy, items)]),
        ))
    if notices:
        await enqueue(ctx.session, items=notices, now=ctx.now)
        ctx.enqueued = True
    kept = "、".join(u.name for u in result.kept) or ctx.t("plan.push_kept_none")
    return ctx.t("plan.pushed", count=len(result.pushed), week=ss.week_label(plan.week_start), kept=kept)


async def on_item_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    item, plan = await ss.item_in_reach(ctx.session, item_id=cb.int_arg(0), person=ctx.person)
    newly = await ss.mark_item_done(ctx.session, item=item, person=ctx.person, now=ctx.now)
    items = (await ss.plan_items(ctx.session, plan_ids=[plan.id]))[plan.id]
    done = await ss.done_items(ctx.session, person_id=ctx.person.id, item_ids=[i.id for i in items])
    required = [i.id for i in items if i.kind == ss.ItemKind.required]
    ctx.answer = (ctx.t("plan.marked" if newly else "plan.already_marked", n=item.position, title=item.title[:60],
                        done=len(done & set(required)), total=len(required)), False)
    if update.effective_chat.type == ChatType.PRIVATE:
        # In private the message is the member's own: show it anew with the marks (a group's is everyone's).
        text, markup = await _plan_view(ctx, await ctx.session.get(Unit, plan.unit_id), plan.week_start)
        ctx.edit_text(text, markup=markup)


# -- /readings --------------------------------------------------------------------------------------

TIER_WORDS = {"全体": Rank.member, "全体党员": Rank.member, "all": Rank.member, "领导干部": Rank.chief,
              "干部": Rank.chief, "chief": Rank.chief, "主要负责人": Rank.head, "负责人": Rank.head, "head": Rank.head}


async def _my_readings(ctx: Ctx, person: Person, unit: Unit | None) -> tuple[list[ss.Reading], dict]:
    """The readings that apply to the person (in one unit, or all theirs): their units' and the units
    above them, up to their rank there."""
    memberships = [(u, m) for u, m in await ctx.person_units(person) if unit is None or u.id == unit.id]
    seen: dict[int, ss.Reading] = {}
    for u, m in memberships:
        ids = [u.id, *await ancestor_ids(ctx.session, unit_id=u.id)]
        for r in await ss.readings_for(ctx.session, unit_ids=ids, rank=m.rank):
            seen[r.id] = r
    listed = sorted(seen.values(), key=lambda r: r.id)
    return listed, await ss.read_ids(ctx.session, person_id=person.id, reading_ids=list(seen))


def _readings_view(ctx: Ctx, listed: list[ss.Reading], read: dict) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [ctx.t("readings.title", name=ctx.person.display_name, done=len(read), total=len(listed))]
    buttons = []
    for n, r in enumerate(listed, 1):
        lines.append(ctx.t("readings.item", n=n, mark="✅" if r.id in read else "⬜", title=r.title,
                           tier=ctx.t(f"rank.{r.tier.value}"), link=link_html(ctx.lang, r.link)))
        if r.id not in read:
            buttons.append(button(ctx, "=" + ctx.t("readings.btn_read", n=n), "ss.r", r.id))
    if not listed:
        lines.append(ctx.t("readings.empty"))
    return "\n".join(lines), columns(buttons, 4) if buttons else None


@handler
async def cmd_readings(update: Update, ctx: Ctx) -> None:
    """/readings: my reading list with progress; admins: /readings add [层级] 《…》, /readings del N."""
    words = (update.effective_message.text or "").split()
    sub = words[1].lower() if len(words) > 1 else ""
    if sub in ("add", "添加"):
        await _readings_add(update, ctx)
        return
    if sub in ("del", "删除"):
        await _readings_del(update, ctx)
        return
    if sub in ("all", "全部"):
        await _readings_all(update, ctx)
        return
    _need_unit_here(update, ctx)
    listed, read = await _my_readings(ctx, ctx.person, ctx.unit)
    text, markup = _readings_view(ctx, listed, read)
    ctx.reply_text(text, markup=markup)


@admin_only
async def _readings_add(update: Update, ctx: Ctx) -> None:
    raw = _after(update.effective_message.text or "", 2)
    head = raw.split(maxsplit=1)
    tier = Rank.member
    if head and head[0].lower() in TIER_WORDS:
        tier = TIER_WORDS[head[0].lower()]
        raw = head[1] if len(head) > 1 else ""
    added = await ss.add_reading(ctx.session, unit=ctx.unit, tier=tier, raw=raw, by=ctx.person, now=ctx.now)
    ctx.reply("readings.added", count=len(added), tier=ctx.t(f"rank.{tier.value}"),
              titles="、".join(r.title for r in added))


@admin_only
async def _readings_del(update: Update, ctx: Ctx) -> None:
    words = (update.effective_message.text or "").split()[2:]
    if len(words) != 1 or not words[0].lstrip("#").isdigit():
        raise DomainError("readings.del_usage")
    reading = await ss.archive_reading(ctx.session, unit=ctx.unit, reading_id=int(words[0].lstrip("#")), now=ctx.now)
    ctx.reply("readings.deleted", title=reading.title)


@admin_only
async def _readings_all(update: Update, ctx: Ctx) -> None:
    """The unit's whole list, every tier, with the numbers /readings del takes."""
    listed = await ss.readings_for(ctx.session, unit_ids=[ctx.unit.id], rank=None)
    lines = [ctx.t("readings.all_title", unit=ctx.unit.name)]
    lines += [ctx.t("readings.all_item", id=r.id, title=r.title, tier=ctx.t(f"rank.{r.tier.value}"),
                    link=link_html(ctx.lang, r.link)) for r in listed]
    lines.append(ctx.t("readings.all_hint") if listed else ctx.t("readings.empty"))
    ctx.reply_text("\n".join(lines))


async def on_read(update: Update, ctx: Ctx, cb: Callback) -> None:
    listed, read = await _my_readings(ctx, ctx.person, None)
    reading = next((r for r in listed if r.id == cb.int_arg(0)), None)
    if reading is None:
        raise DomainError("readings.not_yours")
    newly = await ss.mark_read(ctx.session, reading=reading, person=ctx.person, now=ctx.now)
    read[reading.id] = ctx.now
    ctx.answer = (ctx.t("readings.marked" if newly else "readings.already", title=reading.title[:60],
                        done=len(read), total=len(listed)), False)
    if update.effective_chat.type == ChatType.PRIVATE:
        text, markup = _readings_view(ctx, listed, read)
        ctx.edit_text(text, markup=markup)


# -- /away ------------------------------------------------------------------------------------------

@handler
async def cmd_away(update: Update, ctx: Ctx) -> None:
    """/away 2026-12-01 2026-12-07 出差 — no reminders then; /away alone lists (and cancels) them."""
    raw = _after(update.effective_message.text or "", 1)
    today = await _today(ctx)
    if raw.strip():
        first, last, reason = ss.parse_away(raw, today=today)
        await ss.add_away(ctx.session, person=ctx.person, first=first, last=last, reason=reason, now=ctx.now)
        ctx.reply("away.added", first=fmt_day(ctx.lang, first), last=fmt_day(ctx.lang, last), reason=reason)
        return
    periods = await ss.away_list(ctx.session, person_id=ctx.person.id, today=today)
    lines = [ctx.t("away.list_title")]
    lines += [ctx.t("away.item", first=fmt_day(ctx.lang, a.first_day), last=fmt_day(ctx.lang, a.last_day),
                    reason=a.reason) for a in periods] or [ctx.t("away.none")]
    lines.append(ctx.t("away.usage"))
    buttons = [button(ctx, "=" + ctx.t("away.btn_cancel", first=fmt_day(ctx.lang, a.first_day)), "ss.aw", a.id)
               for a in periods]
    ctx.reply_text("\n".join(lines), markup=columns(buttons, 2) if buttons else None)


async def on_away_cancel(update: Update, ctx: Ctx, cb: Callback) -> None:
    away = await ss.cancel_away(ctx.session, person=ctx.person, away_id=cb.int_arg(0))
    ctx.answer = (ctx.t("away.cancelled", first=fmt_day(ctx.lang, away.first_day),
                        last=fmt_day(ctx.lang, away.last_day)), False)
    ctx.edit("away.cancelled", first=fmt_day(ctx.lang, away.first_day), last=fmt_day(ctx.lang, away.last_day))


# -- admins: who a command is about -----------------------------------------------------------------

async def _named_people(update: Update, ctx: Ctx) -> tuple[list[Person], str]:
    """The members an admin's command names — by replying to their message, @username or a mention —
    and the text left once the command and the names are taken out."""
    msg = update.effective_message
    text = msg.text or ""
    people: list[Person] = []
    for entity, part in msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            person = await ctx.session.scalar(select(Person).where(Person.tg_user_id == entity.user.id))
        else:
            person = await ctx.session.scalar(
                select(Person).where(func.lower(Person.username) == part.lstrip("@").lower()))
        if person is None:
            raise DomainError("admin.unknown_person", name=part[:40])
        people.append(person)
        text = text.replace(part, " ", 1)
    reply = msg.reply_to_message
    if not people and reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        person = await ctx.session.scalar(select(Person).where(Person.tg_user_id == reply.from_user.id))
        if person is not None:
            people.append(person)
    for person in people:
        m = await membership(ctx.session, unit=ctx.unit, person=person)
        if m is None or not m.active:
            raise DomainError("admin.not_member", name=person.display_name, unit=ctx.unit.name)
    return people, _after(text, 1)


# -- /hours: an admin's corrections ------------------------------------------------------------------

_SIGNED_RE = re.compile(r"^([+\-−]?)(.+)$")


@handler
@admin_only
async def cmd_hours(update: Update, ctx: Ctx) -> None:
    """/hours (reply to a member, or @member): their record; `/hours @member -30 [日期] 原因`: a correction."""
    people, rest = await _named_people(update, ctx)
    if len(people) != 1:
        raise DomainError("hours.usage")
    person = people[0]
    tokens = ss.normalize(rest).split()
    today = ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date()
    if not tokens:
        await _hours_record(ctx, person, today)
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
    signed = ("+" if minutes > 0 else "") + fmt_minutes(ctx.lang, minutes)
    ctx.reply("hours.corrected", who=mention(person.tg_user_id, person.display_name), minutes=signed,
              day=fmt_day(ctx.lang, day), reason=reason, id=entry.id)
    if person.private_ok:
        plang = person.language_code if person.language_code in ("zh", "en") else ctx.lang
        await enqueue(ctx.session, now=ctx.now, items=[OutboxIn(
            dedupe_key=f"studyfix:{entry.id}", chat_id=person.tg_user_id, person_id=person.id, unit_id=ctx.unit.id,
            kind="studyfix", due_at=ctx.now,
            text=t(plang, "hours.notice", unit=ctx.unit.name, minutes=signed, day=fmt_day(plang, day), reason=reason),
        )])
        ctx.enqueued = True


async def _hours_record(ctx: Ctx, person: Person, today: date) -> None:
    figs = await ss.figures(ctx.session, person=person, today=today, weeks_back=0)
    lines = [ctx.t("hours.record_title", name=person.display_name)]
    if figs is not None:
        lines.append(ctx.t("hours.record_totals", week=fmt_minutes(ctx.lang, figs.week),
                           year=fmt_minutes(ctx.lang, figs.year), year_target=fmt_minutes(ctx.lang, figs.year_target)))
    for e in await ss.recent_entries(ctx.session, person_id=person.id):
        lines.append(ctx.t(f"hours.entry_{e.kind.value}", id=e.id, day=fmt_day(ctx.lang, e.day),
                           minutes=fmt_minutes(ctx.lang, e.minutes), what=e.what or "", reason=e.reason or ""))
    lines.append(ctx.t("hours.record_hint"))
    ctx.reply_text("\n".join(lines))


# -- /training ---------------------------------------------------------------------------------------

_LENGTH_WORDS = {"全天": "full", "一天": "full", "1天": "full", "整天": "full", "full": "full",
                 "半天": "half", "half": "half"}


@handler
@admin_only
async def cmd_training(update: Update, ctx: Ctx) -> None:
    """/training 全天|半天 [日期] [内容] — for members named (reply, @member) or 全体 (everyone)."""
    people, rest = await _named_people(update, ctx)
    tokens = ss.normalize(rest).split()
    if not tokens or tokens[0].lower() not in _LENGTH_WORDS:
        raise DomainError("training.usage")
    length = _LENGTH_WORDS[tokens.pop(0).lower()]
    today = ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date()
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
    ctx.reply("training.recorded", count=len(people), hours=ss.TRAINING_MINUTES[length] // 60,
              day=fmt_day(ctx.lang, day), names="、".join(p.display_name for p in people[:30]))


# -- /rank ---------------------------------------------------------------------------------------------

@handler
@admin_only
async def cmd_rank(update: Update, ctx: Ctx) -> None:
    """/rank: members by rank tier, a button each to change it; `/rank @member 领导干部` sets one."""
    people, rest = await _named_people(update, ctx)
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


async def _rank_page(ctx: Ctx, unit: Unit, page: int) -> tuple[str, InlineKeyboardMarkup]:
    rows_ = (await ctx.session.execute(
        select(Membership.rank, Person).join(Person, Person.id == Membership.person_id)
        .where(Membership.unit_id == unit.id, Membership.active).order_by(Membership.joined_at, Person.id)
    )).all()
    pages = max(1, -(-len(rows_) // RANK_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = rows_[page * RANK_PAGE:(page + 1) * RANK_PAGE]
    counts = {r: sum(1 for rank, _ in rows_ if rank == r) for r in Rank}
    text = ctx.t("rank.title", unit=unit.name, member=counts[Rank.member], chief=counts[Rank.chief],
                 head=counts[Rank.head], page=page + 1, pages=pages)
    buttons = [button(ctx, "=" + ctx.t("rank.btn", name=p.display_name[:20], rank=ctx.t(f"rank.{r.value}")),
                      "ss.rk", unit.id, p.id, page) for r, p in shown]
    keyboard = [[b] for b in buttons]
    nav = []
    if page > 0:
        nav.append(button(ctx, "rank.btn_prev", "ss.rp", unit.id, page - 1))
    if page < pages - 1:
        nav.append(button(ctx, "rank.btn_next", "ss.rp", unit.id, page + 1))
    if nav:
        keyboard.append(nav)
    return text, InlineKeyboardMarkup(keyboard)


def _unit_of(ctx: Ctx, cb: Callback) -> Unit:
    try:
        unit_id = cb.int_arg(0)
    except BadCallback:
        raise DomainError("errors.bad_callback") from None
    if ctx.unit is None or ctx.unit.id != unit_id:
        raise DomainError("errors.bad_callback")
    return ctx.unit


async def on_rank_cycle(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _unit_of(ctx, cb)
    m = await ctx.session.scalar(select(Membership).where(
        Membership.unit_id == unit.id, Membership.person_id == cb.int_arg(1), Membership.active))
    if m is None:
        raise DomainError("rank.not_member")
    order = sorted(Rank, key=RANK_ORDER.get)
    m.rank = order[(order.index(m.rank) + 1) % len(order)]
    text, markup = await _rank_page(ctx, unit, cb.int_arg(2) if len(cb.args) > 2 else 0)
    ctx.edit_text(text, markup=markup)


async def on_rank_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _unit_of(ctx, cb)
    text, markup = await _rank_page(ctx, unit, cb.int_arg(1) if len(cb.args) > 1 else 0)
    ctx.edit_text(text, markup=markup)


# -- /settings rows ---------------------------------------------------------------------------------

def _reminder_rows(name: str, short: str) -> tuple[Setting, ...]:
    section = f"ss_set.sec_{name}"

    def on(lang: str, unit: Unit) -> str:
        return t(lang, "ss_set.on" if reminder_config(unit, name)["on"] else "ss_set.off")

    def day(lang: str, unit: Unit) -> str:
        return t(lang, f"ss_set.day_{int(reminder_config(unit, name)['weekday'])}")

    def at(lang: str, unit: Unit) -> str:
        return reminder_config(unit, name)["at"]

    async def set_on(session, unit: Unit, value: str, now) -> None:  # noqa: ANN001
        await set_reminder(session, unit=unit, name=name, on=value == "1", now=now)

    async def set_day(session, unit: Unit, value: str, now) -> None:  # noqa: ANN001
        await set_reminder(session, unit=unit, name=name, weekday=int(value), now=now)

    async def set_at(session, unit: Unit, value: str, now) -> None:  # noqa: ANN001
        await set_reminder(session, unit=unit, name=name, at=parse_hhmm(ss.normalize(value)), now=now)

    return (
        Setting(f"r{short}.on", f"ss_set.{name}", section, on, set_on, toggle=True,
                choices=lambda lang, unit: [("1", t(lang, "ss_set.on")), ("0", t(lang, "ss_set.off"))],
                button=lambda lang, unit: ("✅ " if reminder_config(unit, name)["on"] else "⛔ ") + t(lang, f"ss_set.{name}")),
        Setting(f"r{short}.d", "ss_set.weekday", section, day, set_day,
                choices=lambda lang, unit: [(str(d), t(lang, f"ss_set.day_{d}")) for d in range(7)],
                button=day),
        Setting(f"r{short}.t", "ss_set.time", section, at, set_at, prompt="ss_set.ask_time", button=at),
    )


def _names_value(lang: str, unit: Unit) -> str:
    return t(lang, "ss_set.names_on" if ss.shows_names(unit) else "ss_set.names_off")


async def _set_names(session, unit: Unit, value: str, now) -> None:  # noqa: ANN001
    ss.set_shows_names(unit, on=value == "1", now=now)


def _target_row(who: str) -> Setting:
    async def apply(session, unit: Unit, value: str, now) -> None:  # noqa: ANN001
        ss.set_target_hours(unit, who=who, raw=value, now=now)

    return Setting(f"tg.{who}", f"ss_set.target_{who}", "ss_set.sec_targets",
                   lambda lang, unit: t(lang, "ss_set.hours", h=ss.target_hours(unit)[who]), apply,
                   prompt="ss_set.ask_hours")


SETTINGS = (
    *_reminder_rows("weekly", "w"),
    *_reminder_rows("midweek", "m"),
    *_reminder_rows("summary", "s"),
    Setting("ss.names", "ss_set.names", "ss_set.sec_summary_names", _names_value, _set_names, toggle=True,
            choices=lambda lang, unit: [("1", t(lang, "ss_set.names_on")), ("0", t(lang, "ss_set.names_off"))]),
    _target_row("member"),
    _target_row("leader"),
)


COMMANDS = (
    Command("study", cmd_study, private=True, group=True),
    Command("plan", cmd_plan, private=True, group=True),
    Command("readings", cmd_readings, private=True, group=True),
    Command("me", cmd_me, private=True, group=True),
    Command("away", cmd_away, private=True, group=True),
    Command("hours", cmd_hours, private=False, group=True, admin=True),
    Command("training", cmd_training, private=False, group=True, admin=True),
    Command("rank", cmd_rank, private=False, group=True, admin=True),
)
BUTTONS = {
    "ss.u": Button(on_undo),
    "ss.d": Button(on_item_done),
    "ss.r": Button(on_read),
    "ss.aw": Button(on_away_cancel),
    "ss.pw": Button(on_draft_week, admin=True),
    "ss.pa": Button(on_draft_add, admin=True),
    "ss.pm": Button(on_draft_minutes, admin=True),
    "ss.px": Button(on_draft_drop, admin=True),
    "ss.pp": Button(on_draft_publish, admin=True),
    "ss.pc": Button(on_draft_cancel, admin=True),
    "ss.pd": Button(on_push, admin=True),
    "ss.rk": Button(on_rank_cycle, admin=True),
    "ss.rp": Button(on_rank_page, admin=True),
}
PROMPTS = {"ss.min": answer_minutes, "ss.items": answer_items}
WORDS = (Word(STUDY_WORD, word_study, private=True, group=True),)
ME_SECTIONS = (me_hours, me_plan, me_readings, me_away)
ME_FIGURES = (me_figures,)
