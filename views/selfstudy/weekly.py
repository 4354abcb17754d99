"""The weekly planners' messages: Monday's reminder (to the group and to each member), the midweek
nudge to members behind, and the week's summary in the group."""

from __future__ import annotations

from datetime import date

from bot.callbacks import CallbackCodec
from bot.i18n import mention
from models.selfstudy import ItemKind, MemberWeek, PlanItem, StudyPlan, week_label
from models.units import Person, Unit
from views.base import Renderer, as_dict
from views.selfstudy.common import bar, fmt_minutes, item_buttons, plan_block, week_span

TOP = 3


class Plans:
    """A unit's plan rendered once per language: the text block and the mark-done buttons (as an
    outbox row keeps them)."""

    def __init__(self, codec: CallbackCodec, plan: StudyPlan | None, items: list[PlanItem]) -> None:
        self.codec, self.plan, self.items = codec, plan, items
        self._cache: dict[str, tuple[str, dict | None]] = {}

    def get(self, lang: str) -> tuple[str, dict | None]:
        if lang not in self._cache:
            markup = item_buttons(Renderer(lang, self.codec), self.items) if self.plan else None
            self._cache[lang] = (plan_block(lang, self.plan, self.items), as_dict(markup))
        return self._cache[lang]


def required(items: list[PlanItem]) -> int:
    return sum(1 for i in items if i.kind == ItemKind.required)


def weekly_group(r: Renderer, unit: Unit, week: date, block: str) -> str:
    return "\n".join([r.t("weekly.group", unit=unit.name, week=week_label(week)),
                      r.t("weekly.span", span=week_span(r.lang, week)), block])


def weekly_private(r: Renderer, unit: Unit, week: date, m: MemberWeek, block: str) -> str:
    return "\n".join([r.t("weekly.private", name=m.person.display_name, unit=unit.name, week=week_label(week)),
                      r.t("weekly.target", target=fmt_minutes(r.lang, m.target)), block])


def weekly_fallback(r: Renderer, person: Person, week: date) -> str:
    """The group's mention when the member cannot be reached privately."""
    return r.t("weekly.fallback", who=mention(person.tg_user_id, person.display_name), week=week_label(week))


def nudge(r: Renderer, unit: Unit, week: date, m: MemberWeek, required_items: int) -> str:
    lines = [r.t("nudge.private", name=m.person.display_name, unit=unit.name, week=week_label(week),
                 minutes=fmt_minutes(r.lang, m.minutes), target=fmt_minutes(r.lang, m.target),
                 left=fmt_minutes(r.lang, m.target - m.minutes), bar=bar(m.minutes, m.target))]
    if required_items > m.required_done:
        lines.append(r.t("nudge.items_left", left=required_items - m.required_done, total=required_items))
    lines.append(r.t("nudge.tail"))
    return "\n".join(lines)


def summary(r: Renderer, unit: Unit, week: date, members: list[MemberWeek], *, names: bool) -> str | None:
    """The week's summary for a unit's group; None when there is nobody to sum up (no members, all away)."""
    present = [m for m in members if not m.away]
    if not present:
        return None
    met = sum(1 for m in present if m.minutes >= m.target)
    total = sum(m.minutes for m in present)
    lines = [r.t("summary.group", unit=unit.name, week=week_label(week), met=met, count=len(present),
                 total=fmt_minutes(r.lang, total), bar=bar(met, len(present)))]
    away = len(members) - len(present)
    if away:
        lines.append(r.t("summary.away", count=away))
    top = sorted((m for m in present if m.minutes > 0), key=lambda m: (-m.minutes, m.person.id))[:TOP]
    if top:
        lines.append(r.t("summary.top_title"))
        for n, m in enumerate(top, 1):
            if names:
                lines.append(r.t("summary.top_named", n=n, name=m.person.display_name,
                                 minutes=fmt_minutes(r.lang, m.minutes)))
            else:
                lines.append(r.t("summary.top_anon", n=n, minutes=fmt_minutes(r.lang, m.minutes)))
    lines.append(r.t("summary.tail"))
    return "\n".join(lines)
