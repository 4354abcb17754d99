from hypothesis import given
from hypothesis import strategies as st
import pytest

from bot.callbacks import MAX_BYTES, BadCallback, CallbackCodec

codec = CallbackCodec("123456:TEST-TOKEN")


def test_round_trip():
    data = codec.encode("bind.pp", 12, 0)
    cb = codec.decode(data)
    assert (cb.action, cb.args, cb.int_arg(0)) == ("bind.pp", ("12", "0"), 12)
    assert len(data.encode()) <= MAX_BYTES


def test_rejects_what_it_did_not_issue():
    data = codec.encode("join", 7)
    with pytest.raises(BadCallback):
        codec.decode(data.replace("|7|", "|8|"))
    with pytest.raises(BadCallback):
        CallbackCodec("999:OTHER-TOKEN").decode(data)
    with pytest.raises(BadCallback):
        codec.decode("0" + data[1:])  # another version


def test_refuses_to_issue_oversized_or_ambiguous_data():
    with pytest.raises(ValueError):
        codec.encode("x", "a" * 60)
    with pytest.raises(ValueError):
        codec.encode("x", "a|b")


@given(st.text(max_size=200))
def test_any_input_decodes_or_is_refused(data):
    try:
        cb = codec.decode(data)
    except BadCallback:
        return
    assert codec.encode(cb.action, *cb.args) == data


@given(st.text(alphabet="abcdefghij0123456789_.:-", min_size=1, max_size=10),
       st.lists(st.integers(min_value=-10**12, max_value=10**12), max_size=3))
def test_encoded_data_round_trips_or_is_refused_when_too_long(action, args):
    try:
        data = codec.encode(action, *args)
    except ValueError:
        assert len("|".join(["1", action, *map(str, args)]).encode()) + 9 > MAX_BYTES
        return
    assert codec.decode(data).args == tuple(map(str, args))
