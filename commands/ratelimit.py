"""Per-user flood protection: a sliding window of recent commands."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateLimiter", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Whether to handle a message, and whether to tell the user once that they must wait."""

    allowed: bool
    notify: bool = False
    retry_after: float = 0.0


@dataclass
class RateLimiter:
    """At most `limit` messages per user within `window` seconds."""

    limit: int
    window: float
    clock: Callable[[], float]
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _warned: dict[str, float] = field(default_factory=dict)

    def check(self, user_id: str) -> Verdict:
        """Count a message from `user_id` and decide."""
        now = self.clock()
        times = self._seen.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.pop(user_id, None)
            return Verdict(True)
        retry_after = times[0] + self.window - now
        # Warn once per blocked stretch; answering every extra message would be a flood of our own.
        notify = user_id not in self._warned
        self._warned[user_id] = now
        return Verdict(False, notify, retry_after)

    def forget_idle(self) -> None:
        """Drop users with no recent messages (keeps memory flat)."""
        cutoff = self.clock() - self.window
        for user_id in [u for u, t in self._seen.items() if not t or t[-1] <= cutoff]:
            del self._seen[user_id]
