"""First agenda items: the guided dialogue (across a restart), bad input (a clear reply, nothing
written), and property tests of the parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.i18n import t
from models import agenda as ag
from models.agenda import AgendaItem, AgendaTarget, ItemState
from models.errors import DomainError
from tests.harness import GROUP_ID, MEMBER_ID, find_button
from tests.test_agenda_flow import COMMITTEE, LINE, idle, person_id, two_levels

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


def _without_people(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k != "people"}


async def test_guided_dialogue_survives_a_restart(bot):
    await two_levels(bot)
    await bot.say("/agenda new", user=bot.admin, chat_id=COMMITTEE)
    asked = bot.last_message(COMMITTEE)
    assert "请回复这条消息，写出议题标题" in asked["text"]
    await bot.say("学习贯彻总书记重要讲话精神", user=bot.admin, chat_id=COMMITTEE, reply_to=asked)
    asked = bot.last_message(COMMITTEE)
    assert "原文" in asked["text"]
    await bot.say("ftp://example.cn/a", user=bot.admin, chat_id=COMMITTEE, reply_to=asked)
    assert "须以 http:// 或 https:// 开头" in bot.last_text(COMMITTEE)
    await bot.say("https://www.news.cn/a.htm", user=bot.admin, chat_id=COMMITTEE, reply_to=asked)  # asked again
    kinds = bot.last_message(COMMITTEE)
    assert "四必列" in kinds["text"]

    await bot.stop()
    await bot.start()
    await bot.press(find_button(kinds, "本系统"), user=bot.admin, chat_id=COMMITTEE, message=kinds)
    when = bot.current(COMMITTEE, kinds["message_id"])
    assert "截止日期" in when["text"]
    await bot.press(find_button(when, "7 天内"), user=bot.admin, chat_id=COMMITTEE, message=when)
    card = bot.current(COMMITTEE, kinds["message_id"])
    assert "11月30日" in card["text"] and "本系统" in card["text"]
    # Another admin's hands (a plain member here) cannot publish it.
    await bot.press(find_button(card, "所有下级"), user=bot.member, chat_id=COMMITTEE, message=card)
    assert "只有本单位管理员" in bot.last_answer()
    await bot.press(find_button(card, "所有下级"), user=bot.admin, chat_id=COMMITTEE, message=card)
    assert "已发布" in bot.current(COMMITTEE, kinds["message_id"])["text"]
    await bot.fake.wait_for_message(GROUP_ID, "第一议题 #1")
    async with bot.db() as s:
        item = await s.scalar(select(AgendaItem))
        assert (item.state, item.category) == (ItemState.open, ag.Category.sector)
        assert item.link == "https://www.news.cn/a.htm"
        assert len((await s.scalars(select(AgendaTarget))).all()) == 2


@pytest.mark.parametrize(("line", "expected"), [
    ("标题 | ftp://example.cn/a | 全国 | 11月26日", "须以 http:// 或 https:// 开头"),
    ("标题 | javascript:alert(1) | 全国 | 11月26日", "须以 http:// 或 https:// 开头"),
    ("标题 | https://a.cn | 全国 | 11月20日", "早于发布日期"),
    ("标题 | https://a.cn | 随便 | 11月26日", "不是“四必列”的类别"),
    ("标题 | https://a.cn | 全国", "您写了 3 段"),
    ("标题 | https://a.cn | 全国 | 明年 | 下级", "不是日期"),
    ("标题 | https://a.cn | 全国 | 11月26日 | 上级", "无法识别最后一段"),
])
async def test_bad_items_are_refused_and_nothing_is_written(bot, line, expected):
    await two_levels(bot)
    before = _without_people(await bot.snapshot())
    await bot.say(f"/agenda new {line}", user=bot.admin, chat_id=COMMITTEE)
    assert expected in bot.last_text(COMMITTEE), bot.last_text(COMMITTEE)
    assert "例如" in bot.last_text(COMMITTEE)
    assert _without_people(await bot.snapshot()) == before


async def test_members_cannot_publish_nor_handle_others_measures(bot):
    people = await two_levels(bot)
    before = _without_people(await bot.snapshot())
    await bot.say(f"/agenda new {LINE}", user=bot.member, chat_id=GROUP_ID)
    assert "只有本单位管理员" in bot.last_text(GROUP_ID)
    await bot.say("/measures add 1 梳理清单 | 11月30日", user=bot.member, chat_id=GROUP_ID)
    assert "只有本单位管理员" in bot.last_text(GROUP_ID)
    assert _without_people(await bot.snapshot()) == before

    # A measure for 王同志: neither 张三 nor the admin may touch it; 赵六 (not in the branch) cannot own one.
    await bot.say(f"/agenda new {LINE}", user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/measures add 1 梳理清单 | 11月20日", user=bot.admin, chat_id=GROUP_ID)
    assert "已过" in bot.last_text(GROUP_ID)
    await bot.say("/measures add 1 梳理清单", user=bot.admin, chat_id=GROUP_ID)
    assert "措施内容 | 截止日期" in bot.last_text(GROUP_ID)
    await bot.say("/measures add 1 梳理清单 | 11月30日", user=bot.admin, chat_id=GROUP_ID)
    picker = bot.last_message(GROUP_ID)
    await idle(bot)
    before = _without_people(await bot.snapshot())
    codec = bot.app.bot_data.codec
    await bot.press(codec.encode("agd.mo", 1, await person_id(bot, 2003)), user=bot.admin, message=picker)
    assert "成员" in bot.last_answer()
    assert _without_people(await bot.snapshot()) == before
    await bot.press(find_button(picker, "王同志"), user=bot.admin, message=picker)
    await idle(bot)
    before = _without_people(await bot.snapshot())
    for who in (people["other"], bot.admin):
        await bot.press(codec.encode("agd.md", 1), user=who, chat_id=who["id"])
        assert "不由您负责" in bot.last_answer()
        await bot.press(codec.encode("agd.mp", 1), user=who, chat_id=who["id"])
        assert "不由您负责" in bot.last_answer()
    # Another unit's admin buttons cannot reach this unit's measure or session.
    await bot.press(codec.encode("agd.mo", 1, await person_id(bot, MEMBER_ID)), user=bot.admin, chat_id=COMMITTEE)
    assert "没有措施 #1" in bot.last_answer()
    assert _without_people(await bot.snapshot()) == before


async def test_me_and_settings_show_the_members_part(bot):
    await two_levels(bot)
    await bot.say(f"/agenda new {LINE}", user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/me")
    assert "待自学 #1" in bot.last_text(MEMBER_ID)
    # Studied ("已学习" under the notice) → no longer listed; a second, unstudied item still is.
    notice = await bot.fake.wait_for_message(GROUP_ID, "第一议题 #1")
    await bot.press(find_button(notice, "已学习"), user=bot.member, message=notice)
    await bot.say(f"/agenda new {LINE}", user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/me")
    assert "待自学 #2" in bot.last_text(MEMBER_ID) and "待自学 #1" not in bot.last_text(MEMBER_ID)
    await bot.say("/agenda", user=bot.admin, chat_id=GROUP_ID)
    assert "#1“学习贯彻总书记重要讲话精神”" in bot.last_text(GROUP_ID) and "已学 0/3" in bot.last_text(GROUP_ID)
    await bot.say("/agenda 9", user=bot.admin, chat_id=GROUP_ID)
    assert "没有第一议题 #9" in bot.last_text(GROUP_ID)
    await bot.say("/agenda abc", user=bot.admin, chat_id=GROUP_ID)
    assert "不是议题编号" in bot.last_text(GROUP_ID)


# -- parsers -----------------------------------------------------------------------------------------

def _renders(err: DomainError) -> None:
    for lang in ("zh", "en"):
        assert t(lang, err.key, **err.params)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_item_line_parses_or_says_why(text):
    try:
        spec = ag.parse_item_line(text, now=NOW, tz=TZ)
    except DomainError as err:
        _renders(err)
        return
    assert spec.title and spec.study_by >= NOW and (spec.link or spec.source_text)
    assert spec.link is None or spec.link.startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["", "https://", "http://", "ftp://", "www.", "javascript:"]))
def test_any_source_is_an_http_link_or_text(text, prefix):
    try:
        link, body = ag.parse_source(prefix + text)
    except DomainError as err:
        _renders(err)
        return
    assert (link is None) != (body is None)
    assert link is None or link.lower().startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_measure_line_parses_or_says_why(text):
    try:
        body, deadline = ag.parse_measure_line(text, now=NOW, tz=TZ)
    except DomainError as err:
        _renders(err)
        return
    assert body and deadline > NOW


def test_far_dates_are_refused():
    for line in ("题 | https://a.cn | 全国 | 9999-12-31", "题 | https://a.cn | 全国 | 2030-01-01"):
        with pytest.raises(DomainError) as err:
            ag.parse_item_line(line, now=NOW, tz=TZ)
        assert err.value.key == "agenda.too_far"
    with pytest.raises(DomainError):
        ag.parse_measure_line("措施 | 9999-12-31", now=NOW, tz=TZ)


def test_category_words():
    assert ag.parse_category("全国") == ag.Category.national
    assert ag.parse_category("2") == ag.Category.provincial
    assert ag.parse_category("本行业") == ag.Category.sector
    assert ag.parse_category("市委决策部署") == ag.Category.city


async def test_english_member_private_reminder_and_measures_in_private(bot):
    from tests.test_agenda_flow import local, tick

    await two_levels(bot)
    english = bot.fake.user(2005, "Li", language_code="en")
    bot.fake.set_member(GROUP_ID, english, "member")
    await bot.say("/join", user=english, chat_id=GROUP_ID)
    await bot.say("/start", user=english)
    await bot.say("/agenda new 学习讲话精神 | https://www.news.cn/b.htm | 全省 | 明天", user=bot.admin, chat_id=GROUP_ID)
    await tick(bot, local(24, 9, 1))
    reminder = await bot.fake.wait_for_message(2005, "last day to study")
    assert "https://www.news.cn/b.htm" in reminder["text"]
    await bot.press(find_button(reminder, "Studied"), user=english, chat_id=2005, message=reminder)
    assert "Recorded" in bot.last_answer()
    await bot.say("/measures", user=english, chat_id=GROUP_ID)
    assert "privately" in bot.last_text(GROUP_ID) and "no open measures" in bot.last_text(2005)


async def test_followup_days_setting():
    class FakeUnit:
        options: dict = {}
        updated_at = None

    unit = FakeUnit()
    with pytest.raises(DomainError):
        await ag.set_followup_days(None, unit, "4", NOW)
    await ag.set_followup_days(None, unit, "7", NOW)
    assert ag.followup_days(unit) == 7


async def test_items_reach_sessions_from_the_item_view_and_only_this_units(bot):
    from tests.test_agenda_flow import tick

    await two_levels(bot)
    await bot.say("/session 明天 15:00 研讨交流 学习交流", user=bot.admin, chat_id=COMMITTEE)
    assert "已安排" in bot.last_text(COMMITTEE), bot.last_text(COMMITTEE)
    await tick(bot, bot.clock.now() + timedelta(minutes=1))
    warning = await bot.fake.wait_for_message(COMMITTEE, "尚未列入第一议题")
    assert "/agenda new" in warning["text"] and not warning.get("reply_markup")
    await bot.say("/agenda new 学习讲话精神 | 要点：坚持学以致用 | 市委 | 后天", user=bot.admin, chat_id=COMMITTEE)
    await bot.say("/session 明天 16:00 党课 党课学习", user=bot.admin, chat_id=GROUP_ID)  # the branch's session
    await bot.say("/agenda 1", user=bot.admin, chat_id=COMMITTEE)
    view = bot.last_message(COMMITTEE)
    assert "要点：坚持学以致用" in view["text"]
    await bot.press(find_button(view, "列入学习活动"), user=bot.admin, chat_id=COMMITTEE, message=view)
    menu = bot.last_message(COMMITTEE)
    assert "研讨交流" in menu["text"] + str(menu.get("reply_markup")) and "党课" not in str(menu.get("reply_markup"))
    codec = bot.app.bot_data.codec
    await idle(bot)
    before = _without_people(await bot.snapshot())
    await bot.press(codec.encode("agd.at", 2, 1), user=bot.admin, chat_id=COMMITTEE)  # the branch's session
    assert "按钮已失效" in bot.last_answer()
    assert _without_people(await bot.snapshot()) == before
    await bot.press(find_button(menu, "研讨"), user=bot.admin, chat_id=COMMITTEE, message=menu)
    assert "已将第一议题 #1" in bot.last_text(COMMITTEE)
    await bot.press(find_button(menu, "研讨"), user=bot.admin, chat_id=COMMITTEE, message=menu)
    assert "已在学习活动" in bot.last_text(COMMITTEE)
