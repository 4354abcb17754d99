"""督学, for admins over their unit and everything below it: /report (figures, a chart, the XLSX and
the bulletin on request), /export (the 学习档案 XLSX, the half-yearly check sheet), /tasks (the
month's required actions) and /rectify (the rectification ledger). Texts: views/supervise.py; what
the feature plugs in: bot/features/supervise.py."""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update

from bot.admins import admin_only
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import pick_lang
from bot.reports import xlsx
from bot.reports.render import bulletin_file, render_chart, span
from models import figures as fg
from models import supervise as tk
from models.errors import DomainError
from models.outbox import OutboxIn, enqueue
from models.units import Unit, subtree_ids
from views import supervise as v
from views.base import Renderer
from views.sessions import ordered_makeup_notices

CHECK_WORDS = ("check", "检查", "半年检查")


def _today(unit: Unit, ctx: Ctx) -> date:
    return ctx.now.astimezone(ZoneInfo(unit.timezone)).date()


async def _parse(ctx: Ctx, default: fg.PeriodKind) -> tuple[fg.Period, Unit]:
    """`[period] [unit]`: the period first when it is one, the rest names a unit in the caller's tree."""
    args = list(ctx.args or [])
    today = _today(ctx.unit, ctx)
    period = fg.period_of(default, today)
    if args and args[0].lower() in fg.LAST_WORDS and len(args) > 1:
        args = [args[0] + args[1], *args[2:]]
    if args:
        try:
            period = fg.parse_period(args[0], today=today)
            args = args[1:]
        except DomainError:
            if len(args) == 1 and not await _is_unit_name(ctx, args[0]):
                raise
    unit = await fg.unit_in_tree(ctx.session, root=ctx.unit, raw=" ".join(args))
    return period, unit


async def _is_unit_name(ctx: Ctx, text: str) -> bool:
    try:
        await fg.unit_in_tree(ctx.session, root=ctx.unit, raw=text)
    except DomainError:
        return False
    return True


async def _report(ctx: Ctx, unit: Unit, period: fg.Period) -> fg.Report:
    rep = await fg.report(ctx.session, root=unit, period=period, now=ctx.now)
    if rep.empty:
        raise DomainError("report.no_data", unit=unit.name, period=span(ctx.lang, period))
    return rep


@handler
@admin_only
async def cmd_report(update: Update, ctx: Ctx) -> None:
    """/report [week|month|quarter|year] [unit]: the figures, a chart, and buttons for the files."""
    period, unit = await _parse(ctx, fg.PeriodKind.month)
    rep = await _report(ctx, unit, period)
    ctx.reply_text(v.summary(ctx.view, rep), markup=v.report_buttons(ctx.view, unit, period))
    ctx.reply_photo(await render_chart(ctx.session, ctx.lang, rep), "report.chart_caption", unit=unit.name,
                    period=span(ctx.lang, period))


async def _button_target(ctx: Ctx, cb: Callback) -> tuple[Unit, fg.Period]:
    """The unit and period a report button names: the unit must be this chat's unit or below it."""
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    unit_id = cb.int_arg(0)
    try:
        kind, start = fg.PeriodKind(cb.args[1]), date.fromordinal(cb.int_arg(2))
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    if unit_id not in await subtree_ids(ctx.session, unit_id=ctx.unit.id):
        raise DomainError("errors.bad_callback")
    return await ctx.session.get(Unit, unit_id), fg.period_of(kind, start)


async def on_xlsx(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit, period = await _button_target(ctx, cb)
    rep = await _report(ctx, unit, period)
    data = await asyncio.to_thread(xlsx.workbook, ctx.lang, rep)
    ctx.answer = (ctx.t("report.sending"), False)
    ctx.reply_document(v.file_name(ctx.view, "report.xlsx_name", unit, period), data, "report.xlsx_caption",
                       unit=unit.name, period=span(ctx.lang, period))


async def on_docx(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit, period = await _button_target(ctx, cb)
    name, data, b = await bulletin_file(ctx.session, ctx.lang, unit, period, ctx.now)
    if b.ordered:  # a finished quarter's bulletin ordered 补学: tell each member
        await enqueue(ctx.session, items=await ordered_makeup_notices(ctx.session, ctx.state, b.ordered, at=ctx.now),
                      now=ctx.now)
        ctx.enqueued = True
    ctx.answer = (ctx.t("report.sending"), False)
    ctx.reply_document(name, data, "bulletin.caption", unit=unit.name, period=span(ctx.lang, period),
                       makeups=len(b.makeups))


@handler
@admin_only
async def cmd_export(update: Update, ctx: Ctx) -> None:
    """/export [period] [unit]: the 学习档案 as XLSX, a sheet per topic (default: this year);
    /export check [上半年|下半年] [unit]: the half-yearly check sheet."""
    if ctx.args and ctx.args[0].lower() in CHECK_WORDS:
        ctx.args = ctx.args[1:]
        await _check(ctx)
        return
    period, unit = await _parse(ctx, fg.PeriodKind.year)
    arch = await fg.archive(ctx.session, root=unit, period=period, now=ctx.now)
    if arch.report.empty:
        raise DomainError("report.no_data", unit=unit.name, period=span(ctx.lang, period))
    data = await asyncio.to_thread(xlsx.workbook, ctx.lang, arch.report, arch)
    ctx.reply_document(v.file_name(ctx.view, "export.name", unit, period), data, "export.caption",
                       unit=unit.name, period=span(ctx.lang, period), members=arch.report.total.members,
                       sessions=arch.report.total.sessions)


async def _check(ctx: Ctx) -> None:
    period, unit = await _parse(ctx, fg.PeriodKind.half)
    if period.kind != fg.PeriodKind.half:
        raise DomainError("check.bad_period")
    rep, rows_ = await fg.check_sheet(ctx.session, root=unit, period=period, now=ctx.now)
    if rep.empty and not any(r.tasks for r in rows_):
        raise DomainError("report.no_data", unit=unit.name, period=span(ctx.lang, period))
    data = await asyncio.to_thread(xlsx.check_workbook, ctx.lang, rep, rows_)
    ctx.reply_document(v.file_name(ctx.view, "check.name", unit, period), data, "check.caption", unit=unit.name,
                       period=span(ctx.lang, period), units=len(rows_))


# -- /tasks: the month's required actions ------------------------------------------------------------

async def _tasks_view(ctx: Ctx, month: date) -> None:
    unit = ctx.unit
    parts: list[str] = []
    buttons = []
    for tl, issuer in await tk.lists_for(ctx.session, unit=unit, month=month):
        items = await tk.list_items(ctx.session, list_id=tl.id)
        done = await tk.done_map(ctx.session, item_ids=[i.id for i in items])
        parts.append(v.received(ctx.view, issuer, unit, month, items, done, _today(unit, ctx)))
        buttons += v.done_buttons(ctx.view, unit, items, done)
    own = await tk.own_list(ctx.session, unit=unit, month=month)
    if own is not None:
        items = await tk.list_items(ctx.session, list_id=own.id)
        done = await tk.done_map(ctx.session, item_ids=[i.id for i in items])
        parts.append(v.issued(ctx.view, month, items, done, await tk.units_below(ctx.session, unit=unit)))
    if not parts:
        raise DomainError("tasks.none", y=month.year, m=month.month)
    ctx.reply_text("\n\n".join(parts), markup=v.task_buttons(buttons))


@handler
@admin_only
async def cmd_tasks(update: Update, ctx: Ctx) -> None:
    """/tasks [月份]: this month's required actions · /tasks set [月份] + one action a line (committees) ·
    /tasks done N [备注 或 #活动编号] (units below)."""
    text = update.effective_message.text or ""
    first, *more = text.split("\n")
    words = first.split()[1:]
    today = _today(ctx.unit, ctx)
    if words and words[0].lower() in ("set", "new", "发布", "下达"):
        month = tk.parse_month(" ".join(words[1:]), today=today)
        await _issue(ctx, month, more)
    elif words and words[0].lower() in ("done", "完成"):
        if len(words) < 2 or not words[1].lstrip("#＃").isdigit():
            raise DomainError("tasks.done_usage")
        item = await tk.item_for_unit(ctx.session, item_id=int(words[1].lstrip("#＃")), unit=ctx.unit)
        await _done(ctx, item, " ".join(words[2:]))
    else:
        await _tasks_view(ctx, tk.parse_month(" ".join(words), today=today))


async def _issue(ctx: Ctx, month: date, lines: list[str]) -> None:
    below = await tk.units_below(ctx.session, unit=ctx.unit)
    if not below:
        raise DomainError("tasks.no_units_below", unit=ctx.unit.name)
    items = tk.parse_items(lines, month=month)
    tl, new, _ = await tk.issue_list(ctx.session, unit=ctx.unit, month=month, items=items, by=ctx.person, now=ctx.now)
    notices = []
    for u in below:
        r = Renderer(pick_lang(None, u.locale, ctx.state.settings.locale), ctx.state.codec)
        notices.append(OutboxIn(dedupe_key=f"tasks:new:{new[0].id}:{u.id}", chat_id=u.chat_id, unit_id=u.id,
                                kind="tasks", due_at=ctx.now, text=v.tasks_notice(r, ctx.unit, month, new)))
    await enqueue(ctx.session, items=notices, now=ctx.now)
    ctx.enqueued = True
    ctx.reply("tasks.issued_ok", n=len(new), y=month.year, m=month.month, units=len(below))


async def _done(ctx: Ctx, item: tk.TaskItem, note: str) -> None:
    _, new = await tk.report_done(ctx.session, item=item, unit=ctx.unit, by=ctx.person, note=note, now=ctx.now)
    ctx.reply("tasks.done" if new else "tasks.done_again", n=item.position, title=item.title)


async def on_task_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    item = await tk.item_for_unit(ctx.session, item_id=cb.int_arg(0), unit=ctx.unit)
    _, new = await tk.report_done(ctx.session, item=item, unit=ctx.unit, by=ctx.person, note="", now=ctx.now)
    ctx.answer = (ctx.t("tasks.done_short" if new else "tasks.done_again_short", n=item.position), False)
    ctx.reply("tasks.done" if new else "tasks.done_again", n=item.position, title=item.title)


# -- /rectify: the rectification ledger (整改台账) ------------------------------------------------------

@handler
@admin_only
async def cmd_rectify(update: Update, ctx: Ctx) -> None:
    """/rectify: the ledger · /rectify add 问题 | 牵头领导 | 责任单位 | 期限 | 措施 ·
    /rectify N 进展 · /rectify close N [说明] (销号)."""
    text = (update.effective_message.text or "").split(maxsplit=1)
    rest = text[1].strip() if len(text) > 1 else ""
    head, _, tail = rest.partition(" ")
    today = _today(ctx.unit, ctx)
    if not rest:
        lines = await tk.ledger(ctx.session, unit=ctx.unit)
        if not lines:
            raise DomainError("rectify.empty")
        ctx.reply_text(v.ledger_text(ctx.view, ctx.unit, lines, today))
    elif head.lower() in ("add", "新增", "登记"):
        item = tk.parse_rect(tail, today=today)
        responsible = await fg.unit_in_tree(ctx.session, root=ctx.unit, raw=item.unit)
        rect = await tk.add_rect(ctx.session, owner=ctx.unit, item=item, responsible=responsible, by=ctx.person,
                                 now=ctx.now)
        ctx.reply("rectify.added", id=rect.id, problem=rect.problem, unit=responsible.name, due=rect.due_on.isoformat())
    elif head.lower() in ("close", "销号"):
        number, _, note = tail.partition(" ")
        rect = await tk.rect_in_reach(ctx.session, rect_id=_rect_number(number), unit=ctx.unit)
        await tk.close_rect(ctx.session, rect=rect, unit=ctx.unit, note=note, now=ctx.now)
        ctx.reply("rectify.closed_ok", id=rect.id, problem=rect.problem)
    else:
        rect = await tk.rect_in_reach(ctx.session, rect_id=_rect_number(head), unit=ctx.unit)
        await tk.add_progress(ctx.session, rect=rect, by=ctx.person, text=tail, now=ctx.now)
        ctx.reply("rectify.progress_ok", id=rect.id, problem=rect.problem)


def _rect_number(raw: str) -> int:
    number = raw.lstrip("#＃")
    if not number.isdigit() or len(number) > 12:
        raise DomainError("rectify.usage")
    return int(number)
