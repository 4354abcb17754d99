"""督学 reports end to end: a committee above a branch; sessions, study and 补学 in the branch;
/report, its XLSX and /export from the committee's group, read back and checked against the DB."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fontTools.ttLib import TTFont
from sqlalchemy import func, select, update

from bot.reports.charts import cjk_font
from bot.i18n import catalog
from models.outbox import Outbox
from models.sessions import Attendance, Makeup, SessionState, Status, StudySession
from models.units import Unit
from tests.harness import GROUP_ID
from tests.test_sessions import FAST_ROLL, TOMORROW_15, quiet, schedule, setup_unit
from tests.test_units_flow import find_button

COMMITTEE = -1001000000009


@pytest.fixture
async def bot(start_bot):
    """The live roll may be edited at once, so the outbox settles quickly (see `quiet`)."""
    return await start_bot(delivery=FAST_ROLL)


async def committee_over_branch(bot, clock) -> tuple[Unit, Unit]:
    """A branch (the admin, 王同志, 张三) under a committee; one closed session (王同志 present,
    张三 absent → 补学, the admin late) and 30 minutes of self-study by 王同志."""
    other = await setup_unit(bot)
    bot.group(COMMITTEE, "机关党委群")
    await bot.say("/bind 机关党委", user=bot.admin, chat_id=COMMITTEE)
    async with bot.db() as s:
        branch = await s.scalar(select(Unit).where(Unit.chat_id == GROUP_ID))
        committee = await s.scalar(select(Unit).where(Unit.chat_id == COMMITTEE))
    # Placing the branch is the units feature's (buttons); here it is only the setting.
    async with bot.db() as s:
        await s.execute(update(Unit).where(Unit.id == branch.id).values(parent_id=committee.id))
        await s.commit()
    announcement = await schedule(bot)
    clock.set(TOMORROW_15 - timedelta(minutes=10))
    await bot.press(find_button(announcement, "签到"), user=bot.member, message=announcement)
    clock.set(TOMORROW_15 + timedelta(minutes=10))
    await bot.say("签到", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/study 30 学习党章", user=bot.member, chat_id=GROUP_ID)
    clock.set(TOMORROW_15 + timedelta(minutes=31))
    await bot.settle_planner()
    async with bot.db() as s:
        assert await s.scalar(select(StudySession.state)) == SessionState.closed
        assert await s.scalar(select(func.count()).select_from(Makeup)) == 1
    del other
    return committee, branch


def cjk_covered(text: str) -> set[str]:
    """Characters of `text` the chart font has no glyph for."""
    path, _ = cjk_font()
    cmap = TTFont(path, fontNumber=0, lazy=True).getBestCmap()
    return {c for c in text if not c.isspace() and ord(c) not in cmap}


async def test_report_chart_and_xlsx_match_the_database(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/report 月", user=bot.admin, chat_id=COMMITTEE)
    text = bot.texts(COMMITTEE)[-2]
    assert "机关党委群 · 2026年11月学习情况" in text
    assert "成员 3 人 · 学习活动 1 场" in text  # the admin, in both units, counts once
    assert "参会率 <b>67%</b>" not in text  # HTML is rendered by Telegram, not shown
    assert "参会率 67%（实到 2/应到 3；迟到 1、请假 0、缺席 1）" in text
    assert "补学 未完成 1 项 · 已完成 0 项" in text
    assert "1. 第一党支部群：参会率 67%" in text
    photo = bot.fake.calls("sendPhoto")[-1]
    png = photo.files[next(iter(photo.files))]
    assert png.startswith(b"\x89PNG")
    chart_texts = [v for k, v in catalog("zh").items() if k.startswith(("sv.chart.", "sv.bucket."))]
    assert not cjk_covered("".join(chart_texts) + "机关党委群第一党支部群2026年11月")

    await bot.press(find_button(bot.fake.sent_messages(COMMITTEE)[-2], "XLSX"), user=bot.admin, chat_id=COMMITTEE)
    doc = bot.fake.calls("sendDocument")[-1]
    assert doc.filenames and next(iter(doc.filenames.values())).endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(doc.files[next(iter(doc.files))]))
    assert book.sheetnames == ["单位汇总", "成员"]
    units = book["单位汇总"]
    assert units.freeze_panes == "A2"
    head = [c.value for c in units[1]]
    rows = {r[0].strip("　"): dict(zip(head, r)) for r in units.iter_rows(min_row=2, values_only=True)}
    async with bot.db() as s:
        expected = await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.expected))
        attended = await s.scalar(select(func.count()).select_from(Attendance).where(
            Attendance.status.in_([Status.present, Status.late])))
    for name in ("机关党委群", "第一党支部群"):
        row = rows[name]
        assert (row["应到"], row["实到"], row["迟到"], row["缺席"], row["补学未完成"]) == (expected, attended, 1, 1, 1)
        assert row["参会率"] == round(100 * attended / expected) / 100
    members = book["成员"]
    head = [c.value for c in members[1]]
    by_name = {(r[0], r[1]): dict(zip(head, r)) for r in members.iter_rows(min_row=2, values_only=True)}
    wang = by_name[("第一党支部群", "王同志")]
    assert (wang["实到"], wang["学时（小时）"]) == (1, round((30 + 90) / 60, 1))  # self-study and the session
    assert by_name[("第一党支部群", "张三")]["补学未完成"] == 1


async def test_export_archive_has_a_sheet_per_topic(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/export", user=bot.admin, chat_id=COMMITTEE)
    assert "学习档案" in bot.last_text(COMMITTEE)
    doc = bot.fake.calls("sendDocument")[-1]
    book = openpyxl.load_workbook(io.BytesIO(doc.files[next(iter(doc.files))]))
    assert book.sheetnames == ["单位汇总", "成员", "学习活动与考勤", "学习记录", "心得体会", "补学", "第一议题与落实措施"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.column_dimensions["A"].width > 4
    att = list(book["学习活动与考勤"].iter_rows(min_row=2, values_only=True))
    assert len(att) == await bot.count(Attendance, Attendance.expected)
    day = att[0][0]
    assert (day.year, day.month, day.day) == (2026, 11, 24)  # a date cell, not text
    statuses = sorted(r[5] for r in att)
    assert statuses == ["出席", "缺席", "迟到"]
    study = list(book["学习记录"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3], r[5]) for r in study] == [("王同志", 30, "学习党章")]
    makeups = list(book["补学"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4]) for r in makeups] == [("张三", "未完成")]


async def test_bad_report_inputs_write_nothing(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await quiet(bot)
    before = await bot.snapshot()
    await bot.say("/report 明年", user=bot.admin, chat_id=COMMITTEE)
    assert "无法识别统计周期“明年”" in bot.last_text(COMMITTEE) and "/report 季度" in bot.last_text(COMMITTEE)
    await bot.say("/report 月 第九支部", user=bot.admin, chat_id=COMMITTEE)
    assert "未找到单位“第九支部”" in bot.last_text(COMMITTEE)
    await bot.say("/report 月 机关党委群", user=bot.admin, chat_id=GROUP_ID)
    assert "不是“第一党支部群”或其下级单位" in bot.last_text(GROUP_ID)
    await bot.say("/report 去年", user=bot.admin, chat_id=COMMITTEE)
    assert "2025年尚无数据" in bot.last_text(COMMITTEE)
    await bot.say("/export 上周", user=bot.admin, chat_id=COMMITTEE)
    assert "尚无数据" in bot.last_text(COMMITTEE)
    assert not bot.fake.calls("sendDocument")
    # a forged button for a unit outside this chat's tree
    codec = bot.app.bot_data.codec
    await bot.press(codec.encode("sv.x", committee.id, "month", 739000), user=bot.admin, chat_id=GROUP_ID)
    assert bot.last_answer() and not bot.fake.calls("sendDocument")
    people = lambda snap: {k: v for k, v in snap.items() if k != "people"}  # noqa: E731
    assert people(await bot.snapshot()) == people(before)


async def test_report_of_a_named_unit_and_in_english(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/report 第一党支部群", user=bot.admin, chat_id=COMMITTEE)
    assert "第一党支部群 · 2026年11月学习情况" in bot.texts(COMMITTEE)[-2]
    english = bot.fake.user(1001, "李书记", language_code="en")
    await bot.say("/report last week", user=english, chat_id=COMMITTEE)
    assert "has no data for the week from 2026-11-16" in bot.last_text(COMMITTEE)
    await bot.say("/report quarter", user=english, chat_id=COMMITTEE)
    assert "study in 2026 Q4" in bot.texts(COMMITTEE)[-2]


async def test_bulletin_docx_matches_the_database(bot, clock):
    import docx

    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/report 季度", user=bot.admin, chat_id=COMMITTEE)
    await bot.press(find_button(bot.fake.sent_messages(COMMITTEE)[-2], "Word"), user=bot.admin, chat_id=COMMITTEE)
    call = bot.fake.calls("sendDocument")[-1]
    assert next(iter(call.filenames.values())).endswith(".docx")
    doc = docx.Document(io.BytesIO(call.files[next(iter(call.files))]))
    paras = [p.text for p in doc.paragraphs]
    assert paras[0] == "机关党委群2026年第4季度学习情况季通报"
    assert "通报期间：2026年第4季度（2026-10-01 至 2026-12-31）" in paras
    for heading in ("一、总体情况", "二、各单位成员情况", "三、参会率与学时完成率排名", "四、红榜", "五、黑榜（未达要求）", "六、补学名单"):
        assert heading in paras
    overview = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    head = overview[0]
    total = dict(zip(head, overview[1]))
    assert (total["单位"], total["应到"], total["实到"], total["缺席"], total["参会率"]) == ("机关党委群", "3", "2", "1", "67%")
    black = [[c.text for c in r.cells] for table in doc.tables for r in table.rows if r.cells[0].text == "张三"]
    assert ["张三", "第一党支部群", "0%", "1", "0%", "0"] in black  # on the 黑榜
    makeups = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    async with bot.db() as s:
        item = await s.scalar(select(Makeup))
    assert makeups[1] == ["第一党支部群", "张三", "学习贯彻四中全会精神",
                          item.due_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()]
    assert len(doc.inline_shapes) == 1  # the chart


async def test_quarter_end_bulletin_goes_through_the_outbox(bot, clock):
    import docx

    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/start", user=bot.admin)  # the admin can be reached privately
    clock.set(datetime(2027, 1, 1, 1, 1, tzinfo=UTC))  # 09:01 in Beijing, the day after the quarter
    await bot.settle_planner()
    async with bot.db() as s:
        rows = (await s.scalars(select(Outbox).where(Outbox.kind == "bulletin").order_by(Outbox.id))).all()
    assert [r.chat_id for r in rows] == [COMMITTEE, bot.admin["id"]]
    assert all(r.dedupe_key.startswith(f"bulletin:{committee.id}:2026-10-01") for r in rows)
    group = await bot.fake.wait_for_message(COMMITTEE, "学习情况通报")
    assert group["document"]["file_name"].endswith(".docx")
    await bot.fake.wait_for_message(bot.admin["id"], "学习情况通报")
    sent = [c for c in bot.fake.calls("sendDocument") if c.chat_id == COMMITTEE]
    doc = docx.Document(io.BytesIO(sent[-1].files[next(iter(sent[-1].files))]))
    assert doc.paragraphs[0].text == "机关党委群2026年第4季度学习情况季通报"
    await bot.settle_planner()  # planning again sends nothing twice
    assert await bot.count(Outbox, Outbox.kind == "bulletin") == 2
