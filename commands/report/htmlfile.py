"""The report as one self-contained, accessible HTML file (Jinja2, autoescaped, charts inline)."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from commands.faqchart import Chart
from commands.report.blocks import Document, Texts

__all__ = ["data_uri", "render_html"]

TEMPLATE = "report.html.j2"


@cache
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # every text comes from the data (titles, news): none of it is markup
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE)


def data_uri(chart: Chart) -> str:
    """A PNG as a data: URI, so the file needs nothing from outside."""
    return "data:image/png;base64," + base64.b64encode(chart.data).decode("ascii")


def render_html(doc: Document, t: Texts) -> bytes:
    """The document as UTF-8 HTML."""
    return _template().render(doc=doc, t=t, data_uri=data_uri).encode("utf-8")
