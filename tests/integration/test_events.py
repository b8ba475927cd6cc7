"""Events over the wire: announced, registered by ✅ and by !anmelden, waiting list, moving up,
the calendar file as an encrypted m.file, and a reminder (clock injected, job called directly)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar
from nio import (
    DownloadResponse,
    MatrixRoom,
    RoomEncryptedFile,
    RoomMessageFile,
    RoomRedactResponse,
    RoomSendResponse,
)
from nio.crypto import decrypt_attachment

from commands.when import BERLIN
from tests.harness import BotRunner, ChatUser, wait_until


def _collect_files(user: ChatUser) -> list[tuple[str, Any]]:
    files: list[tuple[str, Any]] = []

    async def on_file(room: MatrixRoom, event: Any) -> None:
        files.append((room.room_id, event))

    user.client.add_event_callback(on_file, (RoomMessageFile, RoomEncryptedFile))
    return files


async def _calendar(user: ChatUser, event: Any) -> Calendar:
    assert isinstance(event, RoomEncryptedFile)  # the DM is encrypted, so is the upload
    assert event.source["content"]["info"]["mimetype"] == "text/calendar"
    resp = await user.client.download(event.url)
    assert isinstance(resp, DownloadResponse), resp
    data = decrypt_attachment(resp.body, event.key["k"], event.hashes["sha256"], event.iv)
    return Calendar.from_ical(data)


def _from_bot(user: ChatUser, room: str, bot: str, text: str) -> list[Any]:
    return [ev for rid, ev in user.events if rid == room and ev.sender == bot and text in ev.body]


async def test_event_registration_waiting_list_moving_up_and_reminder(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    app = await runner.start()
    bot = runner.user_id
    anna: ChatUser = await make_user("anna")
    ben: ChatUser = await make_user("ben")
    anna_files, ben_files = _collect_files(anna), _collect_files(ben)
    dms = {}
    for user in (anna, ben):
        dm = dms[user.user_id] = await user.dm_with(bot)
        await user.send(dm, "ruhezeit aus")  # the test must not depend on the time of day
        await user.send(dm, "abonnieren mobilitaet")
        await user.wait_notice(dm, bot, count=2)

    starts = (datetime.now(BERLIN) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    team = await manager.room_with(bot)
    await manager.send(
        team,
        f"!termin-neu titel=Radtour <b>zum</b> Windpark; wann={starts:%Y-%m-%dT%H:%M}; "
        "ort=Marktplatz; plätze=1; thema=mobilitaet",
    )
    [preview] = await manager.wait_notice(team, bot)
    assert "2 Personen per Direktnachricht" in preview.body
    await manager.send(team, "ja")

    anna_dm, ben_dm = dms[anna.user_id], dms[ben.user_id]
    await wait_until(lambda: bool(_from_bot(anna, anna_dm, bot, "Windpark")), 60, "announcement")
    [announcement] = _from_bot(anna, anna_dm, bot, "Windpark")
    assert "<b>" not in announcement.source["content"]["formatted_body"]
    number = int(announcement.body.split("anmelden ")[1].split("`")[0].split(".")[0])

    # Anna registers with ✅ on the announcement in her DM: confirmation and calendar file.
    check = {"rel_type": "m.annotation", "event_id": announcement.event_id, "key": "✅"}
    sent = await anna.client.room_send(
        anna_dm, "m.reaction", {"m.relates_to": check}, ignore_unverified_devices=True
    )
    assert isinstance(sent, RoomSendResponse), sent
    await wait_until(lambda: bool(_from_bot(anna, anna_dm, bot, "Sie sind angemeldet")), 30, "ok")
    await wait_until(lambda: bool(anna_files), 30, "calendar file")
    cal = await _calendar(anna, anna_files[0][1])
    [entry] = cal.events
    assert isinstance(entry.start, datetime)
    assert entry["SUMMARY"] == "Radtour <b>zum</b> Windpark"
    assert entry.start.astimezone(BERLIN) == starts
    assert entry.start.tzinfo is not None
    assert "Europe/Berlin" in [tz["TZID"] for tz in cal.timezones]

    # Ben asks by command: the one place is taken, he waits.
    await ben.send(ben_dm, f"anmelden {number}")
    await wait_until(lambda: bool(_from_bot(ben, ben_dm, bot, "Warteliste, auf Platz 1")), 30, "wl")

    # Anna gives her place up by taking back her ✅ (a redaction): Ben moves up and is told,
    # with the calendar file.
    assert isinstance(await anna.client.room_redact(anna_dm, sent.event_id), RoomRedactResponse)
    await wait_until(lambda: bool(_from_bot(anna, anna_dm, bot, "zurückgenommen")), 30, "left")
    await wait_until(lambda: bool(_from_bot(ben, ben_dm, bot, "Platz frei geworden")), 30, "up")
    await wait_until(lambda: bool(ben_files), 30, "Ben's calendar file")
    assert ben_files[0][0] == ben_dm
    assert (await _calendar(ben, ben_files[0][1])).events[0]["UID"] == entry["UID"]

    # The reminder an hour before: the clock is moved there and the minute job is run.
    events = app.services.events if app.services else None
    assert events is not None
    events.clock = lambda: starts.timestamp() - 3600 + 30
    assert await events.tick() == 1
    await wait_until(lambda: bool(_from_bot(ben, ben_dm, bot, "In einer Stunde")), 30, "reminder")
    assert not _from_bot(anna, anna_dm, bot, "In einer Stunde")
