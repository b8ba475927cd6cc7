"""Built replies of the public page kept for a few seconds (commands/monitor/cache.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from commands.monitor import ReplyCache, WebReply


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _builder(status: int = 200) -> tuple[list[int], Callable[[], Awaitable[WebReply]]]:
    calls: list[int] = []

    async def build() -> WebReply:
        calls.append(1)
        await asyncio.sleep(0.01)  # long enough for the others to arrive meanwhile
        return WebReply(status, "text/plain", str(len(calls)).encode())

    return calls, build


async def test_a_reply_is_kept_for_its_seconds_then_built_again() -> None:
    clock = Clock()
    cache = ReplyCache(5.0, clock=clock)
    calls, build = _builder()
    assert (await cache.get("/", build)).body == b"1"
    clock.now += 4.9
    assert (await cache.get("/", build)).body == b"1"
    clock.now += 0.1
    assert (await cache.get("/", build)).body == b"2"
    assert len(calls) == 2


async def test_requests_during_a_build_wait_for_it_instead_of_building() -> None:
    cache = ReplyCache(5.0)
    calls, build = _builder()
    replies = await asyncio.gather(*(cache.get("/", build) for _ in range(10)))
    assert {r.body for r in replies} == {b"1"}
    assert len(calls) == 1


async def test_not_found_and_errors_are_not_kept() -> None:
    cache = ReplyCache(5.0)
    calls, build = _builder(404)
    await cache.get("/massnahmen/x", build)
    await cache.get("/massnahmen/x", build)
    assert len(calls) == 2

    async def broken() -> WebReply:
        await asyncio.sleep(0.01)
        raise RuntimeError("boom")

    results = await asyncio.gather(
        *(cache.get("/", broken) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)  # every waiter gets the error
    calls, build = _builder()
    assert (await cache.get("/", build)).status == 200


async def test_zero_seconds_keeps_nothing_and_size_is_bounded() -> None:
    uncached = ReplyCache(0.0)
    calls, build = _builder()
    await uncached.get("/", build)
    await uncached.get("/", build)
    assert len(calls) == 2
    small = ReplyCache(5.0, size=2)
    calls, build = _builder()
    for key in ("/a", "/b", "/c", "/a"):
        await small.get(key, build)
    assert len(calls) == 4  # /a was dropped for /c


async def test_a_cancelled_build_cancels_its_waiters_and_the_next_builds_anew() -> None:
    cache = ReplyCache(5.0)
    calls, build = _builder()
    first = asyncio.ensure_future(cache.get("/", build))
    await asyncio.sleep(0)
    waiter = asyncio.ensure_future(cache.get("/", build))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert (await cache.get("/", build)).status == 200
    assert len(calls) == 2
