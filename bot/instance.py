"""SQLite serves one bot process: a lock file next to the database says so to a second one."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.db import is_sqlite, sqlite_path
from bot.settings import SettingsError


class SingleInstanceLock:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def for_url(cls, url: str) -> SingleInstanceLock:
        db = sqlite_path(url) if is_sqlite(url) else None
        return cls(db.with_name(db.name + ".lock") if db else None)

    def acquire(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SettingsError(
                f"database.url: another wuxue process is already using {self.path.with_suffix('')} — "
                "SQLite serves one instance; use PostgreSQL to run several"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
