"""Planning the weekly self-study reminder (issue #6): 10,000 members in 100 units, < 2 s.

On a database holding a year of the organisation's life (bench/yeardata.py), the planner
`jobs.selfstudy.plan_weekly_reminders` runs over the window of Monday 09:00 (the units' default
time, Asia/Shanghai) as the planner tick runs it: one transaction, the plan rendered per unit and
language, one outbox row per unit's group and per member not away, through `models.outbox.enqueue`,
then the commit. Timed from the start of the planner to the end of the commit, `--repeats` times
(the outbox emptied between runs, untimed); `enqueue` is timed on its own too. Then once more with
the rows still there: every dedupe key is taken, so nothing new may be written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text

import jobs.selfstudy as planner_module
from bench.common import Databases, bench_db_cpu, machine_cpu, median, progress, quiet_logs, table, write_json
from bench.yeardata import TZ, Shape, generate
from bot.app import build_application
from bot.context import BotState
from bot.db import create_engine, session_factory
from bot.migrate import upgrade
from bot.settings import Settings
from jobs.planner import Window
from models.outbox import Outbox
from models.selfstudy import monday

TARGET_SECONDS = 2.0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run selfstudy", description=__doc__.split("\n")[0])
    p.add_argument("--db", action="append", help="sqlite, pg, or a postgresql+asyncpg:// URL; may be given "
                   "more than once (default: sqlite and pg)")
    p.add_argument("--units", type=int, default=100)
    p.add_argument("--per-unit", type=int, default=100, help="members per unit")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--name", default="selfstudy", help="results file name under bench/out")
    p.add_argument("--me", action="store_true", help="then /me on the same databases: bench/run updates "
                   "--workload me (latency against the 50 ms p99 target), with --me-rounds rounds")
    p.add_argument("--me-rounds", type=int, default=3)
    return p.parse_args(argv)


class _TimedEnqueue:
    """Wraps the planner's `enqueue` to time it on its own."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real, self.seconds, self.rows = real, 0.0, 0

    async def __call__(self, session, *, items, now):  # noqa: ANN001, ANN204
        started = time.perf_counter()
        try:
            return await self.real(session, items=items, now=now)
        finally:
            self.seconds += time.perf_counter() - started
            self.rows += len(items)


async def one_backend(spec: str, args: argparse.Namespace) -> dict:
    dbs = Databases(spec)
    reason = await dbs.unreachable()
    if reason:
        progress(f"selfstudy on {dbs.backend}: skipped — {reason}")
        return {"backend": dbs.backend, "skipped": reason}
    shape = Shape(units=args.units, per_unit=args.per_unit)
    # The Monday of this week, 09:00 in the units' zone: the window the tick plans just after it.
    local_today = datetime.now(ZoneInfo(TZ)).date()
    due = datetime.combine(monday(local_today), datetime.min.time().replace(hour=9), ZoneInfo(TZ)).astimezone(UTC)
    window = Window(since=due - timedelta(minutes=1), now=due + timedelta(seconds=30), oldest=due - timedelta(hours=6))
    url = await dbs.create()
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        started = time.monotonic()
        progress(f"selfstudy on {dbs.backend}: writing a year of data for {shape.members:,} members in "
                 f"{shape.units} units")
        counts = await generate(sessions, today=monday(local_today), shape=shape)
        progress(f"  {sum(counts.values()):,} rows in {time.monotonic() - started:.0f} s "
                 f"({', '.join(f'{t} {n:,}' for t, n in counts.items() if n >= 10_000)})")
        if dbs.backend == "postgresql":
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
        app = build_application(Settings(telegram={"token": "123456:bench"}, database={"url": url}))
        state: BotState = app.bot_data
        state.engine, state.sessions = engine, sessions
        timed = _TimedEnqueue(planner_module.enqueue)
        planner_module.enqueue = timed
        runs = []
        try:
            for r in range(args.repeats + 1):
                last = r == args.repeats  # planning the same window again, over the rows of the run before
                if 0 < r < args.repeats:
                    await _empty_outbox(engine, sessions, dbs.backend)
                timed.seconds = 0.0
                cpu, db, machine, wall = time.process_time(), bench_db_cpu(), machine_cpu(), time.perf_counter()
                async with sessions.begin() as session:
                    written = await planner_module.plan_weekly_reminders(session, state, window)
                    planned = time.perf_counter()
                total = time.perf_counter() - wall
                used = (time.process_time() - cpu) + (bench_db_cpu() - db)  # this process and its PostgreSQL backend
                others = max(0.0, machine_cpu() - machine - used)
                run = {"seconds": total, "enqueue": timed.seconds, "commit": total - (planned - wall),
                       "rows": written, "cpu": used, "others_cpu": others / total}
                async with sessions() as session:
                    stored = await session.scalar(select(func.count()).select_from(Outbox))
                if not last:
                    runs.append(run)
                    progress(f"  run {r + 1}/{args.repeats}: {written:,} rows in {total:.2f} s (enqueue "
                             f"{timed.seconds:.2f} s, commit {run['commit']:.2f} s; CPU {used:.2f} s); other "
                             f"processes {run['others_cpu']:.0%} CPU")
                    if stored != written:
                        raise RuntimeError(f"{written} rows reported new, {stored} in the outbox")
                else:
                    repeat = run
                    progress(f"  the same window again: {written} new rows in {total:.2f} s")
                    if written != 0 or stored != runs[-1]["rows"]:
                        raise RuntimeError(f"planning twice wrote {written} rows again ({stored} in the outbox)")
        finally:
            planner_module.enqueue = timed.real
        expected = await _expected_rows(sessions, shape)
        if runs[0]["rows"] != expected:
            raise RuntimeError(f"{runs[0]['rows']} rows planned, expected {expected}")
    finally:
        await engine.dispose()
        await dbs.drop(url)
        dbs.cleanup()
    seconds = [r["seconds"] for r in runs]
    return {"backend": dbs.backend, "members": shape.members, "units": shape.units, "rows": runs[0]["rows"],
            "median": median(seconds), "best": min(seconds), "worst": max(seconds),
            "enqueue": median([r["enqueue"] for r in runs]), "commit": median([r["commit"] for r in runs]),
            "cpu": median([r["cpu"] for r in runs]),
            "others_cpu": median([r["others_cpu"] for r in runs]), "repeat": repeat["seconds"], "runs": runs,
            "data_rows": sum(counts.values())}


async def _empty_outbox(engine, sessions, backend: str) -> None:  # noqa: ANN001
    async with sessions.begin() as session:
        await session.execute(delete(Outbox))
    if backend == "postgresql":  # as autovacuum would, so every run finds the same table
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE outbox"))


async def _expected_rows(sessions, shape: Shape) -> int:  # noqa: ANN001
    """A group post per unit and a private message per member not away that Monday."""
    from models.selfstudy import AwayPeriod

    local_monday = monday(datetime.now(ZoneInfo(TZ)).date())
    async with sessions() as session:
        away = await session.scalar(select(func.count(func.distinct(AwayPeriod.person_id))).where(
            AwayPeriod.first_day <= local_monday, AwayPeriod.last_day >= local_monday))
    return shape.units + shape.members - away


def report(results: list[dict]) -> str:
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append([r["backend"], "skipped", "", "", "", "", "", "", ""])
            continue
        ok = "OK" if r["median"] < TARGET_SECONDS else "FAIL"
        rows.append([r["backend"], f"{r['rows']:,}", f"{r['median']:.2f}", f"{r['best']:.2f}–{r['worst']:.2f}",
                     f"{r['enqueue']:.2f}", f"{r['commit']:.2f}", f"{r['cpu']:.2f}", f"{r['repeat']:.2f}",
                     f"{r['median'] / TARGET_SECONDS:.0%} of target → {ok}"])
    shape = next((r for r in results if "skipped" not in r), {"members": 0, "units": 0})
    text = (f"selfstudy — planning the Monday 09:00 reminder for {shape['members']:,} members in {shape['units']} units "
            f"(one year of data), target < {TARGET_SECONDS:.0f} s\n" + table(
                ["db", "rows", "seconds (median)", "best–worst", "enqueue s", "commit s", "CPU s", "again s",
                 "vs target"],
                rows))
    busy = [r for r in results if "skipped" not in r and r["others_cpu"] > 0.15]
    load = os.getloadavg()
    text += f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    if busy:
        text += ("; other processes used " + ", ".join(f"{r['others_cpu']:.0%} CPU during {r['backend']}" for r in busy)
                 + " — figures are pessimistic")
    text += ("\n'CPU s': CPU used by the planner's process and its PostgreSQL backend during a run (what the "
             "planning costs whatever else runs)\n'again s': planning the same window once more (every dedupe key "
             "taken: nothing written)")
    return text


async def bench(args: argparse.Namespace) -> dict:
    results = [await one_backend(spec, args) for spec in args.db or ["sqlite", "pg"]]
    text = report(results)
    print("\n" + text + "\n", flush=True)
    done = [r for r in results if "skipped" not in r]
    headline = "selfstudy planning: " + "; ".join(
        f"{r['backend']} {r['median']:.2f} s ({'OK' if r['median'] < TARGET_SECONDS else 'FAIL'} < {TARGET_SECONDS:.0f} s)"
        for r in done)
    out = {"bench": "selfstudy", "settings": vars(args), "results": results, "report": text, "headline": headline}
    progress(f"results written to {write_json(args.name, out)}")
    return out


def main(argv: list[str]) -> dict:
    quiet_logs()
    args = parse(argv)
    out = asyncio.run(bench(args))
    if args.me:
        from bench import updates

        lines = [out["headline"]]
        for spec in args.db or ["sqlite", "pg"]:
            me = updates.main(["--workload", "me", "--db", spec, "--rounds", str(args.me_rounds), "--quiet", "300",
                               "--updates", "600"])
            lines.append(me.get("headline") or f"/me skipped: {me['skipped']}")
        print("issue #6 targets\n" + "\n".join(f"  {line}" for line in lines), flush=True)
        out["me_headlines"] = lines[1:]
    return out
