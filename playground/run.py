"""`wuxue playground`: checks first (port, database), then the stand-in, the bot and the page until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import signal
import socket
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_DB = "sqlite+aiosqlite:///data/playground.db"


class PlaygroundError(Exception):
    """One line for the person at the terminal; no traceback."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _same_database(a: str, b: str) -> bool:
    pa, pb = _sqlite_path(a), _sqlite_path(b)
    if pa is not None or pb is not None:
        return pa is not None and pb is not None and pa.resolve() == pb.resolve()
    ua, ub = make_url(a), make_url(b)
    return (ua.host, ua.port, ua.database) == (ub.host, ub.port, ub.database)


def _production_url() -> str | None:
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings().database.url
    except SettingsError:
        return None


def check_port(listen: str, port: int) -> None:
    """Bind once before anything starts, so a port in use is one clear line."""
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((listen, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PlaygroundError(f"port {port} on {listen} is in use (another playground?) — "
                                      f"choose another with --port N") from None
            raise PlaygroundError(f"cannot listen on {listen}:{port}: {exc.strerror or exc}") from None


def resolve_db(db: str | None, *, fresh: bool, yes: bool) -> tuple[str, Path | None]:
    """The database URL to use, its SQLite file if any; asks before touching the production database."""
    from bot.settings import DatabaseSettings

    url = DatabaseSettings(url=db).url if db else DEFAULT_DB
    path = _sqlite_path(url)
    if db is None:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path is not None and not path.parent.is_dir():
        raise PlaygroundError(f"--db: cannot open {db}: the folder {path.parent} does not exist")
    production = _production_url()
    if db is not None and production is not None and _same_database(url, production):
        question = (f"--db names the database `wuxue run` uses ({make_url(url).render_as_string(hide_password=True)}): "
                    "the playground will add a demo organisation to it" + (" after deleting it" if fresh else "")
                    + ". Continue? [y/N] ")
        if not yes:
            if not sys.stdin.isatty():
                raise PlaygroundError("--db names the production database; add --yes to confirm (no terminal to ask)")
            if input(question).strip().lower() not in ("y", "yes"):
                raise PlaygroundError("stopped: the production database was left as it was")
    if fresh:
        if path is None:
            raise PlaygroundError("--fresh starts over on a SQLite file only; empty that database yourself")
        for suffix in ("", "-wal", "-shm", "-journal", ".clock.json", ".chats.json"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return url, path


async def check_db(url: str) -> None:
    from sqlalchemy import text

    from bot.db import create_engine

    try:
        engine = create_engine(url)
    except Exception as exc:  # noqa: BLE001 - a bad URL is reported like a database that is down
        raise PlaygroundError(f"--db: cannot open {url}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        shown = engine.url.render_as_string(hide_password=True)
        raise PlaygroundError(f"--db: cannot open {shown}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    finally:
        await engine.dispose()


def run(*, port: int = 8090, listen: str = "127.0.0.1", db: str | None = None, fresh: bool = False,
        yes: bool = False) -> int:
    started = time.monotonic()
    try:
        check_port(listen, port)
        url, path = resolve_db(db, fresh=fresh, yes=yes)
        asyncio.run(_serve(url, path, listen, port, started))
    except PlaygroundError as exc:
        print(f"wuxue: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _loopback(listen: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(listen).is_loopback
    return listen == "localhost"


async def _serve(url: str, path: Path | None, listen: str, port: int, started: float) -> None:
    from aiohttp import web

    from bot.logs import setup_logging
    from playground.server import Playground, make_web_app

    setup_logging("WARNING", [])
    logging.getLogger("wuxue.playground").setLevel(logging.INFO)
    await check_db(url)
    state_file = path.with_name(path.name + ".clock.json") if path is not None else None
    chats_file = path.with_name(path.name + ".chats.json") if path is not None else None
    pg = Playground(db_url=url, sqlite_path=path, state_file=state_file, chats_file=chats_file)
    await pg.start()
    runner = web.AppRunner(make_web_app(pg), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
    except OSError as exc:
        await runner.cleanup()
        await pg.stop()
        raise PlaygroundError(f"port {port} on {listen} is in use — choose another with --port N"
                              if exc.errno == errno.EADDRINUSE else f"cannot listen on {listen}:{port}: {exc}") from None
    host = f"[{listen}]" if ":" in listen else listen
    shown = "127.0.0.1" if listen in ("0.0.0.0", "::") else host
    print(f"wuxue playground: http://{shown}:{port}/  (ready in {time.monotonic() - started:.1f} s; "
          f"database {make_url(url).render_as_string(hide_password=True)}; Ctrl-C stops)", flush=True)
    if not _loopback(listen):
        print(f"wuxue playground: WARNING: listening on {listen}: anyone who can reach this address can act as "
              "anyone in the demo (no login); the token is a local stand-in's, not Telegram's", file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("wuxue playground: stopping…", file=sys.stderr, flush=True)
        await runner.cleanup()
        await pg.stop()
