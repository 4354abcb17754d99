"""The typed context every handler gets, and the wrapper that gives each update one DB session.

The wrapper is the one place that commits: a handler does its domain work and queues replies with
`ctx.reply(...)`; the wrapper commits, then sends them, so the user is never told "done" about
something the database did not keep. A DomainError rolls everything back and its text is sent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot.callbacks import CallbackCodec
from bot.clock import Clock, SystemClock
from bot.i18n import pick_lang, t
from models.errors import DomainError
from models.units import Membership, Person, PersonIn, Unit, caller, person_units

if TYPE_CHECKING:
    from telegram import ReplyMarkup

    from bot.admins import AdminCache
    from bot.checkin_desk import CheckinDesk
    from bot.delivery import Sender
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
    bot_username: str = ""

    def __init__(self) -> None:
        self.clock = SystemClock()
        self.engine: AsyncEngine | None = None  # type: ignore[assignment]
        self.sender: Sender | None = None  # type: ignore[assignment]
        self.desk: CheckinDesk | None = None
        self.instance_lock: SingleInstanceLock | None = None
        self.is_leader = False


@dataclass(slots=True)
class PendingReply:
    text: str
    markup: ReplyMarkup | None = None
    chat_id: int | None = None  # None: the chat the update came from
    quote: bool = True
    photo: bytes | None = None  # a picture (PNG) sent with `text` as its caption
    document: tuple[str, bytes] | None = None  # (file name, bytes) sent with `text` as its caption


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

    def edit_text(self, text: str, *, markup: ReplyMarkup | None = None) -> None:
        self.edit_to = PendingReply(text, markup)

    def reply_text(self, text: str, *, markup: ReplyMarkup | None = None, chat_id: int | None = None,
                   quote: bool = True) -> None:
        self.replies.append(PendingReply(text, markup, chat_id, quote))

    def reply_photo(self, photo: bytes, key: str, /, *, chat_id: int | None = None, **params: object) -> None:
        """Queue a picture with a caption from the catalog, sent after the commit."""
        self.replies.append(PendingReply(self.t(key, **params), None, chat_id, True, photo))

    def reply_document(self, filename: str, data: bytes, key: str, /, *, chat_id: int | None = None,
                       **params: object) -> None:
        """Queue a file (a report) with a caption from the catalog, sent after the commit."""
        self.replies.append(PendingReply(self.t(key, **params), None, chat_id, True, None, (filename, data)))


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
            try:
                await _load_caller(update, ctx)
                result = await fn(update, ctx)
                await session.commit()
            except DomainError as err:
                await session.rollback()
                ctx.replies, ctx.edit_to, ctx.reaction = [], None, None
                if update.callback_query is not None:
                    ctx.answer = (ctx.t(err.key, **err.params), True)
                else:
                    ctx.replies = [PendingReply(ctx.t(err.key, **err.params))]
            finally:
                ctx._session = None
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
    for r in ctx.replies:
        target = r.chat_id or (chat.id if chat else None)
        if target is None:
            continue
        reply_to = msg.message_id if (r.quote and msg and chat and target == chat.id
                                      and chat.type != ChatType.PRIVATE) else None
        if r.document is not None:
            sent.append(await ctx.bot.send_document(
                target, r.document[1], filename=r.document[0], caption=r.text, reply_markup=r.markup,
                reply_to_message_id=reply_to, allow_sending_without_reply=True,
            ))
            continue
        if r.photo is not None:
            sent.append(await ctx.bot.send_photo(
                target, r.photo, caption=r.text, reply_markup=r.markup, reply_to_message_id=reply_to,
                allow_sending_without_reply=True,
            ))
            continue
        sent.append(await ctx.bot.send_message(
            target, r.text, reply_markup=r.markup, reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        ))
        if ctx.state.sender is not None:  # replies use up Telegram's limits too: the sender leaves room
            ctx.state.sender.limiter.record(target)
    ctx.replies = []
    return sent
