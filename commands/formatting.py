"""Turn the catalogs' light Markdown into a plain body and an escaped HTML body.

Catalog templates (and text built from them) are `Markup`: our own light Markdown. Anything
else put into a template, above all what a user typed, goes through `literal` first: its
Markdown characters are swapped for stand-ins from the Unicode private use area that no marker
pattern matches, and swapped back only after the markers have become tags. So a user's
`[text](https://…)`, `**bold**` or `` `code` `` shows as typed, never as a link, bold or code, and
everything is HTML-escaped, so nothing typed becomes HTML. URLs a user typed stay plain text;
a client may still linkify them, but then the visible text is the URL itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

__all__ = ["Markup", "literal", "render", "to_plain"]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")
_ITEM = re.compile(r"^(?:(- )|(\d{1,2})\. )")

# Every character a marker pattern needs, and its stand-in (private use area, U+F8F0…).
_SPECIAL = "*`[]()-."
_ESCAPE = str.maketrans({c: chr(0xF8F0 + i) for i, c in enumerate(_SPECIAL)})
_RESTORE = str.maketrans({chr(0xF8F0 + i): c for i, c in enumerate(_SPECIAL)})
# Line breaks of every kind: a user's value never starts a line of its own in the bot's voice.
_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Characters that act on the text around a value rather than show: bidi embeddings, overrides
# and isolates (U+202E would turn the bot's own words after a name backwards) and control
# characters (NUL, ESC …). They are dropped.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Markup(str):
    """Text in the catalogs' light Markdown that we wrote (or built from catalog texts)."""

    __slots__ = ()

    def join(self, parts: Iterable[str]) -> Markup:
        """Join like str.join; parts that are not Markup are made `literal` first."""
        return Markup(str.join(self, (literal(part) for part in parts)))


def literal(value: object) -> Markup:
    """`value` as text that shows as itself: no Markdown, no line breaks or controls of its own."""
    if isinstance(value, Markup):
        return value
    return Markup(_CONTROLS.sub("", _BREAKS.sub(" ", str(value))).translate(_ESCAPE))


def to_plain(text: str) -> str:
    """The plain-text body: Markdown markers removed, links shown as 'text (url)'."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\1", text)
    return _CODE.sub(r"\1", text).translate(_RESTORE)


def render(text: str) -> str:
    """The HTML body for Matrix `formatted_body`."""
    out: list[str] = []
    open_list = ""
    for line in html.escape(text.strip(), quote=True).split("\n"):
        item = _ITEM.match(line)
        kind = "" if item is None else ("ul" if item.group(1) else "ol")
        if kind != open_list:
            if open_list:
                out.append(f"</{open_list}>")
            if kind:
                out.append(f"<{kind}>")
            open_list = kind
        if item is not None:
            out.append(f"<li>{_inline(line[item.end() :])}</li>")
        else:
            out.append(_inline(line) + "<br>")
    if open_list:
        out.append(f"</{open_list}>")
    return "".join(out).removesuffix("<br>").translate(_RESTORE)


def _inline(line: str) -> str:
    line = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', line)
    line = _BOLD.sub(r"<strong>\1</strong>", line)
    return _CODE.sub(r"<code>\1</code>", line)
