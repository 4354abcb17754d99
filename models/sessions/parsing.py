"""What admins type to describe a session: dates, times, kinds and forms, topic, place, presenter,
reasons; and the local times shown back to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.errors import DomainError
from models.text import clean_text
from models.sessions.tables import (
    DEFAULT_MINUTES, PLACE_MAX, PRESENTER_MAX, REASON_MAX, TOPIC_MAX, ActivityForm, SessionKind, takes_form,
)

# What secretaries type for each kind (matched longest first, at the start of the rest of the line).
KIND_WORDS: dict[str, SessionKind] = {
    "中心组集体学习": SessionKind.lead_study, "中心组学习": SessionKind.lead_study, "集体学习": SessionKind.lead_study,
    "中心组研讨交流": SessionKind.lead_seminar, "中心组研讨": SessionKind.lead_seminar,
    "研讨交流": SessionKind.lead_seminar,
    "支部党员大会": SessionKind.member_meeting, "党员大会": SessionKind.member_meeting,
    "支部大会": SessionKind.member_meeting,
    "支委会": SessionKind.committee, "支部委员会": SessionKind.committee,
    "党小组会": SessionKind.group_meeting, "小组会": SessionKind.group_meeting,
    "党课": SessionKind.lecture,
    "主题党日": SessionKind.theme_day, "党日": SessionKind.theme_day,
    "组织生活会": SessionKind.life_meeting,
    "青年理论学习小组活动": SessionKind.youth_study, "青年理论学习小组": SessionKind.youth_study,
    "青年小组": SessionKind.youth_study, "青年学习": SessionKind.youth_study,
    "联学共建": SessionKind.joint_study, "联学": SessionKind.joint_study,
    "读书班": SessionKind.reading_class,
    **{k.value: k for k in SessionKind},
}
_KIND_ORDER = sorted(KIND_WORDS, key=len, reverse=True)


# The forms as typed (matched longest first, right after a kind that takes one: see `parse_form`).
FORM_WORDS: dict[str, ActivityForm] = {
    "交流研讨": ActivityForm.seminar, "调研参观": ActivityForm.visit, "演讲辩论": ActivityForm.speech,
    "业务讲堂": ActivityForm.business, "知识竞赛": ActivityForm.contest, "志愿服务": ActivityForm.volunteer,
    "读书会": ActivityForm.reading,
    **{f.value: f for f in ActivityForm},
}
_FORM_ORDER = sorted(FORM_WORDS, key=len, reverse=True)
_FORM_SEPARATORS = "·・:：/-—|｜（(【[「"
_FORM_CLOSERS = "）)】]」"


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """A session as an admin described it (one-line form or dialogue), validated."""

    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    topic: str
    place: str | None = None
    presenter: str | None = None
    form: ActivityForm | None = None


WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_DATE_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_MD = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_REL = re.compile(r"(今天|今日|明天|明日|后天|大后天|today|tomorrow)", re.IGNORECASE)
_DATE_WEEK = re.compile(r"(下下|下个?|本|这个?)?\s*(?:周|星期|礼拜)([一二三四五六日天七1-7])")
_CLOCK = (r"(?:(上午|早上|早晨|中午|下午|晚上)\s*)?(\d{1,2})\s*(?:[:：]\s*(\d{1,2})|点\s*(?:(半)|(\d{1,2})\s*分?)?|时)")
_TIME = re.compile(_CLOCK + r"(?:\s*[-~～—–至到]\s*" + _CLOCK + r")?")
_PLACE = re.compile(r"\s[@＠]\s*(\S.*)$", re.DOTALL)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2, "大后天": 3}


def _date(year: int, month: int, day: int, given: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("sessions.bad_date", given=given.strip()[:30]) from None


def parse_date(text: str, *, today: date) -> tuple[date, str]:
    """A date at the start of `text` → (date, rest). 2026-12-01, 12-01, 12月1日, 明天, 周三, 下周三."""
    text = text.lstrip()
    if m := _DATE_YMD.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]), m[0]), text[m.end():]
    if m := _DATE_MD.match(text):
        month, day = int(m[1]), int(m[2])
        year = today.year
        if (month, day) == (2, 29):
            while date(year, 3, 1) - date(year, 2, 28) != timedelta(days=2):
                year += 1  # the next leap year
        found = _date(year, month, day, m[0])
        # No year given: the nearest such date, so "01-10" in December is next January.
        if (today - found).days > 183:
            found = _date(found.year + 1, month, day, m[0])
        return found, text[m.end():]
    if m := _DATE_REL.match(text):
        return today + timedelta(days=_RELATIVE_DAYS[m[1].lower()]), text[m.end():]
    if m := _DATE_WEEK.match(text):
        weekday = WEEKDAYS[m[2]]
        monday = today - timedelta(days=today.weekday())
        prefix = (m[1] or "").rstrip("个")
        if prefix == "下下":
            return monday + timedelta(days=14 + weekday), text[m.end():]
        if prefix == "下":
            return monday + timedelta(days=7 + weekday), text[m.end():]
        if prefix in ("本", "这"):
            return monday + timedelta(days=weekday), text[m.end():]
        return today + timedelta(days=(weekday - today.weekday()) % 7), text[m.end():]
    raise DomainError("sessions.bad_date", given=(text.split() or [""])[0][:30])


def _clock(groups: tuple, given: str) -> time:
    part, hour, minute, half, minute2 = groups
    h = int(hour)
    m = 30 if half else int(minute or minute2 or 0)
    if part in ("下午", "晚上") and h < 12:
        h += 12
    elif part == "中午" and h < 11:
        h += 12
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise DomainError("sessions.bad_time", given=given.strip()[:30])
    return time(h, m)


def parse_time_range(text: str) -> tuple[time, time | None, str]:
    """A time (or range) at the start of `text` → (start, end or None, rest). 15:00, 15:00-16:30, 下午3点."""
    text = text.lstrip()
    m = _TIME.match(text)
    if m is None:
        raise DomainError("sessions.bad_time", given=(text.split() or [""])[0][:30])
    start = _clock(m.groups()[:5], m[0])
    end = _clock(m.groups()[5:], m[0]) if m.group(7) else None
    if end is not None and m.group(6) is None and m.group(1) in ("下午", "晚上", "中午") and end.hour < 12:
        end = time(end.hour + 12, end.minute)  # 下午3点-5点: the part of day carries over
    return start, end, text[m.end():]


def parse_kind(text: str) -> tuple[SessionKind, str]:
    text = text.lstrip()
    for word in _KIND_ORDER:
        if text[:len(word)].lower() == word.lower():
            return KIND_WORDS[word], text[len(word):]
    raise DomainError("sessions.bad_kind", given=(text.split() or [""])[0][:30])


def parse_form(text: str) -> tuple[ActivityForm, str]:
    """The activity form right after a youth-kind word: `读书会 …`, `·读书会 …`, `（读书会）…`."""
    text = text.lstrip().lstrip(_FORM_SEPARATORS).lstrip()
    for word in _FORM_ORDER:
        if text[:len(word)].lower() == word.lower():
            rest = text[len(word):]
            return FORM_WORDS[word], rest.lstrip().lstrip(_FORM_CLOSERS)
    raise DomainError("sessions.bad_form", given=(text.split() or ["—"])[0][:30])


def clean_topic(raw: str) -> str:
    topic = clean_text(raw)
    if not topic:
        raise DomainError("sessions.topic_empty")
    if len(topic) > TOPIC_MAX:
        raise DomainError("sessions.topic_too_long", length=len(topic), limit=TOPIC_MAX)
    return topic


def clean_place(raw: str) -> str | None:
    place = clean_text(raw)
    if len(place) > PLACE_MAX:
        raise DomainError("sessions.place_too_long", length=len(place), limit=PLACE_MAX)
    return place or None


def clean_presenter(raw: str) -> str | None:
    name = clean_text(raw)
    if len(name) > PRESENTER_MAX:
        raise DomainError("sessions.presenter_too_long", length=len(name), limit=PRESENTER_MAX)
    return name or None


def clean_reason(raw: str, *, missing: str) -> str:
    reason = clean_text(raw)
    if not reason:
        raise DomainError(missing)
    if len(reason) > REASON_MAX:
        raise DomainError("sessions.reason_too_long", length=len(reason), limit=REASON_MAX)
    return reason


def local_span(day: date, start: time, end: time | None, tz: str, minutes: int) -> tuple[datetime, datetime]:
    """Start and end in UTC from a local day and times (end: the given time, else start + minutes)."""
    zone = ZoneInfo(tz)
    starts = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    if end is None:
        return starts, starts + timedelta(minutes=minutes)
    return starts, datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def parse_session_line(text: str, *, now: datetime, tz: str) -> SessionSpec:
    """`2026-12-01 15:00 主题党日 学习贯彻… @三楼会议室` (also 12-01, 明天, 下周三; 15:00-16:30).
    A kind with forms takes the form next: `明天 15:00 青年理论学习小组活动 读书会 共读《…》`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    day, rest = parse_date(text, today=today)
    start, end, rest = parse_time_range(rest)
    kind, rest = parse_kind(rest)
    form = None
    if takes_form(kind):
        form, rest = parse_form(rest)
    place = None
    if m := _PLACE.search(" " + rest):
        place = clean_place(m[1])
        rest = (" " + rest)[:m.start()]
    starts_at, ends_at = local_span(day, start, end, tz, DEFAULT_MINUTES)
    spec = SessionSpec(kind=kind, starts_at=starts_at, ends_at=ends_at, topic=clean_topic(rest), place=place,
                       form=form)
    check_times(spec.starts_at, spec.ends_at, now=now, tz=tz)
    return spec


def check_times(starts_at: datetime, ends_at: datetime, *, now: datetime, tz: str) -> None:
    if ends_at <= starts_at:
        raise DomainError("sessions.end_before_start", start=hm(starts_at, tz), end=hm(ends_at, tz))
    if starts_at <= now:
        raise DomainError("sessions.in_the_past", when=day_hm(starts_at, tz), now=day_hm(now, tz))


def hm(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def day_hm(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
