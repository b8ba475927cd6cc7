"""Message catalogs: German first, English second, loaded from config/i18n/*.yaml."""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from commands.formatting import Markup, literal
from config.yamllines import safe_load

__all__ = ["Catalog", "CatalogError", "default_catalog_dir", "plural"]

LANGUAGES = ("de", "en")


def plural(key: str, count: int) -> str:
    """`key.one` for exactly one, else `key.other` (German and English need no more forms)."""
    return f"{key}.one" if count == 1 else f"{key}.other"


class CatalogError(Exception):
    """A catalog file is missing, broken, or out of step with the German one."""


def default_catalog_dir() -> Path:
    """The catalogs shipped with the package."""
    return Path(__file__).resolve().parent.parent / "config" / "i18n"


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = str(value)
    return flat


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalog:
    """Looks up user-facing texts by key and language."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self._messages = messages

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalog:
        """Load and cross-check every language's catalog."""
        directory = directory or default_catalog_dir()
        messages = {lang: _load_file(directory / f"{lang}.yaml") for lang in LANGUAGES}
        _check_consistent(messages)
        return cls(messages)

    def text(self, language: str, key: str, **params: Any) -> str:
        """The text for `key` in `language` (falling back to German), with params filled in.

        The template is our light Markdown; each parameter shows as itself (`literal`) unless
        it is `Markup` already, i.e. built from catalog texts. The result is a `Markup` (typed
        as str, so that lists mixing it with other text need no annotation).
        """
        table = self._messages.get(language) or self._messages["de"]
        template = table.get(key) or self._messages["de"].get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in the catalogs")
        if not params:
            return Markup(template)
        return Markup(template.format_map({k: literal(v) for k, v in params.items()}))

    def has(self, key: str) -> bool:
        """True if the German catalog has `key`."""
        return key in self._messages["de"]


def _load_file(path: Path) -> dict[str, str]:
    try:
        tree = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    if not isinstance(tree, Mapping):
        raise CatalogError(f"{path}: must be a mapping of message keys")
    return _flatten(tree)


def _check_consistent(messages: Mapping[str, Mapping[str, str]]) -> None:
    german = messages["de"]
    for lang, table in messages.items():
        missing = sorted(set(german) ^ set(table))
        if missing:
            raise CatalogError(f"catalog {lang}: keys differ from de: {', '.join(missing)}")
        for key, template in table.items():
            if _fields(template) != _fields(german[key]):
                raise CatalogError(f"catalog {lang}: placeholders of {key!r} differ from de")
