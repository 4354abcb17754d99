"""督学 and the other features: the quarterly bulletin orders 补学 items without a session (members
short of their study hours), which members see, are reminded of and hand in with /makeup; first
agenda item figures and measures in /report, its XLSX, the bulletin and the 学习档案 — each read back
from the files the bot sent and checked against the DB."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select, union

from models.agenda import (
    AgendaFollowup, AgendaItem, AgendaMeasure, AgendaSession, AgendaStudy, AgendaTarget, Category, ItemState,
    MeasureState,
)
from models.outbox import Outbox
from models.sessions import ATTENDED, Attendance, Makeup, MakeupState, StudySession
from models.reflections import Reflection
from models.units import Person
from tests.harness import ADMIN_ID, GROUP_ID, MEMBER_ID
from tests.test_reflections_flow import SENTENCE, last, press
from tests.test_sessions import FAST_ROLL
from tests.test_supervise import COMMITTEE, committee_over_branch
from tests.test_units_flow import find_button

BEIJING = ZoneInfo("Asia/Shanghai")
AFTER_Q4 = datetime(2027, 1, 1, 1, 1, tzinfo=UTC)  # 09:01 in Beijing, the day after the quarter
NOTE = "学习了党章和四中全会精神，补足了学时，体会是要学用结合。"


@pytest.fixture
async def bot(start_bot):
    return await start_bot(delivery=FAST_ROLL)


def docx_of(call):
    import docx

    return docx.Document(io.BytesIO(call.files[next(iter(call.files))]))


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


async def ordered(bot) -> list[tuple[Makeup, str]]:
    async with bot.db() as s:
        return [(m, name) for m, name in (await s.execute(
            select(Makeup, Person.first_name).join(Person, Person.id == Makeup.person_id)
            .where(Makeup.session_id.is_(None)).order_by(Makeup.id))).all()]


async def test_quarter_bulletin_orders_makeup_without_a_session(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await bot.say("/start", user=bot.admin)
    clock.set(AFTER_Q4)
    await bot.settle_planner()
    group = await bot.fake.wait_for_message(COMMITTEE, "学习情况通报")
    assert group["document"]["file_name"].endswith(".docx")

    # Everyone is short of the quarter's study hours (2 h at most against 3 months of the yearly target):
    # one item each, without a session, titled; 张三 keeps his item for the missed session too.
    items = await ordered(bot)
    assert sorted(name for _, name in items) == ["张三", "李书记", "王同志"]
    due = datetime(2027, 1, 31, 23, 59, tzinfo=BEIJING).astimezone(UTC)
    for m, _ in items:
        assert (m.title, m.reason, m.state, m.due_at) == (
            "2026年第4季度学时未达标：补足学时并提交学习心得", None, MakeupState.open, due)
    assert await bot.count(Makeup, Makeup.session_id.is_not(None)) == 1

    # The bulletin lists every open item with its due date, the new ones said so.
    sent = [c for c in bot.fake.calls("sendDocument") if c.chat_id == COMMITTEE]
    doc = docx_of(sent[-1])
    paras = [p.text for p in doc.paragraphs]
    assert "本次通报新安排补学 3 项（学时未达标的同志，2027-01-31前完成），已通知本人。" in paras
    listed = table_rows(doc.tables[-1])
    assert listed[0] == ["单位", "姓名", "主题", "截止日期"]
    async with bot.db() as s:
        expected = (await s.execute(
            select(Person.first_name, func.coalesce(StudySession.topic, Makeup.title), Makeup.due_at)
            .join(Person, Person.id == Makeup.person_id)
            .outerjoin(StudySession, StudySession.id == Makeup.session_id)
            .where(Makeup.state == MakeupState.open))).all()
    assert sorted((r[1], r[2], r[3]) for r in listed[1:]) == sorted(
        (name, what, at.astimezone(BEIJING).date().isoformat()) for name, what, at in expected)
    assert len(listed) == 1 + 4

    # Each member is told: privately if they can be reached, else in their unit's group.
    mine = {name: m for m, name in items}
    notice = await bot.fake.wait_for_message(MEMBER_ID, f"补学通知 #{mine['王同志'].id}")
    assert "2026年第4季度学时未达标" in notice["text"]
    assert "第一党支部群要求您补学" in notice["text"]
    admin_notice = await bot.fake.wait_for_message(ADMIN_ID, f"补学通知 #{mine['李书记'].id}")
    assert "机关党委群要求您补学" in admin_notice["text"]
    group_notice = await bot.fake.wait_for_message(GROUP_ID, "须补学（2026年第4季度学时未达标")
    assert "张三" in group_notice["text"]

    # /makeup lists it by its title; handing it in completes it.
    await bot.say("/makeup", user=bot.member)
    listing = bot.last_text(MEMBER_ID)
    assert f"#{mine['王同志'].id} 2026年第4季度学时未达标：补足学时并提交学习心得（第一党支部群）截止" in listing
    await bot.say(f"/makeup {mine['王同志'].id} {NOTE}", user=bot.member)
    assert f"已提交补学 #{mine['王同志'].id}“2026年第4季度学时未达标" in bot.last_text(MEMBER_ID)
    async with bot.db() as s:
        done = await s.get(Makeup, mine["王同志"].id)
    assert (done.state, done.note) == (MakeupState.done, NOTE)

    # Again, on demand (the quarter that just ended) and by the planner: no second item for anyone.
    await bot.say("/report 上季度", user=bot.admin, chat_id=COMMITTEE)
    await bot.press(find_button(bot.fake.sent_messages(COMMITTEE)[-2], "Word"), user=bot.admin, chat_id=COMMITTEE)
    again = docx_of(bot.fake.calls("sendDocument")[-1])
    assert not any("本次通报新安排补学" in p.text for p in again.paragraphs)
    assert len(table_rows(again.tables[-1])) == 1 + 3  # 王同志's item is done
    await bot.settle_planner()
    assert len(await ordered(bot)) == 3

    # An open item is reminded a day before it is due: the admin privately, 张三 in his group.
    clock.set(due - timedelta(days=1) + timedelta(minutes=1))
    await bot.settle_planner()
    reminder = await bot.fake.wait_for_message(ADMIN_ID, f"补学提醒 #{mine['李书记'].id}")
    assert "2026年第4季度学时未达标" in reminder["text"] and "截止" in reminder["text"]
    await bot.fake.wait_for_message(GROUP_ID, "补学提醒")
    assert await bot.count(Outbox, Outbox.kind == "mku_remind", Outbox.person_id == mine["王同志"].person_id) == 0


async def test_a_reflection_completes_an_item_without_a_session(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    clock.set(AFTER_Q4)
    await bot.settle_planner()
    items = {name: m for m, name in await ordered(bot)}
    await bot.say("/reflect", user=bot.member)
    assert "补学：2026年第4季度学时未达标" in str(bot.last_message(MEMBER_ID).get("reply_markup"))
    await press(bot, "补学：2026年第4季度学时未达标", user=bot.member)
    await bot.say(SENTENCE * 3, user=bot.member)
    await press(bot, "提交", user=bot.member)
    assert "已提交" in last(bot, MEMBER_ID)
    async with bot.db() as s:
        item = await s.get(Makeup, items["王同志"].id)
        reflection = await s.scalar(select(Reflection).where(Reflection.person_id == item.person_id))
    assert (item.state, item.note) == (MakeupState.done, f"reflection #{reflection.id}")
    assert reflection.subject_title == "2026年第4季度学时未达标：补足学时并提交学习心得"


# -- first agenda items and measures in the figures -----------------------------------------------------

NOV = lambda day, hour=12: datetime(2026, 11, day, hour, tzinfo=BEIJING).astimezone(UTC)  # noqa: E731


async def agenda_data(bot, committee, branch) -> dict[str, int]:
    """An item published to both units in November: 王同志 pressed "已学习" and attended the session
    carrying it, the admin attended it late; follow-ups for 王同志 (done) and 张三 (open); three
    measures in the branch: done, overdue, and open before its deadline."""
    async with bot.db() as s:
        ids = {p.first_name: p.id for p in await s.scalars(select(Person))}
        ses = await s.scalar(select(StudySession))
        item = AgendaItem(unit_id=committee.id, title="学习总书记重要讲话精神", category=Category.national,
                          study_by=NOV(26, 23), to_below=True, state=ItemState.open, created_at=NOV(20),
                          published_at=NOV(20))
        s.add(item)
        await s.flush()
        s.add_all([AgendaTarget(item_id=item.id, unit_id=u.id, created_at=NOV(20)) for u in (committee, branch)])
        s.add(AgendaStudy(item_id=item.id, person_id=ids["王同志"], unit_id=branch.id, studied_at=NOV(21)))
        s.add(AgendaSession(session_id=ses.id, item_id=item.id, created_at=NOV(21), followups_at=NOV(24, 16)))
        s.add_all([
            AgendaFollowup(item_id=item.id, person_id=ids["王同志"], unit_id=branch.id, session_id=ses.id,
                           due_at=NOV(27, 23), done_at=NOV(24, 17), created_at=NOV(24, 16)),
            AgendaFollowup(item_id=item.id, person_id=ids["张三"], unit_id=branch.id, session_id=ses.id,
                           due_at=NOV(27, 23), created_at=NOV(24, 16)),
            AgendaMeasure(item_id=item.id, unit_id=branch.id, text="建立周学习制度", owner_id=ids["王同志"],
                          deadline=NOV(23, 23), state=MeasureState.done, created_at=NOV(21), done_at=NOV(22)),
            AgendaMeasure(item_id=item.id, unit_id=branch.id, text="整理学习笔记", owner_id=ids["李书记"],
                          deadline=NOV(24, 0), state=MeasureState.open, created_at=NOV(21)),
            AgendaMeasure(item_id=item.id, unit_id=branch.id, text="撰写调研报告", owner_id=ids["李书记"],
                          deadline=NOV(28, 23), state=MeasureState.open, created_at=NOV(21)),
        ])
        await s.commit()
        # The figures, from the DB independently of models/figures.py.
        pressed = select(AgendaStudy.item_id, AgendaStudy.person_id)
        attended = (select(AgendaSession.item_id, Attendance.person_id)
                    .join(Attendance, Attendance.session_id == AgendaSession.session_id)
                    .where(Attendance.status.in_(ATTENDED)))
        both = union(pressed, attended).subquery()
        now = bot.clock.now()
        return {
            "agenda_studied": await s.scalar(select(func.count()).select_from(both)),
            "followups": await bot.count(AgendaFollowup),
            "followups_done": await bot.count(AgendaFollowup, AgendaFollowup.done_at.is_not(None)),
            "measures_done": await bot.count(AgendaMeasure, AgendaMeasure.state == MeasureState.done),
            "measures_overdue": await bot.count(AgendaMeasure, AgendaMeasure.state == MeasureState.open,
                                                AgendaMeasure.deadline <= now),
        }


LABELS = {"agenda_studied": "第一议题学习（人次）", "followups": "会后督学（人次）", "followups_done": "会后督学已完成",
          "measures_done": "落实措施已完成", "measures_overdue": "落实措施逾期"}


async def test_agenda_figures_in_report_xlsx_and_bulletin(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    want = await agenda_data(bot, committee, branch)
    assert want == {"agenda_studied": 2, "followups": 2, "followups_done": 1, "measures_done": 1,
                    "measures_overdue": 1}
    await bot.say("/report 月", user=bot.admin, chat_id=COMMITTEE)
    text = bot.texts(COMMITTEE)[-2]
    for name, label in LABELS.items():
        assert f"• {label}：{want[name]}" in text

    report = bot.fake.sent_messages(COMMITTEE)[-2]
    await bot.press(find_button(report, "XLSX"), user=bot.admin, chat_id=COMMITTEE)
    book = openpyxl.load_workbook(io.BytesIO(bot.fake.calls("sendDocument")[-1].files.popitem()[1]))
    units = book["单位汇总"]
    head = [c.value for c in units[1]]
    for row in units.iter_rows(min_row=2, values_only=True):  # both units: everything is in the branch
        assert {name: dict(zip(head, row))[label] for name, label in LABELS.items()} == want

    await bot.press(find_button(report, "Word"), user=bot.admin, chat_id=COMMITTEE)
    doc = docx_of(bot.fake.calls("sendDocument")[-1])
    assert "第一议题学习与落实措施：" in [p.text for p in doc.paragraphs]
    agenda = table_rows(doc.tables[1])
    assert agenda[0] == ["单位", *LABELS.values()]
    for row in agenda[1:]:
        assert row[1:] == [str(want[name]) for name in LABELS]


async def test_archive_has_the_agenda_sheet(bot, clock):
    committee, branch = await committee_over_branch(bot, clock)
    await agenda_data(bot, committee, branch)
    await bot.say("/export", user=bot.admin, chat_id=COMMITTEE)
    book = openpyxl.load_workbook(io.BytesIO(bot.fake.calls("sendDocument")[-1].files.popitem()[1]))
    assert book.sheetnames[-1] == "第一议题与落实措施"
    ws = book["第一议题与落实措施"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    head = [c.value for c in ws[1]]
    assert head == ["单位", "第一议题", "类别", "发布日期", "学习截止", "已学习（人）", "会后督学（人）",
                    "督学已完成（人）", "落实措施", "责任人", "措施期限", "措施状态", "完成日期"]
    assert all(ws.column_dimensions[c.column_letter].width >= 2 * len(c.value) for c in ws[1])  # fits the header
    assert ws.column_dimensions["B"].width >= len("学习总书记重要讲话精神") * 2
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    async with bot.db() as s:
        measures = (await s.execute(
            select(AgendaMeasure, Person.first_name).join(Person, Person.id == AgendaMeasure.owner_id)
            .order_by(AgendaMeasure.deadline))).all()
    # The committee received it (no measures there: one row); the branch a row per measure.
    assert [(r["单位"], r["落实措施"] or "") for r in rows] == [
        ("机关党委群", ""), *(("第一党支部群", m.text) for m, _ in measures)]
    branch_rows = rows[1:]
    for r, (m, owner) in zip(branch_rows, measures):
        assert r["责任人"] == owner
        assert r["措施期限"].date() == m.deadline.astimezone(BEIJING).date()  # a date cell
        assert isinstance(r["发布日期"], datetime) and r["发布日期"].date() == date(2026, 11, 20)
        assert (r["已学习（人）"], r["会后督学（人）"], r["督学已完成（人）"]) == (2, 2, 1)
    assert [r["措施状态"] for r in branch_rows] == ["已完成", "已逾期", "进行中"]
    assert branch_rows[0]["完成日期"].date() == date(2026, 11, 22)
    assert rows[0]["已学习（人）"] == 0  # nobody studied it in the committee itself
    assert ws.cell(2, 4).number_format == "yyyy-mm-dd"
