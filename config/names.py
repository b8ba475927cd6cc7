"""Names nobody may register under (config/reserved_names.yaml), and how names are compared.

Actor names are shown in the directory, in introductions and in manager notices; a name that
poses as the town, its climate management or the bot would borrow their authority.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from config.faq import FaqError
from config.settings import shipped_config_dir
from config.yamllines import read_yaml

__all__ = ["default_reserved_names_file", "load_reserved_names", "name_words", "poses_as"]

# Look-alike letters from other scripts that NFKD leaves alone (Cyrillic, Greek).
_LOOKALIKES = str.maketrans(
    "аеорсхуікмтвнѕјһԁԛԝАЕОРСХУІКМТВНЅЈαορτυνκΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcxyikmtbhsjhdqwAEOPCXYIKMTBHSJaoptuvkABEZHIKMNOPTYX",
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def default_reserved_names_file() -> Path:
    """The shipped list."""
    return shipped_config_dir() / "reserved_names.yaml"


def name_words(text: str) -> list[str]:
    """A name as lower-case ASCII-ish words: umlauts spelt out, accents, punctuation and
    invisible characters dropped, look-alike letters of other scripts mapped to Latin ones."""
    folded = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES).lower()
    folded = folded.translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category in ("Mn", "Cf", "Cc"):  # accents, zero-width and control characters
            continue
        kept.append(char if char.isalnum() else " ")
    return "".join(kept).split()


def poses_as(name: str, reserved: frozenset[str]) -> bool:
    """True if some run of the name's words, written together, is a reserved entry."""
    words = name_words(name)
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined in reserved:
                return True
    return False


def load_reserved_names(path: Path | None = None) -> frozenset[str]:
    """The reserved entries, each written together in `name_words` form."""
    path = path or default_reserved_names_file()
    raw: Any = read_yaml(path, FaqError)
    entries = raw.get("reserved") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise FaqError(f"{path}: 'reserved' must be a list of names")
    return frozenset("".join(name_words(e)) for e in entries if name_words(e))
