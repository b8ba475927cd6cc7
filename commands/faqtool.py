"""`klimabot faq check|ask|eval`: lint the FAQ data, try a question, score a set of cases."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from commands.faqmatch import FaqIndex, Outcome
from commands.faqmatch.evaluation import CasesError, Report, evaluate, load_cases
from commands.faqmatch.meaning import load_embedder
from commands.faqmatch.outcome import answers
from config.faq import FaqData, FaqEntry, FaqError, load_faq
from config.faqoverlay import ChatChange, export_yaml, merge_chat
from store.db import Database
from store.faqchat import ChatEntryStore

__all__ = ["REQUIRED_IDS", "contact_misfit", "export_faq", "lint", "run_faq_cli"]

USAGE = """usage: klimabot faq check
       klimabot faq ask "question"
       klimabot faq eval CASES.yaml
       klimabot [--config FILE] faq export DIR"""

# Entries the bot's other features and the project brief rely on.
REQUIRED_IDS = (
    "balkonkraftwerk", "pv-dach", "solarkataster", "solarpflicht", "heizungsfoerderung",
    "sanierung-foerderung", "energieberatung", "geg-heizungsgesetz", "waermepumpe-altbau",
    "waermeplanung", "stadtradeln", "starkregen", "klimaschutzkonzept", "klimaziele",
    "klimaschutzmanagement-kontakt", "quartierskonzept-bergsiedlung", "oekoprofit",
    "buergerenergie", "thermografie", "european-energy-award", "energiespartipps",
    "datenschutz-bot", "bot-hilfe",
)  # fmt: skip
# An entry whose facts were checked longer ago than this is flagged for review.
STALE_AFTER = datetime.timedelta(days=365)
# {kontakt} becomes the configured contact or, without one, "das Klimaschutzmanagement der
# Stadtverwaltung (…)": after "bei", "unter" or "bzw." neither reads as German ("unter das …").
_DATIVE_BEFORE_CONTACT = re.compile(r"\b(bei|beim|unter|von|vom|mit|zum|bzw\.)\s+\{kontakt\}")


def run_faq_cli(
    argv: list[str],
    faq_dir: Path,
    topics_path: Path,
    synonyms_path: Path,
    vectors: Path | None = None,
) -> int:
    """Run one `faq` subcommand; returns the process exit code. `vectors` is the file that keeps
    the FAQ's vectors of meaning between runs (the bot's, with --config)."""
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    handlers: dict[str, Callable[[FaqData, list[str], Path | None], int]] = {
        "check": _check,
        "ask": _ask,
        "eval": _eval,
    }
    handler = handlers.get(command)
    if handler is None or len(args) != (0 if command == "check" else 1):
        print(USAGE)
        return 2
    try:
        data = load_faq(faq_dir, topics_path, synonyms_path)
    except FaqError as exc:
        print(f"error: {exc}")
        return 1
    return handler(data, args, vectors)


def _check(data: FaqData, _args: list[str], _vectors: Path | None) -> int:
    problems = list(lint(data, FaqIndex.build(data), datetime.date.today()))
    for level, message in problems:
        print(f"{level}: {message}")
    errors = sum(level == "error" for level, _ in problems)
    print(f"{len(data.entries)} entries, {errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


def lint(data: FaqData, index: FaqIndex, today: datetime.date) -> Iterator[tuple[str, str]]:
    """Yield ("error" | "warning", message) for every problem in otherwise valid data."""
    ids = {entry.id for entry in data.entries}
    for required in REQUIRED_IDS:
        if required not in ids:
            yield "error", f"required entry {required!r} is missing"
    seen: dict[str, str] = {}
    for position, entry in enumerate(data.entries):
        where = f"{entry.file}:{entry.line}: {entry.id}"
        if not entry.sources:
            yield "error", f"{where}: no sources"
        if today - entry.checked > STALE_AFTER:
            yield "warning", f"{where}: checked {entry.checked}, more than a year ago"
        if entry.checked > today:
            yield "warning", f"{where}: checked {entry.checked} lies in the future"
        yield from _aspect_problems(entry, where, index)
        if misfit := contact_misfit(entry):
            yield (
                "warning",
                f"{where}: the German answer says {misfit!r}: no contact text reads well "
                "there; write e.g. 'fragen Sie … oder {kontakt}' or 'Kontakt: {kontakt}'",
            )
        for lang, texts in entry.phrasings.items():
            for text in (entry.question[lang], *texts) if lang in entry.question else texts:
                key = " ".join(text.casefold().split())
                if seen.setdefault(key, entry.id) != entry.id:
                    yield "error", f"{where}: phrasing {text!r} also belongs to {seen[key]}"
                best = index.matches(text)
                if best and best[0].index != position:
                    other = data.entries[best[0].index].id
                    yield "error", f"{where}: phrasing {text!r} matches {other} better"


def contact_misfit(entry: FaqEntry) -> str | None:
    """The words of the entry's German answer that put {kontakt} after a dative preposition
    ("unter {kontakt}"), or None."""
    found = _DATIVE_BEFORE_CONTACT.search(entry.answer.get("de", ""))
    return None if found is None else found.group(0)


def _aspect_problems(entry: FaqEntry, where: str, index: FaqIndex) -> Iterator[tuple[str, str]]:
    """Warn about an entry without `answers`, or whose own question asks what it does not."""
    if entry.answers is None:
        yield "warning", f"{where}: no 'answers' (the aspects its answer answers)"
        return
    for lang, question in entry.question.items():
        asked = index.aspects.detect(question)
        if asked and answers(entry, asked) is False:
            yield (
                "warning",
                f"{where}: question ({lang}) asks {', '.join(sorted(asked))} "
                f"but answers lists {', '.join(entry.answers)}",
            )
    off = [
        (p, asked) for p, asked in _phrasing_aspects(entry, index) if answers(entry, asked) is False
    ]
    if off:
        missing = sorted({a for _, asked in off for a in asked} - set(entry.answers) - {"local"})
        yield (
            "warning",
            f"{where}: {len(off)} phrasing(s) ask {', '.join(missing)} (e.g. {off[0][0]!r}), "
            "which answers does not list: add the aspect if the answer holds it, else such "
            "questions get 'on topic, not this point'",
        )


def _phrasing_aspects(entry: FaqEntry, index: FaqIndex) -> Iterator[tuple[str, frozenset[str]]]:
    """Each phrasing of an entry with the aspects it asks."""
    for phrasings in entry.phrasings.values():
        for phrasing in phrasings:
            yield phrasing, index.aspects.detect(phrasing)


def _ask(data: FaqData, args: list[str], vectors: Path | None) -> int:
    outcome = FaqIndex.build(data).with_meaning(load_embedder(), vectors).ask(args[0])
    for line in describe(outcome):
        print(line)
    return 0


def describe(outcome: Outcome) -> Iterator[str]:
    """Human-readable lines for one outcome."""
    yield f"outcome: {outcome.kind}  confidence: {outcome.confidence:.3f}"
    if outcome.asked:
        yield f"asks: {', '.join(sorted(outcome.asked))}"
    if outcome.entry_id is not None:
        yield f"answer: {outcome.entry_id}"
    if outcome.candidates:
        labels = {"did_you_mean": "did you mean", "on_topic": "on the topic"}
        label = labels.get(outcome.kind, "see also")
        yield f"{label}: {', '.join(outcome.candidates)}"
    for rank, (entry_id, score) in enumerate(outcome.ranked, 1):
        yield f"{rank:2}. {score:.4f}  {entry_id}"


def _eval(data: FaqData, args: list[str], vectors: Path | None) -> int:
    try:
        cases = load_cases(Path(args[0]), frozenset(e.id for e in data.entries))
    except CasesError as exc:
        print(f"error: {exc}")
        return 2
    report = evaluate(FaqIndex.build(data).with_meaning(load_embedder(), vectors), cases)
    for line in _miss_lines(report):
        print(line)
    print(json.dumps(report.metrics()))
    return 0


def _miss_lines(report: Report) -> Sequence[str]:
    lines = []
    for miss in report.misses:
        outcome = miss.outcome
        got = outcome.entry_id if outcome.kind == "answer" else ",".join(outcome.candidates)
        lines.append(
            f"miss: expected={miss.case.expected or '-'} got={outcome.kind}:{got or '-'} "
            f"conf={outcome.confidence:.2f} question={miss.case.question!r}"
        )
    return lines


async def export_faq(
    faq_dir: Path, topics_path: Path, synonyms_path: Path, db_path: Path | None, out: Path
) -> int:
    """`klimabot faq export DIR`: the whole FAQ (YAML plus the chat's changes in the database
    at `db_path`, if there is one) as FAQ files in DIR, one per topic; returns the exit code."""
    try:
        data = load_faq(faq_dir, topics_path, synonyms_path)
    except FaqError as exc:
        print(f"error: {exc}")
        return 1
    changes: list[ChatChange] = []
    if db_path is not None:
        db = await Database.open(db_path)
        try:
            rows = await ChatEntryStore(db).all()
        finally:
            await db.close()
        changes = [ChatChange(r.entry_id, r.data, r.origin) for r in rows]
    merged = merge_chat(data, changes)
    files = export_yaml(merged, out)
    print(
        f"{len(merged.entries)} entries ({len(changes)} changed in the chat) in {len(files)} files"
    )
    print(f"check them with: klimabot faq check (with faq.directory: {out})")
    return 0
