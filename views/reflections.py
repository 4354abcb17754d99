"""Reflections (心得体会), their review and showcase, and study notes (调阅) as the bot shows them: the
draft panel, the subject chooser, the author's views, the review card, the notes status, and the
outbox rows (to the author, the reviewer, the group). Other features offer "write a reflection on
this" with `subject_button` / `subject_callback`.

`Act` names every button of the feature (the views build them, the declaration maps them to their
handlers); `Ask` names the questions a reviewer answers by reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CallbackCodec
from bot.context import BotState
from bot.i18n import Raw, catalog, mention, t
from bot.notify import group_lang, person_lang
from models.outbox import OutboxIn
from models.reflections import (
    MAX_CHARS, Grade, NoteRequest, NoteState, Reflection, ReflectionState, Showcase, Subject,
)
from models.reflections import ReflectionReview as Review
from models.units import Person, Unit
from views.base import Renderer, as_dict, columns, rows

EXCERPT = 1200  # characters of a reflection on a review card; the rest on request
CHUNK = 3000  # characters per message when a whole text is sent (Telegram takes 4096)
SHOWCASE_EXCERPT = 3000
PICKER_PAGE = 20


class Act(StrEnum):
    """Callback actions of the reflection, review, showcase and notes buttons."""

    subject = "rf.s"
    submit = "rf.sub"
    preview = "rf.pv"
    panel = "rf.pn"
    clear = "rf.clr"
    discard = "rf.del"
    edit = "rf.ed"
    mine = "rf.my"
    view = "rf.v"
    showcase = "sc"
    review_view = "rv.v"
    review_next = "rv.nx"
    review_approve = "rv.ok"
    review_grade = "rv.g"
    review_go = "rv.go"
    review_excellent = "rv.ex"
    review_return = "rv.rt"
    review_full = "rv.full"
    review_files = "rv.att"
    notes_pick = "nt.p"
    notes_page = "nt.pg"
    notes_start = "nt.go"
    notes_done = "nt.done"
    notes_view = "nt.v"


class Ask(StrEnum):
    """Prompt kinds: what a reviewer's reply answers."""

    approve = "review.approve"
    return_ = "review.return"


REVIEW_PROMPTS = (Ask.approve, Ask.return_)


# -- offered by other features ---------------------------------------------------------------------

def subject_callback(codec: CallbackCodec, subject: Subject) -> str:
    """callback_data that starts a reflection on `subject`. A feature's follow-up message carries it
    on a button; replying to that message with text starts the same draft."""
    return codec.encode(Act.subject, subject.kind, subject.ref_id or 0, subject.unit_id)


def subject_button(view: Renderer, label: str, subject: Subject, **params: object) -> InlineKeyboardButton:
    return view.button(label, Act.subject, subject.kind, subject.ref_id or 0, subject.unit_id, **params)


# -- small texts -----------------------------------------------------------------------------------

def when(lang: str, at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return t(lang, "reflect.when", month=local.month, day=local.day, time=local.strftime("%H:%M"))


def day(lang: str, d: date) -> str:
    return t(lang, "reflect.day", month=d.month, day=d.day)


def local_day(lang: str, at: datetime, tz: str) -> str:
    return day(lang, at.astimezone(ZoneInfo(tz)).date())


def subject_label(lang: str, kind: str, title: str) -> str:
    """How a subject reads (plain text): `reflect_subject.<kind>` from the providing feature's catalog."""
    key = f"reflect_subject.{kind}"
    return t(lang, key, title=Raw(title)) if key in catalog(lang) or key in catalog("zh") else title


def label_of(lang: str, r: Reflection) -> str:
    return subject_label(lang, r.subject_kind, r.subject_title)


def chunks(text: str, size: int = CHUNK) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def files_summary(lang: str, files: Sequence[Any]) -> str:
    photos = sum(1 for f in files if f.kind == "photo")
    docs = sum(1 for f in files if f.kind == "document")
    parts = []
    if photos:
        parts.append(t(lang, "reflect.files_photos", n=photos))
    if docs:
        parts.append(t(lang, "reflect.files_docs", n=docs))
    return t(lang, "reflect.list_sep").join(parts)


def state_label(lang: str, r: Reflection) -> str:
    if r.state == ReflectionState.approved and r.grade is not None:
        return t(lang, "reflect.state_approved_grade", grade=t(lang, f"review.grade_{r.grade.value}"))
    return t(lang, f"reflect.state_{r.state.value}")


def open_private(view: Renderer, bot_username: str) -> InlineKeyboardMarkup:
    return rows([view.url_button("reflect.btn_open_private", f"https://t.me/{bot_username}")])


# -- writing ---------------------------------------------------------------------------------------

def panel(view: Renderer, draft: Reflection, *, least: int, files: Sequence[Any], head: str | None = None,
          **params: object) -> tuple[str, InlineKeyboardMarkup]:
    """The draft as it stands: subject, count against the unit's limits, attachments, buttons."""
    lines = [view.t(head, **params)] if head else []
    lines.append(view.t("reflect.panel", subject=label_of(view.lang, draft), count=draft.chars, min=least,
                        max=MAX_CHARS))
    if files:
        lines.append(view.t("reflect.panel_files", files=files_summary(view.lang, files)))
    if draft.chars < least:
        lines.append(view.t("reflect.panel_missing", missing=least - draft.chars))
    else:
        lines.append(view.t("reflect.panel_enough"))
    last = [view.button("reflect.btn_clear", Act.clear, draft.id)]
    if not draft.revision:
        last.append(view.button("reflect.btn_discard", Act.discard, draft.id))
    markup = rows([view.button("reflect.btn_submit", Act.submit, draft.id),
                   view.button("reflect.btn_preview", Act.preview, draft.id)], last)
    return "\n".join(lines), markup


def chooser(view: Renderer, subjects: Sequence[Subject], names: dict[int, str],
            returned: Sequence[Reflection]) -> tuple[str, InlineKeyboardMarkup]:
    """What a new reflection can be about; reflections returned for revision come first."""
    several_units = len({s.unit_id for s in subjects}) > 1
    lines = []
    for s in subjects:
        label = subject_label(view.lang, s.kind, s.title)[:40]
        if several_units:
            label = view.t("reflect.subject_in_unit", subject=Raw(label), unit=Raw(names.get(s.unit_id, "")[:20]))
        lines.append([subject_button(view, "=" + label, s)])
    lines.append([view.button("reflect.btn_mine", Act.mine)])
    text = view.t("reflect.choose")
    if returned:
        # Revising what came back usually matters more than starting something new.
        text = view.t("reflect.returned_waiting", n=len(returned)) + "\n\n" + text
        lines.insert(0, [view.button("=" + view.t("reflect.btn_edit_returned", id=r.id), Act.edit, r.id)
                         for r in returned[:4]])
    return text, InlineKeyboardMarkup(lines)


def edit_keyboard(view: Renderer, r: Reflection) -> InlineKeyboardMarkup:
    return rows([view.button("reflect.btn_edit", Act.edit, r.id)])


def confirm_keyboard(view: Renderer, yes: str, action: Act, r: Reflection) -> InlineKeyboardMarkup:
    """Clearing or discarding a draft asks first."""
    return rows([view.button(yes, action, r.id, 1), view.button("reflect.btn_back", Act.panel, r.id)])


def mine_list(view: Renderer, mine: Sequence[tuple[Reflection, Unit]]) -> tuple[str, InlineKeyboardMarkup]:
    lines = [view.t("reflect.mine_title")]
    buttons = []
    for r, unit in mine:
        lines.append(view.t("reflect.mine_line", id=r.id, subject=label_of(view.lang, r), count=r.chars,
                            when=when(view.lang, r.submitted_at or r.updated_at, unit.timezone),
                            state=state_label(view.lang, r)))
        buttons.append(view.button("=" + view.t("reflect.btn_view", id=r.id), Act.view, r.id))
    return "\n".join(lines), columns(buttons, 3)


def consent_rows(view: Renderer, rid: int) -> list[list[InlineKeyboardButton]]:
    return [
        [view.button("showcase.btn_named", Act.showcase, rid, Showcase.named.value),
         view.button("showcase.btn_anonymous", Act.showcase, rid, Showcase.anonymous.value)],
        [view.button("showcase.btn_decline", Act.showcase, rid, Showcase.declined.value)],
    ]


def author_view(view: Renderer, r: Reflection, last: Review | None, reviewer: Person | None,
                unit: Unit) -> tuple[str, InlineKeyboardMarkup]:
    """The author's own view: state, the latest review comment, and what they can do now."""
    lines = [view.t("reflect.view", id=r.id, subject=label_of(view.lang, r), count=r.chars,
                    state=state_label(view.lang, r))]
    if last is not None and last.comment:
        lines.append(view.t("reflect.view_comment", comment=last.comment,
                            reviewer=reviewer.display_name if reviewer else "—"))
    buttons = [[view.button("reflect.btn_preview", Act.preview, r.id)]]
    if r.state in (ReflectionState.submitted, ReflectionState.returned):
        buttons.append([view.button("reflect.btn_edit", Act.edit, r.id)])
    if r.showcase == Showcase.asked:
        lines.append(view.t("showcase.ask", unit=unit.name))
        buttons += consent_rows(view, r.id)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def showcase_post(state: BotState, unit: Unit, r: Reflection, author: Person, choice: Showcase,
                  now: datetime) -> OutboxIn:
    """A reflection its author agreed to show, posted to the unit's group."""
    lang = group_lang(state, unit)
    name = author.display_name if choice == Showcase.named else t(lang, "showcase.anonymous")
    more = t(lang, "showcase.more", count=r.chars) if len(r.text) > SHOWCASE_EXCERPT else ""
    text = t(lang, "showcase.post", subject=label_of(lang, r), author=name, text=r.text[:SHOWCASE_EXCERPT],
             more=Raw(more))
    return OutboxIn(dedupe_key=f"reflect:{r.id}:showcase", chat_id=unit.chat_id, unit_id=unit.id, kind="showcase",
                    due_at=now, text=text)


# -- review ----------------------------------------------------------------------------------------

def review_card(view: Renderer, r: Reflection, *, author: Person, unit: Unit, files: Sequence[Any], left: int,
                last_return: Review | None, has_next: bool, scope: int) -> tuple[str, InlineKeyboardMarkup]:
    lines = [view.t("review.card", left=left, id=r.id, author=author.display_name, unit=unit.name,
                    subject=label_of(view.lang, r), revision=r.revision, count=r.chars,
                    when=when(view.lang, r.submitted_at or r.updated_at, unit.timezone))]
    if files:
        lines.append(view.t("reflect.panel_files", files=files_summary(view.lang, files)))
    lines.append(view.t("review.card_text", text=r.text[:EXCERPT]))
    if len(r.text) > EXCERPT:
        lines.append(view.t("review.card_more", count=r.chars))
    if last_return is not None:
        lines.append(view.t("review.card_last_return", comment=last_return.comment or ""))
    if r.state != ReflectionState.submitted:
        lines.append(view.t("review.card_state", state=state_label(view.lang, r)))
    buttons: list[list[InlineKeyboardButton]] = []
    if r.state == ReflectionState.submitted:
        buttons.append([view.button("review.btn_approve", Act.review_approve, r.id, scope),
                        view.button("review.btn_return", Act.review_return, r.id, scope)])
    if r.state == ReflectionState.submitted or (r.state == ReflectionState.approved and r.grade != Grade.excellent):
        buttons.append([view.button("review.btn_excellent", Act.review_excellent, r.id, scope)])
    extra = [view.button("review.btn_full", Act.review_full, r.id)] if len(r.text) > EXCERPT else []
    if files:
        extra.append(view.button("=" + view.t("review.btn_files", n=len(files)), Act.review_files, r.id))
    if has_next:
        extra.append(view.button("review.btn_next", Act.review_next, r.id, scope))
    buttons.append(extra)
    return "\n".join(lines), rows(*buttons)


def back_row(view: Renderer, r: Reflection, scope: int) -> list[InlineKeyboardButton]:
    return [view.button("reflect.btn_back", Act.review_view, r.id, scope)]


def grades_keyboard(view: Renderer, r: Reflection, scope: int) -> InlineKeyboardMarkup:
    return rows([view.button(f"review.btn_grade_{g.value}", Act.review_grade, r.id, scope, g.value) for g in Grade],
                back_row(view, r, scope))


def no_comment_keyboard(view: Renderer, r: Reflection, scope: int, grade: Grade) -> InlineKeyboardMarkup:
    return rows([view.button("review.btn_no_comment", Act.review_go, r.id, scope, grade.value)], back_row(view, r, scope))


def author_notice(state: BotState, r: Reflection, *, author: Person, unit: Unit, reviewer: Person,
                  comment: str | None, now: datetime) -> OutboxIn:
    """The decision, privately (the group is the fallback); excellent ones ask for showcase consent."""
    lang = person_lang(state, unit, author)
    view = Renderer(lang, state.codec)
    subject = label_of(lang, r)
    comment_line = t(lang, "review.note_comment", reviewer=reviewer.display_name, comment=comment) if comment else ""
    if r.state == ReflectionState.returned:
        text = t(lang, "review.note_returned", subject=subject, comment=Raw(comment_line))
        markup: InlineKeyboardMarkup | None = edit_keyboard(view, r)
        key = f"reflect:{r.id}:returned:{r.revision}"
    else:
        text = t(lang, "review.note_approved", subject=subject, grade=t(lang, f"review.grade_{r.grade.value}"),
                 comment=Raw(comment_line))
        markup = None
        if r.showcase == Showcase.asked:
            text += "\n\n" + t(lang, "showcase.ask", unit=unit.name)
            markup = InlineKeyboardMarkup(consent_rows(view, r.id))
        key = f"reflect:{r.id}:approved:{r.grade.value}"
    fallback = t(group_lang(state, unit), "review.note_fallback", who=mention(author.tg_user_id, author.display_name))
    return OutboxIn(dedupe_key=key, chat_id=author.tg_user_id, person_id=author.id, unit_id=unit.id,
                    kind="reflection", due_at=now, text=text, markup=as_dict(markup), fallback_text=fallback)


# -- study notes -----------------------------------------------------------------------------------

def due_arg(d: date) -> str:
    """A day as it travels in callback data."""
    return d.strftime("%Y%m%d")


def notes_status(view: Renderer, unit: Unit, requests: Sequence[tuple[NoteRequest, int, Person]],
                 now: datetime) -> list[str]:
    """Who was asked for notes and what arrived."""
    if not requests:
        return [view.t("notes.status_none", unit=unit.name)]
    lines = [view.t("notes.status_title", unit=unit.name)]
    for req, n, person in requests:
        if req.state == NoteState.done:
            state = view.t("notes.state_done", n=n, at=when(view.lang, req.done_at, unit.timezone))
        elif n:
            state = view.t("notes.state_partial", n=n, at=when(view.lang, req.first_at, unit.timezone))
        elif req.due_at < now:
            state = view.t("notes.state_overdue")
        else:
            state = view.t("notes.state_waiting")
        lines.append(view.t("notes.status_line", name=person.display_name,
                            due=local_day(view.lang, req.due_at, unit.timezone), state=state))
    return lines


def notes_keyboard(view: Renderer, unit: Unit, requests: Sequence[tuple[NoteRequest, int, Person]],
                   members: Sequence[Person], due: date, page: int) -> InlineKeyboardMarkup:
    """The notes that arrived (to view), then a page of members to ask."""
    seen = [view.button("=" + view.t("notes.btn_view", name=Raw(person.display_name[:20]), n=n), Act.notes_view,
                        req.id) for req, n, person in requests if n]
    shown = members[page * PICKER_PAGE:(page + 1) * PICKER_PAGE]
    pick = [view.button("=" + p.display_name[:30], Act.notes_pick, unit.id, p.id, due_arg(due)) for p in shown]
    lines = [seen[i:i + 2] for i in range(0, len(seen), 2)] + [pick[i:i + 2] for i in range(0, len(pick), 2)]
    if len(members) > (page + 1) * PICKER_PAGE:
        lines.append([view.button("notes.btn_more", Act.notes_page, unit.id, page + 1, due_arg(due))])
    return InlineKeyboardMarkup(lines)


def notes_start_keyboard(view: Renderer, req: NoteRequest) -> InlineKeyboardMarkup:
    return rows([view.button("notes.btn_start", Act.notes_start, req.id)])


def notes_done_keyboard(view: Renderer, req: NoteRequest) -> InlineKeyboardMarkup:
    return rows([view.button("notes.btn_done", Act.notes_done, req.id)])


def notes_ask(state: BotState, unit: Unit, person: Person, admin: Person, req: NoteRequest, due: date, *,
              key: str, now: datetime) -> OutboxIn:
    """Asking a member for notes: privately (the group is the fallback), or in the group when the bot
    cannot reach them."""
    unit_lang = group_lang(state, unit)
    who = mention(person.tg_user_id, person.display_name)
    if person.private_ok:
        lang = person_lang(state, unit, person)
        return OutboxIn(
            dedupe_key=key, chat_id=person.tg_user_id, person_id=person.id, unit_id=unit.id, kind="notes",
            due_at=now, text=t(lang, "notes.ask", admin=admin.display_name, unit=unit.name, due=day(lang, due)),
            markup=as_dict(notes_start_keyboard(Renderer(lang, state.codec), req)),
            fallback_text=t(unit_lang, "notes.ask_fallback", who=who, due=day(unit_lang, due)))
    return OutboxIn(
        dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="notes", due_at=now,
        text=t(unit_lang, "notes.ask_group", who=who, admin=admin.display_name, due=day(unit_lang, due)),
        markup=as_dict(notes_start_keyboard(Renderer(unit_lang, state.codec), req)))


def notes_arrived(state: BotState, unit: Unit, req: NoteRequest, member: Person, admin: Person | None, n: int,
                  now: datetime) -> OutboxIn:
    """The member is done: the admin who asked is told privately, else the group."""
    key = f"notes:{req.id}:done"
    if admin is not None and admin.private_ok:
        lang = person_lang(state, unit, admin)
        return OutboxIn(
            dedupe_key=key, chat_id=admin.tg_user_id, person_id=admin.id, unit_id=unit.id, kind="notes", due_at=now,
            text=t(lang, "notes.arrived", name=member.display_name, n=n, at=when(lang, now, unit.timezone),
                   unit=unit.name),
            markup=as_dict(rows([Renderer(lang, state.codec).button("notes.btn_view_now", Act.notes_view, req.id)])))
    lang = group_lang(state, unit)
    return OutboxIn(dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="notes", due_at=now,
                    text=t(lang, "notes.arrived_group", name=member.display_name, n=n))


def notes_reminder(state: BotState, unit: Unit, person: Person, req: NoteRequest, at: datetime) -> OutboxIn:
    """Notes due today: the member (privately, else a mention in the group) at 09:00."""
    unit_lang = group_lang(state, unit)
    private = person.private_ok
    lang = person_lang(state, unit, person) if private else unit_lang
    who = mention(person.tg_user_id, person.display_name)
    return OutboxIn(
        dedupe_key=f"notes:{req.id}:remind:{at.date().isoformat()}",
        chat_id=person.tg_user_id if private else unit.chat_id, person_id=person.id if private else None,
        unit_id=unit.id, kind="notes", due_at=at,
        text=t(lang, "notes.remind", due=day(lang, at)) if private else t(
            lang, "notes.remind_group", who=who, due=day(lang, at)),
        markup=as_dict(notes_start_keyboard(Renderer(lang, state.codec), req)),
        fallback_text=t(unit_lang, "notes.remind_group", who=who, due=day(unit_lang, at)),
    )
