"""Helpers for the youth-group tests: a bound youth group with members, mentions, buttons."""

from __future__ import annotations

import re

from sqlalchemy import select

from models.units import Person, Unit
from tests.harness import GROUP_ID

ZHANG, LIU = 3001, 3002


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url")) for row in rows for b in row]


def find_button(message: dict, label_part: str) -> str:
    for text, data in buttons(message):
        if label_part in text:
            return data
    raise AssertionError(f"no button with {label_part!r} in {buttons(message)}")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(text: str, people: dict[str, dict] | None = None) -> list[dict]:
    """The entities Telegram would send: the command, each @username, and text mentions of `people`."""
    found = [{"type": "bot_command", "offset": 0, "length": utf16(text.split()[0])}]
    for m in re.finditer(r"@\w+", text):
        found.append({"type": "mention", "offset": utf16(text[:m.start()]), "length": utf16(m.group())})
    for name, user in (people or {}).items():
        at = text.index(name)
        found.append({"type": "text_mention", "offset": utf16(text[:at]), "length": utf16(name), "user": user})
    return sorted(found, key=lambda e: e["offset"])


class Youth:
    """A youth study group bound by the admin, with 王同志, 张青 (@zhangqing) and 刘洋 (@liuyang) in it."""

    def __init__(self, bot, chat_id: int = GROUP_ID, title: str = "青年理论学习小组") -> None:
        self.bot, self.chat = bot, chat_id
        self.title = title
        self.wang = bot.member
        self.zhang = bot.fake.user(ZHANG, "张青", username="zhangqing")
        self.liu = bot.fake.user(LIU, "刘洋", username="liuyang")

    async def setup(self, *, private: tuple[dict, ...] = ()) -> Youth:
        bot = self.bot
        bot.group(self.chat, self.title)
        await bot.say("/bind 青年理论学习小组", user=bot.admin, chat_id=self.chat)
        self.summary = bot.fake.sent_messages(self.chat)[-1]
        for user in (self.wang, self.zhang, self.liu):
            await bot.say("/join", user=user, chat_id=self.chat)
        for user in private:
            await bot.say("/start", user=user)
        return self

    async def say(self, text: str, user: dict, **kw) -> int:  # noqa: ANN003
        return await self.bot.say(text, user=user, chat_id=self.chat, **kw)

    async def command(self, text: str, user: dict, people: dict[str, dict] | None = None, **kw) -> int:  # noqa: ANN003
        """A command whose @usernames (and names in `people`) carry mention entities."""
        uid = self.bot.fake.message(self.chat, user, text, entities=entities(text, people), **kw)
        await self.bot.settle(uid)
        return uid

    async def post(self, user: dict, **content) -> dict:  # noqa: ANN003
        """A message without text (a photo, a document) in the group; returns it."""
        uid = self.bot.fake.message(self.chat, user, None, **content)
        await self.bot.settle(uid)
        return self.message_of(uid)

    def message_of(self, update_id: int) -> dict:
        return self.bot.fake.injected[update_id]["message"]

    def last(self) -> dict:
        return self.bot.fake.sent_messages(self.chat)[-1]

    async def press(self, message: dict, label: str, user: dict, chat_id: int | None = None) -> dict:
        """Press a button; returns the pressed message as it is afterwards."""
        chat = chat_id or self.chat
        await self.bot.press(find_button(message, label), user=user, chat_id=chat, message=message)
        return self.bot.current(chat, message["message_id"])

    def answer(self) -> dict:
        return self.bot.fake.calls("answerCallbackQuery")[-1].params

    async def unit(self) -> Unit:
        async with self.bot.db() as s:
            return await s.scalar(select(Unit).where(Unit.chat_id == self.chat))

    async def pid(self, user: dict) -> int:
        async with self.bot.db() as s:
            return await s.scalar(select(Person.id).where(Person.tg_user_id == user["id"]))

    async def tick(self, **delta: float) -> None:
        """Move the clock and run one planner pass (planners only run when time has moved)."""
        self.bot.clock.advance(**(delta or {"seconds": 1}))
        await self.bot.settle_planner()


def without(snapshot: dict, *tables: str) -> dict:
    return {k: v for k, v in snapshot.items() if k not in ("people", *tables)}
