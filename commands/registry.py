"""Commands declare themselves with a decorator; help and usage are generated from that metadata."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from commands.context import Context, Role

__all__ = ["Command", "Handler", "Registry", "command"]

Handler = Callable[[Context, str], Awaitable[None]]
_SPEC_ATTR = "__klimabot_command__"


@dataclass(frozen=True)
class Command:
    """A command: German name first, English alias, required role and handler.

    Usage and help text live in the catalogs under `commands.<name>.usage` / `.help`.
    """

    name: str
    aliases: tuple[str, ...]
    role: Role
    handler: Handler
    # Open to citizens, but only useful to the owners of a measure (they check per measure):
    # `!hilfe` lists it under its own heading, and only to owners and managers.
    for_owners: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The name and all aliases."""
        return (self.name, *self.aliases)


def command(
    name: str, *, aliases: Iterable[str] = (), role: Role = Role.CITIZEN, for_owners: bool = False
) -> Callable[[Handler], Handler]:
    """Mark an async handler `(ctx, args)` as the command `name`."""

    def mark(handler: Handler) -> Handler:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"command {name!r}: handler must be async")
        spec = Command(name.lower(), tuple(a.lower() for a in aliases), role, handler, for_owners)
        setattr(handler, _SPEC_ATTR, spec)
        return handler

    return mark


class Registry:
    """All commands by name and alias."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands: tuple[Command, ...] = tuple(commands)
        self._by_name: dict[str, Command] = {}
        for cmd in self.commands:
            for name in cmd.names:
                if name in self._by_name:
                    raise ValueError(f"command name {name!r} registered twice")
                self._by_name[name] = cmd

    @classmethod
    def from_modules(cls, modules: Iterable[ModuleType]) -> Registry:
        """Collect every decorated handler of the given modules."""
        found = [
            getattr(obj, _SPEC_ATTR)
            for module in modules
            for obj in vars(module).values()
            if callable(obj) and hasattr(obj, _SPEC_ATTR)
        ]
        return cls(found)

    def get(self, name: str) -> Command | None:
        """The command called `name` (case-insensitive), or None."""
        return self._by_name.get(name.lower())

    def visible_to(self, role: Role) -> list[Command]:
        """Commands the role may run, in registration order."""
        return [cmd for cmd in self.commands if cmd.role <= role]

    def suggestions(self, name: str, role: Role, limit: int = 3) -> list[str]:
        """Close command names for a typo ("did you mean …?")."""
        names = [n for cmd in self.visible_to(role) for n in cmd.names]
        return difflib.get_close_matches(name.lower(), names, n=limit, cutoff=0.6)
