"""督学 reports at scale: `python -m bench.reports [--db sqlite|pg|both] [--reuse] [--repeat 3]`.

Builds one year of data (10,000 members in 100 units, about 50 sessions per unit with every member
expected at each: 500,000 attendance rows; 30 study entries per member: 300,000) in a process of its
own, then, in a fresh process, times: the quarterly figures of the whole tree, the XLSX 学习档案 of
one unit for the year, and the .docx bulletin of the quarter just ended (figures, chart, document,
and the 补学 it orders — rolled back after each repetition); with that process's peak memory.

Each figure is the fastest of `--repeat` runs (the machine may be shared: the slowest runs measure
the neighbours). Beside the wall time it prints the CPU time the work took — this process's, plus
the PostgreSQL backends' — which other processes hardly change, and how busy the machine was."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

import models  # noqa: F401  (registers every table)
from bot.features import gather, install_domain_plugins
from bench.common import PG_DEFAULT, bench_db_cpu, machine_cpu, progress, table, write_json
from bot.reports import xlsx
from bot.reports.render import bulletin_file
from models import figures as fg
from models.base import Base
from models.selfstudy import EntryKind, StudyEntry
from models.sessions import Attendance, SessionKind, SessionState, Status, StudySession
from models.units import Membership, Person, Role, Unit, UnitKind

YEAR = 2026
NOW = datetime(YEAR + 1, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, when the Q4 bulletin is made
PG_NAME = "wuxue_bench_reports"  # kept between runs (--reuse); the name marks its backends for bench_db_cpu
TARGETS = {"figures": 1.0, "xlsx": 3.0, "docx": 5.0}
MEMORY_TARGET = 200
STATUSES = [Status.present] * 8 + [Status.late, Status.absent, Status.leave_approved]


async def build(url: str, members: int, units: int, sessions_per_unit: int, entries: int) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        now = datetime(YEAR, 12, 31, 12, tzinfo=UTC)
        unit_rows = [{"id": 1, "chat_id": -1000, "kind": UnitKind.supervise, "name": "机关党委", "parent_id": None,
                      "timezone": "Asia/Shanghai", "join_code": "u1", "options": {}, "created_at": now,
                      "updated_at": now}]
        # Every other branch asks for 120 hours a year: its members fall short, and the bulletin orders
        # their 补学 (about half the members), so that work is measured too.
        unit_rows += [{"id": i, "chat_id": -1000 - i, "kind": UnitKind.research, "name": f"第{i}党支部",
                       "parent_id": 1, "timezone": "Asia/Shanghai", "join_code": f"u{i}",
                       "options": {"selfstudy": {"targets": {"member": 120, "leader": 120}}} if i % 2 else {},
                       "created_at": now, "updated_at": now} for i in range(2, units + 1)]
        await conn.execute(insert(Unit), unit_rows)
        await conn.execute(insert(Person), [
            {"id": p, "tg_user_id": 10_000_000 + p, "first_name": f"党员{p}", "created_at": now, "updated_at": now}
            for p in range(1, members + 1)])
        per_unit = members // (units - 1)
        home = {p: 2 + (p - 1) // per_unit for p in range(1, per_unit * (units - 1) + 1)}
        await conn.execute(insert(Membership), [
            {"unit_id": u, "person_id": p, "role": Role.admin if (p - 1) % per_unit == 0 else Role.member,
             "active": True, "source": "bench", "joined_at": now} for p, u in home.items()])
        rnd = random.Random(8)
        sid = 0
        attendance = []
        session_rows = []
        by_unit: dict[int, list[int]] = {}
        for p, u in home.items():
            by_unit.setdefault(u, []).append(p)
        for u, people in by_unit.items():
            for k in range(sessions_per_unit):
                sid += 1
                day = date(YEAR, 1, 1) + timedelta(days=(k * 365) // sessions_per_unit)
                starts = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
                session_rows.append({
                    "id": sid, "unit_id": u, "kind": SessionKind.theme_day, "tier": UnitKind.research,
                    "topic": f"学习主题{k}", "starts_at": starts, "ends_at": starts + timedelta(minutes=90),
                    "opens_at": starts, "closes_at": starts + timedelta(minutes=30), "late_after": starts,
                    "state": SessionState.closed, "created_at": now, "updated_at": now, "local_day": day,
                    "minutes": 90})
                attendance += [{"session_id": sid, "person_id": p, "expected": True, "status": rnd.choice(STATUSES),
                                "created_at": now, "updated_at": now} for p in people]
        await conn.execute(insert(StudySession), session_rows)
        for i in range(0, len(attendance), 50_000):
            await conn.execute(insert(Attendance), attendance[i:i + 50_000])
        study = [{"person_id": p, "unit_id": u, "day": date(YEAR, 1, 1) + timedelta(days=rnd.randrange(365)),
                  "minutes": rnd.choice((30, 45, 60)), "kind": EntryKind.own, "created_at": now}
                 for p, u in home.items() for _ in range(entries)]
        for i in range(0, len(study), 50_000):
            await conn.execute(insert(StudyEntry), study[i:i + 50_000])
    await engine.dispose()
    print(f"data: {units} units, {len(home)} members, {len(session_rows)} sessions, "
          f"{len(attendance)} attendance rows, {len(study)} study entries")




async def measure(url: str, repeat: int) -> dict:
    """In a fresh process: each report `repeat` times; the fastest wall time and its CPU time."""
    engine = create_async_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    quarter = fg.period_of(fg.PeriodKind.quarter, date(YEAR, 11, 1))
    year = fg.period_of(fg.PeriodKind.year, date(YEAR, 11, 1))
    pg = url.startswith("postgresql")
    out: dict = {}

    async def timed(name: str, work) -> object:  # noqa: ANN001
        best = None
        for _ in range(repeat):
            async with sessions() as s:
                cpu, db, began = time.process_time(), bench_db_cpu() if pg else 0.0, time.perf_counter()
                result = await work(s)
                wall = time.perf_counter() - began
                used = time.process_time() - cpu + (bench_db_cpu() - db if pg else 0.0)
                await s.rollback()  # the bulletin's 补学 orders: every repetition does the same work
            if best is None or wall < best[0]:
                best = (wall, used)
        out[name] = {"wall": best[0], "cpu": best[1]}
        return result

    async def figures(s):  # noqa: ANN001, ANN202
        return await fg.report(s, root=await s.get(Unit, 1), period=quarter, now=NOW)

    async def export(s):  # noqa: ANN001, ANN202
        arch = await fg.archive(s, root=await s.get(Unit, 2), period=year, now=NOW)
        return await asyncio.to_thread(xlsx.workbook, "zh", arch.report, arch)

    async def bulletin(s):  # noqa: ANN001, ANN202
        return await bulletin_file(s, "zh", await s.get(Unit, 1), quarter, NOW)

    rep = await timed("figures", figures)
    data = await timed("xlsx", export)
    _, doc, b = await timed("docx", bulletin)
    await engine.dispose()
    out["detail"] = {"units": len(rep.units), "members": len(rep.members), "xlsx_kib": len(data) // 1024,
                     "docx_kib": len(doc) // 1024, "ordered": len(b.ordered), "listed": len(b.makeups)}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _pg_url(base: str) -> str:
    return base.rsplit("/", 1)[0] + f"/{PG_NAME}"


async def _pg_create(base: str) -> str | None:
    """The bench's PostgreSQL database (created if missing); None when the server does not answer."""
    import asyncpg

    try:
        conn = await asyncpg.connect(base.replace("+asyncpg", ""), timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        progress(f"PostgreSQL skipped: not reachable at {base.split('@')[-1]} ({type(exc).__name__})")
        return None
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", PG_NAME):
            await conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    finally:
        await conn.close()
    return _pg_url(base)


async def _pg_vacuum(url: str) -> None:
    """What autovacuum would soon do after a bulk load: statistics and the visibility map."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def _child(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.reports", *args], capture_output=True, text=True,
                          check=False, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_one(name: str, url: str, args: argparse.Namespace) -> dict | None:
    if not args.reuse:
        progress(f"{name}: building the data…")
        built = _child("--phase", "build", "--url", url, "--members", str(args.members), "--units", str(args.units),
                       "--sessions", str(args.sessions), "--entries", str(args.entries))
        if built.returncode:
            raise SystemExit(built.stderr)
        progress(f"{name}: {built.stdout.strip()}")
        if url.startswith("postgresql"):
            asyncio.run(_pg_vacuum(url))
    progress(f"{name}: measuring ({args.repeat} runs each)…")
    machine, children = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    db, began = bench_db_cpu(), time.monotonic()
    done = _child("--phase", "measure", "--url", url, "--repeat", str(args.repeat))
    if done.returncode:
        raise SystemExit(done.stderr)
    elapsed = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime) + bench_db_cpu() - db
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["others_cores"] = min(float(os.cpu_count() or 1), max(0.0, (machine_cpu() - machine - ours) / elapsed))
    result["load"] = os.getloadavg()[0]
    return result


def report_lines(results: dict[str, dict]) -> str:
    names = list(results)
    rows = []
    labels = {"figures": "quarterly figures, all units", "xlsx": "XLSX 学习档案, one unit, a year",
              "docx": ".docx quarterly bulletin"}
    for key, label in labels.items():
        row = [label, f"< {TARGETS[key]:g} s"]
        for name in names:
            m = results[name][key]
            ok = "ok" if m["wall"] < TARGETS[key] else "OVER"
            row += [f"{m['wall']:.2f} s", f"{m['cpu']:.2f} s", f"{m['wall'] / TARGETS[key]:.2f} {ok}"]
        rows.append(row)
    row = ["peak memory (measuring process)", f"< {MEMORY_TARGET} MB"]
    for name in names:
        peak = results[name]["peak_mb"]
        row += [f"{peak:.0f} MB", "", f"{peak / MEMORY_TARGET:.2f} {'ok' if peak < MEMORY_TARGET else 'OVER'}"]
    rows.append(row)
    heads = ["figure", "target"]
    for name in names:
        heads += [f"{name} wall", f"{name} CPU", f"{name} ratio"]
    lines = [table(heads, rows)]
    for name in names:
        r = results[name]
        d = r["detail"]
        lines.append(f"{name}: {d['units']} units, {d['members']} member rows; XLSX {d['xlsx_kib']} KiB, "
                     f".docx {d['docx_kib']} KiB listing {d['listed']} open 补学 ({d['ordered']} ordered by it); "
                     f"other processes used {r['others_cores']:.1f} of {os.cpu_count()} cores meanwhile "
                     f"(load average {r['load']:.1f})")
    lines.append("wall: the fastest run; CPU: that run's CPU time (this process, plus the PostgreSQL backends). "
                 "On a busy machine the wall times are high and the CPU times the better guide.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    install_domain_plugins(gather())  # the figures of every feature, as the bot reports them
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--pg", default=PG_DEFAULT, help="a PostgreSQL URL to create the bench database from")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=50, help="sessions per unit in the year")
    parser.add_argument("--entries", type=int, default=30, help="study entries per member")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each report; the fastest counts")
    parser.add_argument("--reuse", action="store_true", help="measure the data of the last run without building it")
    parser.add_argument("--phase", choices=("build", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "build":
        asyncio.run(build(args.url, args.members, args.units, args.sessions, args.entries))
        return {}
    if args.phase == "measure":
        print(json.dumps(asyncio.run(measure(args.url, args.repeat))))
        return {}
    targets = {}
    if args.db in ("sqlite", "both"):
        targets["SQLite"] = f"sqlite+aiosqlite:///{tempfile.gettempdir()}/wuxue_bench_reports.db"
    if args.db in ("pg", "both"):
        url = asyncio.run(_pg_create(args.pg))
        if url:
            targets["PostgreSQL"] = url
    results = {name: run_one(name, url, args) for name, url in targets.items()}
    text = report_lines(results)
    print(text, flush=True)
    write_json("reports", {"results": results, "text": text})
    return {"headline": "reports: " + "; ".join(
        f"{name} figures {r['figures']['wall']:.2f} s, XLSX {r['xlsx']['wall']:.2f} s, "
        f".docx {r['docx']['wall']:.2f} s, "
        f"{r['peak_mb']:.0f} MB" for name, r in results.items())}


if __name__ == "__main__":
    main()
