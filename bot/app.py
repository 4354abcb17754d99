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
from handlers import register
from handlers.registry import COMMANDS
from jobs.agenda import plan_agenda
from jobs.planner import PlannerRegistry, planner_tick, resign
from jobs.reflections import plan_note_reminders
from jobs.selfstudy import plan_midweek_nudges, plan_weekly_reminders, plan_weekly_summaries
from jobs.sessions import plan_sessions, start_roll_job
from jobs.youth import ASK_KIND, plan_youth, quiz_sent_hook, record_ask_sent_hook
from jobs.supervise import plan_bulletins, plan_rectify_posts, plan_task_reminders

log = logging.getLogger("wuxue")


def _request(settings: Settings, connections: int) -> AiohttpRequest:
    timeout = settings.telegram.timeout_seconds
    return AiohttpRequest(connections=connections, read_timeout=timeout, connect_timeout=timeout,
                          pool_timeout=timeout)


def build_application(settings: Settings, *, clock: Clock | None = None) -> Application:
    """Wire the bot: handlers, typed context, shared state."""
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
    state.planners = PlannerRegistry()
    state.planners.add("weekly", plan_weekly_reminders)
    state.planners.add("midweek", plan_midweek_nudges)
    state.planners.add("summary", plan_weekly_summaries)
    state.planners.add("notes", plan_note_reminders)
    state.planners.add("sessions", plan_sessions)
    state.planners.add("agenda", plan_agenda)  # after sessions: it follows up the sessions they closed
    state.planners.add("youth", plan_youth)
    state.planners.add("bulletins", plan_bulletins)
    state.planners.add("tasks", plan_task_reminders)
    state.planners.add("rectify", plan_rectify_posts)
    register(app)
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
                          request_timeout=settings.telegram.timeout_seconds)
    state.sender.after_sent["quiz"] = quiz_sent_hook(state)
    state.sender.after_sent[ASK_KIND] = state.sender.after_sent[f"{ASK_KIND}:fb"] = record_ask_sent_hook(state)
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


def _commands(lang: str, *, private: bool, admin: bool) -> list[BotCommand]:
    return [
        BotCommand(c.name, t(lang, f"cmd.{c.name}"))
        for c in COMMANDS
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
                _commands(text_lang, private=private, admin=admin), scope=scope, language_code=lang
            )
