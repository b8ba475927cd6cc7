"""Actor matching: suggest local climate actors who fit together, and say why.

Offers ("biete") and needs ("suche") are compared as terms (`commands.actorterms`), so
"Solaranlage", "PV-Installation" and "Photovoltaikanlage montieren" share one term. Inverted
indexes (topic, offer term, need term -> user ids) limit `suggest` to actors who share something;
actor type and district only add a bonus to those, they are never a reason to meet on their own.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType

from commands.actorterms import GENERIC_WORDS, TermAnalyzer, Terms, phrases_with

__all__ = [
    "DEFAULT_COMPLEMENTS",
    "GENERIC_WORDS",
    "MAX_BONUS",
    "MAX_TERMS_PER_SIDE",
    "W_COMPLEMENTARY",
    "W_NEED_MET",
    "W_SAME_DISTRICT",
    "W_SHARED_TOPIC",
    "ActorIndex",
    "ActorProfile",
    "MatchReason",
    "Suggestion",
]

# Weights are dyadic fractions so that equal reasons always add up to bit-identical scores and
# ties fall to the user id. A need met by an offer outweighs even three shared topics.
W_NEED_MET = 4.0  # per distinct term of one side's needs found in the other side's offers
MAX_TERMS_PER_SIDE = 3  # a long offer text should not drown every other reason
W_SHARED_TOPIC = 1.0  # per shared topic slug
W_COMPLEMENTARY = 0.75  # actor types that typically work together (Handwerk <-> Bürger/in)
W_SAME_DISTRICT = 0.25  # small bonus: meeting in person is easier
MAX_BONUS = W_COMPLEMENTARY + W_SAME_DISTRICT  # used to skip candidates that cannot win


def _symmetric(pairs: Iterable[tuple[str, str]]) -> Mapping[str, frozenset[str]]:
    """A read-only mapping in which every pair holds both ways."""
    result: dict[str, set[str]] = {}
    for a, b in pairs:
        result.setdefault(a, set()).add(b)
        result.setdefault(b, set()).add(a)
    return MappingProxyType({key: frozenset(value) for key, value in result.items()})


DEFAULT_COMPLEMENTS: Mapping[str, frozenset[str]] = _symmetric(
    [
        ("Bürger/in", "Handwerk"),
        ("Bürger/in", "Energieversorger"),
        ("Bürger/in", "Verein/Initiative"),
        ("Bürger/in", "Wohnungswirtschaft"),
        ("Schule/Kita", "Verein/Initiative"),
        ("Schule/Kita", "Verwaltung"),
        ("Schule/Kita", "Energieversorger"),
        ("Schule/Kita", "Landwirtschaft"),
        ("Landwirtschaft", "Energieversorger"),
        ("Landwirtschaft", "Unternehmen"),
        ("Landwirtschaft", "Verein/Initiative"),
        ("Wohnungswirtschaft", "Handwerk"),
        ("Wohnungswirtschaft", "Energieversorger"),
        ("Wohnungswirtschaft", "Verwaltung"),
        ("Unternehmen", "Handwerk"),
        ("Unternehmen", "Energieversorger"),
        ("Unternehmen", "Verwaltung"),
        ("Handwerk", "Energieversorger"),
        ("Kirchengemeinde", "Verein/Initiative"),
        ("Kirchengemeinde", "Handwerk"),
        ("Kirchengemeinde", "Energieversorger"),
        ("Verwaltung", "Verein/Initiative"),
        ("Verwaltung", "Energieversorger"),
    ]
)


@dataclass(frozen=True)
class ActorProfile:
    """A registered climate actor: who they are, their topics, what they offer and need."""

    user_id: str
    name: str
    actor_type: str
    district: str
    topics: frozenset[str]
    offers: str
    needs: str


@dataclass(frozen=True)
class Suggestion:
    """One actor worth meeting, with the score and the human-readable reasons."""

    user_id: str
    score: float
    shared_topics: tuple[str, ...]
    they_offer_what_i_need: tuple[str, ...]
    i_offer_what_they_need: tuple[str, ...]
    complementary_types: bool
    same_district: bool
    # The same needs in the seeker's own words: the items of their text that were met, to quote.
    what_i_need: tuple[str, ...] = ()
    what_they_need: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchReason:
    """Why two actors fit, said for neither of them: side `a` asked (or was named first in a
    manager's proposal), side `b` was asked. Each reader gets it phrased for them
    (`commands.introductions.reason_text`), so the asked side reads "X sucht …, Sie bieten …".
    """

    topics: tuple[str, ...] = ()  # shared topic slugs
    a_needs: tuple[str, ...] = ()  # what `a` looks for and `b` offers, in `b`'s words
    b_needs: tuple[str, ...] = ()  # what `b` looks for and `a` offers, in `a`'s words
    types: tuple[str, str] | None = None  # (a's type, b's type) when they complement each other
    district: str = ""  # the district both are in, if it is the same
    # The needs met in the seeker's own words (items of their text, to quote); empty in
    # reasons stored before they were kept.
    a_wants: tuple[str, ...] = ()
    b_wants: tuple[str, ...] = ()

    @classmethod
    def of(cls, a: ActorProfile, b: ActorProfile, suggestion: Suggestion) -> MatchReason:
        """The reason behind `suggestion`, which `suggest`/`explain` made for `a` about `b`."""
        return cls(
            topics=suggestion.shared_topics,
            a_needs=suggestion.they_offer_what_i_need,
            b_needs=suggestion.i_offer_what_they_need,
            types=(a.actor_type, b.actor_type) if suggestion.complementary_types else None,
            district=a.district if suggestion.same_district else "",
            a_wants=suggestion.what_i_need,
            b_wants=suggestion.what_they_need,
        )

    def to_json(self) -> str:
        """The stored form (introductions.reason)."""
        data = {"topics": self.topics, "a_needs": self.a_needs, "b_needs": self.b_needs}
        wants = {"a_wants": self.a_wants, "b_wants": self.b_wants}
        return json.dumps({**data, "types": self.types, "district": self.district, **wants})

    @classmethod
    def from_json(cls, text: str) -> MatchReason | None:
        """The stored reason; None if `text` is not one (an older free-text reason)."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        types = _strings(data.get("types"))
        district = data.get("district")
        return cls(
            topics=_strings(data.get("topics")),
            a_needs=_strings(data.get("a_needs")),
            b_needs=_strings(data.get("b_needs")),
            types=(types[0], types[1]) if len(types) == 2 else None,
            district=district if isinstance(district, str) else "",
            a_wants=_strings(data.get("a_wants")),
            b_wants=_strings(data.get("b_wants")),
        )


def _strings(value: object) -> tuple[str, ...]:
    """`value` as a tuple of strings if it is a list of strings, else empty."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()


@dataclass(frozen=True)
class _Actor:
    """A profile with its offers and needs analysed."""

    profile: ActorProfile
    offers: Terms
    needs: Terms


Ranked = tuple[float, str]  # (-score, user id): ascending order is best first


class ActorIndex:
    """All registered actors, indexed by topic, offer term and need term (not thread-safe)."""

    def __init__(
        self,
        synonyms: Sequence[Sequence[str]],
        complements: Mapping[str, frozenset[str]] = DEFAULT_COMPLEMENTS,
    ) -> None:
        self._analyzer = TermAnalyzer(synonyms)
        self._complements = complements
        self._actors: dict[str, _Actor] = {}
        self._by_topic: dict[str, set[str]] = {}
        self._by_offer: dict[str, set[str]] = {}
        self._by_need: dict[str, set[str]] = {}

    def __len__(self) -> int:
        """Number of registered actors."""
        return len(self._actors)

    def user_ids(self) -> frozenset[str]:
        """Everyone in the index."""
        return frozenset(self._actors)

    def add(self, profile: ActorProfile) -> None:
        """Insert `profile`, replacing an earlier profile with the same user id."""
        self.remove(profile.user_id)
        actor = self._analyse(profile)
        self._actors[profile.user_id] = actor
        _post(self._by_topic, profile.topics, profile.user_id)
        _post(self._by_offer, actor.offers.terms, profile.user_id)
        _post(self._by_need, actor.needs.terms, profile.user_id)

    def remove(self, user_id: str) -> None:
        """Forget the actor with `user_id`; unknown ids are ignored."""
        actor = self._actors.pop(user_id, None)
        if actor is None:
            return
        _unpost(self._by_topic, actor.profile.topics, user_id)
        _unpost(self._by_offer, actor.offers.terms, user_id)
        _unpost(self._by_need, actor.needs.terms, user_id)

    def suggest(
        self, me: ActorProfile, exclude: frozenset[str] = frozenset(), limit: int = 5
    ) -> list[Suggestion]:
        """The best `limit` actors for `me`, best first; never `me` or anyone in `exclude`."""
        if limit <= 0:
            return []
        mine = self._analyse(me)
        ranked = self._ranked(mine, exclude | {me.user_id}, limit)
        return [self._explain(mine, self._actors[uid], -neg) for neg, uid in ranked]

    def explain(self, me: ActorProfile, user_id: str) -> Suggestion | None:
        """Why `user_id` fits `me`: the suggestion `suggest` would make for them, with its
        score and reasons, however far down the ranking; None if they are not in the index."""
        other = self._actors.get(user_id)
        if other is None or user_id == me.user_id:
            return None
        mine = self._analyse(me)
        cap = MAX_TERMS_PER_SIDE
        met = len(mine.needs.terms & other.offers.terms)
        served = len(other.needs.terms & mine.offers.terms)
        points = W_NEED_MET * (min(met, cap) + min(served, cap))
        points += W_SHARED_TOPIC * len(me.topics & other.profile.topics)
        [(neg, _)] = self._with_bonus(me, [(user_id, points)], frozenset())
        return self._explain(mine, other, -neg)

    def _analyse(self, profile: ActorProfile) -> _Actor:
        analyzer = self._analyzer
        return _Actor(profile, analyzer.terms(profile.offers), analyzer.terms(profile.needs))

    def _ranked(self, mine: _Actor, skip: AbstractSet[str], limit: int) -> list[Ranked]:
        """The best candidates as (-score, user id), scoring only tiers that can still win.

        Tier one: everyone with a need met either way. Then actors who only share topics, most
        shared topics first; a tier stops the search once even its best possible score (topics
        plus both bonuses) is below the current `limit`-th score.
        """
        topic_hits = _hits(self._by_topic, mine.profile.topics)
        needs = self._need_points(mine)
        first = ((uid, p + W_SHARED_TOPIC * topic_hits.get(uid, 0)) for uid, p in needs.items())
        best = _top(self._with_bonus(mine.profile, first, skip), [], limit)
        if _settled(best, limit, W_SHARED_TOPIC * len(mine.profile.topics) + MAX_BONUS):
            return best
        for shared, uids in _by_count(topic_hits, needs.keys()):
            if _settled(best, limit, W_SHARED_TOPIC * shared + MAX_BONUS):
                break
            tier = ((uid, W_SHARED_TOPIC * shared) for uid in uids)
            best = _top(self._with_bonus(mine.profile, tier, skip), best, limit)
        return best

    def _need_points(self, mine: _Actor) -> dict[str, float]:
        """Points for needs met either way, for every actor with at least one."""
        met = _hits(self._by_offer, mine.needs.terms)
        served = _hits(self._by_need, mine.offers.terms)
        cap = MAX_TERMS_PER_SIDE
        return {
            uid: W_NEED_MET * (min(met.get(uid, 0), cap) + min(served.get(uid, 0), cap))
            for uid in met.keys() | served.keys()
        }

    def _with_bonus(
        self, me: ActorProfile, points: Iterable[tuple[str, float]], skip: AbstractSet[str]
    ) -> Iterator[Ranked]:
        """(-score, user id) with the type and district bonuses added; skipped ids left out."""
        complements = self._complements.get(me.actor_type, frozenset())
        actors = self._actors
        for uid, score in points:
            if uid in skip:
                continue
            other = actors[uid].profile
            if other.actor_type in complements:
                score += W_COMPLEMENTARY
            if other.district == me.district:
                score += W_SAME_DISTRICT
            yield -score, uid

    def _explain(self, mine: _Actor, other: _Actor, score: float) -> Suggestion:
        """The suggestion for `other`, with the reasons behind `score` in readable words."""
        me, them = mine.profile, other.profile
        met = mine.needs.terms & other.offers.terms
        served = other.needs.terms & mine.offers.terms
        return Suggestion(
            user_id=them.user_id,
            score=score,
            shared_topics=tuple(sorted(me.topics & them.topics)),
            they_offer_what_i_need=other.offers.words(met),
            i_offer_what_they_need=mine.offers.words(served),
            complementary_types=them.actor_type in self._complements.get(me.actor_type, ()),
            same_district=them.district == me.district,
            what_i_need=phrases_with(me.needs, mine.needs.words(met)),
            what_they_need=phrases_with(them.needs, other.needs.words(served)),
        )


def _post(index: dict[str, set[str]], keys: Iterable[str], user_id: str) -> None:
    """Add `user_id` to the posting list of each key."""
    for key in keys:
        index.setdefault(key, set()).add(user_id)


def _unpost(index: dict[str, set[str]], keys: Iterable[str], user_id: str) -> None:
    """Remove `user_id` from the posting list of each key; drop lists that become empty."""
    for key in keys:
        postings = index.get(key)
        if postings is not None:
            postings.discard(user_id)
            if not postings:
                del index[key]


def _top(new: Iterable[Ranked], best: list[Ranked], limit: int) -> list[Ranked]:
    """The `limit` best of `best` and `new`: highest score first, then user id ascending."""
    return heapq.nsmallest(limit, itertools.chain(best, new))


def _settled(best: Sequence[Ranked], limit: int, bound: float) -> bool:
    """True if `best` is full and no candidate scoring at most `bound` can enter it."""
    # Strictly below: an equal score with a smaller user id would still win the tie.
    return len(best) == limit and bound < -best[-1][0]


def _by_count(hits: Counter[str], seen: AbstractSet[str]) -> list[tuple[int, list[str]]]:
    """User ids not in `seen`, grouped by hit count, highest count first."""
    groups: dict[int, list[str]] = {}
    for uid, count in hits.items():
        if uid not in seen:
            groups.setdefault(count, []).append(uid)
    return sorted(groups.items(), reverse=True)


def _hits(index: Mapping[str, set[str]], keys: Iterable[str]) -> Counter[str]:
    """For each user id, how many of `keys` list it (Counter.update counts in C)."""
    counts: Counter[str] = Counter()
    for key in keys:
        postings = index.get(key)
        if postings:
            counts.update(postings)
    return counts
