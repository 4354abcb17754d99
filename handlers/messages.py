"""Every non-command message goes through here, in this order:
1. a reply to one of the bot's own questions (prompts kept in the database);
2. a plain word (签到, 请假 原因, 学习 30 内容…), first pattern that matches;
3. feature hooks for free input (e.g. the next part of a reflection being written in private).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.context import Ctx, handler
from models.prompts import close_prompt, find_prompt

MAX_WORD_TEXT = 4096


async def _answer_prompt(update: Update, ctx: Ctx) -> bool:
    msg = update.effective_message
    asked = msg.reply_to_message
    if asked is None or ctx.person is None or asked.from_user is None or asked.from_user.id != ctx.bot.id:
        return False
    prompt = await find_prompt(ctx.session, chat_id=msg.chat_id, message_id=asked.message_id,
                               person_id=ctx.person.id, now=ctx.now)
    if prompt is None or prompt.kind not in ctx.state.features.prompts:
        return False
    await ctx.state.features.prompts[prompt.kind](update, ctx, prompt.payload)
    await close_prompt(ctx.session, prompt=prompt)
    return True


@handler
async def on_message(update: Update, ctx: Ctx) -> None:
    msg = update.effective_message
    if msg is None or ctx.person is None:
        return
    if await _answer_prompt(update, ctx):
        return
    text = (msg.text or "").strip()
    private = update.effective_chat.type == ChatType.PRIVATE
    if text and len(text) <= MAX_WORD_TEXT:
        for word in ctx.state.features.words:
            if not (word.private if private else word.group):
                continue
            match = word.pattern.fullmatch(text)
            if match:
                await word.fn(update, ctx, match)
                return
    for take in ctx.state.features.inputs:
        if await take(update, ctx):
            return
