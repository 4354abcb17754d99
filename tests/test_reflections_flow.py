"""Reflections end to end over real HTTP: writing in private (one message or several, with an
attachment), review (return, resubmit, approve, excellent), showcase with consent, privacy, a draft
surviving a restart, and every bad input."""

from __future__ import annotations

from sqlalchemy import select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

import models.reflections as reflections
from models.outbox import Outbox
from models.reflections import (
    Grade, Reflection, ReflectionFile, ReflectionPart, ReflectionReview, ReflectionState, Showcase, Subject,
    SubjectProvider,
)
from models.units import Unit
from tests.delivery_helpers import wait_until_settled
from tests.fakebot import WAIT_SECONDS
from tests.harness import ADMIN_ID, GROUP_ID, MEMBER_ID, buttons, find_button

OTHER_GROUP = -1001000000002
SENTENCE = "通过学习，我深刻认识到理论学习必须联系工作实际，做到学思用贯通、知信行统一。"  # 37 字
S = len(SENTENCE)


def last(bot, chat_id: int) -> str:
    """The newest message in a chat as it reads now (buttons often edit it)."""
    return bot.last_message(chat_id)["text"]


async def unit_with_member(bot, chat_id: int = GROUP_ID, title: str = "第一党支部群") -> None:
    bot.group(chat_id, title)
    await bot.say("/bind 党支部", user=bot.admin, chat_id=chat_id)
    await bot.say("/join", user=bot.member, chat_id=chat_id)
    await bot.say("/start", user=bot.member)


async def press(bot, label: str, *, user: dict, message: dict | None = None) -> None:
    """Press the button labelled `label` under `message` (default: the newest message to the user)."""
    message = message or bot.last_message(user["id"])
    await bot.press(find_button(message, label), user=user, chat_id=user["id"], message=message)


async def start_writing(bot, user: dict | None = None) -> None:
    user = user or bot.member
    await bot.say("/reflect", user=user)
    assert "这篇心得写的是什么" in last(bot, user["id"])
    await press(bot, "其他主题", user=user)
    assert "请直接发送心得内容" in last(bot, user["id"])


async def the_reflection(bot) -> Reflection:
    async with bot.db() as s:
        return await s.scalar(select(Reflection).order_by(Reflection.id.desc()).limit(1))


async def quiet_state(bot) -> dict:
    """Every domain row but people (the bot learns who writes), once the outbox has settled."""
    await wait_until_settled(bot.app.bot_data.sessions, timeout=WAIT_SECONDS)
    return {k: v for k, v in (await bot.snapshot()).items() if k != "people"}


async def test_write_review_return_resubmit_excellent_showcase(bot):
    await unit_with_member(bot)
    await start_writing(bot)

    # Several messages and a photo of handwritten notes with a caption.
    await bot.say(SENTENCE)
    assert f"已写 {S} 字" in last(bot, MEMBER_ID) and f"还差 {100 - S} 字" in last(bot, MEMBER_ID)
    photo = bot.fake.add_photo(b"handwritten", width=1600, height=1200)
    await bot.say(None, photo=photo, caption="手写笔记")
    assert "附件：照片 1 张" in last(bot, MEMBER_ID)
    await bot.say(SENTENCE * 2)
    panel = bot.last_message(MEMBER_ID)
    total = S * 3 + 4
    assert f"已写 {total} 字" in panel["text"] and "字数已够" in panel["text"]
    await press(bot, "提交", user=bot.member, message=panel)
    assert "已提交" in last(bot, MEMBER_ID)
    r = await the_reflection(bot)
    assert (r.state, r.revision, r.chars, r.subject_kind) == (ReflectionState.submitted, 1, total, "other")
    assert r.text == "\n".join([SENTENCE, "手写笔记", SENTENCE * 2])
    async with bot.db() as s:
        files = (await s.scalars(select(ReflectionFile))).all()
    assert [(f.kind, f.file_id) for f in files] == [("photo", photo[-1]["file_id"])]

    # The admin reviews in private (after starting the bot); the card carries the text and the attachment.
    await bot.say("/review", user=bot.admin, chat_id=GROUP_ID)
    assert "请先点下方按钮私聊我发送 /start" in last(bot, GROUP_ID)
    await bot.say("/start", user=bot.admin)
    await bot.say("/review", user=bot.admin, chat_id=GROUP_ID)
    assert "已把待点评的心得私聊发给您" in last(bot, GROUP_ID)
    assert SENTENCE not in "".join(bot.texts(GROUP_ID)), "a reflection leaked into the group"
    card = bot.last_message(ADMIN_ID)
    assert "王同志" in card["text"] and "第 1 次提交" in card["text"] and SENTENCE in card["text"]
    await press(bot, "附件", user=bot.admin, message=card)
    assert bot.fake.calls("sendPhoto")[-1].params["photo"] == photo[-1]["file_id"]

    # Return for revision: a comment is required; the member is told privately, through the outbox.
    await press(bot, "退回修改", user=bot.admin, message=card)
    prompt = bot.last_message(ADMIN_ID)
    assert "退回意见（必填）" in prompt["text"]
    await bot.say(" ", user=bot.admin, reply_to=prompt)
    assert "退回必须写意见" in last(bot, ADMIN_ID)
    assert (await the_reflection(bot)).state == ReflectionState.submitted
    await bot.say("请结合本支部工作实际，补充具体措施。", user=bot.admin, reply_to=prompt)
    assert "已退回修改" in bot.fake.sent_messages(ADMIN_ID)[-2]["text"]
    assert "待点评的心得都处理完了" in last(bot, ADMIN_ID)
    note = await bot.fake.wait_for_message(MEMBER_ID, "需要修改")
    assert "补充具体措施" in note["text"] and "李书记" in note["text"]
    async with bot.db() as s:
        row = await s.scalar(select(Outbox).where(Outbox.kind == "reflection"))
    assert row.person_id is not None and "补充具体措施" not in row.fallback_text  # the group never sees it

    # The member revises and resubmits; /reflect points at what came back too.
    await bot.say("/reflect")
    assert "1 篇心得被退回修改" in last(bot, MEMBER_ID)
    assert find_button(bot.last_message(MEMBER_ID), f"修改被退回的 #{r.id}")
    await press(bot, "修改", user=bot.member, message=note)
    assert "已取回为草稿" in last(bot, MEMBER_ID)
    await bot.say("具体措施：每周一次集中学习，每月一次专题研讨。")
    await press(bot, "提交", user=bot.member)
    r = await the_reflection(bot)
    assert (r.state, r.revision) == (ReflectionState.submitted, 2)

    # Second review: the card shows the history; mark excellent.
    await bot.say("/review", user=bot.admin)
    card = bot.last_message(ADMIN_ID)
    assert "第 2 次提交" in card["text"] and "上次退回意见" in card["text"]
    await press(bot, "设为优秀", user=bot.admin, message=card)
    assert "已评为优秀" in bot.current(ADMIN_ID, card["message_id"])["text"]
    ask = await bot.fake.wait_for_message(MEMBER_ID, "是否同意在《第一党支部群》群里作为优秀案例展示")
    assert "等次：优秀" in ask["text"]

    # Consent, anonymously: the excellent reflection is posted to the unit's group.
    await press(bot, "匿名展示", user=bot.member, message=ask)
    assert "匿名展示" in bot.current(MEMBER_ID, ask["message_id"])["text"]
    post = await bot.fake.wait_for_message(GROUP_ID, "优秀学习心得")
    assert "一位同志" in post["text"] and "王同志" not in post["text"] and SENTENCE in post["text"]
    r = await the_reflection(bot)
    assert (r.state, r.grade, r.showcase) == (ReflectionState.approved, Grade.excellent, Showcase.anonymous)
    async with bot.db() as s:
        reviews = (await s.scalars(select(ReflectionReview).order_by(ReflectionReview.id))).all()
    assert [(v.state, v.grade, v.revision) for v in reviews] == [
        (ReflectionState.returned, None, 1), (ReflectionState.approved, Grade.excellent, 2)]

    # Asked once, answered once: the consent button does nothing more; editing after review is refused.
    before = await quiet_state(bot)
    await bot.press(find_button(ask, "署名展示"), user=bot.member, chat_id=MEMBER_ID, message=ask)
    assert "不需要您确认展示" in bot.last_answer()
    await bot.press(find_button(note, "修改"), user=bot.member, chat_id=MEMBER_ID, message=note)
    assert "已经点评过，不能再修改" in bot.last_answer()
    assert await quiet_state(bot) == before


async def test_approve_with_a_grade_and_a_comment(bot):
    await unit_with_member(bot)
    await bot.say("/start", user=bot.admin)
    await start_writing(bot)
    await bot.say(SENTENCE * 3)
    await press(bot, "提交", user=bot.member)

    await bot.say("/review", user=bot.admin)
    card = bot.last_message(ADMIN_ID)
    await press(bot, "通过", user=bot.admin, message=card)
    assert "请选择等次" in bot.current(ADMIN_ID, card["message_id"])["text"]
    await press(bot, "良好", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    prompt = bot.last_message(ADMIN_ID)
    assert "点评（可选）" in prompt["text"]
    await bot.say("联系实际较好，<继续努力>。", user=bot.admin, reply_to=prompt)
    assert "已通过，等次：良好" in bot.fake.sent_messages(ADMIN_ID)[-2]["text"]
    note = await bot.fake.wait_for_message(MEMBER_ID, "已通过点评")
    assert "等次：良好" in note["text"] and "<继续努力>" in note["text"] and "展示" not in note["text"]
    r = await the_reflection(bot)
    assert (r.state, r.grade, r.showcase) == (ReflectionState.approved, Grade.good, None)

    # An approved reflection can still be raised to excellent; then the author is asked to consent.
    await bot.say(f"/review {r.id}", user=bot.admin)
    await press(bot, "设为优秀", user=bot.admin)
    ask = await bot.fake.wait_for_message(MEMBER_ID, "作为优秀案例展示")
    await press(bot, "署名展示", user=bot.member, message=ask)
    post = await bot.fake.wait_for_message(GROUP_ID, "优秀学习心得")
    assert "作者：王同志" in post["text"]


async def test_approve_without_comment_and_the_review_queue(bot):
    await unit_with_member(bot)
    other = bot.fake.user(3001, "赵敏")
    bot.fake.set_member(GROUP_ID, other, "member")
    await bot.say("/join", user=other, chat_id=GROUP_ID)
    for user in (bot.member, other):
        await bot.say("/start", user=user)
        await start_writing(bot, user)
        await bot.say(SENTENCE * 3, user=user)
        await press(bot, "提交", user=user)
    await bot.say("/start", user=bot.admin)
    await bot.say("/review", user=bot.admin)
    card = bot.last_message(ADMIN_ID)
    assert "待点评 2 篇" in card["text"] and "王同志" in card["text"]
    await press(bot, "下一篇", user=bot.admin, message=card)
    assert "赵敏" in bot.current(ADMIN_ID, card["message_id"])["text"]
    await press(bot, "通过", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    await press(bot, "合格", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    await press(bot, "直接通过", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    assert "已通过，等次：合格" in bot.current(ADMIN_ID, card["message_id"])["text"]
    # The next one comes up by itself; the unanswered comment question was withdrawn.
    assert "王同志" in last(bot, ADMIN_ID) and "待点评 1 篇" in last(bot, ADMIN_ID)
    from models.prompts import Prompt
    assert await bot.count(Prompt) == 0
    await bot.fake.wait_for_message(3001, "等次：合格")


async def test_follow_up_reply_starts_a_reflection_on_its_subject(bot):
    """A feature's follow-up message carries a "write" button; replying to it with text starts the
    draft on that subject, as pressing the button would."""
    from views.reflections import subject_callback

    await unit_with_member(bot)
    async with bot.db() as s:
        unit = await s.scalar(select(Unit))
    data = subject_callback(bot.app.bot_data.codec, Subject("other", None, unit.id))
    write = InlineKeyboardMarkup([[InlineKeyboardButton("写心得", callback_data=data)]])
    follow_up = await bot.app.bot.send_message(MEMBER_ID, "会后请写一段学习心得。", reply_markup=write)
    await bot.say(SENTENCE, reply_to=bot.current(MEMBER_ID, follow_up.message_id))
    assert f"已写 {S} 字" in last(bot, MEMBER_ID)
    r = await the_reflection(bot)
    assert (r.state, r.unit_id, r.text) == (ReflectionState.draft, unit.id, SENTENCE)


async def test_edited_messages_update_their_part(bot):
    await unit_with_member(bot)
    await start_writing(bot)
    first = await bot.say("第一段，有错别字。")
    await bot.say(SENTENCE)
    sent = bot.fake.injected[first]["message"]
    bot.fake.inject({"edited_message": {**sent, "text": "第一段，已经改正。", "edit_date": sent["date"] + 5}})
    await bot.settle(bot.fake._last_update_id)
    assert "草稿已同步更新" in last(bot, MEMBER_ID)
    r = await the_reflection(bot)
    assert r.text == f"第一段，已经改正。\n{SENTENCE}"
    assert await bot.count(ReflectionPart) == 2


async def test_a_draft_survives_a_restart(bot):
    await unit_with_member(bot)
    await start_writing(bot)
    await bot.say(SENTENCE * 2)
    await bot.stop()
    await bot.start()
    await bot.say(SENTENCE)
    assert f"已写 {S * 3} 字" in last(bot, MEMBER_ID)
    await bot.say("/reflect")
    assert "还没提交的心得草稿" in last(bot, MEMBER_ID)
    await press(bot, "提交", user=bot.member)
    r = await the_reflection(bot)
    assert (r.state, r.chars) == (ReflectionState.submitted, S * 3)


async def test_privacy_only_the_author_and_the_unit_chain_see_a_reflection(bot):
    await unit_with_member(bot)
    stranger = bot.fake.user(3001, "路人")
    other_admin = bot.fake.user(3002, "外单位书记")
    bot.fake.add_chat(OTHER_GROUP, title="机关党委群")
    bot.fake.set_member(OTHER_GROUP, other_admin, "creator")
    await bot.say("/bind 机关党委", user=other_admin, chat_id=OTHER_GROUP)
    for user in (stranger, other_admin):
        await bot.say("/start", user=user)
    await start_writing(bot)
    await bot.say(SENTENCE * 3)
    await press(bot, "提交", user=bot.member)
    r = await the_reflection(bot)
    codec = bot.app.bot_data.codec
    before = await quiet_state(bot)

    # Another member cannot reach it with the author's buttons, nor with review buttons.
    for data in (codec.encode("rf.pv", r.id), codec.encode("rf.ed", r.id), codec.encode("rf.v", r.id),
                 codec.encode("sc", r.id, "named")):
        await bot.press(data, user=stranger, chat_id=3001)
        assert "找不到这篇心得" in bot.last_answer(), data
    for data in (codec.encode("rv.full", r.id), codec.encode("rv.ok", r.id, 0), codec.encode("rv.ex", r.id, 0)):
        await bot.press(data, user=stranger, chat_id=3001)
        assert "不在您管理的单位里" in bot.last_answer(), data
    await bot.say(f"/review {r.id}", user=stranger)
    assert "只有单位管理员可以点评" in last(bot, 3001)

    # The admin of an unrelated unit: not theirs, by command or by button.
    await bot.say(f"/review {r.id}", user=other_admin)
    assert "不在您管理的单位里" in last(bot, 3002)
    await bot.say("/review", user=other_admin)
    assert "没有待点评的心得" in last(bot, 3002)
    for data in (codec.encode("rv.full", r.id), codec.encode("rv.ex", r.id, 0), codec.encode("rv.g", r.id, 0, "good"),
                 codec.encode("rv.nx", r.id, 0)):
        await bot.press(data, user=other_admin, chat_id=3002)
        assert "不在您管理的单位里" in bot.last_answer(), data
    # A forged (unsigned) button, and a signed one pressed in a group, show nothing anywhere.
    await bot.press(f"1|rv.full|{r.id}|AAAAAAAA", user=bot.admin, chat_id=ADMIN_ID)
    assert "按钮已失效" in bot.last_answer()
    group_texts = len(bot.texts(GROUP_ID))
    await bot.press(codec.encode("rv.full", r.id), user=bot.admin, chat_id=GROUP_ID)
    assert "按钮已失效" in bot.last_answer() and len(bot.texts(GROUP_ID)) == group_texts
    assert all(SENTENCE not in t for chat in (3001, 3002, GROUP_ID) for t in bot.texts(chat))
    assert await quiet_state(bot) == before

    # Once the branch sits under the committee, the committee's admin may review it.
    async with bot.db() as s, s.begin():
        committee = await s.scalar(select(Unit).where(Unit.chat_id == OTHER_GROUP))
        await s.execute(update(Unit).where(Unit.chat_id == GROUP_ID).values(parent_id=committee.id))
    await bot.say(f"/review {r.id}", user=other_admin)
    assert SENTENCE in last(bot, 3002)


async def test_drafts_are_nobodys_business(bot):
    await unit_with_member(bot)
    await bot.say("/start", user=bot.admin)
    await start_writing(bot)
    await bot.say(SENTENCE)
    r = await the_reflection(bot)
    await bot.say(f"/review {r.id}", user=bot.admin)
    assert "不在您管理的单位里" in last(bot, ADMIN_ID)
    await bot.press(bot.app.bot_data.codec.encode("rv.full", r.id), user=bot.admin, chat_id=ADMIN_ID)
    assert "不在您管理的单位里" in bot.last_answer()
    assert SENTENCE not in "".join(bot.texts(ADMIN_ID))


async def test_bad_inputs_get_clear_answers_and_write_nothing(bot):
    await unit_with_member(bot)
    await start_writing(bot)
    await bot.say(SENTENCE)
    panel = bot.last_message(MEMBER_ID)
    before = await quiet_state(bot)

    # Too short to submit: the count and the limit.
    await bot.press(find_button(panel, "提交"), user=bot.member, chat_id=MEMBER_ID, message=panel)
    assert f"现在 {S} 字，本单位要求最少 100 字，还差 {100 - S} 字" in bot.last_answer()
    # Files: unsupported types, too big, and media that cannot be a reflection.
    exe = bot.fake.add_document(b"MZ", "setup.exe", "application/x-msdownload")
    await bot.say(None, document=exe)
    assert "不支持这种文件（setup.exe）" in last(bot, MEMBER_ID)
    big = {"file_id": "BIG", "file_unique_id": "UBIG", "file_size": 25 * 1024 * 1024, "file_name": "笔记.pdf",
           "mime_type": "application/pdf"}
    await bot.say(None, document=big)
    assert "文件太大（25.0 MB），最大 20 MB" in last(bot, MEMBER_ID)
    await bot.say(None, sticker={"file_id": "STK", "file_unique_id": "USTK", "type": "regular", "width": 512,
                                 "height": 512, "is_animated": False, "is_video": False})
    assert "这种消息我收不了" in last(bot, MEMBER_ID)
    await bot.say(None, voice={"file_id": "V", "file_unique_id": "UV", "duration": 3})
    assert "这种消息我收不了" in last(bot, MEMBER_ID)
    assert await quiet_state(bot) == before

    # Too long: the part that would pass 10,000 characters is refused, with the count and the limit.
    await bot.say("学" * 4000)
    await bot.say("习" * 4000)
    before = await quiet_state(bot)
    await bot.say("思" * 3000)
    assert f"一共 {S + 11000} 字，最多 10000 字" in last(bot, MEMBER_ID)
    assert await quiet_state(bot) == before

    # The unit's minimum: bad values refused; a good one applies to the next submission.
    for bad in ("/review min abc", "/review min 0", "/review min 99999"):
        await bot.say(bad, user=bot.admin, chat_id=GROUP_ID)
        assert "不是有效的字数" in last(bot, GROUP_ID) and "/review min 150" in last(bot, GROUP_ID)
    await bot.say("/review 12 34", user=bot.admin, chat_id=GROUP_ID)
    assert "用法" in last(bot, GROUP_ID)
    await bot.say("/review min", user=bot.admin, chat_id=GROUP_ID)
    assert "心得最少 100 字" in last(bot, GROUP_ID)
    assert await quiet_state(bot) == before
    await bot.say("/review min 9000", user=bot.admin, chat_id=GROUP_ID)
    assert "不是有效的字数" in last(bot, GROUP_ID)
    await bot.say("/review min 5000", user=bot.admin, chat_id=GROUP_ID)
    assert "最少字数已设为 5000 字" in last(bot, GROUP_ID)
    await press(bot, "提交", user=bot.member, message=panel)
    assert (await the_reflection(bot)).state == ReflectionState.submitted

    # Reviewing one's own reflection, and a stale button on a reviewed one.
    await bot.say("/start", user=bot.admin)
    await start_writing(bot, bot.admin)
    await bot.say("学" * 5000, user=bot.admin)
    await press(bot, "提交", user=bot.admin)
    own = await the_reflection(bot)
    before = await quiet_state(bot)
    await bot.press(bot.app.bot_data.codec.encode("rv.ex", own.id, 0), user=bot.admin, chat_id=ADMIN_ID)
    assert "不能点评自己的心得" in bot.last_answer()
    assert await quiet_state(bot) == before


async def test_the_chooser_offers_registered_providers(bot, monkeypatch):
    """A provider is a few lines: its candidates appear as buttons, and it hears of submission and
    approval of reflections on its subjects."""
    heard: list[tuple[str, int | None]] = []

    class Homework(SubjectProvider):
        kind = "hw"

        async def candidates(self, session, *, person, now):
            units = await reflections.person_units(session, person=person)
            return [Subject(self.kind, 42, u.id, "第42号补学") for u, _ in units]

        async def submitted(self, session, *, reflection, now):
            heard.append(("submitted", reflection.subject_ref))

        async def approved(self, session, *, reflection, now):
            heard.append(("approved", reflection.subject_ref))

    monkeypatch.setitem(reflections.PROVIDERS, "hw", Homework())
    await unit_with_member(bot)
    await bot.say("/start", user=bot.admin)
    await bot.say("/reflect")
    labels = [label for label, _ in buttons(bot.last_message(MEMBER_ID))]
    assert labels[0] == "第42号补学" and "其他主题" in labels[1]
    await press(bot, "第42号补学", user=bot.member)
    await bot.say(SENTENCE * 3)
    await press(bot, "提交", user=bot.member)
    await bot.say("/review", user=bot.admin)
    await press(bot, "设为优秀", user=bot.admin)
    assert heard == [("submitted", 42), ("approved", 42)]
    r = await the_reflection(bot)
    assert (r.subject_kind, r.subject_ref) == ("hw", 42)
    # A forged subject (another ref) is refused and writes nothing.
    before = await quiet_state(bot)
    async with bot.db() as s:
        unit = await s.scalar(select(Unit))
    await bot.press(bot.app.bot_data.codec.encode("rf.s", "hw", 43, unit.id), user=bot.member, chat_id=MEMBER_ID)
    assert "这个主题现在不能写了" in bot.last_answer()
    assert await quiet_state(bot) == before


async def test_reflect_in_a_group_points_to_private_chat(bot):
    await unit_with_member(bot)
    await bot.say("/reflect", chat_id=GROUP_ID)
    msg = bot.last_message(GROUP_ID)
    assert "请在私聊里写" in msg["text"] and any("t.me/" in (d or "") for _, d in buttons(msg))
    assert await bot.count(Reflection) == 0


async def test_an_english_member_writes_in_english(bot):
    await unit_with_member(bot)
    alice = bot.fake.user(3001, "Alice", language_code="en")
    bot.fake.set_member(GROUP_ID, alice, "member")
    await bot.say("/join", user=alice, chat_id=GROUP_ID)
    await bot.say("/reflect", user=alice)
    assert "What is it about?" in last(bot, 3001)
    await press(bot, "Another topic", user=alice)
    await bot.say("Theory must be tied to our daily work. " * 4, user=alice)
    assert "characters so far (at least 100, at most 10000)" in last(bot, 3001)
    await press(bot, "Submit", user=alice)
    assert "Submitted: Another topic (your own)" in last(bot, 3001)


async def test_start_over_and_discard(bot):
    await unit_with_member(bot)
    await start_writing(bot)
    await bot.say(SENTENCE)
    await bot.say(None, photo=bot.fake.add_photo(b"page"))
    await press(bot, "清空重写", user=bot.member)
    assert "确定要清空" in last(bot, MEMBER_ID)
    await press(bot, "确定清空", user=bot.member)
    assert "已清空" in last(bot, MEMBER_ID) and "已写 0 字" in last(bot, MEMBER_ID)
    assert await bot.count(ReflectionPart) == 0 and await bot.count(ReflectionFile) == 0
    await bot.say(SENTENCE * 3)
    await press(bot, "提交", user=bot.member)
    r = await the_reflection(bot)

    # A reflection taken back to revise can be resubmitted, not thrown away.
    await press(bot, "修改", user=bot.member)
    assert "放弃" not in str(buttons(bot.last_message(MEMBER_ID)))
    before = await quiet_state(bot)
    await bot.press(bot.app.bot_data.codec.encode("rf.del", r.id, 1), user=bot.member, chat_id=MEMBER_ID)
    assert "不能放弃" in bot.last_answer()
    assert await quiet_state(bot) == before
    await press(bot, "提交", user=bot.member)

    # A fresh draft can be discarded, after a confirmation.
    await start_writing(bot)
    await bot.say(SENTENCE)
    await press(bot, "放弃草稿", user=bot.member)
    await press(bot, "确定放弃", user=bot.member)
    assert "草稿已放弃" in last(bot, MEMBER_ID)
    assert await bot.count(Reflection) == 1 and await bot.count(ReflectionPart) == 1


async def test_me_counts_reflections_as_the_database_holds_them(bot):
    """/me's reflections line: written this year (approved, excellent) and what is open, as in the DB."""
    await unit_with_member(bot)
    await bot.say("/start", user=bot.admin)
    await bot.say("/me", user=bot.member)
    assert "今年写的心得：0 篇（已通过 0 篇，其中优秀 0 篇）" in last(bot, MEMBER_ID)
    assert "草稿" not in last(bot, MEMBER_ID)

    for _ in range(2):
        await start_writing(bot)
        await bot.say(SENTENCE * 3)
        await press(bot, "提交", user=bot.member)
    await bot.say("/review", user=bot.admin)
    card = bot.last_message(ADMIN_ID)
    await press(bot, "通过", user=bot.admin, message=card)
    await press(bot, "优秀", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    await press(bot, "直接通过", user=bot.admin, message=bot.current(ADMIN_ID, card["message_id"]))
    await start_writing(bot)
    await bot.say(SENTENCE)  # a draft, not submitted
    # One approved last year does not count as written this year.
    now = bot.clock.now()
    old = now.replace(year=now.year - 1)
    async with bot.db() as s:
        unit_id = await s.scalar(select(Unit.id))
        person_id = (await the_reflection(bot)).person_id
        s.add(Reflection(person_id=person_id, unit_id=unit_id, subject_kind="other", state=ReflectionState.approved,
                         grade=Grade.excellent, revision=1, active_at=old, created_at=old, updated_at=old,
                         submitted_at=old, reviewed_at=old))
        await s.commit()

    await bot.say("/me", user=bot.member)
    text = last(bot, MEMBER_ID)
    async with bot.db() as s:
        rows = (await s.execute(select(Reflection.state, Reflection.grade, Reflection.submitted_at)
                                .where(Reflection.person_id == person_id))).all()
    year = [r for r in rows if r.state != ReflectionState.draft and r.submitted_at.year == now.year]
    approved = [r for r in year if r.state == ReflectionState.approved]
    excellent = [r for r in approved if r.grade == Grade.excellent]
    waiting = [r for r in rows if r.state == ReflectionState.submitted]
    drafts = [r for r in rows if r.state == ReflectionState.draft]
    assert (len(rows), len(year), len(approved), len(excellent), len(waiting), len(drafts)) == (4, 2, 1, 1, 1, 1)
    assert (f"今年写的心得：{len(year)} 篇（已通过 {len(approved)} 篇，其中优秀 {len(excellent)} 篇）") in text
    assert f"待点评 {len(waiting)} 篇，退回待修改 0 篇，草稿 {len(drafts)} 篇" in text
