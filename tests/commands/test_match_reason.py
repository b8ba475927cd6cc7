"""The reason of a match is phrased for whoever reads it: requester, requested side, or both."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.introductions import plain_profile, reason_text
from commands.matching import ActorIndex, ActorProfile, MatchReason
from store.db import Database
from store.users import UserSettings
from tests.commands.test_network_units import RoomRecorder, _actor, _service

ALICE = _actor("@alice:x", "Alice", offers="Dachfläche", needs="PV-Installation")
BOB = _actor("@bob:x", "Bob", offers="PV-Installation", needs="Dachfläche")
REASON = MatchReason(
    topics=("erneuerbare-energien",),
    a_needs=("PV-Installation",),
    b_needs=("Dachfläche",),
    types=("Bürger/in", "Handwerk"),
    district="Ochtrup",
    a_wants=("PV-Installation",),
    b_wants=("Dachfläche",),
)
CATALOG = Catalog.load()


def _text(language: str, reader: str | None, reason: MatchReason = REASON) -> str:
    markup = reason_text(CATALOG, language, reason, (ALICE, BOB), reader, lambda s, _: s.upper())
    return to_plain(markup)


@pytest.fixture
async def rooms(tmp_path: Path) -> AsyncIterator[Any]:
    """A network service whose messenger records DMs and the shared rooms it creates."""
    db = await Database.open(tmp_path / "k.sqlite")
    messenger = RoomRecorder()
    yield _service(db, messenger, ActorIndex(())), messenger, db
    await db.close()


def test_requester_reads_you_look_for_they_offer() -> None:
    text = _text("de", "@alice:x")
    assert "Sie suchen „PV-Installation“, Bob bietet es" in text
    assert "Bob sucht „Dachfläche“, Sie bieten es" in text
    assert "ergänzen sich (Bürger/in und Handwerk)" in text
    assert text.startswith("gemeinsame Themen: ERNEUERBARE-ENERGIEN")


def test_requested_side_reads_they_look_for_you_offer() -> None:
    text = _text("de", "@bob:x")
    assert "Alice sucht „PV-Installation“, Sie bieten es" in text
    assert "Sie suchen „Dachfläche“, Alice bietet es" in text
    # The reader's own wish comes first, and their own type first.
    assert text.index("Sie suchen") < text.index("Alice sucht")
    assert "ergänzen sich (Handwerk und Bürger/in)" in text
    assert "Bob" not in text


def test_shared_room_names_both_sides() -> None:
    text = _text("de", None)
    assert "Alice sucht „PV-Installation“, Bob bietet es" in text
    assert "Bob sucht „Dachfläche“, Alice bietet es" in text
    assert "Sie" not in text


def test_english_reader_gets_the_english_phrasing() -> None:
    assert "Alice looks for “PV-Installation”, you offer it" in _text("en", "@bob:x")
    assert "you look for “PV-Installation”, Bob offers it" in _text("en", "@alice:x")


def test_english_reader_gets_actor_types_in_english() -> None:
    assert "complement each other (Citizen and Trades/Crafts)" in _text("en", "@alice:x")
    assert "ergänzen sich (Bürger/in und Handwerk)" in _text("de", "@alice:x")


def test_english_request_shows_the_profile_type_in_english() -> None:
    text = to_plain(plain_profile(CATALOG, "en", ALICE))
    assert "Alice – Citizen, Ochtrup" in text
    assert "Bürger/in" not in text
    assert "Alice – Bürger/in, Ochtrup" in to_plain(plain_profile(CATALOG, "de", ALICE))


def test_the_seekers_own_words_are_quoted_not_the_matched_keywords() -> None:
    index = ActorIndex(())
    solar = ActorProfile(
        "@solar:x",
        "Solarverein",
        "Verein/Initiative",
        "Ochtrup",
        frozenset(),
        "Beratung zu Balkonkraftwerken",
        "Betriebe mit Dächern, Lastenrad",
    )
    bikes = ActorProfile(
        "@bikes:x",
        "Fahrrad Schulte",
        "Handwerk",
        "Ochtrup",
        frozenset(),
        "Lastenrad-Verleih, E-Bike-Beratung",
        "Balkonkraftwerk Beratung",
    )
    index.add(solar)
    suggestion = index.explain(bikes, "@solar:x")
    assert suggestion is not None
    reason = MatchReason.of(bikes, solar, suggestion)
    pair = (_actor("@bikes:x", "Fahrrad Schulte"), _actor("@solar:x", "Solarverein"))
    text = to_plain(reason_text(CATALOG, "de", reason, pair, "@bikes:x", lambda s, _: s))
    assert "Sie suchen „Balkonkraftwerk Beratung“, Solarverein bietet es" in text
    assert "Solarverein sucht „Lastenrad“, Sie bieten es" in text
    assert "„Beratung, Balkonkraftwerken“" not in text
    english = to_plain(reason_text(CATALOG, "en", reason, pair, "@solar:x", lambda s, _: s))
    assert "you look for “Lastenrad”, Fahrrad Schulte offers it" in english
    assert MatchReason.from_json(reason.to_json()) == reason


def test_several_wishes_are_quoted_each() -> None:
    reason = MatchReason(a_needs=("x",), a_wants=("Dachfläche", "PV-Beratung"))
    assert "Sie suchen „Dachfläche“ und „PV-Beratung“, Bob bietet es" in _text(
        "de", "@alice:x", reason
    )


def test_an_older_stored_reason_shows_its_keywords_without_quotation_marks() -> None:
    old = MatchReason(a_needs=("Beratung", "Balkonkraftwerken"))
    text = _text("de", "@alice:x", old)
    assert "Sie suchen Beratung, Balkonkraftwerken, Bob bietet es" in text
    assert "„" not in text


def test_reason_survives_storage() -> None:
    assert MatchReason.from_json(REASON.to_json()) == REASON
    assert MatchReason.from_json(MatchReason().to_json()) == MatchReason()


def test_older_free_text_reason_is_not_taken_for_a_structured_one() -> None:
    assert MatchReason.from_json("Sie suchen „Solar“, B bietet es") is None
    assert MatchReason.from_json("") is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(
    st.dictionaries(
        st.sampled_from(
            ["topics", "a_needs", "b_needs", "types", "district", "a_wants", "b_wants"]
        ),
        json_values,
    )
    | json_values
)
def test_any_stored_json_reads_as_a_reason_or_none(value: Any) -> None:
    reason = MatchReason.from_json(json.dumps(value))
    if reason is not None:
        _text("de", "@bob:x", reason)  # and renders


def test_reason_from_a_suggestion_keeps_who_needs_what() -> None:
    index = ActorIndex((("PV-Installation", "Photovoltaik"),))
    a = ActorProfile("@a:x", "A", "Bürger/in", "Ochtrup", frozenset(), "Dachfläche", "Photovoltaik")
    b = ActorProfile("@b:x", "B", "Handwerk", "Ochtrup", frozenset(), "PV-Installation", "")
    index.add(b)
    suggestion = index.explain(a, "@b:x")
    assert suggestion is not None
    reason = MatchReason.of(a, b, suggestion)
    assert reason.a_needs == ("PV-Installation",)  # in B's words: what B offers
    assert reason.b_needs == ()
    assert reason.types == ("Bürger/in", "Handwerk")
    assert reason.district == "Ochtrup"


async def test_proposal_phrases_the_reason_for_each_side_in_their_language(rooms: Any) -> None:
    service, messenger, db = rooms
    for actor in (ALICE, BOB):
        await service.actors.save(actor)
    await UserSettings(db).set_language("@bob:x", "en")
    store = service.actors.store
    intro_id = await store.request("@alice:x", "@bob:x", REASON.to_json(), proposed_by="@ksm:x")
    await service.send_proposal(intro_id, ALICE, BOB, REASON.to_json())
    texts = dict(messenger.dms)
    assert "Sie suchen „PV-Installation“, Bob bietet es" in texts["@alice:x"]
    assert "Alice looks for “PV-Installation”, you offer it" in texts["@bob:x"]


async def test_shared_room_states_the_reason_for_both(rooms: Any) -> None:
    service, messenger, _ = rooms
    for actor in (ALICE, BOB):
        await service.actors.save(actor)
    store = service.actors.store
    intro_id = await store.request("@alice:x", "@bob:x", REASON.to_json())
    intro = await store.get_intro(intro_id)
    assert await service.decide(intro, True, "@bob:x") == "actors.accepted_target"
    await service.wait_background()
    [(_, text)] = messenger.texts
    assert "Alice sucht „PV-Installation“, Bob bietet es" in text
    assert "Sie suchen" not in text
