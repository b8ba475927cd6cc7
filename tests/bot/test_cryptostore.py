"""The bot's crypto store: a WAL database, ignore marks without file rewrites, nothing lost."""

from __future__ import annotations

from pathlib import Path

from nio.crypto import OlmAccount, OlmDevice, TrustState
from nio.store import DefaultStore

from bot.cryptostore import CryptoStore

USER = "@klimabot:x"
DEVICE = "BOTDEVICE"


def _device(name: str, ed25519: str = "ed-key") -> OlmDevice:
    return OlmDevice("@citizen:x", name, {"ed25519": ed25519, "curve25519": f"curve-{name}"})


def _store(path: Path) -> CryptoStore:
    return CryptoStore(USER, DEVICE, str(path), pickle_key="secret")


def _trust_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if not p.name.endswith((".db", "-wal", "-shm")))


def test_crypto_store_commits_through_a_flushed_write_ahead_log(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_ignoring_devices_rewrites_no_trust_file(tmp_path: Path) -> None:
    store = _store(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in _trust_files(tmp_path)}
    devices = [_device("A"), _device("B")]
    store.ignore_devices(devices)
    assert all(store.is_device_ignored(d) for d in devices)
    assert all(d.trust_state == TrustState.ignored for d in devices)
    after = {name: (tmp_path / name).read_bytes() for name in _trust_files(tmp_path)}
    assert after == before
    assert not store.is_device_ignored(_device("C"))


def test_device_with_a_changed_key_is_not_ignored(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.ignore_device(_device("A"))
    assert not store.is_device_ignored(_device("A", ed25519="another-key"))


def test_ignore_marks_written_by_nios_own_store_still_count(tmp_path: Path) -> None:
    DefaultStore(USER, DEVICE, str(tmp_path), pickle_key="secret").ignore_device(_device("A"))
    store = _store(tmp_path)
    assert store.is_device_ignored(_device("A"))
    assert store.unignore_device(_device("A"))
    assert not _store(tmp_path).is_device_ignored(_device("A"))


def test_saved_account_is_there_for_the_next_process(tmp_path: Path) -> None:
    account = OlmAccount()
    _store(tmp_path).save_account(account)  # never closed, as after a crash
    loaded = _store(tmp_path).load_account()
    assert loaded is not None
    assert loaded.identity_keys == account.identity_keys
