"""Quiz questions as typed (`题目|选项A|选项B|…|序号|解析`) or uploaded (the same as lines or CSV), and
bank names: parsed and checked, nothing stored."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from models.errors import DomainError
from models.youth.limits import (
    BANK_NAME_MAX, EXPLANATION_MAX, FILE_MAX_BYTES, FILE_MAX_QUESTIONS, HEADER_WORDS, OPTION_MAX, OPTIONS_MAX,
    OPTIONS_MIN, QUESTION_MAX,
)


@dataclass(frozen=True, slots=True)
class QuestionIn:
    question: str
    options: tuple[str, ...]
    correct: int  # 0-based
    explanation: str | None


def _cell(text: str) -> str:
    return " ".join("".join(c for c in text if unicodedata.category(c)[0] != "C").split())


def _number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


def question_from_fields(fields: list[str]) -> QuestionIn:
    """题目, 选项…, 正确选项序号[, 解析]: the last whole number is the answer; text after it, the explanation."""
    cells = [_cell(f) for f in fields]
    if len(cells) < 4:
        raise DomainError("quiz.too_few", count=len(cells))
    explanation: str | None = None
    answer = _number(cells[-1])
    if answer is None:
        explanation = cells[-1] or None
        answer = _number(cells[-2])
        if answer is None:
            raise DomainError("quiz.no_answer", given=cells[-2][:20])
        options, question = cells[1:-2], cells[0]
    else:
        options, question = cells[1:-1], cells[0]
    if not question:
        raise DomainError("quiz.question_empty")
    if len(question) > QUESTION_MAX:
        raise DomainError("quiz.question_long", limit=QUESTION_MAX, length=len(question))
    if len(options) < OPTIONS_MIN:
        raise DomainError("quiz.too_few", count=len(cells))
    if len(options) > OPTIONS_MAX:
        raise DomainError("quiz.too_many_options", limit=OPTIONS_MAX, count=len(options))
    for n, option in enumerate(options, 1):
        if not option:
            raise DomainError("quiz.option_empty", n=n)
        if len(option) > OPTION_MAX:
            raise DomainError("quiz.option_long", n=n, limit=OPTION_MAX, length=len(option))
    if len(set(options)) != len(options):
        raise DomainError("quiz.option_duplicate")
    if not 1 <= answer <= len(options):
        raise DomainError("quiz.answer_range", given=answer, count=len(options))
    if explanation and len(explanation) > EXPLANATION_MAX:
        raise DomainError("quiz.explanation_long", limit=EXPLANATION_MAX, length=len(explanation))
    return QuestionIn(question, tuple(options), answer - 1, explanation)


PIPES = re.compile(r"[|｜]")


def parse_quiz_line(text: str) -> QuestionIn:
    if not PIPES.search(text):
        raise DomainError("quiz.no_pipes")
    return question_from_fields(PIPES.split(text))


class QuizFileError(DomainError):
    """A question file with bad lines: each (line number, catalog key, params). Nothing is loaded."""

    def __init__(self, problems: list[tuple[int, str, dict]]) -> None:
        # Rendered on its own it names the lines; the handler replaces `lines` with what is wrong in each.
        super().__init__("quiz.file_bad", count=len(problems), lines=", ".join(str(n) for n, _, _ in problems))
        self.problems = problems


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("quiz.file_encoding")


def parse_quiz_file(data: bytes) -> list[QuestionIn]:
    """Lines `题目|选项A|选项B|…|序号|解析` (or the same columns as CSV). Blank lines, lines starting
    with # and a header row are skipped. Any bad line fails the whole file."""
    if len(data) > FILE_MAX_BYTES:
        raise DomainError("quiz.file_too_big", limit=FILE_MAX_BYTES // 1024)
    text = _decode(data)
    rows: list[tuple[int, list[str]]] = []
    problems: list[tuple[int, str, dict]] = []
    if PIPES.search(text):
        rows = [(n, PIPES.split(line)) for n, line in enumerate(text.splitlines(), 1)]
    else:
        reader = csv.reader(io.StringIO(text))
        try:
            for fields in reader:
                rows.append((reader.line_num, fields))
        except csv.Error as exc:
            problems.append((reader.line_num + 1, "quiz.csv_error", {"error": str(exc)[:80]}))
    questions: list[QuestionIn] = []
    header_allowed = True
    for n, fields in rows:
        cells = [c.strip() for c in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if header_allowed and cells[0].lower() in HEADER_WORDS:
            header_allowed = False
            continue
        header_allowed = False
        if len(cells) == 1:
            problems.append((n, "quiz.no_pipes", {}))
            continue
        try:
            questions.append(question_from_fields(cells))
        except DomainError as err:
            problems.append((n, err.key, err.params))
    if problems:
        raise QuizFileError(problems)
    if not questions:
        raise DomainError("quiz.file_empty")
    if len(questions) > FILE_MAX_QUESTIONS:
        raise DomainError("quiz.file_too_many", limit=FILE_MAX_QUESTIONS, count=len(questions))
    return questions


def clean_bank_name(raw: str) -> str:
    name = _cell(raw).replace("|", "").replace("｜", "").strip()
    if not name:
        raise DomainError("quiz.bank_name_empty")
    if len(name) > BANK_NAME_MAX:
        raise DomainError("quiz.bank_name_long", limit=BANK_NAME_MAX, length=len(name))
    return name
