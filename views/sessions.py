"""A study session as the bot shows it: its announcement (which is also its live roll), reminders,
the close summary, leave decisions and 补学 notices — texts, keyboards and the outbox rows that carry
them. Used by the session handlers, the planner (jobs/sessions.py) and other features (joint study,
youth activities, supervision)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackCodec
from bot.context import BotState
from bot.i18n import mention, t
from bot.notify import group_lang, person_lang
from models.outbox import Outbox, OutboxIn, enqueue
from models.sessions import (
    hm,
    ATTENDED, Attendance, Closed, Makeup, MakeupState, SessionState, Status, StudySession, count, makeup_topic, roll,
    session_makeups,
)
from models.units import Person, Unit
from views.base import as_dict, mentions, names, short_name


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


def kind_text(lang: str, ses: StudySession) -> str:
    """The kind, with the activity's form when it has one (青年理论学习小组活动·读书会)."""
    kind = t(lang, f"skind.{ses.kind.value}")
    if ses.form is None:
        return kind
    return t(lang, "sessions.kind_form", kind=kind, form=form_text(lang, ses.form))


def form_text(lang: str, form: str) -> str:
    return t(lang, f"sform.{form}")


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


async def first_parts(session: AsyncSession, state: BotState, lang: str, ses: StudySession) -> list[str]:
    """What other features show first under a session's header (its first agenda items, its partners):
    the features' `announcement_parts`, in order."""
    return [text for part in state.features.announcement_parts if (text := await part(session, lang, ses))]


def announcement_text(lang: str, ses: StudySession, unit: Unit, rows: list[tuple[Attendance, Person]],
                      first: list[str] = ()) -> str:
    """The session's message in the group, which is also its live roll. Built here only, part by part;
    `first` (see first_parts) comes right under the header."""
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
        text=announcement_text(lang, ses, unit, rows, await first_parts(session, state, lang, ses)), markup=as_dict(announcement_markup(state.codec, lang, ses)),
    )], now=now)
    ses.announce_outbox_id = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key))


async def tell_members(
    session: AsyncSession, state: BotState, *, ses: StudySession, unit: Unit, now: datetime, tag: str, kind: str,
    key: str, **params: object,
) -> None:
    """A change of the session, to the group and privately to each expected member who can be reached."""
    lang = group_lang(state, unit)
    items = [OutboxIn(dedupe_key=f"ses:{ses.id}:{tag}", chat_id=unit.chat_id, unit_id=unit.id, kind=kind,
                      due_at=now, text=t(lang, f"{key}_group", **session_params(lang, ses, unit), **params))]
    people = (await session.scalars(
        select(Person).join(Attendance, Attendance.person_id == Person.id)
        .where(Attendance.session_id == ses.id, Attendance.expected, Person.private_ok)
    )).all()
    for p in people:
        plang = person_lang(state, unit, p)
        items.append(OutboxIn(dedupe_key=f"ses:{ses.id}:{tag}:{p.id}", chat_id=p.tg_user_id, person_id=p.id,
                              unit_id=unit.id, kind=kind, due_at=now,
                              text=t(plang, f"{key}_private", **session_params(plang, ses, unit), **params)))
    await enqueue(session, items=items, now=now)


def session_params(lang: str, ses: StudySession, unit: Unit) -> dict:
    return {"id": ses.id, "kind": kind_text(lang, ses), "topic": ses.topic, "unit": unit.name,
            "when": when_text(lang, ses, unit.timezone)}


def summary_text(lang: str, closed: Closed, unit: Unit, rows: list[tuple[Attendance, Person]]) -> str:
    """The close's summary in a group: the counts, and who gets 补学 by when."""
    ses = closed.session
    c = count(rows, closed=True)
    absent = [short_name(p) for a, p in rows if a.expected and a.status in (Status.absent, Status.leave_rejected)]
    text = t(lang, "sessions.summary", **session_params(lang, ses, unit), expected=c.expected, attended=c.attended,
             present=c.present, late=c.late, leave=c.leave, absent=c.absent, rate=c.rate)
    if absent:
        text += "\n" + t(lang, "sessions.summary_makeup", names=names(lang, absent),
                         due=day_text(lang, closed.makeups[0][0].due_at, unit.timezone) if closed.makeups else "—")
    return text


def makeup_notices(state: BotState, unit: Unit, ses: StudySession, made: list[tuple[Makeup, Person]], *,
                   at: datetime) -> list[OutboxIn]:
    """New 补学 items: a private notice each, one group mention list for those not reachable privately."""
    items = [makeup_message(state, unit, ses, item, person, at=at, tag="new", key="makeup.assigned")
             for item, person in made if person.private_ok]
    unreachable = [p for _, p in made if not p.private_ok]
    if unreachable:
        ids = "-".join(str(m.id) for m, _ in made[:1])
        items += group_makeup_notices(state, unit, unreachable, at=at, key=f"ses:{ses.id}:makeups:{ids}",
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
    items = [makeup_message(state, unit, None, item, person, at=at, tag="new", key="makeup.assigned")
             for item, person, unit in ordered if person.private_ok]
    unreachable: dict[tuple[int, str], tuple[Unit, list[Person], int]] = {}
    for item, person, unit in ordered:
        if not person.private_ok:
            key = (unit.id, item.title or "")
            first = unreachable.get(key, (unit, [], item.id))
            first[1].append(person)
            unreachable[key] = first
    for (_, title), (unit, people, first_id) in unreachable.items():
        items += group_makeup_notices(state, unit, people, at=at, key=f"mku:ordered:{first_id}",
                                       text_key="makeup.ordered_group", topic=title)
    return items


def group_makeup_notices(state: BotState, unit: Unit, people: list[Person], *, at: datetime, key: str,
                          text_key: str, topic: str) -> list[OutboxIn]:
    """补学 notices for members the bot cannot reach privately: mentions in their group."""
    lang = group_lang(state, unit)
    return [OutboxIn(dedupe_key=f"{key}:{n}", chat_id=unit.chat_id, unit_id=unit.id, kind="mku_group", due_at=at,
                     text=t(lang, text_key, who=who, topic=topic))
            for n, who in enumerate(mentions(people))]


def makeup_message(state: BotState, unit: Unit, ses: StudySession | None, item: Makeup, person: Person, *,
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
