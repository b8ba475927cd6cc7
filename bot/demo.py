"""`make demo`: an embedded Synapse, the bot, and a short scripted conversation.

Everything lives under `.demo/`; a second run reuses the accounts, rooms and the bot's keys.
After the script the bot keeps running so you can log in with any Matrix client; Ctrl-C stops all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

import yaml
from nio import RoomMessageNotice, RoomResolveAliasResponse

from bot.app import App
from bot.localclient import ChatUser
from bot.localserver import LocalSynapse
from config.settings import load_config
from store.migrations import DatabaseMismatchError

__all__ = ["main"]

ROOT = Path(".demo").resolve()
ROOM_ALIAS_LOCALPART = "klimaschutz"
TEAM_ALIAS_LOCALPART = "klimaschutz-team"
# Shown where the bot refers citizens to the climate management (a demo value, no real address).
DEMO_CONTACT = {
    "de": "Klimaschutzmanagement (Demo), Konto @klimaschutz auf diesem Server",
    "en": "the climate management (demo), account @klimaschutz on this server",
}
ACCOUNTS = {
    "klimabot": "the bot",
    "klimaschutz": "the climate manager (may run manager commands)",
    "buerger1": "a citizen",
    "buerger2": "another citizen",
}


def _credentials() -> dict[str, str]:
    path = ROOT / "credentials.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    creds = {name: secrets.token_urlsafe(12) for name in ACCOUNTS}
    creds["pickle_key"] = secrets.token_urlsafe(24)
    ROOT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(creds, indent=2))
    path.chmod(0o600)
    return creds


def _write_bot_config(hs: LocalSynapse, creds: dict[str, str]) -> Path:
    path = ROOT / "bot" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "matrix": {
            "homeserver": hs.url,
            "user_id": hs.user_id("klimabot"),
            "password": creds["klimabot"],
            "device_name": "Klimabot (demo)",
            "rooms": [f"#{ROOM_ALIAS_LOCALPART}:{hs.server_name}"],
            "pickle_key": creds["pickle_key"],
            "allowed_inviters": [hs.server_name],
        },
        "storage": {"data_dir": "data"},
        "roles": {"managers": [hs.user_id("klimaschutz")]},
        "bot": {"language": "de", "manager_room": f"#{TEAM_ALIAS_LOCALPART}:{hs.server_name}"},
        "faq": {"contact": DEMO_CONTACT},
        # The public page (Klimaschutz-Monitor); 8080 if free, else any free port.
        "web": {"enabled": True, "bind": f"127.0.0.1:{8080 if _free(8080) else 0}"},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


async def _public_room(manager: ChatUser, hs: LocalSynapse) -> str:
    alias = f"#{ROOM_ALIAS_LOCALPART}:{hs.server_name}"
    found = await manager.client.room_resolve_alias(alias)
    if isinstance(found, RoomResolveAliasResponse):
        return str(found.room_id)
    resp = await manager.client.room_create(
        alias=ROOM_ALIAS_LOCALPART, name="Klimaschutz Ochtrup", topic="Fragen zum Klimaschutz"
    )
    room_id = str(getattr(resp, "room_id", ""))
    if not room_id:
        raise RuntimeError(f"could not create the demo room: {resp}")
    await manager.client.room_put_state(
        room_id, "m.room.join_rules", {"join_rule": "public"}, state_key=""
    )
    return room_id


async def _team_room(manager: ChatUser, hs: LocalSynapse) -> str:
    """The climate management's own room; the bot is invited and posts open questions there."""
    alias = f"#{TEAM_ALIAS_LOCALPART}:{hs.server_name}"
    found = await manager.client.room_resolve_alias(alias)
    if isinstance(found, RoomResolveAliasResponse):
        return str(found.room_id)
    resp = await manager.client.room_create(
        alias=TEAM_ALIAS_LOCALPART,
        name="Klimaschutz-Team",
        topic="Offene Fragen und Berichte des Klimabots",
        invite=[hs.user_id("klimabot")],
    )
    room_id = str(getattr(resp, "room_id", ""))
    if not room_id:
        raise RuntimeError(f"could not create the demo team room: {resp}")
    return room_id


async def _say(user: ChatUser, name: str, room_id: str, text: str, bot_id: str) -> None:
    before = len(user.notices(room_id, bot_id))
    print(f"\n{name}: {text}")
    await user.send(room_id, text)
    notices = await user.wait_notice(room_id, bot_id, count=before + 1, within=60)
    answer = notices[before]
    assert isinstance(answer, RoomMessageNotice)
    for line in answer.body.splitlines():
        print(f"    Klimabot: {line}")


async def _conversation(
    users: dict[str, ChatUser], room_id: str, team_id: str, bot_id: str
) -> None:
    citizen, manager = users["buerger1"], users["klimaschutz"]
    await citizen.client.join(room_id)
    await citizen.wait_joined(room_id, bot_id, within=60)
    print("\n=== Scripted conversation in the public room #klimaschutz ===")
    await _say(citizen, "buerger1", room_id, "!hilfe", bot_id)
    await _say(citizen, "buerger1", room_id, "!ping", bot_id)
    await _say(citizen, "buerger1", room_id, "!frage gibt es zuschuss für ne wärmepumpe", bot_id)
    # Not in the FAQ: the answer names the contact, the question goes to the manager room.
    question = "!frage wann ist der radweg an der bahnhofstraße fertig"
    before = len(manager.notices(team_id, bot_id))
    await _say(citizen, "buerger1", room_id, question, bot_id)
    notices = await manager.wait_notice(team_id, bot_id, count=before + 1, within=60)
    print(f"\n    [in #{TEAM_ALIAS_LOCALPART}] Klimabot: {notices[before].body}")
    await _say(citizen, "buerger1", room_id, "!botstatus", bot_id)
    await _say(manager, "klimaschutz", room_id, "!botstatus", bot_id)


def _print_login(hs: LocalSynapse, creds: dict[str, str]) -> None:
    print("\n=== The bot keeps running. Log in with any Matrix client (e.g. Element) ===")
    print(f"Homeserver URL: {hs.url}")
    for name, role in ACCOUNTS.items():
        print(f"  user {hs.user_id(name):28} password {creds[name]:18} ({role})")
    print(f"Public room: #{ROOM_ALIAS_LOCALPART}:{hs.server_name}  — or start a DM with the bot.")
    print(f"Manager room: #{TEAM_ALIAS_LOCALPART}:{hs.server_name} (open questions go there).")
    print(f"The bot's log: {ROOT / 'klimabot.log'}. Press Ctrl-C to stop everything.")


def _print_web(app: App) -> None:
    if app.web is not None:
        print(f"\nKlimaschutz-Monitor (the public page, open data under /daten): {app.web.url}")


async def _run(hs: LocalSynapse, creds: dict[str, str]) -> None:
    for name in ACCOUNTS:
        await asyncio.to_thread(hs.register, name, creds[name])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    users: dict[str, ChatUser] = {}
    app: App | None = None
    try:
        for name in ("klimaschutz", "buerger1"):
            store = ROOT / "clients" / name
            users[name] = await ChatUser.create(hs, name, store, creds[name], name)
        room_id = await _public_room(users["klimaschutz"], hs)
        team_id = await _team_room(users["klimaschutz"], hs)
        config = load_config(_write_bot_config(hs, creds))
        app = App(config)
        await app.start()
        await _conversation(users, room_id, team_id, config.matrix.user_id)
        _print_login(hs, creds)
        _print_web(app)
        await stop.wait()
    finally:
        print("\nStopping …")
        for user in users.values():
            await user.close()
        if app is not None:
            await app.stop()


def main(argv: list[str] | None = None) -> int:
    """Start the demo and keep it running until Ctrl-C."""
    creds = _credentials()
    logging.basicConfig(
        filename=ROOT / "klimabot.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    hs = LocalSynapse(ROOT / "synapse", port=_port())
    print(f"Starting the embedded Synapse (data in {ROOT}) …")
    hs.start()
    mismatch: DatabaseMismatchError | None = None
    try:
        asyncio.run(_run(hs, creds))
    except KeyboardInterrupt:
        pass
    except DatabaseMismatchError as exc:
        mismatch = exc
    finally:
        hs.stop()
    if mismatch is not None:
        print(f"The demo's data are from an older development version ({mismatch}).")
        print(f"Delete {ROOT} and run `make demo` again for a fresh demo.")
        return 1
    print("Demo stopped. Run `make demo` again to continue where you left off.")
    return 0


def _port() -> int:
    config: dict[str, Any] | None = None
    path = ROOT / "synapse" / "homeserver.yaml"
    if path.exists():
        config = yaml.safe_load(path.read_text())
    return int(config["listeners"][0]["port"]) if config else 8008 if _free(8008) else 0


def _free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


if __name__ == "__main__":
    sys.exit(main())
