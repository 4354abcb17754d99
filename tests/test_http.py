"""bot/http.py: PTB's networking on aiohttp, against the fake Bot API over real HTTP (everything
else the bot sends goes through it too; these are the edges: uploads, timeouts, failures)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.http import AiohttpRequest


@pytest.fixture
async def request_(fake):
    req = AiohttpRequest(connections=2, read_timeout=0.5, connect_timeout=1, pool_timeout=1)
    await req.initialize()
    yield req
    await req.shutdown()


async def test_calls_uploads_and_errors_come_back_as_ptb_knows_them(fake, request_):
    bot = Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot", request=request_,
              get_updates_request=request_)
    fake.add_chat(-100123, title="测试群")
    sent = await bot.send_document(-100123, b"\x00binary\xff", filename="档案.xlsx", caption="学习档案")
    call = fake.calls("sendDocument")[-1]
    assert sent.caption == "学习档案" and sent.document.file_name == "档案.xlsx"
    assert call.files["document"] == b"\x00binary\xff"  # the multipart part, byte for byte
    assert await (await bot.get_file(sent.document.file_id)).download_as_bytearray() == b"\x00binary\xff"
    fake.fail("sendMessage", "500")
    with pytest.raises(NetworkError):
        await bot.send_message(-100123, "x")
    fake.fail("sendMessage", "timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(-100123, "x")
    assert (await bot.send_message(-100123, "好")).text == "好"


async def test_the_token_in_the_url_stays_out_of_errors(request_):
    secret = "4242424242:AAE-very-secret_token"
    with pytest.raises(NetworkError) as err:
        await request_.do_request(f"http://127.0.0.1:99999/bot{secret}/getMe", "POST")
    assert secret not in str(err.value) and "<Bot API URL>" in str(err.value)
    with pytest.raises(NetworkError) as err:
        await request_.do_request(f"http://127.0.0.1:1/bot{secret}/getMe", "POST")  # nothing listens
    assert secret not in str(err.value)


async def test_a_proxy_from_the_environment_is_used_unless_no_proxy_says_otherwise(fake, monkeypatch):
    """HTTP_PROXY points at the fake (which serves a proxied request's path as its own), the URL at a
    port where nothing listens: only the proxy can answer."""
    url = f"http://127.0.0.1:1/bot{fake.token}/getMe"
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    for no_proxy, works in ((None, True), ("127.0.0.1", False)):
        if no_proxy:
            monkeypatch.setenv("NO_PROXY", no_proxy)
        req = AiohttpRequest(connections=1, read_timeout=2, connect_timeout=1, pool_timeout=1)
        await req.initialize()
        try:
            if works:
                status, body = await req.do_request(url, "POST")
                assert status == 200 and b'"is_bot":true' in body.replace(b" ", b"")
            else:
                with pytest.raises(NetworkError):
                    await req.do_request(url, "POST")
        finally:
            await req.shutdown()
