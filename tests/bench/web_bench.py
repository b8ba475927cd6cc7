"""Benchmark the public page while the bot answers FAQ questions: `python -m tests.bench.web_bench`.

One process is the bot: the page's own server (bot/web.py on a real SQLite file with the example
measures, history and events) and, on the same event loop, FAQ questions answered the way the bot
answers them (`FaqService.ask`, the path tests/bench/faq_bench.py times). A second process is the
load: an aiohttp client that sends GET requests at a fixed rate (open loop: a request is due at its
time whether or not the earlier ones came back) over the overview, a measure page, its chart, the
history as JSON and the events, and times each from when it was due to its last byte.

Questions arrive at a fixed rate too; an answer's latency runs from its arrival to the end of
`ask`, so it includes waiting for the loop (a page being rendered there) as well as the CPU the
load takes. Rounds alternate without and with the load (quiet, load, load, quiet, ...) so that a
busy shared machine weighs on both alike. Prints one JSON object (issue 13: page p95 < 50 ms at
50 requests/s, answer p50 with the load at most 10 % above the one without).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.web import WebServer
from bot.wiring import ServiceSettings, build_services
from commands.context import Health
from commands.faq import FaqService
from commands.i18n import Catalog
from commands.monitor import MonitorService, MonitorSettings
from config.faq import load_faq
from store.db import Database
from tests.bench.faq_bench import ROOT, queries

LED = "led-strassenbeleuchtung"
PATHS = (
    "",
    f"massnahmen/{LED}",
    f"massnahmen/{LED}/kennzahlen.png",
    "daten/verlauf.json",
    "termine",
)
AUTHOR = "@ksm:ochtrup.test"


class _NoHealth:
    async def health(self) -> Health:
        raise RuntimeError("not used")


async def _notify(room: str, text: str) -> None:
    return None


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 3),
        "p95_ms": round(_percentile(values, 0.95), 3),
        "p99_ms": round(_percentile(values, 0.99), 3),
        "max_ms": round(max(values), 3),
    }


# --- the load: a separate process --------------------------------------------------------------


async def _get(session: aiohttp.ClientSession, url: str, due: float) -> tuple[str, float, bool]:
    try:
        async with session.get(url) as response:
            await response.read()
            ok = response.status == 200
    except aiohttp.ClientError:
        ok = False
    return url, (asyncio.get_running_loop().time() - due) * 1000, ok


async def _load(base: str, rate: float, seconds: float) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        for path in PATHS:  # open the first connections before the clock starts
            await _get(session, base + path, 0.0)
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for i in range(int(rate * seconds)):
            due = start + i / rate
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            tasks.append(asyncio.create_task(_get(session, base + PATHS[i % len(PATHS)], due)))
        results = await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    return {
        "requests": len(results),
        "rate_per_s": round(len(results) / elapsed, 1),
        "errors": sum(not ok for _, _, ok in results),
        "latencies_ms": [ms for _, ms, _ in results],
        "by_path": {
            "/" + p: _summary([ms for url, ms, _ in results if url == base + p]) for p in PATHS
        },
    }


# --- the questions: a separate process, as messages come to the bot over the network ----------


def _ask_over_socket(port: int, rate: float, seconds: float, texts: Sequence[str]) -> None:
    """Send `texts` at `rate` per second, each stamped with its send time (CLOCK_MONOTONIC is
    the same clock in every process, so the bot can time from here to its answer)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            due = start + i / rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            text = texts[i % len(texts)].replace("\n", " ").replace("\t", " ")
            sock.sendall(f"{time.monotonic()!r}\t{text}\n".encode())


# --- the bot: server and question answering on one event loop ----------------------------------


@dataclass
class _Answers:
    """What the bot measured: arrival-to-answer and the ask alone, in ms."""

    latencies: list[float] = field(default_factory=list)
    compute: list[float] = field(default_factory=list)


def _answering(faq: FaqService, answers: _Answers) -> Callable[..., Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            sent, _, text = line.decode().rstrip("\n").partition("\t")
            start = time.perf_counter()
            faq.ask(text)
            done = time.monotonic()
            answers.compute.append((time.perf_counter() - start) * 1000)
            answers.latencies.append((done - float(sent)) * 1000)
        writer.close()

    return handle


async def _subprocess(*args: str) -> asyncio.subprocess.Process:
    command = [sys.executable, "-m", "tests.bench.web_bench", *args]
    return await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)


async def _phase(
    url: str, questions_port: int, args: argparse.Namespace, with_load: bool
) -> dict[str, Any] | None:
    """One phase: questions for `args.seconds`, with the page load running meanwhile or not."""
    load = None
    if with_load:  # runs a little longer than the questions, which start after it
        load = await _subprocess(
            "--load", url, "--rate", str(args.rate), "--seconds", str(args.seconds + 2)
        )
        assert load.stdout is not None
        assert (await load.stdout.readline()).strip() == b"ready"
    asker = await _subprocess(
        "--ask",
        str(questions_port),
        "--rate",
        str(args.question_rate),
        "--seconds",
        str(args.seconds),
    )
    if await asker.wait():
        raise RuntimeError("question sender failed")
    if load is None:
        return None
    output, _ = await load.communicate()
    if load.returncode:
        raise RuntimeError(f"load generator failed ({load.returncode})")
    result: dict[str, Any] = json.loads(output)
    return result


async def _site(tmp: Path, history: int) -> tuple[Database, Any, WebServer]:
    db = await Database.open(tmp / "bench.sqlite")
    catalog = Catalog.load()
    services = build_services(db, ServiceSettings.defaults(), catalog, _NoHealth(), _notify)
    measures, events = services.measures, services.events
    assert measures is not None
    assert events is not None
    assert services.broadcaster is not None
    await measures.seed()
    led = measures.catalogue.get(LED)
    assert led is not None
    today = datetime.date.today()
    for i in range(history):
        measure = measures.catalogue.measures[i % len(measures.catalogue.measures)]
        await measures.store.record(measure.id, AUTHOR, "in Umsetzung", i % 101, f"Meldung {i}")
    for i in range(24):
        day = today - datetime.timedelta(days=30 * (24 - i))
        await measures.store.record_value(LED, led.indicators[0].id, 20.0 + i, day, AUTHOR)
    for i in range(5):
        starts = time.time() + (i + 1) * 7 * 86400
        await events.store.add(f"Termin {i}", starts, "Rathaus", 30, None, "", None, AUTHOR)
    monitor = MonitorService(
        measures, services.broadcaster.topics, catalog, MonitorSettings("@klimabot:ochtrup.test")
    )
    monitor.events = events
    server = WebServer(monitor, "127.0.0.1", 0)
    await server.start()
    return db, services.faq, server


async def _bench(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        db, faq, server = await _site(Path(tmp), args.history)
        try:
            await faq.ready()
            for text in queries(faq.data, 100):  # warm the engine's caches
                faq.ask(text)
            async with aiohttp.ClientSession() as session:  # draw the charts once
                for path in PATHS:
                    async with session.get(server.url + path) as response:
                        assert response.status == 200, path
            answers = {False: _Answers(), True: _Answers()}
            pages: list[dict[str, Any]] = []
            for round_ in range(args.rounds):
                # quiet, load, load, quiet, quiet, load ...: neither comes always first
                for with_load in (False, True) if round_ % 2 == 0 else (True, False):
                    listener = await asyncio.start_server(
                        _answering(faq, answers[with_load]), "127.0.0.1", 0
                    )
                    port = int(listener.sockets[0].getsockname()[1])
                    async with listener:
                        page = await _phase(server.url, port, args, with_load)
                    if page is not None:
                        pages.append(page)
        finally:
            await server.stop()
            await db.close()
    page_ms = [ms for page in pages for ms in page["latencies_ms"]]
    quiet, loaded = answers[False], answers[True]
    answer_quiet, answer_loaded = _summary(quiet.latencies), _summary(loaded.latencies)
    return {
        "history_rows": args.history,
        "rounds": args.rounds,
        "seconds_per_phase": args.seconds,
        "page_rate_per_s": [page["rate_per_s"] for page in pages],
        "page_errors": sum(page["errors"] for page in pages),
        "page": _summary(page_ms),
        "page_by_path": pages[-1]["by_path"],
        "page_p95_ok": _percentile(page_ms, 0.95) < 50.0,
        "question_rate_per_s": args.question_rate,
        "answer_without_load": answer_quiet,
        "answer_with_load": answer_loaded,
        "answer_p50_ratio": round(answer_loaded["p50_ms"] / answer_quiet["p50_ms"], 3),
        "answer_p50_ok": answer_loaded["p50_ms"] <= 1.10 * answer_quiet["p50_ms"],
        "ask_alone_without_load": _summary(quiet.compute),
        "ask_alone_with_load": _summary(loaded.compute),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark (or, with --load, be the load generator) and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--load", metavar="URL", help="be the load generator for URL")
    parser.add_argument("--ask", metavar="PORT", type=int, help="be the question sender")
    parser.add_argument("--rate", type=float, default=50.0, help="page requests per second")
    parser.add_argument("--question-rate", type=float, default=20.0, help="questions per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--history", type=int, default=5000, help="history rows in all")
    args = parser.parse_args(argv)
    if args.ask:
        config = ROOT / "config"
        data = load_faq(config / "faq", config / "topics.yaml", config / "synonyms.yaml")
        _ask_over_socket(args.ask, args.rate, args.seconds, queries(data, 500))
        return
    if args.load:
        print(json.dumps(asyncio.run(_load(args.load, args.rate, args.seconds))))
        return
    print(json.dumps(asyncio.run(_bench(args)), indent=2))


if __name__ == "__main__":
    main()
