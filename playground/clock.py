"""The playground's clock: real time plus an offset the page moves forward (kept beside the database,
so a restart does not send the bot back in time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path


class MovableClock:
    def __init__(self, state_file: Path | None = None) -> None:
        self._offset = timedelta()
        self._file = state_file
        if state_file is not None and state_file.exists():
            try:
                self._offset = timedelta(seconds=float(json.loads(state_file.read_text())["offset_seconds"]))
            except (ValueError, KeyError, TypeError):
                self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta > timedelta():
            self._offset += delta
            self._save()
        return self.now()

    def move_to(self, when: datetime) -> datetime:
        """Forward only: the bot's planners never look back."""
        return self.advance(when - self.now())

    def reset(self) -> None:
        self._offset = timedelta()
        self._save()

    def _save(self) -> None:
        if self._file is not None:
            self._file.write_text(json.dumps({"offset_seconds": self._offset.total_seconds()}))
