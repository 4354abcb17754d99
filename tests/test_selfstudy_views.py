"""Self-study's and supervision's views on their own (no database, no bot): every button action a view
builds is one the feature declares, and the weekly summary counts as the group is told."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.callbacks import CallbackCodec
from bot.features import selfstudy as selfstudy_feature
from bot.features import supervise as supervise_feature
from models.selfstudy import MemberWeek, Someone
from models.units import Rank
from views import supervise as sv
from views.base import Renderer
from views.selfstudy import Act, Ask, item_buttons
from views.selfstudy.weekly import summary

CODEC = CallbackCodec("test-secret")


@pytest.mark.parametrize(("feature", "acts"), [(selfstudy_feature.FEATURE, Act), (supervise_feature.FEATURE, sv.Act)])
def test_every_action_a_view_builds_is_declared_once(feature, acts):
    assert sorted(feature.buttons) == sorted(a.value for a in acts)


def test_question_kinds_are_declared():
    assert sorted(selfstudy_feature.FEATURE.prompts) == sorted(a.value for a in Ask)


def test_item_buttons_carry_the_done_action_for_items_left():
    items = [SimpleNamespace(id=7, position=1), SimpleNamespace(id=8, position=2)]
    markup = item_buttons(Renderer("zh", CODEC), items, done={7})
    (only,), = markup.inline_keyboard
    cb = CODEC.decode(only.callback_data)
    assert (cb.action, cb.int_arg(0)) == (Act.item_done, 8)
    assert item_buttons(Renderer("en", CODEC), items, done={7, 8}) is None


def _member(n: int, minutes: int, *, away: bool = False) -> MemberWeek:
    person = Someone(id=n, tg_user_id=1000 + n, display_name=f"P{n}", language_code=None)
    return MemberWeek(person=person, rank=Rank.member, minutes=minutes, target=60, required_done=0, away=away)


def test_weekly_summary_counts_those_present_and_hides_names_unless_shown():
    unit = SimpleNamespace(name="一支部")
    members = [_member(1, 90), _member(2, 30), _member(3, 0), _member(4, 200, away=True)]
    r = Renderer("en", CODEC)
    anon = summary(r, unit, date(2026, 12, 7), members, names=False)
    named = summary(r, unit, date(2026, 12, 7), members, names=True)
    assert "P1" not in anon and "P4" not in anon
    assert "P1" in named and "P2" in named and "P3" not in named  # no minutes: not in the top
    assert summary(r, unit, date(2026, 12, 7), [_member(5, 10, away=True)], names=True) is None
