"""Telegram's HTML subset and inline keyboards, validated the way Telegram validates them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from fakebot.common import JSONDict
from fakebot.errors import ApiError

_HTML_TAGS = frozenset(
    {"a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre", "s", "span", "strike",
     "strong", "tg-emoji", "tg-spoiler", "u"}
)  # fmt: skip


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _inline_markup(markup: Any) -> JSONDict | None:
    """The markup Telegram echoes in the Message (inline keyboards only), validated."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: field \"inline_keyboard\" must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


#: HTML tag -> MessageEntity type, as Telegram parses its HTML subset.
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
    "a": "text_link", "tg-spoiler": "spoiler", "blockquote": "blockquote",
}  # fmt: skip


def render_html(text: Any, parse_mode: Any) -> tuple[str, list[JSONDict]]:
    """The text Telegram stores and its entities: HTML is validated and reduced to its visible text
    plus one entity per formatting tag (offsets in UTF-16 units). Markdown modes are echoed verbatim
    (not parsed)."""
    text = str(text)
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        parser = _TelegramHTML()
        parser.feed(text)
        parser.close()
        if parser.open_tags:
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Can't find end tag corresponding to start "
                f'tag "{parser.open_tags[-1]}"',
            )
        return "".join(parser.text), sorted(parser.entities, key=lambda e: e["offset"])
    return text, []


def _render(text: Any, parse_mode: Any) -> str:
    """The visible text of ``render_html``."""
    return render_html(text, parse_mode)[0]


class _TelegramHTML(HTMLParser):
    """Checks Telegram's HTML subset (known tags, properly nested), collects visible text and entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open_tags: list[str] = []
        self.entities: list[JSONDict] = []
        self._starts: list[tuple[int, JSONDict | None]] = []
        self._offset = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open_tags.append(tag)
        kind = _ENTITY_TYPES.get(tag)
        if tag == "span" and ("class", "tg-spoiler") in attrs:
            kind = "spoiler"
        entity: JSONDict | None = {"type": kind} if kind else None
        if entity is not None and tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("tg://user?id="):
                entity = {"type": "text_mention", "user": {"id": int(href.rsplit("=", 1)[1] or 0),
                                                           "is_bot": False, "first_name": ""}}
            else:
                entity["url"] = href
        self._starts.append((self._offset, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.open_tags.pop()
        start, entity = self._starts.pop()
        if entity is not None and self._offset > start:
            self.entities.append({**entity, "offset": start, "length": self._offset - start})

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self._offset += _utf16_len(data)
