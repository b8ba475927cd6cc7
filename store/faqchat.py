"""FAQ entries made or changed in the chat, on top of the curated YAML, and their history."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from store.db import Database

__all__ = ["ChatEntryRow", "ChatEntryStore", "HistoryRow"]


@dataclass(frozen=True)
class ChatEntryRow:
    """An entry as the chat left it; `data` None: deleted (a hidden YAML entry)."""

    entry_id: str
    origin: str
    data: Mapping[str, Any] | None
    updated_at: float
    updated_by: str


@dataclass(frozen=True)
class HistoryRow:
    """One change to an entry: what was done, by whom and when."""

    entry_id: str
    action: str
    detail: str
    changed_by: str
    changed_at: float


class ChatEntryStore:
    """The rows of faq_chat_entries and faq_entry_history."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[ChatEntryRow]:
        """Every chat change, oldest first."""
        rows = await self._db.fetchall(
            "SELECT entry_id, origin, data, updated_at, updated_by FROM faq_chat_entries "
            "ORDER BY updated_at, entry_id"
        )
        return [_row(r) for r in rows]

    async def get(self, entry_id: str) -> ChatEntryRow | None:
        """The chat's version of one entry, if the chat changed it."""
        row = await self._db.fetchone(
            "SELECT entry_id, origin, data, updated_at, updated_by FROM faq_chat_entries "
            "WHERE entry_id = ?",
            (entry_id,),
        )
        return None if row is None else _row(row)

    async def used_ids(self) -> frozenset[str]:
        """Every id the chat ever stored or changed, deleted ones included."""
        rows = await self._db.fetchall(
            "SELECT entry_id FROM faq_chat_entries UNION SELECT entry_id FROM faq_entry_history"
        )
        return frozenset(str(r["entry_id"]) for r in rows)

    async def save(
        self,
        entry_id: str,
        origin: str,
        data: Mapping[str, Any] | None,
        by: str,
        action: str,
        detail: str,
    ) -> None:
        """Store the entry's new state (None: deleted), where it now comes from, and a history
        line, in one go."""
        now = time.time()
        payload = None if data is None else json.dumps(data, ensure_ascii=False)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO faq_chat_entries (entry_id, origin, data, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET "
                "origin = excluded.origin, data = excluded.data, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (entry_id, origin, payload, now, by),
            )
            await conn.execute(
                "INSERT INTO faq_entry_history (entry_id, action, detail, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (entry_id, action, detail, by, now),
            )

    async def remove(self, entry_id: str, by: str, detail: str) -> None:
        """Delete a chat-made entry altogether (its history stays)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM faq_chat_entries WHERE entry_id = ?", (entry_id,))
            await conn.execute(
                "INSERT INTO faq_entry_history (entry_id, action, detail, changed_by, changed_at) "
                "VALUES (?, 'delete', ?, ?, ?)",
                (entry_id, detail, by, time.time()),
            )

    async def history(self, entry_id: str, limit: int = 5) -> list[HistoryRow]:
        """The entry's last changes, newest first."""
        rows = await self._db.fetchall(
            "SELECT entry_id, action, detail, changed_by, changed_at FROM faq_entry_history "
            "WHERE entry_id = ? ORDER BY changed_at DESC, id DESC LIMIT ?",
            (entry_id, limit),
        )
        return [
            HistoryRow(
                str(r["entry_id"]),
                str(r["action"]),
                str(r["detail"]),
                str(r["changed_by"]),
                float(r["changed_at"]),
            )
            for r in rows
        ]


def _row(r: Any) -> ChatEntryRow:
    data = None if r["data"] is None else json.loads(r["data"])
    return ChatEntryRow(
        str(r["entry_id"]), str(r["origin"]), data, float(r["updated_at"]), str(r["updated_by"])
    )
