"""Strict sliding windows for Telegram's limits: N sends in any window of `period` seconds.

Telegram counts a message when it arrives, which is somewhere between the moment we start the request
and the moment its answer is back. So a send occupies its window from its start until `period` after
its *completion*: a new send may start only when fewer than N sends completed within the last
`period` or are still in flight. Then any N+1 arrivals span more than `period`, however the network
jitters. PTB's AIORateLimiter uses leaky buckets that let bursts through; these windows never do,
and the sender stays close to them by starting as soon as a slot frees.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class Slot:
    """One send in a window: in flight (`done_at` is +inf) until `finish` records its completion."""

    __slots__ = ("done_at",)

    def __init__(self) -> None:
        self.done_at = math.inf


class SlidingWindow:
    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = limit, period
        self._slots: list[Slot] = []

    def _prune(self, now: float) -> None:
        self._slots = [s for s in self._slots if s.done_at > now - self.period]

    def wait(self, now: float, in_flight_poll: float = 0.005) -> float:
        """Seconds until one more send may start (a short poll while the blocking send is in flight)."""
        self._prune(now)
        excess = len(self._slots) - self.limit + 1
        if excess <= 0:
            return 0.0
        ends = sorted(s.done_at for s in self._slots)[excess - 1]
        return in_flight_poll if math.isinf(ends) else max(0.0, ends + self.period - now)

    def start(self) -> Slot:
        slot = Slot()
        self._slots.append(slot)
        return slot

    def record(self, now: float) -> None:
        """A send that has already completed (at `now`)."""
        self.start().done_at = now


class Ticket:
    """The slots one send holds (overall, and its group's); `finish` when its answer is back."""

    __slots__ = ("slots", "clock")

    def __init__(self, slots: list[Slot], clock: Callable[[], float]) -> None:
        self.slots, self.clock = slots, clock

    def finish(self) -> None:
        now = self.clock()
        for slot in self.slots:
            slot.done_at = min(slot.done_at, now)


class SendLimiter:
    """Global per-second window and one per-minute window per group chat (negative ids)."""

    def __init__(self, per_second: int, per_group_minute: int, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.per_second = per_second
        self.per_group_minute = per_group_minute
        self.overall = SlidingWindow(per_second, 1.0)
        self.groups: dict[int, SlidingWindow] = {}
        self.group_limit = per_group_minute

    def set_share(self, share: float) -> None:
        """Use only `share` of each limit (several instances split Telegram's limits)."""
        self.overall.limit = max(1, int(self.per_second * share))
        self.group_limit = max(1, int(self.per_group_minute * share))
        for window in self.groups.values():
            window.limit = self.group_limit

    def _group(self, chat_id: int) -> SlidingWindow:
        window = self.groups.get(chat_id)
        if window is None:
            window = self.groups[chat_id] = SlidingWindow(self.group_limit, 60.0)
        return window

    def group_wait(self, chat_id: int) -> float:
        if chat_id >= 0 or chat_id not in self.groups:
            return 0.0
        return self.groups[chat_id].wait(self.clock())

    def overall_wait(self) -> float:
        return self.overall.wait(self.clock())

    def start(self, chat_id: int) -> Ticket:
        """Take the slots for a send about to start; `finish()` the ticket when it completes."""
        slots = [self.overall.start()]
        if chat_id < 0:
            slots.append(self._group(chat_id).start())
        return Ticket(slots, self.clock)

    def record(self, chat_id: int) -> None:
        """A send that already completed (a direct reply): it uses up the windows too."""
        self.start(chat_id).finish()
