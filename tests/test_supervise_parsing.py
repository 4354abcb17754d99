"""Parsers of 督学 input: any Unicode gives a value or a DomainError that renders in both languages."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import t
from models.errors import DomainError
from models.figures import PeriodKind, parse_period, period_of
from models.supervise import month_end, parse_items, parse_month

TODAY = date(2026, 11, 24)


def renders(err: DomainError) -> None:
    assert t("zh", err.key, **err.params) and t("en", err.key, **err.params)


def test_periods():
    assert parse_period("季度", today=TODAY) == period_of(PeriodKind.quarter, TODAY)
    assert (parse_period("上月", today=TODAY).start, parse_period("上月", today=TODAY).end) == (
        date(2026, 10, 1), date(2026, 10, 31))
    assert parse_period("lastweek", today=TODAY).start == date(2026, 11, 16)
    assert parse_period("去年", today=TODAY).start == date(2025, 1, 1)
    assert (parse_period("上半年", today=TODAY).start, parse_period("上半年", today=TODAY).end) == (
        date(2026, 1, 1), date(2026, 6, 30))
    assert period_of(PeriodKind.quarter, date(2026, 1, 5), back=1).start == date(2025, 10, 1)


def test_task_lines():
    items = parse_items(["1. 12月10日 召开支部党员大会", "2、主题党日", "", "- 12-20 读书班"], month=date(2026, 12, 1))
    assert [(i.title, i.due_on) for i in items] == [
        ("召开支部党员大会", date(2026, 12, 10)), ("主题党日", date(2026, 12, 31)), ("读书班", date(2026, 12, 20))]
    assert parse_month("1月", today=date(2026, 12, 5)) == date(2027, 1, 1)
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)


@given(st.text(max_size=40))
def test_any_period(raw):
    try:
        period = parse_period(raw, today=TODAY)
    except DomainError as err:
        renders(err)
    else:
        assert period.start <= period.end


@given(st.text(max_size=20))
def test_any_month(raw):
    try:
        month = parse_month(raw, today=TODAY)
    except DomainError as err:
        renders(err)
    else:
        assert month.day == 1


@given(st.lists(st.text(max_size=60), max_size=25))
def test_any_task_lines(lines):
    try:
        items = parse_items(lines, month=date(2026, 12, 1))
    except DomainError as err:
        renders(err)
    else:
        assert all(i.title and date(2026, 12, 1) <= i.due_on <= date(2026, 12, 31) for i in items)
