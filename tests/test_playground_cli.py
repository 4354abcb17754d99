"""`wuxue playground`'s bad input: each a clear line, and the production database left alone."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from playground.run import DEFAULT_DB, PlaygroundError, _loopback, resolve_db
from tests.playground_helpers import ROOT, free_port, wuxue


def run(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(wuxue(*args), cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120, env={**os.environ, **(env or {})})


def test_a_port_in_use_is_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("playground", "--port", str(port), "--db", f"sqlite+aiosqlite:///{tmp_path}/p.db")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"wuxue: port {port} on 127.0.0.1 is in use (another playground?) — "
                                   "choose another with --port N")
    assert not (tmp_path / "p.db").exists()  # nothing was started


@pytest.mark.parametrize("url, shown", [
    ("sqlite+aiosqlite:////no/such/folder/p.db", "--db: cannot open sqlite+aiosqlite:////no/such/folder/p.db"),
    ("postgresql+asyncpg://wuxue:secret@127.0.0.1:{port}/nowhere", "--db: cannot open postgresql+asyncpg://wuxue:***@"),
], ids=["sqlite-no-folder", "postgresql-down"])
def test_a_database_that_cannot_be_opened_is_one_line(url: str, shown: str) -> None:
    port = str(free_port())
    done = run("playground", "--port", str(free_port()), "--db", url.format(port=port))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wuxue: " + shown), done.stderr
    assert "secret" not in done.stderr


def test_the_production_database_is_used_only_when_named_and_confirmed(tmp_path: Path, monkeypatch) -> None:
    production = f"sqlite+aiosqlite:///{tmp_path}/wuxue.db"
    config = tmp_path / "settings.toml"
    config.write_text(f'[database]\nurl = "{production}"\n')
    env = {"WUXUE_CONFIG": str(config)}
    # Named, but no terminal to ask and no --yes: refused, and the file never created.
    done = run("playground", "--port", str(free_port()), "--db", production, env=env)
    assert done.returncode == 1
    assert "production database" in done.stderr and "--yes" in done.stderr
    assert not (tmp_path / "wuxue.db").exists()
    # Not named: the playground's own file, whatever the production settings say.
    monkeypatch.setenv("WUXUE_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    url, path = resolve_db(None, fresh=False, yes=False)
    assert url == DEFAULT_DB and path is not None and path.resolve() == (tmp_path / "data" / "playground.db").resolve()
    # Named and confirmed by --yes (for scripts): allowed.
    assert resolve_db(production, fresh=False, yes=True)[0] == production
    with pytest.raises(PlaygroundError, match="--fresh starts over on a SQLite file only"):
        resolve_db("postgresql+asyncpg://u@127.0.0.1:1/x", fresh=True, yes=True)


def test_listening_beyond_loopback_is_noticed() -> None:
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.168.1.5")


def events(url: str):  # type: ignore[no-untyped-def]
    """The page's server-sent events as (kind, data): a snapshot of everything, then each change."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}/api/events", timeout=60) as stream:
        kind, data = None, None
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
            elif not line and kind:
                yield kind, data
                kind, data = None, None


def texts_once_announced(url: str) -> list[str]:
    """Every message's text, once the group has the session's announcement (waits for its event)."""
    shown: dict[tuple[int, int], str] = {}
    for kind, data in events(url):
        found = [data] if kind == "message" else data["messages"] if kind == "state" else []
        shown.update({(m["chat"], m["id"]): m["text"] or "" for m in found})
        if any("📢" in t for t in shown.values()):
            return list(shown.values())
    raise AssertionError("the stream ended")


def test_a_second_start_keeps_the_demo_and_its_chats(tmp_path: Path) -> None:
    from tests.playground_helpers import start_playground, stop_playground

    first = start_playground(tmp_path)
    try:
        texts = texts_once_announced(first.url)
    finally:
        stop_playground(first)
    assert "demo organisation seeded" in first.output and first.proc.returncode == 0
    sessions = [t for t in texts if t.startswith("/session ")]
    assert len(sessions) == 1, texts

    second = start_playground(tmp_path)
    try:
        again = texts_once_announced(second.url)  # at once: the chats were kept
    finally:
        stop_playground(second)
    assert "demo organisation seeded" not in second.output  # seeded once
    assert [t for t in again if t.startswith("/session ")] == sessions
