"""Youth groups on the tick: announce each new turn of the rotating leader (and remind them
privately), explain swaps that lapsed, and move knowledge contests on — the next poll once one is
out, the scoreboard once the last has closed. When a group's activity (a study session of a kind
with forms) closes, its leader is asked for the activity's record (`activity_closed`, a close hook
of jobs.sessions); a reply to that request is taken as the record (`record_ask_sent_hook` keeps the
request's message as a prompt)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message

from bot.context import BotState
from bot.i18n import pick_lang
from bot.notify import group_lang, person_lang
from jobs.planner import Window, split_late
from models.outbox import Outbox, OutboxIn, enqueue
from models.prompts import open_prompt
from models.sessions import Closed, count, roll
from models.units import Person, Unit
from models.youth import (
    Contest, activity_period, activity_recorder, advance_contest, contests_to_advance, expire_swaps, is_activity,
    mark_round_sent, turns_to_announce,
)
from views import youth as v
from views.base import Renderer

ASK_KIND = "youth_ask"  # the request for an activity's record; its fallback to the group is "youth_ask:fb"


async def plan_youth(session: AsyncSession, state: BotState, window: Window) -> int:
    """State-driven rather than time-slot driven: each step is keyed, so a repeat pass is harmless and
    a pass after downtime still announces the turn in progress and finishes what was running."""
    now = window.now
    items: list[OutboxIn] = []
    for turn in await turns_to_announce(session, now=now):
        private = Renderer(person_lang(state, turn.unit, turn.leader), state.codec)
        items += v.turn_items(_group(state, turn.unit), private, turn, now)
    for swap, unit in await expire_swaps(session, now=now):
        proposer, partner = await session.get(Person, swap.proposer_id), await session.get(Person, swap.partner_id)
        items.append(v.swap_expired(_group(state, unit), unit, swap, proposer, partner, now))
    for contest in await contests_to_advance(session):
        items += await _contest_items(session, contest, state.settings.locale, now)
    return await enqueue(session, items=items, now=now)


def _group(state: BotState, unit: Unit) -> Renderer:
    """The renderer for what is posted in a unit's group."""
    return Renderer(group_lang(state, unit), state.codec)


async def _contest_items(session: AsyncSession, contest: Contest, default: str, now: datetime) -> list[OutboxIn]:
    step = await advance_contest(session, contest=contest, now=now)
    items = list(step.polls)
    if step.finished is not None:
        unit = await session.get(Unit, contest.unit_id)
        items.append(OutboxIn(
            dedupe_key=f"quiz:{contest.id}:board", chat_id=unit.chat_id, unit_id=unit.id, kind="quiz_board",
            due_at=now, text=v.scoreboard(pick_lang(None, unit.locale, default), contest, step),
        ))
    return items


def quiz_sent_hook(state: BotState):  # noqa: ANN201 - an AfterSent for the sender
    """When a contest's poll is out: the question is open from now, and the next one is planned."""

    async def on_quiz_sent(session: AsyncSession, row: Outbox, msg: Message, now: datetime) -> None:
        _, contest_id, seq = row.dedupe_key.split(":")
        if msg.poll is None:
            return
        contest = await mark_round_sent(session, contest_id=int(contest_id), seq=int(seq), poll_id=msg.poll.id,
                                        message_id=msg.message_id, now=now)
        if contest is not None:
            await enqueue(session, items=await _contest_items(session, contest, state.settings.locale, now), now=now)

    return on_quiz_sent


# -- the record of an activity ---------------------------------------------------------------------


def ask_key(session_id: int, person_id: int) -> str:
    return f"youth:ask:{session_id}:{person_id}"


async def activity_closed(session: AsyncSession, state: BotState, window: Window, closed: Closed,
                          unit: Unit) -> list[OutboxIn]:
    """A youth group's activity closed: ask its leader (privately; in the group if the bot cannot
    reach them) to write the record. Not when the close is too late to announce."""
    ses = closed.session
    if not is_activity(ses, unit) or not split_late(window, [ses.closes_at], f"record request of session {ses.id}"):
        return []
    recorder_id = await activity_recorder(session, unit=unit, ses=ses)
    recorder = await session.get(Person, recorder_id) if recorder_id else None
    if recorder is None:
        return []
    c = count(await roll(session, session_id=ses.id), closed=True)
    period = await activity_period(session, unit=unit, ses=ses)
    return [v.record_ask(_group(state, unit), Renderer(person_lang(state, unit, recorder), state.codec),
                         key=ask_key(ses.id, recorder.id), kind=ASK_KIND, unit=unit, recorder=recorder, ses=ses,
                         attended=c.attended, expected=c.expected, period=period, now=window.now)]


def record_ask_sent_hook(state: BotState):  # noqa: ANN201 - an AfterSent for the sender
    """Once the request (or its fallback in the group) is out, a reply to it is the activity's record."""

    async def on_ask_sent(session: AsyncSession, row: Outbox, msg: Message, now: datetime) -> None:
        parts = row.dedupe_key.split(":")  # youth:ask:<session>:<person>[:fb]
        if len(parts) < 4 or parts[:2] != ["youth", "ask"]:
            return
        session_id, person_id = int(parts[2]), int(parts[3])
        if await session.get(Person, person_id) is None:
            return
        await open_prompt(session, chat_id=msg.chat_id, message_id=msg.message_id, person_id=person_id,
                          kind=v.Ask.RECORD, payload={"session_id": session_id}, now=now)

    return on_ask_sent
