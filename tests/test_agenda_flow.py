"""First agenda items end to end: the real Application against the fake Bot API over HTTP, the real
planner and sender, time driven by the FakeClock (Monday 2026-11-23 09:00 in Beijing). One item walks
the whole loop across two levels of units: publish → notice → "已学习" → reminders → a session with
the item first → follow-up reflections → measures → closed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from models.agenda import (
    AgendaFollowup, AgendaItem, AgendaMeasure, AgendaSession, AgendaStudy, AgendaTarget, ItemState, MeasureState,
)
from models.outbox import Outbox
from models.reflections import Reflection, ReflectionState
from models.units import Person, Unit
from tests.harness import ADMIN_ID, GROUP_ID, MEMBER_ID, find_button

COMMITTEE = -1001000000003
FAST_ROLL = {"per_group_minute": 1200}
SENTENCE = "通过学习，我深刻认识到理论学习必须联系工作实际，做到学思用贯通、知信行统一。"
LINE = "学习贯彻总书记重要讲话精神 | https://www.news.cn/politics/a.htm | 全国 | 11月26日 | 下级"


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Beijing wall-clock time in 2026, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


async def two_levels(bot) -> dict:
    """A committee (机关党委) above a branch (党支部). The admin runs both; 王同志 (started the bot) and
    张三 (did not) are in the branch; 赵六 is only in the committee."""
    bot.group(GROUP_ID, "第一党支部群")
    await bot.say("/bind 党支部 第一党支部", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    await bot.say("/start", user=bot.member)
    other = bot.fake.user(2002, "张三")
    bot.fake.set_member(GROUP_ID, other, "member")
    await bot.say("/join", user=other, chat_id=GROUP_ID)
    bot.group(COMMITTEE, "机关党委群")
    await bot.say("/bind 机关党委 机关党委", user=bot.admin, chat_id=COMMITTEE)
    outsider = bot.fake.user(2003, "赵六")
    bot.fake.set_member(COMMITTEE, outsider, "member")
    await bot.say("/join", user=outsider, chat_id=COMMITTEE)
    async with bot.db() as s:
        committee = await s.scalar(select(Unit).where(Unit.chat_id == COMMITTEE))
        await s.execute(update(Unit).where(Unit.chat_id == GROUP_ID).values(parent_id=committee.id))
        await s.commit()
    return {"other": other, "outsider": outsider}


async def person_id(bot, tg_id: int) -> int:
    async with bot.db() as s:
        return await s.scalar(select(Person.id).where(Person.tg_user_id == tg_id))


async def idle(bot) -> None:
    async def check():
        async with bot.db() as s:
            return await s.scalar(select(Outbox.id).where(Outbox.state.in_(["pending", "sending"])).limit(1)) is None
    await bot.until(check)


async def tick(bot, at: datetime) -> None:
    bot.clock.set(at)
    await bot.settle_planner()
    await idle(bot)


def with_text(bot, chat_id: int, part: str) -> list[str]:
    return [t for t in bot.texts(chat_id) if part in t]


async def test_one_item_through_the_whole_loop(bot):
    people = await two_levels(bot)
    other, outsider = people["other"], people["outsider"]

    # Publish from the committee to itself and the branch below.
    await bot.say(f"/agenda new {LINE}", user=bot.admin, chat_id=COMMITTEE)
    assert "已发布第一议题 #1" in bot.last_text(COMMITTEE) and "2 个单位" in bot.last_text(COMMITTEE)
    notice = await bot.fake.wait_for_message(GROUP_ID, "第一议题 #1")
    await bot.fake.wait_for_message(COMMITTEE, "第一议题 #1")
    assert "https://www.news.cn/politics/a.htm" in notice["text"] and "11月26日" in notice["text"]
    async with bot.db() as s:
        item = await s.scalar(select(AgendaItem))
        assert (item.state, item.category.value, item.to_below) == (ItemState.open, "national", True)
        assert len((await s.scalars(select(AgendaTarget))).all()) == 2

    # 会前自学: 王同志 presses "已学习" under the branch's notice (twice: counted once).
    studied = find_button(notice, "已学习")
    await bot.press(studied, user=bot.member, message=notice)
    assert "已记录" in bot.last_answer()
    await bot.press(studied, user=bot.member, message=notice)
    assert "已学习过" in bot.last_answer()
    assert await bot.count(AgendaStudy) == 1

    # Reminders on the day before the study-by day, only to those who have not studied; a restart in
    # the middle (the bot is down at 09:00 and comes back) neither loses nor repeats one.
    bot.clock.set(local(25, 9, 5))
    await bot.stop()
    await bot.start()
    await bot.planned()
    await idle(bot)
    reminders = with_text(bot, GROUP_ID, "发布）请于 11月26日 前完成会前自学")
    assert len(reminders) == 1 and "张三" in reminders[0] and "王同志" not in reminders[0]
    assert not with_text(bot, MEMBER_ID, "前完成会前自学")
    await bot.stop()
    await bot.start()
    await bot.planned()
    await idle(bot)
    assert len(with_text(bot, GROUP_ID, "发布）请于 11月26日 前完成会前自学")) == 1

    # 会上领学: a 支委会 scheduled without an item warns the admins, who attach the item from the warning.
    await bot.say("/session 明天 15:00 支委会 研究部署学习贯彻工作", user=bot.admin, chat_id=GROUP_ID)
    announcement = await bot.fake.wait_for_message(GROUP_ID, "📢")
    assert "第一议题" not in announcement["text"]
    await tick(bot, local(25, 9, 10))
    warning = await bot.fake.wait_for_message(GROUP_ID, "尚未列入第一议题")
    await bot.press(find_button(warning, "#1"), user=bot.admin, message=warning)
    assert "已将第一议题 #1" in bot.last_text(GROUP_ID)
    assert await bot.count(AgendaSession) == 1

    async def item_first():
        text = bot.current(GROUP_ID, announcement["message_id"])["text"]
        return "第一议题" in text and text.index("第一议题") < text.index("已签到")
    await bot.until(item_first)
    await tick(bot, local(25, 9, 20))
    assert len(with_text(bot, GROUP_ID, "尚未列入第一议题")) == 1  # warned once

    # 张三 attends: that counts as studying the item.
    bot.clock.set(local(26, 14, 55))
    await bot.say("/checkin", user=other, chat_id=GROUP_ID)
    async with bot.db() as s:
        from models.agenda import studied_ids
        assert await studied_ids(s, item_id=1) == {await person_id(bot, MEMBER_ID), await person_id(bot, 2002)}

    # 会后督学: after the close, the session's members are asked for a reflection on the item.
    await tick(bot, local(26, 16, 0))
    follow = await bot.fake.wait_for_message(MEMBER_ID, "会后督学")
    assert "11月29日" in follow["text"]  # three days after the close
    assert with_text(bot, GROUP_ID, "会后督学") and "张三" in with_text(bot, GROUP_ID, "会后督学")[0]
    assert await bot.count(AgendaFollowup) == 3  # the admin, 王同志, 张三
    await bot.press(find_button(follow, "写心得"), user=bot.member, chat_id=MEMBER_ID, message=follow)
    await bot.say(SENTENCE * 3)
    await bot.press(find_button(bot.last_message(MEMBER_ID), "提交"), user=bot.member, chat_id=MEMBER_ID,
                    message=bot.last_message(MEMBER_ID))
    async with bot.db() as s:
        r = await s.scalar(select(Reflection))
        assert (r.state, r.subject_kind, r.subject_ref) == (ReflectionState.submitted, "agenda", 1)
        done = await s.scalar(select(AgendaFollowup).where(AgendaFollowup.person_id == r.person_id))
        assert done.done_at is not None and done.reflection_id == r.id

    # Reminders on the due day only to those who have not written.
    await tick(bot, local(29, 9, 1))
    late = with_text(bot, GROUP_ID, "会后心得体会今天（11月29日）截止")
    assert len(late) == 1 and "张三" in late[0] and "王同志" not in late[0]
    assert not with_text(bot, MEMBER_ID, "会后心得体会今天")

    # 闭环落实: the branch's admin adds a measure; the owner is picked from the branch's members.
    await bot.say("/measures add 1 梳理本支部任务清单 | 11月30日", user=bot.admin, chat_id=GROUP_ID)
    picker = bot.last_message(GROUP_ID)
    assert "请选择责任人" in picker["text"]
    before = await bot.snapshot()
    codec = bot.app.bot_data.codec
    await bot.press(codec.encode("agd.mo", 1, await person_id(bot, 2003)), user=bot.admin, message=picker)
    assert "须为第一党支部成员" in bot.last_answer()
    assert await bot.snapshot() == before
    await bot.press(find_button(picker, "王同志"), user=bot.admin, message=picker)
    assert "已交给" in bot.current(GROUP_ID, picker["message_id"])["text"]
    assigned = await bot.fake.wait_for_message(MEMBER_ID, "落实措施 #1")

    # Someone else cannot mark it done; the owner records progress.
    await bot.press(codec.encode("agd.md", 1), user=bot.admin, chat_id=ADMIN_ID)
    assert "不由您负责" in bot.last_answer()
    await bot.press(find_button(assigned, "更新进展"), user=bot.member, chat_id=MEMBER_ID, message=assigned)
    await bot.say("已完成初稿，待支委会审议", reply_to=bot.last_message(MEMBER_ID))
    assert "已记录措施 #1" in bot.last_text(MEMBER_ID)
    await bot.say("/measures")
    assert "已完成初稿" in bot.last_text(MEMBER_ID)

    # Overdue: the owner daily, the admins once.
    await tick(bot, local(1, 9, 1, month=12))
    await tick(bot, local(2, 9, 1, month=12))
    assert len(with_text(bot, MEMBER_ID, "已逾期")) == 2
    assert len(with_text(bot, GROUP_ID, "请管理员关注")) == 1

    # /agenda 1 in the committee: the state per unit down the tree.
    await bot.say("/agenda 1", user=bot.admin, chat_id=COMMITTEE)
    view = bot.last_text(COMMITTEE)
    assert "机关党委 · 已通知" in view and "第一党支部 · 已通知" in view
    assert "参学率 67%（已学 2/3） · 学习活动 1 次 · 心得 1/3 · 措施完成 0/1，逾期 1" in view
    assert view.index("机关党委") < view.index("第一党支部")
    await bot.say("/agenda 1", user=bot.admin, chat_id=GROUP_ID)
    view = bot.last_text(GROUP_ID)
    assert "🏢 机关党委" not in view and "措施 #1（已逾期）：梳理本支部任务清单" in view and "已完成初稿" in view

    # Done: the only measure closes the item, and every unit hears it.
    await bot.press(find_button(assigned, "完成"), user=bot.member, chat_id=MEMBER_ID, message=assigned)
    async with bot.db() as s:
        assert (await s.scalar(select(AgendaMeasure))).state == MeasureState.done
        assert (await s.scalar(select(AgendaItem))).state == ItemState.closed
    await bot.fake.wait_for_message(GROUP_ID, "闭环销号")
    await bot.fake.wait_for_message(COMMITTEE, "闭环销号")
    await bot.say("/agenda", user=bot.admin, chat_id=GROUP_ID)
    assert "暂无落实中的第一议题" in bot.last_text(GROUP_ID)
    assert outsider  # in the committee only: never asked about the branch's items
    assert not bot.fake.sent_messages(2003)

    # Nothing was sent twice.
    async with bot.db() as s:
        texts = (await s.execute(select(Outbox.chat_id, Outbox.text).where(Outbox.kind.like("agd%")))).all()
    assert len(texts) == len(set(texts))
