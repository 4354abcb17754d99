"""Study sessions end to end: the real Application against the fake Bot API over HTTP, the real
planner and sender, time driven by the FakeClock (Monday 2026-11-23 09:00 in Beijing)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.i18n import t
from models.outbox import Outbox
from models.prompts import Prompt
from models.sessions import (
    Attendance, Makeup, MakeupState, SessionDraft, SessionState, Status, StudySession, Via, attended_minutes,
)
from models.units import Person
from tests.harness import GROUP_ID
from tests.test_units_flow import buttons, find_button

OTHER_GROUP = -1001000000002
TOMORROW_15 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 2026-11-24 15:00 in Beijing
FAST_ROLL = {"per_group_minute": 1200}  # the roll may be edited every 0.1 s


@pytest.fixture
async def bot(start_bot):
    """The harness with a roll that may be edited every 0.1 s, so tests see it change at once."""
    return await start_bot(delivery=FAST_ROLL)


async def setup_unit(bot, *, started: bool = True) -> dict:
    """A bound branch with the admin, 王同志 (who started the bot if `started`) and 张三 (who did not)."""
    bot.group()
    await bot.say("/bind 党支部", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    other = bot.fake.user(2002, "张三")
    bot.fake.set_member(GROUP_ID, other, "member")
    await bot.say("/join", user=other, chat_id=GROUP_ID)
    if started:
        await bot.say("/start", user=bot.member)
    return other


async def schedule(bot, line: str = "明天 15:00 主题党日 学习贯彻四中全会精神 @三楼会议室") -> dict:
    """Schedule by the one-line form; returns the announcement once the sender has posted it."""
    since = len(bot.fake.sent_messages())
    await bot.say(f"/session {line}", user=bot.admin, chat_id=GROUP_ID)
    replies = [m.get("text") or "" for m in bot.fake.sent_messages()[since:] if m["chat"]["id"] == GROUP_ID]
    assert any("已安排 #" in text for text in replies), replies  # the announcement may come before or after it
    return await bot.fake.wait_for_message(GROUP_ID, "📢", since=since)  # this session's, not an earlier one


async def rows(bot) -> dict[str, Attendance]:
    async with bot.db() as s:
        found = await s.execute(select(Person.first_name, Attendance).join(Attendance, Attendance.person_id == Person.id))
        return {name: a for name, a in found.all()}


async def one_session(bot) -> StudySession:
    async with bot.db() as s:
        return await s.scalar(select(StudySession))


async def quiet(bot) -> None:
    """Let the planner plan what fell due and the sender send it, so a snapshot stays still."""
    await bot.settle_planner()

    async def still():
        # The background tick and roll job run beside the test: idle twice, a few ticks apart.
        if await bot.background_busy():
            return False
        await asyncio.sleep(0.3)
        return not await bot.background_busy()
    await bot.planned()
    try:
        await bot.until(still)
    except AssertionError as e:
        async with bot.db() as s:
            rolls = (await s.execute(select(StudySession.id, StudySession.state, StudySession.roll_version,
                                            StudySession.roll_shown))).all()
        raise AssertionError(f"{e}\n{await bot.outbox_summary()}\nrolls: {rolls}") from None


def answers(bot) -> list[str]:
    return [r.params.get("text") or "" for r in bot.fake.calls("answerCallbackQuery")]


async def roll_shows(bot, message: dict, *parts: str) -> str:
    """Wait until the live roll (the announcement, edited) shows every part."""
    async def check():
        text = bot.fake.message_text(GROUP_ID, message["message_id"]) or ""
        return text if all(p in text for p in parts) else None
    return await bot.until(check)


async def test_one_line_form_announces_and_members_check_in(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    text = announcement["text"]
    assert "主题党日" in text and "学习贯彻四中全会精神" in text and "三楼会议室" in text
    assert "11月24日（周二）15:00–16:30" in text and "签到：14:30–15:30（15:05 后签到记为迟到）" in text
    labels = [label for label, _ in buttons(announcement)]
    assert labels == ["✅ 签到", "📝 请假", "🗂 管理（管理员）"]
    ses = await one_session(bot)
    assert (ses.starts_at, ses.ends_at, ses.opens_at, ses.closes_at) == (
        TOMORROW_15, TOMORROW_15 + timedelta(minutes=90), TOMORROW_15 - timedelta(minutes=30),
        TOMORROW_15 + timedelta(minutes=30))
    assert ses.tier.value == "research" and ses.place == "三楼会议室"
    assert set(await rows(bot)) == {"李书记", "王同志", "张三"}  # the unit's members when it was made

    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    assert answers(bot)[-1] == t("zh", "sessions.checked_in", time="14:50", topic="学习贯彻四中全会精神")
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    assert "无需重复签到" in answers(bot)[-1]
    clock.set(TOMORROW_15 + timedelta(minutes=7))
    await bot.say("签到", user=other, chat_id=GROUP_ID)
    reaction = bot.fake.calls("setMessageReaction")[-1].params
    assert reaction["reaction"][0]["emoji"] == "👌"
    found = await rows(bot)
    assert (found["王同志"].status, found["王同志"].via) == (Status.present, Via.button)
    assert (found["张三"].status, found["张三"].via) == (Status.late, Via.word)
    assert found["李书记"].status == Status.pending

    roll = await roll_shows(bot, announcement, "已签到 2/3", "王同志", "张三（迟到）", "尚未签到 1 人")
    assert "67%" in roll


async def test_check_in_outside_the_window_and_for_a_cancelled_session(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    await bot.say("/checkin", user=bot.member, chat_id=GROUP_ID)
    assert "尚未开始签到。签到时间：11-24 14:30–15:30" in bot.last_text(GROUP_ID)
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    assert "尚未开始签到" in answers(bot)[-1]

    await bot.say("/session cancel 1 改期", user=bot.admin, chat_id=GROUP_ID)
    assert "已取消 #1" in bot.last_text(GROUP_ID)
    await bot.fake.wait_for_message(GROUP_ID, "活动取消")
    await bot.fake.wait_for_message(bot.member["id"], "已取消")  # privately, to who started the bot
    clock.set(TOMORROW_15)
    await bot.press(find_button(announcement, "签到"), user=other, message=announcement)
    assert "已取消" in answers(bot)[-1]
    await bot.say("/session cancel 1", user=bot.admin, chat_id=GROUP_ID)
    assert "已取消，不能再修改" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        ses = await s.scalar(select(StudySession))
    assert (ses.state, ses.cancel_reason) == (SessionState.cancelled, "改期")
    await roll_shows(bot, announcement, "本次活动已取消（原因：改期）")
    assert bot.current(GROUP_ID, announcement["message_id"]).get("reply_markup") is None

    await schedule(bot, "2026-11-24 16:00 党课 讲党史")
    clock.set(TOMORROW_15 + timedelta(minutes=91))
    await bot.say("签到", user=bot.member, chat_id=GROUP_ID)
    assert "“讲党史”的签到已于 11-24 16:30 结束" in bot.last_text(GROUP_ID) and "补签" in bot.last_text(GROUP_ID)
    await bot.say("/session cancel 2", user=bot.admin, chat_id=GROUP_ID)
    assert "已结束，不能再修改" in bot.last_text(GROUP_ID)
    assert all(a.status in (Status.pending, Status.absent) for a in (await rows(bot)).values())


async def test_bad_scheduling_inputs_write_nothing(bot):
    await setup_unit(bot, started=False)
    before = await bot.snapshot()
    cases = [
        ("/session 2026-11-20 15:00 主题党日 学习", "已过（"),
        ("/session 2026-02-30 15:00 主题党日 学习", "无法识别日期“2026-02-30”"),
        ("/session 明天 15:00-14:00 主题党日 学习", "结束时间应晚于开始时间（现为 15:00–14:00）"),
        ("/session 明天 15:00 茶话会 学习", "无法识别活动类型“茶话会”"),
        ("/session 明天 15:00 主题党日 " + "长" * 201, "主题过长（201 字）"),
        ("/session edit 99", "没有编号为 #99"),
        ("/session edit x", "“x”不是活动编号"),
        ("/session window 30 0", "签到时间设置有误"),
        ("/session window", "用法"),
    ]
    for text, expected in cases:
        await bot.say(text, user=bot.admin, chat_id=GROUP_ID)
        assert expected in bot.last_text(GROUP_ID), (text, bot.last_text(GROUP_ID))
        assert "<code>" in bot.fake.calls("sendMessage")[-1].params["text"] or "#99" in expected, text
    await bot.say("/checkin", user=bot.member, chat_id=GROUP_ID)
    assert "没有需要签到" in bot.last_text(GROUP_ID)
    await bot.say("请假", user=bot.member, chat_id=GROUP_ID)
    assert "请假需要说明原因" in bot.last_text(GROUP_ID)
    await bot.say("/leave 出差", user=bot.member, chat_id=GROUP_ID)
    assert "没有可以请假" in bot.last_text(GROUP_ID)
    await bot.say("/session", user=bot.admin)
    assert "请在单位群里使用" in bot.last_text(bot.admin["id"])
    assert await bot.snapshot() == before


async def test_forged_and_foreign_session_buttons_are_refused(bot, clock):
    await setup_unit(bot)
    announcement = await schedule(bot)
    bot.fake.add_chat(OTHER_GROUP, title="二支部群")
    bot.fake.set_member(OTHER_GROUP, bot.admin, "creator")
    await bot.say("/bind 党支部", user=bot.admin, chat_id=OTHER_GROUP)
    clock.set(TOMORROW_15)
    await quiet(bot)
    codec = bot.app.bot_data.codec
    before = await bot.snapshot()
    stranger = bot.fake.user(7001, "路人")
    await bot.press("1|ses.in|1|AAAAAAAA", user=bot.member)  # not signed by us
    await bot.press(codec.encode("ses.in", 1), user=bot.admin, chat_id=OTHER_GROUP)  # another chat's session
    await bot.press(codec.encode("ses.pn", 1), user=bot.admin, chat_id=OTHER_GROUP)  # admin there, not here
    await bot.press(codec.encode("ses.in", 1), user=stranger, chat_id=stranger["id"])  # private, not on the roll
    await bot.press(codec.encode("ses.in", 999), user=bot.member)
    await bot.press(codec.encode("ses.la", 1, 1), user=bot.member, message=announcement)  # not an admin
    calls = [r.params for r in bot.fake.calls("answerCallbackQuery")][-6:]
    assert all(c.get("show_alert") for c in calls)
    assert sum("按钮已失效" in c["text"] for c in calls) == 5 and "只有本单位管理员" in calls[-1]["text"]
    after = await bot.snapshot()
    assert {k: v for k, v in after.items() if k not in ("people", "memberships")} == {
        k: v for k, v in before.items() if k not in ("people", "memberships")}


async def test_leave_by_word_command_and_button_then_admin_decides(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    await bot.say("请假 出差在外", user=bot.member, chat_id=GROUP_ID)
    assert "已提交“学习贯彻四中全会精神”" in bot.last_text(GROUP_ID) and "等待管理员审批" in bot.last_text(GROUP_ID)
    await bot.say("/leave", user=other, chat_id=GROUP_ID)
    assert "请假需要说明原因" in bot.last_text(GROUP_ID)
    # The button asks for the reason with a reply prompt; the reply is the reason.
    await bot.press(find_button(announcement, "请假"), user=other, message=announcement)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "说明“学习贯彻四中全会精神”的请假原因" in prompt["text"]
    await bot.say("家中有事", user=other, chat_id=GROUP_ID, reply_to=prompt)
    found = await rows(bot)
    assert (found["王同志"].status, found["王同志"].leave_reason) == (Status.leave_asked, "出差在外")
    assert (found["张三"].status, found["张三"].leave_reason) == (Status.leave_asked, "家中有事")
    assert await bot.count(Prompt) == 0

    # The admin opens the panel from the roll and decides.
    await bot.press(find_button(announcement, "管理"), user=bot.admin, message=announcement)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "待批请假" in panel["text"] and "王同志：出差在外" in panel["text"]
    await bot.press(find_button(panel, "批准 王同志"), user=bot.admin, message=panel)
    await bot.press(find_button(panel, "驳回 张三"), user=bot.admin, message=panel)
    panel_now = bot.current(GROUP_ID, panel["message_id"])
    assert "待批请假" not in panel_now["text"]
    found = await rows(bot)
    admin_id = found["李书记"].person_id
    assert (found["王同志"].status, found["王同志"].leave_decided_by_id) == (Status.leave_approved, admin_id)
    assert found["张三"].status == Status.leave_rejected
    await bot.fake.wait_for_message(bot.member["id"], "请假已获批准")  # privately: he started the bot
    await bot.fake.wait_for_message(GROUP_ID, "张三 的请假未获批准")  # he did not: mentioned in the group
    await roll_shows(bot, announcement, "王同志（已批准）", "张三（未批准）")

    # After checking in, leave is refused; the refused member may still come.
    clock.set(TOMORROW_15)
    await bot.say("签到", user=other, chat_id=GROUP_ID)
    assert (await rows(bot))["张三"].status == Status.present
    await bot.say("请假 又有事", user=other, chat_id=GROUP_ID)
    assert "您已签到" in bot.last_text(GROUP_ID)


async def test_proxy_then_close_then_makeup_checkin_and_makeup_study(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=5))
    await quiet(bot)
    await bot.press(find_button(announcement, "管理"), user=bot.admin, message=announcement)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "尚未签到" in panel["text"]
    await bot.press(find_button(panel, "代签 王同志"), user=bot.admin, message=panel)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "为 王同志 代签" in prompt["text"]
    await bot.say("在会场，手机没电", user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    assert "已为 王同志 代签" in bot.last_text(GROUP_ID)
    found = await rows(bot)
    admin_id = found["李书记"].person_id
    assert (found["王同志"].status, found["王同志"].via, found["王同志"].proxy_by_id,
            found["王同志"].proxy_reason) == (Status.present, Via.proxy, admin_id, "在会场，手机没电")
    await bot.fake.wait_for_message(bot.member["id"], "已为您代签")

    # The window closes: the planner records absences, assigns 补学, and sums up in the group.
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    summary = await bot.fake.wait_for_message(GROUP_ID, "签到结束")
    assert "应到 3 人，实到 1 人（按时 1，迟到 0），请假 0 人，缺席 2 人；参会率 33%" in summary["text"]
    assert "缺席人员（含请假未获批准）：李书记、张三。已安排补学，请于12月1日（周二）前完成" in summary["text"]
    async with bot.db() as s:
        items = {m.person_id: m for m in (await s.scalars(select(Makeup))).all()}
        ses = await s.scalar(select(StudySession))
    found = await rows(bot)
    assert ses.state == SessionState.closed and found["张三"].status == Status.absent
    assert set(items) == {found["张三"].person_id, found["李书记"].person_id}
    assert all(m.due_at == ses.closes_at + timedelta(days=7) for m in items.values())
    # 张三 and the admin never started the bot: they are mentioned in the group instead.
    await bot.fake.wait_for_message(GROUP_ID, "须补学")
    await roll_shows(bot, announcement, "签到结束", "缺席 2 人")

    # A make-up check-in (补签) for the admin: recorded, and his 补学 is waived.
    await bot.press(find_button(panel, "刷新"), user=bot.admin, message=panel)
    panel = bot.current(GROUP_ID, panel["message_id"])
    await bot.press(find_button(panel, "刷新"), user=bot.admin, message=panel)  # nothing changed: still fine
    assert "出错" not in answers(bot)[-1] and "缺席" in bot.current(GROUP_ID, panel["message_id"])["text"]
    await bot.press(find_button(panel, "补签 李书记"), user=bot.admin, message=panel)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("实际参加，忘记签到", user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    assert "已为 李书记 补签" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        waived = await s.get(Makeup, items[found["李书记"].person_id].id)
    assert waived.state == MakeupState.waived
    assert (await rows(bot))["李书记"].via == Via.makeup

    # 张三 hands in his 补学; /me shows nothing left.
    item_id = items[found["张三"].person_id].id
    await bot.say("/makeup", user=other)
    assert f"#{item_id}" in bot.last_text(other["id"]) and "截止" in bot.last_text(other["id"])
    await bot.say(f"/makeup {item_id} 太短", user=other)
    assert "补学内容过短" in bot.last_text(other["id"])
    await bot.say(f"/makeup {item_id}", user=other)
    assert "请在编号后写上补学内容" in bot.last_text(other["id"])
    await bot.say("/makeup 学习了全会公报全文，体会是要把学习成果转化为工作实效。", user=other)
    assert f"已提交补学 #{item_id}" in bot.last_text(other["id"])
    await bot.say(f"/makeup {item_id} 再交一次也不行的内容内容", user=other)
    assert "已完成或已取消" in bot.last_text(other["id"])
    await bot.say("/me", user=other)
    assert "暂无待完成的补学" in bot.last_text(other["id"])
    assert "今年参加学习活动 0 次，缺席 1 次" in bot.last_text(other["id"])  # the closed session he missed
    async with bot.db() as s:
        done = await s.get(Makeup, item_id)
        minutes = await attended_minutes(s, person_id=found["王同志"].person_id, start=TOMORROW_15 - timedelta(days=1),
                                         end=TOMORROW_15 + timedelta(days=1))
    assert done.state == MakeupState.done and done.note.startswith("学习了全会公报")
    assert minutes == 90


async def test_reminders_fire_from_the_real_scheduler(bot, clock):
    other = await setup_unit(bot)
    await schedule(bot)
    sent = len(bot.fake.sent_messages())

    async def at(when: datetime, chat_id: int, text: str) -> dict:
        clock.set(when)
        await bot.planned()  # the tick has planned up to `when` (a clearer failure than a missing message)
        try:
            return await bot.fake.wait_for_message(chat_id, text, since=sent)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await bot.outbox_summary()}") from None

    await at(TOMORROW_15 - timedelta(hours=24), GROUP_ID, "定于")
    h1 = await at(TOMORROW_15 - timedelta(hours=1), GROUP_ID, "1 小时后开始")
    assert [label for label, _ in buttons(h1)] == ["📝 请假"]
    opened = await at(TOMORROW_15 - timedelta(minutes=30), GROUP_ID, "开始签到")
    assert [label for label, _ in buttons(opened)] == ["✅ 签到", "📝 请假"]
    await bot.say("签到", user=other, chat_id=GROUP_ID)
    nudge = await at(TOMORROW_15 + timedelta(minutes=10), bot.member["id"], "尚未签到或请假")
    # Only who has not responded: 王同志 privately, the admin (never started the bot) in the group; not 张三.
    await bot.fake.wait_for_message(GROUP_ID, "李书记 “学习贯彻四中全会精神”已开始", since=sent)
    assert not any("张三" in m["text"] and "已开始" in m["text"] for m in bot.fake.sent_messages()[sent:])
    # The private reminder's button checks in to that session, from the private chat.
    await bot.press(find_button(nudge, "签到"), user=bot.member, chat_id=bot.member["id"], message=nudge)
    assert "迟到" in answers(bot)[-1]
    assert (await rows(bot))["王同志"].status == Status.late
    async with bot.db() as s:
        kinds = sorted((await s.scalars(select(Outbox.kind).where(Outbox.kind.like("ses_%")))).all())
    assert kinds.count("ses_h24") == kinds.count("ses_h1") == kinds.count("ses_open") == 1
    assert kinds.count("ses_nudge") == 2


async def test_guided_dialogue_survives_a_restart(start_bot, clock):
    bot = await start_bot(delivery=FAST_ROLL)
    await setup_unit(bot)
    await bot.say("/session", user=bot.admin, chat_id=GROUP_ID)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "第 1 步" in card["text"] and "主题党日" in [label for label, _ in buttons(card)]
    await bot.press(find_button(card, "主题党日"), user=bot.member, message=card)  # not an admin: refused
    assert "只有本单位管理员" in answers(bot)[-1]
    await bot.press(find_button(card, "主题党日"), user=bot.admin, message=card)
    card = bot.current(GROUP_ID, card["message_id"])
    assert "第 2 步" in card["text"] and "类型：主题党日" in card["text"]
    await bot.press(find_button(card, "明天"), user=bot.admin, message=card)
    card = bot.current(GROUP_ID, card["message_id"])
    await bot.press(find_button(card, "15:00"), user=bot.admin, message=card)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "输入活动主题" in prompt["text"]

    # The bot restarts in the middle of the dialogue: the draft and the question are in the database.
    await bot.stop()
    bot = await start_bot(delivery=FAST_ROLL)
    await bot.say("x" * 201, user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    assert "主题过长" in bot.last_text(GROUP_ID)
    await bot.say("学习贯彻全会精神 @党员活动室", user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "主题：学习贯彻全会精神" in card["text"] and "地点：党员活动室" in card["text"]
    await bot.press(find_button(card, "时长"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "120 分钟"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "主讲人"), user=bot.admin, message=card)
    ask = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("李书记", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "主讲：李书记" in card["text"] and "120 分钟" in card["text"]
    await bot.press(find_button(card, "发布"), user=bot.admin, message=card)
    assert "已安排 #1" in bot.current(GROUP_ID, card["message_id"])["text"]
    announcement = await bot.fake.wait_for_message(GROUP_ID, "📢")
    assert "主讲：李书记" in announcement["text"] and "15:00–17:00" in announcement["text"]
    async with bot.db() as s:
        ses = await s.scalar(select(StudySession))
    assert (ses.starts_at, ses.ends_at, ses.presenter) == (TOMORROW_15, TOMORROW_15 + timedelta(hours=2), "李书记")
    assert await bot.count(SessionDraft) == 0
    # The old card's buttons now name a finished draft.
    await bot.press(find_button(card, "发布"), user=bot.admin, message=card)
    assert "已过期或已完成" in answers(bot)[-1]


async def test_typed_date_and_time_in_the_dialogue(bot, clock):
    await setup_unit(bot)
    await bot.say("/session", user=bot.admin, chat_id=GROUP_ID)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(card, "党课"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "其他日期"), user=bot.admin, message=card)
    ask = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("2026-11-20", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    assert "已过（" in bot.last_text(GROUP_ID)
    await bot.say("下周三", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "12月2日（周三）" in card["text"] and "第 3 步" in card["text"]
    await bot.press(find_button(card, "其他时间"), user=bot.admin, message=card)
    ask = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("16:00-15:00", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    assert "结束时间应晚于开始时间" in bot.last_text(GROUP_ID)
    await bot.say("下午2点-4点", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "时间：14:00（120 分钟）" in prompt["text"] and "输入活动主题" in prompt["text"]
    async with bot.db() as s:
        draft = await s.scalar(select(SessionDraft))
    assert draft.data == {"minutes": 120, "kind": "lecture", "date": "2026-12-02", "time": "14:00"}


async def test_edit_tells_members_and_moves_the_window(bot, clock):
    await setup_unit(bot)
    announcement = await schedule(bot)
    await bot.say("/session edit 1", user=bot.admin, chat_id=GROUP_ID)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "修改学习活动 #1" in card["text"] and "主题：学习贯彻四中全会精神" in card["text"]
    await bot.press(find_button(card, "时间"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "16:00"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "地点"), user=bot.admin, message=card)
    ask = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("无", user=bot.admin, chat_id=GROUP_ID, reply_to=ask)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "地点：—" in card["text"] and "时间：16:00" in card["text"]
    await bot.press(find_button(card, "保存修改"), user=bot.admin, message=card)
    assert "已保存 #1" in bot.current(GROUP_ID, card["message_id"])["text"]
    notice = await bot.fake.wait_for_message(GROUP_ID, "活动变更")
    assert "（时间、地点）" in notice["text"] and "16:00–17:30" in notice["text"]
    await bot.fake.wait_for_message(bot.member["id"], "活动有变更")
    async with bot.db() as s:
        ses = await s.scalar(select(StudySession))
    later = TOMORROW_15 + timedelta(hours=1)
    assert (ses.starts_at, ses.opens_at, ses.place) == (later, later - timedelta(minutes=30), None)
    await roll_shows(bot, announcement, "16:00–17:30", "签到：15:30–16:30")
    # Before its new window, a check-in is refused with the new times.
    clock.set(TOMORROW_15)
    await bot.say("/checkin", user=bot.member, chat_id=GROUP_ID)
    assert "签到时间：11-24 15:30–16:30" in bot.last_text(GROUP_ID)


async def test_admin_views_several_open_sessions_and_who_is_expected(bot, clock):
    other = await setup_unit(bot)
    first = await schedule(bot)
    await schedule(bot, "明天 15:10 党小组会 交流研讨")
    newcomer = bot.fake.user(2003, "赵敏")
    bot.fake.set_member(GROUP_ID, newcomer, "member")
    await bot.say("/join", user=newcomer, chat_id=GROUP_ID)  # joined after the sessions were made
    await bot.say("/sessions", user=bot.admin, chat_id=GROUP_ID)
    listing = bot.last_text(GROUP_ID)
    assert "#1" in listing and "#2" in listing and "实到 0/3（参会率 0%）" in listing

    # Who is expected: the admin adds the newcomer to session 1 and takes 张三 off it.
    await bot.press(find_button(first, "管理"), user=bot.admin, message=first)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(panel, "应到人员"), user=bot.admin, message=panel)
    page = bot.current(GROUP_ID, panel["message_id"])
    assert "应到人员：3/4" in page["text"]
    await bot.press(find_button(page, "赵敏"), user=bot.admin, message=page)
    await bot.press(find_button(bot.current(GROUP_ID, panel["message_id"]), "张三"), user=bot.admin, message=page)
    assert "应到人员：3/4" in bot.current(GROUP_ID, panel["message_id"])["text"]
    async with bot.db() as s:
        on_first = (await s.execute(select(Person.first_name).join(Attendance, Attendance.person_id == Person.id)
                                    .where(Attendance.session_id == 1, Attendance.expected))).scalars().all()
    assert set(on_first) == {"李书记", "王同志", "赵敏"}

    # Both windows are open: the word asks which; the button of each knows its session.
    clock.set(TOMORROW_15)
    await quiet(bot)
    await bot.say("签到", user=bot.member, chat_id=GROUP_ID)
    choice = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "请选择要签到的活动" in choice["text"] and len(buttons(choice)) == 2
    await bot.press(find_button(choice, "#2"), user=bot.member, message=choice)
    async with bot.db() as s:
        mine = dict((await s.execute(select(Attendance.session_id, Attendance.status).join(
            Person, Person.id == Attendance.person_id).where(Person.tg_user_id == bot.member["id"]))).all())
    assert mine == {1: Status.pending, 2: Status.present}

    await bot.say("/status 1", user=bot.admin, chat_id=GROUP_ID)
    status = bot.last_text(GROUP_ID)
    assert "已签到 0/3" in status and "尚未签到：李书记、王同志、赵敏" in status
    await bot.say("/nudge 1", user=bot.admin, chat_id=GROUP_ID)
    nudge = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "李书记" in nudge["text"] and "赵敏" in nudge["text"] and "张三" not in nudge["text"]
    assert 'tg://user?id=2003' in bot.fake.calls("sendMessage")[-1].params["text"]
    await bot.say("/nudge 2", user=bot.admin, chat_id=GROUP_ID)
    assert "王同志" not in bot.last_text(GROUP_ID)
    await bot.say("/session window 15 20 3", user=bot.admin, chat_id=GROUP_ID)
    assert "开始前 15 分钟开放签到" in bot.last_text(GROUP_ID)
    await schedule(bot, "后天 15:00 党课 讲党史")
    async with bot.db() as s:
        third = await s.get(StudySession, 3)
    assert (third.starts_at - third.opens_at, third.closes_at - third.starts_at, third.late_after - third.starts_at) == (
        timedelta(minutes=15), timedelta(minutes=20), timedelta(minutes=3))
    async with bot.db() as s:
        zhang = await s.scalar(select(Attendance).where(Attendance.session_id == 2, Attendance.person_id == (
            await s.scalar(select(Person.id).where(Person.tg_user_id == other["id"])))))
    assert zhang.expected  # taken off session 1 only


async def test_makeup_reminders_and_an_admin_confirms(bot, clock):
    other = await setup_unit(bot)
    announcement = await schedule(bot)
    await bot.say("请假 外出培训", user=other, chat_id=GROUP_ID)
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    await bot.fake.wait_for_message(GROUP_ID, "签到结束")
    notice = await bot.fake.wait_for_message(bot.member["id"], "📚 补学通知")
    assert "并于12月1日（周二）前提交" in notice["text"] and "/makeup" in notice["text"]
    # 张三's leave was never decided at the close; refusing it now assigns 补学.
    await bot.press(find_button(announcement, "管理"), user=bot.admin, message=announcement)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(panel, "驳回 张三"), user=bot.admin, message=panel)
    await bot.fake.wait_for_message(GROUP_ID, "须补学：张三")
    async with bot.db() as s:
        items = dict((await s.execute(select(Person.first_name, Makeup).join(Makeup, Makeup.person_id == Person.id))).all())
    assert items["张三"].reason == Status.leave_rejected and items["王同志"].reason == Status.absent

    # A day before it is due, and on the day: reminders, privately or in the group.
    due = items["王同志"].due_at
    clock.set(due - timedelta(days=1))
    await bot.settle_planner()
    await bot.fake.wait_for_message(bot.member["id"], "补学提醒")
    await bot.fake.wait_for_message(GROUP_ID, "补学尚未完成")
    panel = bot.current(GROUP_ID, panel["message_id"])
    await bot.press(find_button(panel, "王同志 已补学"), user=bot.admin, message=panel)
    await bot.fake.wait_for_message(bot.member["id"], "已确认您完成补学")
    sent = len(bot.fake.sent_messages(bot.member["id"]))
    clock.set(due)
    await bot.settle_planner()
    await bot.fake.wait_for_message(GROUP_ID, "补学尚未完成", since=len(bot.fake.sent_messages()) - 1)
    assert len(bot.fake.sent_messages(bot.member["id"])) == sent  # done: no more reminders for him
    async with bot.db() as s:
        done = await s.get(Makeup, items["王同志"].id)
        admin = await s.scalar(select(Person).where(Person.tg_user_id == bot.admin["id"]))
    assert (done.state, done.done_by_id) == (MakeupState.done, admin.id)
    await bot.say("/me", user=other)
    me = bot.last_text(other["id"])
    assert f"#{items['张三'].id}" in me and "待完成的补学（1）" in me


async def test_english_speakers_get_english(bot, clock):
    await setup_unit(bot)
    alice = bot.fake.user(3001, "Alice", language_code="en")
    bot.fake.set_member(GROUP_ID, alice, "member")
    await bot.say("/join", user=alice, chat_id=GROUP_ID)
    await bot.say("/start", user=alice)
    await schedule(bot)
    await bot.say("/leave", user=alice, chat_id=GROUP_ID)
    assert "Leave needs a reason" in bot.last_text(GROUP_ID)
    await bot.say("/leave on a business trip", user=alice, chat_id=alice["id"])
    assert "Leave asked for “学习贯彻四中全会精神” (Tue 11/24 15:00–16:30)" in bot.last_text(alice["id"])
    await bot.say("/checkin", user=alice)
    assert "No session of yours is open" in bot.last_text(alice["id"])
    clock.set(TOMORROW_15 + timedelta(minutes=2))
    await bot.say("/checkin", user=alice)  # in private: the session open on her roll; leave gives way
    assert bot.last_text(alice["id"]) == "✅ Checked in (15:02): “学习贯彻四中全会精神”"
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    await bot.say("/me", user=alice)
    assert "Study record of Alice" in bot.last_text(alice["id"]) and "No make-up study to do." in bot.last_text(alice["id"])
    async with bot.db() as s:
        row = await s.scalar(select(Attendance).join(Person, Person.id == Attendance.person_id).where(
            Person.tg_user_id == alice["id"]))
    assert (row.status, row.via, row.leave_reason) == (Status.present, Via.command, "on a business trip")


async def test_roll_edits_keep_to_the_group_limit_and_fold_waiting_responses(bot, clock):
    await setup_unit(bot)
    announcement = await schedule(bot)
    people = [bot.fake.user(2100 + i, f"党员{i}") for i in range(6)]
    for person in people:
        bot.fake.set_member(GROUP_ID, person, "member")
        await bot.say("/join", user=person, chat_id=GROUP_ID)
    clock.set(TOMORROW_15 - timedelta(minutes=20))
    await quiet(bot)
    edits_before = len(bot.fake.calls("editMessageText"))
    # The group's window is full: the roll's edit waits in the outbox, and responses fold into it.
    limiter = bot.app.bot_data.sender.limiter
    for _ in range(limiter.group_limit):
        limiter.record(GROUP_ID)
    for person in people:
        await bot.press(find_button(announcement, "签到"), user=person, message=announcement)

    async def folded():
        async with bot.db() as s:
            waiting = (await s.scalars(select(Outbox).where(Outbox.kind == "ses_roll", Outbox.state == "pending"))).all()
        return waiting if waiting and "已签到 <b>6/9</b>" in waiting[0].text else None
    waiting = await bot.until(folded)
    assert len(waiting) == 1 and len(bot.fake.calls("editMessageText")) == edits_before
    limiter.groups.clear()
    clock.advance(seconds=61)
    await roll_shows(bot, announcement, "已签到 6/9", "党员0", "党员5")
    assert len(bot.fake.calls("editMessageText")) == edits_before + 1


async def test_default_limits_space_roll_edits(start_bot, clock):
    # The shipped 20 messages a minute into a group (the harness widens it): a roll edit at most every 6 s
    bot = await start_bot(delivery={"per_group_minute": 20})
    await setup_unit(bot)
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=20))
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    await roll_shows(bot, announcement, "已签到 1/3")
    await bot.press(find_button(announcement, "签到"), user=bot.admin, message=announcement)
    await bot.say("签到", user=bot.fake.users[2002], chat_id=GROUP_ID)
    async with bot.db() as s:
        ses = await s.scalar(select(StudySession))
    assert ses.roll_version > ses.roll_shown  # two responses wait for the next edit…
    assert len(bot.fake.calls("editMessageText")) == 1  # …which is not due yet
