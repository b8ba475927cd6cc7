"""The FAQ as used: the curated YAML with the entries made or changed in the chat on top.

Chat changes are stored in the database (store/faqchat.py) as entries in the YAML format; here
they are validated with the same checks as a file, merged over the YAML, and written back out as
YAML files (`klimabot faq export`), so the town can keep the whole FAQ in version control.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.faq import FaqData, FaqEntry, FaqError, entry_from_mapping

__all__ = ["ChatChange", "entry_to_mapping", "export_yaml", "merge_chat"]

log = logging.getLogger(__name__)

_EXPORTED = "exported by `klimabot faq export`"


@dataclass(frozen=True)
class ChatChange:
    """One entry as the chat left it: its whole data, or None where it was deleted."""

    entry_id: str
    data: Mapping[str, Any] | None
    # "chat": made in the chat; "yaml": a curated entry changed (or hidden) in the chat. As
    # stored; `merge_chat` goes by whether the YAML has the entry.
    origin: str


def entry_to_mapping(entry: FaqEntry) -> dict[str, Any]:
    """An entry in the YAML format (what a FAQ file holds), optional keys only when set."""
    data: dict[str, Any] = {
        "id": entry.id,
        "topic": entry.topic,
        "question": dict(entry.question),
        "phrasings": {lang: list(texts) for lang, texts in entry.phrasings.items()},
    }
    if entry.keywords:
        data["keywords"] = list(entry.keywords)
    data["answer"] = dict(entry.answer)
    if entry.answers is not None:
        data["answers"] = list(entry.answers)
    data["sources"] = list(entry.sources)
    data["checked"] = entry.checked.isoformat()
    if entry.volatile:
        data["volatile"] = True
    if entry.related:
        data["related"] = list(entry.related)
    if entry.owner is not None:
        data["owner"] = entry.owner
    if entry.review is not None:
        data["review"] = entry.review.isoformat()
    return data


def merge_chat(data: FaqData, changes: Sequence[ChatChange]) -> FaqData:
    """The YAML's entries with the chat's changes applied (a broken change is logged and left
    out: one bad row must not take the FAQ down)."""
    slugs = frozenset(t.slug for t in data.topics)
    curated = {e.id: e for e in data.entries}
    entries = dict(curated)
    for change in changes:
        if change.data is None:
            entries.pop(change.entry_id, None)
            continue
        try:
            entry = entry_from_mapping(change.data, slugs, f"chat:{change.entry_id}", "chat")
        except FaqError as exc:
            log.error("FAQ change from the chat left out: %s", exc)
            continue
        if entry.id != change.entry_id:
            log.error("FAQ change from the chat left out: id %r stored as %r", entry.id, change)
            continue
        entries[entry.id] = _placed(entry, curated.get(entry.id))
    kept = {
        entry_id: dataclasses.replace(e, related=tuple(r for r in e.related if r in entries))
        for entry_id, e in entries.items()
    }
    return dataclasses.replace(data, entries=tuple(kept.values()))


def _placed(entry: FaqEntry, curated: FaqEntry | None) -> FaqEntry:
    """Where the chat's version of an entry comes from. Whether the YAML has the entry decides,
    not the row's stored origin, which can be stale: a chat entry is in the YAML once the
    exported FAQ is read, a curated one may have left the files since it was changed or
    hidden, and an id freed that way may have been given to a new chat entry."""
    if curated is None:
        return entry
    return dataclasses.replace(entry, origin="yaml+chat", file=curated.file, line=curated.line)


def export_yaml(data: FaqData, directory: Path) -> list[Path]:
    """Write every entry as `<topic>.yaml` files in the FAQ format; return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for entry in data.entries:
        by_topic.setdefault(entry.topic, []).append(entry_to_mapping(entry))
    written = []
    names = {t.slug: t.name_de for t in data.topics}
    for topic, items in by_topic.items():
        path = directory / f"{topic}.yaml"
        header = f"# FAQ: {names.get(topic, topic)} ({_EXPORTED})\n"
        body = yaml.safe_dump(
            {"entries": items}, allow_unicode=True, sort_keys=False, width=100, indent=2
        )
        path.write_text(header + body, encoding="utf-8")
        written.append(path)
    for old in directory.glob("*.yaml"):  # a topic with no entries left: its old export goes
        if old not in written and _EXPORTED in old.read_text(encoding="utf-8").split("\n", 1)[0]:
            old.unlink()
    return written
