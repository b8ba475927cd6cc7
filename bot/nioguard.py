"""Keep nio's decryption from raising anything but its own errors out of a sync.

nio parses a decrypted payload with `json.loads` and catches only `JSONDecodeError`. A payload
nested a few thousand levels deep (any member of an encrypted room can send one; the homeserver
cannot look inside) raises `RecursionError` instead, out of `AsyncClient.sync`, before the bot
sees a single event: the sync loop ended, and every restart met the same event again. Here such
a payload is a parse error like any other, which nio treats as an event it cannot decrypt.
"""

from __future__ import annotations

import json
from typing import Any

import nio.crypto.olm_machine as _olm_machine

__all__ = ["guard_nio_json"]


class _BoundedJson:
    """The `json` module as nio's Olm machine uses it, with `loads` failing as a parse error."""

    JSONDecodeError = json.JSONDecodeError

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(text, **kwargs)
        except RecursionError:
            shown = text if isinstance(text, str) else ""
            raise json.JSONDecodeError("payload nested too deeply", shown, 0) from None


def guard_nio_json() -> None:
    """Install the bounded parser in nio's Olm machine (idempotent)."""
    if not isinstance(_olm_machine.json, _BoundedJson):
        _olm_machine.json = _BoundedJson()
