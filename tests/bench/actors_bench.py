"""Benchmark actor matching: `python -m tests.bench.actors_bench [--actors N] [--queries N]`.

Builds an `ActorIndex` of synthetic Ochtrup actors, times `suggest`, and checks that holding the
index in the same process does not slow `FaqIndex.ask` for citizens' FAQ questions. Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from commands.faqmatch import FaqIndex
from commands.matching import DEFAULT_COMPLEMENTS, ActorIndex, ActorProfile
from config.faq import load_faq, load_synonyms, load_topics

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"

DISTRICTS = ("Ochtrup", "Ochtrup", "Ochtrup", "Welbergen", "Langenhorst")
FIRST = "Anna Bernd Claudia Dirk Elif Frank Gerda Hans Ines Jonas Katrin Lukas Maria Nils".split()
LAST = "Schulte Brinkmann Wessels Terhaar Lütke Kampmann Overesch Nienhaus Bült Hemker".split()

# Offers and needs as actors write them: synonyms, compounds, hyphens, umlauts and mixed case.
PHRASES = (
    "PV-Installation und Beratung",
    "Photovoltaikanlage montieren",
    "Solaranlage",
    "Dachfläche für Bürgersolar",
    "freie Dachflächen auf der Scheune",
    "Balkonkraftwerk anmelden",
    "Hilfe beim Steckersolargerät",
    "Stromspeicher nachrüsten",
    "Wärmepumpe einbauen",
    "Waermepumpen-Einbau im Altbau",
    "Heizung austauschen",
    "neue Heizung planen",
    "Energieberatung vor Ort",
    "Energieberater für Sanierungsfahrplan",
    "Thermografie vom Haus",
    "Dämmung der Fassade",
    "Dachdämmung",
    "Fenstertausch",
    "Hydraulischer Abgleich",
    "Nahwärmenetz im Quartier",
    "Fernwärme Anschluss",
    "Ökostrom-Tarif",
    "Mieterstrom für Mehrfamilienhaus",
    "Ladesäule für E-Autos",
    "Wallbox installieren",
    "E-Auto teilen",
    "Carsharing im Dorf",
    "Lastenrad ausleihen",
    "Fahrradwerkstatt",
    "Jobrad für Mitarbeitende",
    "Fahrgemeinschaften zur Arbeit",
    "Bürgerbus ehrenamtlich fahren",
    "Windkraft Beteiligung",
    "Anteile an der Energiegenossenschaft",
    "Biogasanlage Wärme abgeben",
    "Agri-PV auf Ackerflächen",
    "Freiflächen-PV Fläche",
    "Regenwasser Zisterne",
    "Dachbegrünung",
    "Entsiegelung vom Schulhof",
    "Bäume pflanzen",
    "Obstwiese pflegen",
    "Blühstreifen anlegen",
    "Hitzeschutz für Senioren",
    "Starkregen Vorsorge Keller",
    "Rückstauklappe einbauen",
    "Vortrag über Energiesparen",
    "Energiespartipps für Familien",
    "Projekttag an der Schule",
    "Klimabildung in der Kita",
    "Ehrenamtliche für Repair-Café",
    "Reparieren statt wegwerfen",
    "Räume für Veranstaltungen",
    "Fördermittel beantragen",
    "Zuschuss für Sanierung",
    "Ökoprofit im Betrieb",
    "Abwärme aus der Produktion",
    "LED-Beleuchtung umrüsten",
    "Straßenbeleuchtung",
    "Regionale Lebensmittel direkt vom Hof",
)


def actors(n: int, slugs: Sequence[str], seed: int = 1) -> list[ActorProfile]:
    """`n` synthetic actors: random type, district, 1–3 topics, 1–2 offers and needs."""
    rng = random.Random(seed)
    types = sorted(DEFAULT_COMPLEMENTS)
    return [_actor(rng, i, types, slugs) for i in range(n)]


def _actor(rng: random.Random, i: int, types: Sequence[str], slugs: Sequence[str]) -> ActorProfile:
    return ActorProfile(
        user_id=f"@actor{i:05d}:ochtrup.de",
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        actor_type=rng.choice(types),
        district=rng.choice(DISTRICTS),
        topics=frozenset(rng.sample(slugs, rng.randint(1, 3))),
        offers=", ".join(rng.sample(PHRASES, rng.randint(1, 2))),
        needs=", ".join(rng.sample(PHRASES, rng.randint(1, 2))),
    )


def _timed(run: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    """Milliseconds per call of `run` on each item."""
    times = []
    for item in items:
        start = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _percentiles(times: list[float], *ps: int) -> dict[str, float]:
    ordered = sorted(times)
    result = {"p50": statistics.median(ordered)}
    for p in ps:
        result[f"p{p}"] = ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]
    return {key: round(value, 3) for key, value in result.items()}


def _faq_questions(n: int) -> list[str]:
    """`n` questions from the evaluation set, repeated in order as often as needed."""
    with (ROOT / "tests" / "data" / "faq_eval.yaml").open(encoding="utf-8") as f:
        questions = [str(item["question"]) for item in yaml.safe_load(f)]
    return [questions[i % len(questions)] for i in range(n)]


def _faq_latency(faq: FaqIndex, questions: Sequence[str]) -> dict[str, float]:
    _timed(faq.ask, questions[:50])  # warm-up
    return _percentiles(_timed(faq.ask, questions), 95)


def run(n_actors: int, n_queries: int) -> dict[str, Any]:
    """Run the whole benchmark and return its numbers."""
    faq = FaqIndex.build(load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml"))
    questions = _faq_questions(n_queries)
    faq_before = _faq_latency(faq, questions)
    slugs = [topic.slug for topic in load_topics(CONFIG / "topics.yaml")]
    profiles = actors(n_actors, slugs)
    start = time.perf_counter()
    index = ActorIndex(load_synonyms(CONFIG / "synonyms.yaml"))
    for profile in profiles:
        index.add(profile)
    build_s = time.perf_counter() - start
    faq_after = _faq_latency(faq, questions)
    sample = random.Random(2).sample(profiles, n_queries)
    _timed(index.suggest, sample[:50])  # warm-up
    suggest_ms = _timed(index.suggest, sample)
    return {
        "actors": len(index),
        "build_s": round(build_s, 3),
        "suggest_ms": _percentiles(suggest_ms, 95, 99) | {"max": round(max(suggest_ms), 3)},
        "suggest_queries": len(sample),
        "avg_suggestions": statistics.mean(len(index.suggest(p)) for p in sample[:100]),
        "faq_ask_ms_before_actors": faq_before,
        "faq_ask_ms_after_actors": faq_after,
        "faq_questions": len(questions),
        "gc_tracked_objects": len(gc.get_objects()),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actors", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.actors, args.queries), indent=2))


if __name__ == "__main__":
    main()
