"""Study notes called up for review (学习笔记调阅): /notes (status, member picker, asking a member),
the member sending notes, and an admin of the unit chain viewing them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, MessageEntity, Update

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler, person_in
from bot.i18n import mention
from handlers.common import in_private, own_unit
from handlers.reflections.shared import arg, need_private, private_only, send_file
from models.errors import DomainError
from models.outbox import enqueue
from models.reflections import (
    NoteItem, NoteRequest, default_due, finish_notes, member_by_username, note_items, own_note_request, parse_due,
    request_notes, start_notes, unit_chain, unit_note_requests,
)
from models.units import Person, Unit, active_members, upsert_person
from views.reflections import (
    chunks, day, local_day, notes_arrived, notes_ask, notes_done_keyboard, notes_keyboard, notes_status, when,
)


def _due_from(cb: Callback, i: int) -> date:
    try:
        return datetime.strptime(cb.args[i], "%Y%m%d").date()
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None


async def _target_of(update: Update, ctx: Ctx, args: list[str]) -> tuple[Person | None, str | None, list[str]]:
    """Who `/notes` names — the author of the replied-to message, a mention, or @username — and
    the words after it. Returns (person, an @name that matched nobody, the rest)."""
    msg = update.effective_message
    replied = msg.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return await upsert_person(ctx.session, who=person_in(replied.from_user), now=ctx.now), None, args
    for entity in msg.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            rest = " ".join(args).replace(msg.parse_entity(entity), "", 1).split()
            return await upsert_person(ctx.session, who=person_in(entity.user), now=ctx.now), None, rest
    if args and args[0].startswith("@"):
        name = args[0][1:]
        person = await member_by_username(ctx.session, unit_id=ctx.unit.id, username=name)
        return person, None if person else name, args[1:]
    return None, None, args


async def _status(ctx: Ctx, unit: Unit, due: date, page: int, head: list[str]) -> tuple[str, InlineKeyboardMarkup]:
    """The requests and what arrived, then a page of members to ask (sent, or the pressed message edited)."""
    requests = [(req, n, await ctx.session.get(Person, req.person_id))
                for req, n in await unit_note_requests(ctx.session, unit_id=unit.id)]
    members = [p for _, p in await active_members(ctx.session, unit_id=unit.id) if p.id != ctx.person.id]
    lines = head + notes_status(ctx.view, unit, requests, ctx.now)
    lines.append(ctx.t("notes.pick", due=day(ctx.lang, due)))
    return "\n".join(lines), notes_keyboard(ctx.view, unit, requests, members, due, page)


@handler
@admin_only
async def cmd_notes(update: Update, ctx: Ctx) -> None:
    """/notes — who was asked and what arrived, plus a member picker; /notes @member [date] or a reply
    to a member's message with /notes [date] — ask them for their study notes by that date."""
    unit = ctx.unit
    args = list(ctx.args or [])
    target, unmatched, rest = await _target_of(update, ctx, args)
    due = parse_due(" ".join(rest), now=ctx.now, tz=unit.timezone) if rest else default_due(ctx.now, unit.timezone)
    if target is not None:
        await _ask_for_notes(ctx, unit, target, due)
        return
    head = [ctx.t("notes.unknown_member", name=unmatched)] if unmatched else []
    text, markup = await _status(ctx, unit, due, 0, head)
    ctx.reply_text(text, markup=markup)


async def on_notes_pick(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    person = await ctx.session.get(Person, arg(cb, 1))
    if person is None:
        raise DomainError("errors.bad_callback")
    due = _due_from(cb, 2)
    if due < ctx.now.astimezone(ZoneInfo(unit.timezone)).date():
        raise DomainError("notes.date_past")
    await _ask_for_notes(ctx, unit, person, due)


async def on_notes_page(update: Update, ctx: Ctx, cb: Callback) -> None:
    unit = own_unit(ctx, cb)
    text, markup = await _status(ctx, unit, _due_from(cb, 2), arg(cb, 1), [])
    ctx.edit_text(text, markup=markup)


async def _ask_for_notes(ctx: Ctx, unit: Unit, person: Person, due: date) -> None:
    """Record the request and ask the member privately (in the group if they never started the bot)."""
    req, created = await request_notes(ctx.session, unit=unit, person=person, by=ctx.person, due=due, now=ctx.now)
    key = f"notes:{req.id}:ask:{int(ctx.now.timestamp())}"  # asking again is deliberate; a double tap is not
    await enqueue(ctx.session, items=[notes_ask(ctx.state, unit, person, ctx.person, req, due, key=key, now=ctx.now)],
                  now=ctx.now)
    ctx.enqueued = True
    how = ctx.t("notes.via_private" if person.private_ok else "notes.via_group")
    ctx.reply("notes.requested" if created else "notes.rerequested", who=mention(person.tg_user_id, person.display_name),
              due=day(ctx.lang, due), how=how)


async def on_notes_start(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The member will send notes now (the button may be pressed in the group or in private)."""
    req = await own_note_request(ctx.session, request_id=arg(cb, 0), person=ctx.person)
    await start_notes(ctx.session, request=req, now=ctx.now)
    unit = await ctx.session.get(Unit, req.unit_id)
    due = local_day(ctx.lang, req.due_at, unit.timezone)
    markup = notes_done_keyboard(ctx.view, req)
    if in_private(update):
        ctx.reply("notes.collecting", due=due, markup=markup)
        return
    need_private(ctx)
    ctx.reply("notes.collecting", due=due, markup=markup, chat_id=ctx.person.tg_user_id)
    ctx.answer = (ctx.t("notes.see_private"), False)


async def on_notes_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    private_only(update)
    req = await own_note_request(ctx.session, request_id=arg(cb, 0), person=ctx.person)
    n = await finish_notes(ctx.session, request=req, now=ctx.now)
    unit = await ctx.session.get(Unit, req.unit_id)
    admin = await ctx.session.get(Person, req.requested_by) if req.requested_by else None
    ctx.edit("notes.done_member", n=n)
    await enqueue(ctx.session, items=[notes_arrived(ctx.state, unit, req, ctx.person, admin, n, ctx.now)], now=ctx.now)
    ctx.enqueued = True


async def on_notes_view(update: Update, ctx: Ctx, cb: Callback) -> None:
    """An admin of the request's unit chain gets the notes privately, each with when it arrived."""
    req = await ctx.session.get(NoteRequest, arg(cb, 0))
    if req is None:
        raise DomainError("notes.not_found")
    unit = await ctx.session.get(Unit, req.unit_id)
    allowed = False
    for u in await unit_chain(ctx.session, unit_id=unit.id):
        if await is_unit_admin(ctx, u):
            allowed = True
            break
    if not allowed:
        raise DomainError("errors.not_admin")
    if not in_private(update):
        need_private(ctx)
        ctx.answer = (ctx.t("notes.see_private"), False)
    chat_id = ctx.person.tg_user_id
    person = await ctx.session.get(Person, req.person_id)
    items: list[NoteItem] = await note_items(ctx.session, request=req)
    ctx.reply("notes.view_head", chat_id=chat_id, quote=False, name=person.display_name, n=len(items),
              due=local_day(ctx.lang, req.due_at, unit.timezone))
    for i, item in enumerate(items, 1):
        at = when(ctx.lang, item.created_at, unit.timezone)
        if item.kind == "text":
            for piece in chunks(item.text or ""):
                ctx.reply("notes.view_text", chat_id=chat_id, quote=False, n=i, at=at, text=piece)
        else:
            caption = ctx.t("notes.view_file", n=i, at=at, text=(item.text or "")[:800])
            send_file(ctx, chat_id, item, caption)
