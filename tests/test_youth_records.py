"""Activity records (text and photos), the committee's evaluation of a group's period, and an
excellent case shown in the committee's group with the leader's consent."""

from __future__ import annotations

from sqlalchemy import select

from models.outbox import Outbox
from models.youth import ActivityRecord, Consent, Evaluation, Grade
from tests.youth_helpers import Youth, find_button, without

COMMITTEE = -1001000000002


async def test_leader_writes_a_record_with_photos_in_private(bot):
    g = await Youth(bot).setup(private=(bot.fake.user(3001, "张青", username="zhangqing"),))
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    zhang = g.zhang["id"]
    await bot.say("/record", user=g.zhang)
    opened = bot.fake.sent_messages(zhang)[-1]
    assert "正在写青年理论学习小组2026-11 的活动记录" in opened["text"]
    await bot.say("今天开展读书会，共读《习近平谈治国理政》第四卷。", user=g.zhang)
    first, second = bot.fake.add_photo(b"photo-1"), bot.fake.add_photo(b"photo-2", width=800, height=600)
    await bot.inject(bot.fake.message(zhang, g.zhang, None, photo=first, caption="全体合影"))
    await bot.inject(bot.fake.message(zhang, g.zhang, None, photo=second))
    ack = bot.fake.sent_messages(zhang)[-1]
    assert "照片 2 张" in ack["text"]
    sticker = {"file_id": "S1", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1,
               "is_animated": False, "is_video": False}
    await bot.inject(bot.fake.message(zhang, g.zhang, None, sticker=sticker))
    assert "请发送文字或照片" in bot.last_text(zhang)
    await bot.press(find_button(ack, "完成"), user=g.zhang, chat_id=zhang, message=ack)
    assert "已提交青年理论学习小组2026-11 的活动记录" in bot.current(zhang, ack["message_id"])["text"]
    async with bot.db() as s:
        rec = await s.scalar(select(ActivityRecord))
    assert rec.text == "今天开展读书会，共读《习近平谈治国理政》第四卷。\n全体合影"
    assert rec.photos == [first[-1]["file_id"], second[-1]["file_id"]]  # the largest size of each
    assert (rec.period_start.isoformat(), rec.session_id, rec.submitted_at is not None) == ("2026-11-01", None, True)
    notice = await bot.fake.wait_for_message(g.chat, "提交了本组 2026-11 的活动记录")
    assert "今天开展读书会" in notice["text"] and "照片 2 张" in notice["text"]
    # After the draft is in, private messages are not taken for it any more.
    await bot.say("随便聊聊", user=g.zhang)
    assert await bot.count(ActivityRecord) == 1
    # A draft without text cannot be submitted; it is kept, never lost.
    await bot.say("/record", user=g.zhang)
    await bot.inject(bot.fake.message(zhang, g.zhang, None, photo=bot.fake.add_photo(b"photo-3")))
    ack = bot.fake.sent_messages(zhang)[-1]
    await bot.press(find_button(ack, "完成"), user=g.zhang, chat_id=zhang, message=ack)
    assert "还没有文字" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    await bot.say("/record", user=g.zhang)
    assert "已有 0 字，照片 1 张" in bot.last_text(zhang)


async def test_records_in_the_group_and_who_may_write_them(bot):
    g = await Youth(bot).setup()
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    photo = await g.post(g.liu, photo=bot.fake.add_photo(b"p"))
    await g.say("/record 开展“青年讲述党史中的财经故事”演讲，6 人参加。", g.zhang, reply_to=photo)
    assert "已记下青年理论学习小组2026-11 的活动记录" in bot.last_text(g.chat)
    assert "照片 1 张" in bot.last_text(g.chat)
    await g.say("/record", g.zhang)
    assert "私聊我发送 /record" in bot.last_text(g.chat)

    before = await bot.snapshot()
    await g.say("/record 我也写一条", g.liu)
    assert "只有本期（或刚结束一期的）轮值小组长和管理员" in bot.last_text(g.chat)
    await bot.say("/record", user=g.liu)
    assert "不是任何青年小组的轮值小组长或管理员" in bot.last_text(g.liu["id"])
    await g.say("/record " + "长" * 2001, g.zhang)
    assert "记录过长（2001 字），不得超过 2000 字" in bot.last_text(g.chat)
    assert without(await bot.snapshot()) == without(before)
    # The leader of the period just ended may still write it up during the first week of the next.
    bot.clock.advance(days=10)
    await g.say("/record 11 月的补充记录", g.zhang)
    assert "2026-11 的活动记录" in bot.last_text(g.chat)
    bot.clock.advance(days=6)  # 9 December: more than a week after November ended
    await g.say("/record 太晚了", g.zhang)
    assert "只有本期" in bot.last_text(g.chat)
    await g.say("/record 12 月活动", g.liu)
    assert "2026-12 的活动记录" in bot.last_text(g.chat)


async def test_committee_rates_a_group_and_shows_an_excellent_case(bot):
    g = await Youth(bot).setup()
    bot.group(COMMITTEE, "机关党委")
    await bot.say("/bind 机关党委", user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/evaluate", user=bot.admin, chat_id=COMMITTEE)
    assert "下面还没有青年理论学习小组" in bot.last_text(COMMITTEE)
    await bot.press(find_button(g.summary, "上级"), user=bot.admin, chat_id=g.chat, message=g.summary)
    menu = g.last()
    await bot.press(find_button(menu, "机关党委"), user=bot.admin, chat_id=g.chat, message=menu)
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    photo = await g.post(g.zhang, photo=bot.fake.add_photo(b"visit"))
    await g.say("/record 赴红色教育基地调研参观，撰写心得 5 篇。", g.zhang, reply_to=photo)

    await bot.say("/evaluate", user=bot.admin, chat_id=COMMITTEE)
    listing = bot.fake.sent_messages(COMMITTEE)[-1]
    assert "下属 1 个小组" in listing["text"]
    card = await g.press(listing, "青年理论学习小组", bot.admin, chat_id=COMMITTEE)
    text = card["text"]
    assert "青年理论学习小组·2026-11" in text and "轮值小组长：张青" in text
    assert "知识竞赛：0 场" in text and "活动记录：1 篇，照片 1 张" in text and "赴红色教育基地" in text
    assert "评价：未评" in text
    card = await g.press(card, "良好", bot.admin, chat_id=COMMITTEE)
    assert "评价：良好" in card["text"]
    card = await g.press(card, "优秀案例", bot.admin, chat_id=COMMITTEE)
    assert "评价：优秀" in card["text"] and "等待组长同意展示" in card["text"]
    async with bot.db() as s:
        ev = await s.scalar(select(Evaluation))
    assert (ev.grade, ev.excellent, ev.consent) == (Grade.excellent, True, Consent.asked)
    assert {"key": "records", "params": {"count": 1, "photos": 1}} in ev.figures

    ask = await bot.fake.wait_for_message(g.chat, "评为优秀案例")
    assert "张青" in ask["text"]
    await bot.press(find_button(ask, "同意"), user=g.liu, chat_id=g.chat, message=ask)
    assert "只有本期轮值小组长" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    # A consent button pressed in another chat (forged or forwarded) is refused.
    await bot.press(find_button(ask, "同意"), user=g.zhang, chat_id=COMMITTEE)
    assert "按钮已失效" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    await bot.press(find_button(ask, "同意"), user=g.zhang, chat_id=g.chat, message=ask)
    assert "已发送到机关党委群" in bot.current(g.chat, ask["message_id"])["text"]
    case = await bot.fake.wait_for_message(COMMITTEE, "优秀案例")
    assert "青年理论学习小组2026-11" in case["text"] and "赴红色教育基地调研参观" in case["text"]
    await bot.until(lambda: bot.fake.calls("sendPhoto"), what="the case's photo")
    shown = bot.fake.calls("sendPhoto")[-1].params
    assert shown["chat_id"] == COMMITTEE and shown["photo"] == photo["photo"][-1]["file_id"]
    async with bot.db() as s:
        assert (await s.scalar(select(Evaluation))).consent == Consent.granted
    await bot.press(find_button(ask, "同意"), user=g.zhang, chat_id=g.chat, message=ask)
    assert "已经答复过了" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]

    # Buttons naming a unit that is not a group under this committee, or a future period, are refused.
    codec = bot.app.bot_data.codec
    committee_id = (await g.unit()).parent_id
    before = await bot.snapshot()
    for data in (codec.encode("ye.g", committee_id, 0), codec.encode("ye.r", 999, 0, "good"),
                 codec.encode("ye.g", (await g.unit()).id, 20270101)):
        await bot.press(data, user=bot.admin, chat_id=COMMITTEE)
        answer = bot.fake.calls("answerCallbackQuery")[-1].params
        assert answer["show_alert"] and ("按钮已失效" in answer["text"] or "还没有开始" in answer["text"])
    assert without(await bot.snapshot()) == without(before)
    assert await bot.count(Outbox, Outbox.kind == "youth_case") == 2  # the text and its one photo
