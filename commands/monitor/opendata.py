"""The open data files: measures, indicator values and history as CSV and JSON (UTF-8).

Both formats have the same columns (DATASETS); CSV is RFC 4180 with a header line and comma,
JSON a list of objects with typed values (numbers, null, lists). The columns are documented on
the page /daten (texts `monitor.column.<dataset>.<column>` in the catalogs) and in the README.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from commands.monitor.data import HistoryEntry, MeasureView, ValueRow

__all__ = [
    "DATASETS",
    "history_records",
    "measure_records",
    "to_csv",
    "to_json",
    "value_records",
]

DATASETS: Mapping[str, tuple[str, ...]] = {
    "massnahmen": (
        "id",
        "titel",
        "thema",
        "thema_name",
        "status",
        "fortschritt_prozent",
        "zustaendig",
        "eea_bereich",
        "co2_erwartet_t_pro_jahr",
        "co2_erreicht_t_pro_jahr",
        "beginn",
        "ende",
        "zielgruppe",
        "beschreibung",
        "quellen",
        "seite",
    ),
    "kennzahlen": (
        "massnahme_id",
        "kennzahl_id",
        "kennzahl",
        "einheit",
        "datum",
        "wert",
        "quelle",
        "herkunft",
        "ausgangswert",
        "ausgangsjahr",
        "zielwert",
        "zieljahr",
    ),
    "verlauf": ("massnahme_id", "zeitpunkt", "art", "status", "fortschritt_prozent", "text"),
}
# A text cell starting like a formula is prefixed with ' in the CSV, so a spreadsheet shows it
# instead of running it (the JSON keeps the text as it is).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def measure_records(views: Sequence[MeasureView], page_url: str) -> list[dict[str, Any]]:
    """One record per measure; `page_url` is prefixed to the measure id for its page."""
    records = []
    for v in views:
        m = v.measure
        records.append(
            {
                "id": m.id,
                "titel": m.title["de"],
                "thema": m.topic,
                "thema_name": v.topic_name,
                "status": v.status,
                "fortschritt_prozent": v.progress,
                "zustaendig": v.department,
                "eea_bereich": v.eea_field or None,
                "co2_erwartet_t_pro_jahr": m.co2_saving_t_per_year,
                "co2_erreicht_t_pro_jahr": m.co2_achieved_t_per_year,
                "beginn": m.start.isoformat() if m.start else None,
                "ende": m.end.isoformat() if m.end else None,
                "zielgruppe": m.target_group["de"],
                "beschreibung": m.description["de"],
                "quellen": list(m.sources),
                "seite": f"{page_url}{m.id}",
            }
        )
    return records


def value_records(measure_id: str, rows: Sequence[ValueRow]) -> list[dict[str, Any]]:
    """One record per indicator value of one measure."""
    records = []
    for r in rows:
        i = r.indicator
        records.append(
            {
                "massnahme_id": measure_id,
                "kennzahl_id": i.id,
                "kennzahl": i.name,
                "einheit": i.unit,
                "datum": r.day.isoformat(),
                "wert": r.value,
                "quelle": r.source or None,
                "herkunft": r.origin,
                "ausgangswert": i.baseline[0] if i.baseline else None,
                "ausgangsjahr": i.baseline[1] if i.baseline else None,
                "zielwert": i.target[0] if i.target else None,
                "zieljahr": i.target[1] if i.target else None,
            }
        )
    return records


def history_records(measure_id: str, entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    """One record per history entry of one measure (never who made it)."""
    return [
        {
            "massnahme_id": measure_id,
            "zeitpunkt": e.at.isoformat(),
            "art": e.kind,
            "status": e.status,
            "fortschritt_prozent": e.progress,
            "text": e.text,
        }
        for e in entries
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def to_csv(dataset: str, records: Sequence[Mapping[str, Any]]) -> bytes:
    """The records as CSV with a header line (UTF-8, comma, CRLF line ends as RFC 4180)."""
    columns = DATASETS[dataset]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def to_json(dataset: str, records: Sequence[Mapping[str, Any]]) -> bytes:
    """The records as a JSON list of objects with the dataset's columns in order (UTF-8)."""
    columns = DATASETS[dataset]
    data = [{c: record[c] for c in columns} for record in records]
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
