"""Workloads for bench/updates.py: what users send, and the database state it needs.

A workload builds the raw update one user sends in one group (without update_id, message_id or
date: the fake fills them in), prepares the database before the bot starts (`setup`, given the
groups, every (user, group) pair that will send and the bot's token), may look at what the started
bot posted before the drive (`prepare`, e.g. the messages whose buttons users will press; its result
goes to `update`, and is None for the echo bot), and checks afterwards that the bot wrote and showed
what it should have (`verify`, returning a problem or None). The echo bot replies with the text to
`/command` and to the plain `words`, and answers every button press. Add a workload to WORKLOADS to
make it `bench/run updates --workload NAME`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.yeardata import MEMBER_BASE, TZ, Shape, generate
from bot.callbacks import CallbackCodec
from bot.features import gather
from bot.notify import group_lang
from models.outbox import Outbox, OutboxState
from models.sessions import (
    ATTENDED,
    Attendance,
    SessionKind,
    SessionSpec,
    StudySession,
    Via,
    create_session,
    roll,
)
from models.units import (
    Membership,
    Person,
    PersonIn,
    Unit,
    UnitKind,
    bind_unit,
    join_unit,
    upsert_person,
)
from views.sessions import announce, announcement_text, first_parts

Sessions = async_sessionmaker[AsyncSession]
Sender = tuple[int, int]  # (Telegram user id, group chat id)
ADMIN_ID = 999_000_001


@dataclass(frozen=True)
class Check:
    """What `verify` may look at: the bot's database and state, the fake, who sent, what `prepare` found."""

    sessions: Sessions
    state: Any  # bot.context.BotState
    fake: Any  # bench.fakeproc.FakeProcess
    senders: list[Sender]
    prepared: Any


@dataclass(frozen=True)
class Workload:
    name: str
    command: str
    update: Callable[[int, int, Any], dict]  # (user id, group chat id, prepared or None) -> raw update
    setup: Callable[[Sessions, list[int], list[Sender], datetime, str], Awaitable[None]]
    verify: Callable[[Check], Awaitable[str | None]]
    prepare: Callable[[Any, Sessions, list[int]], Awaitable[Any]] | None = None  # (fake, sessions, groups)
    words: tuple[str, ...] = field(default=())
    # The setup ignores the senders and the run writes nothing that matters: the database is prepared
    # once and copied for every run (for a slow setup, like a year of data).
    template: bool = False
    quiet_p99_ms: float | None = None  # a target for wuxue's quiet-phase p99 latency, printed against it


def group_chat(g: int) -> int:
    return -1002_000_000_000 - g


def user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"党员{user_id % 100_000}", "language_code": "zh"}


def group_message(user_id: int, chat_id: int, text: str) -> dict:
    """A message in a supergroup; a leading /command gets its bot_command entity."""
    message = {"from": user(user_id), "chat": {"id": chat_id, "type": "supergroup", "title": f"学习小组{chat_id % 1000}"},
               "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


async def bind_groups(sessions: Sessions, groups: list[int], senders: list[Sender], now: datetime,
                      token: str = "") -> None:
    """Every group bound as a unit (by one secretary), as /bind would leave it."""
    async with sessions.begin() as session:
        admin = await upsert_person(session, who=PersonIn(ADMIN_ID, "书记", language_code="zh"), now=now)
        for chat_id in groups:
            await bind_unit(session, chat_id=chat_id, title=f"学习小组{chat_id % 1000}", kind=UnitKind.research,
                            by=admin, now=now, timezone="Asia/Shanghai")


async def everyone_joined(check: Check) -> str | None:
    async with check.sessions() as session:
        joined = await session.scalar(select(func.count()).select_from(Membership).where(Membership.source == "join"))
    expected = len(check.senders)
    return None if joined == expected else f"{joined} memberships from /join, expected {expected}"


JOIN = Workload(
    name="join",
    command="join",
    update=lambda user_id, chat_id, _prepared: group_message(user_id, chat_id, "/join"),
    setup=bind_groups,
    verify=everyone_joined,
)

ROLL_SETTLE_SECONDS = 90  # after the drive, how long the live rolls may take to show the last check-in
EDITS_PER_MINUTE = 20  # the most edits into one group in any 60 s (issue #4)


async def session_open_now(sessions: Sessions, groups: list[int], senders: list[Sender], now: datetime,
                           token: str) -> None:
    """Bound groups whose senders are members, each with a 主题党日 starting in 10 minutes: the
    check-in window is open, every sender is expected, and the announcement (the live roll, with its
    签到 / 请假 buttons) waits in the outbox, as `/session` leaves it; the bot posts it on start."""
    await bind_groups(sessions, groups, senders, now)
    state = SimpleNamespace(settings=SimpleNamespace(locale="zh"), codec=CallbackCodec(token), features=gather())
    async with sessions.begin() as session:
        units = {u.chat_id: u for u in (await session.scalars(select(Unit))).all()}
        for user_id, chat_id in senders:
            person = await upsert_person(session, who=PersonIn(user_id, f"党员{user_id % 100_000}",
                                                               language_code="zh"), now=now)
            await join_unit(session, unit=units[chat_id], person=person, source="bench", now=now)
        start = now + timedelta(minutes=10)
        for unit in units.values():
            ses = await create_session(session, unit=unit, spec=SessionSpec(
                kind=SessionKind.theme_day, starts_at=start, ends_at=start + timedelta(minutes=90),
                topic="学习贯彻四中全会精神"), by=None, now=now)
            await session.flush()
            await announce(session, state, ses=ses, unit=unit, now=now)


async def announcements(fake: Any, sessions: Sessions, groups: list[int]) -> dict[int, dict]:
    """Each group's announcement as the fake holds it, once the bot has posted all of them (and
    recorded their message ids, which the live roll edits): group chat id -> message."""
    deadline = time.monotonic() + 60
    while True:
        found = {}
        for chat_id in groups:
            posted = [m for m in await fake.call("bot_messages", chat_id) if m.get("reply_markup")]
            if posted:
                found[chat_id] = posted[0]
        async with sessions() as session:
            recorded = await session.scalar(select(func.count()).select_from(StudySession).join(
                Outbox, Outbox.id == StudySession.announce_outbox_id).where(Outbox.message_id.is_not(None)))
        if len(found) == len(groups) and recorded == len(groups):
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(found)} of {len(groups)} announcements were posted")
        await asyncio.sleep(0.2)


def is_button(user_id: int) -> bool:
    """Half the members press the announcement's 签到 button, the other half type 签到."""
    return user_id % 2 == 0


def checkin_update(user_id: int, chat_id: int, prepared: dict[int, dict] | None) -> dict:
    if not is_button(user_id):
        return group_message(user_id, chat_id, "签到")
    if prepared is not None:  # wuxue: the real announcement and its 签到 button
        message = prepared[chat_id]
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    else:  # the echo bot: a message of the same shape
        message = {"message_id": 1, "from": {"id": 123456, "is_bot": True, "first_name": "bot"},
                   "chat": {"id": chat_id, "type": "supergroup", "title": f"学习小组{chat_id % 1000}"},
                   "date": int(time.time()), "text": "【主题党日】学习贯彻四中全会精神\n签到 0/110",
                   "reply_markup": {"inline_keyboard": [[{"text": "签到", "callback_data": "1|ses.in|1|x"},
                                                         {"text": "请假", "callback_data": "1|ses.lv|1|x"}]]}}
        data = "1|ses.in|1|x"
    return {"callback_query": {"id": f"q{user_id}", "from": user(user_id), "message": message,
                               "chat_instance": str(abs(chat_id) * 7), "data": data}}


def most_in_a_minute(times: list[float]) -> int:
    times = sorted(times)
    most, lo = 0, 0
    for hi, at in enumerate(times):
        while at - times[lo] >= 60:
            lo += 1
        most = max(most, hi - lo + 1)
    return most


async def checked_in_and_shown(check: Check) -> str | None:
    """Every sender checked in exactly once, the way they sent it; then (once the roll job caught up)
    each group's announcement, as the fake holds it, is the roll rendered from the database; and no
    group got more than 20 edits in any minute."""
    from fakebot.render import _render

    buttons = {u for u, _ in check.senders if is_button(u)}
    async with check.sessions() as session:
        rows = (await session.execute(
            select(Person.tg_user_id, Attendance.via).join(Person, Person.id == Attendance.person_id)
            .where(Attendance.status.in_(ATTENDED)))).all()
    seen = [r.tg_user_id for r in rows]
    if len(seen) != len(set(seen)):
        return "a person has more than one check-in"
    if set(seen) != {u for u, _ in check.senders}:
        return f"{len(seen)} check-ins recorded, expected {len(check.senders)}"
    wrong = [r.tg_user_id for r in rows if (r.via == Via.button) != (r.tg_user_id in buttons)]
    if wrong or any(r.via not in (Via.button, Via.word) for r in rows):
        return f"{len(wrong)} check-ins recorded with the wrong way (button/word)"
    words = len(check.senders) - len(buttons)
    answers = len(await check.fake.call("request_times", "answerCallbackQuery"))
    reactions = len(await check.fake.call("request_times", "setMessageReaction"))
    if (answers, reactions) != (len(buttons), words):
        return (f"{answers} button answers and {reactions} reactions, expected {len(buttons)} and {words}: "
                "someone was answered twice or not at all")
    # The live roll: wait until every session's last response is shown (rendered and sent).
    deadline = time.monotonic() + ROLL_SETTLE_SECONDS
    while True:
        async with check.sessions() as session:
            behind = await session.scalar(select(func.count()).select_from(StudySession).where(
                StudySession.roll_version > StudySession.roll_shown))
            unsent = await session.scalar(select(func.count()).select_from(Outbox).where(
                Outbox.kind == "ses_roll", Outbox.state.in_((OutboxState.pending, OutboxState.sending))))
        if not behind and not unsent:
            break
        if time.monotonic() > deadline:
            return f"the live rolls did not catch up in {ROLL_SETTLE_SECONDS} s ({behind} behind, {unsent} unsent)"
        await asyncio.sleep(0.5)
    async with check.sessions() as session:
        for ses in (await session.scalars(select(StudySession))).all():
            unit = await session.get(Unit, ses.unit_id)
            lang = group_lang(check.state, unit)
            want = _render(announcement_text(lang, ses, unit, await roll(session, session_id=ses.id),
                                             await first_parts(session, check.state, lang, ses)), "HTML")
            ann = await session.get(Outbox, ses.announce_outbox_id)
            shown = next((m for m in await check.fake.call("bot_messages", unit.chat_id)
                          if m["message_id"] == ann.message_id), {}).get("text")
            if shown != want:
                return f"group {unit.chat_id}: the live roll shows {shown!r:.200}, the database says {want!r:.200}"
    edits: dict[int | None, list[float]] = {}
    for chat_id, at in await check.fake.call("request_times", "editMessageText"):
        edits.setdefault(chat_id, []).append(at)
    worst = max((most_in_a_minute(v) for v in edits.values()), default=0)
    if worst > EDITS_PER_MINUTE:
        return f"{worst} edits in one minute into one group (at most {EDITS_PER_MINUTE})"
    from bench.common import progress
    progress(f"verified: {len(rows)} check-ins ({len(buttons)} buttons, {words} words), each once; every "
             f"live roll matches the database; at most {worst} edits in any minute into one group")
    return None


CHECKIN = Workload(
    name="checkin",
    command="checkin",
    update=checkin_update,
    setup=session_open_now,
    verify=checked_in_and_shown,
    prepare=announcements,
    words=("签到",),
)


# -- /me with a year of data (issue #6) -----------------------------------------------------------------

ME_SHAPE = Shape()  # 100 units of 100 members


def me_update(user_id: int, _chat_id: int, _prepared: Any) -> dict:
    """/me in private chat from one of the year's members (user ids map onto them, so each run's
    distinct senders are distinct members; the name and language match, so nothing is rewritten)."""
    i = user_id % ME_SHAPE.members
    who = {"id": MEMBER_BASE + i, "is_bot": False, "first_name": f"党员{i}", "language_code": "zh"}
    chat = {"id": who["id"], "type": "private", "first_name": who["first_name"]}
    return {"message": {"from": who, "chat": chat, "text": "/me",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 3}]}}


async def a_year_of_data(sessions: Sessions, groups: list[int], senders: list[Sender], now: datetime,
                         token: str = "") -> None:
    """10,000 members in 100 units with a year of study entries, sessions and attendance, 补学 items,
    plans, readings, reflections, first agenda items and leave (bench/yeardata.py), up to today."""
    await generate(sessions, today=now.astimezone(ZoneInfo(TZ)).date(), shape=ME_SHAPE)


async def nobody_new(check: Check) -> str | None:
    async with check.sessions() as session:
        people = await session.scalar(select(func.count()).select_from(Person))
    return None if people == ME_SHAPE.members else f"{people} people, expected the {ME_SHAPE.members} members only"


ME = Workload(
    name="me",
    command="me",
    update=me_update,
    setup=a_year_of_data,
    verify=nobody_new,
    template=True,
    quiet_p99_ms=50.0,  # issue #6: /me answers in < 50 ms at p99
)

WORKLOADS = {w.name: w for w in (JOIN, CHECKIN, ME)}
