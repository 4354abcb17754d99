"""Start `wuxue playground` as a process (the CLI, as a person would) and drive its page in Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT = 120.0  # a first start seeds the demo; a loaded 2-core machine is slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wuxue(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


class Running:
    def __init__(self, proc: subprocess.Popen[str], url: str, output: str) -> None:
        self.proc, self.url, self.output = proc, url, output  # output: what it printed until ready


def start_playground(tmp: Path, *extra: str) -> Running:
    """Start the playground on a free port with its database under `tmp`; return once it printed its URL
    (it prints it only when the page answers)."""
    port = free_port()
    proc = subprocess.Popen(
        wuxue("playground", "--port", str(port), "--db", f"sqlite+aiosqlite:///{tmp}/playground.db", *extra),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + START_TIMEOUT
    seen = []
    assert proc.stdout is not None
    for line in proc.stdout:  # blocks on the process's output: each line is an event
        seen.append(line)
        if line.startswith("wuxue playground: http://"):
            return Running(proc, f"http://127.0.0.1:{port}", "".join(seen))
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise AssertionError("the playground did not start:\n" + "".join(seen))


def stop_playground(running: Running) -> str:
    running.proc.terminate()  # SIGTERM: the same clean stop as Ctrl-C
    out, _ = running.proc.communicate(timeout=60)
    return out


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_playground(tmp_path_factory.mktemp("playground"), "--fresh")
    yield running
    stop_playground(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, playground):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(playground.url)
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()
    assert not errors, errors


def as_persona(page, key: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("persona").select_option(key)


def open_chat(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"[data-testid=chat-item][data-title='{title}']").click()
    page.get_by_test_id("chat-title").filter(has_text=title).wait_for()


def send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("composer")
    box.fill(text)
    box.press("Enter")
