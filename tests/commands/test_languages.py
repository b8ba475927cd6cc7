"""The language each user last wrote in: bounded, most recent kept, forgettable."""

from __future__ import annotations

from commands.languages import RecentLanguages


def test_the_least_recently_heard_user_is_dropped_first() -> None:
    languages = RecentLanguages(capacity=2)
    languages.note("@a:x", "en")
    languages.note("@b:x", "de")
    languages.note("@a:x", "en")  # heard again: now the most recent
    languages.note("@c:x", "en")
    assert languages.get("@b:x") is None
    assert (languages.get("@a:x"), languages.get("@c:x")) == ("en", "en")


def test_the_last_language_wins_and_forgetting_drops_it() -> None:
    languages = RecentLanguages()
    languages.note("@a:x", "en")
    languages.note("@a:x", "de")
    assert languages.get("@a:x") == "de"
    languages.forget("@a:x")
    languages.forget("@never:x")
    assert languages.get("@a:x") is None
