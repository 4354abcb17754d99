"""Telegram's errors and limits, and the faults a test can inject."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakebot.common import JSONDict

#: Methods that ``fail(None, ...)`` leaves alone, so start-up and polling keep working.
_SERVICE_METHODS = frozenset(
    {"getUpdates", "getMe", "setMyCommands", "deleteWebhook", "setWebhook"}
)


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


_BLOCKED = "Forbidden: bot was blocked by the user"


_FAULT_ERRORS: dict[str, tuple[int, str]] = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "403": (403, _BLOCKED),
    "400": (400, _NOT_MODIFIED),
    "not_modified": (400, _NOT_MODIFIED),
    "chat_not_found": (400, "Bad Request: chat not found"),
}


FAULT_KINDS = frozenset({*_FAULT_ERRORS, "429", "timeout", "reset"})


class ApiError(Exception):
    """A failure answered the way Telegram does: HTTP status plus ``{"ok": false, ...}`` body."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Fault:
    method: str | None
    kind: str
    times: int = 1
    retry_after: int = 1
    match: Callable[[JSONDict], bool] | None = None

    def applies(self, method: str, params: JSONDict) -> bool:
        if self.method is None and method in _SERVICE_METHODS:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.match is None or _safe_predicate(self.match, params)

    def error(self) -> ApiError:
        if self.kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        return ApiError(*_FAULT_ERRORS[self.kind])


@dataclass
class _RandomFaults:
    rate: float
    kinds: list[str]
    rng: random.Random
    methods: frozenset[str]
    retry_after: int
    limit: int | None
    injected: int = 0

    def draw(self, method: str) -> _Fault | None:
        if method not in self.methods or (self.limit is not None and self.injected >= self.limit):
            return None
        if self.rng.random() >= self.rate:
            return None
        self.injected += 1
        return _Fault(method, self.rng.choice(self.kinds), retry_after=self.retry_after)


def _safe_predicate(predicate: Callable[[Any], bool], item: Any) -> bool:
    try:
        return bool(predicate(item))
    except Exception:
        return False
