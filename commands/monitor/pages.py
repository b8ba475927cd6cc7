"""Jinja2 templates of the public page, with autoescaping: no text from YAML or the database
can become markup. Texts come from the catalogs (`t`), as plain text."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.measurevalues import format_number

__all__ = ["Pages"]

_HERE = Path(__file__).resolve().parent


def _date(value: date | datetime | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def _datetime(value: datetime) -> str:
    return value.strftime("%d.%m.%Y, %H:%M")


def _number(value: float | None) -> str:
    return "" if value is None else format_number(value, "de")


class Pages:
    """Renders the templates under commands/monitor/templates to UTF-8 bytes."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._env = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.globals["t"] = self.text
        self._env.filters["de_date"] = _date
        self._env.filters["de_datetime"] = _datetime
        self._env.filters["de_number"] = _number
        self._css = (_HERE / "static" / "monitor.css").read_bytes()

    def text(self, key: str, **params: Any) -> str:
        """The German catalog text as plain text (the template escapes it)."""
        return to_plain(self._catalog.text("de", key, **params))

    def render(self, template: str, **values: Any) -> bytes:
        """The template filled in, as UTF-8."""
        return self._env.get_template(template).render(**values).encode("utf-8")

    def stylesheet(self) -> bytes:
        """The page's CSS."""
        return self._css
