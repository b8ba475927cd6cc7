"""Turn the catalogs' light Markdown into a plain body and an escaped HTML body.

Everything is escaped first, so nothing a user typed can become HTML; only our own markers
(**bold**, `code`, "- " and "1. " lists, [text](https URL)) are turned into tags afterwards.
"""

from __future__ import annotations

import html
import re

__all__ = ["render", "to_plain"]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")
_ITEM = re.compile(r"^(?:(- )|(\d{1,2})\. )")


def to_plain(text: str) -> str:
    """The plain-text body: Markdown markers removed, links shown as 'text (url)'."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


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
    return "".join(out).removesuffix("<br>")


def _inline(line: str) -> str:
    line = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', line)
    line = _BOLD.sub(r"<strong>\1</strong>", line)
    return _CODE.sub(r"<code>\1</code>", line)
