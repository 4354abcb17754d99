"""Rate-limited delivery: a private broadcast and a group burst, sent by wuxue's outbox sender and by a
bare PTB bot with AIORateLimiter, one after the other against the same fake Bot API (in its own process).

Workload: `--members` (3,000) private messages and, at the same time, `--burst` (40) messages into one
group, all due at once (the group rows first, so both limits bind from the start: 30 messages in any
second overall, 20 in any minute into one group). wuxue runs as `wuxue run` would, with the shipped
delivery settings (per_second=30, per_group_minute=20); the rows are written with models.outbox.enqueue
and the sender is woken. PTB sends the same messages with `asyncio.gather` over `bot.send_message`,
through `AIORateLimiter()` with its default settings. Every figure comes from the fake's arrival times
(`FakeBotAPI.send_times`): rate = messages / (last - first arrival); windows are [t, t + period) starting
at each arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram.ext import AIORateLimiter, ApplicationBuilder

from bench.common import Databases, bench_db_cpu, bot_settings, machine_cpu, progress, quiet_logs, table, write_json
from bench.fakeproc import FakeProcess
from bot import lifecycle
from bot.app import build_application
from handlers import ALLOWED_UPDATES
from models.outbox import OutboxIn, enqueue
from tests.delivery_helpers import UNIT_CHAT, make_unit

PER_SECOND, PER_GROUP_MINUTE = 30, 20
TARGET_RATE = 0.95 * PER_SECOND


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run delivery", description=__doc__.split("\n")[0])
    p.add_argument("--members", type=int, default=3000, help="recipients of the private broadcast")
    p.add_argument("--burst", type=int, default=40, help="messages into one group, at the same time")
    p.add_argument("--db", default="sqlite", help="sqlite (default), pg, or a postgresql+asyncpg:// URL to "
                   "create and drop the bench's database on")
    p.add_argument("--name", default="delivery", help="results file name under bench/out")
    return p.parse_args(argv)


def messages(burst: int, people: list[tuple[int | None, int]]) -> list[tuple[str, int, int | None, str]]:
    """(dedupe key, chat id, person id, text): the group burst first, then one per person."""
    group = [(f"burst:{i}", UNIT_CHAT, None, f"群通知 {i}") for i in range(burst)]
    private = [(f"bc:{tg}", tg, pid, f"第{tg}号党员：本周自学提醒") for pid, tg in people]
    return group + private


async def send_with_wuxue(fake: FakeProcess, dbs: Databases, args: argparse.Namespace) -> float:
    """The outbox path: rows enqueued in one transaction, the running sender woken. Returns when the
    last message arrived (or the time limit passed)."""
    db_url = await dbs.create()
    app = build_application(bot_settings(fake.url, fake.token, db_url))
    settings = app.bot_data.settings.delivery
    assert (settings.per_second, settings.per_group_minute) == (PER_SECOND, PER_GROUP_MINUTE), settings
    await lifecycle.start(app, polling=True, poll_timeout=10, allowed_updates=ALLOWED_UPDATES)
    try:
        sessions = app.bot_data.sessions
        now = datetime.now(UTC)
        unit_id, people = await make_unit(sessions, members=args.members, now=now, chat_id=UNIT_CHAT)
        items = [OutboxIn(dedupe_key=key, chat_id=chat, person_id=pid, unit_id=unit_id, kind="bench", due_at=now,
                          text=text) for key, chat, pid, text in messages(args.burst, people)]
        async with sessions.begin() as session:
            await enqueue(session, items=items, now=now)
        app.bot_data.sender.wake()
        return await wait_for_sends(fake, len(items))
    finally:
        await lifecycle.stop(app)
        await dbs.drop(db_url)


async def send_with_ptb(fake: FakeProcess, dbs: Databases, args: argparse.Namespace) -> float:
    """A bare PTB bot: every send at once through AIORateLimiter (default settings)."""
    app = (ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")
           .rate_limiter(AIORateLimiter()).build())
    people = [(None, 100_000 + i) for i in range(args.members)]
    items = messages(args.burst, people)
    async with app:
        sends = asyncio.gather(*(app.bot.send_message(chat, text) for _, chat, _, text in items),
                               return_exceptions=True)
        watch = asyncio.create_task(wait_for_sends(fake, len(items)))
        results = await sends
        failures = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        if failures:
            progress(f"PTB: failed sends {dict(failures)}")
        return await watch


async def wait_for_sends(fake: FakeProcess, total: int) -> float:
    """Print progress every 10 s until `total` messages arrived; time out well past the rate limit."""
    started = time.monotonic()
    limit, next_report = 60 + total / PER_SECOND * 2, started + 10
    while (sent := await fake.call("sent_count")) < total:
        if time.monotonic() - started > limit:
            progress(f"gave up after {limit:.0f} s with {sent} of {total} messages sent")
            break
        if time.monotonic() >= next_report:
            progress(f"  {sent}/{total} sent")
            next_report += 10
        await asyncio.sleep(1)
    return time.monotonic()


def windows(times: list[float], period: float, limit: int) -> tuple[int, int]:
    """Most arrivals in any [t, t + period) window starting at an arrival, and how many such windows
    hold more than `limit`."""
    most = over = 0
    end = 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] < t + period:
            end += 1
        most = max(most, end - start)
        over += end - start > limit
    return most, over


def figures(times: list[float], group_times: list[float], texts: list[str], expected: int) -> dict:
    times, group_times = sorted(times), sorted(group_times)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    most_1s, over_1s = windows(times, 1.0, PER_SECOND)
    most_60s, over_60s = windows(group_times, 60.0, PER_GROUP_MINUTE)
    counts = Counter(texts)
    first = times[0] if times else 0.0
    return {
        # arrival times (s after the first), for a closer look at where windows overflowed
        "arrivals": [round(t - first, 4) for t in times], "group_arrivals": [round(t - first, 4) for t in group_times],
        "sent": len(times), "expected": expected, "span_s": span, "rate": len(times) / span if span else 0.0,
        "max_1s": most_1s, "over_1s": over_1s,
        "group_sent": len(group_times), "group_span_s": group_times[-1] - group_times[0] if group_times else 0.0,
        "group_max_60s": most_60s, "group_over_60s": over_60s,
        "duplicates": sum(c - 1 for c in counts.values() if c > 1), "missing": expected - len(counts),
    }


def _first_over(f: dict) -> str:
    times = f["arrivals"]
    end = 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] < t + 1.0:
            end += 1
        if end - start > PER_SECOND:
            return f"{t:.1f}"
    return "-"


def verdict(f: dict) -> str:
    ok = f["rate"] >= TARGET_RATE and f["over_1s"] == 0 and f["group_over_60s"] == 0 and not f["missing"] \
        and not f["duplicates"]
    return "PASS" if ok else "FAIL"


def report(results: dict[str, dict], args: argparse.Namespace, backend: str) -> str:
    w, p = results["wuxue"], results["ptb"]
    rows = [
        ["messages sent (of expected)", f"{w['sent']} ({w['expected']})", f"{p['sent']} ({p['expected']})", ""],
        ["span s", f"{w['span_s']:.1f}", f"{p['span_s']:.1f}", ""],
        ["rate msg/s", f"{w['rate']:.2f}", f"{p['rate']:.2f}", f"≥ {TARGET_RATE:.1f}"],
        ["  rate / limit", f"{w['rate'] / PER_SECOND:.3f}", f"{p['rate'] / PER_SECOND:.3f}", "≥ 0.95"],
        ["most in any 1 s", w["max_1s"], p["max_1s"], f"≤ {PER_SECOND}"],
        [f"1-s windows over {PER_SECOND}", w["over_1s"], p["over_1s"], "0"],
        ["group: messages", w["group_sent"], p["group_sent"], ""],
        ["group: first to last s", f"{w['group_span_s']:.1f}", f"{p['group_span_s']:.1f}", ""],
        ["group: most in any 60 s", w["group_max_60s"], p["group_max_60s"], f"≤ {PER_GROUP_MINUTE}"],
        [f"group: 60-s windows over {PER_GROUP_MINUTE}", w["group_over_60s"], p["group_over_60s"], "0"],
        ["first 1-s window over, s after start", _first_over(w), _first_over(p), ""],
        ["other processes' CPU", f"{w['others_cpu']:.0%}", f"{p['others_cpu']:.0%}", ""],
        ["duplicates / missing", f"{w['duplicates']} / {w['missing']}", f"{p['duplicates']} / {p['missing']}", "0 / 0"],
        ["verdict", verdict(w), verdict(p), ""],
    ]
    title = (f"delivery — {args.members} private messages + {args.burst} into one group, at once, on {backend} "
             f"(wuxue rate / PTB rate = {w['rate'] / p['rate']:.2f})")
    return title + "\n" + table(["", "wuxue Sender", "PTB AIORateLimiter", "target"], rows)


async def bench(args: argparse.Namespace) -> dict:
    dbs = Databases(args.db)
    reason = await dbs.unreachable()
    if reason:
        progress(f"delivery on {dbs.backend}: skipped — {reason}")
        return {"skipped": reason}
    expected = args.members + args.burst
    contenders: dict[str, Callable[..., Awaitable[float]]] = {"wuxue": send_with_wuxue, "ptb": send_with_ptb}
    results: dict[str, dict] = {}
    progress(f"delivery on {dbs.backend}: {args.members} private + {args.burst} group messages, about "
             f"{expected / PER_SECOND:.0f} s per contender")
    with FakeProcess() as fake:
        await fake.call("add_chat", UNIT_CHAT, "测试支部群")
        for name, send in contenders.items():
            await fake.call("reset")
            progress(f"{name}: sending")
            cpu = (time.monotonic(), machine_cpu(), time.process_time(), bench_db_cpu(), await fake.call("cpu"))
            await send(fake, dbs, args)
            await asyncio.sleep(0.5)  # let stragglers arrive before counting
            wall, machine, own, db, fake_cpu = (b - a for a, b in zip(cpu, (
                time.monotonic(), machine_cpu(), time.process_time(), bench_db_cpu(), await fake.call("cpu"))))
            results[name] = f = figures(await fake.call("send_times"), await fake.call("send_times", UNIT_CHAT),
                                        await fake.call("sent_texts"), expected)
            f["others_cpu"] = max(0.0, machine - own - max(db, 0.0) - fake_cpu) / wall
            progress(f"{name}: {f['sent']} sent in {f['span_s']:.1f} s = {f['rate']:.2f}/s, most in 1 s {f['max_1s']}, "
                     f"group most in 60 s {f['group_max_60s']} → {verdict(f)}")
    dbs.cleanup()
    text = report(results, args, dbs.backend)
    print("\n" + text + "\n", flush=True)
    out = {"bench": "delivery", "backend": dbs.backend, "settings": vars(args), "results": results, "report": text}
    progress(f"results written to {write_json(args.name, out)}")
    w, p = results["wuxue"], results["ptb"]
    out["headline"] = (f"delivery ({dbs.backend}): wuxue {w['rate']:.2f} msg/s ({w['rate'] / PER_SECOND:.3f}× limit), "
                       f"1-s windows over {w['over_1s']}, group 60-s over {w['group_over_60s']} → {verdict(w)}; "
                       f"PTB AIORateLimiter {p['rate']:.2f} msg/s, over {p['over_1s']} / {p['group_over_60s']}")
    return out


def main(argv: list[str]) -> dict:
    quiet_logs()
    return asyncio.run(bench(parse(argv)))
