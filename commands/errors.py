"""The two error types whose text is meant for the user."""

from __future__ import annotations

from typing import Any

__all__ = ["CommandError", "UsageError"]


class CommandError(Exception):
    """A user error: the catalog message `key` is shown to the user as written."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class UsageError(Exception):
    """The command was called wrongly: the user sees the command's usage line."""
