"""Every parser answers any text with a value or a DomainError (which renders as a clear reply)."""

from hypothesis import given
from hypothesis import strategies as st
import pytest

from bot.i18n import LANGS, t
from bot.parsing import parse_bind_args, parse_join_payload
from models.errors import DomainError
from models.units import NAME_MAX, UnitKind, clean_name

ANY_TEXT = st.text(max_size=5000) | st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Lo"]), max_size=300)


def _renders(err: DomainError) -> None:
    for lang in LANGS:
        assert t(lang, err.key, **err.params)


@given(ANY_TEXT)
def test_bind_args_never_crash(text):
    try:
        parsed = parse_bind_args(text)
    except DomainError as err:
        _renders(err)
        return
    assert parsed is None or isinstance(parsed[0], UnitKind)


@given(ANY_TEXT)
def test_join_payload_never_crashes(text):
    try:
        code = parse_join_payload(text)
    except DomainError as err:
        _renders(err)
        return
    assert len(code) == 8


@given(ANY_TEXT)
def test_unit_names_are_clean_or_refused(text):
    try:
        name = clean_name(text)
    except DomainError as err:
        _renders(err)
        return
    assert 0 < len(name) <= NAME_MAX and name == name.strip()
    assert all(ord(c) >= 32 for c in name)


def test_bind_words():
    assert parse_bind_args("党支部 第一党支部") == (UnitKind.research, "第一党支部")
    assert parse_bind_args("中心组") == (UnitKind.lead, None)
    assert parse_bind_args("  ") is None
    with pytest.raises(DomainError) as err:
        parse_bind_args("居委会 x")
    assert err.value.key == "bind.bad_kind"
