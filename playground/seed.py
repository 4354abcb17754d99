"""The demo organisation's history, made through the domain functions, and its live start made through
the stand-in (real updates, so what the page shows is what the bot did).

`history` runs before the bot starts, on an empty database: units, members, three weeks of sessions
with check-ins, a leave and absences (closed, so 补学 exists), study logged, a reflection written and
approved, a first agenda item half studied, a quiz bank and a finished contest. `live` runs once the
bot is up: the first branch's secretary schedules a session starting soon and two members check in,
so the group shows a live roll from the first minute.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fakebot import FakeBotAPI
from models.agenda import Category, ItemSpec, create_item, mark_studied, publish
from models.reflections import Grade, add_part, approve, candidate_subjects, open_draft, submit
from models.selfstudy import ItemIn, ItemKind, log_study, save_plan
from models.sessions import (
    SessionKind,
    SessionSpec,
    Via,
    ask_leave,
    checkin,
    close_session,
    create_session,
    decide_leave,
)
from models.units import (
    PersonIn,
    Role,
    Unit,
    UnitKind,
    bind_unit,
    join_unit,
    set_parent,
    set_private_ok,
    unit_by_chat,
    upsert_person,
)
from models.youth import (
    QuestionIn,
    add_questions,
    advance_contest,
    choose_bank,
    mark_round_sent,
    record_answer,
    set_youth,
    start_contest,
)
from playground import cast

log = logging.getLogger("wuxue.playground")

TOPICS = (
    (SessionKind.theme_day, "主题党日：学习贯彻党的二十届四中全会精神"),
    (SessionKind.lecture, "党课：弘扬伟大建党精神"),
    (SessionKind.member_meeting, "支部党员大会：学习《中国共产党纪律处分条例》"),
)
READINGS = ("《习近平谈治国理政》第四卷", "《中国共产党章程》", "学习强国每日答题", "《党的二十大报告》辅导读本",
            "《求是》杂志最新一期")
QUIZ = (
    ("中国共产党第一次全国代表大会于哪一年召开？", ("1919年", "1921年", "1927年", "1949年"), 1, "1921年7月在上海召开。"),
    ("“三会一课”中的“一课”指什么？", ("党课", "团课", "业务课", "公开课"), 0, None),
    ("党的最高领导机关是什么？", ("中央委员会", "全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处"),
     1, "见《中国共产党章程》第十条。"),
    ("预备党员的预备期为多长？", ("半年", "一年", "两年", "三年"), 1, None),
    ("党支部党员大会一般每季度召开几次？", ("一次", "两次", "三次", "每月一次"), 0, None),
)


async def seeded(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        return await unit_by_chat(session, cast.GROUP["b1"].chat_id) is not None


async def history(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> None:
    """Write the demo organisation and a few weeks of its history (times before `now`)."""
    tz = ZoneInfo(cast.TIMEZONE)
    rng = random.Random(19)
    start = now - timedelta(days=28)
    async with sessions.begin() as session:
        people = {}
        for p in cast.PERSONAS:
            person = await upsert_person(session, who=PersonIn(p.tg_id, p.name, None, p.username, "zh"), now=start)
            await set_private_ok(session, person=person, ok=True, now=start)
            people[p.key] = person
        units: dict[str, Unit] = {}
        for g in cast.GROUPS:
            unit, _ = await bind_unit(session, chat_id=g.chat_id, title=g.title, kind=UnitKind(g.kind),
                                      by=people[cast.secretary(g.key).key], now=start, timezone=cast.TIMEZONE)
            unit.bot_is_admin = True
            units[g.key] = unit
        for g in cast.GROUPS:
            if g.parent:
                await set_parent(session, unit=units[g.key], parent=units[g.parent], now=start)
            for p in cast.members(g.key):
                role = Role.admin if g.key in p.admin_of else Role.member
                await join_unit(session, unit=units[g.key], person=people[p.key], source="seed", now=start, role=role)
        for p in cast.PERSONAS:
            if p.youth:
                await set_youth(session, person=people[p.key], by=people["sunyue"], now=start, flag=True)

    # Three weekly sessions in each branch: most check in, one asks leave (approved), one stays away.
    past_sessions = {}
    for branch in ("b1", "b2"):
        for weeks_ago, (kind, topic) in zip((3, 2, 1), TOPICS, strict=True):
            day = (now.astimezone(tz) - timedelta(weeks=weeks_ago)).date()
            begins = datetime.combine(day, time(15, 0), tz)
            async with sessions.begin() as session:
                unit = await unit_by_chat(session, cast.GROUP[branch].chat_id)
                secretary = people[cast.secretary(branch).key]
                spec = SessionSpec(kind=kind, starts_at=begins, ends_at=begins + timedelta(minutes=90), topic=topic,
                                   place="三楼会议室", presenter=cast.secretary(branch).name)
                ses = await create_session(session, unit=unit, spec=spec, by=secretary, now=begins - timedelta(days=2))
                crew = cast.members(branch)
                away = crew[(weeks_ago + 1) % len(crew)] if weeks_ago != 3 else None
                leave = crew[(weeks_ago + 3) % len(crew)]
                for i, p in enumerate(crew):
                    if p is away:
                        continue
                    if p is leave:
                        await ask_leave(session, ses=ses, unit=unit, person=people[p.key], reason="出差",
                                        now=begins - timedelta(hours=5))
                        await decide_leave(session, ses=ses, person_id=people[p.key].id, approve=True, by=secretary,
                                           now=begins - timedelta(hours=4))
                        continue
                    late = 8 if i == 2 and weeks_ago == 2 else -10 + i
                    await checkin(session, ses=ses, unit=unit, person=people[p.key], via=Via.button,
                                  now=begins + timedelta(minutes=late))
                await close_session(session, ses=ses, now=ses.closes_at + timedelta(minutes=1))
                past_sessions[(branch, weeks_ago)] = ses

    # Study logged on most days, by everyone (the figures, /me and the archives have something to show).
    for p in cast.PERSONAS:
        unit_key = (p.admin_of + p.member_of)[0]
        async with sessions.begin() as session:
            unit = await unit_by_chat(session, cast.GROUP[unit_key].chat_id)
            for days_ago in range(24, 0, -1):
                if rng.random() < 0.35:
                    continue
                day = (now.astimezone(tz) - timedelta(days=days_ago)).date()
                at = datetime.combine(day, time(20, 30), tz)
                await log_study(session, person=people[p.key], minutes=rng.choice((20, 30, 45, 60, 90)), day=day,
                                what=rng.choice(READINGS), unit_id=unit.id, today=day, now=at)

    # This week's and next week's plan in the first branch (the weekly reminder shows it).
    async with sessions.begin() as session:
        unit = await unit_by_chat(session, cast.GROUP["b1"].chat_id)
        monday = now.astimezone(tz).date() - timedelta(days=now.astimezone(tz).weekday())
        for week in (monday, monday + timedelta(days=7)):
            await save_plan(session, unit=unit, week_start=week, minutes=180, by=people["liming"], now=start, items=[
                ItemIn(ItemKind.required, "《中国共产党章程》总纲"),
                ItemIn(ItemKind.required, "党的二十届四中全会公报"),
                ItemIn(ItemKind.optional, "《习近平谈治国理政》第四卷 第一专题"),
            ])

    # 王芳's reflection on last week's session, approved by the secretary.
    ses = past_sessions[("b1", 1)]
    async with sessions.begin() as session:
        author = await upsert_person(session, who=PersonIn(90002, "王芳", None, "wangfang", "zh"), now=ses.ends_at)
        at = ses.ends_at + timedelta(hours=20)
        subject = next((s for s in await candidate_subjects(session, person=author, now=at) if s.ref_id == ses.id),
                       None)
        if subject is not None:
            draft = await open_draft(session, person=author, subject=subject, now=at)
            await add_part(session, reflection=draft, person=author, message_id=1, now=at, text=(
                "通过这次党员大会的学习，我进一步认识到严明纪律的重要性。今后要把纪律规矩内化于心、外化于行，"
                "在日常工作中对照条例查找不足，做到知敬畏、存戒惧、守底线。"
                "结合本岗位，我将从三个方面抓好落实：一是坚持每周自学不少于三小时，认真学习党章党规；"
                "二是在窗口服务中严守廉洁纪律，主动接受群众监督；三是带头参加支部组织生活，及时向组织汇报思想。"))
            await submit(session, reflection=draft, person=author, now=at + timedelta(minutes=5))
            reviewer = await upsert_person(session, who=PersonIn(90001, "李明", None, "liming", "zh"), now=at)
            await approve(session, reflection=draft, reviewer=reviewer, grade=Grade.good,
                          comment="体会真切，联系实际，望继续保持。", now=at + timedelta(hours=3))

    # A first agenda item (第一议题) from the 机关党委, sent down to every unit, studied by about half.
    async with sessions.begin() as session:
        top = await unit_by_chat(session, cast.GROUP["jg"].chat_id)
        at = now - timedelta(days=6)
        item = await create_item(session, unit=top, by=people["zhangjg"], now=at, spec=ItemSpec(
            title="习近平总书记在中央政治局集体学习时的重要讲话", link=None,
            source_text="深入学习领会讲话精神，结合本单位实际抓好贯彻落实。", category=Category.national,
            study_by=now + timedelta(days=4), cascade=True))
        await publish(session, item=item, unit=top, cascade=True, now=at)
        for n, p in enumerate(cast.PERSONAS):
            if n % 2 == 0:
                unit = await unit_by_chat(session, cast.GROUP[(p.admin_of + p.member_of)[0]].chat_id)
                await mark_studied(session, item=item, unit=unit, person=people[p.key], now=at + timedelta(hours=n))

    # The youth group's quiz bank and a contest ten days ago.
    async with sessions.begin() as session:
        unit = await unit_by_chat(session, cast.GROUP["qn"].chat_id)
        at = now - timedelta(days=10)
        leader = people["sunyue"]
        bank = await choose_bank(session, unit=unit, name="党史知识", by=leader, now=at)
        await add_questions(session, bank=bank, now=at, items=[QuestionIn(q, o, c, e) for q, o, c, e in QUIZ])
        contest, rounds, _first_poll = await start_contest(session, unit=unit, bank=bank, by=leader, count=None,
                                                           seconds=20, now=at)
        players = [people[k] for k in ("sunyue", "liuyang", "wumin", "zhenghao")]
        opened = at + timedelta(seconds=5)
        for rnd in rounds:
            await mark_round_sent(session, contest_id=contest.id, seq=rnd.seq, poll_id=f"seed-{contest.id}-{rnd.seq}",
                                  message_id=0, now=opened)
            for k, player in enumerate(players):
                choice = rnd.correct if (k + rnd.seq) % 4 else (rnd.correct + 1) % len(rnd.options)
                await record_answer(session, poll_id=f"seed-{contest.id}-{rnd.seq}", person=player,
                                    option_ids=[choice], now=opened + timedelta(seconds=3 + 2 * k + rnd.seq))
            opened += timedelta(seconds=30)
        await advance_contest(session, contest=contest, now=opened + timedelta(minutes=1))
    log.info("playground: demo organisation seeded")


async def live(fake: FakeBotAPI, *, now: datetime) -> None:
    """Drive the running bot: a session starting soon in the first branch, and two members checking in."""
    tz = ZoneInfo(cast.TIMEZONE)
    begins = (now + timedelta(minutes=25)).astimezone(tz)
    begins = begins.replace(minute=begins.minute - begins.minute % 5, second=0, microsecond=0)
    b1 = cast.GROUP["b1"].chat_id
    since = len(fake.sent_messages())
    fake.message(b1, cast.tg_user(cast.PERSONA["liming"]),
                 f"/session {begins:%Y-%m-%d %H:%M} 主题党日 学习贯彻党的二十届四中全会精神 @三楼会议室")
    announcement = await fake.wait_for_message(b1, "📢", since=since)
    data = next((b["callback_data"] for row in announcement.get("reply_markup", {}).get("inline_keyboard", [])
                 for b in row if "签到" in b["text"] and b.get("callback_data")), None)
    if data is None:
        log.warning("playground: the announcement has no 签到 button")
        return
    for key in ("wangfang", "chenjing"):
        fake.callback(b1, cast.tg_user(cast.PERSONA[key]), data, message=fake.messages[(b1, announcement["message_id"])])
