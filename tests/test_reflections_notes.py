"""Study notes called up for review (学习笔记调阅) over real HTTP: asking by picker, @username or reply;
the member sending text and files; the admin seeing what arrived and when; the due-day reminder;
bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.reflections import NoteItem, NoteRequest, NoteState
from tests.harness import ADMIN_ID, GROUP_ID, MEMBER_ID, find_button
from tests.test_reflections_flow import last, press, quiet_state, unit_with_member


async def test_notes_by_picker_arrive_and_are_viewed(bot):
    await unit_with_member(bot)
    await bot.say("/start", user=bot.admin)
    await bot.say("/notes", user=bot.admin, chat_id=GROUP_ID)
    menu = bot.last_message(GROUP_ID)
    assert "还没有调阅过学习笔记" in menu["text"] and "截止 11月30日" in menu["text"]
    await bot.press(find_button(menu, "王同志"), user=bot.admin, message=menu)
    assert "已请 王同志 在 11月30日 前提交学习笔记（已私聊通知）" in last(bot, GROUP_ID)

    ask = await bot.fake.wait_for_message(MEMBER_ID, "请您在")
    assert "李书记" in ask["text"] and "11月30日" in ask["text"]
    await press(bot, "开始提交", user=bot.member, message=ask)
    assert "请发送学习笔记" in last(bot, MEMBER_ID)
    await bot.say("第一讲笔记：坚持学思用贯通。")
    assert "已收到第 1 份（文字）" in last(bot, MEMBER_ID)
    pdf = bot.fake.add_document(b"%PDF-1.7", "读书笔记.pdf", "application/pdf")
    await bot.say(None, document=pdf, caption="读书笔记")
    assert "已收到第 2 份（文档）" in last(bot, MEMBER_ID)
    await press(bot, "交齐", user=bot.member)
    assert "已交齐 2 份学习笔记" in last(bot, MEMBER_ID)
    async with bot.db() as s:
        req = await s.scalar(select(NoteRequest))
        items = (await s.scalars(select(NoteItem).order_by(NoteItem.id))).all()
    assert req.state == NoteState.done and req.done_at == bot.clock.now() and req.first_at == bot.clock.now()
    assert [(i.kind, i.text, i.file_id) for i in items] == [
        ("text", "第一讲笔记：坚持学思用贯通。", None), ("document", "读书笔记", pdf["file_id"])]

    # The admin is told privately and sees the notes with their arrival times.
    arrived = await bot.fake.wait_for_message(ADMIN_ID, "已交齐学习笔记")
    assert "2 份" in arrived["text"] and "11月23日 09:00" in arrived["text"]
    await press(bot, "查看笔记", user=bot.admin, message=arrived)
    texts = bot.texts(ADMIN_ID)
    assert "王同志 的学习笔记：2 份" in texts[-3] and "坚持学思用贯通" in texts[-2] and "读书笔记" in texts[-1]
    sent_doc = bot.fake.calls("sendDocument")[-1].params
    assert sent_doc["document"] == pdf["file_id"] and "读书笔记" in sent_doc["caption"]
    await bot.say("/notes", user=bot.admin, chat_id=GROUP_ID)
    assert "王同志：截止 11月30日 · 已交齐 2 份（11月23日 09:00）" in last(bot, GROUP_ID)
    assert "坚持学思用贯通" not in "".join(bot.texts(GROUP_ID))  # contents go only to the admin


async def test_notes_by_username_and_by_reply(bot):
    await unit_with_member(bot)
    zhao = bot.fake.user(3001, "赵敏", username="ZhaoMin")
    bot.fake.set_member(GROUP_ID, zhao, "member")
    await bot.say("/join", user=zhao, chat_id=GROUP_ID)

    # She has not started the bot: she is asked in the group, and the button needs /start first.
    await bot.say("/notes @zhaomin 12月5日", user=bot.admin, chat_id=GROUP_ID)
    assert "已请 赵敏 在 12月5日 前提交学习笔记（对方还没私聊过我，已在群里提醒）" in last(bot, GROUP_ID)
    ask = await bot.fake.wait_for_message(GROUP_ID, "请您在")
    await bot.press(find_button(ask, "开始提交"), user=zhao, message=ask)
    assert "请先点下方按钮私聊我发送 /start" in bot.last_answer()
    await bot.press(find_button(ask, "开始提交"), user=bot.member, message=ask)
    assert "找不到这条调阅通知" in bot.last_answer()
    await bot.say("/start", user=zhao)
    await bot.press(find_button(ask, "开始提交"), user=zhao, message=ask)
    assert "请看与我的私聊" in bot.last_answer() and "请发送学习笔记" in last(bot, 3001)
    # What she sends now goes to the request.
    await bot.say(None, user=zhao, photo=bot.fake.add_photo(b"page"))
    assert "已收到第 1 份（照片）" in last(bot, 3001)

    # By replying to the member's message; asking again moves the due date.
    said = bot.fake.injected[await bot.say("收到", chat_id=GROUP_ID)]["message"]
    await bot.say("/notes 2026-12-10", user=bot.admin, chat_id=GROUP_ID, reply_to=said)
    assert "已请 王同志 在 12月10日 前" in last(bot, GROUP_ID)
    await bot.say("/notes 3天", user=bot.admin, chat_id=GROUP_ID, reply_to=said)
    assert "已再次提醒 王同志，截止日期改为 11月26日" in last(bot, GROUP_ID)
    assert await bot.count(NoteRequest) == 2


async def test_notes_bad_inputs_write_nothing(bot):
    await unit_with_member(bot)
    outsider = bot.fake.user(3002, "外人")
    bot.fake.set_member(GROUP_ID, outsider, "member")  # in the group, never joined the unit
    said = bot.fake.injected[await bot.say("你好", user=outsider, chat_id=GROUP_ID)]["message"]
    before = await quiet_state(bot)
    cases = [
        ("/notes @nobody", "本单位成员里找不到 @nobody"),
        ("/notes 13-45", "无法识别日期“13-45”"),
        ("/notes 下周", "无法识别日期“下周”"),
        ("/notes 2020-01-01", "截止日期已过"),
        ("/notes 400天", "最多 366 天以内"),
    ]
    for text, expected in cases:
        await bot.say(text, user=bot.admin, chat_id=GROUP_ID)
        assert expected in last(bot, GROUP_ID), (text, last(bot, GROUP_ID))
    await bot.say("/notes", user=bot.admin, chat_id=GROUP_ID, reply_to=said)
    assert "外人 不是本单位的成员" in last(bot, GROUP_ID)
    await bot.say("/notes @nobody", user=bot.member, chat_id=GROUP_ID)
    assert "只有本单位管理员" in last(bot, GROUP_ID)
    assert await quiet_state(bot) == before

    # A request: "all in" with nothing sent, viewing by a non-admin, pressing someone else's.
    await bot.say("/notes 7天", user=bot.admin, chat_id=GROUP_ID)
    await bot.press(find_button(bot.last_message(GROUP_ID), "王同志"), user=bot.admin)
    async with bot.db() as s:
        req = await s.scalar(select(NoteRequest))
    codec = bot.app.bot_data.codec
    before = await quiet_state(bot)
    await bot.press(codec.encode("nt.done", req.id), user=bot.member, chat_id=MEMBER_ID)
    assert "尚未收到笔记" in bot.last_answer()
    await bot.press(codec.encode("nt.v", req.id), user=bot.member)
    assert "只有本单位管理员" in bot.last_answer()
    await bot.press(codec.encode("nt.go", req.id), user=outsider, chat_id=3002)
    assert "找不到这条调阅通知" in bot.last_answer()
    await bot.press(codec.encode("nt.p", 999, 1, "20261201"), user=bot.admin)
    assert "按钮已失效" in bot.last_answer()
    assert await quiet_state(bot) == before


async def test_due_day_reminder(bot):
    await unit_with_member(bot)
    await bot.say("/notes 1天", user=bot.admin, chat_id=GROUP_ID)
    await bot.press(find_button(bot.last_message(GROUP_ID), "王同志"), user=bot.admin)
    await bot.fake.wait_for_message(MEMBER_ID, "请您在")
    bot.clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # 08:30 Beijing on the due day
    await bot.planned()
    assert not any("截止日" in t for t in bot.texts(MEMBER_ID))
    bot.clock.set(datetime(2026, 11, 24, 1, 5, tzinfo=UTC))  # 09:05
    await bot.planned()
    reminder = await bot.fake.wait_for_message(MEMBER_ID, "今天是提交学习笔记的截止日（11月24日）")
    await bot.planned()
    assert sum("截止日" in t for t in bot.texts(MEMBER_ID)) == 1
    await press(bot, "开始提交", user=bot.member, message=reminder)
    assert "请发送学习笔记" in last(bot, MEMBER_ID)
