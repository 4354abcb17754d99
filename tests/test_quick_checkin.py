"""The check-in fast path (bot/checkin_desk.py, handlers/quick_checkin.py): a burst of 签到 is written
in a few transactions, each press answered after its commit; whatever the fast path cannot vouch
for goes the careful way and is answered as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.i18n import t
from models.sessions import ATTENDED, Attendance, SessionState, Status, StudySession, Via
from models.units import Person
from tests.harness import GROUP_ID
from tests.test_sessions import FAST_ROLL, TOMORROW_15, answers, roll_shows, schedule, setup_unit
from tests.test_units_flow import buttons, find_button

TOPIC = "学习贯彻四中全会精神"

BURST = 30


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


async def members(bot, n: int, first_id: int = 5000) -> list[dict]:
    people = []
    for i in range(n):
        who = bot.fake.user(first_id + i, f"党员{i:02d}")
        bot.fake.set_member(GROUP_ID, who, "member")
        await bot.say("/join", user=who, chat_id=GROUP_ID)
        people.append(who)
    return people


async def status_of(bot, tg_user_id: int, session_id: int = 1) -> tuple[Status, Via | None]:
    async with bot.db() as s:
        row = (await s.execute(select(Attendance.status, Attendance.via).join(Person, Person.id == Attendance.person_id)
                               .where(Person.tg_user_id == tg_user_id, Attendance.session_id == session_id))).first()
    return (row.status, row.via) if row else (None, None)


async def test_a_burst_is_written_in_few_transactions_each_answered_once(bot, clock):
    await setup_unit(bot)
    crowd = await members(bot, BURST)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=5))
    desk = bot.app.bot_data.desk
    batches = desk.commit.batches
    data = find_button(announcement, "签到")
    # Queued in one go (the fake runs on this loop): one getUpdates hands the bot the whole burst.
    for i, who in enumerate(crowd):
        if i % 2:
            bot.fake.message(GROUP_ID, who, "签到")
        else:
            bot.fake.callback(GROUP_ID, who, data, message=announcement)

    async def all_answered():
        return len(answers(bot)) + len(bot.fake.calls("setMessageReaction")) >= BURST
    await bot.until(all_answered)
    async with bot.db() as s:
        rows = (await s.execute(select(Person.tg_user_id, Attendance.status, Attendance.via)
                                .join(Person, Person.id == Attendance.person_id)
                                .where(Attendance.status.in_(ATTENDED)))).all()
    assert sorted(r.tg_user_id for r in rows) == sorted(w["id"] for w in crowd)  # each once
    assert {r.tg_user_id: r.via for r in rows} == {
        w["id"]: Via.word if i % 2 else Via.button for i, w in enumerate(crowd)}
    assert all(r.status == Status.present for r in rows)
    assert len(answers(bot)) == BURST // 2 and len(bot.fake.calls("setMessageReaction")) == BURST // 2
    assert set(answers(bot)) == {t("zh", "sessions.checked_in", time="14:55", topic=TOPIC)}
    assert desk.commit.failed == 0 and 0 < desk.commit.batches - batches < BURST // 3  # many per transaction
    await roll_shows(bot, announcement, f"已签到 {BURST}/{BURST + 3}", "党员00", f"党员{BURST - 1:02d}")


async def test_what_the_fast_path_cannot_vouch_for_goes_the_careful_way(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 + timedelta(minutes=10))  # late from 15:05
    data = find_button(announcement, "签到")

    await bot.press(data, user=bot.member, message=announcement)
    assert answers(bot)[-1] == t("zh", "sessions.checked_in_late", time="15:10", topic=TOPIC)
    desk = bot.app.bot_data.desk
    assert (desk.commit.batches, desk.commit.failed) == (1, 0)  # that one went the fast way
    await bot.press(data, user=bot.member, message=announcement)  # already in: the careful path says so
    assert "无需重复签到" in answers(bot)[-1]

    # A renamed member: the careful path keeps the new name.
    renamed = dict(other, first_name="张三丰")
    await bot.say("签到", user=renamed, chat_id=GROUP_ID)
    assert await status_of(bot, other["id"]) == (Status.late, Via.word)
    async with bot.db() as s:
        assert await s.scalar(select(Person.first_name).where(Person.tg_user_id == other["id"])) == "张三丰"

    # Someone not on the roll (never joined): responding joins them, as before.
    stranger = bot.fake.user(2004, "钱七")
    bot.fake.set_member(GROUP_ID, stranger, "member")
    await bot.say("签到", user=stranger, chat_id=GROUP_ID)
    assert await status_of(bot, stranger["id"]) == (Status.late, Via.word)
    assert desk.commit.failed == 0


async def test_a_session_cancelled_elsewhere_is_refused_though_this_instance_held_it_open(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15)
    data = find_button(announcement, "签到")
    await bot.press(data, user=bot.member, message=announcement)  # the group's view is read now
    assert "签到成功" in answers(bot)[-1]
    async with bot.db() as s:  # another instance cancels it: no commit of this one tells the view
        await s.execute(update(StudySession).where(StudySession.id == 1).values(state=SessionState.cancelled))
        await s.commit()
    await bot.press(data, user=other, message=announcement)
    assert "已取消" in answers(bot)[-1]
    assert await status_of(bot, other["id"]) == (Status.pending, None)


async def test_a_session_made_here_is_seen_at_once(bot, clock):
    """The word picks the one open session; a second one scheduled by this instance makes it ask,
    with no wait for the view to age."""
    other = await setup_unit(bot)
    await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=1))
    await bot.say("签到", user=bot.member, chat_id=GROUP_ID)
    assert await status_of(bot, bot.member["id"]) == (Status.present, Via.word)
    assert bot.app.bot_data.desk.commit.batches == 1  # the fast way
    await schedule(bot, "2026-11-24 15:10 党小组会 交流研讨")
    await bot.say("签到", user=other, chat_id=GROUP_ID)
    choice = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "请选择要签到的活动" in choice["text"] and len(buttons(choice)) == 2


async def test_a_failed_batch_is_retried_the_careful_way(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15)
    desk = bot.app.bot_data.desk

    async def broken(session, items):
        await session.execute(select(1))
        raise RuntimeError("database went away")
    desk.commit.write = broken
    await bot.press(find_button(announcement, "签到"), user=other, message=announcement)
    assert answers(bot)[-1] == t("zh", "sessions.checked_in", time="15:00", topic=TOPIC)
    assert await status_of(bot, other["id"]) == (Status.present, Via.button)
    async with bot.db() as s:
        assert await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.status.in_(ATTENDED))) == 1


async def test_outside_groups_and_outside_the_window_nothing_changes(bot, clock):
    await setup_unit(bot)
    announcement = await schedule(bot)
    data = find_button(announcement, "签到")
    await bot.press(data, user=bot.member, message=announcement)  # before the window
    assert "尚未开始签到" in answers(bot)[-1]
    clock.set(TOMORROW_15 + timedelta(minutes=31))  # after it
    await bot.say("签到", user=bot.member, chat_id=GROUP_ID)
    assert "的签到已于 11-24 15:30 结束" in bot.last_text(GROUP_ID)
    assert await status_of(bot, bot.member["id"]) == (Status.pending, None)
