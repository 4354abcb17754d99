"""The database engine and session factory (one AsyncSession per update or job run)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory database."""
    db = make_url(url).database
    return None if not db or db == ":memory:" else Path(db)


class _OneTripCursor(aiosqlite.Cursor):
    """An aiosqlite cursor that goes to the connection's thread once per statement.

    aiosqlite makes a trip (a queue put, a thread switch, a wake-up of the event loop) for each of
    cursor(), execute(), fetchall() and close(), and SQLAlchemy calls all four for every statement:
    on a busy bot these hand-overs cost more CPU than SQLite itself. Here execute() creates the
    sqlite3 cursor, runs the statement, fetches every row (as SQLAlchemy's adapter does anyway) and
    closes the cursor in one trip; the rest is answered from what it kept."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__(conn, None)  # type: ignore[arg-type]
        self._rows: list[Any] = []
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    def _run(self, method: str, sql: str, parameters: Any) -> tuple[list[Any], Any, int, int | None]:
        cursor = self._conn._conn.cursor()  # on the connection's thread
        try:
            getattr(cursor, method)(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
            return rows, cursor.description, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()

    async def _trip(self, method: str, sql: str, parameters: Any) -> _OneTripCursor:
        self._rows, self._description, self._rowcount, self._lastrowid = await self._execute(
            self._run, method, sql, parameters)
        return self

    async def execute(self, sql: str, parameters: Any = None) -> _OneTripCursor:
        return await self._trip("execute", sql, [] if parameters is None else parameters)

    async def executemany(self, sql: str, parameters: Any) -> _OneTripCursor:
        return await self._trip("executemany", sql, parameters)

    async def executescript(self, sql_script: str) -> _OneTripCursor:
        self._rows, self._description, self._rowcount, self._lastrowid = await self._execute(
            lambda: (self._conn._conn.executescript(sql_script).close(), None, -1, None))
        self._rows = []
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = self._arraysize if size is None else size
        taken, self._rows = self._rows[:n], self._rows[n:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []  # the sqlite3 cursor was closed in execute()

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    @property
    def description(self) -> Any:
        return self._description

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value


class _OneTripConnection(aiosqlite.Connection):
    @contextmanager
    async def cursor(self) -> _OneTripCursor:  # no trip: the sqlite3 cursor is made by execute()
        return _OneTripCursor(self)


def _sqlite_connect(path: str) -> aiosqlite.Connection:
    conn = _OneTripConnection(lambda: sqlite3.connect(path, timeout=30, check_same_thread=False), 64)
    conn._thread.daemon = True
    return conn


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if path is not None and not make_url(url).query:
            # The pool's rollback when a connection comes back is a trip too, and after a commit
            # there is nothing to roll back: only roll back a transaction that is still open.
            engine = create_async_engine(url, echo=echo, async_creator=lambda: _sqlite_connect(str(path)),
                                         pool_reset_on_return=None)

            @event.listens_for(engine.sync_engine, "reset")
            def _reset(dbapi_conn, _record, state) -> None:  # type: ignore[no-untyped-def]
                driver = dbapi_conn.driver_connection
                if state.terminate_only or driver is None or driver._connection is None:
                    return
                if driver._connection.in_transaction:
                    dbapi_conn.rollback()
        else:
            engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses no committed row
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # A Session class of its own, so listeners (bot/checkin_desk.py) hear this application's sessions only.
    own = type("AppSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=own)
