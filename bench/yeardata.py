"""A year in the life of an organisation, for the self-study benchmarks: `units` (100) units of
`per_unit` (100) members each, and one year of what they do, written with bulk Core inserts.

Per member and year (about 2 million rows for 10,000 members):
  * study entries: 0–3 a week (1.5 on average), 20–120 minutes each;
  * sessions: every unit holds one about every 10 days (3 a month: 支部党员大会, 党小组会, 主题党日, 党课…),
    everyone expected; 87 % present, 4 % late, 5 % on approved leave, 4 % absent, each absence a 补学
    item (a fifth of them still open); one session per unit scheduled next week;
  * weekly plans for every unit and week (2 required items, 1 optional), each member marking about
    one item done a week;
  * reading lists (10 for the whole organisation, 3 per unit), about half of them read;
  * 12 reflections; 2 first agenda items (第一议题) a month per unit, 90 % marked studied, a
    measure each; one leave period (/away) of 3–10 days.

The root unit (机关党委) is the parent of the 99 others. Member i has Telegram id MEMBER_BASE + i and
sits in unit i // per_unit; every member has started the bot (private_ok) and speaks zh. Ids are set
explicitly (fast, no read-back); on PostgreSQL the id sequences are moved past them afterwards.
Deterministic for a given `today`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.agenda import AgendaItem, AgendaMeasure, AgendaStudy, AgendaTarget, Category, ItemState, MeasureState
from models.base import Base
from models.reflections import Grade, Reflection, ReflectionState
from models.selfstudy import (
    AwayPeriod, EntryKind, ItemKind, PlanItem, PlanItemDone, Reading, ReadingDone, StudyEntry, StudyPlan, monday,
)
from models.sessions import (
    Attendance, Makeup, MakeupState, SessionKind, SessionState, Status, StudySession, Via,
)
from models.units import Membership, Person, Rank, Role, Unit, UnitKind

MEMBER_BASE = 700_000_000
TZ = "Asia/Shanghai"
CHUNK = 20_000
KINDS = (SessionKind.member_meeting, SessionKind.group_meeting, SessionKind.theme_day, SessionKind.lecture)


def unit_chat(u: int) -> int:
    return -1003_000_000_000 - u


@dataclass(frozen=True)
class Shape:
    units: int = 100
    per_unit: int = 100

    @property
    def members(self) -> int:
        return self.units * self.per_unit


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), ZoneInfo(TZ)).astimezone(UTC)


class _Writer:
    """Rows to one table, inserted CHUNK at a time (one executemany each)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session, self.counts = session, {}

    async def rows(self, table: Table, rows: Iterator[dict]) -> None:
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                await self.session.execute(insert(table), chunk)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(chunk)
                chunk = []
        if chunk:
            await self.session.execute(insert(table), chunk)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(chunk)


async def generate(sessions: async_sessionmaker[AsyncSession], *, today: date, shape: Shape = Shape(),
                   seed: int = 6) -> dict[str, int]:
    """Write the organisation and its year up to `today` (local); returns rows written per table."""
    rng = random.Random(seed)
    now = _local(today, 8)
    year_ago = today - timedelta(days=365)
    weeks = [monday(year_ago) + timedelta(weeks=w) for w in range((monday(today) - monday(year_ago)).days // 7 + 1)]
    n_units, per_unit, n_members = shape.units, shape.per_unit, shape.members
    pid = lambda i: i + 1  # noqa: E731 - person i's id
    uid = lambda u: u + 1  # noqa: E731 - unit u's id
    members_of = lambda u: range(u * per_unit, (u + 1) * per_unit)  # noqa: E731

    async with sessions.begin() as session:
        w = _Writer(session)
        await w.rows(Unit.__table__, ({
            "id": uid(u), "chat_id": unit_chat(u), "kind": UnitKind.supervise if u == 0 else UnitKind.research,
            "name": "机关党委" if u == 0 else f"第{u}党支部", "parent_id": None if u == 0 else uid(0), "timezone": TZ,
            "locale": None, "join_code": f"y{u:07d}", "bot_is_admin": True, "options": {}, "created_at": now,
            "updated_at": now} for u in range(n_units)))
        await w.rows(Person.__table__, ({
            "id": pid(i), "tg_user_id": MEMBER_BASE + i, "first_name": f"党员{i}", "last_name": None, "username": None,
            "language_code": "zh", "private_ok": True, "private_changed_at": now, "created_at": now, "updated_at": now,
        } for i in range(n_members)))
        await w.rows(Membership.__table__, ({
            "id": pid(i), "unit_id": uid(i // per_unit), "person_id": pid(i),
            "role": Role.admin if i % per_unit == 0 else Role.member,
            "rank": Rank.head if i % per_unit == 0 else Rank.chief if i % per_unit < 5 else Rank.member,
            "active": True, "source": "bench", "joined_at": now - timedelta(days=400), "left_at": None,
        } for i in range(n_members)))

        # -- study entries: 0–3 a week per member
        def entries() -> Iterator[dict]:
            n = 0
            for i in range(n_members):
                for ws in weeks:
                    for _ in range(rng.choices((0, 1, 2, 3), (15, 35, 35, 15))[0]):
                        day = ws + timedelta(days=rng.randrange(7))
                        if not year_ago <= day <= today:
                            continue
                        n += 1
                        yield {"id": n, "person_id": pid(i), "unit_id": uid(i // per_unit), "day": day,
                               "minutes": rng.randrange(20, 121, 5), "kind": EntryKind.own, "what": "学习强国",
                               "reason": None, "created_by": pid(i), "created_at": _local(day, 21)}
        await w.rows(StudyEntry.__table__, entries())

        # -- sessions, attendance, 补学
        sessions_rows, attendance, makeups = [], [], []
        sid = 0
        for u in range(n_units):
            day = year_ago + timedelta(days=rng.randrange(10))
            k = 0
            while day <= today + timedelta(days=7):
                sid += 1
                past = day < today
                starts = _local(day, 14, 30)
                minutes = rng.choice((90, 120))
                sessions_rows.append({
                    "id": sid, "unit_id": uid(u), "kind": KINDS[k % len(KINDS)], "tier": UnitKind.research,
                    "topic": f"学习贯彻党的二十届四中全会精神（{k + 1}）", "place": "三楼会议室", "presenter": None,
                    "starts_at": starts, "ends_at": starts + timedelta(minutes=minutes),
                    "opens_at": starts - timedelta(minutes=30), "closes_at": starts + timedelta(minutes=minutes),
                    "late_after": starts + timedelta(minutes=10),
                    "state": SessionState.closed if past else SessionState.scheduled, "cancel_reason": None,
                    "announce_outbox_id": None, "roll_outbox_id": None, "roll_version": 0, "roll_shown": 0,
                    "created_by_id": pid(u * per_unit), "created_at": starts - timedelta(days=7),
                    "updated_at": starts, "closed_at": starts + timedelta(minutes=minutes) if past else None,
                    "cancelled_at": None, "local_day": day, "minutes": minutes,
                })
                for i in members_of(u):
                    if past:
                        status = rng.choices((Status.present, Status.late, Status.leave_approved, Status.absent),
                                             (87, 4, 5, 4))[0]
                    else:
                        status = Status.pending
                    attendance.append({
                        "id": len(attendance) + 1, "session_id": sid, "person_id": pid(i), "expected": True,
                        "status": status, "via": Via.button if status in (Status.present, Status.late) else None,
                        "checked_in_at": starts if status in (Status.present, Status.late) else None,
                        "leave_reason": "出差" if status == Status.leave_approved else None,
                        "leave_decided_by_id": None, "leave_decided_at": None, "proxy_by_id": None, "proxy_at": None,
                        "proxy_reason": None, "created_at": starts - timedelta(days=7), "updated_at": starts,
                    })
                    if status == Status.absent:
                        done = rng.random() < 0.8
                        makeups.append({
                            "id": len(makeups) + 1, "unit_id": uid(u), "session_id": sid, "person_id": pid(i),
                            "reason": Status.absent, "state": MakeupState.done if done else MakeupState.open,
                            "due_at": starts + timedelta(days=14), "note": "已补学" if done else None,
                            "done_at": starts + timedelta(days=5) if done else None, "done_by_id": None,
                            "created_at": starts + timedelta(minutes=minutes),
                        })
                day += timedelta(days=rng.randrange(8, 13))
                k += 1
        await w.rows(StudySession.__table__, iter(sessions_rows))
        await w.rows(Attendance.__table__, iter(attendance))
        await w.rows(Makeup.__table__, iter(makeups))
        del attendance

        # -- weekly plans, items, done marks
        plans, items = [], []
        for u in range(n_units):
            for ws in weeks:
                plans.append({"id": len(plans) + 1, "unit_id": uid(u), "week_start": ws, "required_minutes": 120,
                              "source_plan_id": None, "revision": 1, "created_by": pid(u * per_unit),
                              "created_at": _local(ws, 8), "updated_at": _local(ws, 8)})
                for pos, kind in enumerate((ItemKind.required, ItemKind.required, ItemKind.optional), 1):
                    items.append({"id": len(items) + 1, "plan_id": len(plans), "position": pos, "kind": kind,
                                  "title": f"《习近平谈治国理政》第五卷 专题{pos}", "link": "https://www.12371.cn/"})
        await w.rows(StudyPlan.__table__, iter(plans))
        await w.rows(PlanItem.__table__, iter(items))

        def dones() -> Iterator[dict]:
            for i in range(n_members):
                u = i // per_unit
                for wk, ws in enumerate(weeks):
                    first_item = (u * len(weeks) + wk) * 3 + 1
                    for item in rng.sample(range(first_item, first_item + 3), rng.choice((0, 1, 1, 2))):
                        yield {"item_id": item, "person_id": pid(i), "done_at": _local(ws, 20)}
        await w.rows(PlanItemDone.__table__, dones())

        # -- reading lists
        readings = []
        for u in range(n_units):
            for k in range(10 if u == 0 else 3):
                readings.append({"id": len(readings) + 1, "unit_id": uid(u), "tier": (Rank.member, Rank.chief,
                                 Rank.head)[k % 3] if u == 0 else Rank.member, "title": f"必读书目 {u}-{k}",
                                 "link": None, "created_by": pid(u * per_unit), "created_at": now - timedelta(days=300),
                                 "archived_at": None})
        await w.rows(Reading.__table__, iter(readings))
        own = {u: [r["id"] for r in readings if r["unit_id"] == uid(u)] for u in range(n_units)}
        await w.rows(ReadingDone.__table__, ({"reading_id": r, "person_id": pid(i), "done_at": now - timedelta(days=30)}
                                             for i in range(n_members) for r in dict.fromkeys(own[0] + own[i // per_unit])
                                             if rng.random() < 0.5))

        # -- reflections: one a month
        def reflections() -> Iterator[dict]:
            n = 0
            for i in range(n_members):
                for m in range(12):
                    n += 1
                    at = now - timedelta(days=30 * m + rng.randrange(30))
                    body = "通过学习，我深刻认识到理论武装的重要性，要把学习成果转化为推动工作的实际成效。" * 2
                    yield {"id": n, "person_id": pid(i), "unit_id": uid(i // per_unit), "subject_kind": "free",
                           "subject_ref": None, "subject_title": "心得体会", "state": ReflectionState.approved,
                           "text": body, "chars": len(body), "revision": 1, "grade": Grade.good, "showcase": None,
                           "reviewed_by": pid((i // per_unit) * per_unit), "active_at": at, "created_at": at,
                           "updated_at": at, "submitted_at": at, "reviewed_at": at + timedelta(days=2),
                           "showcased_at": None}
        await w.rows(Reflection.__table__, reflections())

        # -- first agenda items (第一议题): two a month per unit, a measure each; the last two still open
        agenda, targets, measures = [], [], []
        for u in range(n_units):
            for k in range(24):
                published = now - timedelta(days=15 * (23 - k) + 1)
                is_open = k >= 22
                agenda.append({"id": len(agenda) + 1, "unit_id": uid(u), "title": f"第一议题：重要讲话精神（{k + 1}）",
                               "link": None, "source_text": None, "category": Category.national,
                               "study_by": published + timedelta(days=7), "to_below": False,
                               "state": ItemState.open if is_open else ItemState.closed,
                               "created_by_id": pid(u * per_unit), "created_at": published, "published_at": published,
                               "closed_at": None if is_open else published + timedelta(days=30)})
                targets.append({"id": len(targets) + 1, "item_id": len(agenda), "unit_id": uid(u), "created_at": published})
                measures.append({"id": len(measures) + 1, "item_id": len(agenda), "unit_id": uid(u),
                                 "text": "结合本支部实际制定落实措施", "owner_id": pid(u * per_unit + rng.randrange(per_unit)),
                                 "deadline": published + timedelta(days=30),
                                 "state": MeasureState.open if is_open else MeasureState.done,
                                 "progress": None, "progress_at": None, "created_by_id": pid(u * per_unit),
                                 "created_at": published, "done_at": None if is_open else published + timedelta(days=20)})
        await w.rows(AgendaItem.__table__, iter(agenda))
        await w.rows(AgendaTarget.__table__, iter(targets))
        await w.rows(AgendaMeasure.__table__, iter(measures))

        def studies() -> Iterator[dict]:
            n = 0
            for i in range(n_members):
                u = i // per_unit
                for k in range(24):
                    if rng.random() < 0.9:
                        n += 1
                        item = agenda[u * 24 + k]
                        yield {"id": n, "item_id": item["id"], "person_id": pid(i), "unit_id": uid(u),
                               "studied_at": item["published_at"] + timedelta(days=2)}
        await w.rows(AgendaStudy.__table__, studies())

        # -- one leave period a year each
        def aways() -> Iterator[dict]:
            for i in range(n_members):
                first = year_ago + timedelta(days=rng.randrange(370))
                yield {"id": i + 1, "person_id": pid(i), "first_day": first,
                       "last_day": first + timedelta(days=rng.randrange(2, 10)), "reason": "出差",
                       "created_at": _local(first, 8) - timedelta(days=3)}
        await w.rows(AwayPeriod.__table__, aways())

        if session.bind.dialect.name == "postgresql":
            for table in w.counts:
                if "id" in Base.metadata.tables[table].c:
                    await session.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    return w.counts

