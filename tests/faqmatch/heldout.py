"""Score the held-out question sets, once per engine version: `make heldout`.

A developer tool, not a test. Held-out sets are held out only if nobody tunes against them, so
they are not scored by the test run (where every helper's `pytest` would print their numbers
while entries and cues are being written). This tool scores them for the engine version in
`commands/faqmatch/version.py` and the FAQ as it is, prints one summary line per set and never
which questions failed, and appends the numbers to `tests/data/heldout_scores.yaml`. It refuses
to score the same engine version and FAQ content again: bump ENGINE_VERSION (or change the FAQ)
first. The test run only checks that the current engine version has its record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from commands.faqmatch import FaqIndex
from commands.faqmatch.evaluation import evaluate, load_cases
from commands.faqmatch.meaning import load_embedder
from commands.faqmatch.version import ENGINE_VERSION
from config.faq import load_faq

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
DATA = ROOT / "tests" / "data"
RECORDS = DATA / "heldout_scores.yaml"
HELD_OUT = (
    "faq_holdout.yaml",
    "faq_holdout2.yaml",
    "faq_holdout3.yaml",
    "faq_real_holdout.yaml",
    "faq_real_holdout2.yaml",
)

__all__ = ["HELD_OUT", "RECORDS", "AlreadyScored", "faq_fingerprint", "load_records", "score"]


class AlreadyScored(Exception):
    """This engine version was scored on this FAQ content already."""


def faq_fingerprint(config: Path) -> str:
    """A short hash of everything the answers depend on besides the engine: the FAQ files,
    topics and synonyms (file names and bytes, in a fixed order)."""
    digest = hashlib.sha256()
    files = [*sorted((config / "faq").glob("*.yaml")), config / "topics.yaml"]
    files.append(config / "synonyms.yaml")
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_records(path: Path) -> list[dict[str, Any]]:
    """The recorded scores (a YAML list), empty if there is no file yet."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError(f"{path}: must be a list of records")
    return data


def score(
    config: Path,
    data: Path,
    records: Path,
    sets: Sequence[str] = HELD_OUT,
    engine: str = ENGINE_VERSION,
    today: dt.date | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Score `sets` once for `engine` and the FAQ under `config`; append and return the record.

    Raises AlreadyScored if a record for the same engine version and FAQ content exists.
    """
    fingerprint = faq_fingerprint(config)
    for record in load_records(records):
        if record.get("engine") == engine and record.get("faq") == fingerprint:
            raise AlreadyScored(
                f"engine {engine} was scored on this FAQ on {record.get('date')}; "
                "bump ENGINE_VERSION or change the FAQ before scoring again"
            )
    faq = load_faq(config / "faq", config / "topics.yaml", config / "synonyms.yaml")
    index = FaqIndex.build(faq).with_meaning(load_embedder())
    ids = frozenset(entry.id for entry in index.entries)
    results = {}
    for name in sets:
        metrics = evaluate(index, load_cases(data / name, ids)).metrics()
        metrics.pop("engine", None)
        metrics.pop("meaning", None)
        results[name] = metrics
    record = {
        "engine": engine,
        "faq": fingerprint,
        "entries": len(faq.entries),
        "meaning": index.meaning is not None,
        "date": (today or dt.date.today()).isoformat(),
        "note": note,
        "sets": results,
    }
    existing = records.read_text(encoding="utf-8") if records.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    dumped = yaml.safe_dump([record], allow_unicode=True, sort_keys=False)
    records.write_text(existing + dumped, encoding="utf-8")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--note", default="", help="what changed since the last scoring")
    args = parser.parse_args(argv)
    try:
        record = score(CONFIG, DATA, RECORDS, note=args.note)
    except AlreadyScored as exc:
        print(f"not scored: {exc}", file=sys.stderr)
        return 2
    for name, metrics in record["sets"].items():
        print(name, json.dumps(metrics, ensure_ascii=False))
    where = RECORDS.relative_to(ROOT)
    print(f"recorded in {where} (engine {record['engine']}, FAQ {record['faq']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
