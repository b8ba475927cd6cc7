"""Round trip "citizen sends !ping -> citizen sees the reply", the bot beside a bare echo client.

Both run as child processes against the same local Synapse; the citizen alternates between them so
that both see the same machine load. Also reports the idle bot's resident memory.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from nio import MatrixRoom, RoomMessageNotice

from bot.localclient import ChatUser
from bot.localserver import LocalSynapse

PASSWORD = "bench-password-123"
N = 200


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _bot_config(hs: LocalSynapse, data: Path) -> Path:
    config = {
        "matrix": {
            "homeserver": hs.url,
            "user_id": hs.user_id("klimabot"),
            "password": PASSWORD,
            "pickle_key": "bench-pickle-key",
            "allowed_inviters": [hs.server_name],
        },
        "storage": {"data_dir": str(data / "bot")},
        "bot": {"rate_limit": {"messages": 100_000, "seconds": 1}},
    }
    path = data / "bot.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class Waiter:
    """Resolves when a notice replying to a given event arrives (event-driven, no polling)."""

    def __init__(self, citizen: ChatUser) -> None:
        self.pending: dict[str, asyncio.Future[float]] = {}
        citizen.client.add_event_callback(self._on_notice, RoomMessageNotice)  # type: ignore[arg-type]

    async def _on_notice(self, room: MatrixRoom, event: RoomMessageNotice) -> None:
        relates = event.source.get("content", {}).get("m.relates_to", {})
        target = relates.get("m.in_reply_to", {}).get("event_id")
        future = self.pending.pop(target, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


async def _round_trip(citizen: ChatUser, waiter: Waiter, room_id: str) -> float:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    event_id = await citizen.send(room_id, "!ping")
    future: asyncio.Future[float] = loop.create_future()
    waiter.pending[event_id] = future
    # A reply can beat the send response; the callback then finds no future yet.
    done = await asyncio.wait_for(future, timeout=30)
    return (done - start) * 1000


async def _measure(hs: LocalSynapse, data: Path) -> dict[str, Any]:
    citizen = await ChatUser.create(hs, "citizen", data / "citizen", PASSWORD, "citizen")
    waiter = Waiter(citizen)
    rooms = {}
    for name in ("klimabot", "echo"):
        rooms[name] = await citizen.create_room(invite=[hs.user_id(name)])
        await citizen.wait_joined(rooms[name], hs.user_id(name), within=60)
    for name in rooms:  # warm-up: first sends set up caches on every side
        for _ in range(5):
            await _round_trip(citizen, waiter, rooms[name])
    times: dict[str, list[float]] = {"klimabot": [], "echo": []}
    for _ in range(N):
        for name in rooms:
            times[name].append(await _round_trip(citizen, waiter, rooms[name]))
    await citizen.close()
    return times


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(len(ordered) * 0.95) - 1],
    }


def run() -> dict[str, Any]:
    """Run the benchmark and return its numbers."""
    with tempfile.TemporaryDirectory(prefix="klimabot-bench-") as tmp:
        data = Path(tmp)
        hs = LocalSynapse(data / "synapse")
        hs.start()
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for name in ("klimabot", "echo", "citizen"):
                hs.register(name, PASSWORD)
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(_bot_config(hs, data))],
                stdout=subprocess.DEVNULL,
                stderr=(data / "bot.log").open("wb"),
            )
            echo = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.echo_client",
                    hs.url,
                    hs.user_id("echo"),
                    PASSWORD,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            procs += [bot, echo]
            time.sleep(3)
            times = asyncio.run(_measure(hs, data))
            time.sleep(5)
            rss = _rss_mb(bot.pid)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(20)
            hs.stop()
    bot_s, echo_s = _summary(times["klimabot"]), _summary(times["echo"])
    return {
        "messages": N,
        "bot_p50_ms": round(bot_s["p50"], 1),
        "bot_p95_ms": round(bot_s["p95"], 1),
        "echo_p50_ms": round(echo_s["p50"], 1),
        "echo_p95_ms": round(echo_s["p95"], 1),
        "p50_ratio": round(bot_s["p50"] / echo_s["p50"], 3),
        "idle_bot_rss_mb": round(rss, 1),
    }


if __name__ == "__main__":
    print(run())
