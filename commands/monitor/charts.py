"""The page's charts: drawn by commands/progress.py in a worker thread, cached per data version.

The cache key is a digest of everything a chart is drawn from (titles, labels, values), so a
changed value draws a new chart and an unchanged page never draws twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable

from commands.faqchart import Chart

__all__ = ["ChartCache", "data_version"]


def data_version(*parts: object) -> str:
    """A short digest of the chart's inputs (their repr: frozen dataclasses, tuples, strings)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:24]


class ChartCache:
    """The last `size` charts by key; one drawing at a time, off the event loop."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._charts: OrderedDict[str, Chart] = OrderedDict()
        # matplotlib is not meant for parallel drawing, and one chart at a time keeps a burst of
        # requests from taking every core from the bot; waiters then find the chart cached.
        self._lock = asyncio.Lock()
        self.drawn = 0

    async def get(self, key: str, draw: Callable[[], Chart]) -> Chart:
        """The chart for `key`, drawing it with `draw` (blocking, run in a thread) if needed."""
        chart = self._cached(key)
        if chart is not None:
            return chart
        async with self._lock:
            chart = self._cached(key)
            if chart is None:
                chart = await asyncio.to_thread(draw)
                self.drawn += 1
                self._charts[key] = chart
                while len(self._charts) > self._size:
                    self._charts.popitem(last=False)
            return chart

    def _cached(self, key: str) -> Chart | None:
        chart = self._charts.get(key)
        if chart is not None:
            self._charts.move_to_end(key)
        return chart
