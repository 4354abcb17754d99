"""What admins see about members: /hours (a record, a correction and its notice), /training, /rank."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from bot.i18n import mention
from models import selfstudy as ss
from models.units import Person, Rank, Unit
from views.base import Renderer
from views.selfstudy.common import Act, fmt_day, fmt_minutes

RANK_PAGE = 12


def signed(r: Renderer, minutes: int) -> str:
    return ("+" if minutes > 0 else "") + fmt_minutes(r.lang, minutes)


def corrected(r: Renderer, person: Person, entry: ss.StudyEntry, reason: str) -> str:
    return r.t("hours.corrected", who=mention(person.tg_user_id, person.display_name),
               minutes=signed(r, entry.minutes), day=fmt_day(r.lang, entry.day), reason=reason, id=entry.id)


def correction_notice(r: Renderer, unit: Unit, entry: ss.StudyEntry, minutes: str, reason: str) -> str:
    """The member's private note of an admin's correction, in the member's language (`minutes` as the
    admin was shown them)."""
    return r.t("hours.notice", unit=unit.name, minutes=minutes, day=fmt_day(r.lang, entry.day), reason=reason)


def hours_record(r: Renderer, person: Person, figs: ss.Figures | None, entries: list[ss.StudyEntry]) -> str:
    lines = [r.t("hours.record_title", name=person.display_name)]
    if figs is not None:
        lines.append(r.t("hours.record_totals", week=fmt_minutes(r.lang, figs.week),
                         year=fmt_minutes(r.lang, figs.year), year_target=fmt_minutes(r.lang, figs.year_target)))
    for e in entries:
        lines.append(r.t(f"hours.entry_{e.kind.value}", id=e.id, day=fmt_day(r.lang, e.day),
                         minutes=fmt_minutes(r.lang, e.minutes), what=e.what or "", reason=e.reason or ""))
    lines.append(r.t("hours.record_hint"))
    return "\n".join(lines)


def training_recorded(r: Renderer, people: list[Person], length: str, day: date) -> str:
    return r.t("training.recorded", count=len(people), hours=ss.TRAINING_MINUTES[length] // 60,
               day=fmt_day(r.lang, day), names="、".join(p.display_name for p in people[:30]))


def rank_page(r: Renderer, unit: Unit, members: list[tuple[Rank, Person]], page: int) -> tuple[str, InlineKeyboardMarkup]:
    """A page of a unit's members by rank tier, a button each to move them to the next tier."""
    pages = max(1, -(-len(members) // RANK_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = members[page * RANK_PAGE:(page + 1) * RANK_PAGE]
    counts = {k: sum(1 for rank, _ in members if rank == k) for k in Rank}
    text = r.t("rank.title", unit=unit.name, member=counts[Rank.member], chief=counts[Rank.chief],
               head=counts[Rank.head], page=page + 1, pages=pages)
    keyboard = [[r.button("=" + r.t("rank.btn", name=p.display_name[:20], rank=r.t(f"rank.{k.value}")),
                          Act.rank_cycle, unit.id, p.id, page)] for k, p in shown]
    nav = []
    if page > 0:
        nav.append(r.button("rank.btn_prev", Act.rank_page, unit.id, page - 1))
    if page < pages - 1:
        nav.append(r.button("rank.btn_next", Act.rank_page, unit.id, page + 1))
    if nav:
        keyboard.append(nav)
    return text, InlineKeyboardMarkup(keyboard)
