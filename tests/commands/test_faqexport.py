"""`klimabot faq export`: the FAQ with the chat's changes as YAML files that `faq check`
accepts and that answer as the bot did."""

from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

import pytest

from commands.faqmatch import FaqIndex
from commands.faqtool import export_faq, lint, run_faq_cli
from config.faq import FaqData, load_faq
from config.settings import default_faq_settings
from tests.commands.fakes import MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
QUESTIONS = (
    "Wann wird der Sperrmüll abgeholt?",
    "wann wird bei uns der sperrmüll abgeholt",
    "Muss ich mein Balkonkraftwerk anmelden?",
    "Wie melde ich mich beim Stadtradeln an?",
    "Gibt es Zuschüsse für eine Wärmepumpe?",
    "Was ist die kommunale Wärmeplanung?",
    "Wo kann ich mein E-Auto laden?",
    "Wer berät mich zur Sanierung?",
)


async def test_export_round_trip_passes_check_and_answers_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = default_faq_settings()
    router, replier, db, _ = await make_router(tmp_path, faq=settings, manager_room=TEAM)
    service = router.services.faq

    async def manager(text: str) -> None:
        await router.dispatch(message(text, sender=MANAGER, room=TEAM))

    await router.dispatch(message(QUESTIONS[0], direct=True))
    await manager("!antworten 1 Viermal im Jahr; die Termine stehen im Abfallkalender.")
    await manager("ja")
    await manager("!faq-bearbeiten balkonkraftwerk antwort Beim Netzbetreiber und im MaStR.")
    await manager("!faq-bearbeiten balkonkraftwerk formulierung Stecker-Solar anmelden wo")
    await manager("!faq-loeschen geg-heizungsgesetz")  # needed elsewhere: refused
    await manager("!faq-loeschen stadtradeln-historie")
    await manager("ja")
    await db.close()
    out = tmp_path / "export"
    code = await export_faq(
        settings.directory, settings.topics_file, settings.synonyms_file, db.path, out
    )
    assert code == 0
    assert "(3 changed in the chat)" in capsys.readouterr().out
    exported = load_faq(out, settings.topics_file, settings.synonyms_file)
    ours = {e.id: e for e in service.data.entries}
    assert {e.id for e in exported.entries} == set(ours)
    assert "stadtradeln-historie" not in ours
    assert "geg-heizungsgesetz" in ours
    made = exported.entry("sperrmuell-abgeholt")
    assert made is not None
    assert made.sources == ("Klimaschutzmanagement Ochtrup",)
    assert made.owner == MANAGER
    assert made.review is not None
    assert "MaStR" in exported.entry("balkonkraftwerk").answer["de"]  # type: ignore[union-attr]
    for entry in exported.entries:  # the same content, field by field
        mine = dataclasses.replace(ours[entry.id], file=entry.file, line=entry.line)
        assert dataclasses.replace(mine, origin="yaml") == entry
    # The same content as the FAQ the bot used (above), so `faq check` finds the same in both
    # (each run of it asks every phrasing: seconds): none in the entries changed in the chat.
    errors = [text for level, text in _problems(exported) if level == "error"]
    assert not [e for e in errors if e.startswith(("sperrmuell", "balkonkraftwerk:"))]
    index = FaqIndex.build(exported)
    for question in QUESTIONS:
        got, before = index.ask(question), service.ask(question)
        assert (got.kind, got.entry_id, got.candidates) == (
            before.kind,
            before.entry_id,
            before.candidates,
        ), question
    code = run_faq_cli(["check"], out, settings.topics_file, settings.synonyms_file)
    assert code == (1 if errors else 0)


async def test_export_without_chat_changes_is_the_yaml(tmp_path: Path) -> None:
    settings = default_faq_settings()
    out = tmp_path / "export"
    code = await export_faq(
        settings.directory, settings.topics_file, settings.synonyms_file, None, out
    )
    assert code == 0
    original = load_faq(settings.directory, settings.topics_file, settings.synonyms_file)
    exported = load_faq(out, settings.topics_file, settings.synonyms_file)
    ours = {e.id: e for e in original.entries}
    assert sorted(e.id for e in exported.entries) == sorted(ours)
    # Field by field the curated entries (so `faq check` finds in the export what it finds in
    # the curated files; the round trip above runs it on an export).
    for entry in exported.entries:
        assert dataclasses.replace(ours[entry.id], file=entry.file, line=entry.line) == entry


def _problems(data: FaqData) -> list[tuple[str, str]]:
    """What `faq check` reports, without the file:line each message starts with."""
    today = datetime.date.today()
    problems = lint(data, FaqIndex.build(data), today)
    return sorted((level, re.sub(r"^[^:]+:\d+: ", "", text)) for level, text in problems)


async def test_export_again_removes_the_file_of_a_topic_without_entries(tmp_path: Path) -> None:
    settings = default_faq_settings()
    out = tmp_path / "export"
    out.mkdir()
    (out / "alt-thema.yaml").write_text("# FAQ: Alt (exported by `klimabot faq export`)\n")
    (out / "eigene-notizen.yaml").write_text("# not ours\n")
    dirs = (settings.directory, settings.topics_file, settings.synonyms_file)
    assert await export_faq(*dirs, None, out) == 0
    assert not (out / "alt-thema.yaml").exists()
    assert (out / "eigene-notizen.yaml").exists()
