"""Self-study parsers: examples, and any Unicode gives a value or a DomainError whose text renders."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import LANGS, t
from bot.reports.charts import CJK_FONT_FILE, cjk_font
from views.selfstudy import bar, fmt_minutes
from handlers.selfstudy.study import STUDY_WORD
from models.errors import DomainError
from models.selfstudy import (
    ItemKind, parse_away, parse_day, parse_items, parse_minutes, parse_plan_line, parse_rank, parse_study,
)
from models.units import Rank

TODAY = date(2026, 11, 25)


def renders(err: DomainError) -> None:
    for lang in LANGS:
        assert t(lang, err.key, **err.params)


@pytest.mark.parametrize(("raw", "minutes"), [
    ("30", 30), ("30分钟", 30), ("30 分", 30), ("45min", 45), ("1.5小时", 90), ("1.5h", 90), ("2h", 120),
    ("2小时30分钟", 150), ("1h30m", 90), ("两小时", 120), ("半小时", 30), ("1个半小时", 90), ("３０", 30),
    ("十分钟", 10), ("二十五分钟", 25), ("12小时", 720),
])
def test_amounts(raw, minutes):
    assert parse_minutes(raw) == minutes


@pytest.mark.parametrize(("raw", "key"), [
    ("abc", "study.bad_amount"), ("-5", "study.negative"), ("9999", "study.too_much"), ("0", "study.zero"),
    ("13小时", "study.too_much"), ("", "study.bad_amount"), ("1.2.3", "study.bad_amount"),
])
def test_bad_amounts(raw, key):
    with pytest.raises(DomainError) as err:
        parse_minutes(raw)
    assert err.value.key == key
    renders(err.value)


def test_study_line_with_unit_word_date_and_what():
    got = parse_study("1.5 小时 昨天 《习近平谈治国理政》 第五卷", today=TODAY)
    assert (got.minutes, got.day, got.what) == (90, date(2026, 11, 24), "《习近平谈治国理政》 第五卷")
    assert parse_study("30 11月20日", today=TODAY).day == date(2026, 11, 20)
    assert parse_study("30 学习党章", today=TODAY).what == "学习党章"
    with pytest.raises(DomainError, match="study.future"):
        parse_study("30 2026-11-26", today=TODAY)
    with pytest.raises(DomainError, match="study.too_old"):
        parse_study("30 2026-01-02", today=TODAY)
    with pytest.raises(DomainError, match="study.bad_date"):
        parse_study("30 2-30", today=TODAY)


def test_day_words():
    assert parse_day("前天", today=TODAY) == date(2026, 11, 23)
    assert parse_day("2026/11/01", today=TODAY) == date(2026, 11, 1)
    assert parse_day("学习", today=TODAY) is None


def test_plain_word_pattern_needs_an_amount():
    assert STUDY_WORD.fullmatch("学习 30 党章")["rest"] == "30 党章"
    assert STUDY_WORD.fullmatch("学习 1.5小时")["rest"] == "1.5小时"
    assert STUDY_WORD.fullmatch("学习两小时 党史")
    assert STUDY_WORD.fullmatch("学习两会精神") is None
    assert STUDY_WORD.fullmatch("学习强国打卡了吗") is None


def test_plan_line():
    offset, minutes, items = parse_plan_line(
        "下周 2小时 《党章》第一章; 选读 《习近平谈治国理政》 https://example.org/a\n必读：学习笔记一篇")
    assert (offset, minutes) == (1, 120)
    assert [(i.kind, i.title, i.link) for i in items] == [
        (ItemKind.required, "《党章》第一章", None),
        (ItemKind.optional, "《习近平谈治国理政》", "https://example.org/a"),
        (ItemKind.required, "学习笔记一篇", None),
    ]
    for bad, key in (("120", "plan.no_items"), ("abc 《党章》", "plan.bad_minutes"), ("", "plan.usage")):
        with pytest.raises(DomainError) as err:
            parse_plan_line(bad)
        assert err.value.key == key
        renders(err.value)


def test_items_limit():
    with pytest.raises(DomainError, match="plan.too_many_items"):
        parse_items(";".join(f"第{i}章" for i in range(21)))


def test_away():
    assert parse_away("12-01 12-07 出差", today=TODAY) == (date(2026, 12, 1), date(2026, 12, 7), "出差")
    assert parse_away("2026-11-25 休假", today=TODAY) == (TODAY, TODAY, "休假")
    for bad, key in (("12-07 12-01 出差", "away.reversed"), ("11-01 11-02 出差", "away.past"),
                     ("12-01 12-07", "away.no_reason"), ("明天 出差", "away.bad_date"),
                     ("2026-12-01 2027-06-01 出差", "away.too_long"), ("", "away.usage")):
        with pytest.raises(DomainError) as err:
            parse_away(bad, today=TODAY)
        assert err.value.key == key
        renders(err.value)


def test_rank_words():
    assert parse_rank("领导干部") == Rank.chief and parse_rank("head") == Rank.head
    with pytest.raises(DomainError, match="rank.bad"):
        parse_rank("部长")


def test_formatting():
    assert fmt_minutes("zh", 90) == "1 小时 30 分钟" and fmt_minutes("en", 45) == "45 min"
    assert fmt_minutes("zh", -120) == "-2 小时"
    assert bar(60, 120) == "▓▓▓▓▓░░░░░ 50%" and bar(5, 0).endswith("100%")


@given(st.text(max_size=80))
def test_any_study_text_parses_or_says_why(raw):
    try:
        got = parse_study(raw, today=TODAY)
        assert 1 <= got.minutes <= 720 and got.day <= TODAY
    except DomainError as err:
        renders(err)


@given(st.text(max_size=120))
def test_any_plan_text_parses_or_says_why(raw):
    try:
        _, minutes, items = parse_plan_line(raw)
        assert minutes > 0 and 1 <= len(items) <= 20 and all(i.title for i in items)
    except DomainError as err:
        renders(err)


@given(st.text(max_size=60))
def test_any_away_text_parses_or_says_why(raw):
    try:
        first, last, reason = parse_away(raw, today=TODAY)
        assert first <= last and last >= TODAY and reason
    except DomainError as err:
        renders(err)


def test_the_chart_font_has_the_chinese_glyphs():
    from matplotlib.ft2font import FT2Font

    path, family = cjk_font()
    assert path.endswith(CJK_FONT_FILE) and "CJK" in family
    charmap = FT2Font(path).get_charmap()
    texts = " ".join(t("zh", f"chart.{k}", name="王同志", year=2026, streak=1) for k in
                     ("title", "weeks_title", "minutes", "target", "year_title", "hours", "pace", "done"))
    missing = {c for c in texts if not c.isascii() and ord(c) not in charmap}
    assert not missing, missing
