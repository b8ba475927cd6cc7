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
