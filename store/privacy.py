"""Data rights (DSGVO): everything stored about a user, and forgetting it completely.

Every table that holds a Matrix ID or a user's text is listed here. The test suite scans every
table of the schema after `forget`, so a new table that is not handled here fails a test.
"""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from store.db import Database

__all__ = ["PrivacyStore"]

# (table, column holding the user's Matrix ID) — rows are the user's own data.
_OWN_ROWS: tuple[tuple[str, str], ...] = (
    ("user_settings", "user_id"),
    ("faq_questions", "user_id"),
    ("faq_answers", "user_id"),
    ("faq_feedback", "user_id"),
    ("faq_choices", "user_id"),
    ("subscriptions", "user_id"),
    ("delivery_prefs", "user_id"),
    ("dm_rooms", "user_id"),
    ("direct_rooms", "user_id"),
    ("dm_welcomes", "user_id"),
    ("deliveries", "recipient"),
    ("dialogs", "user_id"),
    ("actors", "user_id"),
    ("actor_suggestions", "user_id"),
    ("actor_blocks", "user_id"),
    ("actor_blocks", "blocked_user_id"),
    ("introductions", "requester"),
    ("introductions", "target"),
    ("nudge_items", "owner"),  # which measures they were asked about, and when answered
    ("nudge_batches", "owner"),
    ("event_registrations", "user_id"),
    ("event_notices", "user_id"),  # also cascades from event_registrations
    ("poll_votes", "user_id"),
    ("pledges", "user_id"),
)
# (table, column) where the user is only named as the author of official content: anonymised.
_AUTHORED: tuple[tuple[str, str], ...] = (
    ("broadcasts", "author"),
    ("measure_updates", "author"),
    ("measure_values", "author"),
    ("measure_milestones", "author"),
    ("scheduled_posts", "author"),
    ("calendar_events", "author"),
    ("introductions", "proposed_by"),
    ("faq_chat_entries", "updated_by"),
    ("faq_entry_history", "changed_by"),
    ("polls", "created_by"),
    ("campaigns", "created_by"),
)
FORGOTTEN = "[gelöscht]"


class PrivacyStore:
    """Export and erase one user's data."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, user_id: str) -> dict[str, list[dict[str, Any]]]:
        """All rows about the user, by table."""
        data: dict[str, list[dict[str, Any]]] = {}
        for table, column in (*_OWN_ROWS, *_AUTHORED):
            rows = await self._db.fetchall(
                f"SELECT * FROM {table} WHERE {column} = ?",  # names from the fixed list above
                (user_id,),
            )
            if rows:
                data.setdefault(table, []).extend(dict(row) for row in rows)
        return data

    async def forget(self, user_id: str) -> dict[str, int]:
        """Delete the user's rows and anonymise their authorship, in one transaction; then
        rewrite the file and empty the WAL, so the erased values are gone from the disk too."""
        removed: dict[str, int] = {}
        async with self._db.transaction() as conn:
            # Votes survive only as counts per FAQ entry.
            await conn.execute(
                "INSERT INTO faq_feedback_aggregate (entry_id, up, down) "
                "SELECT entry_id, SUM(vote = 1), SUM(vote = -1) FROM faq_feedback "
                "WHERE user_id = ? GROUP BY entry_id "
                "ON CONFLICT (entry_id) DO UPDATE SET up = up + excluded.up, "
                "down = down + excluded.down",
                (user_id,),
            )
            # Pledges survive only as a number per campaign, so a published total stays true.
            await conn.execute(
                "UPDATE campaigns SET forgotten = forgotten + 1 "
                "WHERE id IN (SELECT campaign_id FROM pledges WHERE user_id = ?)",
                (user_id,),
            )
            for table, column in _OWN_ROWS:
                cursor = await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
                removed[table] = removed.get(table, 0) + cursor.rowcount
            for table, column in _AUTHORED:
                cursor = await conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (FORGOTTEN, user_id)
                )
                removed[table] = cursor.rowcount
            removed["actor_suggestions"] += await _unsuggest(conn, user_id)
        await self._db.scrub()
        return removed


async def _unsuggest(conn: aiosqlite.Connection, user_id: str) -> int:
    """Blank the user out of other users' last suggestion lists; return how many lists.

    The place stays (as ""), so the numbers the others were shown still pick the same actors
    and the blanked one is simply no longer there to pick.
    """
    cursor = await conn.execute(
        "SELECT user_id, candidates FROM actor_suggestions WHERE instr(candidates, ?) > 0",
        (json.dumps(user_id),),
    )
    changed = 0
    for owner, candidates in await cursor.fetchall():
        listed = json.loads(candidates)
        if user_id in listed:
            kept = ["" if c == user_id else c for c in listed]
            await conn.execute(
                "UPDATE actor_suggestions SET candidates = ? WHERE user_id = ?",
                (json.dumps(kept), owner),
            )
            changed += 1
    return changed
