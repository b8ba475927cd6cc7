"""Personal content (profile, data export, suggestions) is shown only in a DM, never in a room."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.fakes import make_router, message


@pytest.mark.parametrize("command", ["!meinedaten", "!profil", "!vernetzen", "!mydata"])
async def test_personal_commands_are_refused_outside_a_dm(tmp_path: Path, command: str) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        await router.dispatch(message(command, direct=False))
        assert "Direktnachricht" in replier.texts[0]
        assert not replier.files, "no export file may be posted in a room"
    finally:
        await db.close()


async def test_data_export_still_works_in_a_dm(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path)
    try:
        await router.dispatch(message("!sprache en", direct=True))
        await router.dispatch(message("!meinedaten", direct=True))
        assert "Direktnachricht" not in replier.texts[-1]
        assert "direct message" not in replier.texts[-1]
        assert replier.files
    finally:
        await db.close()
