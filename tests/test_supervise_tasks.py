"""/tasks end to end: a committee issues a month's required actions, the branch is notified through
the outbox, reports them done (button, note, a session), is reminded of what is open; bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models.supervise import TaskDone, TaskItem, TaskList
from tests.harness import GROUP_ID
from tests.test_sessions import FAST_ROLL, quiet
from tests.test_supervise import COMMITTEE, committee_over_branch
from tests.test_units_flow import find_button

ISSUE = "/tasks set 12月\n1. 12月10日 召开支部党员大会，学习四中全会精神\n2、开展主题党日活动"


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


async def test_issue_report_done_and_completion_per_unit(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say(ISSUE, user=bot.admin, chat_id=COMMITTEE)
    assert "已下达 2026年12月任务 2 项，已通知 1 个下级单位" in bot.last_text(COMMITTEE)
    notice = await bot.fake.wait_for_message(GROUP_ID, "组织生活通知单")
    assert "1. 召开支部党员大会，学习四中全会精神（12/10 前）" in notice["text"]
    assert "2. 开展主题党日活动（12/31 前）" in notice["text"]

    await bot.say("/tasks 12月", user=bot.admin, chat_id=GROUP_ID)
    view = bot.last_message(GROUP_ID)
    assert "机关党委群下达的2026年12月任务清单" in view["text"] and "已完成 0/2" in view["text"]
    await bot.press(find_button(view, "第1项"), user=bot.admin, chat_id=GROUP_ID)
    assert "已报告第1项“召开支部党员大会，学习四中全会精神”完成" in bot.last_text(GROUP_ID)
    await bot.say("/tasks done 2 #1", user=bot.admin, chat_id=GROUP_ID)
    async with bot.db() as s:
        done = (await s.execute(select(TaskItem.position, TaskDone).join(TaskDone, TaskDone.item_id == TaskItem.id)
                                .order_by(TaskItem.position))).all()
    assert [(n, d.unit_id, d.session_id, d.note) for n, d in done] == [
        (1, branch.id, None, None), (2, branch.id, 1, "学习贯彻四中全会精神")]

    await bot.say("/tasks 12月", user=bot.admin, chat_id=COMMITTEE)
    text = bot.last_text(COMMITTEE)
    assert "1. 召开支部党员大会，学习四中全会精神（12/10 前）：已完成 1/1 个单位" in text
    assert "• 第一党支部群：2/2（100%）" in text


async def test_open_actions_are_reminded(bot, clock):
    await committee_over_branch(bot, clock)
    await bot.say(ISSUE, user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/tasks done 2 已开展", user=bot.admin, chat_id=GROUP_ID)
    clock.set(datetime(2026, 12, 7, 1, 1, tzinfo=UTC))  # 09:01 in Beijing, three days before the 10th
    await bot.settle_planner()
    reminder = await bot.fake.wait_for_message(GROUP_ID, "任务提醒")
    assert "第1项“召开支部党员大会，学习四中全会精神”将于 12/10 到期（还有 3 天）" in reminder["text"]
    clock.set(datetime(2026, 12, 31, 1, 1, tzinfo=UTC))
    await bot.settle_planner()
    await quiet(bot)
    assert not any("第2项" in t for t in bot.texts(GROUP_ID) if "任务提醒" in t)  # done: never reminded


async def test_bad_task_inputs_write_nothing(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say(ISSUE, user=bot.admin, chat_id=COMMITTEE)
    await quiet(bot)
    before = await bot.snapshot()
    cases = [
        (COMMITTEE, "/tasks set 13月\n开会", "无法识别月份“13月”"),
        (COMMITTEE, "/tasks set 12月", "没有任务内容"),
        (COMMITTEE, "/tasks set 12月\n11月3日 开会", "不在 2026-12 月内"),
        (COMMITTEE, "/tasks set 12月\n12月3日", "只有日期，没有任务内容"),
        (COMMITTEE, "/tasks 5月", "2026年5月尚无任务清单"),
        (COMMITTEE, "/tasks done 1", "未找到下达给本单位的第 1 号任务"),  # the issuer does not report
        (GROUP_ID, "/tasks set 12月\n开会", "尚无下级单位"),
        (GROUP_ID, "/tasks done", "请写明第几项"),
        (GROUP_ID, "/tasks done 99 好", "未找到下达给本单位的第 99 号任务"),
        (GROUP_ID, "/tasks done 1 #77", "没有编号为 #77 的学习活动"),
    ]
    for chat, text, expected in cases:
        await bot.say(text, user=bot.admin, chat_id=chat)
        assert expected in bot.last_text(chat), (text, bot.last_text(chat))
    codec = bot.app.bot_data.codec
    async with bot.db() as s:
        item = await s.scalar(select(TaskItem).join(TaskList).order_by(TaskItem.id))
    await bot.press(codec.encode("sv.td", item.id), user=bot.admin, chat_id=COMMITTEE)
    assert "未找到" in bot.last_answer()
    people = lambda snap: {k: v for k, v in snap.items() if k != "people"}  # noqa: E731
    assert people(await bot.snapshot()) == people(before)


async def test_half_year_check_sheet(bot, clock):
    import io

    import openpyxl

    committee, branch = await committee_over_branch(bot, clock)
    await bot.say(ISSUE, user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/tasks done 2 #1", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/export check 上月", user=bot.admin, chat_id=COMMITTEE)
    assert "半年检查按半年统计" in bot.last_text(COMMITTEE)
    await bot.say("/export check 上半年", user=bot.admin, chat_id=COMMITTEE)
    assert "2026年上半年尚无数据" in bot.last_text(COMMITTEE)
    await bot.say("/export check", user=bot.admin, chat_id=COMMITTEE)
    call = bot.fake.calls("sendDocument")[-1]
    assert "2026年下半年检查表（2 个单位）" in call.params["caption"]
    book = openpyxl.load_workbook(io.BytesIO(call.files[next(iter(call.files))]))
    ws = book["半年检查"]
    head = [c.value for c in ws[1]]
    rows = {r[0].strip("　"): dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert (rows["第一党支部群"]["主题党日"], rows["第一党支部群"]["支部党员大会"]) == (1, 0)
    assert (rows["第一党支部群"]["规定动作（项）"], rows["第一党支部群"]["规定动作已完成"]) == (2, 1)
    assert rows["第一党支部群"]["参会率"] == 0.67
    assert rows["机关党委群"]["规定动作（项）"] == 0  # its own list is not its task
