"""`!meinedaten`: a readable summary and a JSON file with ISO dates and real JSON values."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.commands.fakes import make_router, message

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)

    async def say(text: str) -> str:
        before = len(replier.texts)
        await router.dispatch(message(text, sender="@anna:x", direct=True))
        return "\n".join(replier.texts[before:])

    yield say, replier
    await db.close()


def _walk(value: Any, column: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _walk(item, key)]
    if isinstance(value, list):
        return [pair for item in value for pair in _walk(item, column)]
    return [(column, value)]


async def test_export_has_iso_dates_and_nested_json(bot: Any) -> None:
    say, replier = bot
    await say("!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität, Klimaanpassung")
    await say("ja")
    await say("!abonnieren mobilitaet")
    await say("!vergessen")  # an open dialogue: its data is JSON in the database
    await say("nein")
    await say("!registrieren")
    summary = await say("!meinedaten")
    [(name, payload)] = replier.files
    assert name == "klimabot-meine-daten.json"
    document = json.loads(payload)
    assert ISO.match(document["exported_at"])
    actor = document["data"]["actors"][0]
    assert actor["topics"] == ["mobilitaet", "klimaanpassung"]  # a list, not '["mobilitaet", …]'
    assert ISO.match(actor["consent_at"])
    assert document["data"]["dialogs"][0]["data"] == {"step": "name", "answers": {}}
    for column, value in _walk(document):
        if column.endswith("_at"):
            assert value is None or ISO.match(value), (column, value)
    assert "Ihr Akteursprofil: Anna Schulte" in summary
    assert "Abos: Mobilität" in summary
    assert "klimabot-meine-daten.json" in summary
    assert "ISO 8601" in summary
    # Bookkeeping about DMs reads as what it is, not as "Begrüßung in Direktnachrichten-Räumen: 1".
    assert "- Vermerk, dass ich Sie begrüßt habe (je Raum): 1" in summary


async def test_forgetting_lists_what_is_stored_about_the_person(bot: Any) -> None:
    say, _ = bot
    await say("!abonnieren mobilitaet")
    await say("!ruhezeit 22-6")
    confirm = await say("!vergessen")
    assert "Soll ich wirklich alles löschen, was ich über Sie gespeichert habe? Das ist:" in confirm
    assert "- Abos: Mobilität" in confirm
    assert "- Zustellart und Ruhezeit: sofort per Direktnachricht, Ruhezeit 22:00-06:00" in confirm
    assert "Akteursprofil" not in confirm  # only what there is
    assert "ohne Ihren Namen" not in confirm  # nothing sent by them that would stay
    assert confirm.endswith("Antworten Sie mit „ja“ oder „nein“.")
    assert "Erledigt" in await say("ja")


async def test_forgetting_with_nothing_stored_asks_nothing(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        await router.dispatch(message("!vergessen", sender="@new:x", room="!group:x"))
        assert replier.texts == ["Über Sie ist bei mir nichts gespeichert."]
        await router.dispatch(message("ja", sender="@new:x", room="!group:x", mention=True))
        assert "Erledigt" not in replier.texts[-1]
    finally:
        await db.close()
