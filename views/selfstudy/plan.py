"""The week's plan as a member sees it, the admin's draft form, a published plan and the notice a
pushed copy brings to a unit below; reading lists."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from models import selfstudy as ss
from models.units import Person, Unit
from views.base import Renderer, columns, rows
from views.selfstudy.common import Act, bar, fmt_minutes, item_buttons, link_html, plan_block, week_span


def plan_none(r: Renderer, unit: Unit, week: date) -> str:
    return f"{r.t('plan.title', unit=unit.name, span=week_span(r.lang, week))}\n{r.t('plan.none_yet')}"


def plan_progress(r: Renderer, unit: Unit, person: Person, plan: ss.StudyPlan, items: list[ss.PlanItem],
                  done: set[int], minutes: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A unit's plan of the week with the member's marks, minutes and the buttons for items left."""
    head = r.t("plan.title", unit=unit.name, span=week_span(r.lang, plan.week_start))
    required = [i for i in items if i.kind == ss.ItemKind.required]
    mine = r.t("plan.progress", name=person.display_name, minutes=fmt_minutes(r.lang, minutes),
               target=fmt_minutes(r.lang, plan.required_minutes), bar=bar(minutes, plan.required_minutes),
               done=len(done & {i.id for i in required}), total=len(required))
    return "\n".join([head, plan_block(r.lang, plan, items, done), "", mine]), item_buttons(r, items, done)


def draft(r: Renderer, d: ss.PlanDraft, *, resumed: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """The draft of /plan set as it stands, with the buttons that change it."""
    items = [ss.ItemIn.from_json(i) for i in d.items]
    lines = [r.t("plan.draft_title", span=week_span(r.lang, d.week_start))]
    if resumed:
        lines.append(r.t("plan.draft_resumed"))
    lines.append(r.t("plan.required_minutes", minutes=fmt_minutes(r.lang, d.required_minutes or 0)))
    for n, item in enumerate(items, 1):
        lines.append(r.t("plan.draft_item", n=n, kind=r.t(f"plan.kind_short_{item.kind.value}"), title=item.title,
                         link=link_html(r.lang, item.link)))
    if not items:
        lines.append(r.t("plan.draft_empty"))
    lines.append(r.t("plan.draft_hint"))
    i = d.id
    markup = rows(
        [r.button("plan.btn_this_week", Act.draft_week, i, 0), r.button("plan.btn_next_week", Act.draft_week, i, 1)],
        [r.button("plan.btn_add", Act.draft_add, i), r.button("plan.btn_minutes", Act.draft_minutes, i)],
        [r.button("plan.btn_drop_last", Act.draft_drop, i)] if items else [],
        [r.button("plan.btn_publish", Act.draft_publish, i), r.button("plan.btn_cancel", Act.draft_cancel, i)],
    )
    return "\n".join(lines), markup


def published(r: Renderer, unit: Unit, plan: ss.StudyPlan, items: list[ss.PlanItem],
              below: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """A saved plan; a unit with `below` units under it gets a button to push the plan down."""
    text = "\n".join([r.t("plan.saved", unit=unit.name, span=week_span(r.lang, plan.week_start)),
                      plan_block(r.lang, plan, items)])
    if not below:
        return text, None
    return text + "\n\n" + r.t("plan.push_hint", count=below), rows([r.button("plan.btn_push", Act.push, plan.id)])


def pushed_notice(r: Renderer, parent: Unit, unit: Unit, copy: ss.StudyPlan,
                  items: list[ss.PlanItem]) -> tuple[str, InlineKeyboardMarkup | None]:
    """What a unit's group is told when a plan is pushed down to it."""
    text = "\n".join([r.t("plan.pushed_notice", parent=parent.name, unit=unit.name,
                          span=week_span(r.lang, copy.week_start)), plan_block(r.lang, copy, items)])
    return text, item_buttons(r, items)


def pushed(r: Renderer, result: ss.PushResult, week: date) -> str:
    kept = "、".join(u.name for u in result.kept) or r.t("plan.push_kept_none")
    return r.t("plan.pushed", count=len(result.pushed), week=ss.week_label(week), kept=kept)


def item_marked(r: Renderer, item: ss.PlanItem, items: list[ss.PlanItem], done: set[int], *, newly: bool) -> str:
    required = {i.id for i in items if i.kind == ss.ItemKind.required}
    return r.t("plan.marked" if newly else "plan.already_marked", n=item.position, title=item.title[:60],
               done=len(done & required), total=len(required))


# -- readings -------------------------------------------------------------------------------------------

def readings(r: Renderer, person: Person, listed: list[ss.Reading],
             read: dict) -> tuple[str, InlineKeyboardMarkup | None]:
    """A member's reading list with marks, and a button per reading not yet read."""
    lines = [r.t("readings.title", name=person.display_name, done=len(read), total=len(listed))]
    buttons = []
    for n, reading in enumerate(listed, 1):
        lines.append(r.t("readings.item", n=n, mark="✅" if reading.id in read else "⬜", title=reading.title,
                         tier=r.t(f"readings.tier.{reading.tier.value}"), link=link_html(r.lang, reading.link)))
        if reading.id not in read:
            buttons.append(r.button("=" + r.t("readings.btn_read", n=n), Act.read, reading.id))
    if not listed:
        lines.append(r.t("readings.empty"))
    return "\n".join(lines), columns(buttons, 4) if buttons else None


def readings_all(r: Renderer, unit: Unit, listed: list[ss.Reading]) -> str:
    """A unit's whole list, every tier, with the numbers /readings del takes."""
    lines = [r.t("readings.all_title", unit=unit.name)]
    lines += [r.t("readings.all_item", id=x.id, title=x.title, tier=r.t(f"readings.tier.{x.tier.value}"),
                  link=link_html(r.lang, x.link)) for x in listed]
    lines.append(r.t("readings.all_hint") if listed else r.t("readings.empty"))
    return "\n".join(lines)
