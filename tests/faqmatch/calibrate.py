"""Fit the FAQ engine's confidence weights: `python -m tests.faqmatch.calibrate`.

A developer tool, not a test. It scores all the tuning sets (never a held-out set) with the FAQ
under config/, plus leave-out phrasings of the FAQ itself (each phrasing asked of an index built
without the fifth of the phrasings it belongs to) and off-topic questions, and fits a logistic
model of "is the best match the right answer?" on the features of `outcome.features` by Newton's
method, each set weighted equally. It prints the weights to paste into `outcome.py` and what
they would give on each set at a range of bias shifts (the answer cut-off stays at 0.5).

With `--meaning` it fits MEANING_WEIGHTS instead: the same features plus the two of the second
opinion by meaning (commands/faqmatch/meaning.py), which embeds the FAQ first (about a minute).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from commands.faqmatch import outcome
from commands.faqmatch.evaluation import Case, evaluate, load_cases
from commands.faqmatch.index import FaqIndex
from commands.faqmatch.meaning import load_embedder
from config.faq import FaqData, load_faq
from config.settings import default_faq_settings

ROOT = Path(__file__).resolve().parents[2]
TUNING = (
    ROOT / "tests" / "data" / "faq_eval.yaml",
    ROOT / "tests" / "data" / "faq_dev2.yaml",
    ROOT / "tests" / "data" / "faq_dev3.yaml",
    ROOT / "tests" / "data" / "faq_dev4.yaml",
    ROOT / "tests" / "data" / "faq_dev5.yaml",
    ROOT / "tests" / "data" / "faq_real_dev.yaml",
    ROOT / "tests" / "data" / "faq_real_dev2.yaml",
    ROOT / "tests" / "data" / "faq_real_dev3.yaml",
    ROOT / "tests" / "faqmatch" / "data" / "offtopic.yaml",
)
FOLDS = 5
L2 = 0.01

Sample = tuple[tuple[float, ...], bool, float]


def left_out(data: FaqData, fold: int) -> tuple[FaqData, list[Case]]:
    """The FAQ without one fold of its phrasings, and those phrasings as cases."""
    held: list[Case] = []
    entries = []
    for entry in data.entries:
        kept: dict[str, tuple[str, ...]] = {}
        for lang, phrasings in entry.phrasings.items():
            keep = []
            for j, text in enumerate(phrasings):
                if zlib.crc32(f"{entry.id}/{lang}/{j}".encode()) % FOLDS == fold:
                    held.append(Case(text, entry.id))
                else:
                    keep.append(text)
            kept[lang] = tuple(keep)
        entries.append(dataclasses.replace(entry, phrasings=kept))
    return dataclasses.replace(data, entries=tuple(entries)), held


def samples(index: FaqIndex, cases: Sequence[Case]) -> Iterator[tuple[tuple[float, ...], bool]]:
    """Features of the best match and whether it is right; exact phrasings are left out.

    With a meaning check attached to the index, the features include its two."""
    ids = [entry.id for entry in index.entries]
    check = index.meaning
    for case in cases:
        matches = index.matches(case.question)
        # Exact phrasings have confidence 1.0 either way: no need to embed the question twice.
        if not matches or index.ask(case.question, meaning=False).confidence == 1.0:
            continue
        meaning = None if check is None else check.of(case.question)
        yield outcome.features(matches, meaning), ids[matches[0].index] == case.expected


def fit(data: Sequence[Sample], iterations: int = 30) -> list[float]:
    """Weighted, lightly regularised logistic regression; returns [bias, *weights]."""
    d = len(data[0][0]) + 1
    beta = [0.0] * d
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y, w in data:
            xs = (1.0, *x)
            p = 1 / (1 + math.exp(-sum(b * v for b, v in zip(beta, xs, strict=True))))
            for i in range(d):
                grad[i] += w * (p - y) * xs[i]
                for j in range(d):
                    hess[i][j] += w * p * (1 - p) * xs[i] * xs[j]
        for i in range(1, d):
            grad[i] += L2 * beta[i]
            hess[i][i] += L2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
    return beta


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", default="-1,-0.5,0,0.5,1", help="bias shifts to report")
    parser.add_argument("--meaning", action="store_true", help="fit MEANING_WEIGHTS")
    args = parser.parse_args(argv)
    faq = default_faq_settings()
    data = load_faq(faq.directory, faq.topics_file, faq.synonyms_file)
    embedder = load_embedder() if args.meaning else None
    if args.meaning and embedder is None:
        raise SystemExit("the embedding model cannot be loaded")
    if args.meaning:  # confidence must not use the weights being fitted while sampling
        outcome.MEANING_WEIGHTS = tuple(0.0 for _ in outcome.MEANING_FEATURES)
    index = FaqIndex.build(data).with_meaning(embedder)
    known = frozenset(entry.id for entry in data.entries)
    sets = {path.stem: load_cases(path, known) for path in TUNING}
    groups = {name: list(samples(index, cases)) for name, cases in sets.items()}
    loo: list[tuple[tuple[float, ...], bool]] = []
    for fold in range(FOLDS):
        reduced, held = left_out(data, fold)
        loo.extend(samples(FaqIndex.build(reduced).with_meaning(embedder), held))
    groups["leave-out phrasings"] = loo
    mean = sum(len(g) for g in groups.values()) / len(groups)
    weighted = [(x, y, mean / len(g)) for g in groups.values() for x, y in g]
    bias, *weights = fit(weighted)
    prefix = "MEANING_" if args.meaning else ""
    print("FEATURES =", outcome.MEANING_FEATURES if args.meaning else outcome.FEATURES)
    print(f"{prefix}WEIGHTS =", tuple(round(w, 2) for w in weights))
    print(f"{prefix}BIAS =", round(bias, 2))
    for shift in (float(s) for s in args.shifts.split(",")):
        if args.meaning:
            outcome.MEANING_WEIGHTS, outcome.MEANING_BIAS = tuple(weights), bias + shift
        else:
            outcome.WEIGHTS, outcome.BIAS = tuple(weights), bias + shift
        print(f"bias {bias + shift:+.2f}")
        for name, cases in sets.items():
            print(f"  {name:12} {evaluate(index, cases).metrics()}")


if __name__ == "__main__":
    main()
