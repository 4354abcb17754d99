"""Self-study end to end: the real Application against the fake Bot API, the real planners driven by
the FakeClock, the outbox sender delivering. What the bot sent and what the database holds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Date, func, literal, select

from models import selfstudy as ss
from models.outbox import Outbox
from models.prompts import Prompt
from models.reminders import config as reminder_config
from models.units import Membership, Person, Rank, Unit, set_parent
from tests.delivery_helpers import wait_until_settled
from tests.fakebot import WAIT_SECONDS
from tests.harness import GROUP_ID
from tests.test_units_flow import buttons, find_button

FAST = {"retry_base_seconds": 0.01, "retry_cap_seconds": 0.2, "per_second": 2000, "per_group_minute": 2000,
        "concurrency": 8, "lease_seconds": 30}
PARENT_GROUP = -1001000000002
MONDAY_8 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 in Beijing
MONDAY_9 = datetime(2026, 11, 23, 1, 1, tzinfo=UTC)
THURSDAY_19 = datetime(2026, 11, 26, 11, 1, tzinfo=UTC)
SUNDAY_20 = datetime(2026, 11, 29, 12, 1, tzinfo=UTC)


@pytest.fixture
async def bot(start_bot, clock):
    clock.set(MONDAY_8)
    return await start_bot(clock=clock, delivery=FAST)


async def unit_with_members(bot) -> tuple[Unit, dict]:
    """A bound branch: the secretary (admin), 王同志 and 赵敏, all reachable privately."""
    bot.group()
    third = bot.fake.user(3001, "赵敏", language_code="zh", username="zhaomin")
    bot.fake.set_member(GROUP_ID, third, "member")
    await bot.say("/bind 党支部", user=bot.admin, chat_id=GROUP_ID)
    for user in (bot.member, third):
        await bot.say("/join", user=user, chat_id=GROUP_ID)
    for user in (bot.admin, bot.member, third):
        await bot.say("/start", user=user)
    async with bot.db() as s:
        unit = await s.scalar(select(Unit).where(Unit.chat_id == GROUP_ID))
    await bot.settle_planner()  # the planners' marks start here
    return unit, third


async def deliver(bot) -> None:
    await bot.settle_planner()
    await wait_until_settled(bot.app.bot_data.sessions, timeout=WAIT_SECONDS, sender=bot.app.bot_data.sender)


async def person_id(bot, tg_id: int) -> int:
    async with bot.db() as s:
        return await s.scalar(select(Person.id).where(Person.tg_user_id == tg_id))


async def minutes_in_db(bot, tg_id: int, first: date, last: date) -> int:
    async with bot.db() as s:
        return await s.scalar(
            select(func.coalesce(func.sum(ss.StudyEntry.minutes), 0)).join(Person, Person.id == ss.StudyEntry.person_id)
            .where(Person.tg_user_id == tg_id, ss.StudyEntry.day.between(first, last)))


def reply_to(user: dict, chat_id: int = GROUP_ID) -> dict:
    """A message of `user` in the group, for an admin to reply to."""
    return {"message_id": 1, "from": user, "chat": {"id": chat_id, "type": "supergroup", "title": "群"},
            "date": 0, "text": "我学完了"}


def without(snapshot: dict, *tables: str) -> dict:
    return {k: v for k, v in snapshot.items() if k not in tables}


async def test_a_week_of_a_unit(bot, clock):
    unit, third = await unit_with_members(bot)
    await bot.say("/plan set 60 《党章》第一章; 选读 《习近平谈治国理政》第五卷 https://example.org/v5",
                  user=bot.admin, chat_id=GROUP_ID)
    assert "已发布《第一党支部群》的自学计划" in bot.last_text(GROUP_ID)

    # Monday 09:00: the plan to the group and to each member privately, with buttons to mark items.
    clock.set(MONDAY_9)
    await deliver(bot)
    group = [m for m in bot.fake.sent_messages(GROUP_ID) if "本周自学提醒" in (m.get("text") or "")]
    assert len(group) == 1 and "《党章》第一章" in group[0]["text"] and "1 小时" in group[0]["text"]
    private = [m for m in bot.fake.sent_messages(bot.member["id"]) if "本周（2026-W48）的自学" in (m.get("text") or "")]
    assert len(private) == 1 and "您本周的目标：1 小时" in private[0]["text"]
    await bot.press(find_button(private[0], "学完第1项"), user=bot.member, chat_id=bot.member["id"], message=private[0])
    assert "已标记第 1 项" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    marked = bot.current(bot.member["id"], private[0]["message_id"])  # the private message now shows the mark
    assert "✅ 《党章》第一章" in marked["text"] and "学完第1项" not in str(buttons(marked))

    # Logging: a command in private, the plain word in the group.
    await bot.say("/study 30 学习党章", user=bot.member)
    assert "已记录 今天自学 30 分钟：学习党章" in bot.last_text(bot.member["id"])
    assert "本周 30 分钟 / 1 小时" in bot.last_text(bot.member["id"])
    await bot.say("学习 1小时 党史", user=third, chat_id=GROUP_ID)
    assert "本周学时已达标" in bot.last_text(GROUP_ID)

    # Thursday 19:00: a nudge only to those behind (王同志 30/60, the secretary 0/60), not to 赵敏.
    clock.set(THURSDAY_19)
    await deliver(bot)
    nudge = [t for t in bot.texts(bot.member["id"]) if "还差" in t]
    assert len(nudge) == 1 and "已自学 30 分钟，目标 1 小时，还差 30 分钟" in nudge[0]
    assert [t for t in bot.texts(bot.admin["id"]) if "还差" in t]
    assert not [t for t in bot.texts(third["id"]) if "还差" in t]

    # Sunday 20:00: the summary in the group; no names without the unit's consent.
    clock.set(SUNDAY_20)
    await deliver(bot)
    summary = bot.last_text(GROUP_ID)
    assert "本周自学小结" in summary and "1/3 人达到本周目标" in summary and "合计学习 1 小时 30 分钟" in summary
    assert "赵敏" not in summary and "1. 1 小时" in summary
    async with bot.db() as s:
        kinds = dict((await s.execute(select(Outbox.kind, func.count()).group_by(Outbox.kind))).all())
    assert kinds == {"weekly": 4, "midweek": 2, "summary": 1}

    # /me matches the database.
    await bot.say("/me", user=bot.member)
    me = bot.last_text(bot.member["id"])
    week = await minutes_in_db(bot, bot.member["id"], date(2026, 11, 23), date(2026, 11, 29))
    year = await minutes_in_db(bot, bot.member["id"], date(2026, 1, 1), date(2026, 12, 31))
    assert f"本周 {week} 分钟 / 1 小时" in me and f"今年 {year} 分钟 / 32 小时" in me
    assert "本月 30 分钟 / 2 小时 40 分钟" in me and "连续达标 0 周" in me
    assert "必读：已完成 1/1 项" in me


async def test_bad_inputs_are_answered_and_write_nothing(bot, clock):
    await unit_with_members(bot)
    await bot.say("/plan set 60 《党章》", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/study 30", user=bot.member)
    before = await bot.snapshot()
    cases = [
        ("/study abc", "看不懂时长“abc”"), ("/study -5", "不能是负数"), ("/study 9999", "一次最多记 12 小时"),
        ("/study 30 2026-12-25 预习", "不能记录将来的日期"), ("/study 30 2026-02-30", "日期“2026-02-30”不存在"),
        ("/study 12小时", "超过每天 12 小时的上限，最多还能记 690 分钟"),
        ("/away 12-07 12-01 出差", "结束日期"), ("/plan 后天", "看不懂“后天”"),
    ]
    for text, expected in cases:
        await bot.say(text, user=bot.member)
        reply = bot.last_text(bot.member["id"])
        assert expected in reply and any(w in reply for w in ("例", "用法", "最多还能记")), (text, reply)
    for text in ("/plan set 60 《党章》", "/plan set", "/plan push", "/readings add 《党章》", "/readings del 1"):
        await bot.say(text, user=bot.member, chat_id=GROUP_ID)
        assert "只有本单位管理员" in bot.last_text(GROUP_ID), text
    await bot.say("/plan set abc 《党章》", user=bot.admin, chat_id=GROUP_ID)
    assert "看不懂要求时长“abc”" in bot.last_text(GROUP_ID)
    await bot.say("/plan set 60", user=bot.admin, chat_id=GROUP_ID)
    assert "没有学习内容" in bot.last_text(GROUP_ID)
    await bot.say("/hours -30", user=bot.admin, chat_id=GROUP_ID, reply_to=reply_to(bot.member))
    assert "必须写原因" in bot.last_text(GROUP_ID)
    await bot.say("/hours -60 记错了", user=bot.admin, chat_id=GROUP_ID, reply_to=reply_to(bot.member))
    assert "会小于 0" in bot.last_text(GROUP_ID)
    codec = bot.app.bot_data.codec
    await bot.press(codec.encode("ss.d", 99999), user=bot.member)
    assert "找不到这项学习内容" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    await bot.press(codec.encode("ss.u", 1), user=bot.admin)  # someone else's entry
    assert "不是您的记录" in bot.fake.calls("answerCallbackQuery")[-1].params["text"]
    sent = len(bot.fake.sent_messages(GROUP_ID))
    await bot.say("学习两会精神的体会", user=bot.member, chat_id=GROUP_ID)  # not a log: stay quiet
    assert len(bot.fake.sent_messages(GROUP_ID)) == sent
    assert without(await bot.snapshot(), "people") == without(before, "people")


async def test_guided_plan_survives_a_restart_and_is_pushed_down(bot, clock):
    await unit_with_members(bot)
    bot.group(PARENT_GROUP, "机关党委群")
    await bot.say("/bind 机关党委", user=bot.admin, chat_id=PARENT_GROUP)
    async with bot.app.bot_data.sessions.begin() as s:
        parent = await s.scalar(select(Unit).where(Unit.chat_id == PARENT_GROUP))
        child = await s.scalar(select(Unit).where(Unit.chat_id == GROUP_ID))
        await set_parent(s, unit=child, parent=parent, now=clock.now())

    await bot.say("/plan set", user=bot.admin, chat_id=PARENT_GROUP)
    step1 = bot.fake.sent_messages(PARENT_GROUP)[-1]
    assert "第 1 步" in step1["text"] and "2026-W48" in step1["text"]
    await bot.say("很久", user=bot.admin, chat_id=PARENT_GROUP, reply_to=step1)
    assert "看不懂要求时长" in bot.last_text(PARENT_GROUP)  # asked again: the prompt stays open
    await bot.say("90", user=bot.admin, chat_id=PARENT_GROUP, reply_to=step1)
    step2 = bot.fake.sent_messages(PARENT_GROUP)[-1]
    assert "第 2 步" in step2["text"]

    await bot.stop()
    await bot.start()
    await bot.say("必读 《党章》第一章 https://example.org/dz\n选读 《党史》\n选读 多余的一条", user=bot.admin,
                  chat_id=PARENT_GROUP, reply_to=step2)
    draft = bot.fake.sent_messages(PARENT_GROUP)[-1]
    assert "自学计划草稿" in draft["text"] and "3. [选读] 多余的一条" in draft["text"]
    await bot.press(find_button(draft, "删除最后一条"), user=bot.admin, chat_id=PARENT_GROUP, message=draft)
    await bot.press(find_button(draft, "下周"), user=bot.admin, chat_id=PARENT_GROUP, message=draft)
    current = bot.current(PARENT_GROUP, draft["message_id"])
    assert "多余的一条" not in current["text"] and "2026-W49" in current["text"]
    await bot.press(find_button(current, "发布"), user=bot.admin, chat_id=PARENT_GROUP, message=current)
    published = bot.current(PARENT_GROUP, draft["message_id"])
    assert "已发布《机关党委群》的自学计划" in published["text"] and "1 小时 30 分钟" in published["text"]
    await bot.press(find_button(published, "下发"), user=bot.admin, chat_id=PARENT_GROUP, message=published)
    assert "已下发到 1 个下级单位" in bot.last_text(PARENT_GROUP)
    await deliver(bot)
    assert "上级《机关党委群》下发了《第一党支部群》的自学计划" in bot.last_text(GROUP_ID)

    async with bot.db() as s:
        plans = {p.unit_id: p for p in await s.scalars(select(ss.StudyPlan))}
        items = (await s.scalars(select(ss.PlanItem).where(ss.PlanItem.plan_id == plans[child.id].id))).all()
    assert plans[child.id].source_plan_id == plans[parent.id].id and plans[child.id].week_start == date(2026, 11, 30)
    assert [(i.kind, i.title, i.link) for i in items] == [
        (ss.ItemKind.required, "《党章》第一章", "https://example.org/dz"), (ss.ItemKind.optional, "《党史》", None)]
    assert await bot.count(ss.PlanDraft) == 0 and await bot.count(Prompt) == 0

    # A unit's own plan is not overwritten by a later push.
    await bot.say("/plan set 下周 30 《支部自定内容》", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/plan push 下周", user=bot.admin, chat_id=PARENT_GROUP)
    assert "已下发到 0 个下级单位" in bot.last_text(PARENT_GROUP) and "第一党支部群" in bot.last_text(PARENT_GROUP)


async def test_undo_corrections_and_training(bot, clock):
    unit, third = await unit_with_members(bot)
    await bot.say("/study 45 学习党章", user=bot.member)
    logged = bot.fake.sent_messages(bot.member["id"])[-1]
    await bot.press(find_button(logged, "撤销"), user=bot.member, chat_id=bot.member["id"], message=logged)
    assert "已撤销" in bot.current(bot.member["id"], logged["message_id"])["text"]
    await bot.say("/study undo", user=bot.member)
    assert "没有可以撤销的记录" in bot.last_text(bot.member["id"])
    assert await bot.count(ss.StudyEntry) == 0

    await bot.say("/study 60", user=bot.member)
    await bot.say("/hours -20 重复记录", user=bot.admin, chat_id=GROUP_ID, reply_to=reply_to(bot.member))
    assert "已更正 " in bot.last_text(GROUP_ID) and "-20 分钟" in bot.last_text(GROUP_ID)
    await deliver(bot)
    assert "原因：重复记录" in bot.last_text(bot.member["id"])
    admin_id = await person_id(bot, bot.admin["id"])
    async with bot.db() as s:
        fix = await s.scalar(select(ss.StudyEntry).where(ss.StudyEntry.kind == ss.EntryKind.correction))
    assert (fix.minutes, fix.reason, fix.created_by) == (-20, "重复记录", admin_id)
    await bot.say("/hours", user=bot.admin, chat_id=GROUP_ID, reply_to=reply_to(bot.member))
    assert "更正：重复记录" in bot.last_text(GROUP_ID) and "本周 40 分钟" in bot.last_text(GROUP_ID)

    await bot.say("/training 全天 全体 党务培训", user=bot.admin, chat_id=GROUP_ID)
    assert "已为 3 人登记" in bot.last_text(GROUP_ID) and "8 小时" in bot.last_text(GROUP_ID)
    await bot.say("/training 半天", user=bot.admin, chat_id=GROUP_ID)
    assert "请指明为谁登记" in bot.last_text(GROUP_ID)
    entities = [{"type": "bot_command", "offset": 0, "length": 9}, {"type": "mention", "offset": 13, "length": 8}]
    await bot.say("/training 半天 @zhaomin 11-20", user=bot.admin, chat_id=GROUP_ID, entities=entities)
    assert "已为 1 人登记 11月20日培训 4 小时：赵敏" in bot.last_text(GROUP_ID)
    assert await minutes_in_db(bot, third["id"], date(2026, 1, 1), date(2026, 12, 31)) == 480 + 240
    await bot.say("/training 全天 全体", user=bot.admin, chat_id=GROUP_ID)  # a second full day today: over 12 h
    assert "上限" in bot.last_text(GROUP_ID)
    assert await minutes_in_db(bot, bot.member["id"], date(2026, 1, 1), date(2026, 12, 31)) == 40 + 480


async def test_reading_list_by_rank(bot, clock):
    await unit_with_members(bot)
    await bot.say("/readings add 《习近平谈治国理政》第四卷; 《党章》", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/readings add 领导干部 《习近平著作选读》", user=bot.admin, chat_id=GROUP_ID)
    assert "已添加 1 本（领导干部及以上）" in bot.last_text(GROUP_ID)
    await bot.say("/readings", user=bot.member)
    listing = bot.fake.sent_messages(bot.member["id"])[-1]
    assert "已读 0/2" in listing["text"] and "著作选读" not in listing["text"]
    await bot.press(find_button(listing, "读完第1本"), user=bot.member, chat_id=bot.member["id"], message=listing)
    assert "已读 1/2" in bot.current(bot.member["id"], listing["message_id"])["text"]

    await bot.say("/rank 领导干部", user=bot.admin, chat_id=GROUP_ID, reply_to=reply_to(bot.member))
    assert "设为“领导干部”" in bot.last_text(GROUP_ID)
    await bot.say("/readings", user=bot.member)
    assert "已读 1/3" in bot.last_text(bot.member["id"]) and "著作选读" in bot.last_text(bot.member["id"])

    await bot.say("/rank", user=bot.admin, chat_id=GROUP_ID)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "领导干部 1 人" in panel["text"]
    await bot.press(find_button(panel, "王同志"), user=bot.admin, message=panel)
    async with bot.db() as s:
        rank = await s.scalar(select(Membership.rank).join(Person).where(Person.tg_user_id == bot.member["id"]))
    assert rank == Rank.head
    await bot.say("/me", user=bot.member)
    assert "必读书目：已读 1/3" in bot.last_text(bot.member["id"]) and "/ 56 小时" in bot.last_text(bot.member["id"])

    await bot.say("/readings all", user=bot.admin, chat_id=GROUP_ID)
    assert "#3 《习近平著作选读》" in bot.last_text(GROUP_ID)
    await bot.say("/readings del 3", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/readings", user=bot.member)
    assert "已读 1/2" in bot.last_text(bot.member["id"])


async def test_away_pauses_reminders(bot, clock):
    await unit_with_members(bot)
    await bot.say("/away 11-23 11-29 出差", user=bot.member)
    assert "已登记 11月23日—11月29日 请假（出差）" in bot.last_text(bot.member["id"])
    clock.set(MONDAY_9)
    await deliver(bot)
    assert not [t for t in bot.texts(bot.member["id"]) if "本周（2026-W48）" in t]
    assert [t for t in bot.texts(bot.admin["id"]) if "本周（2026-W48）" in t]
    clock.set(SUNDAY_20)
    await deliver(bot)
    assert "0/2 人达到本周目标" in bot.last_text(GROUP_ID) and "请假 1 人" in bot.last_text(GROUP_ID)
    await bot.say("/away", user=bot.member)
    listing = bot.fake.sent_messages(bot.member["id"])[-1]
    await bot.press(find_button(listing, "取消"), user=bot.member, chat_id=bot.member["id"], message=listing)
    assert await bot.count(ss.AwayPeriod) == 0


async def test_settings_panel_changes_the_schedule(bot, clock):
    await unit_with_members(bot)
    await bot.say("/settings", user=bot.admin, chat_id=GROUP_ID)
    panel = bot.fake.sent_messages(GROUP_ID)[-1]
    assert "周中督促：开" in panel["text"] and "普通党员：32 小时" in panel["text"]
    await bot.press(find_button(panel, "周中督促"), user=bot.admin, message=panel)
    await bot.press(find_button(panel, "周一"), user=bot.admin, message=panel)  # the weekly reminder's day
    choices = bot.current(GROUP_ID, panel["message_id"])
    await bot.press(find_button(choices, "周二"), user=bot.admin, message=choices)
    panel_now = bot.current(GROUP_ID, panel["message_id"])
    assert "周中督促：关" in panel_now["text"]
    await bot.press(find_button(panel_now, "09:00"), user=bot.admin, message=panel_now)
    asked = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.say("25:00", user=bot.admin, chat_id=GROUP_ID, reply_to=asked)
    assert "看不懂" in bot.last_text(GROUP_ID)
    await bot.say("10:30", user=bot.admin, chat_id=GROUP_ID, reply_to=asked)
    await bot.press(find_button(panel_now, "排行显示姓名"), user=bot.admin, message=panel_now)
    async with bot.db() as s:
        unit = await s.scalar(select(Unit).where(Unit.chat_id == GROUP_ID))
    assert reminder_config(unit, "weekly") == {"on": True, "weekday": 1, "at": "10:30"}
    assert reminder_config(unit, "midweek")["on"] is False and ss.shows_names(unit)

    await bot.say("学习 2小时 党史", user=bot.member, chat_id=GROUP_ID)
    clock.set(MONDAY_9)
    await deliver(bot)
    assert not [t for t in bot.texts(GROUP_ID) if "本周自学提醒" in t]  # moved to Tuesday 10:30
    clock.set(datetime(2026, 11, 24, 2, 31, tzinfo=UTC))
    await deliver(bot)
    assert [t for t in bot.texts(GROUP_ID) if "本周自学提醒" in t]
    clock.set(THURSDAY_19)
    await deliver(bot)
    assert not [t for t in bot.texts(bot.admin["id"]) if "还差" in t]  # the nudge is off
    clock.set(SUNDAY_20)
    await deliver(bot)
    assert "1. 王同志 — 2 小时" in bot.last_text(GROUP_ID)  # the unit consented to names


async def test_me_chart_and_a_second_source_of_minutes(bot, clock, monkeypatch):
    await unit_with_members(bot)
    await bot.say("/study 50", user=bot.member)
    member = await person_id(bot, bot.member["id"])

    def attended(start: date, end: date):  # what the sessions feature adds: minutes of attended sessions
        day = date(2026, 11, 23)
        return select(literal(member).label("person_id"), literal(day, Date).label("day"),
                      literal(90).label("minutes")).where(literal(start <= day <= end))

    monkeypatch.setattr(ss.minutes, "MINUTE_SOURCES", [ss.own_entries, attended])
    await bot.say("/me", user=bot.member, chat_id=GROUP_ID)
    assert "已私聊发给您" in bot.last_text(GROUP_ID)
    assert "本周 2 小时 20 分钟 / 37 分钟" in bot.last_text(bot.member["id"])
    await bot.say("/me chart", user=bot.member)
    photo = bot.fake.calls("sendPhoto")[-1]
    assert photo.ok and "今年已学 2 小时 20 分钟" in photo.params["caption"]
    assert next(iter(photo.files.values())).startswith(b"\x89PNG")
