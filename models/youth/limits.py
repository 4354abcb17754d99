"""Limits and timings of the youth feature, in one place (tables, parsers and rules share them)."""

from __future__ import annotations

from datetime import timedelta


YOUTH_AGE_LIMIT = 35  # 青年: up to 35 unless the unit sets another limit
AGE_LIMIT_RANGE = (18, 60)
BIRTH_YEAR_MIN = 1930
SWAP_TTL = timedelta(hours=48)
RECORD_GRACE = timedelta(days=7)  # the previous leader may still write up their period this long after it
DRAFT_TTL = timedelta(hours=24)  # private messages feed a draft record only while it is this fresh
RECORD_TEXT_MAX = 2000
RECORD_PHOTOS_MAX = 20
ORDER_MAX = 60

BANK_NAME_MAX = 32
QUESTION_MAX = 280  # Telegram allows 300; the "[n/N] " prefix takes the rest
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 10
EXPLANATION_MAX = 200
FILE_MAX_BYTES = 512 * 1024
FILE_MAX_QUESTIONS = 300
BANK_MAX_QUESTIONS = 1000
SECONDS_DEFAULT, SECONDS_RANGE = 30, (10, 600)
COUNT_RANGE = (1, 100)
START_DELAY = timedelta(seconds=5)  # the intro is read before the first question appears
GAP = timedelta(seconds=3)  # between a question closing and the next one
ANSWER_GRACE = timedelta(seconds=2)  # an answer we see this late was still given in time
FINISH_GRACE = timedelta(seconds=5)  # answers in flight land before the scoreboard is computed
HEADER_WORDS = {"题目", "问题", "question"}
