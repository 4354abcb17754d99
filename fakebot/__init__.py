"""A fake Telegram Bot API server speaking real HTTP on 127.0.0.1.

Integration tests and benchmarks point the real python-telegram-bot stack at it
(``base_url=f"{fake.url}/bot"``, ``base_file_url=f"{fake.url}/file/bot"``), inject updates,
and assert on the recorded API calls.  It is strict where Telegram is strict in ways that bite
bots in production (message not modified, replying to a missing message, HTML that does not
parse, over-long texts, callback data over 64 bytes, invalid command names) and lenient
elsewhere (unknown chats are invented on the fly, no permission checks).

Two ways to run it:

* ``await fake.start()`` / ``await fake.stop()`` (or ``async with FakeBotAPI() as fake``) on the
  test's own event loop, next to the bot;
* ``fake.run_in_thread()`` / ``fake.stop_thread()`` on a private loop in a daemon thread, for
  benchmarks where the bot is the thing being measured.  The update builders (``inject``,
  ``message``, ...) and the ``wait_*``/``drain`` coroutines may then be called from any thread or
  loop; they hop onto the server loop.
"""

from fakebot.common import TELEGRAM_DEFAULT_EXCLUDED, WAIT_SECONDS, JSONDict, Request, WebhookDelivery
from fakebot.errors import FAULT_KINDS, ApiError
from fakebot.render import render_html
from fakebot.server import FakeBotAPI

__all__ = [
    "FAULT_KINDS", "TELEGRAM_DEFAULT_EXCLUDED", "WAIT_SECONDS", "ApiError", "FakeBotAPI", "JSONDict", "Request",
    "WebhookDelivery", "render_html",
]
