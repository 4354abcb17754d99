"""The scheduling dialogue's card: the draft as it stands and what to choose next (or a sub-menu to
change one thing)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from models.sessions import ActivityForm, SessionDraft, kinds_for, takes_form, draft_missing
from models.units import Unit
from views.base import Renderer
from views.sessions.actions import Act
from views.sessions.messages import day_text, form_text

TIMES = ("08:30", "09:00", "09:30", "10:00", "14:00", "14:30", "15:00", "15:30", "16:00", "19:00")
DURATIONS = (30, 60, 90, 120, 180, 240, 480)
MENUS = ("kind", "form", "date", "time", "duration")  # the steps chosen with buttons
FIELDS = ("date", "time", "topic", "place", "presenter")  # the ones that may be typed

Keyboard = list[list[InlineKeyboardButton]]


def draft_lines(r: Renderer, draft: SessionDraft, unit: Unit) -> list[str]:
    d = draft.data
    dash = r.t("sessions.none")
    day = dash
    if d.get("date"):
        local = datetime.combine(date.fromisoformat(d["date"]), time(12), tzinfo=ZoneInfo(unit.timezone))
        day = day_text(r.lang, local, unit.timezone)
    title = (r.t("sessions.draft_edit_title", id=draft.session_id) if draft.session_id
             else r.t("sessions.draft_title"))
    lines = [title, r.t("sessions.draft_kind", kind=r.t(f"skind.{d['kind']}") if d.get("kind") else dash)]
    if takes_form(d.get("kind")):
        lines.append(r.t("sessions.draft_form", form=form_text(r.lang, d["form"]) if d.get("form") else dash))
    return [
        *lines,
        r.t("sessions.draft_day", day=day),
        r.t("sessions.draft_time", time=d.get("time") or dash, minutes=d.get("minutes") or 90),
        r.t("sessions.draft_topic", topic=d.get("topic") or dash),
        r.t("sessions.draft_place", place=d.get("place") or dash),
        r.t("sessions.draft_presenter", presenter=d.get("presenter") or dash),
    ]


def _split(buttons: list[InlineKeyboardButton], width: int) -> Keyboard:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def _kind_buttons(r: Renderer, draft: SessionDraft, unit: Unit) -> Keyboard:
    return _split([r.button(f"skind.{k.value}", Act.DRAFT_KIND, draft.id, k.value) for k in kinds_for(unit.kind)], 2)


def _form_buttons(r: Renderer, draft: SessionDraft) -> Keyboard:
    return _split([r.button("=" + form_text(r.lang, f.value), Act.DRAFT_FORM, draft.id, f.value)
                   for f in ActivityForm], 2)


def _date_buttons(r: Renderer, draft: SessionDraft, unit: Unit, now: datetime) -> Keyboard:
    today = now.astimezone(ZoneInfo(unit.timezone)).date()
    days = []
    for n in range(8):
        day = today + timedelta(days=n)
        at = datetime.combine(day, time(12), tzinfo=ZoneInfo(unit.timezone))
        rel = r.t(f"sessions.rel_{n}") if n < 3 else ""
        days.append(r.button("=" + f"{rel} {day_text(r.lang, at, unit.timezone)}".strip(), Act.DRAFT_DATE, draft.id,
                             day.strftime("%Y%m%d")))
    return [*_split(days, 2), [r.button("sessions.btn_other_date", Act.DRAFT_INPUT, draft.id, "date")]]


def _time_buttons(r: Renderer, draft: SessionDraft) -> Keyboard:
    times = [r.button("=" + hhmm, Act.DRAFT_TIME, draft.id, hhmm.replace(":", "")) for hhmm in TIMES]
    return [*_split(times, 5), [r.button("sessions.btn_other_time", Act.DRAFT_INPUT, draft.id, "time")]]


def _duration_buttons(r: Renderer, draft: SessionDraft) -> Keyboard:
    return _split([r.button("=" + r.t("sessions.minutes", n=m), Act.DRAFT_DURATION, draft.id, m)
                   for m in DURATIONS], 4)


def _confirm_buttons(r: Renderer, draft: SessionDraft) -> Keyboard:
    def menu(label: str, what: str) -> InlineKeyboardButton:
        return r.button(label, Act.DRAFT_MENU, draft.id, what)

    def ask(label: str, what: str) -> InlineKeyboardButton:
        return r.button(label, Act.DRAFT_INPUT, draft.id, what)

    form = [menu("sessions.btn_form", "form")] if takes_form(draft.data.get("kind")) else []
    lines = [
        [r.button("sessions.btn_save" if draft.session_id else "sessions.btn_publish", Act.DRAFT_PUBLISH, draft.id)],
        [menu("sessions.btn_kind", "kind"), *form, menu("sessions.btn_date", "date"), menu("sessions.btn_time", "time"),
         menu("sessions.btn_duration", "duration")],
        [ask("sessions.btn_topic", "topic"), ask("sessions.btn_place", "place"),
         ask("sessions.btn_presenter", "presenter")],
    ]
    if draft.session_id:
        lines.append([r.button("sessions.btn_expected", Act.EXPECTED, draft.session_id, 0)])
    lines.append([r.button("sessions.btn_discard", Act.DRAFT_DISCARD, draft.id)])
    return lines


def card(r: Renderer, draft: SessionDraft, unit: Unit, *, now: datetime,
         menu: str | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The draft as it stands, and what to choose next (or a sub-menu to change one thing)."""
    lines = draft_lines(r, draft, unit)
    step = menu or draft_missing(draft)
    keyboards = {
        "kind": lambda: _kind_buttons(r, draft, unit), "form": lambda: _form_buttons(r, draft),
        "date": lambda: _date_buttons(r, draft, unit, now),
        "time": lambda: _time_buttons(r, draft), "duration": lambda: _duration_buttons(r, draft),
    }
    if step in keyboards:
        lines += ["", r.t(f"sessions.step_{step}")]
        keyboard = keyboards[step]()
        if menu:
            keyboard.append([r.button("sessions.btn_back", Act.DRAFT_MENU, draft.id, "card")])
        else:
            keyboard.append([r.button("sessions.btn_discard", Act.DRAFT_DISCARD, draft.id)])
        return "\n".join(lines), InlineKeyboardMarkup(keyboard)
    if step == "topic":
        lines += ["", r.t("sessions.step_topic")]
        return "\n".join(lines), None
    lines += ["", r.t("sessions.step_confirm_edit" if draft.session_id else "sessions.step_confirm")]
    return "\n".join(lines), InlineKeyboardMarkup(_confirm_buttons(r, draft))
