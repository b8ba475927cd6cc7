"""Wording: counts with singular and plural forms, English help with English argument words."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from commands.i18n import default_catalog_dir
from tests.commands.fakes import make_router, message


async def test_topic_list_counts_subscriptions_in_words(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        await router.dispatch(message("!abonnieren mobilitaet", direct=True))
        await router.dispatch(message("!themen", direct=True))
        text = replier.texts[-1]
        assert "Mobilität** (mobilitaet) – 1 Abo" not in text  # markers are rendered away
        assert "Mobilität (mobilitaet) – 1 Abo\n" in text
        assert "Klimaanpassung (klimaanpassung) – 0 Abos" in text
        assert "(s)" not in text
    finally:
        await db.close()


def test_no_catalog_text_hedges_a_plural_with_brackets() -> None:
    for language in ("de", "en"):
        text = (default_catalog_dir() / f"{language}.yaml").read_text(encoding="utf-8")
        hedges = re.findall(r"\w+\((?:s|n|en|e)\)|/-\w+", text)
        assert hedges == [], (language, hedges)


def test_english_usage_lines_use_english_argument_words() -> None:
    catalog = yaml.safe_load((default_catalog_dir() / "en.yaml").read_text(encoding="utf-8"))
    german = re.compile(
        r"Thema|Maßnahme|Befehl|Nr\.|ändern|seite|typ=|themen=|biete=|suche=|Feld|Wert|alle\b"
    )
    for name, entry in catalog["commands"].items():
        assert not german.search(entry["usage"]), (name, entry["usage"])


def test_english_texts_name_english_command_words() -> None:
    text = (default_catalog_dir() / "en.yaml").read_text(encoding="utf-8")
    for german in ("seite {", "{prefix}akteure", "{prefix}vernetzen", "{prefix}abbestellen"):
        assert german not in text, german


async def test_ending_all_subscriptions_counts_them_in_words(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        first = message("!abbestellen alle", direct=True)
        await router.services.users.welcome(first.sender, first.room_id)  # tested apart
        await router.dispatch(first)
        assert replier.texts[-1].startswith("Sie hatten nichts abonniert.")
        await router.dispatch(message("!abonnieren mobilitaet", direct=True))
        await router.dispatch(message("!abbestellen alle", direct=True))
        assert replier.texts[-1] == "Ihr Abo ist beendet."
    finally:
        await db.close()


def test_command_examples_in_help_texts_carry_the_prefix_so_they_work_in_rooms() -> None:
    # "`vernetzen 2` fragt …" works only in a DM; the help list is read in rooms too.
    for language in ("de", "en"):
        catalog = yaml.safe_load(
            (default_catalog_dir() / f"{language}.yaml").read_text(encoding="utf-8")
        )
        names = {n for entry in catalog["commands"].values() for n in _usage_names(entry)}
        for name, entry in catalog["commands"].items():
            for example in re.findall(r"`([^`]+)`", entry["help"]):
                words = example.split()  # a whole command line, not a word named in passing
                assert len(words) < 2 or words[0] not in names, (language, name, example)


def _usage_names(entry: dict[str, str]) -> list[str]:
    return entry["usage"].split()[:1]


async def test_a_suggestion_names_organisation_type_and_district_without_double_brackets(
    tmp_path: Path,
) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        for sender, line in (
            ("@anna:x", "name=Anna Schulte; typ=Handwerk; themen=Mobilität; organisation=Solar AG"),
            ("@bernd:x", "name=Bernd Wind; typ=Verein; themen=Mobilität"),
        ):
            await router.dispatch(message(f"!registrieren {line}", sender=sender, direct=True))
            await router.dispatch(message("ja", sender=sender, direct=True))
        await router.dispatch(message("!vernetzen", sender="@bernd:x", direct=True))
        assert "1. Anna Schulte (Solar AG), Handwerk, Ochtrup – " in replier.texts[-1]
        await router.dispatch(message("!vernetzen", sender="@anna:x", direct=True))
        assert "1. Bernd Wind, Verein/Initiative, Ochtrup – " in replier.texts[-1]
    finally:
        await db.close()
