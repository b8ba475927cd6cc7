"""Benchmark the council report: `python -m tests.bench.report_bench [--history N]`.

Two cases on a real SQLite file: the example measures (config/measures.yaml) with N history
rows (status, news, indicator values; default 5,000), and 200 measures with 10 indicator values
each (issue 13: HTML < 2 s, PDF < 5 s). Times reading the period (collect), the HTML file and
the PDF file, each with its charts (html_s and pdf_s include reading the period; *_cpu_s are
this process's CPU seconds for the file alone, less disturbed by a busy machine); prints one
JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.wiring import ServiceSettings, build_services
from commands.context import Health
from commands.i18n import Catalog
from commands.report import Period, ReportSources, build_files, collect
from config.measures import Indicator, IndicatorValue, Measure

STATUSES = ("geplant", "in Umsetzung", "zurückgestellt")


class _NoHealth:
    async def health(self) -> Health:
        raise RuntimeError("not used")


async def _notify(room: str, text: str) -> None:
    return None


def _wide_catalogue(services: Any, count: int, values: int) -> None:
    """`count` measures made from the example ones, each with one indicator of `values` values."""
    service = services.measures
    examples = service.catalogue.measures
    today = date.today()
    measures = []
    for n in range(count):
        base: Measure = examples[n % len(examples)]
        points = tuple(
            IndicatorValue(today - timedelta(days=30 * (values - i)), 10.0 * i + n % 7, None)
            for i in range(values)
        )
        indicator = Indicator(f"k{n}", f"Kennzahl {n}", "t", (0.0, 2020), (200.0, 2030), points)
        measures.append(
            dataclasses.replace(
                base,
                id=f"{base.id}-{n}",
                title={"de": f"{base.title['de']} ({n})", "en": base.title["en"]},
                indicators=(indicator,),
                milestones=(),
            )
        )
    service.catalogue = dataclasses.replace(service.catalogue, measures=tuple(measures))


async def _history(services: Any, rows: int) -> None:
    """Status changes, news and indicator values spread over the example measures."""
    rng = random.Random(13)
    store = services.measures.store
    measures = services.measures.catalogue.measures
    today = date.today()
    for n in range(rows):
        measure = measures[n % len(measures)]
        kind = n % 3
        if kind == 0:
            await store.record(measure.id, "@ksm:bench", rng.choice(STATUSES), rng.randint(0, 99))
        elif kind == 1:
            await store.record(measure.id, "@ksm:bench", text=f"Neuigkeit {n}")
        elif measure.indicators:
            indicator = measure.indicators[0]
            day = today - timedelta(days=rng.randint(0, 360))
            await store.record_value(measure.id, indicator.id, rng.uniform(0, 500), day, "@x:b")


async def _case(name: str, history: int, wide: int) -> dict[str, Any]:
    from store.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite")
        catalog = Catalog.load()
        services = build_services(db, ServiceSettings.defaults(), catalog, _NoHealth(), _notify)
        if wide:
            _wide_catalogue(services, wide, 10)
        await _history(services, history)
        sources = ReportSources.of(services)
        await sources.ready()  # the FAQ index is built once at start, not per report
        today = date.today()
        period = Period(today - timedelta(days=364), today)
        started = time.perf_counter()
        report = await collect(sources, period, time.time())
        collected = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        html = build_files(report, catalog, pdf=False).html
        html_s, html_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        pdf = build_files(report, catalog, html=False).pdf
        pdf_s, pdf_cpu = time.perf_counter() - started, time.process_time() - cpu
        await db.close()
    return {
        "case": name,
        "measures": len(report.measures),
        "history_rows": history,
        "collect_s": round(collected, 3),
        "html_s": round(html_s + collected, 3),
        "pdf_s": round(pdf_s + collected, 3),
        "html_cpu_s": round(html_cpu, 3),
        "pdf_cpu_s": round(pdf_cpu, 3),
        "html_kib": len(html) // 1024,
        "pdf_kib": len(pdf) // 1024,
    }


async def _main(history: int) -> list[dict[str, Any]]:
    return [
        await _case("example measures", history, 0),
        await _case("200 measures x 10 values", 0, 200),
    ]


def main() -> None:
    """Run both cases and print the numbers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=5000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(_main(args.history)), indent=2), flush=True)


if __name__ == "__main__":
    main()
