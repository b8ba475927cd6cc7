"""Built replies kept for a few seconds, one build at a time per address.

Building the history file of a town with a few thousand history rows takes tens of milliseconds
of Python on the bot's event loop; at 50 requests a second that starved the FAQ answers
(tests/bench/web_bench.py: answer p50 from 2 ms to 250 ms with 5,000 rows). Kept for `seconds`,
each address is built at most once per period however many ask, and requests that come while it
is being built wait for that build instead of starting their own. A change shows after at most
`seconds`; only successful replies are kept, so error pages and unknown addresses never fill it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from commands.monitor.service import WebReply

__all__ = ["ReplyCache"]


class ReplyCache:
    """The last `size` successful replies by address, each for `seconds`."""

    def __init__(
        self, seconds: float, size: int = 256, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._replies: OrderedDict[str, tuple[float, WebReply]] = OrderedDict()
        self._building: dict[str, asyncio.Future[WebReply]] = {}
        self.built = 0

    async def get(self, key: str, build: Callable[[], Awaitable[WebReply]]) -> WebReply:
        """The kept reply for `key` if still fresh, else the one being built, else a new one."""
        kept = self._fresh(key)
        if kept is not None:
            return kept
        pending = self._building.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[WebReply] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            reply = await build()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # marked as seen: the waiters get it, nobody else must
            raise
        finally:
            del self._building[key]
        self.built += 1
        self._keep(key, reply)
        future.set_result(reply)
        return reply

    def _fresh(self, key: str) -> WebReply | None:
        entry = self._replies.get(key)
        if entry is None or self._clock() - entry[0] >= self._seconds:
            return None
        return entry[1]

    def _keep(self, key: str, reply: WebReply) -> None:
        if reply.status != 200 or self._seconds <= 0:
            return
        self._replies[key] = (self._clock(), reply)
        self._replies.move_to_end(key)
        while len(self._replies) > self._size:
            self._replies.popitem(last=False)
