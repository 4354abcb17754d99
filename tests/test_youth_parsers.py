"""The youth feature's parsers and period arithmetic, without the bot."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import LANGS, t
from models.errors import DomainError
from models.youth import (
    PeriodKind, QuizFileError, anchor_for, parse_flag_args, parse_quiz_file, parse_quiz_line, parse_rotation_args,
    parse_start_args, period_at, period_by_index,
)

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


def renders(err: DomainError) -> None:
    """A refusal must render in every language (no missing key, no missing placeholder)."""
    for lang in LANGS:
        assert t(lang, err.key, **err.params)
        for _, key, params in getattr(err, "problems", []):
            assert t(lang, key, **params)


@pytest.mark.parametrize("parse", [parse_quiz_line, parse_flag_args, parse_rotation_args, parse_start_args])
@settings(max_examples=150, deadline=None)
@given(text=texts)
def test_parsers_answer_any_text(parse, text):
    try:
        parse(text)
    except DomainError as err:
        renders(err)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=14))
def test_quiz_lines_made_of_cells(cells):
    try:
        q = parse_quiz_line(" | ".join(cells))
    except DomainError as err:
        renders(err)
        return
    assert 2 <= len(q.options) <= 10 and 0 <= q.correct < len(q.options) and q.question


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400) | texts.map(lambda s: s.encode()))
def test_quiz_files_of_any_bytes(data):
    try:
        questions = parse_quiz_file(data)
    except DomainError as err:
        renders(err)
        return
    assert questions


def test_quiz_line_columns():
    q = parse_quiz_line("新中国哪年成立？ | 1948 | 1949 | 1950 | 2")
    assert (q.options, q.correct, q.explanation) == (("1948", "1949", "1950"), 1, None)
    q = parse_quiz_line("题目｜甲｜乙｜２｜因为…")  # full-width bars and digits, as a Chinese keyboard types them
    assert (q.options, q.correct, q.explanation) == (("甲", "乙"), 1, "因为…")
    q = parse_quiz_line("题目 | 甲 | 乙 | 1 | ")
    assert q.explanation is None


def test_quiz_file_reports_every_bad_line():
    with pytest.raises(QuizFileError) as caught:
        parse_quiz_file("题目|选项A|选项B|答案\n好题|甲|乙|1\n坏题|甲|乙\n\n#注释\n坏题|甲|乙|丙|9\n".encode())
    assert [(n, key) for n, key, _ in caught.value.problems] == [(3, "quiz.too_few"), (6, "quiz.answer_range")]
    with pytest.raises(DomainError, match="quiz.file_empty"):
        parse_quiz_file("题目,选项A,选项B,答案\n".encode("gb18030"))


def test_periods():
    nov23 = date(2026, 11, 23)
    monthly = period_at(PeriodKind.monthly, anchor_for(PeriodKind.monthly, nov23), nov23)
    assert (monthly.start, monthly.end, monthly.label) == (date(2026, 11, 1), date(2026, 12, 1), "2026-11")
    quarter = period_at(PeriodKind.quarterly, date(2026, 10, 1), date(2027, 2, 3))
    assert (quarter.index, quarter.label) == (1, "2027-Q1")
    anchor = anchor_for(PeriodKind.biweekly, nov23)
    two = period_at(PeriodKind.biweekly, anchor, date(2026, 12, 6))
    assert (two.index, two.label) == (0, "2026-11-23~12-06")
    assert period_at(PeriodKind.biweekly, anchor, date(2026, 12, 7)).index == 1
    assert period_at(PeriodKind.weekly, anchor, date(2026, 11, 22)).index == -1
    assert period_by_index(PeriodKind.monthly, date(2026, 11, 1), 14).start == date(2028, 1, 1)


def test_start_arguments():
    args = parse_start_args("党史 知识 10题 45秒")
    assert (args.bank, args.count, args.seconds) == ("党史 知识", 10, 45)
    assert parse_start_args("").seconds == 30
