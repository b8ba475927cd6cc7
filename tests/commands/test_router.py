"""Router and core commands with a recording fake (no homeserver)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from commands.admin import _span
from commands.context import Context
from commands.i18n import Catalog
from commands.registry import Registry, command
from tests.commands.fakes import CITIZEN, MANAGER, RecordingReplier, make_router, message


@pytest.fixture
async def routed(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, clock = await make_router(tmp_path)
    yield router, replier, clock
    await db.close()


async def test_room_messages_without_prefix_are_ignored(routed: Any) -> None:
    router, replier, _ = routed
    assert await router.dispatch(message("hilfe")) is False
    assert replier.sent == []


async def test_dm_commands_work_without_prefix(routed: Any) -> None:
    router, replier, _ = routed
    assert await router.dispatch(message("hilfe", direct=True))
    assert "Diese Befehle stehen Ihnen zur Verfügung" in replier.texts[0]


async def test_help_hides_manager_commands_from_citizens(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!hilfe"))
    await router.dispatch(message("!hilfe", sender=MANAGER))
    citizen_help, manager_help = replier.texts
    assert "!botstatus" not in citizen_help
    assert "!botstatus" in manager_help
    assert "Für das Klimaschutzmanagement" in manager_help


async def test_help_for_one_command_lists_its_aliases(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!hilfe sprache"))
    assert "!sprache de|en" in replier.texts[0]
    assert "!language" in replier.texts[0]


async def test_unknown_command_offers_did_you_mean(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!spreche en"))
    assert "„spreche“" in replier.texts[0]
    assert "Meinten Sie !sprache" in replier.texts[0]


async def test_non_manager_cannot_run_botstatus(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!botstatus", sender=CITIZEN))
    assert replier.texts == ["Dieser Befehl ist dem Klimaschutzmanagement vorbehalten."]


async def test_manager_gets_health_report(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!health", sender=MANAGER))
    text = replier.texts[0]
    assert "Klimabot 1.2.3" in text
    assert "Räume: 4" in text
    assert "vor 2 s" in text
    assert "bestätigt (Cross-Signing): ja" in text
    assert "nicht entschlüsseln konnte: 1" in text
    assert "Läuft seit 1 Stunde und 1 Minute." in text  # in words, not "01:01:01 Std."


async def test_language_choice_changes_every_later_reply(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!language en"))
    await router.dispatch(message("!ping"))
    assert replier.texts[0].startswith("All right")
    assert replier.texts[1].startswith("Pong! Klimabot")
    assert "took" in replier.texts[1]


async def test_bad_language_and_missing_argument_are_explained(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!sprache fr"))
    await router.dispatch(message("!sprache"))
    assert replier.texts[0] == "Diese Sprache kenne ich nicht. Möglich sind: de, en."
    assert replier.texts[1] == "So verwenden Sie den Befehl: !sprache de|en"


async def test_ping_reports_latency(routed: Any) -> None:
    router, replier, clock = routed
    clock.now += 0.25
    await router.dispatch(message("!ping", ts=clock.now - 0.25))
    assert "250 ms" in replier.texts[0]


async def test_too_long_message_is_refused(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path, max_len=10)
    await router.dispatch(message("!hilfe " + "x" * 50))
    assert "zu lang (57 Zeichen; ich lese höchstens 10)" in replier.texts[0]
    await db.close()


async def test_flood_gets_one_warning_then_silence(tmp_path: Path) -> None:
    router, replier, db, clock = await make_router(tmp_path, limit=2)
    for _ in range(5):
        await router.dispatch(message("!ping"))
    assert len(replier.sent) == 3
    assert "sehr viele Nachrichten" in replier.texts[2]
    clock.now += 61
    await router.dispatch(message("!ping"))
    assert replier.texts[3].startswith("Pong")
    await db.close()


async def test_unexpected_error_shows_only_a_reference(
    routed: Any, caplog: pytest.LogCaptureFixture
) -> None:
    router, replier, _ = routed

    @command("kaputt")
    async def kaputt(ctx: Context, args: str) -> None:
        raise ValueError("secret internal detail")

    router.services.registry = Registry(
        [*router.services.registry.commands, kaputt.__klimabot_command__]
    )  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR):
        await router.dispatch(message("!kaputt"))
    text = replier.texts[0]
    assert "secret internal detail" not in text
    ref = re.search(r"Referenz ([0-9a-f]{8})", text)
    assert ref is not None
    assert ref.group(1) in caplog.text
    assert "secret internal detail" in caplog.text


async def test_dm_text_that_is_not_a_command_is_not_understood(routed: Any) -> None:
    router, replier, _ = routed
    dm = message("Guten Tag!", direct=True)
    await router.services.users.welcome(dm.sender, dm.room_id)  # the welcome is tested apart
    await router.dispatch(dm)
    assert replier.texts[0].startswith("Das habe ich leider nicht verstanden")


async def test_html_is_escaped_in_formatted_body(routed: Any) -> None:
    router, replier, _ = routed
    await router.dispatch(message("!hilfe <script>alert(1)</script>"))
    _, plain, html = replier.sent[0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" in plain  # the plain body is text, shown as text by clients


def test_recording_replier_is_a_replier() -> None:
    from commands.context import Replier

    replier: Replier = RecordingReplier()
    assert replier is not None


@pytest.mark.parametrize(
    ("seconds", "german", "english"),
    [
        (0, "weniger als einer Minute", "less than a minute"),
        (59, "weniger als einer Minute", "less than a minute"),
        (60, "1 Minute", "1 minute"),
        (3600, "1 Stunde", "1 hour"),
        (2 * 3600 + 5 * 60 + 9, "2 Stunden und 5 Minuten", "2 hours and 5 minutes"),
        (86400 + 59, "1 Tag", "1 day"),
        (3 * 86400 + 4 * 3600 + 59 * 60, "3 Tagen und 4 Stunden", "3 days and 4 hours"),
        (3 * 86400 + 59 * 60, "3 Tagen", "3 days"),  # to the two largest units
    ],
)
def test_uptime_reads_as_words(seconds: int, german: str, english: str) -> None:
    catalog = Catalog.load()
    for language, expected in (("de", german), ("en", english)):
        ctx = SimpleNamespace(t=lambda key, lang=language, **kw: catalog.text(lang, key, **kw))
        assert _span(ctx, seconds) == expected  # type: ignore[arg-type]
