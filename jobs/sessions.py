"""Study sessions on the clock: reminders, the close (absences → 补学), 补学 reminders, and the live
roll. Also the texts and keyboards of a session that both the handlers and the jobs send.

The roll is re-rendered here, never in a check-in: each response bumps the session's roll_version,
and `RollJob` (a short tick on the leader) renders sessions whose version moved and edits the
announcement through the outbox, so the sender's per-group limit covers edits too. At most one
edit per group every `120 / per_group_minute` seconds (half the group's budget, the rest stays for
reminders and replies); while an edit waits in the outbox, newer responses are folded into it.
"""

from __future__ import annotations

import html
import logging
import time as monotime
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, ContextTypes

from bot.callbacks import CallbackCodec
from bot.context import BotState
from bot.i18n import Raw, mention, pick_lang, t
from jobs.planner import Window, split_late
from models.joint import partner_roll, partners_of, stale_partner_rolls, units_by_person
from models.outbox import Outbox, OutboxIn, OutboxState, enqueue
from models.sessions import (
    ATTENDED, Attendance, Closed, Makeup, SessionState, Status, StudySession, close_session, count, due_to_close,
    MakeupState, makeup_reminder_times, makeup_topic, makeups_to_remind, roll, session_makeups,
)
from models.units import Person, Unit

log = logging.getLogger("wuxue.sessions")

NAMES_SHOWN = 60  # names listed per part of the roll; the rest are counted
NAME_CHARS = 12
MENTIONS_PER_MESSAGE = 30
NUDGE_AFTER = timedelta(minutes=10)
ROLL_TICK_SECONDS = 2.0
ROLL_AGE = timedelta(days=14)  # rolls of older sessions are no longer edited


# -- texts --------------------------------------------------------------------------------------------

def group_lang(state: BotState, unit: Unit) -> str:
    return pick_lang(None, unit.locale, state.settings.locale)


def person_lang(state: BotState, unit: Unit, person: Person) -> str:
    return pick_lang(person.language_code, unit.locale, state.settings.locale)


def member_notice(state: BotState, unit: Unit, person: Person, *, key: str, tag: str, now: datetime,
                  **params: object) -> OutboxIn:
    """A note to a member about something done for them (catalog `key`); a mention in the unit's group
    (`key`_group) when the bot cannot reach them privately, or as the fallback if they blocked it since."""
    in_group = t(group_lang(state, unit), f"{key}_group", who=mention(person.tg_user_id, person.display_name),
                 **params)
    if not person.private_ok:
        return OutboxIn(dedupe_key=tag, chat_id=unit.chat_id, unit_id=unit.id, kind="ses_notice", due_at=now,
                        text=in_group)
    return OutboxIn(dedupe_key=tag, chat_id=person.tg_user_id, person_id=person.id, unit_id=unit.id,
                    kind="ses_notice", due_at=now, text=t(person_lang(state, unit, person), key, **params),
                    fallback_text=in_group)


async def leave_decided_messages(session: AsyncSession, state: BotState, unit: Unit, ses: StudySession,
                                 person: Person, *, reason: str, approve: bool, now: datetime) -> list[OutboxIn]:
    """Tell the member an admin decided their leave; a refusal after the close also brings the 补学 it left."""
    key = "sessions.leave_approved" if approve else "sessions.leave_rejected"
    items = [member_notice(state, unit, person, key=key, tag=f"ses:{ses.id}:leave:{person.id}:{now:%Y%m%d%H%M%S%f}",
                           now=now, topic=ses.topic, reason=reason)]
    if not approve and ses.state == SessionState.closed:
        made = [(m, p) for m, p in await session_makeups(session, session_id=ses.id)
                if p.id == person.id and m.state == MakeupState.open]
        items += makeup_notices(state, unit, ses, made, at=now)
    return items


def day_text(lang: str, at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return t(lang, "sessions.day", month=local.month, day=local.day,
             weekday=t(lang, f"sessions.wd.{local.weekday()}"))


def when_text(lang: str, ses: StudySession, tz: str) -> str:
    """12月1日（周二）15:00–16:30 (the end's day too when it is another day)."""
    zone = ZoneInfo(tz)
    start, end = ses.starts_at.astimezone(zone), ses.ends_at.astimezone(zone)
    end_text = (end.strftime("%H:%M") if end.date() == start.date()
                else t(lang, "sessions.day_time", day=day_text(lang, ses.ends_at, tz), time=f"{end:%H:%M}"))
    return t(lang, "sessions.day_time", day=day_text(lang, ses.starts_at, tz), time=f"{start:%H:%M}–{end_text}")


def hm(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def kind_text(lang: str, ses: StudySession) -> str:
    """The kind, with the activity's form when it has one (青年理论学习小组活动·读书会)."""
    kind = t(lang, f"skind.{ses.kind.value}")
    if ses.form is None:
        return kind
    return t(lang, "sessions.kind_form", kind=kind, form=form_text(lang, ses.form))


def form_text(lang: str, form: str) -> str:
    return t(lang, f"sform.{form}")


def short_name(person: Person) -> str:
    name = person.display_name
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


def names(lang: str, people: list[str], limit: int = NAMES_SHOWN) -> Raw:
    """A list of names (escaped), the ones past `limit` counted instead of listed."""
    shown = [html.escape(n, quote=False) for n in people[:limit]]
    text = t(lang, "sessions.name_sep").join(shown)
    if len(people) > limit:
        text += t(lang, "sessions.and_more", n=len(people) - limit)
    return Raw(text)


def mentions(people: list[Person]) -> list[Raw]:
    """Mentions of people, a message's worth per item."""
    chunks = [people[i:i + MENTIONS_PER_MESSAGE] for i in range(0, len(people), MENTIONS_PER_MESSAGE)]
    return [Raw(" ".join(mention(p.tg_user_id, p.display_name) for p in chunk)) for chunk in chunks]


def header_lines(lang: str, ses: StudySession, unit: Unit) -> list[str]:
    """What the session is: kind, topic, time, place, presenter, and the check-in window."""
    tz = unit.timezone
    lines = [t(lang, "sessions.head", id=ses.id, kind=kind_text(lang, ses), topic=ses.topic),
             t(lang, "sessions.line_when", when=when_text(lang, ses, tz))]
    if ses.place:
        lines.append(t(lang, "sessions.line_place", place=ses.place))
    if ses.presenter:
        lines.append(t(lang, "sessions.line_presenter", presenter=ses.presenter))
    lines.append(t(lang, "sessions.line_window", opens=hm(ses.opens_at, tz), closes=hm(ses.closes_at, tz),
                   late=hm(ses.late_after, tz)))
    return lines


def roll_lines(lang: str, ses: StudySession, rows: list[tuple[Attendance, Person]]) -> list[str]:
    """Who is in, who is late, who asked leave (and the answer), who is missing — as counts and names."""
    closed = ses.state == SessionState.closed
    c = count(rows, closed=closed)
    expected = [(a, p) for a, p in rows if a.expected]
    attended = [short_name(p) + (t(lang, "sessions.mark_late") if a.status == Status.late else "")
                for a, p in expected if a.status in ATTENDED]
    leave = [short_name(p) + t(lang, f"sessions.mark_{a.status.value}")
             for a, p in expected if a.status in (Status.leave_asked, Status.leave_approved)
             or (a.status == Status.leave_rejected and not closed)]
    lines = [t(lang, "sessions.roll_closed" if closed else "sessions.roll_in", attended=c.attended,
               expected=c.expected, rate=c.rate)
             + (t(lang, "sessions.roll_late", late=c.late) if c.late else "")]
    if attended:
        lines.append(t(lang, "sessions.roll_names", names=names(lang, attended)))
    if leave:
        lines.append(t(lang, "sessions.roll_leave", n=len(leave), names=names(lang, leave)))
    if closed:
        absent = [short_name(p) + (t(lang, "sessions.mark_leave_rejected") if a.status == Status.leave_rejected else "")
                  for a, p in expected if a.status in (Status.absent, Status.leave_rejected)]
        if absent:
            lines.append(t(lang, "sessions.roll_absent", n=len(absent), names=names(lang, absent)))
    elif c.pending:
        lines.append(t(lang, "sessions.roll_pending", n=c.pending))
    return lines


# Parts other features show first under a session's header (its first agenda items): each renders
# its part in a language, or None.
FirstPart = Callable[[AsyncSession, str, StudySession], Awaitable[str | None]]
FIRST_PARTS: list[FirstPart] = []


async def first_parts(session: AsyncSession, lang: str, ses: StudySession) -> list[str]:
    return [text for part in FIRST_PARTS if (text := await part(session, lang, ses))]


def announcement_text(lang: str, ses: StudySession, unit: Unit, rows: list[tuple[Attendance, Person]],
                      first: list[str] = ()) -> str:
    """The session's message in the group, which is also its live roll. Built here only, part by part;
    `first` (see FIRST_PARTS) comes right under the header."""
    parts = ["\n".join(header_lines(lang, ses, unit)), *first]
    if ses.state == SessionState.cancelled:
        parts.append(t(lang, "sessions.roll_cancelled", reason=ses.cancel_reason or t(lang, "sessions.no_reason")))
    else:
        parts.append("\n".join(roll_lines(lang, ses, rows)))
        if ses.state == SessionState.scheduled:
            parts.append(t(lang, "sessions.how_to"))
    return "\n\n".join(parts)


def _button(codec: CallbackCodec, lang: str, label: str, action: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(lang, label), callback_data=codec.encode(action, *args))


def response_buttons(
    codec: CallbackCodec, lang: str, ses: StudySession, *, checkin: bool = True,
) -> list[InlineKeyboardButton]:
    line = [_button(codec, lang, "sessions.btn_checkin", "ses.in", ses.id)] if checkin else []
    return [*line, _button(codec, lang, "sessions.btn_leave", "ses.lv", ses.id)]


def announcement_markup(codec: CallbackCodec, lang: str, ses: StudySession,
                        panel: str = "ses.pn") -> InlineKeyboardMarkup | None:
    """签到 / 请假 while the session is open, and the admins' panel until it is cancelled (in a partner
    group of a joint session, the partner's panel: `panel="jnt.pn"`)."""
    if ses.state == SessionState.cancelled:
        return None
    panel = [_button(codec, lang, "sessions.btn_panel", panel, ses.id)]
    if ses.state == SessionState.closed:
        return InlineKeyboardMarkup([panel])
    return InlineKeyboardMarkup([response_buttons(codec, lang, ses), panel])


def as_dict(markup: InlineKeyboardMarkup | None) -> dict | None:
    return markup.to_dict() if markup is not None else None


def stamp(ses: StudySession) -> str:
    """Part of every dedupe key of a session's reminders: a new time means new reminders."""
    return ses.starts_at.strftime("%Y%m%d%H%M")


async def announce(session: AsyncSession, state: BotState, *, ses: StudySession, unit: Unit, now: datetime) -> None:
    """Post the new session to its group (through the outbox) and remember that row for the roll."""
    lang = group_lang(state, unit)
    rows = await roll(session, session_id=ses.id)
    key = f"ses:{ses.id}:announce"
    await enqueue(session, items=[OutboxIn(
        dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="ses_announce", due_at=now,
        text=announcement_text(lang, ses, unit, rows, await first_parts(session, lang, ses)), markup=as_dict(announcement_markup(state.codec, lang, ses)),
    )], now=now)
    ses.announce_outbox_id = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key))


async def tell_members(
    session: AsyncSession, state: BotState, *, ses: StudySession, unit: Unit, now: datetime, tag: str, kind: str,
    key: str, **params: object,
) -> None:
    """A change of the session, to the group and privately to each expected member who can be reached."""
    lang = group_lang(state, unit)
    items = [OutboxIn(dedupe_key=f"ses:{ses.id}:{tag}", chat_id=unit.chat_id, unit_id=unit.id, kind=kind,
                      due_at=now, text=t(lang, f"{key}_group", **_common(lang, ses, unit), **params))]
    people = (await session.scalars(
        select(Person).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.session_id == ses.id, Attendance.expected, Person.private_ok)
    )).all()
    for p in people:
        plang = person_lang(state, unit, p)
        items.append(OutboxIn(dedupe_key=f"ses:{ses.id}:{tag}:{p.id}", chat_id=p.tg_user_id, person_id=p.id,
                              unit_id=unit.id, kind=kind, due_at=now,
                              text=t(plang, f"{key}_private", **_common(plang, ses, unit), **params)))
    await enqueue(session, items=items, now=now)


def _common(lang: str, ses: StudySession, unit: Unit) -> dict:
    return {"id": ses.id, "kind": kind_text(lang, ses), "topic": ses.topic, "unit": unit.name,
            "when": when_text(lang, ses, unit.timezone)}


# -- the planner: reminders, the close, 补学 reminders ----------------------------------------------------

# What other features do when a session closes (the youth group's leader is asked for the activity's
# record): each returns the messages to enqueue with the close, in the same transaction.
CloseHook = Callable[[AsyncSession, BotState, Window, Closed, Unit], Awaitable[list[OutboxIn]]]
CLOSE_HOOKS: list[CloseHook] = []


async def plan_sessions(session: AsyncSession, state: BotState, window: Window) -> int:
    units: dict[int, Unit] = {}

    async def unit_of(unit_id: int) -> Unit:
        if unit_id not in units:
            units[unit_id] = await session.get(Unit, unit_id)
        return units[unit_id]

    items: list[OutboxIn] = []
    soon = await session.scalars(select(StudySession).where(
        StudySession.state == SessionState.scheduled,
        StudySession.starts_at > window.since - NUDGE_AFTER,
        StudySession.starts_at <= window.now + timedelta(hours=24),
    ).order_by(StudySession.id))
    soon = soon.all()
    partners = await partners_of(session, session_ids=[s.id for s in soon])  # 联学共建: every group is reminded
    for ses in soon:
        items += await _reminders(session, state, window, ses, await unit_of(ses.unit_id))
        for partner in partners.get(ses.id, []):
            items += await _reminders(session, state, window, ses, partner, tag=f":u{partner.id}")
    for ses in await due_to_close(session, now=window.now):
        unit = await unit_of(ses.unit_id)
        closed = await close_session(session, ses=ses, now=window.now)
        if closed is not None:
            items += await _close_messages(session, state, window, closed, unit)
            for hook in CLOSE_HOOKS:
                items += await hook(session, state, window, closed, unit)
    # Members the bot cannot reach privately: one group notice per session (or per item without one).
    unreachable: dict[tuple[str, int, str, datetime], list[Person]] = {}
    for item, person, ses in await makeups_to_remind(session, until=window.now):
        unit = await unit_of(item.unit_id)
        due = split_late(window, [at for _, at in makeup_reminder_times(item.due_at, window.since, window.now)],
                         f"补学 reminder {item.id}")
        for at in due:
            if person.private_ok:
                items.append(_makeup_message(state, unit, ses, item, person, at=at, tag=f"r{at:%Y%m%d%H%M}",
                                             key="makeup.reminder"))
            else:
                group = (f"{ses.id}" if ses is not None else f"i{item.id}", item.unit_id, makeup_topic(item, ses), at)
                unreachable.setdefault(group, []).append(person)
    for (tag, unit_id, topic, at), people in unreachable.items():
        items += _group_makeup_notices(state, await unit_of(unit_id), people, at=at,
                                       key=f"mku:group:{tag}:{at:%Y%m%d%H%M}", text_key="makeup.reminder_group",
                                       topic=topic)
    return await enqueue(session, items=items, now=window.now)


async def _reminders(session: AsyncSession, state: BotState, window: Window, ses: StudySession,
                     unit: Unit, tag: str = "") -> list[OutboxIn]:
    """The group's reminders; a partner group of a joint session (`tag` set) gets them without the
    nudge, which the host's reminders send to every expected member."""
    events = [("h24", ses.starts_at - timedelta(hours=24)), ("h1", ses.starts_at - timedelta(hours=1)),
              ("open", ses.opens_at), ("nudge", ses.starts_at + NUDGE_AFTER)]
    due = [(what, at) for what, at in events
           if window.since < at <= window.now and at > ses.created_at and (what != "nudge" or at < ses.closes_at)]
    kept = set(split_late(window, [at for _, at in due], f"reminders of session {ses.id}"))
    lang = group_lang(state, unit)
    items = []
    for what, at in due:
        if at not in kept:
            continue
        key = f"ses:{ses.id}:{stamp(ses)}:{what}{tag}"
        if what == "nudge" and tag:
            continue
        if what == "nudge":
            items += await _nudges(session, state, ses, unit, key=key, at=at)
            continue
        markup = InlineKeyboardMarkup([response_buttons(state.codec, lang, ses, checkin=what == "open")])
        items.append(OutboxIn(
            dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind=f"ses_{what}", due_at=at,
            text=t(lang, f"sessions.remind_{what}", **_common(lang, ses, unit), place=ses.place or "—",
                   opens=hm(ses.opens_at, unit.timezone), closes=hm(ses.closes_at, unit.timezone)),
            markup=as_dict(markup),
        ))
    return items


async def _nudges(session: AsyncSession, state: BotState, ses: StudySession, unit: Unit, *, key: str,
                  at: datetime) -> list[OutboxIn]:
    """10 min after the start, only to expected members who have not responded: privately, and in the
    group (one mention list) for those the bot cannot reach privately."""
    missing = (await session.scalars(
        select(Person).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.session_id == ses.id, Attendance.expected, Attendance.status == Status.pending)
        .order_by(Attendance.id)
    )).all()
    # 联学共建: a partner's member is nudged in (and falls back to) the partner's group.
    own = await units_by_person(session, ses=ses, person_ids=[p.id for p in missing])
    groups = {unit.id: unit}
    for unit_id in set(own.values()):
        groups[unit_id] = await session.get(Unit, unit_id)
    items = []
    for p in missing:
        if not p.private_ok:
            continue
        group = groups[own.get(p.id, unit.id)]
        plang = person_lang(state, group, p)
        items.append(OutboxIn(
            dedupe_key=f"{key}:{p.id}", chat_id=p.tg_user_id, person_id=p.id, unit_id=group.id, kind="ses_nudge",
            due_at=at, text=t(plang, "sessions.nudge_private", **_common(plang, ses, unit),
                              closes=hm(ses.closes_at, group.timezone)),
            markup=as_dict(InlineKeyboardMarkup([response_buttons(state.codec, plang, ses)])),
            fallback_text=t(group_lang(state, group), "sessions.nudge_group", who=mention(p.tg_user_id, p.display_name),
                            topic=ses.topic, closes=hm(ses.closes_at, group.timezone)),
        ))
    for unit_id, group in groups.items():
        unreachable = [p for p in missing if not p.private_ok and own.get(p.id, unit.id) == unit_id]
        lang = group_lang(state, group)
        suffix = "" if unit_id == unit.id else f":u{unit_id}"
        for n, who in enumerate(mentions(unreachable)):
            items.append(OutboxIn(
                dedupe_key=f"{key}:group{suffix}:{n}", chat_id=group.chat_id, unit_id=group.id, kind="ses_nudge",
                due_at=at, text=t(lang, "sessions.nudge_group", who=who, topic=ses.topic,
                                  closes=hm(ses.closes_at, group.timezone)),
                markup=as_dict(InlineKeyboardMarkup([response_buttons(state.codec, lang, ses)])),
            ))
    return items


async def _close_messages(session: AsyncSession, state: BotState, window: Window, closed: Closed,
                          unit: Unit) -> list[OutboxIn]:
    """The summary to the group (if the close is not too late to announce) and each 补学 notice."""
    ses = closed.session
    items = []
    if split_late(window, [ses.closes_at], f"summary of session {ses.id}"):
        rows = await roll(session, session_id=ses.id)
        items.append(OutboxIn(dedupe_key=f"ses:{ses.id}:close", chat_id=unit.chat_id, unit_id=unit.id,
                              kind="ses_close", due_at=window.now,
                              text=summary_text(group_lang(state, unit), closed, unit, rows)))
    # 补学 notices: a partner member of a joint session who cannot be reached is mentioned in their own group.
    own = await units_by_person(session, ses=ses, person_ids=[p.id for _, p in closed.makeups])
    for unit_id in dict.fromkeys([own.get(p.id, unit.id) for _, p in closed.makeups]):
        made = [(m, p) for m, p in closed.makeups if own.get(p.id, unit.id) == unit_id]
        items += makeup_notices(state, unit if unit_id == unit.id else await session.get(Unit, unit_id), ses, made,
                                at=window.now)
    return items


def summary_text(lang: str, closed: Closed, unit: Unit, rows: list[tuple[Attendance, Person]]) -> str:
    """The close's summary in a group: the counts, and who gets 补学 by when."""
    ses = closed.session
    c = count(rows, closed=True)
    absent = [short_name(p) for a, p in rows if a.expected and a.status in (Status.absent, Status.leave_rejected)]
    text = t(lang, "sessions.summary", **_common(lang, ses, unit), expected=c.expected, attended=c.attended,
             present=c.present, late=c.late, leave=c.leave, absent=c.absent, rate=c.rate)
    if absent:
        text += "\n" + t(lang, "sessions.summary_makeup", names=names(lang, absent),
                         due=day_text(lang, closed.makeups[0][0].due_at, unit.timezone) if closed.makeups else "—")
    return text


def makeup_notices(state: BotState, unit: Unit, ses: StudySession, made: list[tuple[Makeup, Person]], *,
                   at: datetime) -> list[OutboxIn]:
    """New 补学 items: a private notice each, one group mention list for those not reachable privately."""
    items = [_makeup_message(state, unit, ses, item, person, at=at, tag="new", key="makeup.assigned")
             for item, person in made if person.private_ok]
    unreachable = [p for _, p in made if not p.private_ok]
    if unreachable:
        ids = "-".join(str(m.id) for m, _ in made[:1])
        items += _group_makeup_notices(state, unit, unreachable, at=at, key=f"ses:{ses.id}:makeups:{ids}",
                                       text_key="makeup.assigned_group", topic=ses.topic)
    return items


async def ordered_makeup_notices(session: AsyncSession, state: BotState, ids: list[int], *,
                                 at: datetime) -> list[OutboxIn]:
    """补学 items ordered without a session (by a bulletin): a private notice each; those the bot cannot
    reach privately are mentioned in their unit's group, one list per unit and title."""
    ordered = []
    for i in range(0, len(ids), 1000):
        ordered += (await session.execute(
            select(Makeup, Person, Unit).join(Person, Person.id == Makeup.person_id)
            .join(Unit, Unit.id == Makeup.unit_id).where(Makeup.id.in_(ids[i:i + 1000])).order_by(Makeup.id))).all()
    items = [_makeup_message(state, unit, None, item, person, at=at, tag="new", key="makeup.assigned")
             for item, person, unit in ordered if person.private_ok]
    unreachable: dict[tuple[int, str], tuple[Unit, list[Person], int]] = {}
    for item, person, unit in ordered:
        if not person.private_ok:
            key = (unit.id, item.title or "")
            first = unreachable.get(key, (unit, [], item.id))
            first[1].append(person)
            unreachable[key] = first
    for (_, title), (unit, people, first_id) in unreachable.items():
        items += _group_makeup_notices(state, unit, people, at=at, key=f"mku:ordered:{first_id}",
                                       text_key="makeup.ordered_group", topic=title)
    return items


def _group_makeup_notices(state: BotState, unit: Unit, people: list[Person], *, at: datetime, key: str,
                          text_key: str, topic: str) -> list[OutboxIn]:
    """补学 notices for members the bot cannot reach privately: mentions in their group."""
    lang = group_lang(state, unit)
    return [OutboxIn(dedupe_key=f"{key}:{n}", chat_id=unit.chat_id, unit_id=unit.id, kind="mku_group", due_at=at,
                     text=t(lang, text_key, who=who, topic=topic))
            for n, who in enumerate(mentions(people))]


def _makeup_message(state: BotState, unit: Unit, ses: StudySession | None, item: Makeup, person: Person, *,
                    at: datetime, tag: str, key: str) -> OutboxIn:
    """A 补学 notice or reminder to the member privately (mentioned in the group if that fails); an
    item without a session (ordered by a bulletin) is told by its title (`key` + "_plain")."""
    lang = person_lang(state, unit, person)
    topic = makeup_topic(item, ses)
    params = {"id": item.id, "topic": topic, "unit": unit.name, "due": day_text(lang, item.due_at, unit.timezone)}
    if ses is not None:
        params |= {"kind": kind_text(lang, ses), "day": day_text(lang, ses.starts_at, unit.timezone)}
    else:
        key += "_plain"
    fallback = t(group_lang(state, unit), "makeup.fallback", who=mention(person.tg_user_id, person.display_name),
                 id=item.id, topic=topic)
    return OutboxIn(dedupe_key=f"mku:{item.id}:{tag}", chat_id=person.tg_user_id, person_id=person.id,
                    unit_id=unit.id, kind="mku_notice" if tag == "new" else "mku_remind", due_at=at,
                    text=t(lang, key, **params), fallback_text=fallback)


# -- the live roll ----------------------------------------------------------------------------------------

class RollJob:
    """Edits each session's announcement to its current roll, throttled per group (see module doc)."""

    def __init__(self, state: BotState) -> None:
        self.state = state
        self.gap = 120.0 / state.settings.delivery.per_group_minute
        self.last: dict[int, float] = {}  # group chat id -> when its roll was last handed to the outbox

    async def __call__(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.state.is_leader:
            return
        try:
            if await self.flush():
                self.state.sender.wake()
        except Exception:  # noqa: BLE001 - the next tick tries again
            log.exception("roll flush failed")

    async def flush(self) -> int:
        """Render each roll that moved, one short transaction per session: the session's row (and on
        SQLite the database) is locked only from the edit's outbox row to the commit, so check-ins
        in every group keep going while the rolls are rendered."""
        now = self.state.clock.now()
        async with self.state.sessions() as session:
            dirty = (await session.execute(select(StudySession.id, Unit.chat_id).join(
                Unit, Unit.id == StudySession.unit_id).where(
                StudySession.roll_version > StudySession.roll_shown, StudySession.starts_at >= now - ROLL_AGE,
            ).order_by(StudySession.id))).all()
        edits = 0
        for session_id, chat_id in dirty:
            if monotime.monotonic() - self.last.get(chat_id, -1e9) < self.gap:
                continue
            async with self.state.sessions.begin() as session:
                ses = await session.get(StudySession, session_id)
                rendered = ses is not None and await self._render(
                    session, ses, await session.get(Unit, ses.unit_id), now)
            if rendered:
                self.last[chat_id] = monotime.monotonic()
                edits += 1
        # 联学共建: each partner group's announcement is a roll too, with its own state; one short
        # transaction per partner, like the host's.
        async with self.state.sessions() as session:
            stale_ids = [(stale.partner.id, stale.unit.chat_id)
                         for stale in await stale_partner_rolls(session, since=now - ROLL_AGE)]
        for partner_id, chat_id in stale_ids:
            if monotime.monotonic() - self.last.get(chat_id, -1e9) < self.gap:
                continue
            async with self.state.sessions.begin() as session:
                stale = await partner_roll(session, partner_id=partner_id)
                rendered = stale is not None and await self._render(
                    session, stale.session, stale.unit, now, target=stale.partner)
            if rendered:
                self.last[chat_id] = monotime.monotonic()
                edits += 1
        return edits

    async def _render(self, session: AsyncSession, ses: StudySession, unit: Unit, now: datetime,
                      target: object = None) -> bool:
        """Edit the announcement in `unit`'s group: the host's (state on `ses`), or a partner's (`target`,
        a SessionPartner with the same announce_outbox_id / roll_outbox_id / roll_shown)."""
        partner = target is not None
        target = target if partner else ses
        version = ses.roll_version  # responses after this read bump it again, and the next tick catches them
        announced = await session.get(Outbox, target.announce_outbox_id) if target.announce_outbox_id else None
        if announced is None or announced.state in (OutboxState.failed, OutboxState.dead):
            target.roll_shown = version  # no message to edit
            return False
        if announced.message_id is None:
            return False  # not sent yet; it is rendered again once it is
        previous = await session.get(Outbox, target.roll_outbox_id) if target.roll_outbox_id else None
        if previous is not None and previous.state == OutboxState.sending:
            return False
        lang = group_lang(self.state, unit)
        text = announcement_text(lang, ses, unit, await roll(session, session_id=ses.id),
                                 await first_parts(session, lang, ses))
        markup = as_dict(announcement_markup(self.state.codec, lang, ses, panel="jnt.pn" if partner else "ses.pn"))
        if previous is not None and previous.state == OutboxState.pending:
            folded = await session.execute(
                update(Outbox).where(Outbox.id == previous.id, Outbox.state == OutboxState.pending)
                .values(text=text, markup=markup).execution_options(synchronize_session=False)
            )
            if folded.rowcount:  # the waiting edit now carries this roll
                target.roll_shown = version
            return False  # else it was claimed meanwhile: the next tick edits again
        key = f"ses:{ses.id}:u{unit.id}:roll:{version}" if partner else f"ses:{ses.id}:roll:{version}"
        await enqueue(session, items=[OutboxIn(
            dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="ses_roll", due_at=now, text=text,
            markup=markup, edit_message_id=announced.message_id,
        )], now=now)
        target.roll_shown = version
        target.roll_outbox_id = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key))
        return True


def start_roll_job(app: Application) -> None:
    state: BotState = app.bot_data
    interval = min(ROLL_TICK_SECONDS, state.settings.delivery.planner_tick_seconds)
    app.job_queue.run_repeating(RollJob(state), interval=interval, first=interval, name="session-rolls",
                                job_kwargs={"coalesce": True, "misfire_grace_time": None})
