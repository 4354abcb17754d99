"""Scheduling in chat, the guided dialogue: /session (or /session edit N) opens a draft whose card asks
for each thing in turn (kind, form, day, time, duration with buttons; topic, place, presenter by
reply), then publishes it (a new session, announced) or saves the edit (members and partner groups told).

The dialogue's state is a `SessionDraft` row and `prompts` rows, never PTB memory: a restart in the
middle of it loses nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from telegram import Update

from bot.admins import is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx
from bot.i18n import t
from bot.notify import group_lang
from handlers.sessions.base import ask
from models.errors import DomainError
from models.joint import check_kind_change
from models.sessions import (
    ActivityForm, SessionDraft, SessionSpec, StudySession, clean_place, clean_presenter, clean_text, clean_topic,
    create_session, draft_missing, draft_spec, drop_draft, get_draft, kinds_for, new_draft, parse_date,
    parse_time_range, set_draft, takes_form, unit_session, update_session,
)
from models.units import Unit
from views.joint import invite_markup, tell_partners
from views.sessions import Ask, announce, tell_members, when_text
from views.sessions.draft import DURATIONS, FIELDS, MENUS, card, draft_lines


async def _show(ctx: Ctx, draft: SessionDraft, unit: Unit, *, edit: bool, menu: str | None = None) -> None:
    """Show the card (editing the pressed one, or as a new message). When the topic is next, the
    question for it is the new message (the card's lines on top), since it must be replied to."""
    text, markup = card(ctx.view, draft, unit, now=ctx.now, menu=menu)
    asks_topic = menu is None and draft_missing(draft) == "topic"
    if edit:
        ctx.edit_text(text, markup=markup)
    elif not asks_topic:
        ctx.reply_text(text, markup=markup, quote=False)
    if asks_topic:
        _ask_field(ctx, draft, unit, "topic", prefix="" if edit else "\n".join(draft_lines(ctx.view, draft, unit)))


def _ask_field(ctx: Ctx, draft: SessionDraft, unit: Unit, field: str, prefix: str = "") -> None:
    ask(ctx, unit.chat_id, f"sessions.ask_{field}", kind=Ask.DRAFT_TEXT, prefix=prefix,
        payload={"draft_id": draft.id, "field": field}, placeholder=ctx.t(f"sessions.placeholder_{field}"))


async def start_dialogue(ctx: Ctx, ses: StudySession | None = None) -> None:
    draft = await new_draft(ctx.session, unit=ctx.unit, person=ctx.person, now=ctx.now, ses=ses)
    await _show(ctx, draft, ctx.unit, edit=False)


async def _draft_for(ctx: Ctx, cb: Callback) -> SessionDraft:
    return await get_draft(ctx.session, draft_id=cb.int_arg(0), unit=ctx.unit, person=ctx.person, now=ctx.now)


async def on_draft_kind(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    kinds = {k.value for k in kinds_for(ctx.unit.kind)}
    if len(cb.args) < 2 or cb.args[1] not in kinds:
        raise DomainError("errors.bad_callback")
    if not takes_form(cb.args[1]) and "form" in draft.data:
        draft.data = {k: v for k, v in draft.data.items() if k != "form"}  # only kinds with forms have one
    set_draft(draft, ctx.now, kind=cb.args[1])
    await _show(ctx, draft, ctx.unit, edit=True)


async def on_draft_form(update: Update, ctx: Ctx, cb: Callback) -> None:
    """The activity's form (交流研讨, 读书会…), asked after a kind that has forms."""
    draft = await _draft_for(ctx, cb)
    forms = {f.value for f in ActivityForm}
    if len(cb.args) < 2 or cb.args[1] not in forms or not takes_form(draft.data.get("kind")):
        raise DomainError("errors.bad_callback")
    set_draft(draft, ctx.now, form=cb.args[1])
    await _show(ctx, draft, ctx.unit, edit=True)


async def on_draft_date(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    try:
        day = datetime.strptime(cb.args[1], "%Y%m%d").date()
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None
    _check_day(ctx, day)
    set_draft(draft, ctx.now, date=day.isoformat())
    await _show(ctx, draft, ctx.unit, edit=True)


def _check_day(ctx: Ctx, day: date) -> None:
    today = ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date()
    if day < today:
        raise DomainError("sessions.day_in_the_past", day=day.isoformat(), today=today.isoformat())


def _check_time(ctx: Ctx, draft: SessionDraft, at: time) -> None:
    """A start that is already over today is refused at once rather than at publishing."""
    if draft.data.get("date"):
        zone = ZoneInfo(ctx.unit.timezone)
        start = datetime.combine(date.fromisoformat(draft.data["date"]), at, tzinfo=zone)
        if start <= ctx.now:
            raise DomainError("sessions.in_the_past", when=start.strftime("%Y-%m-%d %H:%M"),
                              now=ctx.now.astimezone(zone).strftime("%Y-%m-%d %H:%M"))


async def on_draft_time(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    try:
        at = datetime.strptime(cb.args[1], "%H%M").time()
    except (IndexError, ValueError):
        raise DomainError("errors.bad_callback") from None
    _check_time(ctx, draft, at)
    set_draft(draft, ctx.now, time=at.strftime("%H:%M"))
    await _show(ctx, draft, ctx.unit, edit=True)


async def on_draft_duration(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    minutes = cb.int_arg(1)
    if minutes not in DURATIONS:
        raise DomainError("errors.bad_callback")
    set_draft(draft, ctx.now, minutes=minutes)
    await _show(ctx, draft, ctx.unit, edit=True)


async def on_draft_menu(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    menu = cb.args[1] if len(cb.args) > 1 else "card"
    if menu not in (*MENUS, "card") or (
            menu == "form" and not takes_form(draft.data.get("kind"))):
        raise DomainError("errors.bad_callback")
    await _show(ctx, draft, ctx.unit, edit=True, menu=None if menu == "card" else menu)


async def on_draft_input(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    field = cb.args[1] if len(cb.args) > 1 else ""
    if field not in FIELDS:
        raise DomainError("errors.bad_callback")
    _ask_field(ctx, draft, ctx.unit, field)
    ctx.answer = (ctx.t("sessions.reply_below"), False)


async def answer_draft_text(update: Update, ctx: Ctx, payload: dict) -> None:
    """A typed answer in the dialogue: date, time, topic, place or presenter."""
    if ctx.unit is None or not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    draft = await get_draft(ctx.session, draft_id=payload.get("draft_id", 0), unit=ctx.unit, person=ctx.person,
                            now=ctx.now)
    text = update.effective_message.text or ""
    field = payload.get("field")
    if field == "date":
        day, rest = parse_date(text, today=ctx.now.astimezone(ZoneInfo(ctx.unit.timezone)).date())
        if rest.strip():
            raise DomainError("sessions.bad_date", given=text.strip()[:30])
        _check_day(ctx, day)
        set_draft(draft, ctx.now, date=day.isoformat())
    elif field == "time":
        start, end, rest = parse_time_range(text)
        if rest.strip():
            raise DomainError("sessions.bad_time", given=text.strip()[:30])
        values: dict = {"time": start.strftime("%H:%M")}
        if end is not None:
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            if minutes <= 0:
                raise DomainError("sessions.end_before_start", start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
            values["minutes"] = minutes
        _check_time(ctx, draft, start)
        set_draft(draft, ctx.now, **values)
    elif field == "topic":
        topic, _, place = text.rpartition(" @") if " @" in text else (text, "", "")
        values = {"topic": clean_topic(topic)}
        if place.strip():
            values["place"] = clean_place(place)
        set_draft(draft, ctx.now, **values)
    elif field == "place":
        set_draft(draft, ctx.now, place=None if _clears(text) else clean_place(text))
    elif field == "presenter":
        set_draft(draft, ctx.now, presenter=None if _clears(text) else clean_presenter(text))
    else:
        raise DomainError("sessions.draft_gone")
    await _show(ctx, draft, ctx.unit, edit=False)


def _clears(text: str) -> bool:
    return clean_text(text) in ("", "-", "—", "无", "none", "None")


async def on_draft_publish(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    spec = draft_spec(draft, tz=ctx.unit.timezone)
    if draft.session_id:
        ses = await unit_session(ctx.session, unit=ctx.unit, session_id=draft.session_id)
        await _apply_edit(ctx, ses, spec)
        ctx.edit("sessions.saved", id=ses.id, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone))
    else:
        ses = await create_session(ctx.session, unit=ctx.unit, spec=spec, by=ctx.person, now=ctx.now)
        await announce(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now)
        ctx.enqueued = True
        ctx.edit("sessions.created", id=ses.id, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone),
                 markup=invite_markup(ctx.view, ses))
    await drop_draft(ctx.session, draft=draft)


async def on_draft_discard(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    await drop_draft(ctx.session, draft=draft)
    ctx.edit("sessions.discarded")


async def _apply_edit(ctx: Ctx, ses: StudySession, spec: SessionSpec) -> None:
    await check_kind_change(ctx.session, ses=ses, kind=spec.kind)
    changed = await update_session(ctx.session, ses=ses, unit=ctx.unit, spec=spec, now=ctx.now)
    if not changed:
        return
    lang = group_lang(ctx.state, ctx.unit)
    what = [t(lang, f"sessions.changed_{name}") for name in ("time", "kind", "form", "topic", "place", "presenter")
            if name in changed]
    await tell_members(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now,
                       tag=f"edit:{ctx.now:%Y%m%d%H%M%S%f}", kind="ses_edit", key="sessions.edited",
                       changes=t(lang, "sessions.name_sep").join(what), place=ses.place or t(lang, "sessions.none"))
    await tell_partners(ctx.session, ctx.state, ses=ses, now=ctx.now, tag=f"edit:{ctx.now:%Y%m%d%H%M%S%f}",
                        kind="ses_edit", key="sessions.edited", changes=t(lang, "sessions.name_sep").join(what),
                        **({"place": ses.place} if ses.place else {"texts": {"place": "sessions.none"}}))
    ctx.enqueued = True

