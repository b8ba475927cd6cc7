"""Load and strictly validate the measures catalogue (config/measures.yaml)."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from config.reader import USER_ID
from config.yamllines import (
    LineMap,
    LineSeq,
    Where,
    check_mapping,
    check_slug,
    check_string,
    kind_of,
    read_yaml,
)

__all__ = [
    "EEA_FIELDS",
    "STATUSES",
    "Catalogue",
    "Indicator",
    "IndicatorValue",
    "Measure",
    "Milestone",
    "Owners",
    "MeasuresError",
    "load_measures",
    "normalize_status",
]

STATUSES: tuple[str, ...] = ("geplant", "in Umsetzung", "abgeschlossen", "zurückgestellt")
DONE = "abgeschlossen"
LANGUAGES = ("de", "en")

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TOP_KEYS = frozenset({"example", "checked", "measures"})
_MEASURE_REQUIRED = frozenset(
    {
        "id",
        "title",
        "topic",
        "description",
        "target_group",
        "responsible",
        "status",
        "progress",
        "sources",
    }
)
_MEASURE_OPTIONAL = frozenset(
    {
        "status_note",
        "start",
        "end",
        "co2_saving_t_per_year",
        "co2_achieved_t_per_year",
        "owners",
        "indicators",
        "milestones",
        "eea_field",
        "links",
    }
)
# The six fields of the European Energy Award catalogue, by slug.
EEA_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "entwicklungsplanung": "Entwicklungsplanung, Raumordnung",
        "kommunale-gebaeude": "Kommunale Gebäude, Anlagen",
        "versorgung-entsorgung": "Versorgung, Entsorgung",
        "mobilitaet": "Mobilität",
        "interne-organisation": "Interne Organisation",
        "kommunikation-kooperation": "Kommunikation, Kooperation",
    }
)
_OWNER_KEYS = frozenset({"department", "users"})
_INDICATOR_REQUIRED = frozenset({"id", "name", "unit"})
_INDICATOR_OPTIONAL = frozenset({"baseline", "target", "values"})
_YEAR_VALUE = frozenset({"value", "year"})
_VALUE_REQUIRED = frozenset({"date", "value"})
_VALUE_OPTIONAL = frozenset({"source"})
_MILESTONE_REQUIRED = frozenset({"name", "date"})
_MILESTONE_OPTIONAL = frozenset({"done"})
_UMLAUTS = MappingProxyType(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"}))
# fmt: off
_STATUS_WORDS = MappingProxyType(
    {
        "geplant": ("geplant", "planung", "in planung", "planned", "planning"),
        "in Umsetzung": (
            "in umsetzung", "umsetzung", "laufend", "laeuft", "aktiv",
            "in progress", "ongoing", "active", "running",
        ),
        DONE: ("abgeschlossen", "fertig", "erledigt", "done", "completed", "finished"),
        "zurückgestellt": (
            "zurueckgestellt", "zuruckgestellt", "pausiert", "gestoppt",
            "paused", "on hold", "postponed", "stopped",
        ),
    }
)
# fmt: on
_STATUS_ALIASES = MappingProxyType(
    {word: status for status, words in _STATUS_WORDS.items() for word in words}
)


class MeasuresError(Exception):
    """The measures file is broken; the message names file, line and key path."""


@dataclass(frozen=True)
class Owners:
    """Who answers for a measure: a department and the Matrix IDs that may update it."""

    department: str | None
    users: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorValue:
    """One measured value of an indicator (from the catalogue; later ones live in the DB)."""

    date: datetime.date
    value: float
    source: str | None


@dataclass(frozen=True)
class Indicator:
    """A measurable quantity of a measure, with its baseline and target (value, year)."""

    id: str
    name: str
    unit: str
    baseline: tuple[float, int] | None
    target: tuple[float, int] | None
    values: tuple[IndicatorValue, ...]


@dataclass(frozen=True)
class Milestone:
    """A dated step of a measure; `number` counts from 1 in catalogue order."""

    number: int
    name: str
    date: datetime.date
    done: bool


@dataclass(frozen=True)
class Measure:
    """One climate protection measure with its status and sources."""

    id: str
    title: Mapping[str, str]
    topic: str
    description: Mapping[str, str]
    target_group: Mapping[str, str]
    responsible: str
    status: str
    status_note: Mapping[str, str]
    progress: int
    start: datetime.date | None
    end: datetime.date | None
    co2_saving_t_per_year: float | None
    sources: tuple[str, ...]
    co2_achieved_t_per_year: float | None = None
    owners: Owners = Owners(None, ())
    indicators: tuple[Indicator, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    eea_field: str | None = None
    links: tuple[str, ...] = ()

    def indicator(self, text: str) -> Indicator | None:
        """The indicator with this id or name (case-insensitive), or None."""
        wanted = text.strip().casefold()
        return next((i for i in self.indicators if wanted in (i.id, i.name.casefold())), None)


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue; `example` marks a stand-in that is not the official list."""

    example: bool
    checked: datetime.date | None
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure | None:
        """The measure with this id (case and surrounding spaces ignored), or None."""
        wanted = measure_id.strip().lower()
        return next((m for m in self.measures if m.id == wanted), None)


def normalize_status(text: str) -> str | None:
    """Map a typed status (`umsetzung`, `fertig`, `paused` …) to one of STATUSES, else None."""
    word = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    return _STATUS_ALIASES.get(" ".join(word.replace("_", " ").replace("-", " ").split()))


def load_measures(path: Path, topic_slugs: frozenset[str]) -> Catalogue:
    """Load and validate the measures file; every topic must be one of `topic_slugs`."""
    at = Where(str(path), 1, "", MeasuresError, by_key=True)
    root = check_mapping(_read_yaml(path), at, frozenset({"measures"}), _TOP_KEYS)
    measures_at = at.key(root, "measures")
    measures: dict[str, Measure] = {}
    for item_at, item in measures_at.items(_sequence(root["measures"], measures_at)):
        measure = _measure(item, item_at, topic_slugs)
        if measure.id in measures:
            raise item_at.key(item, "id").error(f"duplicate id {measure.id!r}")
        measures[measure.id] = measure
    checked = root.get("checked")
    return Catalogue(
        example=_bool(root.get("example", False), at.key(root, "example")),
        checked=None if checked is None else _date(checked, at.key(root, "checked")),
        measures=tuple(measures.values()),
    )


# --- YAML with line numbers: config/yamllines.py ------------------------------------------

_Map = LineMap
_Seq = LineSeq


def _read_yaml(path: Path) -> Any:
    """Parse the file; unreadable files and YAML syntax errors become MeasuresError."""
    return read_yaml(path, MeasuresError)


# --- validation ---------------------------------------------------------------------------


_At = Where


def _measure(value: Any, at: _At, topic_slugs: frozenset[str]) -> Measure:
    """Validate one entry of `measures`."""
    item = check_mapping(value, at, _MEASURE_REQUIRED, _MEASURE_OPTIONAL)
    measure = Measure(
        id=check_slug(item["id"], at.key(item, "id")),
        title=_texts(item["title"], at.key(item, "title")),
        topic=_topic(item["topic"], at.key(item, "topic"), topic_slugs),
        description=_texts(item["description"], at.key(item, "description")),
        target_group=_texts(item["target_group"], at.key(item, "target_group")),
        responsible=check_string(item["responsible"], at.key(item, "responsible")),
        status=_status(item["status"], at.key(item, "status")),
        status_note=_optional_texts(item.get("status_note"), at.key(item, "status_note")),
        progress=_progress(item["progress"], at.key(item, "progress")),
        start=_optional_date(item.get("start"), at.key(item, "start")),
        end=_optional_date(item.get("end"), at.key(item, "end")),
        co2_saving_t_per_year=_co2(
            item.get("co2_saving_t_per_year"), at.key(item, "co2_saving_t_per_year")
        ),
        sources=_sources(item["sources"], at.key(item, "sources")),
        co2_achieved_t_per_year=_co2(
            item.get("co2_achieved_t_per_year"), at.key(item, "co2_achieved_t_per_year")
        ),
        owners=_owners(item.get("owners"), at.key(item, "owners")),
        indicators=_indicators(item.get("indicators"), at.key(item, "indicators")),
        milestones=_milestones(item.get("milestones"), at.key(item, "milestones")),
        eea_field=_eea_field(item.get("eea_field"), at.key(item, "eea_field")),
        links=() if item.get("links") is None else _urls(item["links"], at.key(item, "links")),
    )
    _check_consistent(measure, item, at)
    return measure


def _check_consistent(measure: Measure, item: _Map, at: _At) -> None:
    """progress is 100 exactly when the measure is done; a measure cannot end before it starts."""
    if (measure.progress == 100) != (measure.status == DONE):
        raise at.key(item, "progress").error(
            f"must be 100 if and only if status is {DONE} (status is {measure.status})"
        )
    if measure.start is not None and measure.end is not None and measure.start > measure.end:
        raise at.key(item, "end").error(f"{measure.end} is before start {measure.start}")


def _sequence(value: Any, at: _At, min_items: int = 0) -> _Seq:
    """A list with at least `min_items` items."""
    if not isinstance(value, _Seq):
        raise at.error(f"must be a list, got {kind_of(value)}")
    if len(value) < min_items:
        raise at.error(f"needs at least {min_items} item(s)")
    return value


def _texts(value: Any, at: _At) -> Mapping[str, str]:
    """A {de, en} mapping of non-empty strings."""
    langs = check_mapping(value, at, frozenset(LANGUAGES), frozenset())
    return MappingProxyType(
        {lang: check_string(langs[lang], at.key(langs, lang)) for lang in LANGUAGES}
    )


def _optional_texts(value: Any, at: _At) -> Mapping[str, str]:
    """Like _texts, but absent or null gives an empty mapping."""
    return MappingProxyType({}) if value is None else _texts(value, at)


def _topic(value: Any, at: _At, topic_slugs: frozenset[str]) -> str:
    """One of the known topic slugs."""
    slug = check_string(value, at)
    if slug not in topic_slugs:
        raise at.error(f"unknown topic {slug!r} (known: {', '.join(sorted(topic_slugs))})")
    return slug


def _status(value: Any, at: _At) -> str:
    """Exactly one of STATUSES; a recognisable variant is named in the error as a hint."""
    text = unicodedata.normalize("NFC", check_string(value, at))
    if text in STATUSES:
        return text
    hint = normalize_status(text)
    suffix = f" (did you mean {hint!r}?)" if hint else ""
    raise at.error(f"must be one of {', '.join(STATUSES)}{suffix}")


def _progress(value: Any, at: _At) -> int:
    """A whole number of percent, 0-100."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.error(f"must be a whole number 0-100, got {kind_of(value)}")
    if not 0 <= value <= 100:
        raise at.error(f"must be between 0 and 100, got {value}")
    return value


def _co2(value: Any, at: _At) -> float | None:
    """Tonnes of CO2 saved per year: a non-negative number, or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise at.error(f"must be a number or null, got {kind_of(value)}")
    if not math.isfinite(value) or value < 0:
        raise at.error(f"must be a finite number >= 0, got {value}")
    return float(value)


def _owners(value: Any, at: _At) -> Owners:
    """`department` (text) and `users` (Matrix IDs), both optional; absent gives no owners."""
    if value is None:
        return Owners(None, ())
    item = check_mapping(value, at, frozenset(), _OWNER_KEYS)
    department = item.get("department")
    users: list[str] = []
    if item.get("users") is not None:
        users_at = at.key(item, "users")
        for user_at, user in users_at.items(_sequence(item["users"], users_at)):
            user_id = check_string(user, user_at)
            if not USER_ID.match(user_id):
                raise user_at.error(f"{user_id!r} is not a Matrix ID like @name:server")
            if user_id in users:
                raise user_at.error(f"{user_id!r} is listed twice")
            users.append(user_id)
    return Owners(
        None if department is None else check_string(department, at.key(item, "department")),
        tuple(users),
    )


def _indicators(value: Any, at: _At) -> tuple[Indicator, ...]:
    """A list of indicators with unique ids; absent gives none."""
    if value is None:
        return ()
    found: list[Indicator] = []
    for item_at, raw in at.items(_sequence(value, at)):
        item = check_mapping(raw, item_at, _INDICATOR_REQUIRED, _INDICATOR_OPTIONAL)
        indicator_id = check_slug(item["id"], item_at.key(item, "id"))
        if any(i.id == indicator_id for i in found):
            raise item_at.key(item, "id").error(f"duplicate indicator id {indicator_id!r}")
        values_at = item_at.key(item, "values")
        values = (
            ()
            if item.get("values") is None
            else tuple(
                _indicator_value(v, v_at)
                for v_at, v in values_at.items(_sequence(item["values"], values_at))
            )
        )
        found.append(
            Indicator(
                id=indicator_id,
                name=check_string(item["name"], item_at.key(item, "name")),
                unit=check_string(item["unit"], item_at.key(item, "unit")),
                baseline=_year_value(item.get("baseline"), item_at.key(item, "baseline")),
                target=_year_value(item.get("target"), item_at.key(item, "target")),
                values=values,
            )
        )
    return tuple(found)


def _year_value(value: Any, at: _At) -> tuple[float, int] | None:
    """{value: number, year: YYYY}, or null."""
    if value is None:
        return None
    item = check_mapping(value, at, _YEAR_VALUE, frozenset())
    year = item["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise at.key(item, "year").error(f"must be a year 1990-2100, got {year!r}")
    return _number(item["value"], at.key(item, "value")), year


def _indicator_value(value: Any, at: _At) -> IndicatorValue:
    """{date, value, source?}."""
    item = check_mapping(value, at, _VALUE_REQUIRED, _VALUE_OPTIONAL)
    source = item.get("source")
    return IndicatorValue(
        date=_date(item["date"], at.key(item, "date")),
        value=_number(item["value"], at.key(item, "value")),
        source=None if source is None else check_string(source, at.key(item, "source")),
    )


def _milestones(value: Any, at: _At) -> tuple[Milestone, ...]:
    """A list of {name, date, done?}; absent gives none."""
    if value is None:
        return ()
    found = []
    for number, (item_at, raw) in enumerate(at.items(_sequence(value, at)), start=1):
        item = check_mapping(raw, item_at, _MILESTONE_REQUIRED, _MILESTONE_OPTIONAL)
        found.append(
            Milestone(
                number=number,
                name=check_string(item["name"], item_at.key(item, "name")),
                date=_date(item["date"], item_at.key(item, "date")),
                done=_bool(item.get("done", False), item_at.key(item, "done")),
            )
        )
    return tuple(found)


def _eea_field(value: Any, at: _At) -> str | None:
    """One of the six eea field slugs, or null."""
    if value is None:
        return None
    slug = check_string(value, at)
    if slug not in EEA_FIELDS:
        raise at.error(f"unknown eea field {slug!r} (known: {', '.join(EEA_FIELDS)})")
    return slug


def _number(value: Any, at: _At) -> float:
    """A finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise at.error(f"must be a number, got {kind_of(value)}")
    if not math.isfinite(value):
        raise at.error(f"must be a finite number, got {value}")
    return float(value)


def _sources(value: Any, at: _At) -> tuple[str, ...]:
    """At least one absolute http(s) URL."""
    return _urls(value, at, min_items=1)


def _urls(value: Any, at: _At, min_items: int = 0) -> tuple[str, ...]:
    """A list of absolute http(s) URLs."""
    seq = _sequence(value, at, min_items=min_items)
    urls = []
    for item_at, item in at.items(seq):
        url = check_string(item, item_at)
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in url)
        ):
            raise item_at.error(f"{url!r} is not an http(s) URL")
        urls.append(url)
    return tuple(urls)


def _optional_date(value: Any, at: _At) -> datetime.date | None:
    """A date, or null."""
    return None if value is None else _date(value, at)


def _date(value: Any, at: _At) -> datetime.date:
    """A calendar date written YYYY-MM-DD."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise at.error(f"must be a date (YYYY-MM-DD) or null, got {kind_of(value)} {value!r}")


def _bool(value: Any, at: _At) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise at.error(f"must be true or false, got {kind_of(value)}")
    return value
