"""Secrets in the database: sealed with the pickle key, old clear-text values upgraded."""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

import pytest
from Crypto.Cipher import AES

from bot.secretbox import SealedState, SecretBox, SecretBoxError
from config.settings import Secret
from store.db import Database
from store.state import BotState

TOKEN = "syt_a2xpbWFib3Q_ClearTextTokenMarker_0a1b2c"
KEY = Secret("pickle-secret")


def _raw_bytes(db_path: Path) -> bytes:
    """The database file and its WAL as they lie on disk."""
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_sealed_value_opens_with_the_same_key_and_purpose_only() -> None:
    sealed = SecretBox(KEY, b"a:").seal("geheim")
    assert "geheim" not in sealed
    assert SecretBox(KEY, b"a:").open(sealed) == "geheim"
    with pytest.raises(SecretBoxError):
        SecretBox(KEY, b"b:").open(sealed)
    with pytest.raises(SecretBoxError):
        SecretBox(Secret("other"), b"a:").open(sealed)


@pytest.mark.parametrize(
    "garbage", ["", "not base64!", "AAAA", base64.b64encode(b"x" * 40).decode()]
)
def test_damaged_sealed_value_is_an_error_not_a_crash(garbage: str) -> None:
    with pytest.raises(SecretBoxError):
        SecretBox(KEY, b"a:").open(garbage)


def test_cross_signing_seeds_sealed_by_the_previous_code_still_open() -> None:
    # The algorithm crosssign.py used before the helper was factored out; stored seeds must stay
    # readable after an upgrade.
    key = hashlib.sha256(b"klimabot-cross-signing:" + KEY.reveal().encode()).digest()
    cipher = AES.new(key, AES.MODE_GCM)
    data, tag = cipher.encrypt_and_digest(b'{"master": "c2VlZA=="}')
    stored = base64.b64encode(cipher.nonce + tag + data).decode()
    assert SecretBox(KEY, b"klimabot-cross-signing:").open(stored) == '{"master": "c2VlZA=="}'


async def test_access_token_is_not_in_the_database_file_or_wal(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    db = await Database.open(path)
    try:
        state = SealedState(db, KEY)
        await state.set_many({"session.access_token": TOKEN, "session.device_id": "DEV"})
        assert TOKEN.encode() not in _raw_bytes(path)
        assert await state.get("session.access_token") == TOKEN
        assert await BotState(db).get("session.device_id") == "DEV"
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        assert await SealedState(db, KEY).get("session.access_token") == TOKEN
    finally:
        await db.close()


async def test_clear_text_token_of_an_old_version_is_read_once_and_stored_sealed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.sqlite"
    db = await Database.open(path)
    try:
        await BotState(db).set("session.access_token", TOKEN)
        await db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # in the main file too
        assert TOKEN.encode() in path.read_bytes()
        assert await SealedState(db, KEY).get("session.access_token") == TOKEN
        stored = await BotState(db).get("session.access_token")
        assert stored is not None
        assert TOKEN not in stored
        assert TOKEN.encode() not in _raw_bytes(path)
        assert await SealedState(db, KEY).get("session.access_token") == TOKEN
    finally:
        await db.close()
    assert TOKEN.encode() not in _raw_bytes(path)


async def test_token_sealed_with_another_pickle_key_counts_as_absent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        await SealedState(db, KEY).set("session.access_token", TOKEN)
        with caplog.at_level(logging.WARNING, logger="bot.secretbox"):
            assert await SealedState(db, Secret("changed")).get("session.access_token") is None
        assert "was matrix.pickle_key changed?" in caplog.text
        assert TOKEN not in caplog.text
    finally:
        await db.close()
