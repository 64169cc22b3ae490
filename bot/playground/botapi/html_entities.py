"""Telegram's HTML parse mode: markup in, plain text and MessageEntity dicts out.

A port of the rules of tdlib's ``parse_html`` (which the Bot API server uses): the
supported tags, the four named character references, numeric references, attribute
parsing and the exact error texts (reported with byte offsets into the UTF-8 markup).
Entity offsets and lengths are in UTF-16 code units, as in the Bot API.

Known deviation: Telegram trims leading and trailing whitespace afterwards; we do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HtmlParseError", "ParsedText", "normalize_url", "parse_html", "utf16_len"]

_SPACES = frozenset(" \t\r\n\0\v\f")
_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,18})$", re.IGNORECASE)
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_BARE_HOST = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?([/?#].*)?$")


class HtmlParseError(ValueError):
    """The markup is not valid Telegram HTML; ``str(err)`` is Telegram's own wording."""


@dataclass(frozen=True)
class ParsedText:
    """Plain text and its entities (Bot API MessageEntity dicts)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def normalize_url(url: str) -> str | None:
    """Return the URL as Telegram stores it in a text_link, or None when it is not a URL."""
    url = url.strip()
    if not url:
        return None
    match = _URL_SCHEME.match(url)
    if match is None:
        if not _BARE_HOST.match(url):
            return None
        url = "http://" + url
        match = _URL_SCHEME.match(url)
        assert match is not None
    scheme = match.group(1).lower()
    if scheme in ("http", "https", "ftp"):
        rest = url[match.end() :]
        if not rest.startswith("//") or len(rest) == 2:
            return None
        if "/" not in rest[2:] and "?" not in rest[2:] and "#" not in rest[2:]:
            url += "/"
        return url
    if scheme in ("tg", "ton", "mailto"):
        return url
    return None


@dataclass
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    order: int
    expandable: bool = False


class _Parser:
    def __init__(self, markup: str) -> None:
        self.src = markup
        self.n = len(markup)
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[tuple[int, dict[str, Any]]] = []
        self.order = 0

    def at(self, i: int) -> str:
        return self.src[i] if i < self.n else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8"))

    def fail(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        """Decode a character reference at ``i`` (an '&'); return (char, next index)."""
        end = i + 1
        if self.at(end) == "#":
            end += 1
            value = 0
            if self.at(end) == "x":
                end += 1
                while self.at(end) in "0123456789abcdefABCDEF" and self.at(end) != "\0":
                    value = value * 16 + int(self.at(end), 16)
                    end += 1
            else:
                while self.at(end).isascii() and self.at(end).isdigit():
                    value = value * 10 + int(self.at(end))
                    end += 1
            if value == 0 or value >= 0x10FFFF or end - i >= 10 or 0xD800 <= value <= 0xDFFF:
                return None
            char = chr(value)
        else:
            while self.at(end).isascii() and self.at(end).isalpha():
                end += 1
            name = self.src[i + 1 : end]
            if name not in _NAMED:
                return None
            char = _NAMED[name]
        if self.at(end) == ";":
            end += 1
        return char, end

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def run(self) -> ParsedText:
        i = 0
        while i < self.n:
            char = self.src[i]
            if char == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
            if char != "<":
                self.emit(char)
                i += 1
                continue
            i = self.end_tag(i) if self.at(i + 1) == "/" else self.start_tag(i)
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda item: (item[1]["offset"], -item[1]["length"], item[0]))
        return ParsedText("".join(self.out), [entity for _, entity in self.entities])

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        if i >= self.n:
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        if tag not in _ALLOWED_TAGS:
            raise self.fail(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        argument = ""
        expandable = False
        while self.at(i) != ">":
            while i < self.n and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == ">":
                break
            name_begin = i
            while self.at(i) not in _SPACES and self.at(i) not in "=>":
                i += 1
            attribute = self.src[name_begin:i].lower()
            if not attribute:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            while i < self.n and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != "=":
                if tag == "blockquote" and attribute == "expandable":
                    expandable = True
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            i += 1
            while i < self.n and self.at(i) in _SPACES:
                i += 1
            if i >= self.n:
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            value, i = self.attribute_value(i)
            if i >= self.n:
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if tag == "a" and attribute == "href":
                argument = value
            elif tag == "code" and attribute == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif (tag == "span" and attribute == "class" and value == "tg-spoiler") or (
                tag == "tg-emoji" and attribute == "emoji-id"
            ):
                argument = value
        if tag == "span" and argument != "tg-spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(_Open(tag, argument, self.utf16, self.order, expandable))
        self.order += 1
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            token_begin = i
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-"):
                if self.at(i) == "\0":
                    break
                i += 1
            value = self.src[token_begin:i].lower()
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise self.fail(
                    f"Unexpected end of name token at byte offset {self.byte_offset(token_begin)}"
                )
            return value, i
        i += 1
        chars: list[str] = []
        while i < self.n and self.src[i] != quote:
            if self.src[i] == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
            chars.append(self.src[i])
            i += 1
        if i < self.n:
            i += 1
        return "".join(chars), i

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        end_name = self.src[begin + 2 : i].lower()
        while i < self.n and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack[-1]
        if end_name and end_name != opened.tag:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        self.stack.pop()
        self.close(opened)
        return i + 1

    def close(self, opened: _Open) -> None:
        offset = opened.utf16_offset
        length = self.utf16 - offset
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": offset, "length": length}
        tag = opened.tag
        if tag in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[tag]
        elif tag == "tg-emoji":
            if not opened.argument.isdigit():
                raise self.fail("Invalid custom emoji identifier specified")
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = opened.argument
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if opened.expandable else "blockquote"
        elif tag == "a":
            url = opened.argument or self.text_since(offset)
            user = _USER_LINK.match(url)
            if user is not None:
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
            else:
                normalized = normalize_url(url)
                if normalized is None:
                    return  # Telegram silently drops links it cannot parse.
                entity["type"] = "text_link"
                entity["url"] = normalized
        elif tag == "code":
            entity["type"] = "code"
            if opened.argument:
                entity["language"] = opened.argument
        else:  # pre
            entity["type"] = "pre"
            if self.entities:
                order, last = self.entities[-1]
                if (
                    last["type"] == "code"
                    and last["offset"] == offset
                    and last["length"] == length
                    and order > opened.order
                ):
                    self.entities.pop()
                    if "language" in last:
                        entity["language"] = last["language"]
        self.entities.append((opened.order, entity))

    def text_since(self, utf16_offset: int) -> str:
        text = "".join(self.out)
        encoded = text.encode("utf-16-le")
        return encoded[utf16_offset * 2 :].decode("utf-16-le")


def parse_html(markup: str) -> ParsedText:
    """Parse Telegram HTML markup into plain text and entities.

    Raises:
        HtmlParseError: with Telegram's description (without the
            "Bad Request: can't parse entities: " prefix).
    """
    return _Parser(markup).run()
