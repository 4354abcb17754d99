"""Parsers for what users type. Each returns a value or raises DomainError with an example."""

from __future__ import annotations

import re

from models.errors import DomainError
from models.units import UnitKind

# Words a secretary might type for each kind of unit (longest first when matching).
KIND_WORDS: dict[str, UnitKind] = {
    "理论学习中心组": UnitKind.lead, "中心组": UnitKind.lead, "党组": UnitKind.lead, "lead": UnitKind.lead,
    "机关党委": UnitKind.supervise, "党委": UnitKind.supervise, "supervise": UnitKind.supervise,
    "党支部": UnitKind.research, "支部": UnitKind.research, "research": UnitKind.research,
    "青年理论学习小组": UnitKind.promote, "青年小组": UnitKind.promote, "党小组": UnitKind.promote,
    "小组": UnitKind.promote, "promote": UnitKind.promote,
}
JOIN_PAYLOAD_RE = re.compile(r"^join_([A-Za-z0-9_-]{8})$")


def parse_bind_args(text: str) -> tuple[UnitKind, str | None] | None:
    """`/bind 党支部 第一党支部` → (research, "第一党支部"); empty → None (ask with buttons)."""
    text = text.strip()
    if not text:
        return None
    head, _, rest = text.partition(" ")
    kind = KIND_WORDS.get(head) or KIND_WORDS.get(head.lower())
    if kind is None:
        raise DomainError("bind.bad_kind", given=head[:32])
    return kind, (rest.strip() or None)


def parse_join_payload(payload: str) -> str:
    """The unit code from a `/start join_<code>` deep link."""
    m = JOIN_PAYLOAD_RE.match(payload.strip())
    if m is None:
        raise DomainError("start.bad_link")
    return m.group(1)
