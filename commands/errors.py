"""The two error types whose text is meant for the user."""

from __future__ import annotations

from typing import Any

__all__ = ["CommandError", "UsageError", "require_direct"]


class CommandError(Exception):
    """A user error: the catalog message `key` is shown to the user as written."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def require_direct(is_direct: bool) -> None:
    """Personal content (a profile, an export, suggestions) is shown only in a DM."""
    if not is_direct:
        raise CommandError("actors.dm_only")


class UsageError(Exception):
    """The command was called wrongly: the user sees the command's usage line."""
