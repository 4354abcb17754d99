"""Lists of sessions and 补学 items: which open session a check-in is for, /sessions, /makeup and this
feature's part of /me."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from models.sessions import Attendance, Counts, Makeup, StudySession
from models.units import Unit
from views.base import Renderer, columns
from views.sessions.actions import Act
from views.sessions.messages import day_text, kind_text, when_text


def session_label(r: Renderer, ses: StudySession, unit: Unit) -> str:
    return r.t("sessions.label", id=ses.id, kind=kind_text(r.lang, ses), topic=ses.topic[:24],
               when=when_text(r.lang, ses, unit.timezone))


def which_session(r: Renderer, choices: list[tuple[StudySession, Unit]]) -> InlineKeyboardMarkup:
    """Several sessions open at once: one 签到 button each."""
    return columns([r.button("=" + session_label(r, s, u)[:60], Act.CHECKIN, s.id) for s, u in choices], 1)


def sessions_list(r: Renderer, unit: Unit, soon: list[StudySession], past: list[StudySession],
                  counts: dict[int, Counts]) -> str:
    """/sessions: upcoming and recent sessions with their rates."""
    def line(s: StudySession) -> str:
        c = counts[s.id]
        return r.t("sessions.list_line", id=s.id, when=when_text(r.lang, s, unit.timezone), kind=kind_text(r.lang, s),
                   topic=s.topic[:40], attended=c.attended, expected=c.expected, rate=c.rate, leave=c.leave,
                   state=r.t(f"sessions.state_{s.state.value}"))

    lines = [r.t("sessions.list_title", unit=unit.name), "", r.t("sessions.list_upcoming")]
    lines += [line(s) for s in soon] or [r.t("sessions.list_none")]
    lines += ["", r.t("sessions.list_recent")]
    lines += [line(s) for s in past] or [r.t("sessions.list_none")]
    lines += ["", r.t("sessions.list_help")]
    return "\n".join(lines)


def makeup_lines(r: Renderer, items: list[tuple[Makeup, StudySession | None, Unit]], *, now: datetime) -> list[str]:
    lines = []
    for m, s, u in items:
        tz = u.timezone
        overdue = m.due_at < now
        if s is None:  # ordered without a session (e.g. by the quarterly bulletin): its title says what
            lines.append(r.t("makeup.plain_overdue" if overdue else "makeup.plain", id=m.id, title=m.title or "",
                             unit=u.name, due=day_text(r.lang, m.due_at, tz)))
            continue
        lines.append(r.t("makeup.item_overdue" if overdue else "makeup.item", id=m.id, topic=s.topic,
                         kind=kind_text(r.lang, s), day=day_text(r.lang, s.starts_at, tz),
                         due=day_text(r.lang, m.due_at, tz)))
    return lines


def makeup_list(r: Renderer, items: list[tuple[Makeup, StudySession | None, Unit]], *, now: datetime) -> str:
    """/makeup: my open 补学 items, and how to hand one in."""
    return "\n".join([r.t("makeup.list_title"), *(makeup_lines(r, items, now=now) or [r.t("makeup.none")]),
                      "", r.t("makeup.usage")])


def me_text(r: Renderer, *, attended: int, missed: int, items: list[tuple[Makeup, StudySession | None, Unit]],
            upcoming: list[tuple[StudySession, Attendance, Unit]], now: datetime) -> str:
    """This feature's part of /me: attendance this year, open 补学 items, the next sessions expected at."""
    lines = [r.t("sessions.me_tally", attended=attended, missed=missed)]
    lines += [r.t("makeup.me_title", n=len(items)), *(makeup_lines(r, items, now=now) or [r.t("makeup.none")])]
    if items:
        lines.append(r.t("makeup.me_hint"))
    if upcoming:
        lines += ["", r.t("sessions.me_upcoming")]
        lines += [r.t("sessions.me_line", when=when_text(r.lang, s, u.timezone), kind=kind_text(r.lang, s),
                      topic=s.topic[:40], unit=u.name, status=r.t(f"sessions.status_{a.status.value}"))
                  for s, a, u in upcoming]
    return "\n".join(lines)
