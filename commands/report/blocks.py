"""The blocks a report document is made of, and the catalog texts it is written with.

Every text in a block is plain (no markup): the HTML template escapes it, the PDF draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commands.faqchart import Chart
from commands.formatting import literal, to_plain
from commands.i18n import Catalog, plural
from commands.measurevalues import format_number

__all__ = [
    "LANGUAGE",
    "Block",
    "Document",
    "Figure",
    "Heading",
    "Items",
    "Paragraph",
    "Table",
    "Texts",
    "clean",
]

LANGUAGE = "de"


@dataclass(frozen=True)
class Heading:
    """A heading of level 1–3, with an anchor id."""

    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text; `note` paragraphs are shown smaller."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Items:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table with a caption and column headers; the first column heads its row."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    widths: tuple[int, ...] = ()  # relative column widths for the PDF
    footer: tuple[str, ...] = ()

    def is_numeric(self, column: int) -> bool:
        """Right-align this column (numbers)."""
        return column < len(self.numeric) and self.numeric[column]


@dataclass(frozen=True)
class Figure:
    """A chart with its text alternative and a caption."""

    chart: Chart
    alt: str
    caption: str


Block = Heading | Paragraph | Items | Table | Figure


@dataclass
class Document:
    """The report's title, its language and its blocks in reading order."""

    title: str
    language: str
    blocks: list[Block] = field(default_factory=list)

    def text(self) -> str:
        """Every word of the document as plain text (tests, search)."""
        parts: list[str] = [self.title]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                parts.append(block.text)
            elif isinstance(block, Items):
                parts.extend(block.items)
            elif isinstance(block, Table):
                parts += [block.caption, *block.headers, *block.footer]
                parts.extend(cell for row in block.rows for cell in row)
            else:
                parts += [block.caption, block.alt]
        return "\n".join(parts)


def clean(value: object) -> str:
    """Text from the data as plain text: no line breaks or control characters of its own."""
    return to_plain(literal(value))


class Texts:
    """The catalog's `report.*` texts in German, as plain text, and number/date formats."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def __call__(self, key: str, **params: Any) -> str:
        """`report.<key>` filled in, as plain text."""
        return to_plain(self._catalog.text(LANGUAGE, f"report.{key}", **params))

    def count(self, key: str, count: int, **params: Any) -> str:
        """The singular or plural form of `report.<key>`."""
        return self(plural(key, count), count=count, **params)

    @staticmethod
    def number(value: float | None) -> str:
        """1234.5 → '1.234,5'; None → '–'."""
        return "–" if value is None else format_number(value, LANGUAGE)

    @staticmethod
    def day(value: Any) -> str:
        """A date as 31.12.2026."""
        return str(value.strftime("%d.%m.%Y"))

    def amount(self, value: float | None, unit: str) -> str:
        """A number with its unit ('–' without a number)."""
        return "–" if value is None else f"{self.number(value)} {clean(unit)}".rstrip()
