"""Benchmark the FAQ engine: `python -m tests.bench.faq_bench [--entries N] [--queries N]`.

Prints YAML load and index build times plus p50/p99/max latency of `FaqIndex.ask`, for the real
FAQ under config/ and for a synthetic FAQ of realistic-ish German entries made from a word list.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from commands.faq import FAQ_VECTORS_FILE, FaqService
from commands.faqmatch import FaqIndex, meaning
from commands.faqmatch.meaning import load_embedder
from config.faq import FaqData, FaqEntry, Topic, load_faq
from config.faqoverlay import ChatChange, entry_to_mapping, merge_chat
from config.settings import default_faq_settings
from store.db import Database
from store.faq import FaqStore
from store.faqchat import ChatEntryStore

ROOT = Path(__file__).resolve().parents[2]

NOUNS = """
wärme pumpe heizung strom sonne dach fassade fenster keller garten haus wohnung gebäude stadt
quartier straße weg rad bus bahn auto motor batterie speicher netz leitung anschluss zähler
kessel ofen holz pellet gas öl kohle wind wasser regen boden baum wald feld wiese acker hof
schule kita halle amt rat verein firma betrieb werk anlage modul platte kollektor rohr kabel
förderung zuschuss kredit antrag formular frist kosten preis tarif vertrag beratung konzept
plan ziel bericht messung daten karte kataster register verwaltung bürger nachbar mieter
eigentümer vermieter energie leistung verbrauch effizienz dämmung lüftung kühlung klima schutz
anpassung hitze sturm flut keller pflanze dachrinne zisterne tonne licht lampe laterne schild
parkplatz garage station säule kabeltrommel steckdose wallbox ladung akku roller lastenrad
fahrrad helm anhänger werkstatt markt laden bäcker kirche turm brücke ufer bach see park
spielplatz friedhof rathaus bibliothek museum theater sport verein feuerwehr polizei krankenhaus
""".split()
VERBS = """
beantragen anmelden abmelden finden berechnen sparen senken tauschen wechseln installieren
bauen sanieren planen prüfen melden fördern nutzen laden mieten kaufen verkaufen reparieren
warten reinigen dämmen lüften heizen kühlen messen vergleichen bestellen kündigen
""".split()
ADJECTIVES = """
neu alt günstig teuer schnell langsam groß klein öffentlich privat kommunal städtisch
erneuerbar grün sauber effizient digital kostenlos regional lokal sicher modern
""".split()
OFF_TOPIC = [
    "Wie wird das Wetter morgen?",
    "Wann spielt Preußen Münster?",
    "Rezept für Apfelkuchen",
    "Wo kann ich meinen Personalausweis verlängern?",
    "",
    "???",
    "<b>hallo</b>",
]


def _compound(rng: random.Random) -> str:
    first, second = rng.sample(NOUNS, 2)
    link = rng.choice(("", "", "s", "n"))
    return first + link + second


class _Lexicon:
    """Words drawn with Zipf frequencies, as in real text: few words common, most rare."""

    def __init__(self, rng: random.Random, compounds: int) -> None:
        self.rng = rng
        simple = NOUNS + VERBS + ADJECTIVES
        rng.shuffle(simple)
        # Simple words are the frequent ones; compounds make up the long tail.
        self.words = simple + [_compound(rng) for _ in range(compounds)]
        self.cumulative = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def sentence(self, n: int) -> str:
        picked = self.rng.choices(self.words, cum_weights=self.cumulative, k=n)
        glue = ("und", "der", "die", "mit", "für", "ich", "wie", "kann", "wo", "das")
        mixed = [w if self.rng.random() < 0.7 else f"{self.rng.choice(glue)} {w}" for w in picked]
        return " ".join(mixed).capitalize()


def synthetic_faq(n: int, seed: int = 1) -> FaqData:
    """A FAQ of `n` generated German entries over eight topics."""
    rng = random.Random(seed)
    lexicon = _Lexicon(rng, compounds=4 * n)
    topics = tuple(Topic(f"thema-{i}", f"Thema {i}", f"Topic {i}", (NOUNS[i],)) for i in range(8))
    entries = tuple(_entry(lexicon, i, topics) for i in range(n))
    synonyms = (
        ("förderung", "zuschuss", "kredit"),
        ("fahrrad", "rad", "lastenrad"),
        ("pv", "photovoltaik"),
    )
    return FaqData(topics=topics, entries=entries, synonyms=synonyms)


def _entry(lexicon: _Lexicon, i: int, topics: Sequence[Topic]) -> FaqEntry:
    rng = lexicon.rng
    subject = _compound(rng)
    verb = rng.choice(VERBS)
    question = f"Wie kann ich {rng.choice(ADJECTIVES)} {subject} {verb}?"
    phrasings = tuple(f"{subject} {lexicon.sentence(rng.randint(2, 5))}" for _ in range(4))
    answer = ". ".join(lexicon.sentence(rng.randint(6, 14)) for _ in range(rng.randint(3, 8)))
    return FaqEntry(
        id=f"eintrag-{i}",
        topic=rng.choice(topics).slug,
        question=MappingProxyType({"de": question}),
        phrasings=MappingProxyType({"de": phrasings}),
        keywords=(rng.choice(NOUNS), rng.choice(NOUNS)),
        answer=MappingProxyType({"de": answer}),
        sources=("https://example.org/quelle",),
        checked=datetime.date(2026, 1, 1),
        volatile=False,
        related=(),
        file="synthetic",
        line=i,
    )


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def queries(data: FaqData, n: int, seed: int = 2) -> list[str]:
    """A mix of phrasings, typo'd phrasings, fragments and off-topic questions."""
    rng = random.Random(seed)
    result = []
    for _ in range(n):
        entry = rng.choice(data.entries)
        text = rng.choice((entry.question["de"], *entry.phrasings["de"]))
        kind = rng.random()
        if kind < 0.3:
            text = _typo(rng, text)
        elif kind < 0.5:
            text = " ".join(rng.sample(text.split(), max(1, len(text.split()) // 2)))
        elif kind < 0.6:
            text = rng.choice(OFF_TOPIC)
        result.append(text)
    return result


def _latencies(index: FaqIndex, questions: Sequence[str]) -> list[float]:
    times = []
    for question in questions:
        start = time.perf_counter()
        index.ask(question)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _report(label: str, times: list[float]) -> None:
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(
        f"{label}: n={len(times)} p50={statistics.median(times):.2f} ms "
        f"p99={p99:.2f} ms max={times[-1]:.2f} ms"
    )


def bench(data: FaqData, label: str, n_queries: int) -> None:
    """Build an index for `data` and time questions against it."""
    start = time.perf_counter()
    index = FaqIndex.build(data)
    elapsed = time.perf_counter() - start
    size = f"entries={len(data.entries)} words={index.vocabulary_size()}"
    print(f"{label}: {size} build={elapsed:.3f} s")
    questions = queries(data, n_queries)
    _latencies(index, questions[:50])  # warm-up
    _report(f"{label} ask", _latencies(index, questions))
    _report(f"{label} ask 10k chars", _latencies(index, ["Wärmepumpe " * 1000] * 20))


def chat_entries(n: int, topics: Sequence[Topic]) -> list[dict[str, object]]:
    """`n` entries as the chat makes them (YAML format), on the real FAQ's topics."""
    result = []
    for entry in synthetic_faq(n, seed=3).entries:
        data = entry_to_mapping(entry)
        data["id"] = f"chat-{entry.id}"
        data["topic"] = topics[entry.line % len(topics)].slug
        data["sources"] = ["Klimaschutzmanagement Ochtrup"]
        data["owner"] = "@ksm:ochtrup.de"
        result.append(data)
    return result


async def _chat_load(n: int) -> dict[str, float]:
    """Seconds to load `n` chat entries on top of the YAML as a start or a reload does (read
    from SQLite, validate, merge, rebuild the index), with its parts; and the YAML-only build."""
    settings = default_faq_settings()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite")
        try:
            chat = ChatEntryStore(db)
            service = FaqService(settings, FaqStore(db), None, chat=chat)
            for data in chat_entries(n, service.data.topics):
                await chat.save(str(data["id"]), "chat", data, "@ksm:ochtrup.de", "create", "")
            start, cpu = time.perf_counter(), time.process_time()
            await service.load_chat()
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            start = time.perf_counter()
            rows = await chat.all()
            merged = merge_chat(
                service.yaml_data, [ChatChange(r.entry_id, r.data, r.origin) for r in rows]
            )
            chat_part = time.perf_counter() - start
            start = time.perf_counter()
            FaqIndex.build(merged)
            build_all = time.perf_counter() - start
            start = time.perf_counter()
            FaqIndex.build(service.yaml_data)
            build_yaml = time.perf_counter() - start
            return {
                "total": total,
                "cpu": cpu,
                "chat": chat_part,
                "build": build_all,
                "build_yaml": build_yaml,
                "entries": float(len(merged.entries)),
            }
        finally:
            await db.close()


def bench_chat(n: int) -> None:
    """Print the time to load `n` chat-made entries on top of the YAML (target < 0.5 s)."""
    t = asyncio.run(_chat_load(n))
    print(
        f"chat entries: {n} on top of the YAML ({t['entries']:.0f} in all): "
        f"load={t['total']:.3f} s (CPU {t['cpu']:.3f} s) = "
        f"read+validate+merge {t['chat']:.3f} s + index build "
        f"{t['build']:.3f} s (YAML alone: {t['build_yaml']:.3f} s, so the {n} add "
        f"{t['chat'] + t['build'] - t['build_yaml']:.3f} s; target < 0.5 s)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--chat-entries", type=int, default=500)
    parser.add_argument("--meaning-queries", type=int, default=500)
    args = parser.parse_args(argv)
    config = ROOT / "config"
    start = time.perf_counter()
    real = load_faq(config / "faq", config / "topics.yaml", config / "synonyms.yaml")
    print(f"real FAQ: load={time.perf_counter() - start:.3f} s")
    bench(real, "real FAQ", args.queries)
    bench(synthetic_faq(args.entries), "synthetic", args.queries)
    bench_chat(args.chat_entries)
    bench_meaning(real, args.meaning_queries)


def bench_meaning(data: FaqData, n_queries: int) -> None:
    """The second opinion by meaning on the shipped FAQ: embedding all its curated texts (once
    per process, in a thread in the bot), and questions answered with it."""
    embedder = load_embedder()
    if embedder is None:
        print("meaning: the model cannot be loaded; not measured")
        return
    index = FaqIndex.build(data)
    with tempfile.TemporaryDirectory(prefix="klimabot-bench-") as tmp:
        cache = Path(tmp) / FAQ_VECTORS_FILE
        start = time.perf_counter()
        index.with_meaning(embedder, cache)
        embedded = time.perf_counter() - start
        meaning._VECTORS.clear()  # as after a restart: the bot reads its data directory's file
        start = time.perf_counter()
        FaqIndex.build(data).with_meaning(embedder, cache)
        restarted = time.perf_counter() - start
        size = cache.stat().st_size / 1e6
    print(
        f"meaning: entries={len(data.entries)} embed FAQ={embedded:.1f} s,"
        f" after a restart (vector file {size:.1f} MB)={restarted:.2f} s"
    )
    questions = queries(data, n_queries)
    _latencies(index, questions[:20])  # warm-up
    _report("meaning ask", _latencies(index, questions))
    _report("meaning ask 10k chars", _latencies(index, ["Wärmepumpe " * 1000] * 20))


if __name__ == "__main__":
    main()
