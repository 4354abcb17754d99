"""Run `wuxue` as real child processes against the fake Bot API (for crash and scale-out tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def bot_env(fake, db_url: str, **settings: object) -> dict[str, str]:  # noqa: ANN001
    """Environment for a child bot: token and endpoints of the fake, the test database, overrides
    given as WUXUE_ keys without the prefix (e.g. DELIVERY__PER_SECOND=100)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "WUXUE_TELEGRAM__TOKEN": fake.token,
        "WUXUE_TELEGRAM__BASE_URL": f"{fake.url}/bot",
        "WUXUE_TELEGRAM__BASE_FILE_URL": f"{fake.url}/file/bot",
        "WUXUE_DATABASE__URL": db_url,
        "WUXUE_LOG_LEVEL": "INFO",
    }
    env.update({f"WUXUE_{k}": str(v) for k, v in settings.items()})
    return env


class Child:
    """One `python -m bot.cli …` process; its output is kept for failure messages."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.args, self.env, self.cwd = args, env, cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.output = bytearray()
        self._reader: asyncio.Task | None = None

    async def start(self) -> Child:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *self.args, env=self.env, cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while chunk := await self.proc.stdout.read(4096):
            self.output += chunk

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    async def wait(self, timeout: float = 30) -> int:
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader:
            await asyncio.wait_for(self._reader, 5)
        return code

    async def kill(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.wait()

    async def terminate(self, timeout: float = 30) -> int:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await self.wait(timeout)


async def health(port: int) -> dict | None:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz",
                                                             timeout=aiohttp.ClientTimeout(total=2)) as r:
            return await r.json()
    except (aiohttp.ClientError, TimeoutError):
        return None


async def eventually(check, timeout: float, what: str, interval: float = 0.1):  # noqa: ANN001
    """Poll an async or sync check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)
