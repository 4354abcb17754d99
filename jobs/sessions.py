"""Study sessions on the clock: reminders, the close (absences → 补学), 补学 reminders, and the live
roll. Texts and keyboards are views (views/sessions/).

The roll is re-rendered here, never in a check-in: each response bumps the session's roll_version,
and `RollJob` (a short tick on the leader) renders sessions whose version moved and edits the
announcement through the outbox, so the sender's per-group limit covers edits too. At most one
edit per group every `120 / per_group_minute` seconds (half the group's budget, the rest stays for
reminders and replies); while an edit waits in the outbox, newer responses are folded into it.
"""

from __future__ import annotations

import logging
import time as monotime
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, ContextTypes

from bot.context import BotState
from bot.i18n import mention, t
from bot.notify import group_lang, person_lang
from jobs.planner import UnitCache, Window, split_late
from views.base import Renderer, as_dict, mentions, rows
from views.sessions import (
    Act, announcement_markup, announcement_text, first_parts, group_makeup_notices, hm, makeup_message, makeup_notices,
    response_buttons, session_params, stamp, summary_text,
)
from models.joint import partner_roll, partners_of, stale_partner_rolls, units_by_person
from models.outbox import Outbox, OutboxIn, OutboxState, enqueue
from models.sessions import (
    Attendance, Closed, SessionState, Status, StudySession, close_session, due_to_close,
    makeup_reminder_times, makeup_topic, makeups_to_remind, roll,
)
from models.units import Person, Unit

log = logging.getLogger("wuxue.sessions")

NUDGE_AFTER = timedelta(minutes=10)
ROLL_TICK_SECONDS = 2.0
ROLL_AGE = timedelta(days=14)  # rolls of older sessions are no longer edited


# -- the planner: reminders, the close, 补学 reminders ----------------------------------------------------


async def plan_sessions(session: AsyncSession, state: BotState, window: Window) -> int:
    unit_of = UnitCache(session)
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
            for hook in state.features.close_hooks:  # what other features do when a session closes
                items += await hook(session, state, window, closed, unit)
    # Members the bot cannot reach privately: one group notice per session (or per item without one).
    unreachable: dict[tuple[str, int, str, datetime], list[Person]] = {}
    for item, person, ses in await makeups_to_remind(session, until=window.now):
        unit = await unit_of(item.unit_id)
        due = split_late(window, [at for _, at in makeup_reminder_times(item.due_at, window.since, window.now)],
                         f"补学 reminder {item.id}", unit_id=item.unit_id)
        for at in due:
            if person.private_ok:
                items.append(makeup_message(state, unit, ses, item, person, at=at, tag=f"r{at:%Y%m%d%H%M}",
                                             key="makeup.reminder"))
            else:
                group = (f"{ses.id}" if ses is not None else f"i{item.id}", item.unit_id, makeup_topic(item, ses), at)
                unreachable.setdefault(group, []).append(person)
    for (tag, unit_id, topic, at), people in unreachable.items():
        items += group_makeup_notices(state, await unit_of(unit_id), people, at=at,
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
    kept = set(split_late(window, [at for _, at in due], f"reminders of session {ses.id}", unit_id=unit.id))
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
        markup = rows(response_buttons(Renderer(lang, state.codec), ses, checkin=what == "open"))
        items.append(OutboxIn(
            dedupe_key=key, chat_id=unit.chat_id, unit_id=unit.id, kind=f"ses_{what}", due_at=at,
            text=t(lang, f"sessions.remind_{what}", **session_params(lang, ses, unit), place=ses.place or "—",
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
            due_at=at, text=t(plang, "sessions.nudge_private", **session_params(plang, ses, unit),
                              closes=hm(ses.closes_at, group.timezone)),
            markup=as_dict(rows(response_buttons(Renderer(plang, state.codec), ses))),
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
                markup=as_dict(rows(response_buttons(Renderer(lang, state.codec), ses))),
            ))
    return items


async def _close_messages(session: AsyncSession, state: BotState, window: Window, closed: Closed,
                          unit: Unit) -> list[OutboxIn]:
    """The summary to the group (if the close is not too late to announce) and each 补学 notice."""
    ses = closed.session
    items = []
    if split_late(window, [ses.closes_at], f"summary of session {ses.id}", unit_id=unit.id):
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
                                 await first_parts(session, self.state, lang, ses))
        markup = as_dict(announcement_markup(Renderer(lang, self.state.codec), ses,
                                             panel=Act.JOINT_PANEL if partner else Act.PANEL))
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
