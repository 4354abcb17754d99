"""整改台账 end to end: the committee adds an item for a branch, the branch reports progress, the
committee closes it; the biweekly progress post goes through the outbox; bad input writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.i18n import t
from models.errors import DomainError
from models.supervise import Rectification, RectProgress, RectState, parse_rect
from tests.harness import GROUP_ID
from tests.test_sessions import FAST_ROLL, quiet
from tests.test_supervise import COMMITTEE, committee_over_branch

ADD = "/rectify add 学习记录不全 | 张书记 | 第一党支部群 | 12月31日 | 补齐记录并建立周检查制度"


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


async def test_add_progress_close_and_the_ledger(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say(ADD, user=bot.admin, chat_id=COMMITTEE)
    assert "已登记整改事项 #1：学习记录不全（责任单位：第一党支部群，期限：2026-12-31）" in bot.last_text(COMMITTEE)
    await bot.say("/rectify 1 已补齐十月、十一月记录", user=bot.admin, chat_id=GROUP_ID)
    assert "已记录 #1“学习记录不全”的整改进展" in bot.last_text(GROUP_ID)
    await bot.say("/rectify close 1", user=bot.admin, chat_id=GROUP_ID)
    assert "由登记它的上级单位销号" in bot.last_text(GROUP_ID)
    await bot.say("/rectify", user=bot.admin, chat_id=COMMITTEE)
    ledger = bot.last_text(COMMITTEE)
    assert "机关党委群整改台账：已销号 0/1（完成率 0%）" in ledger
    assert "牵头：张书记 · 责任单位：第一党支部群 · 期限：2026-12-31" in ledger
    assert "进展（1 次）：已补齐十月、十一月记录" in ledger
    await bot.say("/rectify close 1 经检查已整改到位", user=bot.admin, chat_id=COMMITTEE)
    assert "#1“学习记录不全”已销号" in bot.last_text(COMMITTEE)
    await bot.say("/rectify", user=bot.admin, chat_id=COMMITTEE)
    assert "已销号 1/1（完成率 100%）" in bot.last_text(COMMITTEE)
    async with bot.db() as s:
        rect = await s.scalar(select(Rectification))
        progress = (await s.scalars(select(RectProgress.text))).all()
    assert (rect.state, rect.responsible_id, rect.unit_id, rect.closed_note) == (
        RectState.closed, branch.id, committee.id, "经检查已整改到位")
    assert progress == ["已补齐十月、十一月记录"]


async def test_biweekly_progress_post(bot, clock):
    await committee_over_branch(bot, clock)
    await bot.say(ADD, user=bot.admin, chat_id=COMMITTEE)
    clock.set(datetime(2026, 11, 30, 1, 1, tzinfo=UTC))  # Monday 09:01 in Beijing, ISO week 49: odd
    await bot.settle_planner()
    await quiet(bot)
    assert not any("整改进展通报" in text for text in bot.texts(COMMITTEE))
    clock.set(datetime(2026, 12, 7, 1, 1, tzinfo=UTC))  # week 50: the post
    await bot.settle_planner()
    post = await bot.fake.wait_for_message(COMMITTEE, "整改进展通报")
    assert "#1</b> 学习记录不全" in post["text"] or "#1 学习记录不全" in post["text"]
    await bot.settle_planner()
    await quiet(bot)
    assert sum("整改进展通报" in text for text in bot.texts(COMMITTEE)) == 1


async def test_bad_rectify_inputs_write_nothing(bot, clock):
    await committee_over_branch(bot, clock)
    await bot.say(ADD, user=bot.admin, chat_id=COMMITTEE)
    await quiet(bot)
    before = await bot.snapshot()
    cases = [
        (COMMITTEE, "/rectify add 学习记录不全 | 张书记", "要写五部分"),
        (COMMITTEE, "/rectify add 问题 | 张书记 | 第九支部 | 12月31日 | 措施", "未找到单位“第九支部”"),
        (COMMITTEE, "/rectify add 问题 | 张书记 | 第一党支部群 | 11月1日 | 措施", "已过"),
        (COMMITTEE, "/rectify add 问题 | 张书记 | 第一党支部群 | 不知道 | 措施", "不知道"),
        (GROUP_ID, "/rectify add 问题 | 张书记 | 机关党委群 | 12月31日 | 措施", "不是“第一党支部群”或其下级单位"),
        (COMMITTEE, "/rectify 9 进展", "没有 #9"),
        (COMMITTEE, "/rectify 1", "请写进展内容"),
        (COMMITTEE, "/rectify 好", "用法"),
        (COMMITTEE, "/rectify close x", "用法"),
    ]
    for chat, text, expected in cases:
        await bot.say(text, user=bot.admin, chat_id=chat)
        assert expected in bot.last_text(chat), (text, bot.last_text(chat))
    people = lambda snap: {k: v for k, v in snap.items() if k != "people"}  # noqa: E731
    assert people(await bot.snapshot()) == people(before)


@given(st.text(max_size=300))
def test_any_ledger_line_parses_or_says_why(raw):
    try:
        item = parse_rect(raw, today=date(2026, 11, 24))
    except DomainError as err:
        assert t("zh", err.key, **err.params) and t("en", err.key, **err.params)
    else:
        assert item.problem and item.lead and item.unit and item.measures and item.due_on >= date(2026, 11, 24)
