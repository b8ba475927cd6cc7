"""Turn the catalogs' light Markdown into a plain body and an escaped HTML body.

Everything is escaped first, so nothing a user typed can become HTML; only our own markers
(**bold**, `code`, "- " lists, [text](https URL)) are turned into tags afterwards.
"""

from __future__ import annotations

import html
import re

__all__ = ["render", "to_plain"]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")


def to_plain(text: str) -> str:
    """The plain-text body: Markdown markers removed, links shown as 'text (url)'."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def render(text: str) -> str:
    """The HTML body for Matrix `formatted_body`."""
    lines = html.escape(text, quote=True).split("\n")
    out: list[str] = []
    in_list = False
    for line in lines:
        is_item = line.startswith("- ")
        if is_item and not in_list:
            out.append("<ul>")
        elif not is_item and in_list:
            out.append("</ul>")
        in_list = is_item
        out.append(f"<li>{_inline(line[2:])}</li>" if is_item else _inline(line) + "<br>")
    if in_list:
        out.append("</ul>")
    return "".join(out).removesuffix("<br>")


def _inline(line: str) -> str:
    line = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', line)
    line = _BOLD.sub(r"<strong>\1</strong>", line)
    return _CODE.sub(r"<code>\1</code>", line)
