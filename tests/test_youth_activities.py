"""Youth-group activities as study sessions: the activity's form (交流研讨, 读书会…) chosen in the
guided dialogue or typed in the one-line form, check-in, the close by the real scheduler, the rotation
leader asked for the record (privately, or in the group when the bot cannot reach them), the record
kept with the session, and the evaluation's figures (activities, attendance, contests, reflections).
Time: the FakeClock, Monday 2026-11-23 09:00 in Beijing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from models.prompts import Prompt
from models.sessions import ActivityForm, SessionState, StudySession
from models.youth import ActivityRecord, Evaluation
from tests.harness import buttons
from tests.test_reflections_flow import SENTENCE
from tests.youth_helpers import Youth, find_button, without

COMMITTEE = -1001000000002


def beijing(hour: int, minute: int, second: int = 0) -> datetime:
    """A time on Monday 2026-11-23 in Beijing, in UTC."""
    return datetime(2026, 11, 23, hour - 8, minute, second, tzinfo=UTC)


async def the_session(bot) -> StudySession:
    async with bot.db() as s:
        return await s.scalar(select(StudySession).order_by(StudySession.id.desc()).limit(1))


async def records(bot) -> list[ActivityRecord]:
    async with bot.db() as s:
        return list(await s.scalars(select(ActivityRecord).order_by(ActivityRecord.id)))


async def prompt_kept(bot, chat_id: int, message_id: int) -> None:
    """The request's message is kept as a prompt once the sender has marked it sent."""
    async def kept():
        async with bot.db() as s:
            return await s.scalar(select(Prompt.id).where(Prompt.chat_id == chat_id, Prompt.message_id == message_id))
    await bot.until(kept, what="the record request kept as a prompt")


async def with_committee(bot, g: Youth) -> None:
    """The committee's group, bound and set as the youth group's parent."""
    bot.group(COMMITTEE, "机关党委")
    await bot.say("/bind 机关党委", user=bot.admin, chat_id=COMMITTEE)
    await bot.press(find_button(g.summary, "上级"), user=bot.admin, chat_id=g.chat, message=g.summary)
    menu = g.last()
    await bot.press(find_button(menu, "机关党委"), user=bot.admin, chat_id=g.chat, message=menu)


async def test_activity_through_the_dialogue_closes_and_its_record_counts(bot, clock):
    g = await Youth(bot).setup(private=(bot.member, bot.fake.user(3001, "张青", username="zhangqing")))
    zhang = g.zhang["id"]
    await g.command("/rotation @zhangqing @liuyang", bot.admin)  # 张青 leads 2026-11
    await g.say("/session window 10 5 2", bot.admin)
    assert "开始前 10 分钟开放签到" in bot.last_text(g.chat)

    # The guided dialogue: the youth kind asks for the activity's form next.
    await g.say("/session", bot.admin)
    card = g.last()
    assert "第 1 步" in card["text"]
    card = await g.press(card, "青年理论学习小组活动", bot.admin)
    assert "请选择青年理论学习小组活动的形式" in card["text"] and "形式：—" in card["text"]
    assert [label for label, _ in buttons(card)][:7] == [
        "交流研讨", "调研参观", "演讲辩论", "业务讲堂", "知识竞赛", "志愿服务", "读书会"]
    card = await g.press(card, "读书会", bot.admin)
    assert "形式：读书会" in card["text"] and "第 2 步" in card["text"]
    card = await g.press(card, "今天", bot.admin)
    card = await g.press(card, "输入其他时间", bot.admin)
    ask = g.last()
    await g.say("09:30", bot.admin, reply_to=ask)
    ask = g.last()
    await g.say("共读《习近平谈治国理政》第四卷 @青年活动室", bot.admin, reply_to=ask)
    card = g.last()
    assert "形式：读书会" in card["text"] and "主题：共读《习近平谈治国理政》第四卷" in card["text"]
    # The form can be changed from the card before publishing.
    card = await g.press(card, "形式", bot.admin)
    card = await g.press(card, "交流研讨", bot.admin)
    assert "形式：交流研讨" in card["text"]
    card = await g.press(await g.press(card, "形式", bot.admin), "读书会", bot.admin)
    assert "形式：读书会" in card["text"]
    await g.press(card, "发布", bot.admin)
    assert "已安排 #" in bot.current(g.chat, card["message_id"])["text"]
    ses = await the_session(bot)
    assert (ses.kind.value, ses.form) == ("youth_study", ActivityForm.reading)
    announced = await bot.fake.wait_for_message(g.chat, "📢")
    assert "青年理论学习小组活动·读书会" in announced["text"] and "共读《习近平谈治国理政》第四卷" in announced["text"]

    # Members check in while the window is open; 刘洋 does not come.
    clock.set(beijing(9, 25))
    await g.say("签到", g.zhang)
    await g.say("签到", g.wang)
    async with bot.db() as s:
        statuses = dict((await s.execute(select(StudySession.id, StudySession.state))).all())
    assert statuses[ses.id] == SessionState.scheduled

    # The real scheduler closes the session at 09:35 and asks the leader privately for the record.
    sent = len(bot.fake.sent_messages())
    clock.set(beijing(9, 35, 1))
    ask = await bot.fake.wait_for_message(zhang, "请写这次活动的记录", since=sent)
    assert "青年理论学习小组活动·读书会“共读《习近平谈治国理政》第四卷”" in ask["text"]
    assert "出席 2/" in ask["text"] and "2026-11" in ask["text"]
    summary = await bot.fake.wait_for_message(g.chat, "签到结束", since=sent)
    assert "青年理论学习小组活动·读书会" in summary["text"]
    assert (await the_session(bot)).state == SessionState.closed
    await prompt_kept(bot, zhang, ask["message_id"])

    # The leader replies to the request with a photo and its caption, adds a line, and finishes.
    photo = bot.fake.add_photo(b"reading-club")
    await bot.inject(bot.fake.message(zhang, g.zhang, None, photo=photo, caption="共读第四卷第一专题，3 人交流发言。",
                                      reply_to=ask))
    assert "已记入活动" in bot.last_text(zhang) and "照片 1 张" in bot.last_text(zhang)
    await bot.say("大家表示要把学习成果转化为工作实效。", user=g.zhang)
    ack = bot.fake.sent_messages(zhang)[-1]
    await bot.press(find_button(ack, "完成"), user=g.zhang, chat_id=zhang, message=ack)
    done = bot.current(zhang, ack["message_id"])["text"]
    assert "已提交青年理论学习小组活动 青年理论学习小组活动·读书会“共读" in done
    notice = await bot.fake.wait_for_message(g.chat, "提交了活动")
    assert "共读第四卷第一专题" in notice["text"]
    [rec] = await records(bot)
    assert (rec.session_id, rec.period_start.isoformat(), rec.photos) == (ses.id, "2026-11-01", [photo[-1]["file_id"]])
    assert rec.text == "共读第四卷第一专题，3 人交流发言。\n大家表示要把学习成果转化为工作实效。"

    # Once recorded, nothing is pending: /record writes the period's record again, not the activity's.
    await bot.say("/record", user=g.zhang)
    assert "正在写青年理论学习小组2026-11 的活动记录" in bot.last_text(zhang)

    # /sessions shows the form.
    await g.say("/sessions", bot.admin)
    assert "青年理论学习小组活动·读书会“共读" in bot.last_text(g.chat)

    # 王同志 hands in a reflection; the evaluation counts the activity, its attendance and the reflection.
    await bot.say("/reflect", user=bot.member)
    await bot.press(find_button(bot.last_message(bot.member["id"]), "其他主题"), user=bot.member,
                    chat_id=bot.member["id"], message=bot.last_message(bot.member["id"]))
    await bot.say(SENTENCE * 3, user=bot.member)
    panel = bot.last_message(bot.member["id"])
    await bot.press(find_button(panel, "提交"), user=bot.member, chat_id=bot.member["id"], message=panel)
    assert "已提交" in bot.last_message(bot.member["id"])["text"]

    await g.say("/youth", g.liu)
    overview = bot.last_text(g.chat)
    assert "小组活动：1 场（已写记录 1 场）" in overview
    assert "知识竞赛：0 场" in overview and "心得体会：1 篇（1/" in overview
    await with_committee(bot, g)
    await bot.say("/evaluate", user=bot.admin, chat_id=COMMITTEE)
    listing = bot.fake.sent_messages(COMMITTEE)[-1]
    card = await g.press(listing, "青年理论学习小组", bot.admin, chat_id=COMMITTEE)
    assert "小组活动：1 场（已写记录 1 场）" in card["text"] and "活动参加：2/" in card["text"]
    assert "青年理论学习小组活动·读书会“共读" in card["text"] and "张青：共读第四卷" in card["text"]
    await g.press(card, "良好", bot.admin, chat_id=COMMITTEE)
    async with bot.db() as s:
        ev = await s.scalar(select(Evaluation))
    figures = {f["key"]: f["params"] for f in ev.figures}
    assert figures["activities"] == {"count": 1, "recorded": 1}
    assert figures["attendance"]["attended"] == 2 and figures["attendance"]["rate"] == round(
        200 / figures["attendance"]["expected"])
    assert figures["reflections"]["count"] == 1 and figures["reflections"]["writers"] == 1
    assert figures["contests"] == {"count": 0}


async def test_one_line_activity_asks_in_the_group_and_record_attaches(bot, clock):
    g = await Youth(bot).setup()  # nobody started the bot: the request goes to the group
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    await g.say("/session window 5 1 0", bot.admin)

    # A youth activity needs its form: an unknown one is refused with the list and an example.
    before = await bot.snapshot()
    await g.say("/session 今天 09:05 青年理论学习小组活动 学习党史 @三楼", bot.admin)
    refused = bot.last_text(g.chat)
    assert "“学习党史”不在其中" in refused and "交流研讨、调研参观" in refused and "读书会" in refused
    assert "例：" in refused and "/session 明天 15:00 青年理论学习小组活动 读书会" in refused
    await g.say("/session 今天 09:05 青年小组", bot.admin)
    assert "不在其中" in bot.last_text(g.chat)
    assert without(await bot.snapshot()) == without(before)

    await g.say("/session 今天 09:05 青年理论学习小组活动 知识竞赛 党史知识竞赛 @三楼", bot.admin)
    assert "已安排 #" in bot.last_text(g.chat)
    ses = await the_session(bot)
    assert (ses.form, ses.topic, ses.place) == (ActivityForm.contest, "党史知识竞赛", "三楼")
    announced = await bot.fake.wait_for_message(g.chat, "📢")
    assert "青年理论学习小组活动·知识竞赛" in announced["text"]
    # Other kinds keep their topic whole (no form is read from it).
    await g.say("/session 明天 15:00 主题党日 读书会 分享", bot.admin)
    other = await the_session(bot)
    assert (other.form, other.topic) == (None, "读书会 分享")

    # Nothing is pending before the activity closes: 张青's /record is the period's record.
    clock.set(beijing(9, 1))
    await g.say("签到", g.zhang)
    await g.say("签到", g.liu)
    sent = len(bot.fake.sent_messages())
    clock.set(beijing(9, 6, 1))
    ask = await bot.fake.wait_for_message(g.chat, "请本期（2026-11）轮值小组长写活动记录", since=sent)
    assert "张青" in ask["text"] and "知识竞赛“党史知识竞赛”" in ask["text"] and "出席 2/" in ask["text"]
    await prompt_kept(bot, g.chat, ask["message_id"])
    async with bot.db() as s:
        closed = await s.get(StudySession, ses.id)
        assert closed.state == SessionState.closed
    # Another member's reply to the request is not taken as the record.
    await g.say("我来写？", g.liu, reply_to=ask)
    assert await records(bot) == []

    # /record in the group while the activity waits: the record is the activity's.
    photo = await g.post(g.liu, photo=bot.fake.add_photo(b"contest"))
    await g.say("/record 开展党史知识竞赛，5 人参加，平均正确率 80%。", g.zhang, reply_to=photo)
    assert "已记下青年理论学习小组活动 青年理论学习小组活动·知识竞赛“党史知识竞赛”" in bot.last_text(g.chat)
    [rec] = await records(bot)
    assert (rec.session_id, len(rec.photos), rec.submitted_at is not None) == (ses.id, 1, True)

    # The request answered after the record is in: nothing pending, said clearly, nothing written.
    before = await bot.snapshot()
    await g.say("补充一句", g.zhang, reply_to=ask)
    assert "记录已经提交过了" in bot.last_text(g.chat)
    assert without(await bot.snapshot()) == without(before)
    # And /record now, with nothing pending, is the period's record again.
    await g.say("/record 本月还组织了志愿服务。", g.zhang)
    assert "已记下青年理论学习小组2026-11 的活动记录" in bot.last_text(g.chat)
    assert [r.session_id for r in await records(bot)] == [ses.id, None]
    # A member who is neither leader nor admin is refused.
    await g.say("/record 我也写", g.liu)
    assert "只有本期" in bot.last_text(g.chat)

    async with bot.db() as s:
        statuses = dict((await s.execute(select(StudySession.id, StudySession.state))).all())
    assert statuses[ses.id] == SessionState.closed and statuses[other.id] == SessionState.scheduled
    await g.say("/youth", g.liu)
    assert "小组活动：1 场（已写记录 1 场）" in bot.last_text(g.chat)
    assert "活动参加：2/" in bot.last_text(g.chat)


def test_the_form_after_the_kind_in_one_line():
    from models.errors import DomainError
    from models.sessions import parse_session_line

    now = beijing(9, 0)
    for line, topic in (("明天 15:00 青年理论学习小组活动 读书会 共读《实践论》", "共读《实践论》"),
                        ("明天 15:00 青年小组·读书会 共读《实践论》", "共读《实践论》"),
                        ("明天 15:00 青年理论学习小组活动（读书会）共读 @活动室", "共读"),
                        ("明天 15:00 youth_study reading Reading together", "Reading together")):
        spec = parse_session_line(line, now=now, tz="Asia/Shanghai")
        assert (spec.form, spec.topic) == (ActivityForm.reading, topic), line
    spec = parse_session_line("明天 15:00 青年理论学习小组活动 志愿服务 社区宣讲", now=now, tz="Asia/Shanghai")
    assert (spec.form, spec.topic) == (ActivityForm.volunteer, "社区宣讲")
    for line, given in (("明天 15:00 青年理论学习小组活动 读书 共读", "读书"), ("明天 15:00 青年小组", "—")):
        try:
            parse_session_line(line, now=now, tz="Asia/Shanghai")
        except DomainError as err:
            assert (err.key, err.params["given"]) == ("sessions.bad_form", given)
        else:
            raise AssertionError(f"{line!r} was accepted")


async def test_request_falls_back_to_the_group_when_the_leader_blocked_the_bot(bot, clock):
    g = await Youth(bot).setup(private=(bot.fake.user(3001, "张青", username="zhangqing"),))
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    await g.say("/session window 5 1 0", bot.admin)
    await g.say("/session 今天 09:05 青年小组·志愿服务 社区理论宣讲", bot.admin)
    ses = await the_session(bot)
    assert (ses.form, ses.topic) == (ActivityForm.volunteer, "社区理论宣讲")
    bot.fake.blocked_users.add(g.zhang["id"])  # started the bot once, blocked it since
    clock.set(beijing(9, 1))
    await g.say("签到", g.liu)
    sent = len(bot.fake.sent_messages())
    clock.set(beijing(9, 6, 1))
    ask = await bot.fake.wait_for_message(g.chat, "请本期（2026-11）轮值小组长写活动记录", since=sent)
    assert "张青" in ask["text"] and "志愿服务“社区理论宣讲”" in ask["text"]
    await prompt_kept(bot, g.chat, ask["message_id"])

    # 张青 answers in the group by replying to the request; the draft is finished with its button.
    await g.say("赴社区开展理论宣讲，服务群众 30 余人。", g.zhang, reply_to=ask)
    ack = g.last()
    assert "已记入活动 青年理论学习小组活动·志愿服务“社区理论宣讲”" in ack["text"]
    assert await records(bot) and (await records(bot))[0].submitted_at is None
    # Only the author may finish it.
    await bot.press(find_button(ack, "完成"), user=g.liu, chat_id=g.chat, message=ack)
    assert (await records(bot))[0].submitted_at is None
    done = await g.press(ack, "完成", g.zhang)
    assert "已提交青年理论学习小组活动 青年理论学习小组活动·志愿服务“社区理论宣讲”" in done["text"]
    [rec] = await records(bot)
    assert (rec.session_id, rec.text, rec.submitted_at is not None) == (ses.id, "赴社区开展理论宣讲，服务群众 30 余人。", True)
