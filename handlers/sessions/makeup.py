"""补学: /makeup (my open items, or hand one in), an admin's 已补学 on the panel, and /me's part."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from telegram import Update

from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.notify import notify
from handlers.common import NUMBER
from handlers.sessions.panel import panel_of
from models.errors import DomainError
from models.outbox import enqueue
from models.sessions import (
    Attendance, SessionState, StudySession, attendance_tally, confirm_makeup, makeup_topic, open_makeups,
    submit_makeup,
)
from models.units import Person, Unit
from views.sessions.lists import makeup_list, me_text


@handler
async def cmd_makeup(update: Update, ctx: Ctx) -> None:
    """/makeup: my open 补学 items · /makeup N 内容: hand one in (N may be left out when there is one)."""
    text = (update.effective_message.text or "").split(maxsplit=1)
    rest = text[1].strip() if len(text) > 1 else ""
    items = await open_makeups(ctx.session, person_id=ctx.person.id)
    if not rest:
        ctx.reply_text(makeup_list(ctx.view, items, now=ctx.now))
        return
    head, _, note = rest.partition(" ")
    if number := NUMBER.fullmatch(head):
        item_id = int(number[1])
        if not note.strip():
            raise DomainError("makeup.note_missing", id=item_id)
    elif len(items) == 1:
        item_id, note = items[0][0].id, rest
    elif not items:
        raise DomainError("makeup.nothing_open")
    else:
        raise DomainError("makeup.which", ids="、".join(f"#{m.id}" for m, _, _ in items))
    item, ses = await submit_makeup(ctx.session, makeup_id=item_id, person=ctx.person, note=note, now=ctx.now)
    ctx.reply("makeup.done", id=item.id, topic=makeup_topic(item, ses))


async def on_makeup_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await confirm_makeup(ctx.session, makeup_id=cb.int_arg(0), unit=ctx.unit, by=ctx.person, now=ctx.now)
    ses = await ctx.session.get(StudySession, item.session_id) if item.session_id is not None else None
    person = await ctx.session.get(Person, item.person_id)
    await enqueue(ctx.session, items=[notify(
        ctx.state, ctx.unit, person, key=f"mku:{item.id}:confirmed", kind="ses_notice", at=ctx.now,
        text_key="makeup.confirmed", id=item.id, topic=makeup_topic(item, ses), admin=ctx.person.display_name,
    )], now=ctx.now)
    ctx.enqueued = True
    ctx.answer = (ctx.t("makeup.confirmed_short", name=person.display_name), False)
    if ses is None:
        return
    text, markup = await panel_of(ctx, ses, partner=False)
    ctx.edit_text(text, markup=markup)


async def me_sessions(ctx: Ctx, person: Person) -> str | None:
    """This feature's part of /me: attendance this year, open 补学 items, the next sessions expected at."""
    year_start = datetime(ctx.now.year, 1, 1, tzinfo=UTC)
    attended, missed = await attendance_tally(ctx.session, person_id=person.id, since=year_start, until=ctx.now)
    items = await open_makeups(ctx.session, person_id=person.id)
    upcoming = (await ctx.session.execute(
        select(StudySession, Attendance, Unit).join(Attendance, Attendance.session_id == StudySession.id)
        .join(Unit, Unit.id == StudySession.unit_id).where(
            Attendance.person_id == person.id, Attendance.expected,
            StudySession.state == SessionState.scheduled, StudySession.closes_at >= ctx.now,
        ).order_by(StudySession.starts_at).limit(3)
    )).all()
    return me_text(ctx.view, attended=attended, missed=missed, items=items, upcoming=upcoming, now=ctx.now)
