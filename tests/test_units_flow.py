"""Foundation flows end to end: the real Application polls the fake Bot API over HTTP."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.i18n import t
from models.outbox import Outbox
from models.prompts import Prompt
from models.units import Membership, Person, Role, Unit, UnitKind
from tests.harness import GROUP_ID

OTHER_GROUP = -1001000000002


def buttons(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url")) for row in rows for b in row]


def find_button(message: dict, label_part: str) -> str:
    for text, data in buttons(message):
        if label_part in text:
            return data
    raise AssertionError(f"no button with {label_part!r} in {buttons(message)}")


async def bind(bot, kind_label: str = "党支部", chat_id: int = GROUP_ID, title: str = "第一党支部群") -> dict:
    """The admin binds a group with the buttons; returns the summary (the chooser, edited)."""
    bot.group(chat_id, title)
    await bot.say("/bind", user=bot.admin, chat_id=chat_id)
    chooser = bot.fake.sent_messages(chat_id)[-1]
    assert "党组织的类型" in chooser["text"]
    await bot.press(find_button(chooser, kind_label), user=bot.admin, chat_id=chat_id, message=chooser)
    return bot.current(chat_id, chooser["message_id"])


async def test_start_in_private_records_reachability(bot):
    await bot.say("/start", user=bot.member)
    assert "您好，王同志" in bot.last_text(bot.member["id"])
    async with bot.db() as s:
        person = await s.scalar(select(Person).where(Person.tg_user_id == bot.member["id"]))
    assert person.private_ok is True


async def test_english_users_get_english(bot):
    user = bot.fake.user(3001, "Alice", language_code="en-GB")
    await bot.say("/start", user=user)
    assert bot.last_text(3001).startswith("Hello, Alice.")


async def test_bind_with_buttons_then_members_join(bot):
    summary_msg = await bind(bot)
    summary = summary_msg["text"]
    assert "已登记单位" in summary and "第一党支部群" in summary and "党支部" in summary
    assert "本助手尚不是本群管理员" in summary  # the bot explains how to make it an admin
    assert "下一步" in summary
    async with bot.db() as s:
        unit = await s.scalar(select(Unit))
        admin = await s.scalar(select(Membership).where(Membership.unit_id == unit.id))
    assert (unit.chat_id, unit.kind, unit.name) == (GROUP_ID, UnitKind.research, "第一党支部群")
    assert admin.role == Role.admin
    assert f"start=join_{unit.join_code}" in summary

    # A member taps "join" under the summary; a second tap changes nothing.
    join_data = find_button(summary_msg, "加入本单位")
    await bot.press(join_data, user=bot.member, message=summary_msg)
    await bot.press(join_data, user=bot.member, message=summary_msg)
    assert await bot.count(Membership, Membership.unit_id == unit.id) == 2
    assert "王同志" in bot.last_text(GROUP_ID) and "现有 2 人" in bot.last_text(GROUP_ID)
    answers = [r.params.get("text") for r in bot.fake.calls("answerCallbackQuery")]
    assert answers[-1] == t("zh", "join.already_short", unit="第一党支部群")


async def test_bind_one_line_form_and_rebind_updates(bot):
    bot.group()
    await bot.say("/bind 机关党委 机关党委（直属）", user=bot.admin, chat_id=GROUP_ID)
    assert "机关党委（直属）" in bot.last_text(GROUP_ID)
    await bot.say("/bind 中心组", user=bot.admin, chat_id=GROUP_ID)
    assert "已更新单位" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        units = (await s.scalars(select(Unit))).all()
    assert len(units) == 1 and units[0].kind == UnitKind.lead and units[0].name == "机关党委（直属）"


async def test_bind_refusals_write_nothing(bot):
    bot.group()
    before = await bot.snapshot()
    await bot.say("/bind", user=bot.member, chat_id=GROUP_ID)
    assert "只有本单位管理员" in bot.last_text(GROUP_ID)
    await bot.say("/bind 居委会", user=bot.admin, chat_id=GROUP_ID)
    assert "无法识别党组织类型" in bot.last_text(GROUP_ID) and "/bind 党支部" in bot.last_text(GROUP_ID)
    after = await bot.snapshot()
    # Only the people table may change: the bot learns who wrote.
    assert {k: v for k, v in after.items() if k != "people"} == {k: v for k, v in before.items() if k != "people"}
    await bot.say("/bind", user=bot.admin)
    assert "只能在群里使用" in bot.last_text(bot.admin["id"])


async def test_bind_reports_bot_admin_status(bot):
    bot.group(bot_admin=True)
    await bot.say("/bind 党支部", user=bot.admin, chat_id=GROUP_ID)
    assert "本助手已是本群管理员" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        assert (await s.scalar(select(Unit))).bot_is_admin is True


async def test_join_command_and_deep_link(bot):
    await bind(bot)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    assert "王同志" in bot.last_text(GROUP_ID) and "已加入" in bot.last_text(GROUP_ID)
    # The member had not started the bot: a hint with a button to do so follows.
    assert "发送一次 /start" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        unit = await s.scalar(select(Unit))
    newcomer = bot.fake.user(4001, "赵敏")
    await bot.say(f"/start join_{unit.join_code}", user=newcomer)
    assert "您已加入第一党支部群" in bot.last_text(4001)
    await bot.say("/start join_@@bad", user=newcomer)
    assert "加入链接无效" in bot.last_text(4001)
    await bot.say("/start join_ZZZZZZZZ", user=newcomer)
    assert "加入链接无效" in bot.last_text(4001)
    assert await bot.count(Membership, Membership.unit_id == unit.id) == 3
    await bot.say("/join", user=newcomer)
    assert "请在所在单位的群里发送 /join" in bot.last_text(4001)


async def test_join_in_unbound_group(bot):
    bot.group()
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    assert "尚未登记" in bot.last_text(GROUP_ID)
    assert await bot.count(Membership) == 0


async def test_chat_member_updates_follow_the_roster(bot):
    await bind(bot)
    newcomer = bot.fake.user(5001, "钱进")
    await bot.inject(bot.fake.chat_member_update(GROUP_ID, newcomer, "left", "member"))
    async with bot.db() as s:
        m = await s.scalar(select(Membership).join(Person).where(Person.tg_user_id == 5001))
    assert m.active and m.source == "chat_member"
    await bot.inject(bot.fake.chat_member_update(GROUP_ID, newcomer, "member", "administrator"))
    async with bot.db() as s:
        m = await s.scalar(select(Membership).join(Person).where(Person.tg_user_id == 5001))
    assert m.role == Role.admin
    await bot.inject(bot.fake.chat_member_update(GROUP_ID, newcomer, "administrator", "left"))
    async with bot.db() as s:
        m = await s.scalar(select(Membership).join(Person).where(Person.tg_user_id == 5001))
    assert not m.active and m.left_at is not None


async def test_bot_added_to_group_asks_for_bind(bot):
    bot.fake.add_chat(OTHER_GROUP, title="新群")
    await bot.inject(bot.fake.my_chat_member_update(OTHER_GROUP, bot.admin, "left", "member"))
    assert "/bind" in bot.last_text(OTHER_GROUP)


async def test_rename_through_a_reply_prompt(bot):
    summary = await bind(bot)
    await bot.press(find_button(summary, "改名"), user=bot.admin, message=summary)
    prompt = bot.fake.sent_messages(GROUP_ID)[-1]
    asked = bot.fake.calls("sendMessage")[-1].params
    assert "请回复本消息" in prompt["text"] and asked["reply_markup"]["force_reply"] is True
    # Someone else answering the prompt is ignored; the admin's answer renames.
    await bot.say("乱改", user=bot.member, chat_id=GROUP_ID, reply_to=prompt)
    await bot.say("x" * 70, user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    assert "名称过长（70 字）" in bot.last_text(GROUP_ID)
    await bot.say("机关第一党支部", user=bot.admin, chat_id=GROUP_ID, reply_to=prompt)
    assert "已改名为机关第一党支部" in bot.last_text(GROUP_ID)
    async with bot.db() as s:
        assert (await s.scalar(select(Unit))).name == "机关第一党支部"
    assert await bot.count(Prompt) == 0


async def test_parent_unit_is_chosen_from_the_admins_units(bot):
    summary2 = await bind(bot, "机关党委", chat_id=OTHER_GROUP, title="机关党委群")
    summary = await bind(bot, "党支部")
    await bot.press(find_button(summary, "上级"), user=bot.admin, message=summary)
    menu = bot.fake.sent_messages(GROUP_ID)[-1]
    await bot.press(find_button(menu, "机关党委群"), user=bot.admin, message=menu)
    async with bot.db() as s:
        branch = await s.scalar(select(Unit).where(Unit.chat_id == GROUP_ID))
        committee = await s.scalar(select(Unit).where(Unit.chat_id == OTHER_GROUP))
    assert branch.parent_id == committee.id
    # The committee cannot now go under its own branch.
    await bot.press(find_button(summary2, "上级"), user=bot.admin, chat_id=OTHER_GROUP, message=summary2)
    menu2 = bot.fake.sent_messages(OTHER_GROUP)[-1]
    assert all("第一党支部群" not in text for text, _ in buttons(menu2))


async def test_forged_or_foreign_buttons_are_refused(bot):
    await bind(bot)
    codec = bot.app.bot_data.codec
    before = await bot.snapshot()
    await bot.press("1|join|1|AAAAAAAA", user=bot.member)  # not signed by us
    await bot.press(codec.encode("join", 999), user=bot.member)  # another chat's unit
    await bot.press(codec.encode("bind.k", "research"), user=bot.member)  # not an admin
    answers = [r.params for r in bot.fake.calls("answerCallbackQuery")][-3:]
    assert [a.get("show_alert") for a in answers] == [True, True, True]
    assert "按钮已失效" in answers[0]["text"] and "按钮已失效" in answers[1]["text"]
    assert "只有本单位管理员" in answers[2]["text"]
    after = await bot.snapshot()
    assert {k: v for k, v in after.items() if k != "people"} == {k: v for k, v in before.items() if k != "people"}


async def test_help_and_unknown_commands(bot):
    await bot.say("/help", user=bot.member)
    text = bot.last_text(bot.member["id"])
    assert "/start" in text and "管理员命令请在单位群里使用" in text
    bot.group()
    await bot.say("/help", user=bot.member, chat_id=GROUP_ID)
    assert "/bind" in bot.last_text(GROUP_ID) and "/join" in bot.last_text(GROUP_ID)
    await bot.say("/frobnicate", user=bot.member)
    assert "无法识别命令 /frobnicate" in bot.last_text(bot.member["id"])
    sent = len(bot.fake.sent_messages(GROUP_ID))
    await bot.say("/frobnicate", user=bot.member, chat_id=GROUP_ID)  # not addressed to us: stay quiet
    assert len(bot.fake.sent_messages(GROUP_ID)) == sent
    await bot.say(f"/frobnicate@{bot.fake.bot_username}", user=bot.member, chat_id=GROUP_ID)
    assert "无法识别命令" in bot.last_text(GROUP_ID)


async def test_menus_are_set_per_scope_and_language(bot):
    calls = bot.fake.calls("setMyCommands")
    seen = {((c.params.get("scope") or {}).get("type"), c.params.get("language_code")) for c in calls}
    for scope in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        for lang in (None, "zh", "en"):
            assert (scope, lang) in seen, (scope, lang)
    admin_zh = next(c for c in calls if (c.params.get("scope") or {}).get("type") == "all_chat_administrators"
                    and c.params.get("language_code") == "zh")
    names = [c["command"] for c in admin_zh.params["commands"]]
    assert "bind" in names and "join" in names


async def test_errors_are_answered_with_a_reference_and_logged_without_the_token(bot, caplog, monkeypatch):
    import handlers.start as start_module

    async def boom(*_a, **_k):
        raise RuntimeError("kaboom " + bot.fake.token)

    monkeypatch.setattr(start_module, "person_units", boom)
    with caplog.at_level(logging.DEBUG):
        await bot.say("/start", user=bot.member)
    text = bot.last_text(bot.member["id"])
    assert "处理时出现错误（编号" in text and "Traceback" not in text and "kaboom" not in text
    assert "kaboom" in caplog.text and bot.fake.token not in caplog.text
    async with bot.db() as s:  # the failed update rolled back: /start did not half-happen
        assert (await s.scalar(select(Person).where(Person.tg_user_id == bot.member["id"]))) is None
    assert await bot.count(Outbox) == 0


async def test_forty_joins_in_five_seconds_keep_to_the_group_limit(start_bot):
    """A burst of /join in one group: at most 20 group messages in any minute, and every member named
    (the first few welcomed one by one, the rest in one welcome edited in place)."""
    bot = await start_bot(delivery={"per_group_minute": 20})  # the shipped limit
    await bind(bot)
    sent_before = len(bot.fake.sent_messages(GROUP_ID))
    people = [bot.fake.user(5000 + i, f"党员{i:02d}") for i in range(40)]
    for person in people:
        bot.fake.set_member(GROUP_ID, person, "member")
        await bot.say("/join", user=person, chat_id=GROUP_ID)
        bot.clock.advance(seconds=0.12)  # 40 joins within 5 s
    await bot.app.bot_data.welcomes.idle()
    group = bot.fake.sent_messages(GROUP_ID)[sent_before:]
    times = bot.fake.send_times(GROUP_ID)[-len(group):]
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) <= 20
    assert len(group) <= 20
    shown = "\n".join(bot.current(GROUP_ID, m["message_id"])["text"] for m in group)
    assert all(f"党员{i:02d}" in shown for i in range(40)), shown
    async with bot.db() as s:
        assert len((await s.scalars(select(Membership))).all()) >= 40


async def test_a_group_reply_refused_with_429_is_retried_not_dropped(bot):
    await bind(bot)
    bot.fake.set_member(GROUP_ID, bot.member, "member")
    bot.fake.fail("sendMessage", "429", retry_after=1, match=lambda p: int(p.get("chat_id", 0)) == GROUP_ID)
    await bot.say("/join", user=bot.member, chat_id=GROUP_ID)
    calls = [c for c in bot.fake.calls("sendMessage") if c.chat_id == GROUP_ID]
    refused = [c for c in calls if not c.ok]
    assert len(refused) == 1 and calls[-1].ok and calls[-1].at - refused[0].at >= 1.0
    assert "王同志" in bot.last_text(GROUP_ID) and "已加入" in bot.last_text(GROUP_ID)
