"""Durable delivery: a hard kill loses and doubles nothing; rate limits lose nothing."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.localserver import LocalSynapse
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique, wait_until


class BotProcess:
    """The bot as a child process, so that it can be killed hard."""

    def __init__(self, hs: LocalSynapse, data: Path, managers: list[str]) -> None:
        self.localpart = unique("klimabot")
        hs.register(self.localpart, PASSWORD)
        self.user_id = hs.user_id(self.localpart)
        self.db = data / "bot" / "klimabot.sqlite"
        self.config = data / "bot.yaml"
        self.config.write_text(
            yaml.safe_dump(
                {
                    "matrix": {
                        "homeserver": hs.url,
                        "user_id": self.user_id,
                        "password": PASSWORD,
                        "pickle_key": "kill-test-pickle",
                        "allowed_inviters": [hs.server_name],
                    },
                    "storage": {"data_dir": str(data / "bot")},
                    "roles": {"managers": managers},
                    "bot": {"rate_limit": {"messages": 1000}},
                    "broadcast": {"concurrency": 8},
                }
            )
        )
        self.log = data / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
                stdout=log,
                stderr=log,
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            with conn:
                conn.executemany(sql, rows)
        finally:
            conn.close()


def _bot_messages(hs: LocalSynapse, token: str, room_id: str, bot: str) -> int:
    path = f"/_synapse/admin/v1/rooms/{room_id}/messages?dir=f&limit=1000"
    events = hs.admin_request(token, "GET", path)["chunk"]
    kinds = ("m.room.message", "m.room.encrypted")
    return sum(1 for e in events if e["sender"] == bot and e["type"] in kinds)


async def _wait_db(bot: BotProcess, sql: str, predicate: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if predicate(bot.query(sql)):
                return
        except sqlite3.OperationalError:
            pass  # database not created yet
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {sql}")
        await asyncio.sleep(0.2)


@pytest.mark.long
async def test_broadcast_to_300_survives_a_hard_kill_exactly_once(
    own_synapse: LocalSynapse, tmp_path: Path
) -> None:
    hs = own_synapse
    hs.register("admin", PASSWORD, admin=True)
    admin_token = hs.login("admin", PASSWORD)
    subscribers = [hs.register(f"sub{i:03d}", PASSWORD) for i in range(300)]
    manager = await ChatUser.create(hs, "manager", tmp_path / "manager", PASSWORD)
    bot = BotProcess(hs, tmp_path, [manager.user_id])
    bot.start()
    try:
        team = await manager.create_room(invite=[bot.user_id])
        await manager.wait_joined(team, bot.user_id, within=60)
        now = time.time()
        bot.execute_many(
            "INSERT INTO subscriptions (user_id, kind, target, created_at) VALUES (?, ?, ?, ?)",
            [(u, "topic", "mobilitaet", now) for u in subscribers],
        )
        bot.execute_many(
            "INSERT INTO delivery_prefs (user_id, mode, quiet, updated_at) VALUES (?, ?, ?, ?)",
            [(u, "sofort", "", now) for u in subscribers],
        )
        await manager.send(team, "!ankuendigen mobilitaet STADTRADELN startet am Montag")
        [preview] = await manager.wait_notice(team, bot.user_id, within=60)
        assert "300 Personen per Direktnachricht" in preview.body
        await manager.send(team, "ja")

        sent = "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'"
        await _wait_db(bot, sent, lambda rows: rows[0][0] >= 60, 300)
        bot.kill()
        killed_at = bot.query(sent)[0][0]
        assert killed_at < 300, "the kill came too late to prove anything"

        bot.start()
        pending = "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"
        await _wait_db(bot, pending, lambda rows: rows[0][0] == 0, 600)
        states = dict(bot.query("SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
        assert states == {"sent": 300}
        rooms = dict(bot.query("SELECT user_id, room_id FROM dm_rooms"))
        assert set(subscribers) <= set(rooms)  # (the manager's 1:1 room with the bot is a DM too)
        copies = [_bot_messages(hs, admin_token, rooms[u], bot.user_id) for u in subscribers]
        assert copies == [1] * 300
        await wait_until(
            lambda: any(
                "300 von 300 zugestellt" in n.body for n in manager.notices(team, bot.user_id)
            ),
            60,
            "final delivery report after the restart",
        )
    finally:
        bot.stop()
        await manager.close()


# Synapse's defaults allow the bot 0.2 messages/s after a burst of 10: this takes minutes.
@pytest.mark.long
@pytest.mark.timeout(1200)
async def test_broadcast_to_50_completes_under_default_rate_limits(tmp_path: Path) -> None:
    hs = LocalSynapse(tmp_path / "synapse")
    hs.start()
    try:
        hs.register("admin", PASSWORD, admin=True)
        localpart = unique("klimabot")
        hs.register(localpart, PASSWORD)
        manager = await ChatUser.create(hs, "manager", tmp_path / "manager", PASSWORD)
        runner = BotRunner(
            bot_config(
                hs,
                tmp_path / "bot",
                localpart,
                managers=[manager.user_id],
                rate_limit={"messages": 1000},
            )
        )
        app = await runner.start()
        # Set-up with limits off: 50 citizens open a DM with the bot and subscribe there.
        citizens = [
            await ChatUser.create(hs, f"c{i}", tmp_path / f"c{i}", PASSWORD) for i in range(50)
        ]
        rooms = []
        for citizen in citizens:
            room = await citizen.create_room(invite=[runner.user_id], direct=True)
            rooms.append(room)
        for citizen, room in zip(citizens, rooms, strict=True):
            await citizen.wait_joined(room, runner.user_id, within=60)
            await citizen.send(room, "ruhezeit aus")
            await citizen.send(room, "abonnieren klimaanpassung")
        for citizen, room in zip(citizens, rooms, strict=True):
            await citizen.wait_notice(room, runner.user_id, count=2, within=120)
            await citizen.close()
        team = await manager.room_with(runner.user_id)
        await runner.stop()
        await manager.close()

        # Now Synapse's default rate limits for everyone, the bot included.
        hs.stop()
        hs.ratelimits = True
        hs.start()
        app = await runner.start()
        manager = await ChatUser.create(
            hs, "manager2", tmp_path / "m2", PASSWORD, manager.user_id.split(":")[0][1:]
        )
        await manager.send(team, "!ankuendigen klimaanpassung Hitzeschutz-Tipps im Rathaus")
        await wait_until(
            lambda: any("Vorschau" in n.body for n in manager.notices(team, runner.user_id)),
            120,
            "preview",
        )
        await manager.send(team, "ja")
        await wait_until(
            lambda: any(
                "50 von 50 zugestellt" in n.body for n in manager.notices(team, runner.user_id)
            ),
            900,
            "final delivery report",
        )
        states = dict(
            (r[0], r[1])
            for r in await app.db.fetchall(  # type: ignore[union-attr]
                "SELECT state, COUNT(*) FROM deliveries GROUP BY state"
            )
        )
        assert states == {"sent": 50}
        token = hs.login("admin", PASSWORD)
        copies = [_bot_messages(hs, token, room, runner.user_id) for room in rooms]
        # Each DM room: the two command answers from the set-up, plus exactly one announcement.
        assert copies == [3] * 50
        await manager.close()
        await runner.stop()
    finally:
        hs.stop()
