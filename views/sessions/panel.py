"""The admins' panel of a session — one view for the host's group and a joint session's partner groups
— the page choosing who is expected, and the mentions of /nudge."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.sessions import Attendance, Makeup, SessionState, Status, StudySession
from models.units import Person, Unit
from views.base import Renderer, names, rows, short_name
from views.sessions.actions import Act
from views.sessions.messages import header_lines, response_buttons, roll_lines

PANEL_BUTTONS = 20  # per part of the panel; the rest are named in the text
PAGE = 24  # members per page when choosing who is expected

Roll = list[tuple[Attendance, Person]]


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def panel(r: Renderer, ses: StudySession, unit: Unit, everyone: Roll, *, now: datetime,
          makeups: list[tuple[Makeup, Person]] = (), host: Unit | None = None,
          own: set[int] = frozenset()) -> tuple[str, InlineKeyboardMarkup]:
    """The roll, the leave requests with 准假 / 不准, and for the host's admins (`host` None) the missing
    with 代签 / 补签, the open 补学 items and who is expected. In a partner group (`host`: the hosting
    unit) only the leave of the partner's `own` members is decided there, and its buttons are the
    partner's."""
    partner = host is not None
    lines = [*header_lines(r.lang, ses, unit), "", *roll_lines(r.lang, ses, everyone)]
    if partner:
        lines += ["", r.t("joint.panel_note", host=host.name)]
    entries = [(a, p) for a, p in everyone if a.expected and (not partner or p.id in own)]
    asked = [(a, p) for a, p in entries if a.status == Status.leave_asked]
    buttons: list[list[InlineKeyboardButton]] = []
    if asked and not (partner and ses.state == SessionState.cancelled):
        approve, reject = ((Act.JOINT_LEAVE_APPROVE, Act.JOINT_LEAVE_REJECT) if partner
                           else (Act.LEAVE_APPROVE, Act.LEAVE_REJECT))
        lines += ["", r.t("sessions.panel_leaves")]
        lines += [r.t("sessions.panel_leave_line", name=p.display_name, reason=a.leave_reason or "")
                  for a, p in asked[:PANEL_BUTTONS]]
        buttons += [[r.button("=" + r.t("sessions.btn_approve", name=short_name(p)), approve, ses.id, p.id),
                     r.button("=" + r.t("sessions.btn_reject", name=short_name(p)), reject, ses.id, p.id)]
                    for _, p in asked[:PANEL_BUTTONS]]
    if partner:
        buttons.append([r.button("sessions.btn_refresh", Act.JOINT_PANEL, ses.id, 1)])
        return "\n".join(lines), InlineKeyboardMarkup(buttons)
    closed = ses.state == SessionState.closed or now > ses.closes_at
    missing = [(a, p) for a, p in entries if a.status in (Status.pending, Status.absent, Status.leave_rejected)]
    if missing and ses.state != SessionState.cancelled:
        lines += ["", r.t("sessions.panel_missing_after" if closed else "sessions.panel_missing",
                          names=names(r.lang, [p.display_name for _, p in missing]))]
        if now >= ses.opens_at:
            label = "sessions.btn_makeup_checkin" if closed else "sessions.btn_proxy"
            buttons += _pairs([r.button("=" + r.t(label, name=short_name(p)), Act.PROXY, ses.id, p.id)
                               for _, p in missing[:PANEL_BUTTONS]])
    if makeups:
        listed = names(r.lang, [f"#{m.id} {p.display_name}" for m, p in makeups])
        lines += ["", r.t("sessions.panel_makeups", names=listed)]
        buttons += _pairs([r.button("=" + r.t("sessions.btn_makeup_done", name=short_name(p)), Act.MAKEUP_DONE, m.id)
                           for m, p in makeups[:PANEL_BUTTONS]])
    tail = [r.button("sessions.btn_refresh", Act.PANEL, ses.id, 1)]
    if ses.state == SessionState.scheduled:
        tail.insert(0, r.button("sessions.btn_expected", Act.EXPECTED, ses.id, 0))
    buttons.append(tail)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def expected_page(r: Renderer, ses: StudySession, choices: list[tuple[Person, bool]],
                  page: int) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the unit's members, each a toggle: expected at the session or not."""
    pages = max(1, -(-len(choices) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = choices[page * PAGE:(page + 1) * PAGE]
    toggles = [r.button("=" + ("✅ " if on else "➖ ") + short_name(p), Act.EXPECTED_TOGGLE, ses.id, p.id, page)
               for p, on in shown]
    lines = [toggles[i:i + 3] for i in range(0, len(toggles), 3)]
    nav = []
    if page > 0:
        nav.append(r.button("sessions.btn_prev", Act.EXPECTED, ses.id, page - 1))
    if page < pages - 1:
        nav.append(r.button("sessions.btn_next", Act.EXPECTED, ses.id, page + 1))
    nav.append(r.button("sessions.btn_back", Act.PANEL, ses.id, 1))
    lines.append(nav)
    expected = sum(1 for _, on in choices if on)
    text = r.t("sessions.expected_title", id=ses.id, topic=ses.topic, n=expected, total=len(choices),
               page=page + 1, pages=pages)
    return text, InlineKeyboardMarkup(lines)


def nudge_markup(r: Renderer, ses: StudySession) -> InlineKeyboardMarkup:
    return rows(response_buttons(r, ses))
