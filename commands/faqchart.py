"""The !statistik chart: questions per week by outcome, as a PNG drawn by matplotlib.

matplotlib is used through its object API (Figure + the Agg canvas), never pyplot: no global
figure state, no GUI backend, so a chart can be drawn in a worker thread while the bot runs.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Chart", "ChartSeries", "png_chart", "png_size", "weekly_chart"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour-blind-safe (Okabe-Ito) colours, one per outcome, in stacking order.
_COLOURS = ("#009E73", "#56B4E9", "#E69F00", "#D55E00")


@dataclass(frozen=True)
class ChartSeries:
    """One outcome's counts, one per week, with its label."""

    label: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """A rendered PNG and its pixel size."""

    data: bytes
    width: int
    height: int


def weekly_chart(
    title: str, weeks: Sequence[str], series: Sequence[ChartSeries], y_label: str
) -> Chart:
    """Stacked bars of questions per week by outcome (blocking: run it in a thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(weeks))
    bottom = [0] * len(weeks)
    for colour, one in zip(_COLOURS, series, strict=False):
        axes.bar(positions, one.counts, bottom=bottom, label=one.label, color=colour)
        bottom = [b + c for b, c in zip(bottom, one.counts, strict=True)]
    axes.set_title(title)
    axes.set_ylabel(y_label)
    step = max(1, len(weeks) // 13)  # a year has 53 weeks: label every fourth or so
    axes.set_xticks(list(positions)[::step], list(weeks)[::step], rotation=45, ha="right")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # no "2.5 questions"
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return png_chart(figure)


def png_chart(figure: Figure) -> Chart:
    """The drawn figure as PNG bytes with their pixel size (every chart of the bot ends here)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    width, height = png_size(data)
    return Chart(data, width, height)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; ValueError if `data` is no PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
