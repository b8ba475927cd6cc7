"""Broadcast of N DMs into encrypted rooms, the bot beside a bare nio sender, same run.

The real case: every recipient has a device with uploaded keys, so the first message from a
sending device into a room creates a Megolm session and shares its key by Olm (keys claim,
to-device message, then the event). One Synapse, concurrency 8, Synapse's default rate limits
lifted for the sending account (as in `broadcast_bench`). Recipients and rooms are made once;
for each N a fresh bare device and a fresh bot (new device) send into the first N rooms, and
the other devices of the account are deleted first, so neither sender shares keys with the
other. A sample of recipients are real nio clients that stay offline while the senders work
and afterwards check that they decrypt every message of the round.

Run: `python -m tests.bench.e2e_broadcast_bench [N ...]` (default 300 1000; a size may repeat).
Environment: KLIMABOT_BENCH_BASELINE=<another checkout of the bot> lets the bot from that tree
send too, in the same round, before the bot from this tree in even rounds and after it in odd
ones (before/after comparisons); KLIMABOT_BENCH_PROFILE=<directory> profiles the bots (cProfile,
from the manager's "ja" until the last delivery, start-up left out) and the bare sender.

Beside seconds, each sender's CPU seconds and Synapse's in the same window are reported: on a
machine shared with other work they vary far less than the seconds do.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    MegolmEvent,
    RoomMessageText,
    RoomSendResponse,
)
from nio.api import Api
from nio.crypto.sessions import OlmAccount

from bot.localclient import ChatUser
from bot.localserver import LocalSynapse, _register_mac
from tests.bench.ping_bench import _rss_mb

PASSWORD = "bench-password-123"
SIZES = (300, 1000)
CONCURRENCY = 8
SAMPLE = 6  # sampled recipients per size (real clients that decrypt afterwards)
# Each sending device (bare, bot, baseline bot) claims one per recipient device and round.
SENDERS_PER_ROUND = 3

# Runs the bot with cProfile switched on by SIGUSR1 and off (stats written) by SIGUSR2.
_PROFILED_BOT = """
import cProfile, signal, sys
from bot.__main__ import main
profile, out = cProfile.Profile(), sys.argv.pop(1)
def dump(*_):
    profile.disable()
    profile.dump_stats(out)
signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
signal.signal(signal.SIGUSR2, dump)
sys.exit(main(sys.argv[1:]))
"""

_ENCRYPTION = [
    {
        "type": "m.room.encryption",
        "state_key": "",
        "content": {"algorithm": "m.megolm.v1.aes-sha2"},
    }
]


@dataclass
class Recipient:
    """One recipient: a user with one device, the DM room, and (if sampled) a real client."""

    user_id: str
    token: str
    room_id: str = ""
    client: AsyncClient | None = None


class SetupApi:
    """Plain client-server calls for the set-up (many users, no nio state needed)."""

    def __init__(self, hs: LocalSynapse, session: aiohttp.ClientSession, rounds: int) -> None:
        self.hs = hs
        self.one_time_keys = SENDERS_PER_ROUND * rounds + 2
        self.session = session
        self.secret = str(
            yaml.safe_load((hs.data_dir / "homeserver.yaml").read_text())[
                "registration_shared_secret"
            ]
        )

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str = ""
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in range(20):
            async with self.session.request(
                method, f"{self.hs.url}{path}", json=body, headers=headers
            ) as resp:
                data: dict[str, Any] = await resp.json()
                if resp.status == 429:
                    await asyncio.sleep(data.get("retry_after_ms", 500) / 1000 + attempt * 0.1)
                    continue
                assert resp.status == 200, (path, resp.status, data)
                return data
        raise AssertionError(f"{path}: still rate-limited")

    async def register(self, localpart: str) -> tuple[str, str, str]:
        """Create an account with a device; (user ID, access token, device ID)."""
        nonce = (await self.call("GET", "/_synapse/admin/v1/register"))["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": PASSWORD,
            "admin": False,
            "mac": _register_mac(self.secret, nonce, localpart, PASSWORD, False),
        }
        resp = await self.call("POST", "/_synapse/admin/v1/register", body)
        return str(resp["user_id"]), str(resp["access_token"]), str(resp["device_id"])

    async def upload_keys(self, user_id: str, device_id: str, token: str) -> None:
        """Real Olm identity and one-time keys for the device (signed like any client's)."""
        account = OlmAccount()
        account.generate_one_time_keys(self.one_time_keys)
        ids = account.identity_keys
        device_keys: dict[str, Any] = {
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "device_id": device_id,
            "user_id": user_id,
            "keys": {
                f"curve25519:{device_id}": ids["curve25519"],
                f"ed25519:{device_id}": ids["ed25519"],
            },
        }
        device_keys["signatures"] = {
            user_id: {f"ed25519:{device_id}": account.sign(Api.to_canonical_json(device_keys))}
        }
        one_time: dict[str, Any] = {}
        for key_id, key in account.one_time_keys["curve25519"].items():
            signed: dict[str, Any] = {"key": key}
            signature = account.sign(Api.to_canonical_json(signed))
            signed["signatures"] = {user_id: {f"ed25519:{device_id}": signature}}
            one_time[f"signed_curve25519:{key_id}"] = signed
        body = {"device_keys": device_keys, "one_time_keys": one_time}
        await self.call("POST", "/_matrix/client/v3/keys/upload", body, token)

    async def dm(self, sender_token: str, recipient: Recipient) -> None:
        """An encrypted DM room from the bot account that the recipient has joined."""
        body = {
            "is_direct": True,
            "preset": "trusted_private_chat",
            "invite": [recipient.user_id],
            "initial_state": _ENCRYPTION,
        }
        resp = await self.call("POST", "/_matrix/client/v3/createRoom", body, sender_token)
        recipient.room_id = str(resp["room_id"])
        await self.call(
            "POST", f"/_matrix/client/v3/rooms/{recipient.room_id}/join", {}, recipient.token
        )


async def _gather_bounded(jobs: list[Any]) -> list[Any]:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Any) -> Any:
        async with semaphore:
            return await job

    return list(await asyncio.gather(*(one(j) for j in jobs)))


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _synapse_cpu(hs: LocalSynapse) -> float:
    assert hs.process is not None
    return _cpu_seconds(hs.process.pid)


async def _sampled_client(hs: LocalSynapse, data: Path, i: int) -> Recipient:
    localpart = f"s{i:04d}"
    await asyncio.to_thread(hs.register, localpart, PASSWORD)
    store = data / "samples" / localpart
    store.mkdir(parents=True)
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
    client = AsyncClient(hs.url, hs.user_id(localpart), store_path=str(store), config=config)
    resp = await client.login(PASSWORD, device_name="sampled recipient")
    assert isinstance(resp, LoginResponse), resp
    await client.keys_upload()
    return Recipient(str(client.user_id), str(client.access_token), client=client)


async def _recipients(
    hs: LocalSynapse, data: Path, n: int, rounds: int, bot_token: str
) -> list[Recipient]:
    """n recipients (a few sampled ones among them), each with a device and a joined DM room."""
    async with aiohttp.ClientSession() as session:
        api = SetupApi(hs, session, rounds)

        async def plain(i: int) -> Recipient:
            user_id, token, device_id = await api.register(f"r{i:04d}")
            await api.upload_keys(user_id, device_id, token)
            return Recipient(user_id, token)

        rng = random.Random(11)
        sampled = set(rng.sample(range(min(SIZES)), SAMPLE) + rng.sample(range(n), SAMPLE))
        people: list[Any] = [
            _sampled_client(hs, data, i) if i in sampled else plain(i) for i in range(n)
        ]
        recipients = await _gather_bounded(people)
        await _gather_bounded([api.dm(bot_token, r) for r in recipients])
        # As the bot does for the DMs it creates: Element lists them as DMs, the bot knows them.
        bot = hs.user_id("klimabot")
        direct = {r.user_id: [r.room_id] for r in recipients}
        await api.call(
            "PUT", f"/_matrix/client/v3/user/{bot}/account_data/m.direct", direct, bot_token
        )
    return recipients


async def _delete_devices(hs: LocalSynapse, admin: str, user_id: str) -> None:
    """Delete every device of the account: the next sender must not share keys with old ones."""
    path = f"/_synapse/admin/v2/users/{user_id}/devices"
    devices = await asyncio.to_thread(hs.admin_request, admin, "GET", path)
    ids = [d["device_id"] for d in devices["devices"]]
    await asyncio.to_thread(
        hs.admin_request,
        admin,
        "POST",
        f"/_synapse/admin/v2/users/{user_id}/delete_devices",
        {"devices": ids},
    )


@dataclass
class Window:
    """What one sender's broadcast cost: wall seconds, its own and Synapse's CPU seconds."""

    seconds: float = 0.0
    cpu: float = 0.0
    synapse_cpu: float = 0.0


async def _bare_sender(hs: LocalSynapse, data: Path, rooms: list[str], mark: str) -> Window:
    store = data / "bare"
    store.mkdir()
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
    client = AsyncClient(hs.url, hs.user_id("klimabot"), store_path=str(store), config=config)
    resp = await client.login(PASSWORD, device_name="bare sender")
    assert isinstance(resp, LoginResponse), resp
    await client.keys_upload()
    await client.sync(timeout=0, full_state=True)
    if client.should_query_keys:
        await client.keys_query()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def send(room: str) -> None:
        async with semaphore:
            content = {"msgtype": "m.text", "body": f"Bare sender {mark}: STADTRADELN startet"}
            result = await client.room_send(
                room, "m.room.message", content, ignore_unverified_devices=True
            )
            assert isinstance(result, RoomSendResponse), result

    profile = os.environ.get("KLIMABOT_BENCH_PROFILE")
    profiler = cProfile.Profile() if profile else None
    cpu, synapse, start = time.process_time(), _synapse_cpu(hs), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    await asyncio.gather(*(send(r) for r in rooms))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile}/{data.name}-bare.prof")
    window = Window(
        time.perf_counter() - start, time.process_time() - cpu, _synapse_cpu(hs) - synapse
    )
    await client.close()
    return window


def _bot_config(hs: LocalSynapse, data: Path, manager: str) -> Path:
    config = {
        "matrix": {
            "homeserver": hs.url,
            "user_id": hs.user_id("klimabot"),
            "password": PASSWORD,
            "pickle_key": "bench-pickle-key",
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


def _seed(db: Path, recipients: list[Recipient]) -> None:
    now = time.time()
    conn = sqlite3.connect(db, timeout=30)
    with conn:
        conn.executemany(
            "INSERT INTO subscriptions (user_id, kind, target, created_at) VALUES (?, ?, ?, ?)",
            [(r.user_id, "topic", "mobilitaet", now) for r in recipients],
        )
        conn.executemany(
            "INSERT INTO delivery_prefs (user_id, mode, quiet, updated_at) VALUES (?, ?, ?, ?)",
            [(r.user_id, "sofort", "", now) for r in recipients],
        )
        conn.executemany(
            "INSERT INTO dm_rooms (user_id, room_id, created_at) VALUES (?, ?, ?)",
            [(r.user_id, r.room_id, now) for r in recipients],
        )
    conn.close()


def _synced(db: Path) -> bool:
    """Whether the bot has handled its first sync (it saves the sync position after that)."""
    if not db.exists():
        return False
    conn = sqlite3.connect(db, timeout=30)
    try:
        query = "SELECT 1 FROM bot_state WHERE key = 'sync.next_batch'"
        return conn.execute(query).fetchone() is not None
    except sqlite3.OperationalError:  # tables not made yet
        return False
    finally:
        conn.close()


def _outcome(db: Path) -> tuple[int, int]:
    """(pending, total) deliveries."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        row = conn.execute(
            "SELECT SUM(state = 'pending'), COUNT(*), SUM(state = 'undeliverable') FROM deliveries"
        ).fetchone()
        assert not row[2], f"{row[2]} undeliverable"
        return int(row[0] or 0), int(row[1])
    finally:
        conn.close()


async def _bot_broadcast(
    hs: LocalSynapse,
    data: Path,
    recipients: list[Recipient],
    mark: str,
    tree: Path | None = None,
    tag: str = "",
) -> tuple[Window, float]:
    """The cost from the manager's "ja" until every delivery is sent, and the RSS after.

    `tree`: run the bot from that checkout instead of this one.
    """
    data.mkdir()
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    manager = await ChatUser.create(hs, "manager", data / "manager", PASSWORD, "manager")
    config = _bot_config(hs, data, manager.user_id)
    profile = os.environ.get("KLIMABOT_BENCH_PROFILE")  # a directory for cProfile output
    profiler = ("-c", _PROFILED_BOT, f"{profile}/{data.parent.name}-{data.name}.prof")
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        *(profiler if profile else ("-m", "bot")),
        *("run", "--config", str(config)),
        stdout=subprocess.DEVNULL,
        stderr=(data / "bot.log").open("wb"),
        cwd=tree,
        env=env,
    )
    try:
        db = data / "bot" / "klimabot.sqlite"
        while not _synced(db):  # a command sent before would count as room history
            await asyncio.sleep(0.2)
        _seed(db, recipients)
        team = await manager.create_room(invite=[hs.user_id("klimabot")])
        await manager.wait_joined(team, hs.user_id("klimabot"), within=300)
        await manager.send(team, f"!ankuendigen mobilitaet STADTRADELN startet {mark}{tag}")
        await manager.wait_notice(team, hs.user_id("klimabot"), within=300)
        if profile:
            bot.send_signal(signal.SIGUSR1)
        cpu, synapse, start = _cpu_seconds(bot.pid), _synapse_cpu(hs), time.perf_counter()
        await manager.send(team, "ja")
        while _outcome(db) != (0, len(recipients)):
            await asyncio.sleep(0.05)
        window = Window(
            time.perf_counter() - start, _cpu_seconds(bot.pid) - cpu, _synapse_cpu(hs) - synapse
        )
        if profile:
            bot.send_signal(signal.SIGUSR2)
            await asyncio.sleep(2)  # time to write the stats
        rss = _rss_mb(bot.pid)
    finally:
        bot.terminate()
        await asyncio.wait_for(bot.wait(), 60)
        await manager.close()
    return window, rss


async def _decrypted(
    recipients: list[Recipient], sender: str, wanted: tuple[str, ...]
) -> tuple[int, int]:
    """(sampled recipients who read every wanted message, sampled recipients)."""
    sampled = [r for r in recipients if r.client is not None]

    async def reads_all(r: Recipient) -> bool:
        assert r.client is not None
        texts: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            resp = await r.client.sync(timeout=1000)
            room = getattr(resp, "rooms", None)
            timeline = room.join.get(r.room_id) if room is not None else None
            for ev in timeline.timeline.events if timeline is not None else []:
                if isinstance(ev, RoomMessageText) and ev.sender == sender:
                    texts.append(ev.body)
                elif isinstance(ev, MegolmEvent):
                    print(f"  {r.user_id} cannot decrypt {ev.event_id}", file=sys.stderr)
            if all(any(w in t for t in texts) for w in wanted):
                return True
        return False

    results = await asyncio.gather(*(reads_all(r) for r in sampled))
    return sum(results), len(sampled)


async def _round(
    hs: LocalSynapse, admin: str, data: Path, part: list[Recipient], i: int, tree: Path | None
) -> dict[str, Any]:
    """Bare sender, then the bot (and the baseline bot, before or after it in turn)."""
    n, mark = len(part), f"{len(part)}#{i}"
    data.mkdir()
    await _delete_devices(hs, admin, hs.user_id("klimabot"))
    bare = await _bare_sender(hs, data, [r.room_id for r in part], mark)
    wanted = [f"Bare sender {mark}:", f"STADTRADELN startet {mark}."]
    bots: list[tuple[str, Path | None, str]] = [("bot", None, ".")]
    if tree is not None:
        wanted.append(f"STADTRADELN startet {mark} (baseline)")
        baseline = ("baseline_bot", tree, " (baseline)")
        bots = [baseline, *bots] if i % 2 == 0 else [*bots, baseline]
    numbers: dict[str, Any] = {"messages": n, "encrypted": True, "order": [b[0] for b in bots]}
    for name, source, tag in bots:
        await _delete_devices(hs, admin, hs.user_id("klimabot"))
        window, rss = await _bot_broadcast(hs, data / name, part, mark, source, tag)
        numbers[f"{name}_seconds"] = round(window.seconds, 2)
        numbers[f"{name}_msgs_per_s"] = round(n / window.seconds, 1)
        numbers[f"{name}_rate_ratio"] = round(bare.seconds / window.seconds, 3)
        numbers[f"{name}_cpu_s"] = round(window.cpu, 2)
        numbers[f"{name}_synapse_cpu_s"] = round(window.synapse_cpu, 2)
        numbers[f"{name}_rss_mb_after"] = round(rss, 1)
    read, sampled = await _decrypted(part, hs.user_id("klimabot"), tuple(wanted))
    numbers["bare_seconds"] = round(bare.seconds, 2)
    numbers["bare_msgs_per_s"] = round(n / bare.seconds, 1)
    numbers["bare_cpu_s"] = round(bare.cpu, 2)
    numbers["bare_synapse_cpu_s"] = round(bare.synapse_cpu, 2)
    numbers["load_average"] = round(os.getloadavg()[0], 1)
    numbers["sampled_recipients_decrypting_all"] = f"{read}/{sampled}"
    return numbers


async def _main(sizes: tuple[int, ...], data: Path, tree: Path | None) -> list[dict[str, Any]]:
    logging.getLogger("nio").setLevel(logging.ERROR)  # "missing session" before each claim
    hs = LocalSynapse(data / "synapse")
    hs.start()
    try:
        hs.register("admin", PASSWORD, admin=True)
        hs.register("klimabot", PASSWORD)
        bot_token = hs.login("klimabot", PASSWORD)
        started = time.perf_counter()
        recipients = await _recipients(hs, data, max(sizes), len(sizes), bot_token)
        print(f"set-up: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        for r in recipients:
            if r.client is not None:  # the initial sync: joined rooms, offline from here on
                await r.client.sync(timeout=0, full_state=True)
        hs.stop()
        hs.ratelimits = True  # Synapse defaults from here on …
        # … except for logins: each run logs in fresh devices, which is not what is measured.
        hs.overrides["rc_login"] = {
            key: {"per_second": 1000, "burst_count": 1000}
            for key in ("address", "account", "failed_attempts")
        }
        hs.start()
        admin = hs.login("admin", PASSWORD)
        for user in ("klimabot", "manager"):  # … lifted for the senders only
            hs.register(user, PASSWORD)
            hs.admin_request(
                admin,
                "POST",
                f"/_synapse/admin/v1/users/{hs.user_id(user)}/override_ratelimit",
                {"messages_per_second": 0, "burst_count": 0},
            )
        results = []
        for i, n in enumerate(sizes):
            results.append(await _round(hs, admin, data / f"round-{i}", recipients[:n], i, tree))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        for r in recipients:
            if r.client is not None:
                await r.client.close()
        return results
    finally:
        hs.stop()


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    """Run the benchmark for each size and return its numbers."""
    with tempfile.TemporaryDirectory(prefix="klimabot-e2ebench-") as tmp:
        baseline = os.environ.get("KLIMABOT_BENCH_BASELINE")
        return asyncio.run(_main(sizes, Path(tmp), Path(baseline) if baseline else None))


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or SIZES
    print(json.dumps(run(sizes), indent=2))
