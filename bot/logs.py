"""Logging set-up that keeps the bot token out of every record."""

from __future__ import annotations

import logging
from urllib.parse import quote


class RedactSecrets(logging.Filter):
    """Replace secrets in the rendered message (URLs with the token, exception texts)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in {*secrets, *(quote(s, safe="") for s in secrets)} if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        msg = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for s in self._secrets:
            msg = msg.replace(s, "<token>")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(s, "<token>")
        record.msg, record.args = msg, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    install_redaction(secrets)
    # httpx logs every request URL, which contains the token; its lines add nothing we need.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def install_redaction(secrets: list[str]) -> None:
    """Attach the filter to every handler of the root logger (filters on loggers miss children)."""
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(redact)
