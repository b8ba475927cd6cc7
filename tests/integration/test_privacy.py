"""Data rights over the wire: export as a file, and forgetting that leaves no trace (table scan)."""

from __future__ import annotations

import json
from typing import Any

from nio import MatrixRoom, RoomEncryptedFile, RoomMessageFile

from tests.harness import BotRunner, ChatUser, wait_until

UNKNOWN = "Wann öffnet das Freibad am Gronauer Tor im Juni?"
PROFILE_WORD = "Zwiebelturmlastenrad"  # in Clara's profile only


async def _scan(app: Any, needles: list[str]) -> list[str]:
    """Every (table.column) whose value contains one of the needles."""
    found = []
    for table in await app.db.table_names():
        for row in await app.db.fetchall(f"SELECT * FROM {table}"):
            for column in row.keys():
                value = row[column]
                if isinstance(value, str) and any(n in value for n in needles):
                    found.append(f"{table}.{column}")
    return found


async def test_export_then_forget_leaves_no_row_with_the_user(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    files: list[Any] = []

    async def on_file(room: MatrixRoom, event: Any) -> None:
        files.append(event)

    citizen.client.add_event_callback(on_file, (RoomMessageFile, RoomEncryptedFile))
    dm = await citizen.dm_with(runner.user_id)
    steps = (
        "ruhezeit aus",
        "abonnieren mobilitaet",
        UNKNOWN,
        "Muss ich mein Balkonkraftwerk anmelden?",
        "registrieren name=Clara Citizen; typ=Bürger/in; themen=mobilitaet; "
        f"suche=Mitfahrgelegenheit; biete={PROFILE_WORD}",
        "ja",
    )
    for n, text in enumerate(steps, start=1):
        await citizen.send(dm, text)
        await citizen.wait_notice(dm, runner.user_id, count=n)
    answer = citizen.notices(dm, runner.user_id)[3]
    await citizen.react(dm, answer.event_id, "👍")

    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!ankuendigen mobilitaet Radtour am Sonntag")
    await manager.wait_notice(team, runner.user_id)
    await manager.send(team, "ja")
    await wait_until(
        lambda: any("Radtour" in ev.body for rid, ev in citizen.events if rid == dm), 30, "DM"
    )
    faq = app.faq.store  # type: ignore[union-attr]
    await wait_until_async(lambda: faq.feedback_totals(), {"balkonkraftwerk": (1, 0)})

    await citizen.send(dm, "meinedaten")
    await wait_until(lambda: bool(files), 30, "export file")
    await wait_until(
        lambda: any("Das habe ich" in n.body for n in citizen.notices(dm, runner.user_id)),
        30,
        f"export summary; got {[n.body[:60] for n in citizen.notices(dm, runner.user_id)]}",
    )
    assert files[0].body == "klimabot-meine-daten.json"
    exported = json.loads(await _download(citizen, files[0]))
    assert exported["user_id"] == citizen.user_id
    assert UNKNOWN in json.dumps(exported, ensure_ascii=False)
    expected = {"faq_questions", "subscriptions", "faq_feedback", "deliveries", "actors"}
    assert expected <= set(exported["data"])

    # Another actor is shown Clara among their suggestions (stored for `!vernetzen <n>`).
    dora: ChatUser = await make_user("dora")
    dora_dm = await dora.dm_with(runner.user_id)
    for n, text in enumerate(
        ("registrieren name=Dora Nachbarin; typ=Bürger/in; themen=mobilitaet", "ja", "vernetzen"), 1
    ):
        await dora.send(dora_dm, text)
        await dora.wait_notice(dora_dm, runner.user_id, count=n)
    assert "Clara Citizen" in dora.notices(dora_dm, runner.user_id)[-1].body

    assert await _scan(app, [citizen.user_id, UNKNOWN])  # the data really is there
    before = len(citizen.notices(dm, runner.user_id))
    await citizen.send(dm, "vergessen")
    await citizen.wait_notice(dm, runner.user_id, count=before + 1)
    await citizen.send(dm, "ja")
    notices = await citizen.wait_notice(dm, runner.user_id, count=before + 2)
    assert "alles gelöscht" in notices[-1].body

    needles = [citizen.user_id, UNKNOWN, "Clara Citizen", PROFILE_WORD]
    assert await _scan(app, needles) == []
    assert await faq.feedback_totals() == {"balkonkraftwerk": (1, 0)}  # only the count remains
    # Nor in the bytes on disk: not in free pages of the file, not in the WAL.
    for path in (app.db.path, app.db.path.with_name(app.db.path.name + "-wal")):
        raw = path.read_bytes() if path.exists() else b""
        assert [n for n in needles if n.encode() in raw] == [], path.name
    # Dora's list keeps its numbering; Clara's place can no longer be picked.
    before = len(dora.notices(dora_dm, runner.user_id))
    await dora.send(dora_dm, "vernetzen 1")
    [answer] = (await dora.wait_notice(dora_dm, runner.user_id, count=before + 1))[before:]
    assert "Clara" not in answer.body


async def wait_until_async(produce: Any, expected: Any, within: float = 30) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + within
    while await produce() != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expected}")
        await asyncio.sleep(0.1)


async def _download(user: ChatUser, event: Any) -> bytes:
    from nio import DownloadResponse
    from nio.crypto import decrypt_attachment

    url = event.url
    resp = await user.client.download(url)
    assert isinstance(resp, DownloadResponse), resp
    if isinstance(event, RoomEncryptedFile):
        return decrypt_attachment(resp.body, event.key["k"], event.hashes["sha256"], event.iv)
    return resp.body
