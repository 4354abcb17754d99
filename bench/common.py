"""What the benchmarks share: statistics, progress and tables, results on disk, throw-away databases,
and the settings that point wuxue at the fake Bot API."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.settings import Settings

OUT = Path(__file__).resolve().parent / "out"
PG_DEFAULT = os.environ.get("WUXUE_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
_T0 = time.monotonic()


def quiet_logs() -> None:
    """Warnings and errors only: a bench prints its own progress."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def progress(message: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", flush=True)


def machine_cpu() -> float:
    """CPU seconds used so far by everything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def bench_db_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backends serving the bench's databases (their
    process titles name the database), so that work counts as the bot's and not as "others"."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"wuxue_bench_" not in (proc / "cmdline").read_bytes():
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def bot_settings(url: str, token: str, db_url: str, **sections: dict) -> Settings:
    """wuxue's settings with the fake's URLs and a bench database; everything else as shipped."""
    telegram = {"token": token, "base_url": f"{url}/bot", "base_file_url": f"{url}/file/bot"}
    return Settings(telegram=telegram, database={"url": db_url}, **sections)


class Databases:
    """A fresh database per run: a SQLite file in a temp directory, or a PostgreSQL database created
    on the server of `spec` (a postgresql+asyncpg URL naming a database to connect to for CREATE and
    DROP; "pg" means the local default) and dropped afterwards."""

    def __init__(self, spec: str) -> None:
        if spec == "pg":
            spec = PG_DEFAULT
        if spec == "sqlite":
            self.backend, self.admin_url = "sqlite", None
        elif spec.startswith("postgresql+asyncpg://"):
            self.backend, self.admin_url = "postgresql", spec
        else:
            raise SystemExit(f"--db: expected sqlite, pg or a postgresql+asyncpg:// URL, not {spec!r}")
        self._tmp = Path(tempfile.mkdtemp(prefix="wuxue-bench-"))
        self.templates: dict[str, str] = {}  # prepared once, copied for each run (see `copy`)

    async def unreachable(self) -> str | None:
        """None when the database server answers, else why not."""
        if self.admin_url is None:
            return None
        import asyncpg

        try:
            conn = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""), timeout=3)
            await conn.close()
            return None
        except Exception as exc:  # noqa: BLE001 - any failure means "not here"
            return f"PostgreSQL not reachable at {self.admin_url.split('@')[-1]}: {type(exc).__name__}"

    async def create(self) -> str:
        if self.admin_url is None:
            return f"sqlite+aiosqlite:///{self._tmp / (uuid.uuid4().hex[:8] + '.db')}"
        import asyncpg

        name = f"wuxue_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    async def copy(self, url: str) -> str:
        """A fresh database holding what `url` holds (a file copy; on PostgreSQL CREATE DATABASE …
        TEMPLATE): for workloads whose setup is slow and the same every run. Nothing may be connected
        to `url` meanwhile."""
        if self.admin_url is None:
            source = Path(url.split("///", 1)[1])
            target = self._tmp / (uuid.uuid4().hex[:8] + ".db")
            shutil.copyfile(source, target)
            if Path(f"{source}-wal").exists():
                shutil.copyfile(f"{source}-wal", f"{target}-wal")
            return f"sqlite+aiosqlite:///{target}"
        import asyncpg

        name = f"wuxue_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
        finally:
            await conn.close()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    async def drop(self, url: str) -> None:
        if self.admin_url is None:
            return
        import asyncpg

        conn = await asyncpg.connect(self.admin_url.replace("+asyncpg", ""))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await conn.close()

    def cleanup(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
