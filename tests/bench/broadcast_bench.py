"""Broadcast of N DMs through the bot's durable outbox, beside a bare nio sender, same run.

Synapse runs with its default rate limits, lifted for the bot account with the admin API
`override_ratelimit`. Both senders write into the same N existing DM rooms (unencrypted, so that
both do the same work) with the same concurrency. Reports time, messages/s and the bot's RSS.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from nio import AsyncClient, RoomCreateResponse, RoomPreset

from bot.localclient import ChatUser
from bot.localserver import LocalSynapse
from tests.bench.ping_bench import _rss_mb

PASSWORD = "bench-password-123"
N = 2000
CONCURRENCY = 8


async def _make_rooms(hs: LocalSynapse, users: list[str]) -> list[str]:
    client = AsyncClient(hs.url, hs.user_id("klimabot"))
    await client.login(PASSWORD, device_name="bench setup")
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def create(user: str) -> str:
        async with semaphore:
            resp = await client.room_create(
                is_direct=True, invite=[user], preset=RoomPreset.trusted_private_chat
            )
            assert isinstance(resp, RoomCreateResponse), resp
            return str(resp.room_id)

    rooms = list(await asyncio.gather(*(create(u) for u in users)))
    await client.close()
    return rooms


async def _bare_sender(hs: LocalSynapse, rooms: list[str]) -> float:
    client = AsyncClient(hs.url, hs.user_id("klimabot"))
    await client.login(PASSWORD, device_name="bare sender")
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def send(room: str) -> None:
        async with semaphore:
            content = {"msgtype": "m.text", "body": "Bare sender: STADTRADELN startet"}
            await client.room_send(room, "m.room.message", content)

    start = time.perf_counter()
    await asyncio.gather(*(send(r) for r in rooms))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


def _bot_config(hs: LocalSynapse, data: Path, manager: str) -> Path:
    config = {
        "matrix": {
            "homeserver": hs.url,
            "user_id": hs.user_id("klimabot"),
            "password": PASSWORD,
            "encryption": False,
            "allowed_inviters": [hs.server_name],
        },
        "storage": {"data_dir": str(data / "bot")},
        "roles": {"managers": [manager]},
        "bot": {"rate_limit": {"messages": 100_000, "seconds": 1}},
        "broadcast": {"concurrency": CONCURRENCY},
    }
    path = data / "bot.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _seed(db: Path, users: list[str], rooms: list[str]) -> None:
    now = time.time()
    conn = sqlite3.connect(db, timeout=30)
    with conn:
        conn.executemany(
            "INSERT INTO subscriptions (user_id, kind, target, created_at) VALUES (?, ?, ?, ?)",
            [(u, "topic", "mobilitaet", now) for u in users],
        )
        conn.executemany(
            "INSERT INTO delivery_prefs (user_id, mode, quiet, updated_at) VALUES (?, ?, ?, ?)",
            [(u, "sofort", "", now) for u in users],
        )
        conn.executemany(
            "INSERT INTO dm_rooms (user_id, room_id, created_at) VALUES (?, ?, ?)",
            [(u, r, now) for u, r in zip(users, rooms, strict=True)],
        )
    conn.close()


def _pending(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        row = conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'").fetchone()
        sent = conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()
        return int(row[0]) if sent[0] else -1
    finally:
        conn.close()


async def _bot_broadcast(hs: LocalSynapse, data: Path, bot_pid: int, db: Path) -> float:
    manager = await ChatUser.create(hs, "manager", data / "manager", PASSWORD, "manager")
    team = await manager.create_room(invite=[hs.user_id("klimabot")])
    await manager.wait_joined(team, hs.user_id("klimabot"), within=120)
    await manager.send(team, "!ankuendigen mobilitaet STADTRADELN startet am Montag")
    await manager.wait_notice(team, hs.user_id("klimabot"), within=120)
    start = time.perf_counter()
    await manager.send(team, "ja")
    while _pending(db) != 0:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    await manager.close()
    return elapsed


def run(n: int = N) -> dict[str, Any]:
    """Run the benchmark and return its numbers."""
    with tempfile.TemporaryDirectory(prefix="klimabot-bcbench-") as tmp:
        data = Path(tmp)
        hs = LocalSynapse(data / "synapse")
        hs.start()
        bot: subprocess.Popen[bytes] | None = None
        try:
            hs.register("admin", PASSWORD, admin=True)
            hs.register("klimabot", PASSWORD)
            users = [hs.register(f"r{i:04d}", PASSWORD) for i in range(n)]
            rooms = asyncio.run(_make_rooms(hs, users))
            hs.stop()
            hs.ratelimits = True  # Synapse defaults from here on …
            hs.start()
            token = hs.login("admin", PASSWORD)
            for user in ("klimabot", "manager"):  # … lifted for the senders only
                hs.register(user, PASSWORD)
                hs.admin_request(
                    token,
                    "POST",
                    f"/_synapse/admin/v1/users/{hs.user_id(user)}/override_ratelimit",
                    {"messages_per_second": 0, "burst_count": 0},
                )
            bare = asyncio.run(_bare_sender(hs, rooms))
            config = _bot_config(hs, data, hs.user_id("manager"))
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=(data / "bot.log").open("wb"),
            )
            db = data / "bot" / "klimabot.sqlite"
            while not db.exists():
                time.sleep(0.1)
            time.sleep(2)
            _seed(db, users, rooms)
            elapsed = asyncio.run(_bot_broadcast(hs, data, bot.pid, db))
            rss = _rss_mb(bot.pid)
        finally:
            if bot is not None:
                bot.terminate()
                bot.wait(30)
            hs.stop()
    return {
        "messages": n,
        "bot_seconds": round(elapsed, 2),
        "bot_msgs_per_s": round(n / elapsed, 1),
        "bare_seconds": round(bare, 2),
        "bare_msgs_per_s": round(n / bare, 1),
        "rate_ratio": round(bare / elapsed, 3),
        "bot_rss_mb_after": round(rss, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else N), indent=2))
