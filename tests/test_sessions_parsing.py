"""What admins type to schedule a session: the one-line form and its parts, and 补学 reminder times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import LANGS, t
from models.errors import DomainError
from models.sessions import (
    SessionKind, kinds_for, makeup_reminder_times, parse_date, parse_session_line, parse_time_range, tier_for,
)
from models.units import UnitKind

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
TODAY = date(2026, 11, 23)


def local(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(("text", "start", "end", "kind", "topic", "place"), [
    ("2026-12-01 15:00 主题党日 学习贯彻四中全会精神 @三楼会议室", local(2026, 12, 1, 15, 0), local(2026, 12, 1, 16, 30),
     SessionKind.theme_day, "学习贯彻四中全会精神", "三楼会议室"),
    ("12-01 15:00 党课 讲党史", local(2026, 12, 1, 15, 0), local(2026, 12, 1, 16, 30), SessionKind.lecture, "讲党史", None),
    ("明天 15:00-16:00 支委会 研究发展党员", local(2026, 11, 24, 15, 0), local(2026, 11, 24, 16, 0),
     SessionKind.committee, "研究发展党员", None),
    ("下周三 9:30 中心组集体学习 专题学习", local(2026, 12, 2, 9, 30), local(2026, 12, 2, 11, 0),
     SessionKind.lead_study, "专题学习", None),
    ("周三 下午3点 读书班 读原著", local(2026, 11, 25, 15, 0), local(2026, 11, 25, 16, 30),
     SessionKind.reading_class, "读原著", None),
    ("2026年12月3日 14点半 联学共建 与二支部联学 ＠ 线上 https://meet.example/x", local(2026, 12, 3, 14, 30),
     local(2026, 12, 3, 16, 0), SessionKind.joint_study, "与二支部联学", "线上 https://meet.example/x"),
    ("01-10 9:00 theme_day Party day", local(2027, 1, 10, 9, 0), local(2027, 1, 10, 10, 30),
     SessionKind.theme_day, "Party day", None),
    ("今天 下午3点-5点 党小组会 学习", local(2026, 11, 23, 15, 0), local(2026, 11, 23, 17, 0),
     SessionKind.group_meeting, "学习", None),
])
def test_one_line_forms(text, start, end, kind, topic, place):
    spec = parse_session_line(text, now=NOW, tz=TZ)
    assert (spec.starts_at, spec.ends_at, spec.kind, spec.topic, spec.place) == (start, end, kind, topic, place)


@pytest.mark.parametrize(("text", "key"), [
    ("2026-11-20 15:00 主题党日 过去了", "sessions.in_the_past"),
    ("今天 08:00 主题党日 早上已过", "sessions.in_the_past"),
    ("2026-02-30 15:00 主题党日 不存在的日子", "sessions.bad_date"),
    ("13-01 15:00 主题党日 没有十三月", "sessions.bad_date"),
    ("明天 25:00 主题党日 没有25点", "sessions.bad_time"),
    ("明天 15:00-14:00 主题党日 倒着开", "sessions.end_before_start"),
    ("明天 15:00 茶话会 不认识", "sessions.bad_kind"),
    ("明天 15:00 主题党日 " + "长" * 201, "sessions.topic_too_long"),
    ("明天 15:00 主题党日", "sessions.topic_empty"),
    ("明天 15:00 主题党日 @会议室", "sessions.topic_empty"),
    ("主题党日 明天 15:00 顺序不对", "sessions.bad_date"),
    ("明天 主题党日 没写时间", "sessions.bad_time"),
])
def test_bad_lines_say_what_is_wrong(text, key):
    with pytest.raises(DomainError) as err:
        parse_session_line(text, now=NOW, tz=TZ)
    assert err.value.key == key
    for lang in LANGS:
        assert t(lang, err.value.key, **err.value.params)


def test_dates_and_times():
    assert parse_date("下下周一", today=TODAY)[0] == date(2026, 12, 7)
    assert parse_date("本周日", today=TODAY)[0] == date(2026, 11, 29)
    assert parse_date("周一", today=TODAY)[0] == TODAY  # the coming Monday is today
    assert parse_date("11-20", today=TODAY)[0] == date(2026, 11, 20)  # recent past stays past (and is refused)
    assert parse_date("02-29", today=TODAY)[0] == date(2028, 2, 29)
    assert parse_time_range("晚上7点") == (time(19, 0), None, "")
    assert parse_time_range("中午12点") == (time(12, 0), None, "")
    assert parse_time_range("9：05") == (time(9, 5), None, "")


def test_kinds_and_tiers():
    assert tier_for(SessionKind.reading_class, UnitKind.lead) == UnitKind.lead
    assert tier_for(SessionKind.reading_class, UnitKind.promote) == UnitKind.lead
    assert tier_for(SessionKind.youth_study, UnitKind.research) == UnitKind.promote
    assert kinds_for(UnitKind.lead)[:3] == [SessionKind.lead_study, SessionKind.lead_seminar, SessionKind.reading_class]
    assert set(kinds_for(UnitKind.research)) == set(SessionKind)


def test_makeup_reminders_a_day_before_on_the_day_then_weekly():
    due = datetime(2026, 12, 8, 7, 30, tzinfo=UTC)
    times = makeup_reminder_times(due, due - timedelta(days=3), due + timedelta(days=15))
    assert times == [(0, due - timedelta(days=1)), (1, due), (2, due + timedelta(days=7)), (3, due + timedelta(days=14))]
    assert makeup_reminder_times(due, due + timedelta(days=7), due + timedelta(days=8)) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_session_or_a_clear_error(text):
    try:
        spec = parse_session_line(text, now=NOW, tz=TZ)
    except DomainError as err:
        for lang in LANGS:
            assert t(lang, err.key, **err.params).strip()
        return
    assert spec.ends_at > spec.starts_at > NOW and 0 < len(spec.topic) <= 200


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["明天 ", "12-01 ", "2026-12-01 ", "下周三 ", ""]), st.text(max_size=40),
       st.sampled_from(["主题党日 ", "党课", "xx "]), st.text(max_size=40))
def test_near_misses_are_sessions_or_clear_errors(day, clock, kind, topic):
    test_any_text_is_a_session_or_a_clear_error.hypothesis.inner_test(day + clock + " " + kind + topic)
