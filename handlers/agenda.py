"""First agenda items (第一议题): /agenda (list, new, N), "已学习", attaching items to sessions, and
measures (/measures)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import mention
from handlers.common import in_group, number
from models import agenda as ag
from models.errors import DomainError
from models.outbox import enqueue
from models.sessions import StudySession
from models.units import Person, Unit, active_members, membership, person_units, subtree_ids
from views.agenda import (
    STUDY_DAYS, Ask, card_text, category_keyboard, category_text, closed_notices, day_text, item_label,
    measure_keyboard, measure_notice, open_item_keyboard, owners_keyboard, publish_keyboard, publish_notices,
    sessions_keyboard, source_lines, study_by_keyboard,
)

PICKER_MAX = 40


def _number(text: str, example: str) -> int:
    """An item's or measure's number; ids here stay within 9 digits (a longer one reads as a typo)."""
    n = number(text, error="agenda.bad_number", example=example)
    if n >= 10**9:
        raise DomainError("agenda.bad_number", given=text.strip()[:20], example=example)
    return n


def _ask(update: Update, ctx: Ctx, key: str, *, kind: Ask, payload: dict, **params: object) -> None:
    """Ask the caller a question to answer by replying (ForceReply, kept in `prompts` once sent)."""
    who = mention(ctx.person.tg_user_id, ctx.person.display_name)
    ctx.ask(key, kind=kind, payload=payload, chat_id=update.effective_chat.id, mention=who, **params)


# -- /agenda -------------------------------------------------------------------------------------------

@handler
@admin_only
async def cmd_agenda(update: Update, ctx: Ctx) -> None:
    """/agenda: open items; /agenda new [line]: register one; /agenda N: its state down the tree."""
    args = ctx.args or []
    if not args:
        await _list(ctx)
        return
    if args[0].lower() in ("new", "新建", "发布"):
        rest = update.effective_message.text.split(None, 2)
        line = rest[2] if len(rest) > 2 else ""
        if line.strip():
            await _one_line(ctx, line)
        else:
            item = await ag.new_item(ctx.session, unit=ctx.unit, by=ctx.person, now=ctx.now)
            await _next_step(update, ctx, item)
        return
    await _show(ctx, _number(args[0], "/agenda 3"))


async def _list(ctx: Ctx) -> None:
    unit = ctx.unit
    items = await ag.unit_items(ctx.session, unit_id=unit.id)
    if not items:
        ctx.reply("agenda.list_empty")
        return
    lines = [ctx.t("agenda.list_head", unit=unit.name)]
    members = {p.id for _, p in await active_members(ctx.session, unit_id=unit.id)}
    for item in items:
        done = len(members & await ag.studied_ids(ctx.session, item_id=item.id))
        lines.append(item_label(ctx.view, item, unit) + ctx.t("agenda.list_studied", done=done, total=len(members)))
    lines.append(ctx.t("agenda.list_hint"))
    ctx.reply_text("\n".join(lines))


async def _one_line(ctx: Ctx, line: str) -> None:
    spec = ag.parse_item_line(line, now=ctx.now, tz=ctx.unit.timezone)
    item = await ag.create_item(ctx.session, unit=ctx.unit, by=ctx.person, spec=spec, now=ctx.now)
    await _publish(ctx, item, spec.cascade)


async def _publish(ctx: Ctx, item: ag.AgendaItem, cascade: bool) -> None:
    units = await ag.publish(ctx.session, item=item, unit=ctx.unit, cascade=cascade, now=ctx.now)
    await publish_notices(ctx.session, ctx.state, item=item, publisher=ctx.unit, units=units, now=ctx.now)
    ctx.enqueued = True
    ctx.reply("agenda.published", id=item.id, title=item.title, n=len(units),
              units=ctx.t("sessions.name_sep").join(u.name for u in units[:10]))


async def _show(ctx: Ctx, item_id: int) -> None:
    item = await ag.visible_item(ctx.session, item_id=item_id, unit=ctx.unit)
    publisher = await ctx.session.get(Unit, item.unit_id)
    lines = [ctx.t("agenda.view_head", id=item.id, title=item.title, category=category_text(ctx.lang, item),
                   publisher=publisher.name, state=ctx.t(f"agenda.state.{item.state.value}"),
                   day=day_text(ctx.lang, item.study_by, ctx.unit.timezone)),
             *source_lines(ctx.lang, item), ""]
    for r in await ag.rollup(ctx.session, item=item, unit=ctx.unit, now=ctx.now):
        lines.append(ctx.t("agenda.rollup_unit", indent="　" * r.depth, unit=r.unit.name,
                           notified=ctx.t(f"agenda.notified.{r.notified}")))
        lines.append(ctx.t("agenda.rollup_line", indent="　" * r.depth, studied=r.studied, members=r.members,
                           rate=r.rate, sessions=r.sessions, fdone=r.followups_done, fups=r.followups,
                           mdone=r.measures_done, measures=r.measures, overdue=r.measures_overdue))
    for m, owner in await ag.unit_measures(ctx.session, item_id=item.id, unit_id=ctx.unit.id):
        lines.append(ctx.t("agenda.view_measure", id=m.id, text=m.text,
                           owner=mention(owner.tg_user_id, owner.display_name),
                           deadline=day_text(ctx.lang, m.deadline, ctx.unit.timezone),
                           state=ctx.t("agenda.measure_state_done") if m.state == ag.MeasureState.done
                           else ctx.t("agenda.late_mark") if m.deadline <= ctx.now else "",
                           progress=m.progress or ctx.t("agenda.no_progress")))
    ctx.reply_text("\n".join(lines), markup=open_item_keyboard(ctx.view, item))


# -- the guided dialogue -------------------------------------------------------------------------------

async def _next_step(update: Update, ctx: Ctx, item: ag.AgendaItem, *, edit: bool = False) -> None:
    """Ask for the first thing the draft still lacks; when complete, offer to publish."""
    missing = ag.draft_missing(item)
    if missing == "title":
        _ask(update, ctx, "agenda.ask_title", kind=Ask.item_title, payload={"item": item.id})
        return
    if missing == "source":
        _ask(update, ctx, "agenda.ask_source", kind=Ask.source, payload={"item": item.id}, title=item.title)
        return
    reply = ctx.edit if edit else ctx.reply
    if missing == "category":
        reply("agenda.ask_category", title=item.title, markup=category_keyboard(ctx.view, item))
        return
    if missing == "study_by":
        reply("agenda.ask_study_by", title=item.title, markup=study_by_keyboard(ctx.view, item))
        return
    has_below = len(await subtree_ids(ctx.session, unit_id=ctx.unit.id)) > 1
    text, markup = card_text(ctx.view, item, ctx.unit), publish_keyboard(ctx.view, item, has_below=has_below)
    if edit:
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup)


async def _admin_prompt(ctx: Ctx, payload: dict) -> ag.AgendaItem:
    if ctx.unit is None or not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    return await ag.draft_item(ctx.session, item_id=int(payload.get("item", 0)), unit=ctx.unit, person=ctx.person)


async def answer_title(update: Update, ctx: Ctx, payload: dict) -> None:
    item = await _admin_prompt(ctx, payload)
    item.title = ag.clean_title(update.effective_message.text or "")
    await _next_step(update, ctx, item)


async def answer_source(update: Update, ctx: Ctx, payload: dict) -> None:
    item = await _admin_prompt(ctx, payload)
    item.link, item.source_text = ag.parse_source(update.effective_message.text or "")
    await _next_step(update, ctx, item)


async def answer_study_by(update: Update, ctx: Ctx, payload: dict) -> None:
    item = await _admin_prompt(ctx, payload)
    day = ag.parse_day(update.effective_message.text or "", now=ctx.now, tz=ctx.unit.timezone, error="agenda.bad_date")
    item.study_by = ag.check_study_by(day, now=ctx.now, tz=ctx.unit.timezone)
    await _next_step(update, ctx, item)


async def _button_draft(ctx: Ctx, cb: Callback) -> ag.AgendaItem:
    return await ag.draft_item(ctx.session, item_id=cb.int_arg(0), unit=ctx.unit, person=ctx.person)


async def on_category(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await _button_draft(ctx, cb)
    try:
        item.category = ag.Category(cb.args[1])
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    await _next_step(update, ctx, item, edit=True)


async def on_study_days(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await _button_draft(ctx, cb)
    days = cb.int_arg(1)
    if days not in STUDY_DAYS:
        raise DomainError("errors.bad_callback")
    today = ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date()
    item.study_by = ag.end_of_day(today + timedelta(days=days), ctx.unit.timezone)
    await _next_step(update, ctx, item, edit=True)


async def on_study_day_typed(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await _button_draft(ctx, cb)
    _ask(update, ctx, "agenda.ask_date", kind=Ask.date, payload={"item": item.id}, title=item.title)


async def on_publish(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await _button_draft(ctx, cb)
    cascade = cb.int_arg(1) == 1
    await _publish(ctx, item, cascade)
    ctx.edit_text(ctx.t("agenda.card_published", id=item.id, title=item.title))


async def on_discard(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await _button_draft(ctx, cb)
    await ctx.session.delete(item)
    ctx.edit("agenda.discarded")


# -- 会前自学: "已学习" ----------------------------------------------------------------------------------------

async def on_studied(update: Update, ctx: Ctx, cb: Callback) -> None:
    """In the group it must be this group's unit; in private the caller must be its member."""
    unit = await ctx.session.get(Unit, cb.int_arg(1))
    if unit is None:
        raise DomainError("errors.bad_callback")
    if in_group(update):
        if ctx.unit is None or ctx.unit.id != unit.id:
            raise DomainError("errors.bad_callback")
    else:
        m = await membership(ctx.session, unit=unit, person=ctx.person)
        if m is None or not m.active:
            raise DomainError("errors.bad_callback")
    item = await ctx.session.get(ag.AgendaItem, cb.int_arg(0))
    if item is None:
        raise DomainError("errors.bad_callback")
    newly = await ag.mark_studied(ctx.session, item=item, unit=unit, person=ctx.person, now=ctx.now)
    ctx.answer = (ctx.t("agenda.studied" if newly else "agenda.studied_already", title=item.title), False)


# -- 会上领学: items on sessions ----------------------------------------------------------------------------

async def on_session_menu(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await ag.visible_item(ctx.session, item_id=cb.int_arg(0), unit=ctx.unit) if ctx.unit else None
    if item is None:
        raise DomainError("errors.bad_callback")
    found = await ag.upcoming_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    if not found:
        ctx.reply("agenda.no_sessions")
        return
    ctx.reply("agenda.pick_session", title=item.title, markup=sessions_keyboard(ctx.view, item, found,
                                                                                 ctx.unit.timezone))


async def on_attach(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    item = await ctx.session.get(ag.AgendaItem, cb.int_arg(1))
    if ses is None or item is None or ctx.unit is None or ses.unit_id != ctx.unit.id:
        raise DomainError("errors.bad_callback")
    newly = await ag.attach(ctx.session, item=item, ses=ses, unit=ctx.unit, now=ctx.now)
    ctx.reply("agenda.attached" if newly else "agenda.attached_already", id=item.id, title=item.title,
              session=ses.id, topic=ses.topic)


# -- 闭环落实: measures ---------------------------------------------------------------------------------

async def on_add_measure(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await ag.visible_item(ctx.session, item_id=cb.int_arg(0), unit=ctx.unit) if ctx.unit else None
    if item is None:
        raise DomainError("errors.bad_callback")
    _ask(update, ctx, "agenda.ask_measure", kind=Ask.measure, payload={"item": item.id}, title=item.title)


async def answer_measure(update: Update, ctx: Ctx, payload: dict) -> None:
    if ctx.unit is None or not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    await _draft_measure(ctx, int(payload.get("item", 0)), update.effective_message.text or "")


async def _draft_measure(ctx: Ctx, item_id: int, line: str) -> None:
    item = await ag.visible_item(ctx.session, item_id=item_id, unit=ctx.unit)
    text, deadline = ag.parse_measure_line(line, now=ctx.now, tz=ctx.unit.timezone)
    m = await ag.draft_measure(ctx.session, item=item, unit=ctx.unit, text=text, deadline=deadline, by=ctx.person,
                               now=ctx.now)
    people = [p for _, p in await active_members(ctx.session, unit_id=ctx.unit.id)][:PICKER_MAX]
    ctx.reply("agenda.pick_owner", id=m.id, text=m.text, deadline=day_text(ctx.lang, m.deadline, ctx.unit.timezone),
              markup=owners_keyboard(ctx.view, m, people))


async def on_owner(update: Update, ctx: Ctx, cb: Callback) -> None:
    if ctx.unit is None:
        raise DomainError("errors.bad_callback")
    m = await ag.unit_measure(ctx.session, measure_id=cb.int_arg(0), unit=ctx.unit)
    owner = await ag.set_owner(ctx.session, measure=m, unit=ctx.unit, owner_id=cb.int_arg(1), now=ctx.now)
    item = await ctx.session.get(ag.AgendaItem, m.item_id)
    await enqueue(ctx.session, items=[measure_notice(ctx.state, ctx.unit, m, owner, item, ctx.now)], now=ctx.now)
    ctx.enqueued = True
    ctx.edit("agenda.measure_added", id=m.id, text=m.text, owner=mention(owner.tg_user_id, owner.display_name),
             deadline=day_text(ctx.lang, m.deadline, ctx.unit.timezone), title=item.title)


@handler
async def cmd_measures(update: Update, ctx: Ctx) -> None:
    """/measures: my measures with buttons; /measures add N <内容> | <截止日期> (admins, in the group)."""
    args = ctx.args or []
    if args and args[0].lower() in ("add", "新增", "添加"):
        if not in_group(update) or ctx.unit is None:
            raise DomainError("errors.admin_in_group")
        if not await is_unit_admin(ctx, ctx.unit):
            raise DomainError("errors.not_admin")
        rest = update.effective_message.text.split(None, 3)
        if len(rest) < 4:
            raise DomainError("agenda.measure_add_usage")
        await _draft_measure(ctx, _number(rest[2], "/measures add 3 …"), rest[3])
        return
    mine = await ag.person_measures(ctx.session, person_id=ctx.person.id)
    # One's own measures go to the private chat when the bot can reach it, not to the whole group.
    to = ctx.person.tg_user_id if in_group(update) and ctx.person.private_ok else None
    if to is not None:
        ctx.reply("agenda.measures_sent")
    if not mine:
        ctx.reply("agenda.measures_none", chat_id=to)
        return
    units = {u.id: u for u, _ in await person_units(ctx.session, person=ctx.person)}
    tz = ctx.state.settings.timezone
    for m, item in mine[:10]:
        unit_tz = units[m.unit_id].timezone if m.unit_id in units else tz
        ctx.reply("agenda.measure_line", id=m.id, text=m.text, title=item.title,
                  deadline=day_text(ctx.lang, m.deadline, unit_tz),
                  late=ctx.t("agenda.late_mark") if m.deadline <= ctx.now else "",
                  progress=m.progress or ctx.t("agenda.no_progress"), chat_id=to,
                  markup=measure_keyboard(ctx.view, m.id))


async def on_progress(update: Update, ctx: Ctx, cb: Callback) -> None:
    m = await ctx.session.get(ag.AgendaMeasure, cb.int_arg(0))
    if m is None or m.owner_id != ctx.person.id:
        raise DomainError("agenda.measure_not_yours", id=cb.int_arg(0))
    _ask(update, ctx, "agenda.ask_progress", kind=Ask.progress, payload={"measure": m.id}, id=m.id, text=m.text)


async def answer_progress(update: Update, ctx: Ctx, payload: dict) -> None:
    m = await ag.record_progress(ctx.session, measure_id=int(payload.get("measure", 0)), person=ctx.person,
                                 text=update.effective_message.text or "", now=ctx.now)
    ctx.reply("agenda.progress_saved", id=m.id, text=m.text)


async def on_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    m, closed = await ag.finish_measure(ctx.session, measure_id=cb.int_arg(0), person=ctx.person, now=ctx.now)
    if closed is not None:
        await closed_notices(ctx.session, ctx.state, item=closed, now=ctx.now)
        ctx.enqueued = True
    ctx.answer = (ctx.t("agenda.measure_done", id=m.id), False)
    ctx.reply("agenda.measure_done_text", id=m.id, text=m.text)


# -- /me and /settings -------------------------------------------------------------------------------

async def me_agenda(ctx: Ctx, person: Person) -> str | None:
    lines = []
    units = {unit.id: unit for unit, _ in await ctx.person_units(person)}
    unstudied = await ag.unstudied_items(ctx.session, unit_ids=list(units), person_id=person.id)
    order = {unit_id: i for i, unit_id in enumerate(units)}
    for unit_id, item in sorted(unstudied, key=lambda row: order[row[0]]):  # stable: newest first per unit
        lines.append(ctx.t("agenda.me_study", id=item.id, title=item.title,
                           day=day_text(ctx.lang, item.study_by, units[unit_id].timezone)))
    for f, item in await ag.open_followups(ctx.session, person_id=person.id):
        lines.append(ctx.t("agenda.me_followup", id=item.id, title=item.title))
    for m, item in await ag.person_measures(ctx.session, person_id=person.id):
        lines.append(ctx.t("agenda.me_measure", id=m.id, text=m.text, title=item.title))
    if not lines:
        return None
    return "\n".join([ctx.t("agenda.me_head"), *dict.fromkeys(lines)])
