"""Typed, path-naming access to the raw YAML config, and the validators shared by its sections.

A `Section` reads one mapping and collects every problem under its key path instead of stopping at
the first, so `klimabot check-config` can list them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "MISSING",
    "PLACEHOLDER",
    "ROOM",
    "USER_ID",
    "Secret",
    "Section",
    "read_duration",
    "read_positive",
    "read_secret",
    "read_string_list",
    "read_user_id",
    "read_user_list",
]

T = TypeVar("T")
MISSING: Any = object()
PLACEHOLDER = re.compile(r"example\.(org|com|net)|change[-_ ]?me|changeme|<[^>]*>", re.IGNORECASE)
USER_ID = re.compile(r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:\d+)?$")
# Room IDs of room version 12 have no server part ("!abc…"); aliases always do.
ROOM = re.compile(r"^(![^:\s]+(:[A-Za-z0-9.\-]+(:\d+)?)?|#[^:\s]+:[A-Za-z0-9.\-]+(:\d+)?)$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Secret:
    """A secret string that does not reveal itself in repr/str (so never in logs)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value; call only where it is sent, never where it is logged."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Section:
    """Typed access to one mapping of the YAML, collecting problems under a key path."""

    def __init__(self, raw: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.seen: set[str] = set()
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            self.error("", "must be a mapping")
            raw = {}
        self.raw: Mapping[str, Any] = raw

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, message: str) -> None:
        where = self.key(name) if name else self.path or "config"
        self.problems.append(f"{where}: {message}")

    def get(self, name: str, kind: type[T], default: Any = MISSING) -> T | None:
        self.seen.add(name)
        value = self.raw.get(name, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.error(name, "is required")
                return None
            return default  # type: ignore[no-any-return]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.error(name, f"must be {_KIND_NAMES.get(kind, kind.__name__)}")
            return None
        return value

    def has_problem(self, *names: str) -> bool:
        """True if a problem was already recorded for one of these keys (or their _file)."""
        keys = tuple(self.key(n) for n in names)
        return any(p.startswith(keys) for p in self.problems)

    def section(self, name: str) -> Section:
        self.seen.add(name)
        return Section(self.raw.get(name), self.key(name), self.problems)

    def check_unknown(self) -> None:
        for name in sorted(set(self.raw) - self.seen):
            self.error(str(name), "unknown key (typo?)")


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def read_user_id(sec: Section, name: str) -> str | None:
    value = sec.get(name, str)
    if value is None:
        return None
    if not USER_ID.match(value):
        sec.error(name, f"{value!r} is not a Matrix user ID like @klimabot:ochtrup.de")
        return None
    if PLACEHOLDER.search(value):
        sec.error(name, "still the example value; put in the bot account's Matrix ID")
        return None
    return value


def read_secret(sec: Section, name: str, base_dir: Path, env: Mapping[str, str]) -> Secret | None:
    env_name = f"KLIMABOT_MATRIX_{name.upper()}"
    inline = sec.get(name, str, default=None)
    file_name = sec.get(f"{name}_file", str, default=None)
    if env.get(env_name):
        return Secret(env[env_name])
    if file_name is not None:
        path = base_dir / Path(file_name).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            sec.error(f"{name}_file", f"cannot read {path} ({exc.strerror})")
            return None
        if not value:
            sec.error(f"{name}_file", f"{path} is empty")
            return None
        return Secret(value)
    if inline is not None:
        if PLACEHOLDER.search(inline):
            sec.error(name, f"still the example placeholder; set it or use {env_name}")
            return None
        return Secret(inline)
    return None


def read_string_list(
    sec: Section, name: str, pattern: re.Pattern[str] | None, what: str
) -> tuple[str, ...]:
    values = sec.get(name, list, default=[])
    out: list[str] = []
    for i, value in enumerate(values or []):
        if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
            sec.error(f"{name}[{i}]", f"{value!r} must be {what or 'a string'}")
        elif PLACEHOLDER.search(value):
            sec.error(f"{name}[{i}]", f"{value!r} is still the example value")
        else:
            out.append(value)
    return tuple(out)


def read_user_list(sec: Section, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    return read_string_list(sec, name, USER_ID, "a Matrix user ID like @name:server") or default


def read_positive(sec: Section, name: str, default: T, kind: type[T]) -> T | None:
    value = sec.get(name, kind, default=default)
    if value is not None and value <= 0:  # type: ignore[operator]
        sec.error(name, "must be greater than 0")
        return None
    return value


def read_duration(sec: Section, name: str, default: str) -> timedelta | None:
    sec.seen.add(name)
    raw = sec.raw.get(name, default)
    match = _DURATION.match(str(raw)) if isinstance(raw, str | int) else None
    if match is None or isinstance(raw, bool):
        sec.error(name, "must be a duration like 90s, 30m, 24h or 7d")
        return None
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
