"""YAML loading that keeps line numbers, so validation errors can say `file:line: key: problem`.

Shared by the curated-data loaders (FAQ, measures). Mappings and lists remember their own line and
the line of each key, value and item; duplicate keys are refused; a date-like scalar that is no
real date (2024-13-01) stays a string, so the validator can report it with its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "LineMap",
    "LineSeq",
    "Where",
    "check_mapping",
    "check_slug",
    "check_string",
    "kind_of",
    "read_yaml",
]


class LineMap(dict[Any, Any]):
    """A YAML mapping with its own line, and the line of each key and of each value."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}  # value lines
        self.key_lines: dict[Any, int] = {}


class LineSeq(list[Any]):
    """A YAML sequence with its own line and the line of each item."""

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


# libyaml's parser when PyYAML was built with it (several times faster); same nodes and marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's parser when available (plain dicts and lists)."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - SafeLoader or CSafeLoader


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader building LineMap/LineSeq and refusing duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LineSeq:
    result = LineSeq(node.start_mark.line + 1)
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.lines.append(item.start_mark.line + 1)
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_yaml(path: Path, error: Callable[[str], Exception]) -> Any:
    """Parse one file; unreadable files and syntax errors raise `error('file:line: …')`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"{path}:{line}: invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}:1: invalid YAML: {exc}") from exc


@dataclass(frozen=True)
class Where:
    """Where a value sits (file, line, key path), to build errors that say so."""

    file: str
    line: int
    path: str
    make_error: Callable[[str], Exception]
    # Locate a value by its key's line (else by the value's own line, or the mapping's line
    # when the key is absent).
    by_key: bool = False

    def error(self, message: str) -> Exception:
        """An error of this loader's type, located here."""
        prefix = f"{self.path}: " if self.path else ""
        return self.make_error(f"{self.file}:{self.line}: {prefix}{message}")

    def key(self, mapping: LineMap, key: str) -> Where:
        """Where `key` of `mapping` is."""
        path = f"{self.path}.{key}" if self.path else key
        if self.by_key:
            line = mapping.key_lines.get(key, self.line)
        else:
            line = mapping.lines.get(key, mapping.line)
        return replace(self, line=line, path=path)

    def items(self, seq: LineSeq) -> Iterator[tuple[Where, Any]]:
        """Each item of `seq` with its location."""
        for index, (item, line) in enumerate(zip(seq, seq.lines, strict=True)):
            yield replace(self, line=line, path=f"{self.path}[{index}]"), item


# --- checks shared by the loaders; each raises `where.error(...)` naming the file:line --------

_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_mapping(
    value: Any, where: Where, required: frozenset[str], optional: frozenset[str]
) -> LineMap:
    """A mapping with every required key and no key outside required | optional."""
    if not isinstance(value, LineMap):
        raise where.error(f"must be a mapping, got {kind_of(value)}")
    known = required | optional
    for key in value:
        if key not in known:
            allowed = ", ".join(sorted(known))
            raise where.key(value, str(key)).error(f"unknown key (allowed: {allowed})")
    missing = sorted(required - value.keys())
    if missing:
        raise where.key(value, missing[0]).error("missing required key")
    return value


def check_string(value: Any, where: Where) -> str:
    """A non-empty string, stripped."""
    if not isinstance(value, str):
        raise where.error(f"must be a string, got {kind_of(value)}")
    if not value.strip():
        raise where.error("must not be empty")
    return value.strip()


def check_slug(value: Any, where: Where) -> str:
    """A lowercase slug such as `pv-dach`."""
    text = check_string(value, where)
    if not _SLUG_RE.fullmatch(text):
        raise where.error(f"{text!r} is not a slug (lowercase letters, digits, '-')")
    return text


def kind_of(value: Any) -> str:
    """The YAML name of a value's type, for error messages."""
    if isinstance(value, LineMap):
        return "a mapping"
    if isinstance(value, LineSeq):
        return "a list"
    return "nothing" if value is None else type(value).__name__
