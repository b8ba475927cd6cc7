"""The network commands in chat, without a homeserver: picking suggestions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.commands.fakes import dm_speaker, make_router


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)

    say = dm_speaker(router, replier, "@anna:ochtrup.test")

    yield say
    await db.close()


async def _register(chat: Any, sender: str, line: str) -> None:
    await chat(f"!registrieren {line}", sender=sender)
    assert "Willkommen im Netzwerk" in await chat("ja", sender=sender)


async def test_picking_a_number_with_no_suggestions_says_there_are_none(chat: Any) -> None:
    await _register(chat, "@anna:ochtrup.test", "name=Anna Schulte; typ=Bürger; themen=Mobilität")
    assert "Gerade habe ich niemanden" in await chat("!vernetzen")
    answer = await chat("!vernetzen 1")
    assert "keine Vorschläge" in answer
    assert "aus Ihren Vorschlägen" not in answer  # no pointing back to an empty list
    await chat("!sprache en")
    assert "no suggestions for you" in await chat("!connect 1")


async def test_an_older_list_is_not_picked_from_after_nobody_matches(chat: Any) -> None:
    await _register(chat, "@anna:ochtrup.test", "name=Anna Schulte; typ=Bürger; themen=Mobilität")
    await _register(chat, "@bernd:ochtrup.test", "name=Bernd Berg; typ=Handwerk; themen=Mobilität")
    assert "Bernd Berg" in await chat("!vernetzen")
    await chat("!blockieren 1")
    assert "Gerade habe ich niemanden" in await chat("!vernetzen")
    assert "keine Vorschläge" in await chat("!vernetzen 1")


async def test_a_wrong_number_with_suggestions_still_points_to_the_list(chat: Any) -> None:
    await _register(chat, "@anna:ochtrup.test", "name=Anna Schulte; typ=Bürger; themen=Mobilität")
    await _register(chat, "@bernd:ochtrup.test", "name=Bernd Berg; typ=Handwerk; themen=Mobilität")
    await chat("!vernetzen")
    assert "aus Ihren Vorschlägen" in await chat("!vernetzen 7")
