"""`wuxue`: run the bot, migrate the database, try it in the playground."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import SettingsError, load_settings


class StartupError(Exception):
    """Telegram or the database could not be reached at start; one line, no traceback."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wuxue", description="wuxue — a Telegram bot for 五学联动 study.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (long polling; --webhook for the webhook server)")
    run.add_argument("--webhook", action="store_true", help="serve webhook.* settings instead of polling")
    db = sub.add_parser("db", help="database tools")
    dbsub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND")
    dbsub.add_parser("upgrade", help="apply database migrations (start-up also applies them)")
    out = sub.add_parser("outbox", help="show scheduled messages by state; 'outbox retry ID' re-queues a dead one")
    outsub = out.add_subparsers(dest="outbox_command", metavar="OUTBOX_COMMAND")
    retry = outsub.add_parser("retry", help="re-queue a dead or failed message")
    retry.add_argument("id", type=int)
    pg = sub.add_parser("playground", help="the real bot in a browser against a local Telegram stand-in, with a demo "
                                           "organisation; needs no token")
    pg.add_argument("--port", type=int, default=8090, help="port of the page (default 8090)")
    pg.add_argument("--listen", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--db", metavar="URL", help="database URL (default sqlite+aiosqlite:///data/playground.db)")
    pg.add_argument("--fresh", action="store_true", help="start over: delete the playground's database first")
    pg.add_argument("--yes", action="store_true", help="do not ask before using the production database named by --db")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(webhook=args.webhook)
        if args.command == "db" and args.db_command == "upgrade":
            return _db_upgrade()
        if args.command == "playground":
            from playground.run import run as playground

            return playground(port=args.port, listen=args.listen, db=args.db, fresh=args.fresh, yes=args.yes)
        if args.command == "outbox":
            return _outbox(args.id if args.outbox_command == "retry" else None)
    except SettingsError as exc:
        print(f"wuxue: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"wuxue: {exc}", file=sys.stderr)
        return 1
    parser.print_help()
    return 0 if args.command is None else 2


async def _with_database(work):  # type: ignore[no-untyped-def]
    """Open the configured database, bring it up to date, run `work(sessions)`, close it."""
    from bot.db import create_engine, session_factory
    from bot.migrate import upgrade

    settings = load_settings()
    engine = create_engine(settings.database.url)
    try:
        await upgrade(engine)
        return await work(session_factory(engine))
    finally:
        await engine.dispose()


def _db_upgrade() -> int:
    async def nothing(_sessions):  # type: ignore[no-untyped-def]
        return None

    asyncio.run(_with_database(nothing))
    print("wuxue: database is up to date")
    return 0


def _outbox(retry_id: int | None) -> int:
    from datetime import UTC, datetime

    from models.outbox import counts_by_state, oldest_due, recent_skipped, retry_dead

    async def work(sessions):  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        async with sessions.begin() as session:
            if retry_id is not None:
                row = await retry_dead(session, row_id=retry_id, now=now)
                if row is None:
                    print(f"wuxue: outbox row {retry_id} is not dead or failed (or does not exist)", file=sys.stderr)
                    return 1
                print(f"wuxue: outbox row {retry_id} re-queued")
                return 0
            counts = await counts_by_state(session)
            oldest = await oldest_due(session, now=now)
            skipped = await recent_skipped(session)
        for state in ("pending", "sending", "sent", "failed", "dead"):
            print(f"{state:8} {counts.get(state, 0)}")
        print(f"oldest due: {oldest.isoformat() if oldest else '-'}")
        if skipped:  # newest first: what the planner did not send (down past delivery.catch_up_hours)
            print(f"skipped while down ({len(skipped)} latest):")
            print(f"{'id':>6}  {'unit':>6}  {'due (UTC)':16}  {'admins told':16}  what")
            for r in skipped:
                told = r.told_at.strftime("%Y-%m-%d %H:%M") if r.told_at else "-"
                print(f"{r.id:>6}  {r.unit_id or '-':>6}  {r.due_at.strftime('%Y-%m-%d %H:%M'):16}  {told:16}  {r.what}")
        return 0

    return asyncio.run(_with_database(work))


def _run(*, webhook: bool) -> int:
    from bot.app import build_application
    from bot.logs import setup_logging

    from telegram.error import InvalidToken, NetworkError

    settings = load_settings()
    token = settings.require_token()
    setup_logging(settings.log_level, [token])
    try:
        asyncio.run(_preflight(settings, token))
    except InvalidToken:
        raise SettingsError("telegram.token: Telegram rejected the token (check it with @BotFather)") from None
    except NetworkError as exc:
        where = settings.telegram.base_url
        raise StartupError(f"cannot reach Telegram at {where}: {str(exc).replace(token, '<token>')}") from None
    _serve(build_application(settings), settings, webhook=webhook)
    return 0


async def _preflight(settings, token: str) -> None:  # type: ignore[no-untyped-def]
    """Check Telegram and the database before starting, so a failure is one line, not a traceback."""
    from sqlalchemy import text
    from telegram import Bot

    from bot.db import create_engine

    engine = create_engine(settings.database.url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to open the database is reported the same way
        url = engine.url.render_as_string(hide_password=True)
        raise StartupError(f"database.url: cannot open {url}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    finally:
        await engine.dispose()
    async with Bot(token, base_url=settings.telegram.base_url, base_file_url=settings.telegram.base_file_url) as bot:
        await bot.get_me()


def _serve(app, settings, *, webhook: bool) -> None:  # type: ignore[no-untyped-def]
    from handlers import ALLOWED_UPDATES

    if webhook:
        from bot.webhook import serve

        hook = settings.webhook
        if not hook.url:
            raise SettingsError("webhook.url: missing — the public HTTPS URL Telegram posts updates to")
        asyncio.run(serve(
            app, listen=hook.listen, port=hook.port, path=hook.path, public_url=hook.url,
            secret=hook.secret_token.get_secret_value() if hook.secret_token else None,
            allowed_updates=ALLOWED_UPDATES,
        ))
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    sys.exit(main())
