"""Take the playground's screenshots for docs/screenshots/ (run: .venv/bin/python scripts/screenshots.py).

Starts `wuxue playground --fresh` on a free port with a throw-away database, then in Debian's Chromium:
the first branch's group with its live roll after a check-in, a member's private chat after moving the
clock to Monday 09:00 (the weekly reminder), and the inspector."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.playground_helpers import CHROMIUM, as_persona, open_chat, start_playground, stop_playground  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WAIT = 60_000


def bot_messages(page, text):  # noqa: ANN001, ANN201
    return page.locator("[data-testid=message][data-from=bot]").filter(has_text=text)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        running = start_playground(Path(tmp), "--fresh")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(running.url)
                page.wait_for_selector("body[data-ready='1']")
                as_persona(page, "yangfan")
                open_chat(page, "第一党支部")
                roll = bot_messages(page, "已签到")
                expect(roll).to_contain_text("已签到 2/5", timeout=WAIT)
                page.get_by_test_id("inline-button").filter(has_text="签到").first.click()
                expect(roll).to_contain_text("已签到 3/5", timeout=WAIT)
                page.screenshot(path=str(OUT / "group-live-roll.png"))
                as_persona(page, "wangfang")
                open_chat(page, "五学联动助手")
                page.get_by_test_id("clock-monday9").click()
                expect(bot_messages(page, re.compile(r"王芳.*本周.*自学已开始"))).not_to_have_count(0, timeout=WAIT)
                page.screenshot(path=str(OUT / "private-weekly-reminder.png"))
                page.get_by_test_id("inspector-toggle").click()
                expect(page.get_by_test_id("inspector-entry").first).to_be_visible(timeout=WAIT)
                page.screenshot(path=str(OUT / "inspector.png"))
                browser.close()
        finally:
            stop_playground(running)
    print("screenshots in", OUT)


if __name__ == "__main__":
    main()
