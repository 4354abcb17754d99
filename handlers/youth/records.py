"""Activity records (/record): written in private over several messages (text and photos) or in the
group in one line; while one of the group's activities waits for its record, the record is that
activity's. A reply to the bot's request for an activity's record starts it too."""

from __future__ import annotations

from telegram import Message, Update

from bot.admins import is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.notify import group_lang
from handlers.common import in_private
from handlers.youth.common import group_of, rest
from models.errors import DomainError
from models.outbox import enqueue
from models.sessions import StudySession
from models.units import Unit, UnitKind, is_db_admin, person_units
from models.youth import (
    Period, activity_for_reply, activity_to_record, add_record, append_to_draft, discard_draft, live_draft,
    open_draft, own_draft, record_period, require_group, rotation_of, submit_draft_checked, unit_period,
)
from views import youth as v
from views.base import Renderer, rows


def _largest_photo(msg: Message | None) -> str | None:
    if msg is None or not msg.photo:
        return None
    return max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0)).file_id


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


@handler
async def cmd_record(update: Update, ctx: Ctx) -> None:
    """/record: in private, write up your period's activity (text and photos, several messages);
    in the group, `/record 简要内容` (replying to a photo adds it). While one of the group's activities
    (a closed 青年理论学习小组活动) waits for its record, the record is that activity's."""
    msg = update.effective_message
    if in_private(update):
        await _record_private(ctx, msg)
        return
    unit = group_of(update, ctx)
    require_group(unit)
    admin = await is_unit_admin(ctx, unit)
    pending = await activity_to_record(ctx.session, unit=unit, person=ctx.person, admin=admin, now=ctx.now)
    if pending is not None:
        ses, period, _ = pending
    else:
        ses, period = None, await record_period(ctx.session, unit=unit, person=ctx.person, admin=admin, now=ctx.now)
    text = rest(msg)
    if not text:
        link = f"https://t.me/{ctx.state.bot_username}?start=hi"
        markup = rows([ctx.view.url_button("record.btn_private", link)])
        if ses is not None:
            ctx.reply("record.how_activity", markup=markup, activity=v.activity(ctx.view, ses, unit))
        else:
            ctx.reply("record.how", markup=markup, period=period.label)
        return
    photo = _largest_photo(msg.reply_to_message)
    rec = await add_record(ctx.session, unit=unit, author=ctx.person, period=period, text=text,
                           photos=[photo] if photo else [], now=ctx.now, session_id=ses.id if ses else None)
    if ses is not None:
        ctx.reply("record.saved_activity", unit=unit.name, activity=v.activity(ctx.view, ses, unit),
                  length=len(rec.text), photos=len(rec.photos))
    else:
        ctx.reply("record.saved", unit=unit.name, period=period.label, length=len(rec.text), photos=len(rec.photos))


async def _record_private(ctx: Ctx, msg: Message) -> None:
    units = await _writable_units(ctx)
    if not units:
        raise DomainError("record.no_group")
    if len(units) > 1:
        ctx.reply("record.choose", markup=v.record_units(ctx.view, [u for u, *_ in units]))
        return
    await _open(ctx, *units[0], first=rest(msg), edit=False)


async def _open(ctx: Ctx, unit: Unit, period: Period, ses: StudySession | None, more: int, *, first: str,
                edit: bool) -> None:
    rec = await open_draft(ctx.session, unit=unit, author=ctx.person, period=period, now=ctx.now,
                           session_id=ses.id if ses else None)
    if first:
        await append_to_draft(ctx.session, draft=rec, text=first, photo=None, now=ctx.now)
    text = v.draft_opened(ctx.view, unit, period, ses, rec, more)
    if edit:
        ctx.edit_text(text, markup=v.draft_buttons(ctx.view, rec))
    else:
        ctx.reply_text(text, markup=v.draft_buttons(ctx.view, rec))


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
    ctx.reply("record.activity_part", markup=v.draft_buttons(ctx.view, rec), activity=v.activity(ctx.view, ses, unit),
              length=len(rec.text), photos=len(rec.photos))


async def take_record_input(update: Update, ctx: Ctx) -> bool:
    """In private, while a draft record is open: each text or photo is added to it."""
    msg = update.effective_message
    if not in_private(update):
        return False
    draft = await live_draft(ctx.session, author=ctx.person, now=ctx.now)
    if draft is None:
        return False
    photo = _largest_photo(msg)
    text = msg.text or msg.caption or ""
    if not photo and not text.strip():
        raise DomainError("record.unsupported")
    await append_to_draft(ctx.session, draft=draft, text=text, photo=photo, now=ctx.now)
    ctx.reply("record.part_saved", markup=v.draft_buttons(ctx.view, draft), length=len(draft.text),
              photos=len(draft.photos))
    return True


async def on_record_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    rec = await own_draft(ctx.session, record_id=cb.int_arg(0), author=ctx.person)
    await submit_draft_checked(ctx.session, draft=rec, now=ctx.now)
    unit = await ctx.session.get(Unit, rec.unit_id)
    rot = await rotation_of(ctx.session, unit.id)
    label = unit_period(unit, rot, rec.period_start).label
    ses = await ctx.session.get(StudySession, rec.session_id) if rec.session_id else None
    group = Renderer(group_lang(ctx.state, unit), ctx.state.codec)
    await enqueue(ctx.session, items=[v.record_notice(group, unit, rec, ctx.person, ses, label, ctx.now)], now=ctx.now)
    ctx.enqueued = True
    if ses is not None:
        ctx.edit("record.submitted_activity", unit=unit.name, activity=v.activity(ctx.view, ses, unit),
                 length=len(rec.text), photos=len(rec.photos))
    else:
        ctx.edit("record.submitted", unit=unit.name, period=label, length=len(rec.text), photos=len(rec.photos))


async def on_record_drop(update: Update, ctx: Ctx, cb: Callback) -> None:
    rec = await own_draft(ctx.session, record_id=cb.int_arg(0), author=ctx.person)
    await discard_draft(ctx.session, draft=rec)
    ctx.edit("record.dropped")
