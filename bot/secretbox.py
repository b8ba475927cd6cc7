"""Secrets the bot keeps in its database, encrypted with a key derived from the pickle key.

One `SecretBox` per purpose: the purpose label goes into the key derivation, so a value sealed for
one purpose (the cross-signing seeds) cannot be opened as another (the access token). AES-GCM
authenticates, so a wrong pickle key is detected instead of yielding garbage.
"""

from __future__ import annotations

import base64
import hashlib
import logging

from Crypto.Cipher import AES

from config.settings import Secret
from store.db import Database
from store.state import BotState

__all__ = ["SEALED_STATE_KEYS", "SealedState", "SecretBox", "SecretBoxError"]

log = logging.getLogger(__name__)

# bot_state keys whose values are secrets: stored sealed, read back in the clear.
SEALED_STATE_KEYS = frozenset({"session.access_token"})
_MARK = "sealed:v1:"


class SecretBoxError(ValueError):
    """A sealed value cannot be opened (another pickle key, or damaged data)."""


class SecretBox:
    """AES-GCM with a key derived from the pickle key and a purpose label."""

    def __init__(self, pickle_key: Secret, purpose: bytes) -> None:
        self._key = hashlib.sha256(purpose + pickle_key.reveal().encode()).digest()

    def seal(self, plain: str) -> str:
        """Encrypt `plain`; the result is base64 of nonce, tag and ciphertext."""
        cipher = AES.new(self._key, AES.MODE_GCM)
        data, tag = cipher.encrypt_and_digest(plain.encode())
        return base64.b64encode(cipher.nonce + tag + data).decode()

    def open(self, stored: str) -> str:
        """Decrypt what `seal` returned; SecretBoxError if the key or the data is wrong."""
        try:
            raw = base64.b64decode(stored, validate=True)
            cipher = AES.new(self._key, AES.MODE_GCM, nonce=raw[:16])
            return cipher.decrypt_and_verify(raw[32:], raw[16:32]).decode()
        except ValueError:
            raise SecretBoxError("sealed value cannot be decrypted") from None


class SealedState(BotState):
    """BotState that stores the values of `SEALED_STATE_KEYS` sealed.

    A value written in the clear by an older version is returned once and stored sealed in its
    place (the old bytes are overwritten, see `Database.scrub`); one that cannot be opened with
    this pickle key counts as absent, so the bot logs in afresh instead of failing.
    """

    def __init__(self, db: Database, pickle_key: Secret) -> None:
        super().__init__(db)
        self._box = SecretBox(pickle_key, b"klimabot-state:")

    async def get(self, key: str) -> str | None:
        """The stored value, opened if it is a sealed one."""
        value = await super().get(key)
        if value is None or key not in SEALED_STATE_KEYS:
            return value
        if not value.startswith(_MARK):
            await self.set(key, value)
            await self._db.scrub()
            log.info("%s was stored in the clear; it is encrypted now", key)
            return value
        try:
            return self._box.open(value.removeprefix(_MARK))
        except SecretBoxError:
            log.warning("%s cannot be decrypted (was matrix.pickle_key changed?)", key)
            return None

    async def set(self, key: str, value: str) -> None:
        """Store `value`, sealed if `key` holds a secret."""
        await super().set(key, self._sealed(key, value))

    async def set_many(self, values: dict[str, str]) -> None:
        """Store several values in one transaction, the secret ones sealed."""
        await super().set_many({k: self._sealed(k, v) for k, v in values.items()})

    def _sealed(self, key: str, value: str) -> str:
        return _MARK + self._box.seal(value) if key in SEALED_STATE_KEYS else value
