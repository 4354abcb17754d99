"""Youth study groups (促学): /youth, /youthflag, /rotation, /swap, /record, /quiz, /evaluate, and the
answers to contest polls."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Document, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler, person_in
from bot.i18n import Raw, mention, pick_lang, t
from bot.keyboards import button, columns, rows, url_button
from handlers.base import Button, Command
from views.sessions import day_text, kind_text
from models.errors import DomainError
from models.prompts import open_prompt
from models.outbox import OutboxIn, enqueue
from models.sessions import StudySession
from models.units import Person, Unit, UnitKind, active_members, is_db_admin, person_units, upsert_person
from models.youth import (
    FILE_MAX_BYTES, START_DELAY, ActivityRecord, AnswerOutcome, Evaluation, Grade, Period, PeriodKind, QuizFileError,
    Rotation, Swap, SwapState, active_ids, activity_for_reply, activity_to_record, add_questions, add_record,
    age_limit, answer_consent, append_to_draft,
    bank_questions, banks_of, choose_bank, compute_figures, confirm_swap, consent_of, current_bank, current_leader,
    current_period, delete_question, discard_draft, draft_done, draft_edit, evaluation_of, find_bank,
    group_for_committee, group_period, groups_below, is_youth, live_contest, live_draft, local_today,
    mark_excellent, member_by_username, next_turn, open_draft, own_draft, parse_flag_args, parse_quiz_file,
    parse_quiz_line, parse_rotation_args, parse_start_args, propose_swap, quiz_record, rate, record_answer,
    record_period, records_of, refuse_swap, require_group, rotation_for_edit, rotation_of, set_age_limit, set_announce_time,
    set_order, set_period, set_youth, start_contest, stop_contest, stop_rotation, submit_draft_checked, unit_period,
    upcoming, youth_of,
)

PICKER_PAGE = 16
PICKER_MAX = 30
EXCERPT = 300
CASE_RECORD_MAX = 600
CASE_PHOTOS_MAX = 10


# ----------------------------------------------------------------------------------------- helpers


def _group(update: Update, ctx: Ctx) -> Unit:
    """The unit of the group this command came from."""
    if update.effective_chat.type == ChatType.PRIVATE:
        raise DomainError("youth.group_only")
    if ctx.unit is None:
        raise DomainError("errors.group_not_bound_member")
    return ctx.unit


def _rest(msg: Message) -> str:
    """The text after the command word."""
    parts = (msg.text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _mention_entities(msg: Message) -> list[tuple[MessageEntity, str]]:
    found = msg.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    return sorted(found.items(), key=lambda kv: kv[0].offset)


def _without_mentions(msg: Message, text: str) -> str:
    for _, span in _mention_entities(msg):
        text = text.replace(span, " ", 1)
    return text


async def _targets(ctx: Ctx, msg: Message, unit: Unit) -> list[Person]:
    """Members named by @mentions (or picked from the mention list), else the author of the replied message."""
    active = await active_ids(ctx.session, unit.id)
    found: list[Person] = []
    for entity, span in _mention_entities(msg):
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            person = await upsert_person(ctx.session, who=person_in(entity.user), now=ctx.now)
        else:
            person = await member_by_username(ctx.session, unit_id=unit.id, username=span.lstrip("@"))
        if person is None or person.id not in active:
            raise DomainError("youth.unknown_member", name=span[:40])
        if person not in found:
            found.append(person)
    replied = msg.reply_to_message
    if not found and replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        person = await upsert_person(ctx.session, who=person_in(replied.from_user), now=ctx.now)
        if person.id not in active:
            raise DomainError("youth.unknown_member", name=person.display_name)
        found.append(person)
    return found


async def _admin_or_leader(ctx: Ctx, unit: Unit) -> bool:
    return await current_leader(ctx.session, unit, ctx.now) == ctx.person.id or await is_unit_admin(ctx, unit)


def _own_unit(ctx: Ctx, cb: Callback) -> Unit:
    """The unit a button names, which must be this chat's unit."""
    if ctx.unit is None or ctx.unit.id != cb.int_arg(0):
        raise DomainError("errors.bad_callback")
    return ctx.unit


async def _names(ctx: Ctx, ids: list[int]) -> dict[int, str]:
    people = [await ctx.session.get(Person, pid) for pid in ids]
    return {p.id: p.display_name for p in people if p is not None}


def _name_of(names: dict[int, str], pid: int | None, ctx: Ctx) -> str:
    return names.get(pid, ctx.t("youth.nobody")) if pid is not None else ctx.t("youth.nobody")


def _figure_lines(lang: str, figures: list[dict]) -> list[str]:
    return [t(lang, f"youth.fig_{f['key']}", **f["params"]) for f in figures]


# ----------------------------------------------------------------------------------------- /youth


@handler
async def cmd_youth(update: Update, ctx: Ctx) -> None:
    """/youth: the group's youth members, rotation and this period (in private: your own record)."""
    if update.effective_chat.type == ChatType.PRIVATE:
        await _my_record(ctx)
        return
    unit = _group(update, ctx)
    members = await active_members(ctx.session, unit_id=unit.id)
    info = await youth_of(ctx.session, [p.id for _, p in members])
    year, limit = local_today(ctx.now, unit.timezone).year, age_limit(unit)
    youth = [p.display_name for _, p in members if is_youth(info.get(p.id), year=year, limit=limit)]
    lines = [ctx.t("youth.overview_title", unit=unit.name, members=len(members), youth=len(youth), limit=limit)]
    if youth:
        lines.append(ctx.t("youth.overview_youth", names="、".join(youth[:30])))
    if unit.kind != UnitKind.promote:
        lines += ["", ctx.t("youth.overview_not_group")]
        ctx.reply_text("\n".join(lines))
        return
    rot = await rotation_of(ctx.session, unit.id)
    period = current_period(unit, rot, ctx.now)
    lines.append("")
    if rot is not None and rot.order:
        active = await active_ids(ctx.session, unit.id)
        turns = upcoming(rot, unit, ctx.now, active, 3)
        names = await _names(ctx, [*rot.order, *(pid for _, pid in turns if pid)])
        lines.append(ctx.t("youth.overview_rotation", kind=ctx.t(f"youth.kind_{rot.period.value}"), at=rot.at))
        lines.append(ctx.t("youth.overview_now", period=period.label, leader=_name_of(names, turns[0][1], ctx)))
        lines += [ctx.t("youth.overview_next", period=p.label, leader=_name_of(names, pid, ctx)) for p, pid in turns[1:]]
        lines.append(ctx.t("youth.overview_order", order=" → ".join(names.get(pid, "?") for pid in rot.order)))
    else:
        lines.append(ctx.t("youth.overview_no_rotation"))
    figures = await compute_figures(ctx.session, unit=unit, period=period)
    lines += ["", ctx.t("youth.overview_period", period=period.label)]
    lines += _figure_lines(ctx.lang, [{"key": f.key, "params": f.params} for f in figures])
    lines += ["", ctx.t("youth.overview_help")]
    ctx.reply_text("\n".join(lines))


async def _my_record(ctx: Ctx) -> None:
    person = ctx.person
    lines = [ctx.t("youth.mine_title", name=person.display_name)]
    for unit, _ in await person_units(ctx.session, person=person):
        if unit.kind != UnitKind.promote:
            continue
        rot = await rotation_of(ctx.session, unit.id)
        if rot is None or not rot.order:
            continue
        cur = current_period(unit, rot, ctx.now)
        turn = next_turn(rot, person.id, cur.index, await active_ids(ctx.session, unit.id))
        if turn is not None:
            key = "youth.mine_turn_now" if turn.start == cur.start else "youth.mine_turn_next"
            lines.append(ctx.t(key, unit=unit.name, period=turn.label))
    record = await quiz_record(ctx.session, person=person)
    if record.contests:
        lines.append(ctx.t("youth.mine_quiz", contests=record.contests, correct=record.correct,
                           answered=record.answered, best=record.best_rank))
    if len(lines) == 1:
        lines.append(ctx.t("youth.mine_nothing"))
    ctx.reply_text("\n".join(lines))


# ------------------------------------------------------------------------------------- /youthflag


def _status(ctx: Ctx, info, year: int, limit: int) -> str:  # noqa: ANN001 - YouthPerson | None
    if info is None or (info.flag is None and info.birth_year is None):
        return ctx.t("youth.status_unknown")
    if info.flag is not None:
        return ctx.t("youth.status_flag_yes" if info.flag else "youth.status_flag_no")
    key = "youth.status_year_yes" if is_youth(info, year=year, limit=limit) else "youth.status_year_no"
    return ctx.t(key, year=info.birth_year)


async def _flag_picker(ctx: Ctx, unit: Unit, page: int):  # noqa: ANN202 - (text, markup)
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id)]
    info = await youth_of(ctx.session, [p.id for p in members])
    year, limit = local_today(ctx.now, unit.timezone).year, age_limit(unit)
    pages = max(1, -(-len(members) // PICKER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = members[page * PICKER_PAGE:(page + 1) * PICKER_PAGE]
    buttons = [
        button(ctx, ("=🌱 " if is_youth(info.get(p.id), year=year, limit=limit) else "=▫️ ") + p.display_name[:30],
               "yf.t", unit.id, p.id, page)
        for p in shown
    ]
    markup = columns(buttons, 2)
    nav = []
    if page > 0:
        nav.append(button(ctx, "youth.btn_prev", "yf.p", unit.id, page - 1))
    if page < pages - 1:
        nav.append(button(ctx, "youth.btn_next", "yf.p", unit.id, page + 1))
    if nav:
        markup = rows(*markup.inline_keyboard, nav)
    youth = sum(is_youth(info.get(p.id), year=year, limit=limit) for p in members)
    text = ctx.t("youth.picker", unit=unit.name, youth=youth, members=len(members), limit=limit,
                 page=page + 1, pages=pages)
    return text, markup


@handler
@admin_only
async def cmd_youthflag(update: Update, ctx: Ctx) -> None:
    """/youthflag — a picker; `/youthflag 是|否|自动|1996` replying to a member or with @mentions;
    `/youthflag 上限 40` sets the age limit."""
    unit, msg = ctx.unit, update.effective_message
    targets = await _targets(ctx, msg, unit)
    args = parse_flag_args(_without_mentions(msg, _rest(msg)))
    if args is None and not targets:
        text, markup = await _flag_picker(ctx, unit, 0)
        ctx.reply_text(text, markup=markup)
        return
    if args is not None and args.limit is not None:
        if targets:
            raise DomainError("youth.bad_flag", given=_rest(msg)[:40])
        await set_age_limit(ctx.session, unit=unit, limit=args.limit, now=ctx.now)
        ctx.reply("youth.limit_set", limit=args.limit)
        return
    if not targets:
        raise DomainError("youth.flag_who")
    year, limit = local_today(ctx.now, unit.timezone).year, age_limit(unit)
    lines = []
    for person in targets:
        info = (await youth_of(ctx.session, [person.id])).get(person.id)
        if args is not None:
            info = await set_youth(ctx.session, person=person, by=ctx.person, now=ctx.now, flag=args.flag,
                                   birth_year=args.birth_year)
        lines.append(ctx.t("youth.flag_line", name=person.display_name, status=_status(ctx, info, year, limit)))
    ctx.reply_text("\n".join([ctx.t("youth.flag_done" if args else "youth.flag_shown"), *lines]))


async def on_flag_toggle(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    person = await ctx.session.get(Person, cb.int_arg(1))
    if person is None or person.id not in await active_ids(ctx.session, unit.id):
        raise DomainError("errors.bad_callback")
    info = (await youth_of(ctx.session, [person.id])).get(person.id)
    now_youth = is_youth(info, year=local_today(ctx.now, unit.timezone).year, limit=age_limit(unit))
    await set_youth(ctx.session, person=person, by=ctx.person, now=ctx.now, flag=not now_youth)
    text, markup = await _flag_picker(ctx, unit, cb.int_arg(2))
    ctx.edit_text(text, markup=markup)
    ctx.answer = (ctx.t("youth.toggled_yes" if not now_youth else "youth.toggled_no", name=person.display_name), False)


async def on_flag_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    text, markup = await _flag_picker(ctx, unit, cb.int_arg(1))
    ctx.edit_text(text, markup=markup)


# -------------------------------------------------------------------------------------- /rotation


async def _rotation_summary(ctx: Ctx, unit: Unit, rot: Rotation) -> str:
    if not rot.order:
        return ctx.t("rotation.summary_empty", kind=ctx.t(f"youth.kind_{rot.period.value}"), at=rot.at)
    active = await active_ids(ctx.session, unit.id)
    turns = upcoming(rot, unit, ctx.now, active, 2)
    names = await _names(ctx, [*rot.order, *(pid for _, pid in turns if pid)])
    return ctx.t(
        "rotation.summary", kind=ctx.t(f"youth.kind_{rot.period.value}"), at=rot.at,
        order=" → ".join(names.get(pid, "?") for pid in rot.order),
        period=turns[0][0].label, leader=_name_of(names, turns[0][1], ctx),
        next_period=turns[1][0].label, next_leader=_name_of(names, turns[1][1], ctx),
    )


async def _rotation_picker(ctx: Ctx, unit: Unit, rot: Rotation):  # noqa: ANN202 - (text, markup)
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id)]
    chosen = list(rot.draft or [])
    names = {p.id: p.display_name for p in members}
    left = [p for p in members if p.id not in chosen]
    picks = [button(ctx, "=" + p.display_name[:30], "yr.a", unit.id, p.id) for p in left[:PICKER_MAX]]
    kinds = [button(ctx, ("=✓ " if k == rot.period else "=") + ctx.t(f"youth.kind_{k.value}"), "yr.k", unit.id, k.value)
             for k in PeriodKind]
    controls = [button(ctx, "rotation.btn_undo", "yr.u", unit.id), button(ctx, "rotation.btn_clear", "yr.c", unit.id),
                button(ctx, "rotation.btn_done", "yr.d", unit.id)]
    markup = rows(*columns(picks, 2).inline_keyboard, controls, kinds)
    order = "\n".join(f"{i}. {names.get(pid, '?')}" for i, pid in enumerate(chosen, 1)) or ctx.t("rotation.none_chosen")
    text = ctx.t("rotation.picker", unit=unit.name, kind=ctx.t(f"youth.kind_{rot.period.value}"), at=rot.at,
                 order=order)
    if len(left) > PICKER_MAX:
        text += "\n" + ctx.t("rotation.picker_more", shown=PICKER_MAX)
    return text, markup


@handler
@admin_only
async def cmd_rotation(update: Update, ctx: Ctx) -> None:
    """/rotation — pick the order with buttons; `/rotation @甲 @乙 @丙`, `/rotation 每周|每两周|每月|每季度`,
    `/rotation 08:30` (when turns are announced), `/rotation 停止`."""
    unit, msg = ctx.unit, update.effective_message
    require_group(unit)
    people = await _targets(ctx, msg, unit) if _mention_entities(msg) else []
    args = parse_rotation_args(_without_mentions(msg, _rest(msg)))
    if args is not None and args.stop:
        if people:
            raise DomainError("rotation.bad_arg", given=_rest(msg)[:32])
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
        text, markup = await _rotation_picker(ctx, unit, rot)
        ctx.reply_text(text, markup=markup)
        return
    ctx.reply_text(await _rotation_summary(ctx, unit, rot))


async def _picker_step(ctx: Ctx, cb: Callback, **change: object) -> None:
    unit = _own_unit(ctx, cb)
    rot = await draft_edit(ctx.session, unit=unit, now=ctx.now, **change)
    text, markup = await _rotation_picker(ctx, unit, rot)
    ctx.edit_text(text, markup=markup)


async def on_rotation_add(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, add=cb.int_arg(1))


async def on_rotation_undo(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, undo=True)


async def on_rotation_clear(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _picker_step(ctx, cb, clear=True)


async def on_rotation_kind(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    try:
        kind = PeriodKind(cb.args[1])
    except (ValueError, IndexError):
        raise DomainError("errors.bad_callback") from None
    await set_period(ctx.session, unit=unit, kind=kind, now=ctx.now)
    await _picker_step(ctx, cb)


async def on_rotation_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    rot, _ = await draft_done(ctx.session, unit=unit, now=ctx.now)
    ctx.edit_text(await _rotation_summary(ctx, unit, rot))


# ------------------------------------------------------------------------------------------ /swap


def _swap_buttons(ctx: Ctx, swap: Swap):  # noqa: ANN202
    return rows([button(ctx, "swap.btn_yes", "ys.ok", swap.unit_id, swap.id),
                 button(ctx, "swap.btn_no", "ys.no", swap.unit_id, swap.id)])


@handler
async def cmd_swap(update: Update, ctx: Ctx) -> None:
    """/swap replying to a member's message, or `/swap @成员`, or /swap to pick: offer to swap your turn."""
    unit, msg = _group(update, ctx), update.effective_message
    require_group(unit)
    partners = await _targets(ctx, msg, unit)
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
    names = await _names(ctx, [pid for pid in rot.order if pid in active and pid != ctx.person.id])
    choices = []
    for pid, name in names.items():
        theirs = next_turn(rot, pid, cur.index, active, skip=mine.start)
        if theirs is not None:
            choices.append(button(ctx, f"={name[:24]} · {theirs.label}", "ys.p", unit.id, ctx.person.id, pid))
    if not choices:
        raise DomainError("swap.nobody")
    ctx.reply("swap.pick", markup=columns(choices, 1), period=mine.label)


async def _propose(ctx: Ctx, unit: Unit, partner: Person, *, edit: bool) -> None:
    swap = await propose_swap(ctx.session, unit=unit, proposer=ctx.person, partner=partner, now=ctx.now)
    rot = await rotation_of(ctx.session, unit.id)
    text = ctx.t("swap.proposed", proposer=mention(ctx.person.tg_user_id, ctx.person.display_name),
                 partner=mention(partner.tg_user_id, partner.display_name),
                 mine=unit_period(unit, rot, swap.proposer_period).label,
                 theirs=unit_period(unit, rot, swap.partner_period).label)
    text += "\n" + ctx.t("swap.status_none")
    if edit:
        ctx.edit_text(text, markup=_swap_buttons(ctx, swap))
    else:
        ctx.reply_text(text, markup=_swap_buttons(ctx, swap))


async def on_swap_pick(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
    if cb.int_arg(1) != ctx.person.id:
        raise DomainError("swap.not_your_picker")
    partner = await ctx.session.get(Person, cb.int_arg(2))
    if partner is None:
        raise DomainError("errors.bad_callback")
    await _propose(ctx, unit, partner, edit=True)


async def _swap_message(ctx: Ctx, unit: Unit, swap: Swap, status: str, *, buttons: bool) -> None:
    rot = await rotation_of(ctx.session, unit.id)
    people = {p.id: p for p in [await ctx.session.get(Person, swap.proposer_id), await ctx.session.get(Person, swap.partner_id)]}
    proposer, partner = people[swap.proposer_id], people[swap.partner_id]
    text = ctx.t("swap.proposed", proposer=proposer.display_name, partner=partner.display_name,
                 mine=unit_period(unit, rot, swap.proposer_period).label if rot else swap.proposer_period.isoformat(),
                 theirs=unit_period(unit, rot, swap.partner_period).label if rot else swap.partner_period.isoformat())
    ctx.edit_text(text + "\n" + status, markup=_swap_buttons(ctx, swap) if buttons else None)


async def on_swap_yes(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = _own_unit(ctx, cb)
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
    unit = _own_unit(ctx, cb)
    swap = await refuse_swap(ctx.session, unit=unit, swap_id=cb.int_arg(1), person=ctx.person, now=ctx.now)
    await _swap_message(ctx, unit, swap, ctx.t("swap.status_refused", name=ctx.person.display_name), buttons=False)


# ---------------------------------------------------------------------------------------- /record


def _largest_photo(msg: Message | None) -> str | None:
    if msg is None or not msg.photo:
        return None
    return max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0)).file_id


def _draft_buttons(ctx: Ctx, rec: ActivityRecord):  # noqa: ANN202
    return rows([button(ctx, "record.btn_done", "yrec.ok", rec.id), button(ctx, "record.btn_drop", "yrec.x", rec.id)])


async def _writable_units(ctx: Ctx) -> list[tuple[Unit, Period, StudySession | None, int]]:
    """Groups where this person may write a record now: each with the period it would belong to and,
    when one of the group's activities waits for its record from them, that activity (and how many
    more wait after it)."""
    found = []
    for unit, _ in await person_units(ctx.session, person=ctx.person):
        if unit.kind != UnitKind.promote:
            continue
        admin = await is_db_admin(ctx.session, unit=unit, person=ctx.person)
        pending = await activity_to_record(ctx.session, unit=unit, person=ctx.person, admin=admin, now=ctx.now)
        if pending is not None:
            found.append((unit, pending[1], pending[0], pending[2]))
            continue
        try:
            found.append((unit, await record_period(ctx.session, unit=unit, person=ctx.person, admin=admin,
                                                    now=ctx.now), None, 0))
        except DomainError:
            continue
    return found


def _activity(lang: str, ses: StudySession, unit: Unit) -> str:
    """An activity as records name it: 青年理论学习小组活动·读书会“…”（11月24日（周二））."""
    return t(lang, "record.activity", kind=kind_text(lang, ses), topic=ses.topic,
             day=day_text(lang, ses.starts_at, unit.timezone))


@handler
async def cmd_record(update: Update, ctx: Ctx) -> None:
    """/record: in private, write up your period's activity (text and photos, several messages);
    in the group, `/record 简要内容` (replying to a photo adds it). While one of the group's activities
    (a closed 青年理论学习小组活动) waits for its record, the record is that activity's."""
    msg = update.effective_message
    if update.effective_chat.type == ChatType.PRIVATE:
        await _record_private(ctx, msg)
        return
    unit = _group(update, ctx)
    require_group(unit)
    admin = await is_unit_admin(ctx, unit)
    pending = await activity_to_record(ctx.session, unit=unit, person=ctx.person, admin=admin, now=ctx.now)
    if pending is not None:
        ses, period, _ = pending
    else:
        ses, period = None, await record_period(ctx.session, unit=unit, person=ctx.person, admin=admin, now=ctx.now)
    text = _rest(msg)
    if not text:
        link = f"https://t.me/{ctx.state.bot_username}?start=hi"
        markup = rows([url_button(ctx, "record.btn_private", link)])
        if ses is not None:
            ctx.reply("record.how_activity", markup=markup, activity=_activity(ctx.lang, ses, unit))
        else:
            ctx.reply("record.how", markup=markup, period=period.label)
        return
    photo = _largest_photo(msg.reply_to_message)
    rec = await add_record(ctx.session, unit=unit, author=ctx.person, period=period, text=text,
                           photos=[photo] if photo else [], now=ctx.now, session_id=ses.id if ses else None)
    if ses is not None:
        ctx.reply("record.saved_activity", unit=unit.name, activity=_activity(ctx.lang, ses, unit),
                  length=len(rec.text), photos=len(rec.photos))
    else:
        ctx.reply("record.saved", unit=unit.name, period=period.label, length=len(rec.text), photos=len(rec.photos))


async def _record_private(ctx: Ctx, msg: Message) -> None:
    units = await _writable_units(ctx)
    if not units:
        raise DomainError("record.no_group")
    if len(units) > 1:
        ctx.reply("record.choose", markup=columns([button(ctx, "=" + u.name[:40], "yrec.u", u.id)
                                                   for u, *_ in units], 1))
        return
    await _open(ctx, *units[0], first=_rest(msg), edit=False)


async def _open(ctx: Ctx, unit: Unit, period: Period, ses: StudySession | None, more: int, *, first: str,
                edit: bool) -> None:
    rec = await open_draft(ctx.session, unit=unit, author=ctx.person, period=period, now=ctx.now,
                           session_id=ses.id if ses else None)
    if first:
        await append_to_draft(ctx.session, draft=rec, text=first, photo=None, now=ctx.now)
    started = bool(rec.text or rec.photos)
    if ses is not None:
        text = ctx.t("record.activity_resumed" if started else "record.activity_opened", unit=unit.name,
                     activity=_activity(ctx.lang, ses, unit), length=len(rec.text), photos=len(rec.photos))
        if more:
            text += "\n" + ctx.t("record.more_pending", n=more)
    else:
        text = ctx.t("record.draft_resumed" if started else "record.draft_opened", unit=unit.name,
                     period=period.label, length=len(rec.text), photos=len(rec.photos))
    if edit:
        ctx.edit_text(text, markup=_draft_buttons(ctx, rec))
    else:
        ctx.reply_text(text, markup=_draft_buttons(ctx, rec))


async def on_record_unit(update: Update, ctx: Ctx, cb: Callback) -> None:
    for unit, period, ses, more in await _writable_units(ctx):
        if unit.id == cb.int_arg(0):
            await _open(ctx, unit, period, ses, more, first="", edit=True)
            return
    raise DomainError("record.not_leader")


async def answer_record_ask(update: Update, ctx: Ctx, payload: dict) -> None:
    """A reply to the bot's request for an activity's record (privately, or in the group): the reply's
    text and photo start that activity's record; more may follow before “完成”."""
    msg = update.effective_message
    ses, unit, period = await activity_for_reply(ctx.session, session_id=int(payload.get("session_id") or 0),
                                                 person=ctx.person, admin=False, now=ctx.now)
    photo = _largest_photo(msg)
    text = msg.text or msg.caption or ""
    if not photo and not text.strip():
        raise DomainError("record.unsupported")
    rec = await open_draft(ctx.session, unit=unit, author=ctx.person, period=period, now=ctx.now, session_id=ses.id)
    await append_to_draft(ctx.session, draft=rec, text=text, photo=photo, now=ctx.now)
    ctx.reply("record.activity_part", markup=_draft_buttons(ctx, rec), activity=_activity(ctx.lang, ses, unit),
              length=len(rec.text), photos=len(rec.photos))


async def take_record_input(update: Update, ctx: Ctx) -> bool:
    """In private, while a draft record is open: each text or photo is added to it."""
    msg = update.effective_message
    if update.effective_chat.type != ChatType.PRIVATE:
        return False
    draft = await live_draft(ctx.session, author=ctx.person, now=ctx.now)
    if draft is None:
        return False
    photo = _largest_photo(msg)
    text = msg.text or msg.caption or ""
    if not photo and not text.strip():
        raise DomainError("record.unsupported")
    await append_to_draft(ctx.session, draft=draft, text=text, photo=photo, now=ctx.now)
    ctx.reply("record.part_saved", markup=_draft_buttons(ctx, draft), length=len(draft.text), photos=len(draft.photos))
    return True


async def on_record_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    rec = await own_draft(ctx.session, record_id=cb.int_arg(0), author=ctx.person)
    await submit_draft_checked(ctx.session, draft=rec, now=ctx.now)
    unit = await ctx.session.get(Unit, rec.unit_id)
    rot = await rotation_of(ctx.session, unit.id)
    label = unit_period(unit, rot, rec.period_start).label
    lang = pick_lang(None, unit.locale, ctx.state.settings.locale)
    excerpt = rec.text if len(rec.text) <= EXCERPT else rec.text[:EXCERPT] + "…"
    ses = await ctx.session.get(StudySession, rec.session_id) if rec.session_id else None
    if ses is not None:
        notice = t(lang, "record.group_notice_activity", author=ctx.person.display_name,
                   activity=_activity(lang, ses, unit), text=excerpt, photos=len(rec.photos))
    else:
        notice = t(lang, "record.group_notice", author=ctx.person.display_name, period=label, text=excerpt,
                   photos=len(rec.photos))
    await enqueue(ctx.session, items=[OutboxIn(
        dedupe_key=f"youth:record:{rec.id}", chat_id=unit.chat_id, unit_id=unit.id, kind="youth_record", due_at=ctx.now,
        text=notice,
    )], now=ctx.now)
    ctx.enqueued = True
    if ses is not None:
        ctx.edit("record.submitted_activity", unit=unit.name, activity=_activity(ctx.lang, ses, unit),
                 length=len(rec.text), photos=len(rec.photos))
    else:
        ctx.edit("record.submitted", unit=unit.name, period=label, length=len(rec.text), photos=len(rec.photos))


async def on_record_drop(update: Update, ctx: Ctx, cb: Callback) -> None:
    rec = await own_draft(ctx.session, record_id=cb.int_arg(0), author=ctx.person)
    await discard_draft(ctx.session, draft=rec)
    ctx.edit("record.dropped")


# ------------------------------------------------------------------------------------------ /quiz

SUBCOMMANDS = {
    "add": "add", "添加": "add", "加": "add",
    "import": "import", "导入": "import",
    "bank": "bank", "题库": "bank",
    "list": "list", "列表": "list", "查看": "list",
    "del": "del", "删除": "del",
    "start": "start", "开始": "start",
    "stop": "stop", "停止": "stop", "结束": "stop",
}


@handler
async def cmd_quiz(update: Update, ctx: Ctx) -> None:
    """/quiz [add|import|bank|list|del|start|stop …]: question banks and knowledge contests."""
    unit, msg = _group(update, ctx), update.effective_message
    head, _, rest = _rest(msg).partition(" ")
    rest = rest.strip()
    if not head:
        await _quiz_overview(ctx, unit)
        return
    action = SUBCOMMANDS.get(head.lower())
    if action is None:
        raise DomainError("quiz.bad_sub", given=head[:20])
    if action == "list":
        await _quiz_list(ctx, unit, rest or None)
        return
    if not await _admin_or_leader(ctx, unit):
        raise DomainError("quiz.not_allowed")
    if action == "add":
        await _quiz_add(ctx, unit, rest)
    elif action == "import":
        await _quiz_import(ctx, unit, msg, rest or None)
    elif action == "bank":
        if not rest:
            raise DomainError("quiz.bank_how")
        bank = await choose_bank(ctx.session, unit=unit, name=rest, by=ctx.person, now=ctx.now)
        count = len(await bank_questions(ctx.session, bank=bank))
        ctx.reply("quiz.bank_chosen", bank=bank.name, count=count)
    elif action == "del":
        if not (rest.isascii() and rest.isdigit()):
            raise DomainError("quiz.del_how")
        bank = await find_bank(ctx.session, unit=unit, name=None)
        question = await delete_question(ctx.session, bank=bank, number=int(rest))
        ctx.reply("quiz.deleted", n=int(rest), question=question.question[:60], bank=bank.name)
    elif action == "start":
        await _quiz_start(ctx, unit, rest)
    else:
        await stop_contest(ctx.session, unit=unit, now=ctx.now)
        ctx.reply("quiz.stopping")


async def _quiz_overview(ctx: Ctx, unit: Unit) -> None:
    banks = await banks_of(ctx.session, unit=unit)
    current = (unit.options or {}).get("youth", {}).get("bank")
    lines = [ctx.t("quiz.overview_title", unit=unit.name)]
    for bank, count, owner in banks:
        key = "quiz.overview_bank_current" if bank.id == current else "quiz.overview_bank"
        lines.append(ctx.t(key, bank=bank.name, count=count, owner=owner.name))
    if not banks:
        lines.append(ctx.t("quiz.overview_no_banks"))
    contest = await live_contest(ctx.session, unit_id=unit.id)
    if contest is not None:
        lines.append(ctx.t("quiz.overview_running", bank=contest.bank_name))
    lines += ["", ctx.t("quiz.overview_help")]
    ctx.reply_text("\n".join(lines))


async def _quiz_list(ctx: Ctx, unit: Unit, name: str | None) -> None:
    bank = await find_bank(ctx.session, unit=unit, name=name)
    questions = await bank_questions(ctx.session, bank=bank)
    lines = [ctx.t("quiz.list_title", bank=bank.name, count=len(questions))]
    for n, q in enumerate(questions[:40], 1):
        lines.append(ctx.t("quiz.list_line", n=n, question=q.question[:80], answer=q.options[q.correct][:40]))
    if len(questions) > 40:
        lines.append(ctx.t("quiz.list_more", more=len(questions) - 40))
    ctx.reply_text("\n".join(lines))


async def _quiz_add(ctx: Ctx, unit: Unit, line: str) -> None:
    if not line:
        raise DomainError("quiz.add_how")
    try:
        item = parse_quiz_line(line)
    except DomainError as err:
        raise DomainError("quiz.add_bad", problem=Raw(ctx.t(err.key, **err.params))) from None
    bank = await current_bank(ctx.session, unit=unit, by=ctx.person, now=ctx.now)
    total = await add_questions(ctx.session, bank=bank, items=[item], now=ctx.now)
    ctx.reply("quiz.added", bank=bank.name, total=total, question=item.question,
              answer=item.options[item.correct])


async def _quiz_import(ctx: Ctx, unit: Unit, msg: Message, name: str | None) -> None:
    replied = msg.reply_to_message
    if replied is not None and replied.document is not None:
        await _import_document(ctx, unit, replied.document, name)
        return
    ctx.ask("quiz.import_prompt", kind="quiz.import", payload={"unit_id": unit.id, "bank": name}, chat_id=unit.chat_id,
            reply_to=msg.message_id, mention=mention(ctx.person.tg_user_id, ctx.person.display_name))


async def answer_import(update: Update, ctx: Ctx, payload: dict) -> None:
    unit = ctx.unit
    if unit is None or unit.id != payload.get("unit_id") or not await _admin_or_leader(ctx, unit):
        raise DomainError("quiz.not_allowed")
    document = update.effective_message.document
    if document is None:
        raise DomainError("quiz.import_need_file")
    asked = update.effective_message.reply_to_message
    await _import_document(ctx, unit, document, payload.get("bank"), asked=(asked.chat_id, asked.message_id, payload))


async def _import_document(ctx: Ctx, unit: Unit, document: Document, name: str | None,
                           asked: tuple[int, int, dict] | None = None) -> None:
    """Load every question of a .txt/.csv file into a bank, or none if any line is bad. The file is
    downloaded once this update's transaction is closed, then imported in a transaction of its own.
    A file sent in answer to the question (`asked`) that cannot be loaded leaves the question open."""
    if (document.file_size or 0) > FILE_MAX_BYTES:
        raise DomainError("quiz.file_too_big", limit=FILE_MAX_BYTES // 1024)
    filename = (document.file_name or "").lower()
    if not (filename.endswith((".txt", ".csv")) or (document.mime_type or "").startswith("text/")):
        raise DomainError("quiz.file_type", name=document.file_name or "?")
    unit_id, file_id = unit.id, document.file_id

    async def download_then_import(ctx: Ctx) -> None:
        try:
            try:
                data = bytes(await (await ctx.bot.get_file(file_id)).download_as_bytearray())
            except TelegramError:
                raise DomainError("quiz.file_download") from None
            async with ctx.follow_up() as session:
                await _import_questions(ctx, await session.get(Unit, unit_id), data, name)
        except DomainError:
            if asked is not None:
                async with ctx.follow_up() as session:
                    await open_prompt(session, chat_id=asked[0], message_id=asked[1], person_id=ctx.person.id,
                                      kind="quiz.import", payload=asked[2], now=ctx.now)
            raise

    ctx.after_commit(download_then_import)


async def _import_questions(ctx: Ctx, unit: Unit, data: bytes, name: str | None) -> None:
    try:
        items = parse_quiz_file(data)
    except QuizFileError as err:
        lines = [ctx.t("quiz.file_line", n=n, problem=Raw(ctx.t(key, **params))) for n, key, params in err.problems[:8]]
        if len(err.problems) > 8:
            lines.append(ctx.t("quiz.file_more", more=len(err.problems) - 8))
        raise DomainError("quiz.file_bad", count=len(err.problems), lines=Raw("\n".join(lines))) from None
    if name:
        bank = await choose_bank(ctx.session, unit=unit, name=name, by=ctx.person, now=ctx.now)
    else:
        bank = await current_bank(ctx.session, unit=unit, by=ctx.person, now=ctx.now)
    total = await add_questions(ctx.session, bank=bank, items=items, now=ctx.now)
    ctx.reply("quiz.imported", count=len(items), bank=bank.name, total=total)


async def _quiz_start(ctx: Ctx, unit: Unit, text: str) -> None:
    args = parse_start_args(text)
    bank = await find_bank(ctx.session, unit=unit, name=args.bank)
    contest, rounds, first = await start_contest(ctx.session, unit=unit, bank=bank, by=ctx.person, count=args.count,
                                                 seconds=args.seconds, now=ctx.now)
    await enqueue(ctx.session, items=[first], now=ctx.now)
    ctx.enqueued = True
    ctx.reply("quiz.starting", bank=bank.name, count=len(rounds), seconds=contest.seconds,
              delay=int(START_DELAY.total_seconds()), quote=False)


@handler
async def on_poll_answer(update: Update, ctx: Ctx) -> None:
    """A vote on a contest's quiz poll; one that comes after the question closed does not count."""
    answer = update.poll_answer
    if ctx.person is None:
        return
    result = await record_answer(ctx.session, poll_id=answer.poll_id, person=ctx.person,
                                 option_ids=list(answer.option_ids), now=ctx.now)
    if result is not None and result.outcome == AnswerOutcome.late and ctx.person.private_ok:
        ctx.reply("quiz.late", chat_id=ctx.person.tg_user_id, seq=result.seq)


# -------------------------------------------------------------------------------------- /evaluate

GRADE_EMOJI = {Grade.excellent: "🏅", Grade.good: "👍", Grade.fair: "👌", Grade.poor: "⚠️"}


def _ymd(period: Period) -> int:
    return int(period.start.strftime("%Y%m%d"))


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
    names = await _names(ctx, [leader_id] if leader_id else [])
    lines = [ctx.t("evaluate.card_title", group=group.name, period=period.label),
             ctx.t("evaluate.card_leader", leader=_name_of(names, leader_id, ctx)), *_figure_lines(ctx.lang, figures)]
    records = await records_of(ctx.session, unit_id=group.id, period=period)
    authors = await _names(ctx, [r.author_id for r in records])
    for rec in records[:5]:
        excerpt = rec.text if len(rec.text) <= 80 else rec.text[:80] + "…"
        ses = await ctx.session.get(StudySession, rec.session_id) if rec.session_id else None
        if ses is not None:
            lines.append(ctx.t("evaluate.card_record_activity", activity=_activity(ctx.lang, ses, group),
                               author=authors.get(rec.author_id, "?"), text=excerpt, photos=len(rec.photos)))
        else:
            lines.append(ctx.t("evaluate.card_record", author=authors.get(rec.author_id, "?"), text=excerpt,
                               photos=len(rec.photos)))
    if ev is None:
        lines.append(ctx.t("evaluate.card_unrated"))
    else:
        lines.append(ctx.t("evaluate.card_rated", grade=ctx.t(f"evaluate.grade_{ev.grade.value}")))
        if ev.excellent:
            lines.append(ctx.t(f"evaluate.card_case_{ev.consent.value if ev.consent else 'asked'}"))
    ymd = _ymd(period)
    grades = [button(ctx, "=" + GRADE_EMOJI[g] + " " + ctx.t(f"evaluate.grade_{g.value}"), "ye.r", group.id, ymd, g.value)
              for g in Grade]
    nav = [button(ctx, "evaluate.btn_prev", "ye.g", group.id, int((period.start - timedelta(days=1)).strftime("%Y%m%d")))]
    if period.end <= local_today(ctx.now, group.timezone):
        nav.append(button(ctx, "evaluate.btn_next", "ye.g", group.id, int(period.end.strftime("%Y%m%d"))))
    nav.append(button(ctx, "evaluate.btn_list", "ye.l", committee.id))
    markup = rows(grades[:2], grades[2:], [button(ctx, "evaluate.btn_excellent", "ye.x", group.id, ymd)], nav)
    return "\n".join(lines), markup


async def _group_list(ctx: Ctx, committee: Unit):  # noqa: ANN202
    groups = await groups_below(ctx.session, committee=committee)
    if not groups:
        raise DomainError("evaluate.no_groups", unit=committee.name)
    text = ctx.t("evaluate.choose", unit=committee.name, count=len(groups))
    return text, columns([button(ctx, "=" + g.name[:40], "ye.g", g.id, 0) for g in groups], 1)


@handler
@admin_only
async def cmd_evaluate(update: Update, ctx: Ctx) -> None:
    """/evaluate in the committee's group: rate each youth group's period, mark excellent cases."""
    text, markup = await _group_list(ctx, ctx.unit)
    ctx.reply_text(text, markup=markup)


async def on_evaluate_list(update: Update, ctx: Ctx, cb: Callback) -> None:
    committee = _own_unit(ctx, cb)
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
    await _ask_consent(ctx, committee, group, period, ev)
    text, markup = await _card(ctx, committee, group, period, leader)
    ctx.edit_text(text, markup=markup)
    ctx.answer = (ctx.t("evaluate.consent_asked_short"), False)


async def _ask_consent(ctx: Ctx, committee: Unit, group: Unit, period: Period, ev: Evaluation) -> None:
    """Asked in the group itself (the group sees its case was chosen); only the leader can answer."""
    lang = pick_lang(None, group.locale, ctx.state.settings.locale)
    leader = await ctx.session.get(Person, ev.leader_id) if ev.leader_id else None
    if leader is not None:
        text = t(lang, "evaluate.consent_ask", who=mention(leader.tg_user_id, leader.display_name),
                 committee=committee.name, period=period.label)
    else:
        text = t(lang, "evaluate.consent_ask_admins", committee=committee.name, period=period.label)
    markup = rows([button(ctx, "=" + t(lang, "evaluate.btn_agree"), "yc.y", group.id, ev.id),
                   button(ctx, "=" + t(lang, "evaluate.btn_decline"), "yc.n", group.id, ev.id)])
    await enqueue(ctx.session, items=[OutboxIn(
        dedupe_key=f"youth:consent:{ev.id}:{int(ctx.now.timestamp())}", chat_id=group.chat_id, unit_id=group.id,
        kind="youth_consent", due_at=ctx.now, text=text, markup=markup.to_dict(),
    )], now=ctx.now)
    ctx.enqueued = True


async def _consent(ctx: Ctx, cb: Callback, agree: bool) -> None:
    group = _own_unit(ctx, cb)
    ev = await consent_of(ctx.session, unit=group, evaluation_id=cb.int_arg(1))
    admin = ev.leader_id is None and await is_unit_admin(ctx, group)
    ev = await answer_consent(ctx.session, ev=ev, person=ctx.person, admin_of_group=admin, agree=agree, now=ctx.now)
    committee = await ctx.session.get(Unit, ev.committee_id)
    rot = await rotation_of(ctx.session, group.id)
    period = unit_period(group, rot, ev.period_start)
    lang = pick_lang(None, committee.locale, ctx.state.settings.locale)
    if agree:
        items = await _case_items(ctx, lang, committee, group, period, ev)
        ctx.edit("evaluate.consent_granted", committee=committee.name, period=period.label)
    else:
        items = [OutboxIn(dedupe_key=f"youth:case:{ev.id}:declined:{int(ctx.now.timestamp())}", chat_id=committee.chat_id,
                          unit_id=committee.id, kind="youth_case", due_at=ctx.now,
                          text=t(lang, "evaluate.case_declined", group=group.name, period=period.label))]
        ctx.edit("evaluate.consent_declined", committee=committee.name, period=period.label)
    await enqueue(ctx.session, items=items, now=ctx.now)
    ctx.enqueued = True


async def _case_items(ctx: Ctx, lang: str, committee: Unit, group: Unit, period: Period,
                      ev: Evaluation) -> list[OutboxIn]:
    """The excellent case for the committee's group: the figures, the records, then their photos."""
    leader = await ctx.session.get(Person, ev.leader_id) if ev.leader_id else None
    records = await records_of(ctx.session, unit_id=group.id, period=period)
    authors = await _names(ctx, [r.author_id for r in records])
    lines = [t(lang, "evaluate.case_title", group=group.name, period=period.label),
             t(lang, "evaluate.card_leader", leader=leader.display_name if leader else t(lang, "youth.nobody")),
             *_figure_lines(lang, ev.figures)]
    budget = 3000
    for rec in records:
        body = rec.text if len(rec.text) <= CASE_RECORD_MAX else rec.text[:CASE_RECORD_MAX] + "…"
        if len(body) > budget:
            break
        budget -= len(body)
        lines.append(t(lang, "evaluate.case_record", author=authors.get(rec.author_id, "?"), text=body))
    key = f"youth:case:{ev.id}"
    items = [OutboxIn(dedupe_key=key, chat_id=committee.chat_id, unit_id=committee.id, kind="youth_case",
                      due_at=ctx.now, text="\n".join(lines))]
    photos = [p for rec in records for p in rec.photos or []][:CASE_PHOTOS_MAX]
    for i, photo in enumerate(photos, 1):
        items.append(OutboxIn(dedupe_key=f"{key}:photo:{i}", chat_id=committee.chat_id, unit_id=committee.id,
                              kind="youth_case", due_at=ctx.now, media={"photo": photo},
                              text=t(lang, "evaluate.case_photo", group=group.name, n=i, count=len(photos))))
    return items


async def on_consent_yes(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _consent(ctx, cb, True)


async def on_consent_no(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _consent(ctx, cb, False)


COMMANDS = (
    Command("youth", cmd_youth, private=True, group=True),
    Command("swap", cmd_swap, private=False, group=True),
    Command("record", cmd_record, private=True, group=True),
    Command("quiz", cmd_quiz, private=False, group=True),
    Command("youthflag", cmd_youthflag, private=False, group=True, admin=True),
    Command("rotation", cmd_rotation, private=False, group=True, admin=True),
    Command("evaluate", cmd_evaluate, private=False, group=True, admin=True),
)
BUTTONS = {
    "yf.t": Button(on_flag_toggle, admin=True),
    "yf.p": Button(on_flag_page, admin=True),
    "yr.a": Button(on_rotation_add, admin=True),
    "yr.u": Button(on_rotation_undo, admin=True),
    "yr.c": Button(on_rotation_clear, admin=True),
    "yr.k": Button(on_rotation_kind, admin=True),
    "yr.d": Button(on_rotation_done, admin=True),
    "ys.p": Button(on_swap_pick),
    "ys.ok": Button(on_swap_yes),
    "ys.no": Button(on_swap_no),
    "yrec.u": Button(on_record_unit),
    "yrec.ok": Button(on_record_done),
    "yrec.x": Button(on_record_drop),
    "ye.l": Button(on_evaluate_list, admin=True),
    "ye.g": Button(on_evaluate_group, admin=True),
    "ye.r": Button(on_evaluate_rate, admin=True),
    "ye.x": Button(on_evaluate_excellent, admin=True),
    "yc.y": Button(on_consent_yes),
    "yc.n": Button(on_consent_no),
}
PROMPTS = {"quiz.import": answer_import, "yrec.ask": answer_record_ask}
INPUTS = (take_record_input,)
