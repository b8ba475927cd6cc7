"""Actor matching with the shipped synonym groups: ranking, reasons, exclusions, updates."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from commands.matching import (
    DEFAULT_COMPLEMENTS,
    W_COMPLEMENTARY,
    W_NEED_MET,
    W_SAME_DISTRICT,
    W_SHARED_TOPIC,
    ActorIndex,
    ActorProfile,
)
from config.faq import load_synonyms, load_topics
from tests.bench.actors_bench import actors

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def synonyms() -> tuple[tuple[str, ...], ...]:
    return load_synonyms(CONFIG / "synonyms.yaml")


@pytest.fixture
def index(synonyms: tuple[tuple[str, ...], ...]) -> ActorIndex:
    return ActorIndex(synonyms)


def actor(user_id: str, **fields: Any) -> ActorProfile:
    """A profile with nothing in common with anyone unless `fields` say otherwise."""
    defaults: dict[str, Any] = {
        "name": user_id.strip("@").split(":")[0].title(),
        "actor_type": "Bürger/in",
        "district": "Ochtrup",
        "topics": frozenset(),
        "offers": "",
        "needs": "",
    }
    return ActorProfile(user_id=user_id, **(defaults | fields))


# A solar craftsman and a roof owner who need what the other offers.
SOLAR_CRAFT = actor(
    "@solar:o",
    actor_type="Handwerk",
    topics=frozenset({"erneuerbare-energien", "bauen-sanieren"}),
    offers="PV-Installation und Beratung",
    needs="Dachfläche für Bürgersolar",
)
ROOF_OWNER = actor(
    "@me:o",
    topics=frozenset({"erneuerbare-energien", "bauen-sanieren", "mobilitaet"}),
    offers="freie Dachfläche auf der Garage",
    needs="Solaranlage",
)


def ids(index: ActorIndex, me: ActorProfile, **kwargs: Any) -> list[str]:
    return [s.user_id for s in index.suggest(me, **kwargs)]


def add_all(index: ActorIndex, *profiles: ActorProfile) -> None:
    for profile in profiles:
        index.add(profile)


def test_actor_sharing_more_topics_ranks_higher(index: ActorIndex) -> None:
    add_all(
        index,
        actor("@one:o", topics=frozenset({"mobilitaet"})),
        actor("@two:o", topics=frozenset({"mobilitaet", "klimaanpassung"})),
        actor("@none:o", topics=frozenset({"kommune-verwaltung"})),
    )
    me = actor("@me:o", topics=frozenset({"mobilitaet", "klimaanpassung"}))
    assert ids(index, me) == ["@two:o", "@one:o"]


def test_need_met_by_offer_outranks_shared_topics(index: ActorIndex) -> None:
    topics = frozenset({"bauen-sanieren", "waerme-heizung", "erneuerbare-energien"})
    add_all(
        index,
        actor("@topics:o", topics=topics),
        actor("@helper:o", offers="Wärmepumpe einbauen"),
    )
    me = actor("@me:o", topics=topics, needs="Wärmepumpe")
    assert ids(index, me) == ["@helper:o", "@topics:o"]


@pytest.mark.parametrize(
    ("need", "offer"),
    [
        ("Solaranlage", "PV-Installation und Beratung"),
        ("Photovoltaikanlage montieren", "PV-Installation"),
        ("SOLARANLAGEN", "Photovoltaikanlage montieren"),
        ("pv anlage", "Solarmodule"),
    ],
)
def test_solar_need_meets_solar_offer_through_synonyms(
    index: ActorIndex, need: str, offer: str
) -> None:
    index.add(actor("@solar:o", offers=offer))
    [suggestion] = index.suggest(actor("@me:o", needs=need))
    assert suggestion.user_id == "@solar:o"
    assert suggestion.they_offer_what_i_need


@pytest.mark.parametrize("need", ["Wärmepumpe", "WAERMEPUMPE", "warmepumpe", "Wärmepumpen"])
def test_umlaut_and_case_spellings_meet_the_same_offer(index: ActorIndex, need: str) -> None:
    index.add(actor("@heat:o", offers="Wärmepumpen-Einbau im Altbau"))
    assert ids(index, actor("@me:o", needs=need)) == ["@heat:o"]


def test_need_phrase_meets_synonymous_phrase(index: ActorIndex) -> None:
    index.add(actor("@heat:o", offers="Heizung austauschen"))
    [suggestion] = index.suggest(actor("@me:o", needs="neue Heizung"))
    assert suggestion.they_offer_what_i_need == ("Heizung austauschen",)


def test_e_car_offer_does_not_meet_electricity_need(index: ActorIndex) -> None:
    # The e-car group lists "Stromer", which stems like "Strom"; the groups must stay apart.
    index.add(actor("@car:o", offers="E-Auto teilen, Elektroauto leihen"))
    assert ids(index, actor("@me:o", needs="Strom")) == []


def test_generic_words_alone_are_no_need_met(index: ActorIndex) -> None:
    index.add(actor("@other:o", offers="Hilfe und Austausch in Ochtrup"))
    assert ids(index, actor("@me:o", needs="Suche Hilfe, Austausch, Ochtrup")) == []


def test_reasons_name_the_original_words(index: ActorIndex) -> None:
    index.add(SOLAR_CRAFT)
    me = ROOF_OWNER
    [suggestion] = index.suggest(me)
    assert suggestion.shared_topics == ("bauen-sanieren", "erneuerbare-energien")
    assert suggestion.they_offer_what_i_need == ("PV-Installation",)
    assert suggestion.i_offer_what_they_need == ("Dachfläche",)
    assert suggestion.complementary_types
    assert suggestion.same_district
    expected = 2 * W_NEED_MET + 2 * W_SHARED_TOPIC + W_COMPLEMENTARY + W_SAME_DISTRICT
    assert suggestion.score == expected


def test_other_district_and_unrelated_type_give_no_bonus(index: ActorIndex) -> None:
    index.add(actor("@far:o", district="Welbergen", topics=frozenset({"mobilitaet"})))
    [suggestion] = index.suggest(actor("@me:o", topics=frozenset({"mobilitaet"})))
    assert not suggestion.same_district
    assert not suggestion.complementary_types
    assert suggestion.score == W_SHARED_TOPIC


def test_self_is_never_suggested(index: ActorIndex) -> None:
    me = actor("@me:o", topics=frozenset({"mobilitaet"}), offers="Lastenrad", needs="Lastenrad")
    index.add(me)
    index.add(actor("@other:o", topics=frozenset({"mobilitaet"})))
    assert ids(index, me) == ["@other:o"]


def test_excluded_actors_are_never_suggested(index: ActorIndex) -> None:
    add_all(
        index,
        actor("@known:o", offers="Lastenrad ausleihen"),
        actor("@new:o", topics=frozenset({"mobilitaet"})),
    )
    me = actor("@me:o", topics=frozenset({"mobilitaet"}), needs="Lastenrad")
    assert ids(index, me, exclude=frozenset({"@known:o"})) == ["@new:o"]


def test_actor_with_only_type_and_district_in_common_is_not_suggested(
    index: ActorIndex,
) -> None:
    index.add(actor("@crafts:o", actor_type="Handwerk", topics=frozenset({"mobilitaet"})))
    me = actor("@me:o", topics=frozenset({"klimaanpassung"}), needs="Regenwasser Zisterne")
    assert ids(index, me) == []


def test_equal_scores_are_ordered_by_user_id(index: ActorIndex) -> None:
    for uid in ("@c:o", "@a:o", "@d:o", "@b:o"):
        index.add(actor(uid, topics=frozenset({"mobilitaet"})))
    me = actor("@me:o", topics=frozenset({"mobilitaet"}))
    assert ids(index, me, limit=3) == ["@a:o", "@b:o", "@c:o"]


def test_limit_caps_the_number_of_suggestions(index: ActorIndex) -> None:
    for n in range(8):
        index.add(actor(f"@a{n}:o", topics=frozenset({"mobilitaet"})))
    me = actor("@me:o", topics=frozenset({"mobilitaet"}))
    assert len(index.suggest(me)) == 5
    assert len(index.suggest(me, limit=2)) == 2
    assert index.suggest(me, limit=0) == []


def test_removed_actor_is_no_longer_suggested(index: ActorIndex) -> None:
    index.add(actor("@gone:o", topics=frozenset({"mobilitaet"}), offers="Lastenrad"))
    index.remove("@gone:o")
    index.remove("@never-added:o")
    assert len(index) == 0
    assert ids(index, actor("@me:o", topics=frozenset({"mobilitaet"}), needs="Lastenrad")) == []


def test_re_adding_replaces_the_profile(index: ActorIndex) -> None:
    old = actor("@x:o", topics=frozenset({"mobilitaet"}), offers="Lastenrad")
    index.add(old)
    index.add(dataclasses.replace(old, topics=frozenset({"klimaanpassung"}), offers="Zisterne"))
    assert len(index) == 1
    assert ids(index, actor("@me:o", topics=frozenset({"mobilitaet"}), needs="Lastenrad")) == []
    assert ids(index, actor("@me:o", needs="Regenwasser")) == ["@x:o"]


def test_default_complements_are_symmetric() -> None:
    for kind, others in DEFAULT_COMPLEMENTS.items():
        for other in others:
            assert kind in DEFAULT_COMPLEMENTS[other]
    assert "Handwerk" in DEFAULT_COMPLEMENTS["Bürger/in"]


def test_custom_complements_replace_the_defaults(synonyms: tuple[tuple[str, ...], ...]) -> None:
    index = ActorIndex(synonyms, complements={"Bürger/in": frozenset({"Kirchengemeinde"})})
    index.add(actor("@church:o", actor_type="Kirchengemeinde", topics=frozenset({"mobilitaet"})))
    index.add(actor("@crafts:o", actor_type="Handwerk", topics=frozenset({"mobilitaet"})))
    [first, second] = index.suggest(actor("@me:o", topics=frozenset({"mobilitaet"})))
    assert (first.user_id, first.complementary_types) == ("@church:o", True)
    assert (second.user_id, second.complementary_types) == ("@crafts:o", False)


@pytest.mark.parametrize("limit", [1, 5, 20])
def test_top_suggestions_are_the_head_of_the_full_ranking(index: ActorIndex, limit: int) -> None:
    # suggest() skips candidates that cannot reach the top; that must not change the result.
    slugs = [topic.slug for topic in load_topics(CONFIG / "topics.yaml")]
    population = actors(600, slugs, seed=7)
    add_all(index, *population)
    for me in population[:40]:
        full = index.suggest(me, limit=len(population))
        assert index.suggest(me, limit=limit) == full[:limit]
        assert [s.score for s in full] == sorted((s.score for s in full), reverse=True)


def test_explain_gives_the_suggestion_suggest_makes(index: ActorIndex) -> None:
    add_all(
        index,
        SOLAR_CRAFT,
        actor("@far:o", district="Welbergen", topics=frozenset({"mobilitaet"})),
    )
    me = ROOF_OWNER
    for suggestion in index.suggest(me, limit=5):
        assert index.explain(me, suggestion.user_id) == suggestion
    assert index.explain(me, "@unknown:o") is None
    assert index.explain(me, "@me:o") is None
