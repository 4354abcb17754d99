"""Youth groups as the bot shows them: the overview, the youth picker, the rotation picker and summary,
swap offers, activity records, quiz banks and scoreboards, the committee's evaluation card, consent
questions and excellent cases — texts, keyboards and outbox rows for handlers/youth and jobs/youth.
The callback actions (`Act`) and the question kinds (`Ask`) are named here, once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from telegram import InlineKeyboardMarkup

from bot.i18n import Raw, mention, t
from models.outbox import OutboxIn
from models.sessions import StudySession
from models.units import Person, Unit
from models.youth import (
    ActivityRecord, Contest, ContestState, Evaluation, Grade, Period, PeriodKind, Rotation, Step, Swap, Turn,
)
from models.youth.contests import QuizRecord
from views.base import Renderer, columns, rows
from views.sessions import day_text, kind_text, when_text

PICKER_PAGE = 16
PICKER_MAX = 30
EXCERPT = 300
CASE_RECORD_MAX = 600
CASE_PHOTOS_MAX = 10
CASE_BUDGET = 3000
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
GRADE_EMOJI = {Grade.excellent: "🏅", Grade.good: "👍", Grade.fair: "👌", Grade.poor: "⚠️"}


class Act(StrEnum):
    """Callback actions of the youth feature's buttons."""

    FLAG_TOGGLE = "yf.t"
    FLAG_PAGE = "yf.p"
    ROTATION_ADD = "yr.a"
    ROTATION_UNDO = "yr.u"
    ROTATION_CLEAR = "yr.c"
    ROTATION_KIND = "yr.k"
    ROTATION_DONE = "yr.d"
    SWAP_PICK = "ys.p"
    SWAP_YES = "ys.ok"
    SWAP_NO = "ys.no"
    RECORD_UNIT = "yrec.u"
    RECORD_DONE = "yrec.ok"
    RECORD_DROP = "yrec.x"
    EVALUATE_LIST = "ye.l"
    EVALUATE_GROUP = "ye.g"
    EVALUATE_RATE = "ye.r"
    EVALUATE_EXCELLENT = "ye.x"
    CONSENT_YES = "yc.y"
    CONSENT_NO = "yc.n"


class Ask(StrEnum):
    """Kinds of the questions (prompt rows) whose replies the youth feature takes."""

    QUIZ_IMPORT = "quiz.import"
    RECORD = "yrec.ask"  # the request for an activity's record (opened by the sender's after-sent hook)


# ------------------------------------------------------------------------------------------ pieces


def name_of(r: Renderer, names: dict[int, str], pid: int | None) -> str:
    return names.get(pid, r.t("youth.nobody")) if pid is not None else r.t("youth.nobody")


def figure_lines(r: Renderer, figures: list[dict]) -> list[str]:
    return [r.t(f"youth.fig_{f['key']}", **f["params"]) for f in figures]


def kind_name(r: Renderer, kind: PeriodKind) -> str:
    return r.t(f"youth.kind_{kind.value}")


def activity(r: Renderer, ses: StudySession, unit: Unit) -> str:
    """An activity as records name it: 青年理论学习小组活动·读书会“…”（11月24日（周二））."""
    return r.t("record.activity", kind=kind_text(r.lang, ses), topic=ses.topic,
               day=day_text(r.lang, ses.starts_at, unit.timezone))


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def ymd(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


# ------------------------------------------------------------------------------- /youth, /youthflag


def overview_head(r: Renderer, unit: Unit, members: int, youth: list[str], limit: int) -> list[str]:
    lines = [r.t("youth.overview_title", unit=unit.name, members=members, youth=len(youth), limit=limit)]
    if youth:
        lines.append(r.t("youth.overview_youth", names="、".join(youth[:30])))
    return lines


def overview_rotation(r: Renderer, rot: Rotation, period: Period, turns: list[tuple[Period, int | None]],
                      names: dict[int, str]) -> list[str]:
    return [r.t("youth.overview_rotation", kind=kind_name(r, rot.period), at=rot.at),
            r.t("youth.overview_now", period=period.label, leader=name_of(r, names, turns[0][1])),
            *(r.t("youth.overview_next", period=p.label, leader=name_of(r, names, pid)) for p, pid in turns[1:]),
            r.t("youth.overview_order", order=" → ".join(names.get(pid, "?") for pid in rot.order))]


def mine(r: Renderer, person: Person, turns: list[tuple[Unit, Period, bool]], record: QuizRecord) -> str:
    """A member's own youth record: their next turns (`now` when it is this period) and quiz results."""
    lines = [r.t("youth.mine_title", name=person.display_name)]
    for unit, turn, now in turns:
        lines.append(r.t("youth.mine_turn_now" if now else "youth.mine_turn_next", unit=unit.name, period=turn.label))
    if record.contests:
        lines.append(r.t("youth.mine_quiz", contests=record.contests, correct=record.correct,
                         answered=record.answered, best=record.best_rank))
    if len(lines) == 1:
        lines.append(r.t("youth.mine_nothing"))
    return "\n".join(lines)


def youth_status(r: Renderer, info, youth: bool) -> str:  # noqa: ANN001 - YouthPerson | None
    if info is None or (info.flag is None and info.birth_year is None):
        return r.t("youth.status_unknown")
    if info.flag is not None:
        return r.t("youth.status_flag_yes" if info.flag else "youth.status_flag_no")
    return r.t("youth.status_year_yes" if youth else "youth.status_year_no", year=info.birth_year)


def flag_picker(r: Renderer, unit: Unit, members: list[Person], youth: set[int], limit: int,
                page: int) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the group's members, each a button that flips whether they count as youth."""
    pages = max(1, -(-len(members) // PICKER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = members[page * PICKER_PAGE:(page + 1) * PICKER_PAGE]
    buttons = [r.button(("=🌱 " if p.id in youth else "=▫️ ") + p.display_name[:30], Act.FLAG_TOGGLE, unit.id, p.id,
                        page) for p in shown]
    markup = columns(buttons, 2)
    nav = []
    if page > 0:
        nav.append(r.button("youth.btn_prev", Act.FLAG_PAGE, unit.id, page - 1))
    if page < pages - 1:
        nav.append(r.button("youth.btn_next", Act.FLAG_PAGE, unit.id, page + 1))
    if nav:
        markup = rows(*markup.inline_keyboard, nav)
    text = r.t("youth.picker", unit=unit.name, youth=sum(p.id in youth for p in members), members=len(members),
               limit=limit, page=page + 1, pages=pages)
    return text, markup


# ----------------------------------------------------------------------------------- /rotation, /swap


def rotation_summary(r: Renderer, rot: Rotation, turns: list[tuple[Period, int | None]], names: dict[int, str]) -> str:
    if not rot.order:
        return r.t("rotation.summary_empty", kind=kind_name(r, rot.period), at=rot.at)
    return r.t(
        "rotation.summary", kind=kind_name(r, rot.period), at=rot.at,
        order=" → ".join(names.get(pid, "?") for pid in rot.order),
        period=turns[0][0].label, leader=name_of(r, names, turns[0][1]),
        next_period=turns[1][0].label, next_leader=name_of(r, names, turns[1][1]),
    )


def rotation_picker(r: Renderer, unit: Unit, rot: Rotation, members: list[Person]) -> tuple[str, InlineKeyboardMarkup]:
    """The order chosen so far, a button per member not yet in it, the controls and the period kinds."""
    chosen = list(rot.draft or [])
    names = {p.id: p.display_name for p in members}
    left = [p for p in members if p.id not in chosen]
    picks = [r.button("=" + p.display_name[:30], Act.ROTATION_ADD, unit.id, p.id) for p in left[:PICKER_MAX]]
    kinds = [r.button(("=✓ " if k == rot.period else "=") + kind_name(r, k), Act.ROTATION_KIND, unit.id, k.value)
             for k in PeriodKind]
    controls = [r.button("rotation.btn_undo", Act.ROTATION_UNDO, unit.id),
                r.button("rotation.btn_clear", Act.ROTATION_CLEAR, unit.id),
                r.button("rotation.btn_done", Act.ROTATION_DONE, unit.id)]
    markup = rows(*columns(picks, 2).inline_keyboard, controls, kinds)
    order = "\n".join(f"{i}. {names.get(pid, '?')}" for i, pid in enumerate(chosen, 1)) or r.t("rotation.none_chosen")
    text = r.t("rotation.picker", unit=unit.name, kind=kind_name(r, rot.period), at=rot.at, order=order)
    if len(left) > PICKER_MAX:
        text += "\n" + r.t("rotation.picker_more", shown=PICKER_MAX)
    return text, markup


def swap_choices(r: Renderer, unit: Unit, proposer: Person,
                 theirs: list[tuple[int, str, Period]]) -> InlineKeyboardMarkup:
    """A button per member whose turn the proposer may take instead of theirs (with that turn)."""
    return columns([r.button(f"={name[:24]} · {period.label}", Act.SWAP_PICK, unit.id, proposer.id, pid)
                    for pid, name, period in theirs], 1)


def swap_buttons(r: Renderer, swap: Swap) -> InlineKeyboardMarkup:
    return rows([r.button("swap.btn_yes", Act.SWAP_YES, swap.unit_id, swap.id),
                 r.button("swap.btn_no", Act.SWAP_NO, swap.unit_id, swap.id)])


def swap_text(r: Renderer, proposer: str | Raw, partner: str | Raw, mine: str, theirs: str, status: str) -> str:
    return r.t("swap.proposed", proposer=proposer, partner=partner, mine=mine, theirs=theirs) + "\n" + status


def turn_items(group: Renderer, private: Renderer, turn: Turn, now: datetime) -> list[OutboxIn]:
    """A new turn of the rotating leader: announced in the group, and the leader reminded privately."""
    unit, leader, period = turn.unit, turn.leader, turn.period
    key = f"youth:turn:{unit.id}:{period.key}:{leader.id}"
    who = mention(leader.tg_user_id, leader.display_name)
    nxt = (group.t("rotation.next_turn", period=turn.next_period.label, name=turn.next_leader.display_name)
           if turn.next_leader is not None else "")
    items = [OutboxIn(
        dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind="youth_turn", due_at=now,
        text=group.t("rotation.turn_group", period=period.label, leader=who, unit=unit.name) + nxt,
    )]
    if leader.private_ok:
        items.append(OutboxIn(
            dedupe_key=f"{key}:dm", chat_id=leader.tg_user_id, person_id=leader.id, unit_id=unit.id,
            kind="youth_turn", due_at=now,
            text=private.t("rotation.turn_private", name=leader.display_name, unit=unit.name, period=period.label),
            fallback_text=group.t("rotation.turn_fallback", who=who, period=period.label),
        ))
    return items


def swap_expired(r: Renderer, unit: Unit, swap: Swap, proposer: Person, partner: Person, now: datetime) -> OutboxIn:
    return OutboxIn(dedupe_key=f"youth:swap:{swap.id}:expired", chat_id=unit.chat_id, unit_id=unit.id,
                    kind="youth_swap", due_at=now,
                    text=r.t("swap.expired_notice", proposer=proposer.display_name, partner=partner.display_name))


# ----------------------------------------------------------------------------------------- /record


def draft_buttons(r: Renderer, rec: ActivityRecord) -> InlineKeyboardMarkup:
    return rows([r.button("record.btn_done", Act.RECORD_DONE, rec.id),
                 r.button("record.btn_drop", Act.RECORD_DROP, rec.id)])


def record_units(r: Renderer, units: list[Unit]) -> InlineKeyboardMarkup:
    return columns([r.button("=" + u.name[:40], Act.RECORD_UNIT, u.id) for u in units], 1)


def draft_opened(r: Renderer, unit: Unit, period: Period, ses: StudySession | None, rec: ActivityRecord,
                 more: int) -> str:
    started = bool(rec.text or rec.photos)
    if ses is None:
        return r.t("record.draft_resumed" if started else "record.draft_opened", unit=unit.name, period=period.label,
                   length=len(rec.text), photos=len(rec.photos))
    text = r.t("record.activity_resumed" if started else "record.activity_opened", unit=unit.name,
               activity=activity(r, ses, unit), length=len(rec.text), photos=len(rec.photos))
    if more:
        text += "\n" + r.t("record.more_pending", n=more)
    return text


def record_notice(r: Renderer, unit: Unit, rec: ActivityRecord, author: Person, ses: StudySession | None,
                  label: str, now: datetime) -> OutboxIn:
    """A submitted record, told to its group."""
    text = excerpt(rec.text, EXCERPT)
    if ses is not None:
        notice = r.t("record.group_notice_activity", author=author.display_name, activity=activity(r, ses, unit),
                     text=text, photos=len(rec.photos))
    else:
        notice = r.t("record.group_notice", author=author.display_name, period=label, text=text,
                     photos=len(rec.photos))
    return OutboxIn(dedupe_key=f"youth:record:{rec.id}", chat_id=unit.chat_id, unit_id=unit.id, kind="youth_record",
                    due_at=now, text=notice)


def record_ask(group: Renderer, private: Renderer, *, key: str, kind: str, unit: Unit, recorder: Person,
               ses: StudySession, attended: int, expected: int, period: Period, now: datetime) -> OutboxIn:
    """The request for a closed activity's record: privately, else (and as the fallback) in the group.
    Not `bot.notify.notify`: the activity's kind and time are written in each message's own language."""

    def params(r: Renderer) -> dict:
        return {"kind": kind_text(r.lang, ses), "topic": ses.topic, "when": when_text(r.lang, ses, unit.timezone),
                "attended": attended, "expected": expected, "unit": unit.name, "period": period.label}

    in_group = group.t("record.ask_group", who=mention(recorder.tg_user_id, recorder.display_name), **params(group))
    if not recorder.private_ok:
        return OutboxIn(dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind=kind, due_at=now, text=in_group)
    return OutboxIn(dedupe_key=key, chat_id=recorder.tg_user_id, person_id=recorder.id, unit_id=unit.id, kind=kind,
                    due_at=now, fallback_text=in_group,
                    text=private.t("record.ask_private", name=recorder.display_name, **params(private)))


# ------------------------------------------------------------------------------------------- /quiz


def quiz_overview(r: Renderer, unit: Unit, banks: list, current: int | None, contest: Contest | None) -> str:
    lines = [r.t("quiz.overview_title", unit=unit.name)]
    for bank, count, owner in banks:
        key = "quiz.overview_bank_current" if bank.id == current else "quiz.overview_bank"
        lines.append(r.t(key, bank=bank.name, count=count, owner=owner.name))
    if not banks:
        lines.append(r.t("quiz.overview_no_banks"))
    if contest is not None:
        lines.append(r.t("quiz.overview_running", bank=contest.bank_name))
    lines += ["", r.t("quiz.overview_help")]
    return "\n".join(lines)


def quiz_list(r: Renderer, bank, questions: list) -> str:  # noqa: ANN001 - QuizBank
    lines = [r.t("quiz.list_title", bank=bank.name, count=len(questions))]
    for n, q in enumerate(questions[:40], 1):
        lines.append(r.t("quiz.list_line", n=n, question=q.question[:80], answer=q.options[q.correct][:40]))
    if len(questions) > 40:
        lines.append(r.t("quiz.list_more", more=len(questions) - 40))
    return "\n".join(lines)


def file_problems(r: Renderer, problems: list[tuple[int, str, dict]]) -> Raw:
    """The first problems of a question file that cannot be loaded, a line each."""
    lines = [r.t("quiz.file_line", n=n, problem=Raw(r.t(key, **params))) for n, key, params in problems[:8]]
    if len(problems) > 8:
        lines.append(r.t("quiz.file_more", more=len(problems) - 8))
    return Raw("\n".join(lines))


def scoreboard(lang: str, contest: Contest, step: Step) -> str:
    """Most correct first, then the least time over the correct answers."""
    standings = step.standings or []
    lines = [t(lang, "quiz.board_title", bank=contest.bank_name, played=step.played, players=len(standings))]
    if step.failed_seq is not None:
        lines.append(t(lang, "quiz.board_failed", seq=step.failed_seq))
    elif contest.state == ContestState.stopped:
        lines.append(t(lang, "quiz.board_stopped"))
    lines.append("")
    if not standings:
        lines.append(t(lang, "quiz.board_empty"))
    for s in standings:
        lines.append(t(lang, "quiz.board_line", medal=MEDALS.get(s.rank, f"{s.rank}."), name=s.person.display_name,
                         correct=s.correct, played=step.played, seconds=f"{s.time_ms / 1000:.1f}"))
    if standings:
        lines += ["", t(lang, "quiz.board_tail")]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------- /evaluate


def group_list(r: Renderer, committee: Unit, groups: list[Unit]) -> tuple[str, InlineKeyboardMarkup]:
    text = r.t("evaluate.choose", unit=committee.name, count=len(groups))
    return text, columns([r.button("=" + g.name[:40], Act.EVALUATE_GROUP, g.id, 0) for g in groups], 1)


def card(r: Renderer, *, committee: Unit, group: Unit, period: Period, leader: str, figures: list[dict],
         records: list[tuple[ActivityRecord, str, StudySession | None]], ev: Evaluation | None,
         today: date) -> tuple[str, InlineKeyboardMarkup]:
    """A youth group's period for the committee: leader, figures, records, the grade; rate, mark
    excellent, move between periods."""
    lines = [r.t("evaluate.card_title", group=group.name, period=period.label),
             r.t("evaluate.card_leader", leader=leader), *figure_lines(r, figures)]
    for rec, author, ses in records[:5]:
        text = excerpt(rec.text, 80)
        if ses is not None:
            lines.append(r.t("evaluate.card_record_activity", activity=activity(r, ses, group), author=author,
                             text=text, photos=len(rec.photos)))
        else:
            lines.append(r.t("evaluate.card_record", author=author, text=text, photos=len(rec.photos)))
    if ev is None:
        lines.append(r.t("evaluate.card_unrated"))
    else:
        lines.append(r.t("evaluate.card_rated", grade=r.t(f"evaluate.grade_{ev.grade.value}")))
        if ev.excellent:
            lines.append(r.t(f"evaluate.card_case_{ev.consent.value if ev.consent else 'asked'}"))
    day = ymd(period.start)
    grades = [r.button("=" + GRADE_EMOJI[g] + " " + r.t(f"evaluate.grade_{g.value}"), Act.EVALUATE_RATE, group.id, day,
                       g.value) for g in Grade]
    nav = [r.button("evaluate.btn_prev", Act.EVALUATE_GROUP, group.id, ymd(period.start - timedelta(days=1)))]
    if period.end <= today:
        nav.append(r.button("evaluate.btn_next", Act.EVALUATE_GROUP, group.id, ymd(period.end)))
    nav.append(r.button("evaluate.btn_list", Act.EVALUATE_LIST, committee.id))
    markup = rows(grades[:2], grades[2:], [r.button("evaluate.btn_excellent", Act.EVALUATE_EXCELLENT, group.id, day)],
                  nav)
    return "\n".join(lines), markup


def consent_ask(r: Renderer, committee: Unit, group: Unit, period: Period, ev: Evaluation, leader: Person | None,
                now: datetime) -> OutboxIn:
    """Asked in the group itself (the group sees its case was chosen); only the leader can answer."""
    if leader is not None:
        text = r.t("evaluate.consent_ask", who=mention(leader.tg_user_id, leader.display_name),
                   committee=committee.name, period=period.label)
    else:
        text = r.t("evaluate.consent_ask_admins", committee=committee.name, period=period.label)
    markup = rows([r.button("evaluate.btn_agree", Act.CONSENT_YES, group.id, ev.id),
                   r.button("evaluate.btn_decline", Act.CONSENT_NO, group.id, ev.id)])
    return OutboxIn(dedupe_key=f"youth:consent:{ev.id}:{int(now.timestamp())}", chat_id=group.chat_id,
                    unit_id=group.id, kind="youth_consent", due_at=now, text=text, markup=markup.to_dict())


def case_declined(r: Renderer, committee: Unit, group: Unit, period: Period, ev: Evaluation,
                  now: datetime) -> OutboxIn:
    return OutboxIn(dedupe_key=f"youth:case:{ev.id}:declined:{int(now.timestamp())}", chat_id=committee.chat_id,
                    unit_id=committee.id, kind="youth_case", due_at=now,
                    text=r.t("evaluate.case_declined", group=group.name, period=period.label))


def case_items(r: Renderer, committee: Unit, group: Unit, period: Period, ev: Evaluation, leader: Person | None,
               records: list[tuple[ActivityRecord, str]], now: datetime) -> list[OutboxIn]:
    """The excellent case for the committee's group: the figures, the records, then their photos."""
    lines = [r.t("evaluate.case_title", group=group.name, period=period.label),
             r.t("evaluate.card_leader", leader=leader.display_name if leader else r.t("youth.nobody")),
             *figure_lines(r, ev.figures)]
    budget = CASE_BUDGET
    for rec, author in records:
        body = excerpt(rec.text, CASE_RECORD_MAX)
        if len(body) > budget:
            break
        budget -= len(body)
        lines.append(r.t("evaluate.case_record", author=author, text=body))
    key = f"youth:case:{ev.id}"
    items = [OutboxIn(dedupe_key=key, chat_id=committee.chat_id, unit_id=committee.id, kind="youth_case",
                      due_at=now, text="\n".join(lines))]
    photos = [p for rec, _ in records for p in rec.photos or []][:CASE_PHOTOS_MAX]
    for i, photo in enumerate(photos, 1):
        items.append(OutboxIn(dedupe_key=f"{key}:photo:{i}", chat_id=committee.chat_id, unit_id=committee.id,
                              kind="youth_case", due_at=now, media={"photo": photo},
                              text=r.t("evaluate.case_photo", group=group.name, n=i, count=len(photos))))
    return items
