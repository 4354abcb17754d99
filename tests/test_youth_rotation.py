"""Youth flags, the rotating group leader turning over, and swaps of turns (agreed, refused, expired)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.youth import Rotation, Swap, SwapState, YouthPerson
from tests.youth_helpers import Youth, find_button, without


async def rotation(bot) -> Rotation:
    async with bot.db() as s:
        return await s.scalar(select(Rotation))


async def test_rotation_is_picked_with_buttons_and_turns_over(bot):
    g = await Youth(bot).setup(private=(bot.fake.user(3001, "张青", username="zhangqing"),))
    await g.say("/rotation", bot.admin)
    picker = g.last()
    assert "设置轮值顺序" in picker["text"] and "（尚未选择）" in picker["text"]
    picker = await g.press(picker, "撤销", bot.admin)  # nothing to undo: the same picker, no error
    assert not g.answer().get("show_alert")
    for name in ("张青", "王同志", "刘洋"):
        picker = await g.press(picker, name, bot.admin)
    assert "1. 张青\n2. 王同志\n3. 刘洋" in picker["text"]
    picker = await g.press(picker, "撤销", bot.admin)
    picker = await g.press(picker, "刘洋", bot.admin)
    summary = (await g.press(picker, "完成", bot.admin))["text"]
    assert "轮值已设置" in summary and "张青 → 王同志 → 刘洋" in summary
    assert "本期（2026-11）小组长：张青" in summary and "下一期（2026-12）：王同志" in summary
    zhang, wang = await g.pid(g.zhang), await g.pid(g.wang)

    # The planner announces the turn in the group and reminds the leader privately, once.
    await g.tick()
    turn = await bot.fake.wait_for_message(g.chat, "2026-11 轮值小组长：张青")
    assert "下一期（2026-12）：王同志" in turn["text"]
    dm = await bot.fake.wait_for_message(g.zhang["id"], "轮值小组长")
    assert "策划本期学习活动" in dm["text"] and "/record" in dm["text"]
    await g.tick(minutes=5)
    await g.tick(hours=3)
    assert len([t for t in bot.texts(g.chat) if "轮值小组长：" in t]) == 1

    # 1 December, 09:00 in Beijing: the next turn; not a minute before.
    bot.clock.set(datetime(2026, 12, 1, 0, 59, tzinfo=UTC))
    await g.tick()
    assert not [t for t in bot.texts(g.chat) if "2026-12 轮值小组长" in t]
    bot.clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    await g.tick()
    await bot.fake.wait_for_message(g.chat, "2026-12 轮值小组长：王同志")
    assert (await rotation(bot)).turns == {"2026-11-01": zhang, "2026-12-01": wang}
    # 王同志 never started the bot: the group announcement is how he hears of it, no private message.
    assert not bot.fake.sent_messages(g.wang["id"])

    # A weekly period keeps whoever leads now, and counts from this week.
    await g.say("/rotation 每周 08:30", bot.admin)
    assert "每周" in bot.last_text(g.chat) and "本期（2026-11-30~12-06）小组长：王同志" in bot.last_text(g.chat)
    rot = await rotation(bot)
    assert (rot.period.value, rot.at, rot.order[0]) == ("weekly", "08:30", wang)


async def test_rotation_by_mentions_and_its_bad_input(bot):
    g = await Youth(bot).setup()
    await g.command("/rotation @zhangqing 王同志 @liuyang", bot.admin, people={"王同志": g.wang})
    assert "张青 → 王同志 → 刘洋" in bot.last_text(g.chat)
    before = await bot.snapshot()
    outsider = bot.fake.user(4001, "路人", username="passerby")
    await bot.say("hi", user=outsider, chat_id=g.chat)
    for text, expected in [
        ("/rotation @passerby", "找不到成员“@passerby”"),
        ("/rotation 每年", "无法识别“每年”"),
        ("/rotation 25:00", "无法识别“25:00”"),
        ("/rotation @zhangqing 停止", "无法识别"),
    ]:
        await g.command(text, bot.admin)
        assert expected in bot.last_text(g.chat), (text, bot.last_text(g.chat))
        assert "/rotation" in bot.last_text(g.chat) or "/join" in bot.last_text(g.chat)  # and how to do it right
    assert without(await bot.snapshot()) == without(before)
    # Only a youth group has a rotation.
    bot.group(-1001000000009, "第一党支部")
    await bot.say("/bind 党支部", user=bot.admin, chat_id=-1001000000009)
    await bot.say("/rotation", user=bot.admin, chat_id=-1001000000009)
    assert "不是青年理论学习小组" in bot.last_text(-1001000000009)
    await g.say("/rotation 停止", bot.admin)
    assert "已停止轮值" in bot.last_text(g.chat)
    assert (await rotation(bot)).order == []


async def test_swap_needs_both_confirmations(bot):
    g = await Youth(bot).setup()
    await g.command("/rotation @zhangqing 王同志 @liuyang", bot.admin, people={"王同志": g.wang})
    zhang, liu = await g.pid(g.zhang), await g.pid(g.liu)
    hello = g.message_of(await g.say("大家好", g.liu))
    await g.say("/swap", g.zhang, reply_to=hello)
    offer = g.last()
    assert "张青（2026-11）⇄ 刘洋（2027-01）" in offer["text"] and "等待双方确认" in offer["text"]

    # The partner agrees first: nothing changes yet.
    offer = await g.press(offer, "同意", g.liu)
    assert "刘洋 已同意，等待 张青 确认" in offer["text"]
    async with bot.db() as s:
        swap = await s.scalar(select(Swap))
    assert (swap.state, swap.proposer_ok, swap.partner_ok) == (SwapState.pending, False, True)
    assert (await rotation(bot)).turns == {}
    # Someone else cannot confirm for them.
    await g.press(offer, "同意", g.wang)
    assert g.answer()["show_alert"] and "只有交换的双方" in g.answer()["text"]

    # The proposer's confirmation completes it; the new leader of this month is announced.
    offer = await g.press(offer, "同意", g.zhang)
    assert "交换完成" in offer["text"] and not offer.get("reply_markup")
    assert (await rotation(bot)).turns == {"2026-11-01": liu, "2027-01-01": zhang}
    await g.tick()
    await bot.fake.wait_for_message(g.chat, "2026-11 轮值小组长：刘洋")


async def test_swaps_refused_or_expired_change_nothing(bot):
    g = await Youth(bot).setup()
    await g.command("/rotation @zhangqing 王同志 @liuyang", bot.admin, people={"王同志": g.wang})

    # Refused: 张青 picks 王同志 from the list; 王同志 declines.
    await g.say("/swap", g.zhang)
    picker = g.last()
    assert "您的轮值：2026-11" in picker["text"]
    await bot.press(find_button(picker, "王同志"), user=g.liu, chat_id=g.chat, message=picker)
    assert "别人发起的选择" in g.answer()["text"]
    offer = await g.press(picker, "王同志", g.zhang)
    assert "张青（2026-11）⇄ 王同志（2026-12）" in offer["text"]
    offer = await g.press(offer, "拒绝", g.wang)
    assert "王同志 拒绝了交换，轮值不变" in offer["text"] and not offer.get("reply_markup")

    # Expired: only the proposer confirms within 48 hours.
    hello = g.message_of(await g.say("在吗", g.zhang))
    await g.say("/swap", g.liu, reply_to=hello)
    await g.say("/swap", g.liu, reply_to=hello)
    assert "已有一个待确认的交换提议" in bot.last_text(g.chat)
    offers = [m for m in bot.fake.sent_messages(g.chat) if "刘洋（2027-01）⇄ 张青" in (m.get("text") or "")]
    offer = await g.press(offers[-1], "同意", g.liu)
    await g.tick(hours=49)
    notice = await bot.fake.wait_for_message(g.chat, "已过期")
    assert "刘洋 与 张青 的轮值交换提议已过期" in notice["text"] and "轮值不变" in notice["text"]
    await g.press(offer, "同意", g.zhang)
    assert g.answer()["show_alert"] and "已过期" in g.answer()["text"]
    async with bot.db() as s:
        states = [sw.state for sw in (await s.scalars(select(Swap).order_by(Swap.id))).all()]
    assert states == [SwapState.refused, SwapState.expired]
    assert (await rotation(bot)).turns == {"2026-11-01": await g.pid(g.zhang)}  # the announced turn only

    # Without a turn there is nothing to swap; nor with oneself.
    newcomer = bot.fake.user(4002, "新人")
    await g.say("/join", newcomer)
    await g.say("/swap", newcomer, reply_to=hello)
    assert "没有接下来的轮值" in bot.last_text(g.chat)
    await g.command("/swap @zhangqing", g.zhang)
    assert "不能和自己交换" in bot.last_text(g.chat)


async def test_youth_flags(bot):
    g = await Youth(bot).setup()
    await g.say("/youthflag", bot.admin)
    picker = g.last()
    assert "青年 0/4 人" in picker["text"]
    picker = await g.press(picker, "王同志", bot.admin)
    assert "青年 1/4 人" in picker["text"] and "🌱 王同志" in str(picker["reply_markup"])
    hello = g.message_of(await g.say("我是张青", g.zhang))
    await g.say("/youthflag 1985", bot.admin, reply_to=hello)
    assert "张青：非青年（1985 年出生）" in bot.last_text(g.chat)
    await g.command("/youthflag @liuyang 1998年", bot.admin)
    assert "刘洋：🌱 青年（1998 年出生）" in bot.last_text(g.chat)
    async with bot.db() as s:
        flags = {(y.flag, y.birth_year) for y in (await s.scalars(select(YouthPerson))).all()}
    assert flags == {(True, None), (None, 1985), (None, 1998)}
    await g.say("/youthflag 上限 45", bot.admin)
    await g.say("/youth", g.wang)
    assert "其中青年 3 人（45 岁及以下" in bot.last_text(g.chat)

    before = await bot.snapshot()
    for text, expected in [
        ("/youthflag 1800", "出生年份 1800 有误"),
        ("/youthflag 是", "请指明是哪位成员"),
        ("/youthflag 上限 99", "年龄上限 99 不在"),
        ("/youthflag 也许", "无法识别“也许”"),
    ]:
        await g.say(text, bot.admin, reply_to=hello if "1800" in text else None)
        assert expected in bot.last_text(g.chat), (text, bot.last_text(g.chat))
    assert without(await bot.snapshot()) == without(before)
