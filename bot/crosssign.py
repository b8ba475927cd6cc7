"""Cross-signing for the bot's own account: master and self-signing keys, and a signed device.

Element and other clients do not share room keys with devices their owner has not cross-signed
(when "only verified devices" is on), so the bot publishes cross-signing keys once and signs its
device with them. matrix-nio has no API for this, so we speak the client-server API directly
(`/keys/device_signing/upload`, `/keys/signatures/upload`). The private keys are kept in the bot's
database, encrypted with the pickle key.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa
from nio import AsyncClient

from bot.secretbox import SecretBox, SecretBoxError
from config.settings import Secret
from store.state import BotState

__all__ = ["CrossSigner", "CrossSigningError", "canonical_json", "is_device_cross_signed"]

log = logging.getLogger(__name__)

_STATE_KEY = "cross_signing.keys"
_USAGES = ("master", "self_signing", "user_signing")


class CrossSigningError(RuntimeError):
    """Cross-signing could not be set up (the message says why; no secret in it)."""


def canonical_json(value: Any) -> bytes:
    """The Matrix canonical JSON encoding, which is what gets signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class _SigningKey:
    seed: bytes

    @property
    def public(self) -> str:
        key = ECC.construct(curve="Ed25519", seed=self.seed)
        return _b64(key.public_key().export_key(format="raw"))

    def sign(self, obj: dict[str, Any]) -> str:
        unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
        signer = eddsa.new(ECC.construct(curve="Ed25519", seed=self.seed), "rfc8032")
        return _b64(signer.sign(canonical_json(unsigned)))


def is_device_cross_signed(keys_query: dict[str, Any], user_id: str, device_id: str) -> bool:
    """True if keys/query shows `device_id` signed by the user's published self-signing key."""
    ssk = keys_query.get("self_signing_keys", {}).get(user_id)
    device = keys_query.get("device_keys", {}).get(user_id, {}).get(device_id)
    if not ssk or not device:
        return False
    ssk_ids = set(ssk.get("keys", {}))
    return bool(ssk_ids & set(device.get("signatures", {}).get(user_id, {})))


class CrossSigner:
    """Bootstraps cross-signing once and reports whether the device is signed."""

    def __init__(self, client: AsyncClient, state: BotState, pickle_key: Secret) -> None:
        self._client = client
        self._state = state
        self._box = SecretBox(pickle_key, b"klimabot-cross-signing:")

    async def ensure(self, password: Secret | None) -> bool:
        """Publish keys (first time) and sign this device; True if the device is now signed."""
        user_id, device_id = self._client.user_id, self._client.device_id
        published = await self.query_own_keys()
        if is_device_cross_signed(published, user_id, device_id):
            return True
        keys = await self._load_or_create()
        server_master = published.get("master_keys", {}).get(user_id)
        if server_master is None:
            await self._upload_keys(keys, password)
        elif f"ed25519:{keys['master'].public}" not in server_master.get("keys", {}):
            raise CrossSigningError(
                "the account already has cross-signing keys that this bot does not hold; "
                "reset them in a client (or use a fresh bot account)"
            )
        device = published.get("device_keys", {}).get(user_id, {}).get(device_id)
        if device is None:
            raise CrossSigningError("the homeserver does not know this device's keys yet")
        await self._sign_device(keys["self_signing"], device)
        return is_device_cross_signed(await self.query_own_keys(), user_id, device_id)

    async def query_own_keys(self) -> dict[str, Any]:
        """keys/query for the bot's own user."""
        body: dict[str, Any] = {"device_keys": {self._client.user_id: []}}
        return await self._post("/_matrix/client/v3/keys/query", body)

    async def _load_or_create(self) -> dict[str, _SigningKey]:
        stored = await self._state.get(_STATE_KEY)
        if stored is not None:
            seeds = json.loads(self._decrypt(stored))
            return {usage: _SigningKey(base64.b64decode(seeds[usage])) for usage in _USAGES}
        keys = {usage: _SigningKey(ECC.generate(curve="Ed25519").seed) for usage in _USAGES}
        seeds = {usage: base64.b64encode(k.seed).decode() for usage, k in keys.items()}
        # Stored before upload: a crash between the two must not leave keys we cannot sign with.
        await self._state.set(_STATE_KEY, self._box.seal(json.dumps(seeds)))
        return keys

    def _key_object(self, usage: str, key: _SigningKey) -> dict[str, Any]:
        uid = self._client.user_id
        return {"user_id": uid, "usage": [usage], "keys": {f"ed25519:{key.public}": key.public}}

    async def _upload_keys(self, keys: dict[str, _SigningKey], password: Secret | None) -> None:
        uid, master = self._client.user_id, keys["master"]
        body: dict[str, Any] = {"master_key": self._key_object("master", master)}
        for usage in ("self_signing", "user_signing"):
            obj = self._key_object(usage, keys[usage])
            obj["signatures"] = {uid: {f"ed25519:{master.public}": master.sign(obj)}}
            body[f"{usage}_key"] = obj
        path = "/_matrix/client/v3/keys/device_signing/upload"
        status, answer = await self._request(path, body)
        if status == 401 and "session" in answer:
            body["auth"] = self._password_auth(answer["session"], password)
            status, answer = await self._request(path, body)
        if status != 200:
            raise CrossSigningError(f"uploading cross-signing keys failed: HTTP {status} {answer}")
        log.info("published cross-signing keys (master %s)", master.public)

    def _password_auth(self, session: str, password: Secret | None) -> dict[str, Any]:
        if password is None:
            raise CrossSigningError(
                "the homeserver wants the password to publish cross-signing keys; "
                "configure matrix.password once"
            )
        return {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": self._client.user_id},
            "password": password.reveal(),
            "session": session,
        }

    async def _sign_device(self, ssk: _SigningKey, device: dict[str, Any]) -> None:
        uid, device_id = self._client.user_id, self._client.device_id
        signed = {k: v for k, v in device.items() if k not in ("signatures", "unsigned")}
        signed["signatures"] = {uid: {f"ed25519:{ssk.public}": ssk.sign(device)}}
        answer = await self._post(
            "/_matrix/client/v3/keys/signatures/upload", {uid: {device_id: signed}}
        )
        if answer.get("failures"):
            raise CrossSigningError(f"signing the device failed: {answer['failures']}")
        log.info("signed device %s with the self-signing key", device_id)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self._request(path, body)
        if status != 200:
            raise CrossSigningError(f"{path}: HTTP {status} {answer.get('errcode', '')}")
        return answer

    async def _request(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self._client.access_token}"}
        resp = await self._client.send("POST", path, json.dumps(body), headers=headers)
        try:
            answer = await resp.json(content_type=None)
        finally:
            resp.release()
        return resp.status, answer if isinstance(answer, dict) else {}

    def _decrypt(self, stored: str) -> str:
        try:
            return self._box.open(stored)
        except SecretBoxError:
            raise CrossSigningError(
                "stored cross-signing keys cannot be decrypted: was matrix.pickle_key changed?"
            ) from None
