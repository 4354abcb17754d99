"""The one codec for callback_data: versioned, signed, at most 64 bytes.

`1|action|arg|arg|sig` — the signature (HMAC of the rest, keyed from the bot token) makes the bot
refuse buttons it did not issue, so a forged or edited payload never reaches a handler.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
_SEP = "|"
_ARG_RE = re.compile(r"^[A-Za-z0-9_.:-]*$")


class BadCallback(ValueError):
    """callback_data this bot did not issue, or of an old version."""


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    args: tuple[str, ...]

    def int_arg(self, i: int) -> int:
        try:
            return int(self.args[i])
        except (IndexError, ValueError):
            raise BadCallback("argument is not a number") from None


class CallbackCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(f"wuxue-callback:{secret}".encode()).digest()

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:6]
        return base64.urlsafe_b64encode(mac).decode()

    def encode(self, action: str, *args: int | str) -> str:
        parts = [VERSION, action, *map(str, args)]
        if any(not _ARG_RE.match(p) for p in parts[1:]) or not action:
            raise ValueError(f"callback parts must match {_ARG_RE.pattern}: {parts!r}")
        payload = _SEP.join(parts)
        data = f"{payload}{_SEP}{self._sign(payload)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
        return data

    @staticmethod
    def prefix(action: str) -> str:
        """How every button of `action` begins (to route them before decoding)."""
        return f"{VERSION}{_SEP}{action}{_SEP}"

    def decode(self, data: str | None) -> Callback:
        if not data or len(data.encode()) > MAX_BYTES:
            raise BadCallback("empty or too long")
        payload, _, sig = data.rpartition(_SEP)
        if not payload or not hmac.compare_digest(sig.encode(), self._sign(payload).encode()):
            raise BadCallback("bad signature")
        version, action, *args = payload.split(_SEP)
        if version != VERSION or not action:
            raise BadCallback("unknown version")
        return Callback(action, tuple(args))
