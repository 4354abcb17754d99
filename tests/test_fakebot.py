"""The fake Bot API server, driven by the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)
from telegram.request import HTTPXRequest

from fakebot import FakeBotAPI

pytestmark = pytest.mark.asyncio
#: PTB itself warns whenever it builds a RetryAfter (int -> timedelta migration).
ignore_retry_after_deprecation = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)

GROUP = -1001234567890


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


def make_bot(fake: FakeBotAPI, token: str | None = None, **request_kwargs: Any) -> telegram.Bot:
    return telegram.Bot(
        token or fake.token,
        base_url=f"{fake.url}/bot",
        base_file_url=f"{fake.url}/file/bot",
        request=HTTPXRequest(**request_kwargs) if request_kwargs else None,
    )


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    async with make_bot(fake) as plain_bot:
        yield plain_bot


AnyApp = Application[Any, Any, Any, Any, Any, Any]


def build_app(fake: FakeBotAPI, *handlers: BaseHandler[Any, Any, Any]) -> AnyApp:
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    return app


@contextlib.asynccontextmanager
async def polling_app(
    fake: FakeBotAPI,
    *handlers: BaseHandler[Any, Any, Any],
    allowed_updates: list[str] | None = None,
) -> AsyncIterator[AnyApp]:
    app = build_app(fake, *handlers)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=allowed_updates)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------- the bot end to end


async def test_start_command_is_answered_via_long_polling(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        await update.message.reply_text(f"你好，{update.effective_user.first_name}！")

    user = fake.user(1001)
    async with polling_app(fake, CommandHandler("start", start)):
        fake.command(1001, user, "/start")
        reply = await fake.wait_for_message(1001, "你好")
        # "/start@botname" in a group is a command for this bot too.
        fake.command(GROUP, user, "/start@wuxue_test_bot")
        group_reply = await fake.wait_for_message(GROUP)
        await fake.drain()

    assert reply["text"] == "你好，张三！"
    assert reply["chat"] == {"id": 1001, "type": "private", "first_name": "张三"}
    assert reply["from"]["id"] == fake.bot_id
    request = fake.calls("sendMessage")[0]
    assert request.chat_id == 1001 and request.params["text"] == "你好，张三！"
    assert group_reply["chat"]["type"] == "supergroup"
    assert fake.calls("getMe") and fake.calls("deleteWebhook")


async def test_callback_query_is_answered_and_message_edited(fake: FakeBotAPI) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = [[InlineKeyboardButton("学习", callback_data="pick:study")]]
        await update.message.reply_text("请选择", reply_markup=InlineKeyboardMarkup(keyboard))

    async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("已选择")
        await query.edit_message_text(f"已选择 {query.data}")

    user = fake.user(1002)
    handlers = (CommandHandler("menu", menu), CallbackQueryHandler(pick, pattern="^pick:"))
    async with polling_app(fake, *handlers):
        fake.command(1002, user, "/menu")
        shown = await fake.wait_for_message(1002, "请选择")
        update_id = fake.callback(1002, user, "pick:study", message_id=shown["message_id"])
        query_id = fake.injected[update_id]["callback_query"]["id"]
        answer = await fake.wait_for(
            lambda r: r.method == "answerCallbackQuery"
            and r.params["callback_query_id"] == query_id
        )
        await fake.wait_for(lambda r: r.method == "editMessageText" and r.ok)

    assert shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "pick:study"
    assert answer.ok and answer.params["text"] == "已选择"
    assert fake.message_text(1002, shown["message_id"]) == "已选择 pick:study"
    assert "reply_markup" not in fake.messages[(1002, shown["message_id"])]
    assert fake.sent_messages(1002)[0]["text"] == "请选择"  # the log keeps what was returned


async def test_webhook_mode_delivers_with_secret_token(fake: FakeBotAPI) -> None:
    seen: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        seen.append(update.message.text)
        await update.message.reply_text(f"收到：{update.message.text}")

    port = free_port()
    app = build_app(fake, MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        user = fake.user(1003)
        fake.message(1003, user, "第一条")
        fake.message(1003, user, "第二条")
        await fake.wait_for_message(1003, "第二条")
        await fake.drain()
        with pytest.raises(Conflict):
            await app.bot.get_updates(timeout=0)
        info = await app.bot.get_webhook_info()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    assert seen == ["第一条", "第二条"]
    assert fake.webhook_url == f"http://127.0.0.1:{port}/hook"
    assert [d.status for d in fake.webhook_deliveries] == [200, 200]
    assert fake.webhook_deliveries[0].headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
    assert info.url == fake.webhook_url and info.pending_update_count == 0


async def test_chat_member_updates_and_poll_answers_reach_handlers(fake: FakeBotAPI) -> None:
    events: list[str] = []

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        assert change is not None
        events.append(f"{change.old_chat_member.status}->{change.new_chat_member.status}")

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.poll_answer is not None
        events.append(f"vote {list(update.poll_answer.option_ids)}")

    user = fake.user(1004)
    handlers = (
        ChatMemberHandler(on_member, ChatMemberHandler.CHAT_MEMBER),
        PollAnswerHandler(on_answer),
    )
    async with polling_app(fake, *handlers, allowed_updates=Update.ALL_TYPES) as app:
        sent = await app.bot.send_poll(GROUP, "今天学什么？", ["理论", "实践"], is_anonymous=False)
        assert sent.poll is not None
        fake.chat_member_update(GROUP, user, "left", "member")
        fake.poll_answer(sent.poll.id, user, [1])
        await fake.drain()
        for _ in range(50):
            if len(events) == 2:
                break
            await asyncio.sleep(0.02)

    assert events == ["left->member", "vote [1]"]
    assert fake.members[GROUP][1004]["status"] == "member"
    poll = fake.messages[(GROUP, sent.message_id)]["poll"]
    assert [o["voter_count"] for o in poll["options"]] == [0, 1]


# ---------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("500", NetworkError),
        ("502", NetworkError),
        ("403", Forbidden),
        ("not_modified", BadRequest),
        ("chat_not_found", BadRequest),
        ("reset", NetworkError),
    ],
)
async def test_fault_kinds_surface_as_ptb_errors(
    fake: FakeBotAPI, bot: telegram.Bot, kind: str, error: type[Exception]
) -> None:
    fake.fail("sendMessage", kind)
    with pytest.raises(error) as raised:
        await bot.send_message(7, "hello")
    assert not isinstance(raised.value, TimedOut)
    if error is NetworkError:
        assert not isinstance(raised.value, (BadRequest, Forbidden))
    # The fault was consumed: the retry goes through.
    assert (await bot.send_message(7, "again")).text == "again"
    failed = fake.calls("sendMessage")[0]
    assert failed.fault == kind and not failed.ok
    assert fake.faults_injected == 1
    assert [m["text"] for m in fake.sent_messages(7)] == ["again"]


@ignore_retry_after_deprecation
async def test_429_is_retry_after(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.fail("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(7, "hello")
    assert raised.value.retry_after in (7, dtm.timedelta(seconds=7))
    response = fake.calls("sendMessage")[0].response
    assert response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_timeout_fault_is_timed_out(fake: FakeBotAPI) -> None:
    fake.timeout_sleep = 2
    fake.fail("sendMessage", "timeout")
    async with make_bot(fake, read_timeout=0.5) as slow_bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await slow_bot.send_message(7, "hello")
        assert time.monotonic() - started < 1.5
        await slow_bot.send_message(7, "again")
    timed_out = fake.calls("sendMessage")[0]
    assert timed_out.fault == "timeout" and timed_out.status is None and timed_out.response is None
    assert [m["text"] for m in fake.sent_messages()] == ["again"]


@ignore_retry_after_deprecation
async def test_fault_targeting_blocked_users_and_random_faults(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    fake.fail(None, "500", times=2, match=lambda params: params.get("chat_id") == 8)
    await bot.send_message(9, "other chat is unaffected")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_chat_action(8, "typing")
    await bot.send_message(8, "third time lucky")
    await bot.get_me()  # never targeted by method=None faults

    fake.blocked_users.add(10)
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(10, "hi")

    fake.faults_injected = 0
    fake.fail_randomly(0.5, ["500", "429"], seed=3, limit=4)
    outcomes = []
    for index in range(20):
        try:
            await bot.send_message(11, f"#{index}")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
        except NetworkError:
            outcomes.append("500")
    assert fake.faults_injected == 4 == 20 - outcomes.count("ok")
    assert len(fake.send_times(11)) == 16
    assert fake.send_times(11) == sorted(fake.send_times(11))


# ---------------------------------------------------------------------- Bot API semantics


async def test_edit_message_text_semantics(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("刷新", callback_data="refresh")]])
    sent = await bot.send_message(20, "进度 1/3", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("进度 1/3", 20, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("进度 2/3", 20, sent.message_id, reply_markup=markup)
    assert isinstance(edited, telegram.Message) and edited.text == "进度 2/3"
    assert edited.edit_date is not None
    assert fake.message_text(20, sent.message_id) == "进度 2/3"
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", 20, 999)
    await bot.delete_message(20, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(20, sent.message_id)


async def test_text_validation_matches_telegram(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    html = await bot.send_message(21, "<b>五学</b> &amp; 联动", parse_mode="HTML")
    assert html.text == "五学 & 联动"
    with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
        await bot.send_message(21, "第一行<br>第二行", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="学" * 22)]])
        await bot.send_message(21, "x", reply_markup=long_data)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(21, "字" * 4097)
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(21, "x", reply_to_message_id=12345)
    reply = await bot.send_message(21, "回复", reply_to_message_id=html.message_id)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "五学 & 联动"
    # JSON-looking text stays text.
    assert (await bot.send_message(21, "123")).text == "123"


async def test_send_document_and_photo_multipart(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    payload = b"%PDF-1.4\x00\xff binary"
    message = await bot.send_document(
        22, document=payload, filename="学习报告.pdf", caption="本周报告"
    )
    request = fake.calls("sendDocument")[0]
    assert request.files["document"] == payload
    assert request.filenames["document"] == "学习报告.pdf"
    assert request.params["caption"] == "本周报告"
    assert message.document is not None
    assert message.document.file_name == "学习报告.pdf"
    assert message.document.file_size == len(payload)
    assert message.caption == "本周报告"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload

    photo = await bot.send_photo(22, photo=b"\x89PNG fake", caption="合影")
    assert len(photo.photo) == 2 and photo.photo[-1].width == 1280
    assert fake.calls("sendPhoto")[0].files["photo"] == b"\x89PNG fake"
    again = await bot.send_photo(22, photo=photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert [m["message_id"] for m in fake.sent_messages(22)] == [1, 2, 3]


async def test_commands_are_stored_per_scope_and_language(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    admins = BotCommandScopeAllChatAdministrators()
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("report", "汇总")], scope=admins)

    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert [c.command for c in await bot.get_my_commands(scope=admins)] == ["report"]
    assert fake.my_commands({"type": "all_chat_administrators"})[0]["description"] == "汇总"
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "uppercase is invalid")])
    await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()

    await bot.set_my_short_description("五学联动助手")
    assert (await bot.get_my_short_description()).short_description == "五学联动助手"


async def test_chat_member_statuses(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.add_chat(GROUP, title="第一支部")
    owner, admin, muted, banned = (fake.user(uid) for uid in (31, 32, 33, 34))
    fake.set_member(GROUP, owner, "creator")
    fake.set_member(GROUP, admin, "administrator", can_restrict_members=False)
    fake.set_member(GROUP, muted, "restricted")
    fake.set_member(GROUP, banned, "kicked")
    fake.set_member(GROUP, fake.user(fake.bot_id), "administrator")

    assert isinstance(await bot.get_chat_member(GROUP, 31), ChatMemberOwner)
    admin_member = await bot.get_chat_member(GROUP, 32)
    assert isinstance(admin_member, ChatMemberAdministrator)
    assert admin_member.can_restrict_members is False
    assert isinstance(await bot.get_chat_member(GROUP, 33), ChatMemberRestricted)
    assert isinstance(await bot.get_chat_member(GROUP, 34), ChatMemberBanned)
    assert isinstance(await bot.get_chat_member(GROUP, 35), ChatMemberLeft)
    me = await bot.get_chat_member(GROUP, fake.bot_id)
    assert isinstance(me, ChatMemberAdministrator) and me.user.is_bot
    assert isinstance(await bot.get_chat_member(-100999, fake.bot_id), ChatMemberMember)

    administrators = await bot.get_chat_administrators(GROUP)
    assert {m.user.id for m in administrators} == {31, 32, fake.bot_id}
    assert await bot.get_chat_member_count(GROUP) == 4  # owner, admin, restricted member, bot
    chat = await bot.get_chat(GROUP)
    assert chat.title == "第一支部" and chat.type == "supergroup"

    await bot.ban_chat_member(GROUP, 32)
    assert isinstance(await bot.get_chat_member(GROUP, 32), ChatMemberBanned)
    await bot.unban_chat_member(GROUP, 32, only_if_banned=True)
    assert isinstance(await bot.get_chat_member(GROUP, 32), ChatMemberLeft)


async def test_get_updates_long_poll_offset_and_filtering(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 1.5

    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    update_id = fake.message(40, fake.user(40), "在吗")
    updates = await waiting
    assert time.monotonic() - started < 0.5
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "在吗"

    # Unconfirmed updates are delivered again; a later offset confirms them.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    await fake.drain(timeout=0.5)

    callback_id = fake.callback(40, fake.user(40), "noise")
    message_id = fake.message(40, fake.user(40), "要这个")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.update_id for u in updates] == [message_id]
    assert [u["update_id"] for u in fake.dropped_updates] == [callback_id]


async def test_telegram_default_withholds_chat_member_updates(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    fake.telegram_default_allowed_updates = True
    fake.chat_member_update(GROUP, fake.user(41), "left", "member")
    kept = fake.message(GROUP, fake.user(41), "hi")
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [kept]
    assert len(fake.dropped_updates) == 1


async def test_tokens_method_names_and_raw_json_requests(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake, token="999:WRONG"):
            pass
    async with make_bot(fake) as good:
        with pytest.raises(EndPointNotFound):
            await good.do_api_request("noSuchMethod")

    async with aiohttp.ClientSession() as session:
        body = {
            "chat_id": "50",
            "text": "42",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        }
        async with session.post(f"{fake.url}/bot{fake.token}/SENDMESSAGE", json=body) as resp:
            assert resp.status == 200
            result = (await resp.json())["result"]
        async with session.post(f"{fake.url}/bot{fake.token}/getMe", data=b"{not json") as resp:
            assert resp.status == 200  # no JSON content type: parsed as an empty form
        async with session.post(
            f"{fake.url}/bot{fake.token}/getMe",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        ) as resp:
            assert resp.status == 400

    request = fake.calls("sendmessage")[0]
    assert request.method == "sendMessage" and request.chat_id == 50
    assert request.params["text"] == "42"
    assert request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    assert result["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"


async def test_wait_for_reports_recent_traffic_on_timeout(
    fake: FakeBotAPI, bot: telegram.Bot
) -> None:
    await bot.send_message(60, "不是你要的")
    with pytest.raises(AssertionError, match=r"(?s)timed out.*sendMessage -> 200"):
        await fake.wait_for_message(60, "别的", timeout=0.2)
    found = await fake.wait_for(lambda r: r.params["text"] == "不是你要的", timeout=0.2)
    assert found.method == "sendMessage"


async def test_stop_is_prompt_with_long_poll_and_hanging_request(fake: FakeBotAPI) -> None:
    fake.fail("sendMessage", "timeout")  # default timeout_sleep is 15 s
    async with make_bot(fake, read_timeout=30) as patient:
        polls = asyncio.create_task(patient.get_updates(timeout=20))
        hangs = asyncio.create_task(patient.send_message(70, "x"))
        await fake.wait_for(lambda r: r.fault == "timeout")
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await fake.stop()
        assert time.monotonic() - started < 1.0
        results = await asyncio.wait_for(
            asyncio.gather(polls, hangs, return_exceptions=True), timeout=2
        )
    assert results[0] == ()
    assert isinstance(results[1], NetworkError)


async def test_thread_mode_serves_another_event_loop() -> None:
    fake = FakeBotAPI()
    fake.run_in_thread()  # the server runs on its own loop; the bot on the test's loop
    try:
        async with make_bot(fake) as threaded_bot:
            user = fake.user(80)
            await threaded_bot.send_message(80, "来自另一个线程")
            message = await fake.wait_for_message(80, "另一个")
            assert message["chat"]["first_name"] == "张三"
            update_id = fake.message(80, user, "/start")
            updates = await threaded_bot.get_updates(timeout=2)
            assert [u.update_id for u in updates] == [update_id]
            await threaded_bot.get_updates(offset=update_id + 1, timeout=0)
            await fake.drain(timeout=1)
    finally:
        fake.stop_thread()
    assert [r.method for r in fake.requests][-3:] == ["sendMessage", "getUpdates", "getUpdates"]


async def test_privacy_mode_withholds_plain_group_chatter_unless_the_bot_is_admin(fake, bot):
    fake.privacy_mode = True
    fake.add_chat(GROUP)
    alice = fake.user(501, "Alice")
    fake.message(GROUP, alice, "hello everyone")
    fake.message(GROUP, alice, "/help")
    fake.message(GROUP, alice, f"hi @{fake.bot_username}")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["/help", f"hi @{fake.bot_username}"]
    assert [u["message"]["text"] for u in fake.dropped_updates] == ["hello everyone"]
    fake.set_member(GROUP, fake.bot_user, "administrator")  # an admin bot sees everything
    fake.message(GROUP, alice, "签到")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in updates] == ["签到"]
