"""联学共建 end to end: a joint study session hosted by one branch with a partner branch, over real
HTTP against the fake Bot API, with the real planner, sender and roll job (FakeClock: Monday
2026-11-23 09:00 in Beijing)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.i18n import t
from models.joint import SessionPartner
from models.outbox import Outbox
from models.sessions import Attendance, Makeup, SessionState, Status, StudySession, Via
from models.units import Person
from tests.harness import GROUP_ID
from tests.test_sessions import FAST_ROLL, TOMORROW_15, answers, quiet
from tests.test_units_flow import buttons, find_button

PARTNER_GROUP = -1001000000002
THIRD_GROUP = -1001000000003
LINE = "明天 15:00 联学共建 共学四中全会精神 @三楼会议室"


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


async def roll_of(bot, session_id: int = 1) -> dict[str, Attendance]:
    async with bot.db() as s:
        found = await s.execute(select(Person.first_name, Attendance).join(Attendance, Attendance.person_id == Person.id)
                                .where(Attendance.session_id == session_id))
        return {name: a for name, a in found.all()}


async def setup_units(bot) -> dict:
    """The host branch (李书记 admin, 王同志 who started the bot) and a partner branch (赵书记 admin,
    钱同志 who started the bot, 孙同志 who did not)."""
    bot.group()
    await bot.say("/bind 党支部", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    await bot.say("/start", user=bot.member)
    people = {"zhao": bot.fake.user(3001, "赵书记"), "qian": bot.fake.user(3002, "钱同志"),
              "sun": bot.fake.user(3003, "孙同志")}
    bot.fake.add_chat(PARTNER_GROUP, title="第二党支部群")
    bot.fake.set_member(PARTNER_GROUP, people["zhao"], "creator")
    await bot.say("/bind 党支部", user=people["zhao"], chat_id=PARTNER_GROUP)
    for who in ("qian", "sun"):
        bot.fake.set_member(PARTNER_GROUP, people[who], "member")
        await bot.say("/join", user=people[who], chat_id=PARTNER_GROUP)
    await bot.say("/start", user=people["qian"])
    return people


async def schedule(bot, line: str = LINE) -> dict:
    """The host schedules by the one-line form; returns the confirmation (with the invite button)."""
    await bot.say(f"/session {line}", user=bot.admin, chat_id=GROUP_ID)
    # The sender may post the announcement just before or after this reply: look for the reply.
    reply = next((m for m in reversed(bot.fake.sent_messages(GROUP_ID)) if "已安排 #" in (m.get("text") or "")), None)
    assert reply is not None, bot.texts(GROUP_ID)
    return reply


def group_texts(bot, chat_id: int) -> list[str]:
    return bot.texts(chat_id)


async def shows(bot, chat_id: int, message: dict, *parts: str) -> str:
    """Wait until the message (an announcement, edited as the live roll) shows every part."""
    async def check():
        text = bot.fake.message_text(chat_id, message["message_id"]) or ""
        return text if all(p in text for p in parts) else None
    try:
        return await bot.until(check)
    except AssertionError:
        raise AssertionError(f"{parts} not in {bot.fake.message_text(chat_id, message['message_id'])!r}") from None


async def test_joint_session_across_two_groups(bot, clock):
    people = await setup_units(bot)
    confirmation = await schedule(bot)
    host_announcement = await bot.fake.wait_for_message(GROUP_ID, "📢")
    assert "联学共建" in host_announcement["text"]

    # The host's admin invites the partner with the button under the confirmation.
    await bot.press(find_button(confirmation, "邀请共建单位"), user=bot.admin, message=confirmation)
    chooser = bot.last_message(GROUP_ID)
    assert "请选择要邀请参加 #1" in chooser["text"]
    assert [label for label, _ in buttons(chooser)] == ["第二党支部群"]
    await bot.press(find_button(chooser, "第二党支部群"), user=bot.admin, message=chooser)
    assert "已邀请第二党支部群参加 #1" in bot.last_text(GROUP_ID)
    partner_announcement = await bot.fake.wait_for_message(PARTNER_GROUP, "📢")
    text = partner_announcement["text"]
    assert "共学四中全会精神" in text
    assert "主办单位：第一党支部群　共建单位：第二党支部群" in text and "尚未签到 5 人" in text
    assert [label for label, _ in buttons(partner_announcement)] == ["✅ 签到", "📝 请假", "🗂 管理（管理员）"]
    # The host's roll now counts the partner's members too and names the partner.
    await shows(bot, GROUP_ID, host_announcement, "共建单位：第二党支部群", "尚未签到 5 人")
    assert set(await roll_of(bot)) == {"李书记", "王同志", "赵书记", "钱同志", "孙同志"}

    # Each group checks in from its own group: the button in the host group, the word and the
    # button in the partner group.
    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.press(find_button(host_announcement, "签到"), user=bot.member, message=host_announcement)
    assert answers(bot)[-1] == t("zh", "sessions.checked_in", time="14:50", topic="共学四中全会精神")
    await bot.say("签到", user=people["qian"], chat_id=PARTNER_GROUP)
    assert bot.fake.calls("setMessageReaction")[-1].params["chat_id"] == PARTNER_GROUP
    await bot.press(find_button(partner_announcement, "签到"), user=people["zhao"], chat_id=PARTNER_GROUP,
                    message=partner_announcement)
    assert answers(bot)[-1] == t("zh", "sessions.checked_in", time="14:50", topic="共学四中全会精神")
    await bot.say("签到", user=people["qian"], chat_id=PARTNER_GROUP)
    assert "无需重复签到" in bot.last_text(PARTNER_GROUP)
    found = await roll_of(bot)
    assert (found["王同志"].status, found["王同志"].via) == (Status.present, Via.button)
    assert (found["钱同志"].status, found["钱同志"].via) == (Status.present, Via.word)
    assert (found["赵书记"].status, found["赵书记"].via) == (Status.present, Via.button)

    # Both rolls show both groups' members.
    for chat_id, message in ((GROUP_ID, host_announcement), (PARTNER_GROUP, partner_announcement)):
        await shows(bot, chat_id, message, "已签到 3/5", "王同志", "钱同志", "赵书记", "尚未签到 2 人")

    # The window closes: a summary in both groups; the absentees of both units get 补学.
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    for chat_id in (GROUP_ID, PARTNER_GROUP):
        summary = await bot.fake.wait_for_message(chat_id, "签到结束")
        assert "应到 5 人，实到 3 人（按时 3，迟到 0），请假 0 人，缺席 2 人；参会率 60%" in summary["text"]
        assert "缺席人员（含请假未获批准）：李书记、孙同志" in summary["text"]
    async with bot.db() as s:
        makeups = {p.first_name: m for m, p in (await s.execute(
            select(Makeup, Person).join(Person, Person.id == Makeup.person_id))).all()}
        ses = await s.scalar(select(StudySession))
    assert set(makeups) == {"李书记", "孙同志"} and ses.state == SessionState.closed
    # Neither started the bot: each is mentioned in their own group.
    await bot.fake.wait_for_message(PARTNER_GROUP, "孙同志")
    assert any("须补学" in m and "孙同志" in m for m in group_texts(bot, PARTNER_GROUP))
    assert not any("须补学" in m and "孙同志" in m for m in group_texts(bot, GROUP_ID))
    assert any("须补学" in m and "李书记" in m for m in group_texts(bot, GROUP_ID))
    for chat_id, message in ((GROUP_ID, host_announcement), (PARTNER_GROUP, partner_announcement)):
        await shows(bot, chat_id, message, "签到结束", "缺席 2 人")


async def test_reminders_and_close_reach_every_group_from_the_real_scheduler(bot, clock):
    people = await setup_units(bot)
    await schedule(bot)
    await bot.say("/session invite 1 第二党支部", user=bot.admin, chat_id=GROUP_ID)
    assert "已邀请第二党支部群参加 #1" in bot.last_text(GROUP_ID)
    await bot.fake.wait_for_message(PARTNER_GROUP, "📢")
    sent = len(bot.fake.sent_messages())

    async def at(when: datetime, text: str) -> list[dict]:
        clock.set(when)
        await bot.planned()
        try:
            return [await bot.fake.wait_for_message(chat_id, text, since=sent) for chat_id in (GROUP_ID, PARTNER_GROUP)]
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await bot.outbox_summary()}") from None

    await at(TOMORROW_15 - timedelta(hours=24), "定于")
    await at(TOMORROW_15 - timedelta(hours=1), "1 小时后开始")
    host_open, partner_open = await at(TOMORROW_15 - timedelta(minutes=30), "开始签到")
    assert [label for label, _ in buttons(partner_open)] == ["✅ 签到", "📝 请假"]
    # The reminder's button checks a partner member in from the partner group.
    await bot.press(find_button(partner_open, "签到"), user=people["qian"], chat_id=PARTNER_GROUP,
                    message=partner_open)
    assert "签到成功" in answers(bot)[-1]
    await bot.say("/checkin", user=bot.member, chat_id=GROUP_ID)
    # 10 minutes after the start, privately to who has not responded (the host sends them all).
    await at(TOMORROW_15 + timedelta(minutes=10), "已开始")
    await at(TOMORROW_15 + timedelta(minutes=30), "签到结束")
    async with bot.db() as s:
        kinds = sorted((await s.scalars(select(Outbox.kind).where(Outbox.kind.like("ses_%")))).all())
        missed = (await s.scalars(select(Person.first_name).join(Makeup, Makeup.person_id == Person.id))).all()
    assert kinds.count("ses_h24") == kinds.count("ses_h1") == kinds.count("ses_open") == 2
    assert kinds.count("ses_close") == 2 and kinds.count("ses_announce") == 2
    assert sorted(missed) == sorted(["李书记", "赵书记", "孙同志"])
    assert (await roll_of(bot))["钱同志"].status == Status.present


async def test_bad_invites_partner_leave_and_host_only_cancel(bot, clock):
    people = await setup_units(bot)
    await schedule(bot)
    await schedule(bot, "后天 9:00 主题党日 学习党章")  # #2, not a joint session
    bot.fake.add_chat(THIRD_GROUP, title="社区第二党支部群")
    bot.fake.set_member(THIRD_GROUP, bot.admin, "creator")
    await bot.say("/bind 党支部", user=bot.admin, chat_id=THIRD_GROUP)
    await quiet(bot)
    before = await bot.snapshot()

    async def refused(line: str, *expected: str, user: dict | None = None, chat_id: int = GROUP_ID) -> None:
        await bot.say(line, user=user or bot.admin, chat_id=chat_id)
        reply = bot.last_text(chat_id)
        assert all(e in reply for e in expected), reply

    await refused("/session invite", "用法", "/session invite 12 第二党支部")
    await refused("/session invite 1", "请写上要邀请的单位", "例：")
    await refused("/session invite abc 第二党支部", "用法")
    await refused("/session invite 1 不存在的支部", "没有找到名称或邀请码为“不存在的支部”的单位", "例：")
    await refused("/session invite 1 第二党支部", "对应多个单位", "第二党支部群", "社区第二党支部群")
    await refused("/session invite 1 第一党支部群", "是本次活动的主办单位", "例：")
    await refused("/session invite 2 第二党支部群", "不是联学共建活动", "例：")
    await refused("/session invite 99 第二党支部群", "没有编号为 #99")
    await refused("/session invite 1 第二党支部群", "只有本单位管理员", user=bot.member)
    after = await bot.snapshot()
    assert {k: v for k, v in after.items() if k not in ("people", "memberships")} == {
        k: v for k, v in before.items() if k not in ("people", "memberships")}

    # By join code works, and a second invitation is refused.
    async with bot.db() as s:
        from models.units import Unit
        code = (await s.scalar(select(Unit).where(Unit.chat_id == PARTNER_GROUP))).join_code
    await bot.say(f"/session invite 1 {code}", user=bot.admin, chat_id=GROUP_ID)
    assert "已邀请第二党支部群" in bot.last_text(GROUP_ID)
    await refused("/session invite 1 第二党支部群", "已经是 #1 的共建单位")
    assert await bot.count(SessionPartner) == 1
    announcement = await bot.fake.wait_for_message(PARTNER_GROUP, "📢")

    # A partner member asks leave in the partner group; the partner's admin decides it there.
    await bot.say("请假 出差在外", user=people["sun"], chat_id=PARTNER_GROUP)
    assert "等待管理员审批" in bot.last_text(PARTNER_GROUP)
    await bot.say("请假 家中有事", user=bot.member, chat_id=GROUP_ID)
    await bot.press(find_button(announcement, "管理"), user=people["zhao"], chat_id=PARTNER_GROUP,
                    message=announcement)
    panel = bot.last_message(PARTNER_GROUP)
    assert "孙同志：出差在外" in panel["text"] and "王同志" not in [lbl for lbl, _ in buttons(panel)]
    assert not any("王同志" in label for label, _ in buttons(panel))  # not the partner's member
    await bot.press(find_button(panel, "批准 孙同志"), user=people["zhao"], chat_id=PARTNER_GROUP, message=panel)
    assert "待批请假" not in bot.current(PARTNER_GROUP, panel["message_id"])["text"]
    found = await roll_of(bot)
    assert found["孙同志"].status == Status.leave_approved and found["王同志"].status == Status.leave_asked
    codec = bot.app.bot_data.codec
    await bot.press(codec.encode("jnt.la", 1, found["王同志"].person_id), user=people["zhao"], chat_id=PARTNER_GROUP,
                    message=panel)
    assert "不是本单位成员" in answers(bot)[-1]
    await bot.press(codec.encode("ses.pn", 1), user=people["zhao"], chat_id=PARTNER_GROUP)  # the host's panel
    assert "按钮已失效" in answers(bot)[-1]
    await bot.press(codec.encode("jnt.pn", 1), user=people["qian"], chat_id=PARTNER_GROUP)  # not an admin
    assert "只有本单位管理员" in answers(bot)[-1]
    assert (await roll_of(bot))["王同志"].status == Status.leave_asked

    await bot.say("/status 1", user=people["zhao"], chat_id=PARTNER_GROUP)
    assert "由第一党支部群主办" in bot.last_text(PARTNER_GROUP)
    # The partner's admin sees the joint session in /sessions and nudges only the partner's own members.
    await bot.say("/sessions", user=people["zhao"], chat_id=PARTNER_GROUP)
    assert "#1" in bot.last_text(PARTNER_GROUP) and "共学四中全会精神" in bot.last_text(PARTNER_GROUP)
    clock.set(TOMORROW_15 - timedelta(minutes=20))
    await bot.say("/nudge", user=people["zhao"], chat_id=PARTNER_GROUP)
    nudge = bot.last_text(PARTNER_GROUP)
    assert "钱同志" in nudge and "赵书记" in nudge and "孙同志" not in nudge and "李书记" not in nudge, nudge

    # Only the host edits or cancels; the cancel is told in every group.
    await refused("/session cancel 1 改期", "由第一党支部群主办，只有主办单位可以修改或取消",
                  user=people["zhao"], chat_id=PARTNER_GROUP)
    await refused("/session edit 1", "只有主办单位", user=people["zhao"], chat_id=PARTNER_GROUP)
    await bot.say("/session cancel 1 改期", user=bot.admin, chat_id=GROUP_ID)
    assert "已取消 #1" in bot.last_text(GROUP_ID)
    for chat_id in (GROUP_ID, PARTNER_GROUP):
        notice = await bot.fake.wait_for_message(chat_id, "活动取消")
        assert "改期" in notice["text"]
    await shows(bot, PARTNER_GROUP, announcement, "本次活动已取消（原因：改期）")
    assert bot.current(PARTNER_GROUP, announcement["message_id"]).get("reply_markup") is None
    clock.set(TOMORROW_15)
    await bot.press(codec.encode("ses.in", 1), user=people["qian"], chat_id=PARTNER_GROUP)
    assert "已取消" in answers(bot)[-1]
    async with bot.db() as s:
        attended = (await s.scalars(select(Attendance).where(Attendance.status == Status.present))).all()
    assert attended == []


async def test_dialogue_invite_button_and_an_edit_reach_the_partner(bot, clock):
    await setup_units(bot)
    await bot.say("/session", user=bot.admin, chat_id=GROUP_ID)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(card, "联学共建"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "明天"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "15:00"), user=bot.admin, message=card)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("共学四中全会精神", user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(card, "发布"), user=bot.admin, message=card)
    published = bot.current(GROUP_ID, card["message_id"])
    assert "已安排 #1" in published["text"]
    await bot.fake.wait_for_message(GROUP_ID, "📢")  # the sender's post, so it cannot land after the chooser
    await bot.press(find_button(published, "邀请共建单位"), user=bot.admin, message=published)
    chooser = bot.last_message(GROUP_ID)
    await bot.press(find_button(chooser, "第二党支部群"), user=bot.admin, message=chooser)
    announcement = await bot.fake.wait_for_message(PARTNER_GROUP, "📢")
    assert "15:00–16:30" in announcement["text"]
    # Pressing the same unit again: already a partner, nothing more is written.
    await bot.press(find_button(chooser, "第二党支部群"), user=bot.admin, message=chooser)
    assert "无需重复邀请" in answers(bot)[-1]
    assert await bot.count(SessionPartner) == 1

    # The host edits the time: the partner group hears it and its roll shows the new time.
    await bot.say("/session edit 1", user=bot.admin, chat_id=GROUP_ID)
    card = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(card, "时间"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "16:00"), user=bot.admin, message=card)
    # A joint session with partners keeps its kind.
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "类型"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "主题党日"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "保存修改"), user=bot.admin, message=card)
    assert "类型只能是联学共建" in answers(bot)[-1]
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "类型"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "联学共建"), user=bot.admin, message=card)
    await bot.press(find_button(bot.current(GROUP_ID, card["message_id"]), "保存修改"), user=bot.admin, message=card)
    assert "已保存 #1" in bot.current(GROUP_ID, card["message_id"])["text"]
    notice = await bot.fake.wait_for_message(PARTNER_GROUP, "活动变更")
    assert "（时间）" in notice["text"] and "16:00–17:30" in notice["text"]
    await shows(bot, PARTNER_GROUP, announcement, "16:00–17:30", "签到：15:30–16:30")


async def test_a_partner_is_taken_off_and_invited_again(bot, clock):
    people = await setup_units(bot)
    await schedule(bot)
    host_announcement = await bot.fake.wait_for_message(GROUP_ID, "📢")
    await bot.say("/session invite 1 第二党支部群", user=bot.admin, chat_id=GROUP_ID)
    assert "移出：/session uninvite 1" in bot.last_text(GROUP_ID).replace("<code>", "").replace("</code>", "")
    first = await bot.fake.wait_for_message(PARTNER_GROUP, "📢")
    await bot.say("请假 出差在外", user=people["sun"], chat_id=PARTNER_GROUP)
    await quiet(bot)

    # Bad input: a clear answer, nothing written.
    before = await bot.snapshot()
    cases = [
        (GROUP_ID, bot.admin, "/session uninvite", "用法：/session uninvite 活动编号"),
        (GROUP_ID, bot.admin, "/session uninvite 1", "用法：/session uninvite 活动编号"),
        (GROUP_ID, bot.admin, "/session uninvite 1 第三", "#1 的共建单位里没有“第三”。现有共建单位：第二党支部群"),
        (GROUP_ID, bot.admin, "/session uninvite 99 第二党支部群", "没有编号为 #99"),
        (GROUP_ID, bot.member, "/session uninvite 1 第二党支部群", "只有本单位管理员"),
        (PARTNER_GROUP, people["zhao"], "/session uninvite 1 第二党支部群", "只有主办单位可以修改或取消"),
    ]
    for chat_id, user, text, expected in cases:
        await bot.say(text, user=user, chat_id=chat_id)
        shown = bot.last_text(chat_id).replace("<code>", "").replace("</code>", "")
        assert expected in shown, (text, shown)
    keep = lambda snap: {k: v for k, v in snap.items() if k not in ("people", "memberships")}  # noqa: E731
    assert keep(await bot.snapshot()) == keep(before)

    # The host takes the partner off: its three members leave the roll (孙同志's leave with them),
    # its group is told, and its announcement stops being a roll.
    await bot.say("/session uninvite 1 第二党支部", user=bot.admin, chat_id=GROUP_ID)
    assert "已将第二党支部群移出 #1“共学四中全会精神”" in bot.last_text(GROUP_ID)
    assert "3 位同志不再列入应到名单" in bot.last_text(GROUP_ID)
    assert await bot.count(SessionPartner) == 0
    assert set(await roll_of(bot)) == {"李书记", "王同志"}
    notice = await bot.fake.wait_for_message(PARTNER_GROUP, "共建单位调整")
    assert "第一党支部群已将本单位移出联学共建活动 #1" in notice["text"]
    text = await shows(bot, PARTNER_GROUP, first, "本单位已不参加")
    assert "签到" not in text and buttons(bot.current(PARTNER_GROUP, first["message_id"])) == []
    await shows(bot, GROUP_ID, host_announcement, "尚未签到 2 人")
    assert "共建单位" not in bot.fake.message_text(GROUP_ID, host_announcement["message_id"])

    # Its members are no longer expected: a check-in there finds no session of that group.
    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.say("签到", user=people["qian"], chat_id=PARTNER_GROUP)
    assert "钱同志" not in await roll_of(bot)

    # Invited again: a new announcement in the partner group, and its members are expected again.
    mark = len(bot.fake.sent_messages())
    await bot.say("/session invite 1 第二党支部群", user=bot.admin, chat_id=GROUP_ID)
    again = await bot.fake.wait_for_message(PARTNER_GROUP, "📢", since=mark)
    assert again["message_id"] != first["message_id"]
    assert [label for label, _ in buttons(again)] == ["✅ 签到", "📝 请假", "🗂 管理（管理员）"]
    assert set(await roll_of(bot)) == {"李书记", "王同志", "赵书记", "钱同志", "孙同志"}
    await bot.say("签到", user=people["qian"], chat_id=PARTNER_GROUP)
    assert (await roll_of(bot))["钱同志"].status == Status.present


async def test_a_partner_whose_member_checked_in_stays_and_a_closed_session_keeps_its_partners(bot, clock):
    people = await setup_units(bot)
    await schedule(bot)
    await bot.say("/session invite 1 第二党支部群", user=bot.admin, chat_id=GROUP_ID)
    announcement = await bot.fake.wait_for_message(PARTNER_GROUP, "📢")
    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.press(find_button(announcement, "签到"), user=people["qian"], chat_id=PARTNER_GROUP,
                    message=announcement)
    await bot.say("/session uninvite 1 第二党支部群", user=bot.admin, chat_id=GROUP_ID)
    assert "第二党支部群已有 1 位同志签到（钱同志），签到记录要保留" in bot.last_text(GROUP_ID)
    assert await bot.count(SessionPartner) == 1
    assert set(await roll_of(bot)) == {"李书记", "王同志", "赵书记", "钱同志", "孙同志"}

    clock.set(TOMORROW_15 + timedelta(hours=3))  # closed
    await bot.say("/session uninvite 1 第二党支部群", user=bot.admin, chat_id=GROUP_ID)
    assert "已结束" in bot.last_text(GROUP_ID)
    assert await bot.count(SessionPartner) == 1


async def test_the_invite_picker_turns_pages(bot, clock):
    await setup_units(bot)
    confirmation = await schedule(bot)
    from models.units import Unit, UnitKind
    now = clock.now()
    async with bot.db() as s:  # a committee's worth of other branches, bound elsewhere
        s.add_all([Unit(chat_id=-1002000000000 - n, kind=UnitKind.research, name=f"第{n:02d}党支部群",
                        timezone="Asia/Shanghai", join_code=f"PG{n:04d}", created_at=now, updated_at=now)
                   for n in range(1, 33)])
        await s.commit()
    await bot.press(find_button(confirmation, "邀请共建单位"), user=bot.admin, message=confirmation)
    chooser = bot.last_message(GROUP_ID)
    first = [label for label, _ in buttons(chooser)]
    assert len(first) == 31 and first[-1] == "下一页 ▶"
    await bot.press(find_button(chooser, "下一页"), user=bot.admin, message=chooser)
    page = bot.current(GROUP_ID, chooser["message_id"])  # the same message, turned
    second = [label for label, _ in buttons(page)]
    assert len(second) == 4 and second[-1] == "◀ 上一页" and "请选择要邀请参加 #1" in page["text"]
    names = {f"第{n:02d}党支部群" for n in range(1, 33)} | {"第二党支部群"}
    assert set(first[:-1]) | set(second[:-1]) == names and not set(first) & set(second)
    await bot.press(find_button(page, second[0]), user=bot.admin, message=page)
    assert f"已邀请{second[0]}参加 #1" in bot.last_text(GROUP_ID)
    await bot.press(find_button(page, "上一页"), user=bot.admin, message=page)
    assert [label for label, _ in buttons(bot.current(GROUP_ID, chooser["message_id"]))] == first
