"""The typed context every handler gets, and the wrapper that gives each update one DB session.

The wrapper is the one place that commits: a handler does its domain work and queues replies with
`ctx.reply(...)` (questions with `ctx.ask(...)`, files with `ctx.reply_document(...)`); the wrapper
commits, then sends them, so the user is never told "done" about something the database did not keep.
A DomainError rolls everything back and its text is sent. A question's prompt row needs the sent
message's id: it is stored in a short follow-up transaction right after the send. Work that must
call Telegram before it writes (downloading a file) is queued with `ctx.after_commit(...)` and runs
once the update's transaction is closed, opening its own with `ctx.follow_up()`.

No network call is made while a transaction is open: see bot/txguard.py.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import ForceReply, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot.callbacks import CallbackCodec
from bot.clock import Clock, SystemClock
from bot.i18n import pick_lang, t
from bot.pacing import send_paced
from bot.welcome import Welcomes
from bot.txguard import TX_OPEN
from views.base import Renderer
from models.errors import DomainError
from models.prompts import open_prompt
from models.units import Membership, Person, PersonIn, Unit, caller, person_units

if TYPE_CHECKING:
    from telegram import ReplyMarkup

    from bot.admins import AdminCache
    from bot.checkin_desk import CheckinDesk
    from bot.delivery import Sender
    from bot.features.base import Features
    from bot.instance import SingleInstanceLock
    from bot.settings import Settings
    from jobs.planner import PlannerRegistry

log = logging.getLogger(__name__)


class BotState:
    """What the application shares between updates (PTB's bot_data), typed."""

    settings: Settings
    clock: Clock
    codec: CallbackCodec
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    admins: AdminCache
    planners: PlannerRegistry
    features: Features
    bot_username: str = ""

    def __init__(self) -> None:
        self.clock = SystemClock()
        self.engine: AsyncEngine | None = None  # type: ignore[assignment]
        self.sender: Sender | None = None  # type: ignore[assignment]
        self.desk: CheckinDesk | None = None
        self.instance_lock: SingleInstanceLock | None = None
        self.is_leader = False
        self.welcomes = Welcomes()


@dataclass(slots=True)
class PendingReply:
    text: str
    markup: ReplyMarkup | None = None
    chat_id: int | None = None  # None: the chat the update came from
    quote: bool = True
    photo: bytes | str | None = None  # a picture (PNG bytes, or a Telegram file id) with `text` as its caption
    document: tuple[str | None, bytes | str] | None = None  # (file name, bytes or a file id), `text` as caption
    ask: tuple[str, dict] | None = None  # a question: (prompt kind, payload) stored once it is sent
    reply_to: int | None = None  # reply to this message id in the target chat


FollowUp = Callable[["Ctx"], Awaitable[None]]


class Ctx(CallbackContext[ExtBot, dict, dict, BotState]):
    """PTB's context plus the per-update database session, the caller and their language."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id, user_id)
        self._session: AsyncSession | None = None
        self.person: Person | None = None
        self.unit: Unit | None = None
        self.lang: str = "zh"
        self.now: datetime
        self.replies: list[PendingReply] = []
        self.edit_to: PendingReply | None = None  # new text for the message whose button was pressed
        self.answer: tuple[str | None, bool] = (None, False)  # callback answer: text, as an alert
        self.enqueued = False  # set when the handler wrote outbox rows: the sender is woken after commit
        # A reaction on the user's message instead of a reply (quiet in busy groups), and the reply
        # to send when the chat does not allow that reaction.
        self.reaction: tuple[str, PendingReply] | None = None
        self._units: dict[int, list[tuple[Unit, Membership]]] = {}
        self.me: dict[str, Any] = {}  # /me's combined scalar figures (handlers/base.py MeFigures)
        self.after: list[FollowUp] = []  # run after the commit and the replies (ctx.after_commit)

    async def person_units(self, person: Person) -> list[tuple[Unit, Membership]]:
        """The person's active units and memberships, read once per update: /me's sections (and the
        time zone they reckon in) all need them."""
        if person.id not in self._units:
            self._units[person.id] = await person_units(self.session, person=person)
        return self._units[person.id]

    @property
    def state(self) -> BotState:
        return self.bot_data

    @property
    def view(self) -> Renderer:
        """The renderer for this update's language: views take it to make texts and buttons."""
        return Renderer(self.lang, self.bot_data.codec)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("handler is not wrapped with @handler")
        return self._session

    def t(self, key: str, /, **params: object) -> str:
        return t(self.lang, key, **params)

    def reply(self, key: str, /, *, markup: ReplyMarkup | None = None, chat_id: int | None = None,
              quote: bool = True, **params: object) -> None:
        """Queue a reply, sent after the commit."""
        self.replies.append(PendingReply(self.t(key, **params), markup, chat_id, quote))

    def edit(self, key: str, /, *, markup: ReplyMarkup | None = None, **params: object) -> None:
        """Replace the text of the message whose button was pressed, after the commit."""
        self.edit_to = PendingReply(self.t(key, **params), markup)

    def react(self, emoji: str, fallback_key: str, /, **params: object) -> None:
        """Acknowledge the user's message with a reaction (after the commit); reply with the key if refused."""
        self.reaction = (emoji, PendingReply(self.t(fallback_key, **params)))

    def ask(self, key: str, /, *, kind: str, payload: dict, chat_id: int | None = None,
            placeholder: str | None = None, prefix: str | None = None, reply_to: int | None = None,
            **params: object) -> None:
        """Queue a question answered by replying (ForceReply). After the commit it is sent, then its
        prompt row (`kind`, `payload`, asked of the caller) is stored with the sent message's id."""
        text = self.t(key, **params)
        markup = ForceReply(selective=True, input_field_placeholder=placeholder[:64] if placeholder else None)
        self.replies.append(PendingReply(f"{prefix}\n\n{text}" if prefix else text, markup, chat_id, False,
                                         ask=(kind, payload), reply_to=reply_to))

    def after_commit(self, fn: FollowUp) -> None:
        """Run `fn(ctx)` once the update's transaction is closed and its replies are sent: for work that
        calls Telegram first (a download) and then writes, in its own `ctx.follow_up()` transaction."""
        self.after.append(fn)

    @contextlib.asynccontextmanager
    async def follow_up(self) -> AsyncIterator[AsyncSession]:
        """A short transaction of its own, after the update's: commits on success. Replies it queues are
        sent by the wrapper afterwards; a DomainError rolls it back and becomes the reply."""
        async with self.state.sessions() as session:
            self._session = session
            token = TX_OPEN.set(session)
            try:
                yield session
                await session.commit()
            finally:
                TX_OPEN.reset(token)
                self._session = None

    def edit_text(self, text: str, *, markup: ReplyMarkup | None = None) -> None:
        self.edit_to = PendingReply(text, markup)

    def reply_text(self, text: str, *, markup: ReplyMarkup | None = None, chat_id: int | None = None,
                   quote: bool = True) -> None:
        self.replies.append(PendingReply(text, markup, chat_id, quote))

    def reply_photo(self, photo: bytes | str, key: str, /, *, chat_id: int | None = None, **params: object) -> None:
        """Queue a picture (bytes, or a Telegram file id) with a caption from the catalog, sent after the commit."""
        self.replies.append(PendingReply(self.t(key, **params), None, chat_id, True, photo))

    def reply_document(self, filename: str | None, data: bytes | str, key: str, /, *, chat_id: int | None = None,
                       **params: object) -> None:
        """Queue a file (a report's bytes, or a Telegram file id) with a caption from the catalog, sent
        after the commit."""
        self.replies.append(PendingReply(self.t(key, **params), None, chat_id, True, None, (filename, data)))

    def reply_file_text(self, kind: str, file_id: str, caption: str, *, chat_id: int | None = None) -> None:
        """Queue a kept photo or document (by file id) with a ready caption, sent after the commit."""
        if kind == "photo":
            self.replies.append(PendingReply(caption, None, chat_id, True, file_id))
        else:
            self.replies.append(PendingReply(caption, None, chat_id, True, None, (None, file_id)))


def person_in(user: Any) -> PersonIn:
    return PersonIn(user.id, user.first_name or "", user.last_name, user.username, user.language_code)


HandlerFn = Callable[[Update, Ctx], Awaitable[Any]]


def handler(fn: HandlerFn) -> HandlerFn:
    """Open the update's session, load the caller and unit, run `fn`, commit, then send replies."""

    @functools.wraps(fn)
    async def wrapper(update: Update, ctx: Ctx) -> Any:
        state = ctx.state
        ctx.now = state.clock.now()
        result = None
        async with state.sessions() as session:
            ctx._session = session
            token = TX_OPEN.set(session)
            try:
                await _load_caller(update, ctx)
                result = await fn(update, ctx)
                await session.commit()
            except DomainError as err:
                await session.rollback()
                ctx.replies, ctx.edit_to, ctx.reaction, ctx.after = [], None, None, []
                if update.callback_query is not None:
                    ctx.answer = (ctx.t(err.key, **err.params), True)
                else:
                    ctx.replies = [PendingReply(ctx.t(err.key, **err.params))]
            finally:
                TX_OPEN.reset(token)
                ctx._session = None
        if ctx.enqueued and state.sender is not None:
            state.sender.wake()
        await send_replies(update, ctx)
        while ctx.after:
            follow = ctx.after.pop(0)
            try:
                await follow(ctx)
            except DomainError as err:
                ctx.replies = [PendingReply(ctx.t(err.key, **err.params))]
            if ctx.enqueued and state.sender is not None:
                state.sender.wake()
            await send_replies(update, ctx)
        return result

    return wrapper


async def _load_caller(update: Update, ctx: Ctx) -> None:
    user = update.effective_user
    chat = update.effective_chat
    group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    ctx.person, ctx.unit = await caller(ctx.session, who=person_in(user) if user is not None and not user.is_bot else None,
                                        chat_id=chat.id if group else None, now=ctx.now)
    ctx.lang = pick_lang(
        user.language_code if user else None,
        ctx.unit.locale if ctx.unit else None,
        ctx.state.settings.locale,
    )


async def send_replies(update: Update, ctx: Ctx) -> list[Message]:
    """Answer the button (always, to stop its spinner), apply the edit, send the queued replies."""
    sent: list[Message] = []
    query = update.callback_query
    if query is not None:
        text, alert = ctx.answer
        await query.answer(text, show_alert=alert)
        if ctx.edit_to is not None and isinstance(query.message, Message):
            try:
                await query.message.edit_text(ctx.edit_to.text, reply_markup=ctx.edit_to.markup)
            except BadRequest as exc:  # e.g. "refresh" when nothing changed: the message is already right
                if "not modified" not in str(exc).lower():
                    raise
        ctx.edit_to = None
    chat = update.effective_chat
    msg = update.effective_message
    if ctx.reaction is not None and msg is not None:
        emoji, fallback = ctx.reaction
        ctx.reaction = None
        try:
            await msg.set_reaction(emoji)
        except BadRequest:  # reactions off in this chat, or this emoji not allowed
            ctx.replies.insert(0, fallback)
    asked: list[tuple[Message, tuple[str, dict]]] = []
    for r in ctx.replies:
        target = r.chat_id or (chat.id if chat else None)
        if target is None:
            continue
        reply_to = r.reply_to or (msg.message_id if (r.quote and msg and chat and target == chat.id
                                                     and chat.type != ChatType.PRIVATE) else None)
        out = await send_paced(ctx.state.sender, target, lambda r=r, target=target, reply_to=reply_to: _send_one(
            ctx, r, target, reply_to))
        sent.append(out)
        if r.ask is not None:
            asked.append((out, r.ask))
    ctx.replies = []
    if asked and ctx.person is not None:
        await _store_prompts(ctx, asked)
    return sent


async def _send_one(ctx: Ctx, r: PendingReply, target: int, reply_to: int | None) -> Message:
    if r.document is not None:
        return await ctx.bot.send_document(
            target, r.document[1], filename=r.document[0], caption=r.text, reply_markup=r.markup,
            reply_to_message_id=reply_to, allow_sending_without_reply=True,
        )
    if r.photo is not None:
        return await ctx.bot.send_photo(
            target, r.photo, caption=r.text, reply_markup=r.markup, reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )
    return await ctx.bot.send_message(
        target, r.text, reply_markup=r.markup, reply_to_message_id=reply_to, allow_sending_without_reply=True,
    )


async def _store_prompts(ctx: Ctx, asked: list[tuple[Message, tuple[str, dict]]]) -> None:
    """The questions just sent wait for the caller's reply: keep them (a restart does not forget them).
    The caller's next update waits for this one (bot/ordering.py), so their answer finds the row."""
    async with ctx.state.sessions.begin() as session:
        for message, (kind, payload) in asked:
            await open_prompt(session, chat_id=message.chat_id, message_id=message.message_id,
                              person_id=ctx.person.id, kind=kind, payload=payload, now=ctx.now)
