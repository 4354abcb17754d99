"""What a person typed, made safe to keep and to show: the one `clean_text`."""

from __future__ import annotations

import unicodedata


def clean_text(raw: str, *, lines: bool = False, limit: int | None = None) -> str:
    """One line (the default): control and separator characters become spaces and runs of spaces
    collapse. With `lines`: line breaks and tabs stay, other control characters go, the ends are
    trimmed (format characters such as the zero-width joiner of emoji stay). `limit` cuts the result."""
    if lines:
        text = "".join(c for c in raw if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
    else:
        text = " ".join("".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in raw).split())
    return text if limit is None else text[:limit]
