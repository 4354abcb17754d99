"""Parsing what people type for self-study (amounts, days, plan lines, leave periods) and week labels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from models.errors import DomainError
from models.text import clean_text
from models.selfstudy.tables import (
    AWAY_MAX_DAYS, BACKDATE_DAYS, DAY_MAX, LINK_MAX, PLAN_ITEMS_MAX, TITLE_MAX, WEEK_MAX, WHAT_MAX, ItemKind,
)


# -- parsing what people type ---------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+)"
_HOURS = r"(?:个半小时|个半钟头|个小时|小时|钟头|h|hr|hrs|hour|hours)"
_MINS = r"(?:分钟|分|min|mins|minute|minutes|m)"
_AMOUNT_RE = re.compile(
    rf"^(?:(?P<h>{_NUM})\s*(?P<hu>{_HOURS})(?:\s*(?P<hm>{_NUM})\s*{_MINS}?)?"
    rf"|(?P<half>半)\s*(?:个)?(?:小时|钟头)"
    rf"|(?P<m>{_NUM})\s*{_MINS}?)$"
)
UNIT_WORD_RE = re.compile(rf"^(?:{_HOURS}|{_MINS})$")
_URL_RE = re.compile(r"https?://\S+")


def normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII, control characters dropped, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n").strip()


def _cn_number(text: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or len(text) > 3:
        raise ValueError(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones:
            raise ValueError(text)
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(text) != 1:
        raise ValueError(text)
    return _CN_DIGITS[text]


def parse_minutes(raw: str, *, limit: int = DAY_MAX, error: str = "study.bad_amount") -> int:
    """`30`, `30分钟`, `1.5小时`, `2h`, `1h30m`, `两小时`, `半小时`, `1个半小时` → minutes (1..limit)."""
    text = normalize(raw).lower().replace(" ", "")
    if text.startswith(("-", "−", "负")):
        raise DomainError("study.negative", given=raw[:20])
    m = _AMOUNT_RE.match(text)
    if m is None:
        raise DomainError(error, given=raw[:20])
    try:
        if m.group("half"):
            minutes = 30.0
        elif m.group("h") is not None:
            minutes = _cn_number(m.group("h")) * 60 + (30 if "半" in m.group("hu") else 0)
            if m.group("hm"):
                minutes += _cn_number(m.group("hm"))
        else:
            minutes = _cn_number(m.group("m"))
    except (ValueError, KeyError):
        raise DomainError(error, given=raw[:20]) from None
    value = round(minutes)
    if value <= 0:
        raise DomainError("study.zero", given=raw[:20])
    if value > limit:
        raise DomainError("study.too_much", given=raw[:20], limit=limit // 60)
    return value


_DATE_RES = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
)
_REL_DAYS = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def parse_day(raw: str, *, today: date) -> date | None:
    """A date word (`昨天`, `2026-11-20`, `11-20`, `11月20日`), or None when the token is not one."""
    text = normalize(raw).lower()
    if text in _REL_DAYS:
        return today - timedelta(days=_REL_DAYS[text])
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            year = int(m.group("y")) if "y" in pattern.groupindex else today.year
            try:
                return date(year, int(m.group("m")), int(m.group("d")))
            except ValueError:
                raise DomainError("study.bad_date", given=raw[:20]) from None
    return None


@dataclass(frozen=True, slots=True)
class StudyIn:
    minutes: int
    day: date
    what: str | None


def parse_study(raw: str, *, today: date) -> StudyIn:
    """`/study 30 [日期] [内容]`: an amount (a unit word may follow after a space), a date, what."""
    tokens = normalize(raw).split()
    if not tokens:
        raise DomainError("study.usage")
    amount = tokens.pop(0)
    if tokens and UNIT_WORD_RE.match(tokens[0].lower()):
        amount += tokens.pop(0)
    minutes = parse_minutes(amount)
    day = today
    if tokens:
        found = parse_day(tokens[0], today=today)
        if found is not None:
            day = found
            tokens.pop(0)
    check_day(day, today=today)
    what = clean_text(normalize(" ".join(tokens)), limit=WHAT_MAX) or None
    return StudyIn(minutes, day, what)


def check_day(day: date, *, today: date, back: int = BACKDATE_DAYS) -> None:
    if day > today:
        raise DomainError("study.future", day=day.isoformat())
    if day < today - timedelta(days=back):
        raise DomainError("study.too_old", day=day.isoformat(), days=back)


@dataclass(frozen=True, slots=True)
class ItemIn:
    kind: ItemKind
    title: str
    link: str | None = None

    def as_json(self) -> dict:
        return {"kind": self.kind.value, "title": self.title, "link": self.link}

    @classmethod
    def from_json(cls, data: dict) -> ItemIn:
        return cls(ItemKind(data["kind"]), data["title"], data.get("link"))


_KIND_WORDS = {"必读": ItemKind.required, "必学": ItemKind.required, "required": ItemKind.required,
               "选读": ItemKind.optional, "选学": ItemKind.optional, "optional": ItemKind.optional}
_KIND_RE = re.compile(r"^(必读|必学|选读|选学|required|optional)\s*[:：]?\s*", re.IGNORECASE)
_ITEM_SPLIT_RE = re.compile(r"[;；\n]+")


def parse_items(raw: str) -> list[ItemIn]:
    """Items separated by `;` or new lines: `[必读|选读] 《标题》 [链接或说明]` (必读 when not said)."""
    items = []
    for part in _ITEM_SPLIT_RE.split(normalize(raw)):
        part = " ".join(part.split())
        if not part:
            continue
        kind = ItemKind.required
        m = _KIND_RE.match(part)
        if m:
            kind = _KIND_WORDS[m.group(1).lower()]
            part = part[m.end():]
        link_m = _URL_RE.search(part)
        link = None
        if link_m:
            link = link_m.group(0)
            if len(link) > LINK_MAX:
                raise DomainError("plan.link_too_long", limit=LINK_MAX)
            part = (part[:link_m.start()] + part[link_m.end():]).strip()
        title = part.strip(" -—:：,，")
        if not title:
            if link is None:
                continue
            title = link[:TITLE_MAX]
        if len(title) > TITLE_MAX:
            raise DomainError("plan.title_too_long", limit=TITLE_MAX, length=len(title))
        items.append(ItemIn(kind, title, link))
    if len(items) > PLAN_ITEMS_MAX:
        raise DomainError("plan.too_many_items", limit=PLAN_ITEMS_MAX)
    return items


_NEXT_WEEK_WORDS = {"下周": 1, "next": 1, "本周": 0, "this": 0}


def take_week(tokens: list[str]) -> int:
    """Pop a leading `本周`/`下周` (this/next week) token; returns the week offset (0 or 1)."""
    if tokens and tokens[0].lower() in _NEXT_WEEK_WORDS:
        return _NEXT_WEEK_WORDS[tokens.pop(0).lower()]
    return 0


def parse_plan_line(raw: str) -> tuple[int, int, list[ItemIn]]:
    """`/plan set [下周] 120 《…》; 选读 《…》 https://…` → (week offset, minutes, items)."""
    text = normalize(raw)
    head = text.split(maxsplit=2)
    offset = take_week(head)
    if not head:
        raise DomainError("plan.usage")
    amount = head.pop(0)
    minutes = parse_minutes(amount, limit=WEEK_MAX, error="plan.bad_minutes")
    items = parse_items(" ".join(head))
    if not items:
        raise DomainError("plan.no_items")
    return offset, minutes, items


def parse_away(raw: str, *, today: date) -> tuple[date, date, str]:
    """`/away 2026-12-01 2026-12-07 出差` or `/away 12-01 12-03 休假` (one date: that day only)."""
    tokens = normalize(raw).split()
    if not tokens:
        raise DomainError("away.usage")
    first = parse_day(tokens.pop(0), today=today)
    if first is None:
        raise DomainError("away.bad_date", given=raw.split()[0][:20] if raw.split() else "")
    last = first
    if tokens:
        found = parse_day(tokens[0], today=today)
        if found is not None:
            last = found
            tokens.pop(0)
    if last < first:
        raise DomainError("away.reversed", first=first.isoformat(), last=last.isoformat())
    if last < today:
        raise DomainError("away.past", last=last.isoformat())
    if (last - first).days + 1 > AWAY_MAX_DAYS:
        raise DomainError("away.too_long", limit=AWAY_MAX_DAYS)
    reason = clean_text(normalize(" ".join(tokens)), limit=100)
    if not reason:
        raise DomainError("away.no_reason")
    return first, last, reason


# -- weeks ----------------------------------------------------------------------------------------

def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"
