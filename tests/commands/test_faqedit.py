"""`!faq <id>` says where an entry comes from, also after edits, reloads and an export."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from config.faqoverlay import export_yaml
from config.settings import default_faq_settings
from tests.commands.fakes import MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
DM = "!dm-buerger:ochtrup.test"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(
        tmp_path, faq=default_faq_settings(), manager_room=TEAM
    )
    yield router, replier
    await db.close()


async def manager(router: Any, replier: Any, text: str) -> str:
    await router.dispatch(message(text, sender=MANAGER, room=TEAM))
    return str(replier.texts[-1])


async def teach(router: Any, replier: Any) -> None:
    await router.dispatch(message("Gibt es ein Repair Cafe?", direct=True, room=DM))
    await manager(router, replier, "!antworten 1 Ja, jeden ersten Samstag im Jugendzentrum.")
    assert "repair-cafe" in await manager(router, replier, "ja")


async def test_a_taught_entry_stays_made_in_the_chat_through_edits_and_reloads(
    bot: Any,
) -> None:
    router, replier = bot
    await teach(router, replier)
    for edit in ("antwort-en Yes.", "formulierung Wann ist Repair Cafe", "thema Mobilität"):
        await manager(router, replier, f"!faq-bearbeiten repair-cafe {edit}")
        assert "Herkunft: im Chat angelegt" in await manager(router, replier, "!faq repair-cafe")
    await manager(router, replier, "!faq-neu-laden")
    shown = await manager(router, replier, "!faq repair-cafe")
    assert "Herkunft: im Chat angelegt" in shown
    assert "chat:" not in shown


async def test_a_curated_entry_changed_in_the_chat_names_its_file(bot: Any) -> None:
    router, replier = bot
    await manager(router, replier, "!faq-bearbeiten klimaanlage formulierung Klimaanlage im Sommer")
    shown = await manager(router, replier, "!faq klimaanlage")
    assert "Herkunft: YAML (alltag.yaml), im Chat geändert" in shown
    assert "chat:" not in shown


async def test_a_chat_entry_read_back_from_the_export_can_still_be_deleted(
    bot: Any, tmp_path: Path
) -> None:
    router, replier = bot
    await teach(router, replier)
    service = router.services.faq
    export_yaml(service.data, tmp_path / "export")
    service.settings = dataclasses.replace(service.settings, directory=tmp_path / "export")
    await manager(router, replier, "!faq-neu-laden")
    assert "im Chat geändert" in await manager(router, replier, "!faq repair-cafe")
    await manager(router, replier, "!faq-loeschen repair-cafe")
    await manager(router, replier, "ja")
    await manager(router, replier, "!faq-neu-laden")
    assert service.data.entry("repair-cafe") is None


async def test_a_citizen_sees_the_entry_without_owner_origin_review_or_history(bot: Any) -> None:
    router, replier = bot
    await teach(router, replier)
    await manager(router, replier, "!faq-bearbeiten repair-cafe antwort-en Yes, every month.")
    await router.dispatch(message("!faq repair-cafe", direct=True, room=DM))
    shown = str(replier.texts[-1])
    assert "jeden ersten Samstag" in shown
    assert "Stand:" in shown
    assert "Thema:" in shown
    for internal in (MANAGER, "verantwortlich", "Prüfung", "Herkunft", "Änderungen", "Yes,"):
        assert internal not in shown


async def test_a_citizen_reads_a_curated_entry_in_their_language_only(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!faq balkonkraftwerk", direct=True, room=DM))
    german = str(replier.texts[-1])
    assert "Englisch" not in german
    assert "YAML" not in german
    assert "niemand festgelegt" not in german
    assert "Yes, but only online" not in german
    await router.dispatch(message("!sprache en", direct=True, room=DM))
    await router.dispatch(message("!faq balkonkraftwerk", direct=True, room=DM))
    english = str(replier.texts[-1])
    assert "Yes, but only online" in english
    assert "Ja – aber nur online" not in english
    assert "Topic: Renewable Energy" in english


async def test_the_manager_still_sees_owner_origin_and_history(bot: Any) -> None:
    router, replier = bot
    await teach(router, replier)
    shown = await manager(router, replier, "!faq repair-cafe")
    assert "verantwortlich" in shown
    assert "nächste Prüfung" in shown
    assert "Letzte Änderungen" in shown
    assert MANAGER in shown


async def test_the_manager_in_a_public_room_gets_the_citizen_view(bot: Any) -> None:
    router, replier = bot
    await teach(router, replier)
    await router.dispatch(message("!faq repair-cafe", sender=MANAGER, room="!public:ochtrup.test"))
    shown = str(replier.texts[-1])
    assert "jeden ersten Samstag" in shown
    assert MANAGER not in shown
    assert "Herkunft" not in shown
