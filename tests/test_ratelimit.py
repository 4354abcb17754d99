"""The send windows are strict: never more than N in any window, and as many as fit."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratelimit import SendLimiter, SlidingWindow


class Tick:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def drive(limiter: SendLimiter, chats: list[int], clock: Tick) -> list[tuple[float, int]]:
    """Send to `chats` in order as fast as the limiter allows; returns (time, chat) of each send."""
    sent = []
    for chat in chats:
        while (wait := max(limiter.overall_wait(), limiter.group_wait(chat))) > 0:
            clock.t += wait
        limiter.record(chat)
        sent.append((clock.t, chat))
    return sent


def max_in_window(times: list[float], period: float) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - period:
            j += 1
        best = max(best, i - j + 1)
    return best


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3, -10, -11]), min_size=1, max_size=400))
def test_no_window_is_ever_over_the_limit(chats):
    clock = Tick()
    limiter = SendLimiter(30, 20, clock=clock)
    sent = drive(limiter, chats, clock)
    assert max_in_window([t for t, _ in sent], 1.0) <= 30
    for group in (-10, -11):
        assert max_in_window([t for t, c in sent if c == group], 60.0) <= 20


def test_private_broadcast_runs_close_to_the_limit():
    clock = Tick()
    sent = drive(SendLimiter(30, 20, clock=clock), list(range(1, 3001)), clock)
    rate = len(sent) / (sent[-1][0] or 1)
    assert rate >= 0.95 * 30, rate


def test_group_burst_sends_twenty_then_waits_a_minute():
    clock = Tick()
    sent = drive(SendLimiter(30, 20, clock=clock), [-10] * 40, clock)
    assert sent[19][0] < 1.0 and 60.0 <= sent[20][0] <= 61.0


def test_share_splits_the_limits_between_instances():
    limiter = SendLimiter(30, 20)
    limiter.set_share(0.5)
    assert (limiter.overall.limit, limiter.group_limit) == (15, 10)


def test_window_wait_is_exact():
    w = SlidingWindow(2, 1.0)
    w.record(0.0)
    w.record(0.4)
    assert w.wait(0.5) == 0.5 and abs(w.wait(0.9) - 0.1) < 1e-9 and w.wait(1.0) == 0.0


def test_a_send_in_flight_holds_its_slot_until_a_period_after_it_completes():
    clock = Tick()
    limiter = SendLimiter(3, 20, clock=clock)
    tickets = [limiter.start(5) for _ in range(3)]
    assert 0 < limiter.overall_wait() < 0.1  # all three still in flight: poll
    clock.t = 0.4
    tickets[0].finish()
    assert abs(limiter.overall_wait() - 1.0) < 1e-9  # the first answer came at 0.4: the next may start at 1.4
    clock.t = 1.4
    assert limiter.overall_wait() == 0.0
