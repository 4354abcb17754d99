"""联动 across features: a session attended counts as study time and shows in /me; a reflection
on an open 补学 item completes it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models import selfstudy as ss
from models.sessions import Makeup, MakeupState, Status
from tests.harness import GROUP_ID
from tests.test_reflections_flow import SENTENCE, last, press
from tests.test_sessions import TOMORROW_15, bot, rows, schedule, setup_unit  # noqa: F401  (bot: the fixture)
from tests.test_units_flow import find_button


async def test_attendance_counts_as_study_time_and_absence_leads_to_a_reflection_on_the_makeup(bot, clock):  # noqa: F811
    other = await setup_unit(bot)
    await bot.say("/start", user=other)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    await bot.fake.wait_for_message(GROUP_ID, "签到结束")
    found = await rows(bot)
    assert found["王同志"].status == Status.present and found["张三"].status == Status.absent

    # 90 minutes of session on Tuesday count toward 王同志's week, and /me says so.
    async with bot.db() as s:
        by_day = await ss.minutes_by_day(s, person_id=found["王同志"].person_id, start=date(2026, 11, 23),
                                         end=date(2026, 11, 29))
    assert by_day == {date(2026, 11, 24): 90}
    await bot.say("/me", user=bot.member)
    record = bot.last_text(bot.member["id"])
    assert "今年参加学习活动 1 次，缺席 0 次" in record

    # 张三 missed it: his 补学 is offered as a reflection subject, and submitting completes it.
    await bot.say("/reflect", user=other)
    assert "补学：学习贯彻四中全会精神" in str(bot.last_message(other["id"]).get("reply_markup"))
    await press(bot, "补学：学习贯彻四中全会精神", user=other)
    await bot.say(SENTENCE * 3, user=other)
    await press(bot, "提交", user=other)
    assert "已提交" in last(bot, other["id"])
    async with bot.db() as s:
        item = await s.scalar(select(Makeup).where(Makeup.person_id == found["张三"].person_id))
    assert item.state == MakeupState.done and item.note.startswith("reflection #")
