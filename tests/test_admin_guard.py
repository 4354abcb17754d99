"""Every admin command and admin button refuses a plain member and writes nothing.

It walks the gathered feature declarations, so a command or button added later is covered without a new test.
"""

from __future__ import annotations

from bot.features import gather
from tests.harness import GROUP_ID

FEATURES = gather()
ADMIN_COMMANDS = [c for c in FEATURES.commands if c.admin]
ADMIN_BUTTONS = sorted(name for name, b in FEATURES.buttons.items() if b.admin)


def test_the_registries_have_admin_entries():
    assert ADMIN_COMMANDS and ADMIN_BUTTONS
    assert all(getattr(c.callback, "admin_only", False) for c in ADMIN_COMMANDS), (
        "admin commands must be wrapped with admin_only / telegram_admin_only"
    )


async def _bound_group(bot) -> int:
    bot.group()
    await bot.say("/bind 党支部", user=bot.admin, chat_id=GROUP_ID)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    async with bot.db() as s:
        from sqlalchemy import select

        from models.units import Unit

        return (await s.scalar(select(Unit))).id


def _without_people(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k != "people"}


async def test_members_are_refused_admin_commands(bot):
    await _bound_group(bot)
    before = _without_people(await bot.snapshot())
    for command in ADMIN_COMMANDS:  # one bot for all: a refusal must leave nothing behind for the next
        for text in (f"/{command.name}", f"/{command.name} 党支部 改个名", f"/{command.name} 1 2 3"):
            await bot.say(text, user=bot.member, chat_id=GROUP_ID)
            assert "只有本单位管理员" in bot.last_text(GROUP_ID), (text, bot.last_text(GROUP_ID))
        assert _without_people(await bot.snapshot()) == before, command.name


async def test_members_are_refused_admin_buttons(bot):
    unit_id = await _bound_group(bot)
    before = _without_people(await bot.snapshot())
    codec = bot.app.bot_data.codec
    for action in ADMIN_BUTTONS:
        for args in ((unit_id,), (unit_id, 0), ("research",), (unit_id, unit_id)):
            await bot.press(codec.encode(action, *args), user=bot.member)
            answer = bot.fake.calls("answerCallbackQuery")[-1].params
            assert answer.get("show_alert") and "只有本单位管理员" in answer["text"], (action, args, answer)
        assert _without_people(await bot.snapshot()) == before, action
