"""Small key/value state of the bot: login session, sync position, cross-signing status."""

from __future__ import annotations

from store.db import Database

__all__ = ["BotState"]


class BotState:
    """Named values that must survive restarts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """Return the stored value for `key`, or None."""
        row = await self._db.fetchone("SELECT value FROM bot_state WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, replacing an older one."""
        await self._db.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def set_many(self, values: dict[str, str]) -> None:
        """Store several values in one transaction (all or nothing)."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    async def delete(self, key: str) -> None:
        """Forget `key`."""
        await self._db.execute("DELETE FROM bot_state WHERE key = ?", (key,))
