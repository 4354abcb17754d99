"""`wuxue playground` in a real browser (Debian's Chromium, headless): a person's way through the page.

One playground (a process, started by the CLI) serves the module; each test opens its own page. Waits
are Playwright's (expect / wait_for), which return as soon as the page shows what is awaited.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.playground_helpers import as_persona, browser, open_chat, page, playground, send  # noqa: F401

WAIT_MS = 60_000  # only a failing wait takes this long

pytestmark = pytest.mark.timeout(300)


def bot_messages(page, text: str | re.Pattern):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=message][data-from=bot]").filter(has_text=text)


def test_the_page_shows_the_demo_and_switches_persona(page):  # type: ignore[no-untyped-def]
    # The first branch's group, with the session the secretary scheduled and its live roll.
    open_chat(page, "第一党支部")
    expect(bot_messages(page, "已签到 2/5")).to_have_count(1, timeout=WAIT_MS)
    expect(page.get_by_test_id("persona-role")).to_have_text("第一党支部书记")

    as_persona(page, "huangli")
    expect(page.get_by_test_id("persona-role")).to_have_text("党员（第二党支部）")
    titles = page.locator("[data-testid=chat-item]")
    expect(titles).to_have_count(2)  # her branch's group and her private chat with the bot
    expect(page.locator("[data-testid=chat-item][data-title='第二党支部']")).to_have_count(1)
    expect(page.locator("[data-testid=chat-item][data-title='第一党支部']")).to_have_count(0)

    page.get_by_test_id("lang").click()
    expect(page.get_by_test_id("persona-role")).to_have_text("Member, 2nd branch")
    expect(page.get_by_test_id("send")).to_have_text("Send")


def test_help_in_the_private_chat(page):  # type: ignore[no-untyped-def]
    as_persona(page, "yangfan")
    open_chat(page, "五学联动助手")
    send(page, "/help")
    expect(page.locator("[data-testid=message]:not([data-from=bot])").filter(has_text="/help")).to_have_count(1)
    expect(bot_messages(page, "/study")).not_to_have_count(0, timeout=WAIT_MS)
    # The command menu of this chat is the one the bot set for private chats.
    page.get_by_test_id("menu-toggle").click()
    expect(page.locator("[data-testid=menu-command]").filter(has_text="/study")).to_have_count(1)


def test_pressing_check_in_edits_the_live_roll(page):  # type: ignore[no-untyped-def]
    as_persona(page, "yangfan")
    open_chat(page, "第一党支部")
    roll = bot_messages(page, "已签到")
    expect(roll).to_contain_text("已签到 2/5", timeout=WAIT_MS)
    page.get_by_test_id("inline-button").filter(has_text="签到").first.click()
    expect(roll).to_contain_text("已签到 3/5", timeout=WAIT_MS)
    expect(roll).to_contain_text("杨帆")
    expect(roll.get_by_test_id("edited")).to_have_count(1)


def test_leave_asks_by_force_reply_and_takes_the_answer(page):  # type: ignore[no-untyped-def]
    as_persona(page, "liuyang")
    open_chat(page, "第一党支部")
    page.get_by_test_id("inline-button").filter(has_text="请假").first.click()
    # The bot's question puts the composer into reply mode (ForceReply), and the button's answer pops up.
    expect(page.get_by_test_id("toast").first).to_contain_text("请假原因", timeout=WAIT_MS)
    expect(page.get_by_test_id("replybar")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("replybar")).to_contain_text("请假原因")
    send(page, "到外地调研")
    mine = page.locator("[data-testid=message]:not([data-from=bot])").filter(has_text="到外地调研")
    expect(mine.locator(".quote")).to_contain_text("请假原因")  # sent as a reply to the question
    expect(bot_messages(page, "到外地调研")).not_to_have_count(0, timeout=WAIT_MS)
    expect(page.get_by_test_id("replybar")).to_be_hidden()


def test_moving_the_clock_brings_the_weekly_reminder(page):  # type: ignore[no-untyped-def]
    as_persona(page, "wangfang")
    open_chat(page, "五学联动助手")
    expect(bot_messages(page, "本周")).to_have_count(0)
    page.get_by_test_id("clock-monday9").click()
    expect(page.get_by_test_id("clock-now")).to_contain_text("09:0", timeout=WAIT_MS)
    # The new week's reminder (the jump also delivers what fell due on the way, such as last week's nudge).
    expect(bot_messages(page, re.compile(r"王芳.*本周.*自学已开始"))).not_to_have_count(0, timeout=WAIT_MS)


def test_a_report_downloads_as_an_xlsx_that_opens(page):  # type: ignore[no-untyped-def]
    as_persona(page, "zhangjg")
    open_chat(page, "机关党委")
    send(page, "/report")
    page.get_by_test_id("inline-button").filter(has_text="XLSX").first.click(timeout=WAIT_MS)
    expect(page.locator("img.photo").first).to_be_visible(timeout=WAIT_MS)  # the report's chart, inline
    link = page.get_by_test_id("document").filter(has_text=".xlsx")
    expect(link).to_have_count(1, timeout=WAIT_MS)
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("第一党支部" in c for c in cells), cells[:40]


def test_a_quiz_poll_can_be_answered(page):  # type: ignore[no-untyped-def]
    as_persona(page, "sunyue")
    open_chat(page, "青年理论学习小组")
    send(page, "/quiz start 党史知识 30秒")
    poll = page.get_by_test_id("poll").first
    expect(poll).to_be_visible(timeout=WAIT_MS)
    as_persona(page, "zhenghao")
    open_chat(page, "青年理论学习小组")
    poll.get_by_test_id("poll-option").first.click()
    # Answered: the options show the results (and the right answer, a quiz's).
    expect(poll.get_by_test_id("poll-option").first).to_be_disabled(timeout=WAIT_MS)
    expect(poll).to_contain_text("%")
    expect(poll.locator(".correct")).to_have_count(1)


def test_the_inspector_shows_raw_calls_and_updates(page):  # type: ignore[no-untyped-def]
    page.get_by_test_id("inspector-toggle").click()
    entries = page.get_by_test_id("inspector-entry")
    expect(entries.filter(has_text="sendMessage").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("[data-testid=inspector-entry][data-kind=update]").first).to_be_visible()
    as_persona(page, "chenjing")
    open_chat(page, "五学联动助手")
    send(page, "/me")
    # Newest first: the update carrying /me comes before the older ones.
    expect(page.locator("[data-testid=inspector-entry][data-kind=update]").first).to_contain_text('"/me"',
                                                                                                  timeout=WAIT_MS)


def test_too_long_messages_and_too_big_files_are_refused_on_the_page(page, tmp_path):  # type: ignore[no-untyped-def]
    as_persona(page, "zhouqiang")
    open_chat(page, "五学联动助手")
    before = page.locator("[data-testid=message]").count()
    send(page, "学" * 4097)
    expect(page.get_by_test_id("notice")).to_contain_text("消息过长：4097 字")
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:  # sparse: the browser reads its size, never its bytes
        f.truncate(20 * 1024 * 1024 + 1)
    page.get_by_test_id("file").set_input_files(big)
    expect(page.get_by_test_id("notice")).to_contain_text("文件过大")
    assert page.locator("[data-testid=message]").count() == before


def test_the_page_loads_nothing_from_another_origin(browser, playground):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(playground.url)
    page.wait_for_selector("body[data-ready='1']")
    open_chat(page, "第一党支部")
    page.get_by_test_id("inspector-toggle").click()
    page.get_by_test_id("lang").click()
    expect(page.get_by_test_id("send")).to_have_text("Send")
    context.close()
    assert seen and all(u.startswith(playground.url) or u.startswith("data:") for u in seen), seen


def test_reset_starts_the_demo_over(page):  # type: ignore[no-untyped-def]
    """Last in this module: it wipes what the tests above did."""
    page.on("dialog", lambda dialog: dialog.accept())
    open_chat(page, "第一党支部")
    page.get_by_test_id("reset").click()
    expect(bot_messages(page, "已签到 2/5")).to_have_count(1, timeout=WAIT_MS)  # a new live session
    expect(page.locator("[data-testid=message]").filter(has_text="杨帆")).to_have_count(0)  # checked in above
    as_persona(page, "wangfang")
    open_chat(page, "五学联动助手")
    expect(bot_messages(page, "自学开始")).to_have_count(0)  # the clock is back: no Monday reminder yet
