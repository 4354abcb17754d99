"""Study sessions in chat: scheduling (guided dialogue or one line), check-in, leave, 代签/补签,
the admins' panel and views, 补学 (/makeup) and /me.

The dialogue's state is a `SessionDraft` row and `prompts` rows, never PTB memory: a restart in the
middle of it loses nothing. Check-in is the hot path: a few small queries and an acknowledgement
(a popup for the button, a reaction for the word); the live roll is rendered by `jobs.sessions`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.admins import admin_only, is_unit_admin
from bot.callbacks import Callback
from bot.context import Ctx, handler
from bot.i18n import mention, t
from bot.keyboards import button, columns, rows
from handlers.base import Button, Command, Word
from handlers.joint import invite_command, invite_markup, own_members, partner_panel, uninvite_command
from views.joint import tell_partners
from bot.notify import group_lang
from views.base import mentions, names, short_name
from views.sessions import (
    announce, day_text, form_text, header_lines, hm, kind_text, leave_decided_messages, member_notice, roll_lines, tell_members, when_text,
)
from models.errors import DomainError
from models.joint import check_kind_change, is_partner, refuse_partner_edit
from models.outbox import OutboxIn, enqueue
from models.sessions import (
    ATTENDED, ActivityForm, Attendance, MakeupState, SessionState, Status, StudySession, Via, ask_leave,
    cancel_session, checkin, takes_form,
    clean_place, clean_presenter, clean_text, clean_topic, confirm_makeup, create_session, decide_leave,
    draft_missing, draft_spec, drop_draft, get_draft, kinds_for, leave_targets, member_choices, nearest_session,
    new_draft, open_makeups, open_sessions, parse_date, parse_session_line, parse_time_range, person_open_sessions,
    attendance_tally, proxy_checkin, roll, session_counts, session_makeups, session_options, set_draft, set_expected,
    set_session_options, submit_makeup, makeup_topic, unit_sessions, unit_session, update_session, window_check,
)
from models.units import Person, Unit

CHECKED_IN = "👌"
CHECKIN_WORD = r"签到[!！。.~～]*"  # the plain word, as the whole message
TIMES = ("08:30", "09:00", "09:30", "10:00", "14:00", "14:30", "15:00", "15:30", "16:00", "19:00")
DURATIONS = (30, 60, 90, 120, 180, 240, 480)
PANEL_BUTTONS = 20  # per part of the panel; the rest are named in the text
PAGE = 24  # members per page when choosing who is expected
NUMBER = re.compile(r"^#?(\d{1,12})$")


# -- shared helpers ------------------------------------------------------------------------------------

def _in_group(update: Update) -> bool:
    return update.effective_chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _number(text: str, example: str) -> int:
    m = NUMBER.match(text.strip())
    if m is None:
        raise DomainError("sessions.bad_number", given=text.strip()[:20], example=example)
    return int(m[1])


async def _unit_of(ctx: Ctx, ses: StudySession) -> Unit:
    """The unit a response to the session counts for: this group's (the host's, or a partner's of a
    joint session), else the host's."""
    if ctx.unit is not None and (ctx.unit.id == ses.unit_id
                                 or await is_partner(ctx.session, session_id=ses.id, unit_id=ctx.unit.id)):
        return ctx.unit
    return await ctx.session.get(Unit, ses.unit_id)


async def _button_session(update: Update, ctx: Ctx, cb: Callback) -> tuple[StudySession, Unit]:
    """The session a button names: in a group it must be this group's; in private the caller must be
    on its roll. Anything else is treated as a forged button."""
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    if ses is None:
        raise DomainError("errors.bad_callback")
    if _in_group(update):
        if ctx.unit is None or (ses.unit_id != ctx.unit.id
                                and not await is_partner(ctx.session, session_id=ses.id, unit_id=ctx.unit.id)):
            raise DomainError("errors.bad_callback")
        return ses, ctx.unit
    on_roll = await ctx.session.scalar(select(Attendance.id).where(
        Attendance.session_id == ses.id, Attendance.person_id == ctx.person.id))
    if on_roll is None:
        raise DomainError("errors.bad_callback")
    return ses, await ctx.session.get(Unit, ses.unit_id)


async def _admin_session(ctx: Ctx, cb: Callback) -> StudySession:
    """For admin buttons (always pressed in the unit's group): the session must be this unit's."""
    ses = await ctx.session.get(StudySession, cb.int_arg(0))
    if ses is None or ctx.unit is None or ses.unit_id != ctx.unit.id:
        raise DomainError("errors.bad_callback")
    return ses


async def _ask(ctx: Ctx, chat_id: int, key: str, *, kind: str, payload: dict, placeholder: str = "",
               prefix: str = "", **params: object) -> None:
    """Ask the caller a question to answer by replying (ForceReply, kept in `prompts` once sent)."""
    who = mention(ctx.person.tg_user_id, ctx.person.display_name)
    ctx.ask(key, kind=kind, payload=payload, chat_id=chat_id, placeholder=placeholder or None, prefix=prefix or None,
            mention=who, **params)


def _private_notice(ctx: Ctx, unit: Unit, person: Person, *, key: str, tag: str, **params: object) -> OutboxIn:
    return member_notice(ctx.state, unit, person, key=key, tag=tag, now=ctx.now, **params)


def _session_label(ctx: Ctx, ses: StudySession, unit: Unit) -> str:
    return ctx.t("sessions.label", id=ses.id, kind=kind_text(ctx.lang, ses), topic=ses.topic[:24],
                 when=when_text(ctx.lang, ses, unit.timezone))


# -- check-in -----------------------------------------------------------------------------------------

async def on_checkin_button(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses, unit = await _button_session(update, ctx, cb)
    result = await checkin(ctx.session, ses=ses, unit=unit, person=ctx.person, via=Via.button, now=ctx.now)
    at = hm(result.checked_in_at, unit.timezone)
    if result.already:
        ctx.answer = (ctx.t("sessions.already_in", time=at, topic=ses.topic), False)
    else:
        ctx.answer = (ctx.t("sessions.checked_in_late" if result.late else "sessions.checked_in", time=at,
                            topic=ses.topic), False)


async def _checkin_typed(update: Update, ctx: Ctx, via: Via) -> None:
    """签到 or /checkin: the session open in this group (or, in private, open on the caller's roll)."""
    if _in_group(update):
        if ctx.unit is None:
            raise DomainError("errors.group_not_bound_member")
        candidates = await open_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
        if not candidates:
            nearest = await nearest_session(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
            if nearest is not None:
                window_check(nearest, unit=ctx.unit, now=ctx.now)  # says when its window is
            raise DomainError("sessions.none_scheduled")
    else:
        candidates = await person_open_sessions(ctx.session, person_id=ctx.person.id, now=ctx.now)
        if not candidates:
            raise DomainError("sessions.none_open_private")
    if len(candidates) > 1:
        units = {s.unit_id: await _unit_of(ctx, s) for s in candidates}
        choices = [button(ctx, "=" + _session_label(ctx, s, units[s.unit_id])[:60], "ses.in", s.id) for s in candidates]
        ctx.reply("sessions.which", markup=columns(choices, 1))
        return
    ses = candidates[0]
    unit = await _unit_of(ctx, ses)
    result = await checkin(ctx.session, ses=ses, unit=unit, person=ctx.person, via=via, now=ctx.now)
    at = hm(result.checked_in_at, unit.timezone)
    if result.already:
        ctx.reply("sessions.already_in", time=at, topic=ses.topic)
    elif _in_group(update):
        # A reaction keeps a busy group quiet (the live roll shows the name); a reply if reactions are off.
        ctx.react(CHECKED_IN, "sessions.checked_in_late" if result.late else "sessions.checked_in", time=at,
                  topic=ses.topic)
    else:
        ctx.reply("sessions.checked_in_late" if result.late else "sessions.checked_in", time=at, topic=ses.topic)


@handler
async def cmd_checkin(update: Update, ctx: Ctx) -> None:
    await _checkin_typed(update, ctx, Via.command)


async def word_checkin(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _checkin_typed(update, ctx, Via.word)


# -- leave --------------------------------------------------------------------------------------------

async def on_leave_button(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses, unit = await _button_session(update, ctx, cb)
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == ctx.person.id))
    if row is not None and row.status in ATTENDED:
        raise DomainError("sessions.leave_after_checkin", topic=ses.topic)
    if ses.state != SessionState.scheduled or ctx.now > ses.closes_at:
        raise DomainError("sessions.leave_too_late", topic=ses.topic, closes=hm(ses.closes_at, unit.timezone))
    await _ask(ctx, update.effective_chat.id, "sessions.leave_prompt", kind="ses.leave",
               payload={"session_id": ses.id}, placeholder=ctx.t("sessions.leave_placeholder"), topic=ses.topic)
    ctx.answer = (ctx.t("sessions.leave_prompt_short"), False)


async def answer_leave(update: Update, ctx: Ctx, payload: dict) -> None:
    ses = await ctx.session.get(StudySession, payload.get("session_id"))
    if ses is None:
        raise DomainError("errors.bad_callback")
    await _leave(ctx, ses, await _unit_of(ctx, ses), update.effective_message.text or "")


async def _leave(ctx: Ctx, ses: StudySession, unit: Unit, reason: str) -> None:
    row = await ask_leave(ctx.session, ses=ses, unit=unit, person=ctx.person, reason=reason, now=ctx.now)
    ctx.reply("sessions.leave_asked", topic=ses.topic, reason=row.leave_reason,
              when=when_text(ctx.lang, ses, unit.timezone))


async def _leave_typed(update: Update, ctx: Ctx, reason: str) -> None:
    """/leave 原因 or 请假 原因: for the soonest session not yet closed (in this group, or on the caller's roll)."""
    if not clean_text(reason):
        raise DomainError("sessions.leave_reason_missing")
    if _in_group(update):
        if ctx.unit is None:
            raise DomainError("errors.group_not_bound_member")
        targets = await leave_targets(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    else:
        targets = [s for s in await ctx.session.scalars(
            select(StudySession).join(Attendance, Attendance.session_id == StudySession.id).where(
                Attendance.person_id == ctx.person.id, StudySession.state == SessionState.scheduled,
                StudySession.closes_at >= ctx.now,
            ).order_by(StudySession.starts_at).limit(10))]
    if not targets:
        raise DomainError("sessions.nothing_to_leave")
    ses = targets[0]
    await _leave(ctx, ses, await _unit_of(ctx, ses), reason)
    if len(targets) > 1:
        ctx.reply("sessions.leave_other_sessions", n=len(targets) - 1)


@handler
async def cmd_leave(update: Update, ctx: Ctx) -> None:
    await _leave_typed(update, ctx, " ".join(ctx.args or []))


async def word_leave(update: Update, ctx: Ctx, match: re.Match[str]) -> None:
    await _leave_typed(update, ctx, match.group(1) or "")


# -- the admins' panel: leave decisions, 代签/补签, 补学, who is expected -------------------------------------

async def _panel(ctx: Ctx, ses: StudySession, unit: Unit) -> tuple[str, InlineKeyboardMarkup]:
    everyone = await roll(ctx.session, session_id=ses.id)
    lines = [*header_lines(ctx.lang, ses, unit), "", *roll_lines(ctx.lang, ses, everyone)]
    entries = [(a, p) for a, p in everyone if a.expected]
    closed = ses.state == SessionState.closed or ctx.now > ses.closes_at
    asked = [(a, p) for a, p in entries if a.status == Status.leave_asked]
    missing = [(a, p) for a, p in entries if a.status in (Status.pending, Status.absent, Status.leave_rejected)]
    buttons: list[list] = []
    if asked:
        lines += ["", ctx.t("sessions.panel_leaves")]
        lines += [ctx.t("sessions.panel_leave_line", name=p.display_name, reason=a.leave_reason or "")
                  for a, p in asked[:PANEL_BUTTONS]]
        buttons += [[button(ctx, "=" + ctx.t("sessions.btn_approve", name=short_name(p)), "ses.la", ses.id, p.id),
                     button(ctx, "=" + ctx.t("sessions.btn_reject", name=short_name(p)), "ses.lr", ses.id, p.id)]
                    for _, p in asked[:PANEL_BUTTONS]]
    if missing and ses.state != SessionState.cancelled:
        lines += ["", ctx.t("sessions.panel_missing_after" if closed else "sessions.panel_missing",
                            names=names(ctx.lang, [p.display_name for _, p in missing]))]
        if ctx.now >= ses.opens_at:
            label = "sessions.btn_makeup_checkin" if closed else "sessions.btn_proxy"
            proxies = [button(ctx, "=" + ctx.t(label, name=short_name(p)), "ses.px", ses.id, p.id)
                       for _, p in missing[:PANEL_BUTTONS]]
            buttons += [proxies[i:i + 2] for i in range(0, len(proxies), 2)]
    items = [(m, p) for m, p in await session_makeups(ctx.session, session_id=ses.id) if m.state == MakeupState.open]
    if items:
        listed = names(ctx.lang, [f"#{m.id} {p.display_name}" for m, p in items])
        lines += ["", ctx.t("sessions.panel_makeups", names=listed)]
        done = [button(ctx, "=" + ctx.t("sessions.btn_makeup_done", name=short_name(p)), "mku.ok", m.id)
                for m, p in items[:PANEL_BUTTONS]]
        buttons += [done[i:i + 2] for i in range(0, len(done), 2)]
    tail = [button(ctx, "sessions.btn_refresh", "ses.pn", ses.id, 1)]
    if ses.state == SessionState.scheduled:
        tail.insert(0, button(ctx, "sessions.btn_expected", "ses.ex", ses.id, 0))
    buttons.append(tail)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def on_panel(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await _admin_session(ctx, cb)
    text, markup = await _panel(ctx, ses, ctx.unit)
    if cb.args[1:] == ("1",):  # refresh the panel itself
        ctx.edit_text(text, markup=markup)
    else:
        ctx.reply_text(text, markup=markup, quote=False)


async def _decide(update: Update, ctx: Ctx, cb: Callback, approve: bool) -> None:
    ses = await _admin_session(ctx, cb)
    person = await ctx.session.get(Person, cb.int_arg(1))
    if person is None:
        raise DomainError("errors.bad_callback")
    row = await decide_leave(ctx.session, ses=ses, person_id=person.id, approve=approve, by=ctx.person, now=ctx.now)
    items = await leave_decided_messages(ctx.session, ctx.state, ctx.unit, ses, person, reason=row.leave_reason or "",
                                         approve=approve, now=ctx.now)
    await enqueue(ctx.session, items=items, now=ctx.now)
    ctx.enqueued = True
    ctx.answer = (ctx.t("sessions.leave_decided_ok" if approve else "sessions.leave_decided_no",
                        name=person.display_name), False)
    text, markup = await _panel(ctx, ses, ctx.unit)
    ctx.edit_text(text, markup=markup)


async def on_leave_approve(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(update, ctx, cb, True)


async def on_leave_reject(update: Update, ctx: Ctx, cb: Callback) -> None:
    await _decide(update, ctx, cb, False)


async def on_proxy(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await _admin_session(ctx, cb)
    person = await ctx.session.get(Person, cb.int_arg(1))
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == cb.int_arg(1)))
    if person is None or row is None:
        raise DomainError("errors.bad_callback")
    if row.status in ATTENDED:
        raise DomainError("sessions.already_in_other")
    after = ses.state == SessionState.closed or ctx.now > ses.closes_at
    await _ask(ctx, ctx.unit.chat_id, "sessions.makeup_checkin_prompt" if after else "sessions.proxy_prompt",
               kind="ses.proxy", payload={"session_id": ses.id, "person_id": person.id},
               placeholder=ctx.t("sessions.proxy_placeholder"), name=person.display_name, topic=ses.topic)
    ctx.answer = (ctx.t("sessions.proxy_prompt_short"), False)


async def answer_proxy(update: Update, ctx: Ctx, payload: dict) -> None:
    ses = await ctx.session.get(StudySession, payload.get("session_id"))
    if ses is None or ctx.unit is None or ses.unit_id != ctx.unit.id or not await is_unit_admin(ctx, ctx.unit):
        raise DomainError("errors.not_admin")
    person = await ctx.session.get(Person, payload.get("person_id"))
    if person is None:
        raise DomainError("sessions.not_on_roll")
    row = await proxy_checkin(ctx.session, ses=ses, unit=ctx.unit, person_id=person.id,
                              reason=update.effective_message.text or "", by=ctx.person, now=ctx.now)
    kind = "makeup" if row.via == Via.makeup else "proxy"
    await enqueue(ctx.session, items=[_private_notice(
        ctx, ctx.unit, person, key=f"sessions.{kind}_notice", tag=f"ses:{ses.id}:{kind}:{person.id}",
        topic=ses.topic, admin=ctx.person.display_name, reason=row.proxy_reason)], now=ctx.now)
    ctx.enqueued = True
    ctx.reply(f"sessions.{kind}_done", name=person.display_name, topic=ses.topic, reason=row.proxy_reason)


async def on_makeup_done(update: Update, ctx: Ctx, cb: Callback) -> None:
    item = await confirm_makeup(ctx.session, makeup_id=cb.int_arg(0), unit=ctx.unit, by=ctx.person, now=ctx.now)
    ses = await ctx.session.get(StudySession, item.session_id) if item.session_id is not None else None
    person = await ctx.session.get(Person, item.person_id)
    await enqueue(ctx.session, items=[_private_notice(
        ctx, ctx.unit, person, key="makeup.confirmed", tag=f"mku:{item.id}:confirmed", id=item.id,
        topic=makeup_topic(item, ses), admin=ctx.person.display_name)], now=ctx.now)
    ctx.enqueued = True
    ctx.answer = (ctx.t("makeup.confirmed_short", name=person.display_name), False)
    if ses is None:
        return
    text, markup = await _panel(ctx, ses, ctx.unit)
    ctx.edit_text(text, markup=markup)


async def _expected_page(ctx: Ctx, ses: StudySession, page: int) -> tuple[str, InlineKeyboardMarkup]:
    choices = await member_choices(ctx.session, unit_id=ctx.unit.id, session_id=ses.id)
    pages = max(1, -(-len(choices) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = choices[page * PAGE:(page + 1) * PAGE]
    toggles = [button(ctx, "=" + ("✅ " if on else "➖ ") + short_name(p), "ses.et", ses.id, p.id, page)
               for p, on in shown]
    lines = [toggles[i:i + 3] for i in range(0, len(toggles), 3)]
    nav = []
    if page > 0:
        nav.append(button(ctx, "sessions.btn_prev", "ses.ex", ses.id, page - 1))
    if page < pages - 1:
        nav.append(button(ctx, "sessions.btn_next", "ses.ex", ses.id, page + 1))
    nav.append(button(ctx, "sessions.btn_back", "ses.pn", ses.id, 1))
    lines.append(nav)
    expected = sum(1 for _, on in choices if on)
    text = ctx.t("sessions.expected_title", id=ses.id, topic=ses.topic, n=expected, total=len(choices),
                 page=page + 1, pages=pages)
    return text, InlineKeyboardMarkup(lines)


async def on_expected(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await _admin_session(ctx, cb)
    if ses.state != SessionState.scheduled:
        raise DomainError("sessions.is_closed", id=ses.id, topic=ses.topic)
    text, markup = await _expected_page(ctx, ses, cb.int_arg(1))
    ctx.edit_text(text, markup=markup)


async def on_expected_toggle(update: Update, ctx: Ctx, cb: Callback) -> None:
    ses = await _admin_session(ctx, cb)
    person_id = cb.int_arg(1)
    row = await ctx.session.scalar(select(Attendance).where(
        Attendance.session_id == ses.id, Attendance.person_id == person_id))
    await set_expected(ctx.session, ses=ses, unit=ctx.unit, person_id=person_id,
                       expected=not (row is not None and row.expected), now=ctx.now)
    await ctx.session.flush()
    text, markup = await _expected_page(ctx, ses, cb.int_arg(2))
    ctx.edit_text(text, markup=markup)


# -- scheduling: the guided dialogue ----------------------------------------------------------------------

def _draft_lines(ctx: Ctx, draft, unit: Unit) -> list[str]:
    d = draft.data
    dash = ctx.t("sessions.none")
    day = dash
    if d.get("date"):
        local = datetime.combine(date.fromisoformat(d["date"]), time(12), tzinfo=ZoneInfo(unit.timezone))
        day = day_text(ctx.lang, local, unit.timezone)
    title = (ctx.t("sessions.draft_edit_title", id=draft.session_id) if draft.session_id
             else ctx.t("sessions.draft_title"))
    lines = [title, ctx.t("sessions.draft_kind", kind=ctx.t(f"skind.{d['kind']}") if d.get("kind") else dash)]
    if takes_form(d.get("kind")):
        lines.append(ctx.t("sessions.draft_form", form=form_text(ctx.lang, d["form"]) if d.get("form") else dash))
    return [
        *lines,
        ctx.t("sessions.draft_day", day=day),
        ctx.t("sessions.draft_time", time=d.get("time") or dash, minutes=d.get("minutes") or 90),
        ctx.t("sessions.draft_topic", topic=d.get("topic") or dash),
        ctx.t("sessions.draft_place", place=d.get("place") or dash),
        ctx.t("sessions.draft_presenter", presenter=d.get("presenter") or dash),
    ]


def _kind_buttons(ctx: Ctx, draft, unit: Unit) -> list[list]:
    kinds = [button(ctx, f"skind.{k.value}", "sd.k", draft.id, k.value) for k in kinds_for(unit.kind)]
    return [kinds[i:i + 2] for i in range(0, len(kinds), 2)]


def _form_buttons(ctx: Ctx, draft) -> list[list]:
    forms = [button(ctx, "=" + form_text(ctx.lang, f.value), "sd.f", draft.id, f.value) for f in ActivityForm]
    return [forms[i:i + 2] for i in range(0, len(forms), 2)]


def _date_buttons(ctx: Ctx, draft, unit: Unit) -> list[list]:
    today = ctx.now.astimezone(ZoneInfo(unit.timezone)).date()
    days = []
    for n in range(8):
        day = today + timedelta(days=n)
        at = datetime.combine(day, time(12), tzinfo=ZoneInfo(unit.timezone))
        rel = ctx.t(f"sessions.rel_{n}") if n < 3 else ""
        days.append(button(ctx, "=" + f"{rel} {day_text(ctx.lang, at, unit.timezone)}".strip(), "sd.d", draft.id,
                           day.strftime("%Y%m%d")))
    lines = [days[i:i + 2] for i in range(0, len(days), 2)]
    lines.append([button(ctx, "sessions.btn_other_date", "sd.in", draft.id, "date")])
    return lines


def _time_buttons(ctx: Ctx, draft) -> list[list]:
    times = [button(ctx, "=" + hhmm, "sd.t", draft.id, hhmm.replace(":", "")) for hhmm in TIMES]
    lines = [times[i:i + 5] for i in range(0, len(times), 5)]
    lines.append([button(ctx, "sessions.btn_other_time", "sd.in", draft.id, "time")])
    return lines


def _duration_buttons(ctx: Ctx, draft) -> list[list]:
    options = [button(ctx, "=" + ctx.t("sessions.minutes", n=m), "sd.du", draft.id, m) for m in DURATIONS]
    return [options[i:i + 4] for i in range(0, len(options), 4)]


def _confirm_buttons(ctx: Ctx, draft) -> list[list]:
    b = lambda label, what: button(ctx, label, "sd.m", draft.id, what)  # noqa: E731
    ask = lambda label, what: button(ctx, label, "sd.in", draft.id, what)  # noqa: E731
    form = [b("sessions.btn_form", "form")] if takes_form(draft.data.get("kind")) else []
    lines = [
        [button(ctx, "sessions.btn_save" if draft.session_id else "sessions.btn_publish", "sd.ok", draft.id)],
        [b("sessions.btn_kind", "kind"), *form, b("sessions.btn_date", "date"), b("sessions.btn_time", "time"),
         b("sessions.btn_duration", "duration")],
        [ask("sessions.btn_topic", "topic"), ask("sessions.btn_place", "place"),
         ask("sessions.btn_presenter", "presenter")],
    ]
    if draft.session_id:
        lines.append([button(ctx, "sessions.btn_expected", "ses.ex", draft.session_id, 0)])
    lines.append([button(ctx, "sessions.btn_discard", "sd.x", draft.id)])
    return lines


async def _card(ctx: Ctx, draft, unit: Unit, *, menu: str | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The draft as it stands, and what to choose next (or a sub-menu to change one thing)."""
    lines = _draft_lines(ctx, draft, unit)
    step = menu or draft_missing(draft)
    keyboards = {
        "kind": lambda: _kind_buttons(ctx, draft, unit), "form": lambda: _form_buttons(ctx, draft),
        "date": lambda: _date_buttons(ctx, draft, unit),
        "time": lambda: _time_buttons(ctx, draft), "duration": lambda: _duration_buttons(ctx, draft),
    }
    if step in keyboards:
        lines += ["", ctx.t(f"sessions.step_{step}")]
        keyboard = keyboards[step]()
        if menu:
            keyboard.append([button(ctx, "sessions.btn_back", "sd.m", draft.id, "card")])
        else:
            keyboard.append([button(ctx, "sessions.btn_discard", "sd.x", draft.id)])
        return "\n".join(lines), InlineKeyboardMarkup(keyboard)
    if step == "topic":
        lines += ["", ctx.t("sessions.step_topic")]
        return "\n".join(lines), None
    lines += ["", ctx.t("sessions.step_confirm_edit" if draft.session_id else "sessions.step_confirm")]
    return "\n".join(lines), InlineKeyboardMarkup(_confirm_buttons(ctx, draft))


async def _show(ctx: Ctx, draft, unit: Unit, *, edit: bool, menu: str | None = None) -> None:
    """Show the card (editing the pressed one, or as a new message). When the topic is next, the
    question for it is the new message (the card's lines on top), since it must be replied to."""
    text, markup = await _card(ctx, draft, unit, menu=menu)
    asks_topic = menu is None and draft_missing(draft) == "topic"
    if edit:
        ctx.edit_text(text, markup=markup)
    elif not asks_topic:
        ctx.reply_text(text, markup=markup, quote=False)
    if asks_topic:
        await _ask_field(ctx, draft, unit, "topic", prefix="" if edit else "\n".join(_draft_lines(ctx, draft, unit)))


async def _ask_field(ctx: Ctx, draft, unit: Unit, field: str, prefix: str = "") -> None:
    await _ask(ctx, unit.chat_id, f"sessions.ask_{field}", kind="sd.text", prefix=prefix,
               payload={"draft_id": draft.id, "field": field}, placeholder=ctx.t(f"sessions.placeholder_{field}"))


async def _start_dialogue(ctx: Ctx, ses: StudySession | None = None) -> None:
    draft = await new_draft(ctx.session, unit=ctx.unit, person=ctx.person, now=ctx.now, ses=ses)
    await _show(ctx, draft, ctx.unit, edit=False)


async def _draft_for(ctx: Ctx, cb: Callback):
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


def _check_time(ctx: Ctx, draft, at: time) -> None:
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
    if menu not in ("kind", "form", "date", "time", "duration", "card") or (
            menu == "form" and not takes_form(draft.data.get("kind"))):
        raise DomainError("errors.bad_callback")
    await _show(ctx, draft, ctx.unit, edit=True, menu=None if menu == "card" else menu)


async def on_draft_input(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    field = cb.args[1] if len(cb.args) > 1 else ""
    if field not in ("date", "time", "topic", "place", "presenter"):
        raise DomainError("errors.bad_callback")
    await _ask_field(ctx, draft, ctx.unit, field)
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
                 markup=invite_markup(ctx, ses))
    await drop_draft(ctx.session, draft=draft)


async def on_draft_discard(update: Update, ctx: Ctx, cb: Callback) -> None:
    draft = await _draft_for(ctx, cb)
    await drop_draft(ctx.session, draft=draft)
    ctx.edit("sessions.discarded")


async def _apply_edit(ctx: Ctx, ses: StudySession, spec) -> None:
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


# -- /session and the admins' views --------------------------------------------------------------------

@handler
@admin_only
async def cmd_session(update: Update, ctx: Ctx) -> None:
    """/session (dialogue) · /session <date> <time> <kind> [form] <topic> [@place] · edit N · cancel N [reason] ·
    window <before> <after> [grace]. The form is required after a kind that has forms (青年理论学习小组活动)."""
    args = ctx.args or []
    head = args[0].lower() if args else ""
    if not args:
        await _start_dialogue(ctx)
    elif head in ("invite", "邀请"):
        await invite_command(ctx, args)
    elif head in ("uninvite", "移出"):
        await uninvite_command(ctx, args)
    elif head in ("edit", "修改"):
        number = _number(args[1] if len(args) > 1 else "", "/session edit 12")
        await refuse_partner_edit(ctx.session, unit=ctx.unit, session_id=number)
        ses = await unit_session(ctx.session, unit=ctx.unit, session_id=number)
        if ses.state != SessionState.scheduled:
            raise DomainError("sessions.is_cancelled" if ses.state == SessionState.cancelled else "sessions.is_closed",
                              id=ses.id, topic=ses.topic)
        await _start_dialogue(ctx, ses)
    elif head in ("cancel", "取消"):
        number = _number(args[1] if len(args) > 1 else "", "/session cancel 12 改期")
        await refuse_partner_edit(ctx.session, unit=ctx.unit, session_id=number)
        ses = await unit_session(ctx.session, unit=ctx.unit, session_id=number)
        reason = clean_text(" ".join(args[2:])) or None
        await cancel_session(ctx.session, ses=ses, unit=ctx.unit, reason=reason, now=ctx.now)
        await tell_members(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now, tag="cancel",
                           kind="ses_cancel", key="sessions.cancelled",
                           reason=reason or t(group_lang(ctx.state, ctx.unit), "sessions.no_reason"))
        await tell_partners(ctx.session, ctx.state, ses=ses, now=ctx.now, tag="cancel", kind="ses_cancel",
                            key="sessions.cancelled",
                            **({"reason": reason} if reason else {"texts": {"reason": "sessions.no_reason"}}))
        ctx.enqueued = True
        ctx.reply("sessions.cancel_done", id=ses.id, topic=ses.topic)
    elif head == "window":
        numbers = [_number(a, "/session window 30 30 5") for a in args[1:4]]
        if len(numbers) < 2 or len(args) > 4:
            raise DomainError("sessions.window_usage")
        opts = await set_session_options(ctx.session, unit=ctx.unit, before=numbers[0], after=numbers[1],
                                         grace=numbers[2] if len(numbers) > 2 else session_options(ctx.unit).grace,
                                         now=ctx.now)
        ctx.reply("sessions.window_set", before=opts.before, after=opts.after, grace=opts.grace)
    else:
        text = update.effective_message.text.split(maxsplit=1)[1]
        spec = parse_session_line(text, now=ctx.now, tz=ctx.unit.timezone)
        ses = await create_session(ctx.session, unit=ctx.unit, spec=spec, by=ctx.person, now=ctx.now)
        await announce(ctx.session, ctx.state, ses=ses, unit=ctx.unit, now=ctx.now)
        ctx.enqueued = True
        ctx.reply("sessions.created", id=ses.id, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone),
                  markup=invite_markup(ctx, ses))


async def _pick(ctx: Ctx, args: list[str], example: str) -> StudySession:
    """Session N, else the one open now, else the nearest one (next, or last)."""
    if args:
        number = _number(args[0], example)
        if await is_partner(ctx.session, session_id=number, unit_id=ctx.unit.id):  # 联学共建 as a partner
            return await ctx.session.get(StudySession, number)
        return await unit_session(ctx.session, unit=ctx.unit, session_id=number)
    current = await open_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    ses = current[0] if current else await nearest_session(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    if ses is None:
        raise DomainError("sessions.none_scheduled_admin")
    return ses


@handler
@admin_only
async def cmd_status(update: Update, ctx: Ctx) -> None:
    """/status [N]: who is in and who is missing for the current (or next, or given) session."""
    ses = await _pick(ctx, ctx.args or [], "/status 12")
    if ses.unit_id != ctx.unit.id:  # a joint session this unit is a partner of
        text, markup = await partner_panel(ctx, ses)
    else:
        text, markup = await _panel(ctx, ses, ctx.unit)
    ctx.reply_text(text, markup=markup)


@handler
@admin_only
async def cmd_nudge(update: Update, ctx: Ctx) -> None:
    """/nudge [N]: mention, in the group, the expected members who have not responded."""
    ses = await _pick(ctx, ctx.args or [], "/nudge 12")
    if ses.state != SessionState.scheduled:
        raise DomainError("sessions.nudge_closed", id=ses.id, topic=ses.topic)
    missing = [p for a, p in await roll(ctx.session, session_id=ses.id) if a.expected and a.status == Status.pending]
    if ses.unit_id != ctx.unit.id:  # a joint session this unit is a partner of: its own members only
        own = await own_members(ctx)
        missing = [p for p in missing if p.id in own]
    if not missing:
        ctx.reply("sessions.nudge_nobody", topic=ses.topic)
        return
    markup = rows([button(ctx, "sessions.btn_checkin", "ses.in", ses.id),
                   button(ctx, "sessions.btn_leave", "ses.lv", ses.id)])
    for who in mentions(missing):
        ctx.reply("sessions.nudge_text", who=who, topic=ses.topic, when=when_text(ctx.lang, ses, ctx.unit.timezone),
                  opens=hm(ses.opens_at, ctx.unit.timezone), closes=hm(ses.closes_at, ctx.unit.timezone),
                  markup=markup, quote=False)


@handler
@admin_only
async def cmd_sessions(update: Update, ctx: Ctx) -> None:
    """/sessions: upcoming and recent sessions with their rates."""
    soon, past = await unit_sessions(ctx.session, unit_id=ctx.unit.id, now=ctx.now)
    counts = await session_counts(ctx.session, session_ids=[s.id for s in (*soon, *past)])
    tz = ctx.unit.timezone

    def line(s: StudySession) -> str:
        c = counts[s.id]
        state = ctx.t(f"sessions.state_{s.state.value}")
        return ctx.t("sessions.list_line", id=s.id, when=when_text(ctx.lang, s, tz), kind=kind_text(ctx.lang, s),
                     topic=s.topic[:40], attended=c.attended, expected=c.expected, rate=c.rate, leave=c.leave,
                     state=state)

    lines = [ctx.t("sessions.list_title", unit=ctx.unit.name), "", ctx.t("sessions.list_upcoming")]
    lines += [line(s) for s in soon] or [ctx.t("sessions.list_none")]
    lines += ["", ctx.t("sessions.list_recent")]
    lines += [line(s) for s in past] or [ctx.t("sessions.list_none")]
    lines += ["", ctx.t("sessions.list_help")]
    ctx.reply_text("\n".join(lines))


# -- 补学 and /me ---------------------------------------------------------------------------------------

@handler
async def cmd_makeup(update: Update, ctx: Ctx) -> None:
    """/makeup: my open 补学 items · /makeup N 内容: hand one in (N may be left out when there is one)."""
    text = (update.effective_message.text or "").split(maxsplit=1)
    rest = text[1].strip() if len(text) > 1 else ""
    items = await open_makeups(ctx.session, person_id=ctx.person.id)
    if not rest:
        ctx.reply_text("\n".join([ctx.t("makeup.list_title"), *(_makeup_lines(ctx, items) or [ctx.t("makeup.none")]),
                                  "", ctx.t("makeup.usage")]))
        return
    head, _, note = rest.partition(" ")
    if number := NUMBER.match(head):
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


def _makeup_lines(ctx: Ctx, items: list) -> list[str]:
    lines = []
    for m, s, u in items:
        tz = u.timezone
        overdue = m.due_at < ctx.now
        if s is None:  # ordered without a session (e.g. by the quarterly bulletin): its title says what
            lines.append(ctx.t("makeup.plain_overdue" if overdue else "makeup.plain", id=m.id, title=m.title or "",
                               unit=u.name, due=day_text(ctx.lang, m.due_at, tz)))
            continue
        lines.append(ctx.t("makeup.item_overdue" if overdue else "makeup.item", id=m.id, topic=s.topic,
                           kind=kind_text(ctx.lang, s), day=day_text(ctx.lang, s.starts_at, tz),
                           due=day_text(ctx.lang, m.due_at, tz)))
    return lines


async def me_sessions(ctx: Ctx, person: Person) -> str | None:
    """This feature's part of /me: attendance this year, open 补学 items, the next sessions expected at."""
    year_start = datetime(ctx.now.year, 1, 1, tzinfo=UTC)
    attended, missed = await attendance_tally(ctx.session, person_id=person.id, since=year_start, until=ctx.now)
    lines = [ctx.t("sessions.me_tally", attended=attended, missed=missed)]
    items = await open_makeups(ctx.session, person_id=person.id)
    lines += [ctx.t("makeup.me_title", n=len(items)), *(_makeup_lines(ctx, items) or [ctx.t("makeup.none")])]
    if items:
        lines.append(ctx.t("makeup.me_hint"))
    upcoming = (await ctx.session.execute(
        select(StudySession, Attendance, Unit).join(Attendance, Attendance.session_id == StudySession.id)
        .join(Unit, Unit.id == StudySession.unit_id).where(
            Attendance.person_id == person.id, Attendance.expected,
            StudySession.state == SessionState.scheduled, StudySession.closes_at >= ctx.now,
        ).order_by(StudySession.starts_at).limit(3)
    )).all()
    if upcoming:
        lines += ["", ctx.t("sessions.me_upcoming")]
        lines += [ctx.t("sessions.me_line", when=when_text(ctx.lang, s, u.timezone), kind=kind_text(ctx.lang, s),
                        topic=s.topic[:40], unit=u.name, status=ctx.t(f"sessions.status_{a.status.value}"))
                  for s, a, u in upcoming]
    return "\n".join(lines)


COMMANDS = (
    Command("checkin", cmd_checkin, private=True, group=True),
    Command("leave", cmd_leave, private=True, group=True),
    Command("makeup", cmd_makeup, private=True, group=True),
    Command("session", cmd_session, private=False, group=True, admin=True),
    Command("sessions", cmd_sessions, private=False, group=True, admin=True),
    Command("status", cmd_status, private=False, group=True, admin=True),
    Command("nudge", cmd_nudge, private=False, group=True, admin=True),
)
BUTTONS = {
    "ses.in": Button(on_checkin_button),
    "ses.lv": Button(on_leave_button),
    "ses.pn": Button(on_panel, admin=True),
    "ses.la": Button(on_leave_approve, admin=True),
    "ses.lr": Button(on_leave_reject, admin=True),
    "ses.px": Button(on_proxy, admin=True),
    "ses.ex": Button(on_expected, admin=True),
    "ses.et": Button(on_expected_toggle, admin=True),
    "mku.ok": Button(on_makeup_done, admin=True),
    "sd.k": Button(on_draft_kind, admin=True),
    "sd.f": Button(on_draft_form, admin=True),
    "sd.d": Button(on_draft_date, admin=True),
    "sd.t": Button(on_draft_time, admin=True),
    "sd.du": Button(on_draft_duration, admin=True),
    "sd.m": Button(on_draft_menu, admin=True),
    "sd.in": Button(on_draft_input, admin=True),
    "sd.ok": Button(on_draft_publish, admin=True),
    "sd.x": Button(on_draft_discard, admin=True),
}
PROMPTS = {"ses.leave": answer_leave, "ses.proxy": answer_proxy, "sd.text": answer_draft_text}
WORDS = (
    Word(re.compile(CHECKIN_WORD), word_checkin),
    Word(re.compile(r"请假[\s:：,，]*(.*)", re.DOTALL), word_leave),
)
ME_SECTIONS = (me_sessions,)
