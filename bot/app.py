"""The application factory: settings in, a wired PTB Application out.

Resources open in post_init (database, migrations, the sender, the planner job, menus) and close in
post_stop / post_shutdown. PTB calls these hooks from run_polling/run_webhook; `bot.lifecycle`
calls them for the custom webhook server and the tests.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeAllGroupChats
from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeDefault
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.admins import AdminCache
from bot.callbacks import CallbackCodec
from bot.checkin_desk import CheckinDesk
from bot.clock import Clock, SystemClock
from bot.context import BotState, Ctx
from bot.db import create_engine, session_factory
from bot.delivery import Sender
from bot.http import AiohttpRequest
from bot.i18n import LANGS, t
from bot.instance import SingleInstanceLock
from bot.logs import install_redaction
from bot.migrate import upgrade
from bot.ordering import OrderedUpdateProcessor
from bot.settings import Settings
from bot.features import FEATURES, Feature, gather, install_domain_plugins
from handlers import register
from jobs.planner import PlannerRegistry, planner_tick, resign
from jobs.sessions import start_roll_job

log = logging.getLogger("wuxue")


def _request(settings: Settings, connections: int) -> AiohttpRequest:
    timeout = settings.telegram.timeout_seconds
    return AiohttpRequest(connections=connections, read_timeout=timeout, connect_timeout=timeout,
                          pool_timeout=timeout)


def build_application(settings: Settings, *, clock: Clock | None = None,
                      features: tuple[Feature, ...] = FEATURES) -> Application:
    """Wire the bot: handlers, typed context, shared state, all read from the one list of features."""
    token = settings.require_token()
    install_redaction([token])
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .request(_request(settings, settings.telegram.connections))
        .get_updates_request(_request(settings, 1))
        .context_types(ContextTypes(context=Ctx, bot_data=BotState))
        .concurrent_updates(OrderedUpdateProcessor(settings.telegram.concurrent_updates))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    state: BotState = app.bot_data
    state.settings = settings
    state.clock = clock or SystemClock()
    state.codec = CallbackCodec(token)
    state.admins = AdminCache()
    state.features = gather(features)
    install_domain_plugins(state.features)
    state.planners = PlannerRegistry()
    for name, planner in state.features.planners:
        state.planners.add(name, planner)
    register(app, state.features)
    return app


async def _post_init(app: Application) -> None:
    state: BotState = app.bot_data
    settings = state.settings
    state.instance_lock = SingleInstanceLock.for_url(settings.database.url)
    state.instance_lock.acquire()
    state.engine = create_engine(settings.database.url, echo=settings.database.echo)
    state.sessions = session_factory(state.engine)
    await upgrade(state.engine)
    state.desk = CheckinDesk(state.sessions)
    state.bot_username = app.bot.username
    state.sender = Sender(app.bot, state.sessions, settings.delivery, state.clock, default_locale=settings.locale,
                          request_timeout=settings.telegram.timeout_seconds,
                          sole=state.instance_lock.path is not None)
    for kind, make_hook in state.features.after_sent.items():
        state.sender.after_sent[kind] = make_hook(state)
    await state.sender.recover()
    state.sender.start()
    app.job_queue.run_repeating(planner_tick, interval=settings.delivery.planner_tick_seconds, first=0.0,
                                name="planner", job_kwargs={"coalesce": True, "misfire_grace_time": None})
    # The repeating job's first run is dropped when the scheduler starts after `first` has passed
    # (it always does: it starts once post_init returns), which left no leader — no planners, no
    # live roll — for a whole tick after every start. This run takes the lead at once.
    app.job_queue.run_once(planner_tick, when=0.0, name="planner-first", job_kwargs={"misfire_grace_time": None})
    start_roll_job(app)
    await set_menus(app)
    log.info("wuxue started as @%s (instance %s)", state.bot_username, state.sender.instance_id)


async def _post_stop(app: Application) -> None:
    state: BotState = app.bot_data
    if state.sender is not None:
        await resign(state)
        await state.sender.stop()


async def _post_shutdown(app: Application) -> None:
    state: BotState = app.bot_data
    if state.desk is not None:
        await state.desk.close()
    if state.engine is not None:
        await state.engine.dispose()
    if state.instance_lock is not None:
        state.instance_lock.release()


def _commands(app: Application, lang: str, *, private: bool, admin: bool) -> list[BotCommand]:
    return [
        BotCommand(c.name, t(lang, f"cmd.{c.name}"))
        for c in app.bot_data.features.commands
        if (c.private if private else c.group) and (admin or not c.admin)
    ]


async def set_menus(app: Application) -> None:
    """Command menus per scope (private chats, groups, group admins) and language."""
    default = app.bot_data.settings.locale
    for lang in (None, *LANGS):
        text_lang = lang or default
        for scope, private, admin in (
            (BotCommandScopeDefault(), True, False),
            (BotCommandScopeAllPrivateChats(), True, False),
            (BotCommandScopeAllGroupChats(), False, False),
            (BotCommandScopeAllChatAdministrators(), False, True),
        ):
            await app.bot.set_my_commands(
                _commands(app, text_lang, private=private, admin=admin), scope=scope, language_code=lang
            )
