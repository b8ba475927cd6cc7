"""`klimabot chat`: the console conversation runs the whole bot (every feature, both roles)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import yaml

from bot.chat import run_chat
from bot.wiring import ServiceSettings
from tests.config.test_settings import VALID


async def _chat(*lines: str) -> str:
    out = io.StringIO()
    assert (
        await run_chat(ServiceSettings.defaults(), io.StringIO("\n".join(lines) + "\n"), out) == 0
    )
    return out.getvalue()


async def test_console_answers_a_question_and_a_command() -> None:
    text = await _chat("Muss ich mein Balkonkraftwerk anmelden?", "ping")
    assert text.startswith("Klimabot-Konsole")  # banner from the catalog
    assert "Marktstammdatenregister" in text  # the balkonkraftwerk answer
    assert "Pong" in text


async def test_console_registers_an_actor_and_shows_the_profile() -> None:
    text = await _chat(
        "registrieren name=Solarverein Ochtrup; typ=Verein/Initiative; themen=Erneuerbare Energien",
        "ja",
        "profil",
    )
    assert "Traceback" not in text
    assert "AssertionError" not in text
    assert "vorbehalten" not in text  # !profil is not "reserved to the climate management"
    assert "Willkommen im Netzwerk, Solarverein Ochtrup" in text
    assert "Themen: Erneuerbare Energien" in text


async def test_console_role_switch_makes_manager_commands_available() -> None:
    text = await _chat("botstatus", "/rolle manager", "botstatus", "/rolle buerger", "botstatus")
    assert text.count("Dieser Befehl ist dem Klimaschutzmanagement vorbehalten.") == 2
    assert text.count("Zustand von Klimabot") == 1
    assert "[Sie schreiben jetzt als @klimaschutz:konsole (Klimaschutzmanagement)]" in text


async def test_console_prints_an_announcement_delivered_to_a_subscriber() -> None:
    text = await _chat(
        "ruhezeit aus",
        "abonnieren mobilitaet",
        "/rolle manager",
        "ankuendigen mobilitaet Neue Radwege ab Montag",
        "ja",
    )
    assert (
        "[Direktnachricht an @buerger:konsole]\n  Klimabot: 📢 Neuigkeit zum Thema Mobilität"
        in text
    )
    assert "Neue Radwege ab Montag" in text
    assert "[an @klimaschutz:konsole]\n  Klimabot: Zustellbericht Ankündigung #1: 1 von 1" in text


async def test_console_counts_a_number_typed_under_a_poll_dm_as_a_vote() -> None:
    # The console's outbox tells the poll where its DM went, as the real one does, so a person
    # who sees only the text can vote by typing the number there.
    text = await _chat(
        "ruhezeit aus",
        "abonnieren mobilitaet",
        "/rolle manager",
        "umfrage thema=mobilitaet Mehr Radwege? | Ja | Nein",
        "ja",
        "/rolle buerger",
        "2",
        "/rolle manager",
        "umfragen",
    )
    assert "Ihre Stimme für „Nein“ ist gezählt" in text
    assert "läuft, 1 Stimme – Ja: 0, Nein: 1" in text


def test_klimabot_chat_command_runs_the_whole_bot_from_a_pipe(tmp_path: Path) -> None:
    typed = "registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität\nja\nprofil\n"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(VALID))
    for extra in ([], ["--config", str(config)]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "chat", *extra],
            input=typed,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Willkommen im Netzwerk, Anna Schulte!" in done.stdout
        assert "Themen: Mobilität" in done.stdout
        assert "Traceback" not in done.stderr


async def test_the_console_keeps_the_configs_settings_when_it_adds_its_manager_room(
    tmp_path: Path,
) -> None:
    # `klimabot chat --config FILE` without a manager room: the console brings its own, and
    # everything else of the config stays (the measures, the data directory's FAQ vectors).
    from dataclasses import replace
    from datetime import timedelta

    from bot.chat import MANAGER_ROOM, open_session
    from commands.faq import FAQ_VECTORS_FILE
    from store.db import Database

    base = ServiceSettings.defaults()
    measures = replace(base.measures, nudge_after=timedelta(days=30))
    settings = replace(base, data_dir=tmp_path, measures=measures)
    db = await Database.open(tmp_path / "chat.sqlite")
    try:
        session = await open_session(db, settings, io.StringIO())
        assert session.services.faq is not None
        assert session.services.faq._vectors == tmp_path / FAQ_VECTORS_FILE
        assert session.services.faq.manager_room == MANAGER_ROOM
        assert session.services.nudges is not None
        assert session.services.nudges.settings.nudge_after == timedelta(days=30)
    finally:
        await db.close()
