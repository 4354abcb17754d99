"""Property tests for what members and admins type into the reflections feature: any Unicode gives a
value or a DomainError whose text renders in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import LANGS, t
from models.errors import DomainError
from models.text import clean_text
from models.reflections import (
    DUE_MAX_DAYS, MAX_FILE_BYTES, MIN_CHARS_CEILING, FileIn, check_file, clean_comment, count_chars,
    parse_due, parse_min_chars,
)

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
TODAY = date(2026, 11, 23)


def renders(err: DomainError) -> None:
    for lang in LANGS:
        assert t(lang, err.key, **err.params).strip()


@given(st.text(max_size=40))
def test_due_dates_are_in_range_or_explained(text):
    try:
        due = parse_due(text, now=NOW, tz="Asia/Shanghai")
    except DomainError as err:
        renders(err)
    else:
        assert TODAY <= due <= TODAY + timedelta(days=DUE_MAX_DAYS)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-05", date(2026, 12, 5)), ("12-05", date(2026, 12, 5)), ("12月5日", date(2026, 12, 5)),
    ("12/5", date(2026, 12, 5)), ("1月5号", date(2027, 1, 5)), ("7天", date(2026, 11, 30)), ("3d", date(2026, 11, 26)),
    ("0天", TODAY), (" 2026年12月5日 ", date(2026, 12, 5)),
])
def test_due_date_forms(text, expected):
    assert parse_due(text, now=NOW, tz="Asia/Shanghai") == expected


@pytest.mark.parametrize(("text", "key"), [
    ("2-30", "notes.bad_date"), ("下周", "notes.bad_date"), ("", "notes.bad_date"), ("2026-11-22", "notes.date_past"),
    ("999天", "notes.date_far"),
])
def test_bad_due_dates(text, key):
    with pytest.raises(DomainError) as caught:
        parse_due(text, now=NOW, tz="Asia/Shanghai")
    assert caught.value.key == key


@given(st.text(max_size=12))
def test_minimum_lengths(text):
    try:
        value = parse_min_chars(text)
    except DomainError as err:
        renders(err)
    else:
        assert 1 <= value <= MIN_CHARS_CEILING


@given(st.text())
def test_counting_ignores_whitespace(text):
    assert count_chars(text) == count_chars(f" \n{text}\t ") <= len(text)
    assert count_chars(clean_text(text, lines=True)) <= count_chars(text)


@given(st.text(max_size=1200))
def test_comments(text):
    for required in (True, False):
        try:
            comment = clean_comment(text, required=required)
        except DomainError as err:
            renders(err)
        else:
            assert comment is None and not required or 0 < len(comment) <= 1000


@given(st.sampled_from(["photo", "document", "video", "voice", "sticker"]), st.text(max_size=30),
       st.text(max_size=30), st.none() | st.integers(min_value=0, max_value=2 * MAX_FILE_BYTES))
def test_files(kind, name, mime, size):
    file = FileIn(kind, "id", file_name=name, mime_type=mime, size=size)
    try:
        check_file(file)
    except DomainError as err:
        renders(err)
    else:
        assert kind in ("photo", "document") and (size or 0) <= MAX_FILE_BYTES


@pytest.mark.parametrize(("name", "mime", "ok"), [
    ("心得.docx", None, True), ("心得.PDF", "application/octet-stream", True), ("scan", "image/png", True),
    ("run.exe", "application/x-msdownload", False), ("notes.txt", "text/plain", False),
])
def test_document_types(name, mime, ok):
    file = FileIn("document", "id", file_name=name, mime_type=mime, size=1000)
    if ok:
        check_file(file)
    else:
        with pytest.raises(DomainError, match="reflect.file_unsupported"):
            check_file(file)
