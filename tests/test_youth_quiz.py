"""Question banks and a knowledge contest run as quiz polls: five questions, three players, a late
answer, a restart in the middle, the scoreboard; and every way of loading questions wrongly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models.outbox import Outbox
from models.youth import Answer, Contest, ContestState, QuizBank, QuizQuestion, Round, Score
from tests.youth_helpers import Youth, without

QUESTIONS = """题目|选项A|选项B|选项C|答案|解析
中国共产党成立于哪一年？|1919|1921|1949|2|1921年7月，中共一大召开
党的根本宗旨是什么？|全心全意为人民服务|实现共产主义|发展生产力|1|
“五学联动”中，党支部的环节叫什么？|领学|督学|研学|促学|3

第一议题制度的“三位一体”不包括？|会前自学|会上领学|会后督学|年终总结|4|
党的全国代表大会一般每几年举行一次？｜五年｜三年｜十年｜1｜党章第十九条
"""
CORRECT = [1, 0, 2, 3, 0]

BAD = """# 测试题
题目只有一个选项|A|1
正常题|甲|乙|2
选项重复|甲|甲|1
答案越界|甲|乙|丙|5|解析
没有分隔符的一行
答案不是数字|甲|乙|B|解析
"""


async def send_file(g: Youth, user: dict, text: str, name: str, encoding: str = "utf-8", **kw) -> dict:  # noqa: ANN003
    doc = g.bot.fake.add_document(text.encode(encoding), name, "text/plain")
    uid = g.bot.fake.message(g.chat, user, None, document=doc, **kw)
    await g.bot.settle(uid)
    return g.message_of(uid)


async def test_contest_of_five_questions_with_three_players(bot, start_bot):
    g = await Youth(bot).setup(private=(bot.admin,))
    await g.command("/rotation @zhangqing @liuyang", bot.admin)
    doc = await send_file(g, bot.admin, QUESTIONS, "党史.txt")
    await g.say("/quiz import 党史", bot.admin, reply_to=doc)
    assert "已导入 5 题到题库“党史”" in bot.last_text(g.chat)
    # The leader (张青, not an admin) may add questions too; to a bank of their choosing.
    await g.say("/quiz bank 练习", g.zhang)
    await g.say("/quiz add 学习强国平台于哪年上线？ | 2018 | 2019 | 2020 | 2 | 2019年1月1日上线", g.zhang)
    assert "已加入题库“练习”（共 1 题）" in bot.last_text(g.chat) and "正确答案：2019" in bot.last_text(g.chat)

    await g.say("/quiz start 党史 20秒", bot.admin)
    assert "共 5 题，每题限时 20 秒" in bot.last_text(g.chat)
    players = {"wang": g.wang, "zhang": g.zhang, "liu": g.liu}
    # Seconds after each poll opened at which each player answers, and what (王同志 misses question 3).
    timing = {"wang": [1] * 5, "liu": [2, 2, 2, 2, 10], "zhang": [3] * 5}
    choice = {"wang": [1, 0, 0, 3, 0], "liu": CORRECT, "zhang": CORRECT}
    bot.clock.advance(seconds=5)
    for n in range(5):
        rnd = await bot.until(lambda n=n, b=bot: _opened(b, n + 1), what=f"poll {n + 1} to open")
        poll = bot.fake.calls("sendPoll")[-1]
        assert poll.params["question"].startswith(f"[{n + 1}/5] ")
        assert (poll.params["type"], poll.params["is_anonymous"], poll.params["open_period"]) == ("quiz", False, 20)
        assert poll.params["correct_option_ids"] == [CORRECT[n]]
        assert rnd.poll_id == poll.result["poll"]["id"]
        for who in sorted(timing, key=lambda w: timing[w][n]):
            bot.clock.set(rnd.opened_at + timedelta(seconds=timing[who][n]))
            await bot.inject(bot.fake.poll_answer(rnd.poll_id, players[who], [choice[who][n]]))
        if n == 1:
            # An answer after the time limit does not count; its author is told privately.
            bot.clock.set(rnd.closes_at + timedelta(seconds=3))
            await bot.inject(bot.fake.poll_answer(rnd.poll_id, bot.admin, [1]))
            assert "第 2 题已经结束，您的答案没有计分" in bot.last_text(bot.admin["id"])
            # The bot restarts mid-contest: the database carries the contest on.
            await bot.stop()
            bot = g.bot = await start_bot()
        bot.clock.set(rnd.closes_at + timedelta(seconds=3))

    bot.clock.advance(seconds=3)
    await bot.settle_planner()
    board = (await bot.fake.wait_for_message(g.chat, "知识竞赛结果"))["text"]
    lines = board.splitlines()
    assert "“党史”" in lines[0] and "共 5 题，3 人作答" in lines[1]
    ranked = [line for line in lines if "答对" in line]
    assert ranked == ["🥇 张青　答对 5/5　用时 15.0 秒", "🥈 刘洋　答对 5/5　用时 18.0 秒",
                      "🥉 王同志　答对 4/5　用时 4.0 秒"]
    async with bot.db() as s:
        contest = await s.scalar(select(Contest))
        scores = (await s.execute(select(Score.correct, Score.answered, Score.time_ms, Score.rank)
                                  .order_by(Score.rank))).all()
        answers = await s.scalar(select(func.count()).select_from(Answer))
    assert contest.state == ContestState.finished
    assert [tuple(r) for r in scores] == [(5, 5, 15000, 1), (5, 5, 18000, 2), (4, 5, 4000, 3)]
    assert answers == 15  # the late one is not among them
    assert len(bot.fake.calls("sendPoll")) == 5  # one poll per question, none twice across the restart
    await bot.say("/youth", user=g.zhang)
    assert "参加 1 场，答对 5/5 题，最好名次第 1 名" in bot.last_text(g.zhang["id"])


async def _opened(bot, seq: int) -> Round | None:  # noqa: ANN001
    async with bot.db() as s:
        rnd = await s.scalar(select(Round).where(Round.seq == seq, Round.opened_at.is_not(None)))
    return rnd


async def test_planning_never_waits_for_a_poll_being_marked_sent(bot):
    """The sender marks a poll sent and, in that transaction, opens its round and plans the next (the
    contest row is taken there). A planner pass meanwhile holds the contest row: if it queued the same
    poll again, its insert would wait for the sender's transaction, which waits for it — on PostgreSQL
    a deadlock that left the question never opened."""
    import asyncio

    from jobs.youth import _contest_items
    from models.outbox import enqueue
    from models.youth import advance_contest

    g = await Youth(bot).setup()
    doc = await send_file(g, bot.admin, QUESTIONS, "党史.txt")
    await g.say("/quiz import 党史", bot.admin, reply_to=doc)
    await g.say("/quiz start 党史 20秒", bot.admin)  # the first poll is queued, due in 5 s
    async with bot.db() as s:
        contest = await s.scalar(select(Contest))
        assert (await advance_contest(s, contest=contest, now=bot.clock.now())).polls == []  # queued already
    if not bot.settings.database.url.startswith("postgresql"):
        return  # SQLite has one writer at a time: no two transactions hold rows at once
    async with bot.db() as sender, bot.db() as planner:
        await sender.execute(Outbox.__table__.update().where(Outbox.dedupe_key == f"quiz:{contest.id}:1")
                             .values(state="sent"))  # the sender's row lock, not yet committed
        now = bot.clock.now()
        contest = await planner.get(Contest, contest.id)
        items = await asyncio.wait_for(_contest_items(planner, contest, "zh", now), 5)
        await asyncio.wait_for(enqueue(planner, items=items, now=now), 5)
        await planner.commit()
        await sender.rollback()
    assert items == []


async def test_contest_stopped_early_and_contests_without_questions(bot):
    g = await Youth(bot).setup()
    doc = await send_file(g, bot.admin, QUESTIONS, "题库.csv")
    await g.say("/quiz import", bot.admin, reply_to=doc)
    await g.say("/quiz bank 空题库", bot.admin)
    before = await bot.snapshot()
    await g.say("/quiz start 空题库", bot.admin)
    assert "题库“空题库”还没有题目，无法开始竞赛" in bot.last_text(g.chat)
    await g.say("/quiz start 不存在", bot.admin)
    assert "没有名为“不存在”的题库" in bot.last_text(g.chat)
    await g.say("/quiz start 30", bot.admin)
    assert "是题数还是秒数" in bot.last_text(g.chat)
    await g.say("/quiz start 5秒", bot.admin)
    assert "每题时间 5 秒不在 10–600 秒之间" in bot.last_text(g.chat)
    await g.say("/quiz stop", bot.admin)
    assert "没有正在进行的竞赛" in bot.last_text(g.chat)
    assert without(await bot.snapshot()) == without(before)

    await g.say("/quiz start 青年理论学习小组 2题", bot.admin)
    assert "共 2 题" in bot.last_text(g.chat)
    await g.say("/quiz start", bot.admin)
    assert "已有一场竞赛正在进行" in bot.last_text(g.chat)
    bot.clock.advance(seconds=5)
    rnd = await bot.until(lambda: _opened(bot, 1), what="the first poll")
    await bot.inject(bot.fake.poll_answer(rnd.poll_id, g.liu, [0]))
    await g.say("/quiz stop", bot.admin)
    assert "本题结束后停止竞赛" in bot.last_text(g.chat)
    assert await bot.count(Outbox, Outbox.kind == "quiz", Outbox.state == "pending") == 0
    bot.clock.set(rnd.closes_at + timedelta(seconds=10))
    await bot.settle_planner()
    board = (await bot.fake.wait_for_message(g.chat, "知识竞赛结果"))["text"]
    assert "共 1 题，1 人作答" in board and "竞赛已提前结束" in board
    assert len(bot.fake.calls("sendPoll")) == 1
    async with bot.db() as s:
        assert (await s.scalar(select(Contest))).state == ContestState.stopped


async def test_malformed_question_files_load_nothing(bot):
    g = await Youth(bot).setup()
    doc = await send_file(g, bot.admin, BAD, "bad.txt")
    before = await bot.snapshot()
    await g.say("/quiz import 党史", bot.admin, reply_to=doc)
    text = bot.last_text(g.chat)
    assert "题目文件有 5 行格式不对，没有导入任何题目" in text
    for expected in ["第 2 行：只有 3 栏", "第 4 行：有两个选项完全相同", "第 5 行：正确选项序号 5 超出范围（共 3 个选项）",
                     "第 6 行：没有分隔符", "第 7 行：正确选项序号应是数字（如 2），这里是“B”"]:
        assert expected in text, expected
    assert "第 3 行" not in text and "题目 | 选项A | 选项B" in text
    assert without(await bot.snapshot()) == without(before)

    # Through the reply prompt: a GBK CSV from Excel with one short row; then text instead of a file.
    await g.say("/quiz import", bot.admin)
    prompt = g.last()
    assert "请回复本消息，发送题目文件" in prompt["text"]
    csv_text = "题目,选项A,选项B,答案,解析\n\"党的二十大在哪一年召开？\",2021,2022,2,\"2022年10月，北京\"\n坏行,甲,乙\n"
    await send_file(g, bot.admin, csv_text, "题库.csv", encoding="gb18030", reply_to=prompt)
    assert "第 3 行：只有 3 栏" in bot.last_text(g.chat) and "第 2 行" not in bot.last_text(g.chat)
    await g.say("就是这些", bot.admin, reply_to=prompt)
    assert "请回复一个 .txt 或 .csv 文件" in bot.last_text(g.chat)
    picture = bot.fake.add_document(b"\x89PNG...", "题库.png", "image/png")
    uid = bot.fake.message(g.chat, bot.admin, None, document=picture, reply_to=prompt)
    await bot.settle(uid)
    assert "不是 .txt 或 .csv 文件" in bot.last_text(g.chat)
    assert without(await bot.snapshot(), "prompts") == without(before, "prompts")  # the question stays open
    # Fixed, it loads (still through the same prompt).
    await send_file(g, bot.admin, csv_text.replace("坏行,甲,乙\n", ""), "题库.csv", encoding="gb18030", reply_to=prompt)
    assert "已导入 1 题" in bot.last_text(g.chat)
    async with bot.db() as s:
        q = await s.scalar(select(QuizQuestion))
    assert (q.question, q.options, q.correct, q.explanation) == ("党的二十大在哪一年召开？", ["2021", "2022"], 1,
                                                                 "2022年10月，北京")


async def test_one_line_questions_and_who_may_load_them(bot):
    g = await Youth(bot).setup()
    before = await bot.snapshot()
    await g.say("/quiz add 党的根本宗旨是？ | 为人民服务 | 发展经济 | 1", g.liu)
    assert "只有管理员或本期轮值小组长" in bot.last_text(g.chat)
    for text, expected in [
        ("/quiz add", "用法："),
        ("/quiz add 只有题目", "没有分隔符"),
        ("/quiz add 题目 | 甲 | 乙 | 3", "正确选项序号 3 超出范围（共 2 个选项）"),
        ("/quiz add 题目 | 甲 | | 1", "第 2 个选项是空的"),
        ("/quiz add 题目 | 甲 | 乙 | 第一个", "正确选项序号应是数字"),
        ("/quiz add " + "长" * 300 + " | 甲 | 乙 | 1", "题目过长（300 字），不得超过 280 字"),
        ("/quiz frobnicate", "无法识别“frobnicate”"),
        ("/quiz del 1", "还没有当前题库"),
    ]:
        await g.say(text, bot.admin)
        assert expected in bot.last_text(g.chat), (text, bot.last_text(g.chat))
    assert "例：" in bot.last_text(g.chat) or "/quiz" in bot.last_text(g.chat)
    assert without(await bot.snapshot()) == without(before)
    await g.say("/quiz add 党的根本宗旨是？ ｜ 为人民服务 ｜ 发展经济 ｜ 1", bot.admin)
    await g.say("/quiz list", g.liu)
    assert "1. 党的根本宗旨是？（答案：为人民服务）" in bot.last_text(g.chat)
    await g.say("/quiz", g.liu)
    assert "题库“青年理论学习小组”：1 题" in bot.last_text(g.chat)
    await g.say("/quiz del 2", bot.admin)
    assert "没有第 2 题" in bot.last_text(g.chat)
    await g.say("/quiz del 1", bot.admin)
    assert await bot.count(QuizQuestion) == 0 and await bot.count(QuizBank) == 1
