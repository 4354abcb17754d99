"""bot/ordering.py: updates run side by side, but one user's (and one private chat's) in order."""

import asyncio

from telegram import Chat, Message, Update, User

from bot.app import build_application
from bot.ordering import OrderedUpdateProcessor, update_keys
from bot.settings import Settings

GROUP = Chat(-100123, Chat.SUPERGROUP)


def message(update_id: int, user_id: int, chat: Chat) -> Update:
    user = User(user_id, f"u{user_id}", False)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="签到"))


def test_keys():
    assert update_keys(message(1, 7, GROUP)) == (("user", 7),)
    assert update_keys(message(2, 7, Chat(7, Chat.PRIVATE))) == (("user", 7), ("chat", 7))
    assert update_keys(Update(3)) == (("other", 0),)
    assert update_keys("custom") == (("other", 0),)


async def test_one_users_updates_in_order_others_alongside():
    processor = OrderedUpdateProcessor(8)
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool = False) -> None:
        log.append(f"start {name}")
        if wait:
            await release.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(message(1, 7, GROUP), work("a1", wait=True)))
    second = asyncio.create_task(processor.process_update(message(2, 7, GROUP), work("a2")))
    other = asyncio.create_task(processor.process_update(message(3, 8, GROUP), work("b1")))
    await other  # another user's update is not held up by user 7's slow one
    await asyncio.sleep(0.05)
    assert log == ["start a1", "start b1", "end b1"]  # a2 waits for a1
    release.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end a1", "start a2", "end a2"]
    assert not processor._last  # nothing kept once done


async def test_limit_and_failures():
    processor = OrderedUpdateProcessor(2)
    running, most = 0, 0

    async def work(fail: bool = False) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        if fail:
            raise RuntimeError("boom")

    tasks = [asyncio.create_task(processor.process_update(message(i, 100 + i % 3, GROUP), work(fail=i == 0)))
             for i in range(9)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert most == 2
    assert isinstance(results[0], RuntimeError) and results[1:] == [None] * 8  # a failure frees its successors


def test_wired_into_the_application():
    app = build_application(Settings(telegram={"token": "123456:TEST-TOKEN"}))
    assert isinstance(app.update_processor, OrderedUpdateProcessor) and app.concurrent_updates > 1
    one = build_application(Settings(telegram={"token": "123456:TEST-TOKEN", "concurrent_updates": 1}))
    assert one.concurrent_updates == 1  # PTB then awaits each update before the next
