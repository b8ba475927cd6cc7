"""The chat's FAQ rows: the latest save says where the entry comes from; every id ever used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.db import Database
from store.faqchat import ChatEntryStore


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[ChatEntryStore]:
    db = await Database.open(tmp_path / "bot.db")
    yield ChatEntryStore(db)
    await db.close()


async def test_a_save_over_an_old_row_stores_the_new_origin(chat: ChatEntryStore) -> None:
    await chat.save("repair-cafe", "yaml", None, "@m:x", "delete", "hidden")
    await chat.save("repair-cafe", "chat", {"id": "repair-cafe"}, "@m:x", "create", "new")
    row = await chat.get("repair-cafe")
    assert row is not None
    assert (row.origin, row.data) == ("chat", {"id": "repair-cafe"})


async def test_used_ids_include_deleted_entries(chat: ChatEntryStore) -> None:
    await chat.save("a", "chat", {"id": "a"}, "@m:x", "create", "a")
    await chat.save("b", "chat", {"id": "b"}, "@m:x", "create", "b")
    await chat.remove("b", "@m:x", "b")
    await chat.save("klimaanlage", "yaml", None, "@m:x", "delete", "hidden")
    assert await chat.used_ids() == {"a", "b", "klimaanlage"}
