"""Knowledge contests (/quiz): question banks (add a line, import a .txt/.csv file, choose, list,
delete) and contests (start, stop); a vote on a contest's quiz poll."""

from __future__ import annotations

from telegram import Document, Message, Update
from telegram.error import TelegramError

from bot.context import Ctx, handler
from bot.i18n import Raw, mention
from handlers.youth.common import admin_or_leader, group_of, rest
from models.errors import DomainError
from models.outbox import enqueue
from models.prompts import open_prompt
from models.units import Unit
from models.youth import (
    FILE_MAX_BYTES, START_DELAY, AnswerOutcome, QuizFileError, add_questions, bank_questions, banks_of, choose_bank,
    current_bank, delete_question, find_bank, live_contest, parse_quiz_file, parse_quiz_line, parse_start_args,
    record_answer, start_contest, stop_contest,
)
from views import youth as v

SUBCOMMANDS = {
    "add": "add", "添加": "add", "加": "add",
    "import": "import", "导入": "import",
    "bank": "bank", "题库": "bank",
    "list": "list", "列表": "list", "查看": "list",
    "del": "del", "删除": "del",
    "start": "start", "开始": "start",
    "stop": "stop", "停止": "stop", "结束": "stop",
}


@handler
async def cmd_quiz(update: Update, ctx: Ctx) -> None:
    """/quiz [add|import|bank|list|del|start|stop …]: question banks and knowledge contests."""
    unit, msg = group_of(update, ctx), update.effective_message
    head, _, tail = rest(msg).partition(" ")
    tail = tail.strip()
    if not head:
        await _quiz_overview(ctx, unit)
        return
    action = SUBCOMMANDS.get(head.lower())
    if action is None:
        raise DomainError("quiz.bad_sub", given=head[:20])
    if action == "list":
        bank = await find_bank(ctx.session, unit=unit, name=tail or None)
        ctx.reply_text(v.quiz_list(ctx.view, bank, await bank_questions(ctx.session, bank=bank)))
        return
    if not await admin_or_leader(ctx, unit):
        raise DomainError("quiz.not_allowed")
    if action == "add":
        await _quiz_add(ctx, unit, tail)
    elif action == "import":
        await _quiz_import(ctx, unit, msg, tail or None)
    elif action == "bank":
        if not tail:
            raise DomainError("quiz.bank_how")
        bank = await choose_bank(ctx.session, unit=unit, name=tail, by=ctx.person, now=ctx.now)
        count = len(await bank_questions(ctx.session, bank=bank))
        ctx.reply("quiz.bank_chosen", bank=bank.name, count=count)
    elif action == "del":
        if not (tail.isascii() and tail.isdigit()):
            raise DomainError("quiz.del_how")
        bank = await find_bank(ctx.session, unit=unit, name=None)
        question = await delete_question(ctx.session, bank=bank, number=int(tail))
        ctx.reply("quiz.deleted", n=int(tail), question=question.question[:60], bank=bank.name)
    elif action == "start":
        await _quiz_start(ctx, unit, tail)
    else:
        await stop_contest(ctx.session, unit=unit, now=ctx.now)
        ctx.reply("quiz.stopping")


async def _quiz_overview(ctx: Ctx, unit: Unit) -> None:
    banks = await banks_of(ctx.session, unit=unit)
    current = (unit.options or {}).get("youth", {}).get("bank")
    ctx.reply_text(v.quiz_overview(ctx.view, unit, banks, current, await live_contest(ctx.session, unit_id=unit.id)))


async def _quiz_add(ctx: Ctx, unit: Unit, line: str) -> None:
    if not line:
        raise DomainError("quiz.add_how")
    try:
        item = parse_quiz_line(line)
    except DomainError as err:
        raise DomainError("quiz.add_bad", problem=Raw(ctx.t(err.key, **err.params))) from None
    bank = await current_bank(ctx.session, unit=unit, by=ctx.person, now=ctx.now)
    total = await add_questions(ctx.session, bank=bank, items=[item], now=ctx.now)
    ctx.reply("quiz.added", bank=bank.name, total=total, question=item.question,
              answer=item.options[item.correct])


async def _quiz_import(ctx: Ctx, unit: Unit, msg: Message, name: str | None) -> None:
    replied = msg.reply_to_message
    if replied is not None and replied.document is not None:
        await _import_document(ctx, unit, replied.document, name)
        return
    ctx.ask("quiz.import_prompt", kind=v.Ask.QUIZ_IMPORT, payload={"unit_id": unit.id, "bank": name},
            chat_id=unit.chat_id, reply_to=msg.message_id, mention=mention(ctx.person.tg_user_id, ctx.person.display_name))


async def answer_import(update: Update, ctx: Ctx, payload: dict) -> None:
    unit = ctx.unit
    if unit is None or unit.id != payload.get("unit_id") or not await admin_or_leader(ctx, unit):
        raise DomainError("quiz.not_allowed")
    document = update.effective_message.document
    if document is None:
        raise DomainError("quiz.import_need_file")
    asked = update.effective_message.reply_to_message
    await _import_document(ctx, unit, document, payload.get("bank"), asked=(asked.chat_id, asked.message_id, payload))


async def _import_document(ctx: Ctx, unit: Unit, document: Document, name: str | None,
                           asked: tuple[int, int, dict] | None = None) -> None:
    """Load every question of a .txt/.csv file into a bank, or none if any line is bad. The file is
    downloaded once this update's transaction is closed, then imported in a transaction of its own.
    A file sent in answer to the question (`asked`) that cannot be loaded leaves the question open."""
    if (document.file_size or 0) > FILE_MAX_BYTES:
        raise DomainError("quiz.file_too_big", limit=FILE_MAX_BYTES // 1024)
    filename = (document.file_name or "").lower()
    if not (filename.endswith((".txt", ".csv")) or (document.mime_type or "").startswith("text/")):
        raise DomainError("quiz.file_type", name=document.file_name or "?")
    unit_id, file_id = unit.id, document.file_id

    async def download_then_import(ctx: Ctx) -> None:
        try:
            try:
                data = bytes(await (await ctx.bot.get_file(file_id)).download_as_bytearray())
            except TelegramError:
                raise DomainError("quiz.file_download") from None
            async with ctx.follow_up() as session:
                await _import_questions(ctx, await session.get(Unit, unit_id), data, name)
        except DomainError:
            if asked is not None:
                async with ctx.follow_up() as session:
                    await open_prompt(session, chat_id=asked[0], message_id=asked[1], person_id=ctx.person.id,
                                      kind=v.Ask.QUIZ_IMPORT, payload=asked[2], now=ctx.now)
            raise

    ctx.after_commit(download_then_import)


async def _import_questions(ctx: Ctx, unit: Unit, data: bytes, name: str | None) -> None:
    try:
        items = parse_quiz_file(data)
    except QuizFileError as err:
        raise DomainError("quiz.file_bad", count=len(err.problems), lines=v.file_problems(ctx.view, err.problems)) from None
    if name:
        bank = await choose_bank(ctx.session, unit=unit, name=name, by=ctx.person, now=ctx.now)
    else:
        bank = await current_bank(ctx.session, unit=unit, by=ctx.person, now=ctx.now)
    total = await add_questions(ctx.session, bank=bank, items=items, now=ctx.now)
    ctx.reply("quiz.imported", count=len(items), bank=bank.name, total=total)


async def _quiz_start(ctx: Ctx, unit: Unit, text: str) -> None:
    args = parse_start_args(text)
    bank = await find_bank(ctx.session, unit=unit, name=args.bank)
    contest, rounds, first = await start_contest(ctx.session, unit=unit, bank=bank, by=ctx.person, count=args.count,
                                                 seconds=args.seconds, now=ctx.now)
    await enqueue(ctx.session, items=[first], now=ctx.now)
    ctx.enqueued = True
    ctx.reply("quiz.starting", bank=bank.name, count=len(rounds), seconds=contest.seconds,
              delay=int(START_DELAY.total_seconds()), quote=False)


@handler
async def on_poll_answer(update: Update, ctx: Ctx) -> None:
    """A vote on a contest's quiz poll; one that comes after the question closed does not count."""
    answer = update.poll_answer
    if ctx.person is None:
        return
    result = await record_answer(ctx.session, poll_id=answer.poll_id, person=ctx.person,
                                 option_ids=list(answer.option_ids), now=ctx.now)
    if result is not None and result.outcome == AnswerOutcome.late and ctx.person.private_ok:
        ctx.reply("quiz.late", chat_id=ctx.person.tg_user_id, seq=result.seq)
