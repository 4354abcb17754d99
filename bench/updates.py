"""Updates per second and latency: a bare PTB echo bot and wuxue against the same fake Bot API.

Each round runs both contenders (the order alternates between rounds), each with fresh users and,
for wuxue, a fresh database prepared by the workload. A contender's run has two phases, both closed
loops driven by the fake in its own process (bench/fakeproc.py):
  * quiet: `--quiet` updates with one outstanding at a time: the latency a user sees on an idle bot;
  * load: `--updates` updates with `--window` outstanding: throughput, and latency under load.
The window is 100 because getUpdates hands out at most 100 updates: the bot always has a full batch
waiting but never a backlog beyond one batch, so latency stays about one batch's processing time
instead of growing with the run's length as in a full burst (where p50 only measures N/2 of queue).
The figures reported are medians over the rounds (run-to-run noise is about ±20 %).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.ext import MessageHandler, filters

from bench.common import OUT, Databases, bench_db_cpu, bot_settings, machine_cpu, median, percentile, progress, quiet_logs, table, write_json
from bench.fakeproc import FakeProcess
from bench.sampler import Sampler
from bench.workloads import WORKLOADS, Check, Sender, Workload, group_chat
from bot import lifecycle
from bot.app import build_application
from bot.db import create_engine, session_factory
from bot.migrate import upgrade
from handlers import ALLOWED_UPDATES

POLL_TIMEOUT = 10
BUSY = 0.15  # other processes' CPU (in cores) above which the figures are not to be trusted
ROOT = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run updates", description=__doc__.split("\n")[0])
    p.add_argument("--workload", choices=sorted(WORKLOADS), default="join")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--updates", type=int, default=2000, help="updates per contender per round (load phase)")
    p.add_argument("--window", type=int, default=100, help="outstanding updates in the load phase")
    p.add_argument("--quiet", type=int, default=200, help="updates sent one at a time before the load phase")
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--db", default="sqlite", help="sqlite (default), pg, or a postgresql+asyncpg:// URL to "
                   "create and drop the bench's databases on")
    p.add_argument("--profile", action="store_true", help="then profile one more wuxue load phase (bench/sampler.py)")
    p.add_argument("--name", help="results file name under bench/out (default: updates[-<workload>][-pg])")
    return p.parse_args(argv)


class Contender(Protocol):
    name: str
    prepared: object  # what the workload's `prepare` found once the bot started (None for echo)

    async def start(self, fake: FakeProcess, senders: list[Sender]) -> None: ...

    async def verify(self) -> str | None: ...

    async def stop(self) -> None: ...


class Echo:
    """The floor: PTB's own overhead, polling and replying with the text, nothing else."""

    name = "echo"
    prepared = None

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.app: Application | None = None

    async def start(self, fake: FakeProcess, senders: list[Sender]) -> None:
        self.app = (ApplicationBuilder().token(fake.token).base_url(f"{fake.url}/bot")
                    .base_file_url(f"{fake.url}/file/bot").build())
        self.app.add_handler(CommandHandler(self.workload.command, _echo))
        if self.workload.words:
            words = "|".join(self.workload.words)
            self.app.add_handler(MessageHandler(filters.TEXT & filters.Regex(f"^({words})$"), _echo))
        self.app.add_handler(CallbackQueryHandler(_answer))
        await lifecycle.start(self.app, polling=True, poll_timeout=POLL_TIMEOUT)

    async def verify(self) -> str | None:
        return None

    async def stop(self) -> None:
        if self.app is not None:
            await lifecycle.stop(self.app)


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


async def _answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer(update.callback_query.data[:32])


class Wuxue:
    """The real application, as `wuxue run` builds it, on a fresh database the workload prepared."""

    name = "wuxue"

    def __init__(self, workload: Workload, dbs: Databases, groups: list[int]) -> None:
        self.workload, self.dbs, self.groups = workload, dbs, groups
        self.senders: list[Sender] = []
        self.app: Application | None = None
        self.db_url: str | None = None
        self.fake: FakeProcess | None = None
        self.prepared: object = None

    async def start(self, fake: FakeProcess, senders: list[Sender]) -> None:
        self.senders, self.fake = senders, fake
        if self.workload.template:
            if self.workload.name not in self.dbs.templates:
                progress(f"preparing the {self.workload.name} database once (copied for every run)")
                self.dbs.templates[self.workload.name] = await self._prepared(senders, fake.token)
            self.db_url = await self.dbs.copy(self.dbs.templates[self.workload.name])
        else:
            self.db_url = await self._prepared(senders, fake.token)
        self.app = build_application(bot_settings(fake.url, fake.token, self.db_url))
        await lifecycle.start(self.app, polling=True, poll_timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
        if self.workload.prepare is not None:
            self.prepared = await self.workload.prepare(fake, self.app.bot_data.sessions, self.groups)

    async def _prepared(self, senders: list[Sender], token: str) -> str:
        url = await self.dbs.create()
        engine = create_engine(url)
        try:
            await upgrade(engine)
            started = time.monotonic()
            await self.workload.setup(session_factory(engine), self.groups, senders, datetime.now(UTC), token)
            if self.workload.template:
                progress(f"  set up in {time.monotonic() - started:.0f} s")
                if self.dbs.backend == "postgresql":  # what autovacuum does soon after a bulk load, done
                    async with engine.connect() as conn:  # now rather than during the measured runs
                        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(
                            text("VACUUM ANALYZE"))
        finally:
            await engine.dispose()
        return url

    async def verify(self) -> str | None:
        state = self.app.bot_data
        return await self.workload.verify(Check(state.sessions, state, self.fake, self.senders, self.prepared))

    async def stop(self) -> None:
        try:
            if self.app is not None:
                await lifecycle.stop(self.app)
        finally:
            if self.db_url is not None:
                await self.dbs.drop(self.db_url)


def senders_for(first_user: int, count: int, groups: list[int]) -> list[Sender]:
    return [(first_user + i, groups[i % len(groups)]) for i in range(count)]


def phase_figures(result: dict, bot_cpu: float, db_cpu: float, machine: float) -> dict:
    """Throughput, latency percentiles (ms) and CPU use of one drive (in cores: 1.0 = one core busy);
    "others" is what the rest of the machine used meanwhile, which slows both contenders."""
    lat = [x * 1000 for x in result["latencies"]]
    span = (result["last_answer"] or 0) - (result["first_fetch"] or 0)
    wall = result["wall_seconds"]
    return {
        "updates": result["updates"], "answered": result["answered"],
        "per_second": result["answered"] / span if span > 0 else 0.0,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "bot_cpu": bot_cpu / wall, "fake_cpu": result["fake_cpu_seconds"] / wall,
        "cpu_ms": 1000 * bot_cpu / result["answered"] if result["answered"] else 0.0,
        "db_cpu": db_cpu / wall,
        "others_cpu": max(0.0, machine - bot_cpu - db_cpu - result["fake_cpu_seconds"]) / wall,
        "failed_requests": result["failed_requests"], "failed_samples": result["failed_samples"],
    }


async def drive(fake: FakeProcess, workload: Workload, senders: list[Sender], window: int, prepared: object) -> dict:
    updates = [workload.update(user_id, chat_id, prepared) for user_id, chat_id in senders]
    cpu, db, machine = time.process_time(), bench_db_cpu(), machine_cpu()
    result = await fake.drive(updates, window=window, timeout=60 + len(updates) / 20)
    figures = phase_figures(result, time.process_time() - cpu, bench_db_cpu() - db, machine_cpu() - machine)
    if result["answered"] < result["updates"]:
        raise RuntimeError(f"only {result['answered']} of {result['updates']} updates were answered; failed "
                           f"requests: {result['failed_requests']} {result['failed_samples']}")
    return figures


async def run_contender(fake: FakeProcess, contender: Contender, args: argparse.Namespace, first_user: int,
                        groups: list[int]) -> dict:
    quiet = senders_for(first_user, args.quiet, groups)
    load = senders_for(first_user + args.quiet, args.updates, groups)
    await fake.call("reset")
    try:
        await contender.start(fake, quiet + load)
        workload = WORKLOADS[args.workload]
        figures = {"quiet": await drive(fake, workload, quiet, 1, contender.prepared) if quiet else None,
                   "load": await drive(fake, workload, load, args.window, contender.prepared)}
        problem = await contender.verify()
        if problem:
            raise RuntimeError(f"{contender.name}: {problem}")
    finally:
        await contender.stop()
    return figures


def summarise(rounds: dict[str, list[dict]]) -> dict:
    """Medians over rounds of each figure, per contender and phase."""
    out: dict = {}
    for name, runs in rounds.items():
        out[name] = {}
        for phase in ("quiet", "load"):
            runs_phase = [r[phase] for r in runs if r[phase]]
            if runs_phase:
                keys = ("per_second", "p50_ms", "p95_ms", "p99_ms", "bot_cpu", "cpu_ms", "db_cpu", "fake_cpu",
                        "others_cpu")
                out[name][phase] = {k: median([r[k] for r in runs_phase]) for k in keys}
                rates = [r["per_second"] for r in runs_phase]
                out[name][phase]["per_second_min"], out[name][phase]["per_second_max"] = min(rates), max(rates)
    # Each round ran both back to back: its ratio cancels slow drifts in what else the machine does.
    out["paired_ratio"] = median([w["load"]["per_second"] / e["load"]["per_second"]
                                  for e, w in zip(rounds["echo"], rounds["wuxue"])])
    return out


def report(summary: dict, args: argparse.Namespace, backend: str) -> str:
    echo, wuxue = summary["echo"], summary["wuxue"]

    def row(label: str, phase: str, key: str, fmt: str) -> list[str]:
        e, w = echo[phase][key], wuxue[phase][key]
        return [label, format(e, fmt), format(w, fmt), f"{w / e:.2f}" if e else "-"]

    rows = [
        row(f"updates/s (load, window {args.window})", "load", "per_second", ".0f"),
        ["  min–max over rounds", f"{echo['load']['per_second_min']:.0f}–{echo['load']['per_second_max']:.0f}",
         f"{wuxue['load']['per_second_min']:.0f}–{wuxue['load']['per_second_max']:.0f}", ""],
        row("latency p50 ms (load)", "load", "p50_ms", ".1f"),
        row("latency p95 ms (load)", "load", "p95_ms", ".1f"),
        row("latency p99 ms (load)", "load", "p99_ms", ".1f"),
    ]
    if "quiet" in echo and "quiet" in wuxue:
        rows += [
            row("updates/s (quiet, one at a time)", "quiet", "per_second", ".0f"),
            row("latency p50 ms (quiet)", "quiet", "p50_ms", ".1f"),
            row("latency p95 ms (quiet)", "quiet", "p95_ms", ".1f"),
            row("latency p99 ms (quiet)", "quiet", "p99_ms", ".1f"),
        ]
    rows += [
        ["bot process CPU (load)", f"{echo['load']['bot_cpu']:.0%}", f"{wuxue['load']['bot_cpu']:.0%}", ""],
        row("bot process CPU ms per update (load)", "load", "cpu_ms", ".2f"),
        *([["PostgreSQL CPU (load)", f"{echo['load']['db_cpu']:.0%}", f"{wuxue['load']['db_cpu']:.0%}", ""]]
          if backend == "postgresql" else []),
        ["fake process CPU (load)", f"{echo['load']['fake_cpu']:.0%}", f"{wuxue['load']['fake_cpu']:.0%}", ""],
        ["other processes' CPU (load)", f"{echo['load']['others_cpu']:.0%}", f"{wuxue['load']['others_cpu']:.0%}", ""],
    ]
    title = (f"updates — /{WORKLOADS[args.workload].command} workload on {backend}, {args.rounds} rounds × "
             f"{args.updates} updates in {args.groups} groups (medians; ratio = wuxue/echo)")
    text = title + "\n" + table(["", "echo", "wuxue", "ratio"], rows)
    text += f"\nwuxue/echo updates/s, median of the per-round ratios: {summary['paired_ratio']:.2f}"
    target = WORKLOADS[args.workload].quiet_p99_ms
    if target is not None and "quiet" in wuxue:
        quiet = wuxue["quiet"]
        verdict = "OK" if quiet["p99_ms"] < target else "FAIL"
        text += (f"\ntarget: /{WORKLOADS[args.workload].command} p99 < {target:.0f} ms (quiet) — wuxue p50/p95/p99 "
                 f"{quiet['p50_ms']:.1f}/{quiet['p95_ms']:.1f}/{quiet['p99_ms']:.1f} ms → {verdict} "
                 f"({quiet['p99_ms'] / target:.0%} of target); under load p99 {wuxue['load']['p99_ms']:.0f} ms; "
                 f"bot CPU per update {1000 * wuxue['load']['bot_cpu'] / wuxue['load']['per_second']:.1f} ms "
                 f"(echo {1000 * echo['load']['bot_cpu'] / echo['load']['per_second']:.1f} ms)")
    if max(echo["load"]["others_cpu"], wuxue["load"]["others_cpu"]) > BUSY:
        text += ("\nwarning: other processes used the cores the bench needs (see the last row): the figures "
                 "are low and noisy; run again on a quiet machine")
    return text


async def profile_wuxue(fake: FakeProcess, args: argparse.Namespace, dbs: Databases, groups: list[int]) -> str:
    """One more wuxue load phase under the sampling profiler; the report also goes to bench/out."""
    workload = WORKLOADS[args.workload]
    contender = Wuxue(workload, dbs, groups)
    senders = senders_for(900_000_000, args.updates, groups)
    await fake.call("reset")
    try:
        await contender.start(fake, senders)
        updates = [workload.update(u, c, contender.prepared) for u, c in senders]
        cpu, loop_cpu = time.process_time(), time.thread_time()
        with Sampler() as sampler:
            result = await fake.drive(updates, window=args.window, timeout=60 + len(updates) / 10)
        cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
    finally:
        await contender.stop()
    text = (f"profile of one wuxue load phase ({result['answered']} updates in {result['wall_seconds']:.1f} s): "
            f"{cpu:.1f} s CPU in the bot process, {loop_cpu / cpu:.0%} of it on the event-loop thread\n"
            + sampler.report())
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "updates-profile.txt").write_text(text + "\n")
    return text


async def bench(args: argparse.Namespace) -> dict:
    dbs = Databases(args.db)
    reason = await dbs.unreachable()
    if reason:
        progress(f"updates on {dbs.backend}: skipped — {reason}")
        return {"skipped": reason}
    workload = WORKLOADS[args.workload]
    groups = [group_chat(g) for g in range(args.groups)]
    rounds: dict[str, list[dict]] = {"echo": [], "wuxue": []}
    progress(f"updates on {dbs.backend}: {args.rounds} rounds × (echo, wuxue), {args.quiet} quiet + "
             f"{args.updates} load updates each, window {args.window}")
    try:
        with FakeProcess() as fake:
            for r in range(args.rounds):
                order = [Echo(workload), Wuxue(workload, dbs, groups)]
                for contender in order if r % 2 == 0 else order[::-1]:
                    first_user = 100_000_000 + 1_000_000 * r + (0 if contender.name == "echo" else 500_000)
                    figures = await run_contender(fake, contender, args, first_user, groups)
                    rounds[contender.name].append(figures)
                    load, quiet = figures["load"], figures["quiet"]
                    progress(f"round {r + 1}/{args.rounds} {contender.name:5}: {load['per_second']:5.0f} updates/s, "
                             f"load p50/p95/p99 {load['p50_ms']:.0f}/{load['p95_ms']:.0f}/{load['p99_ms']:.0f} ms"
                             + (f", quiet p50 {quiet['p50_ms']:.1f} ms" if quiet else "")
                             + f", CPU: bot {load['bot_cpu']:.0%} ({load['cpu_ms']:.1f} ms/update) db {load['db_cpu']:.0%} "
                               f"fake {load['fake_cpu']:.0%} others {load['others_cpu']:.0%}")
            profile = await profile_wuxue(fake, args, dbs, groups) if args.profile else None
    finally:
        for url in dbs.templates.values():
            await dbs.drop(url)
        dbs.cleanup()
    summary = summarise(rounds)
    text = report(summary, args, dbs.backend)
    print("\n" + text + "\n", flush=True)
    if profile:
        print(profile + "\n", flush=True)
    ratio = summary["wuxue"]["load"]["per_second"] / summary["echo"]["load"]["per_second"]
    result = {"bench": "updates", "workload": args.workload, "backend": dbs.backend, "settings": vars(args),
              "summary": summary, "ratio": ratio, "rounds": rounds, "report": text}
    name = args.name or "updates" + ("" if args.workload == "join" else f"-{args.workload}") + \
        ("-pg" if dbs.backend == "postgresql" else "")
    progress(f"results written to {write_json(name, result).relative_to(ROOT)}")
    result["headline"] = (f"updates ({args.workload}, {dbs.backend}): wuxue {summary['wuxue']['load']['per_second']:.0f}/s "
                          f"vs echo {summary['echo']['load']['per_second']:.0f}/s → {ratio:.2f}× echo; load p50 "
                          f"{summary['wuxue']['load']['p50_ms']:.0f} vs {summary['echo']['load']['p50_ms']:.0f} ms")
    target = workload.quiet_p99_ms
    if target is not None and "quiet" in summary["wuxue"]:
        quiet = summary["wuxue"]["quiet"]
        result["headline"] = (
            f"/{workload.command} on {dbs.backend}: quiet p50/p95/p99 {quiet['p50_ms']:.1f}/{quiet['p95_ms']:.1f}/"
            f"{quiet['p99_ms']:.1f} ms vs target p99 < {target:.0f} ms → {'OK' if quiet['p99_ms'] < target else 'FAIL'}"
            f" (echo p99 {summary['echo']['quiet']['p99_ms']:.1f} ms); under load p99 "
            f"{summary['wuxue']['load']['p99_ms']:.0f} ms, {summary['wuxue']['load']['per_second']:.0f} updates/s, "
            f"bot CPU {1000 * summary['wuxue']['load']['bot_cpu'] / summary['wuxue']['load']['per_second']:.1f} ms "
            f"per update; others' CPU {summary['wuxue']['load']['others_cpu']:.0%}")
    return result


def main(argv: list[str]) -> dict:
    quiet_logs()
    return asyncio.run(bench(parse(argv)))
