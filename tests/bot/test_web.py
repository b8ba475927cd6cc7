"""The public page's transport (bot/web.py): routes, methods, headers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from bot.web import SECURITY_HEADERS, WebServer, make_app
from bot.wiring import ServiceSettings, build_services
from commands.i18n import Catalog
from commands.monitor import MonitorService, MonitorSettings
from store.db import Database
from tests.commands.fakes import FixedHealth

LED = "led-strassenbeleuchtung"
GOOD = {
    "/": "text/html; charset=utf-8",
    f"/massnahmen/{LED}": "text/html; charset=utf-8",
    f"/massnahmen/{LED}/kennzahlen.png": "image/png",
    "/fortschritt.png": "image/png",
    "/themen": "text/html; charset=utf-8",
    "/daten": "text/html; charset=utf-8",
    "/daten/massnahmen.csv": "text/csv; charset=utf-8; header=present",
    "/daten/verlauf.json": "application/json",
    "/barrierefreiheit": "text/html; charset=utf-8",
    "/monitor.css": "text/css; charset=utf-8",
    "/termine": "text/html; charset=utf-8",
    "/termine.ics": "text/calendar; charset=utf-8",
    "/termine/1.ics": "text/calendar; charset=utf-8",
}


# One database and server for the module: the routes only read.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def monitor(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MonitorService]:
    db = await Database.open(tmp_path_factory.mktemp("web") / "bot.sqlite")
    catalog = Catalog.load()

    async def notify(room: str, text: str) -> None:
        return None

    services = build_services(db, ServiceSettings.defaults(), catalog, FixedHealth(), notify)
    assert services.measures is not None
    assert services.broadcaster is not None
    assert services.events is not None
    await services.measures.seed()
    store = services.events.store
    soon = time.time() + 7 * 86400
    # Number 1 is upcoming, number 2 cancelled, number 3 over.
    await store.add("Radtour", soon, "Markt", 10, None, "", None, "@ksm:ochtrup.test")
    await store.add("Abgesagt", soon, "Markt", None, None, "", None, "@ksm:ochtrup.test")
    await store.cancel(2)
    await store.add("Vorbei", time.time() - 60, "Markt", None, None, "", None, "@ksm:ochtrup.test")
    monitor = MonitorService(
        services.measures,
        services.broadcaster.topics,
        catalog,
        MonitorSettings("@klimabot:ochtrup.test"),
    )
    monitor.events = services.events
    yield monitor
    await db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(monitor: MonitorService) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(make_app(monitor))) as client:
        yield client


def _has_security_headers(response: aiohttp.ClientResponse) -> bool:
    return all(response.headers.get(k) == v for k, v in SECURITY_HEADERS.items())


@pytest.mark.parametrize(("path", "content_type"), GOOD.items())
async def test_every_route_answers_with_its_type_and_the_security_headers(
    client: TestClient[Any, Any], path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert _has_security_headers(response)
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "Server" not in response.headers
    assert ("Access-Control-Allow-Origin" in response.headers) == path.startswith("/daten/")


async def test_head_answers_without_a_body(client: TestClient[Any, Any]) -> None:
    response = await client.head("/")
    assert response.status == 200
    assert await response.read() == b""
    assert _has_security_headers(response)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/", f"/massnahmen/{LED}", "/daten/massnahmen.csv"])
async def test_only_get_and_head_are_allowed(
    client: TestClient[Any, Any], method: str, path: str
) -> None:
    response = await client.request(method, path, data=b"x")
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD"}
    assert _has_security_headers(response)


@pytest.mark.parametrize(
    "path",
    [
        "/massnahmen/gibt-es-nicht",
        "/massnahmen/LED-STRASSENBELEUCHTUNG",
        "/massnahmen/..%2F..%2Fconfig%2Fsettings.py",
        "/massnahmen/%2e%2e/%2e%2e/etc/passwd",
        "/massnahmen/../../etc/passwd",
        "/daten/..%2Fmassnahmen.csv",
        "/daten/massnahmen.txt",
        "/static/monitor.css",
        "/commands/monitor/templates/base.html",
        "/massnahmen/klimaschutzmanagement/kennzahlen.png",  # no indicator values
        "/massnahmen/",
        "/themen/",
        "/termine/2.ics",  # cancelled
        "/termine/3.ics",  # over
        "/termine/999.ics",
        "/termine/01.ics",
        "/termine/-1.ics",
        "/termine/1e3.ics",
        "/termine/99999999999999999999999.ics",
        "/termine/%D9%A1.ics",  # an Arabic-Indic one: a digit to str.isdigit, not to us
        "/termine/1",
        "/termine/",
    ],
)
async def test_unknown_paths_get_the_html_404_page(client: TestClient[Any, Any], path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Seite nicht gefunden" in await response.text()
    assert _has_security_headers(response)


async def test_an_unexpected_error_shows_only_a_reference(
    monitor: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> Any:
        raise RuntimeError("secret detail /srv/klimabot/data")

    monkeypatch.setattr(monitor, "index", broken)
    async with TestClient(TestServer(make_app(monitor))) as fresh:  # nothing cached yet
        response = await fresh.get("/")
        assert response.status == 500
        text = await response.text()
    assert "Fehlernummer" in text
    assert "secret detail" not in text
    assert _has_security_headers(response)


async def test_server_listens_on_a_free_port_and_stops(monitor: MonitorService) -> None:
    server = WebServer(monitor, "127.0.0.1", 0)
    await server.start()
    try:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/"
        async with aiohttp.ClientSession() as session, session.get(server.url) as response:
            assert response.status == 200
    finally:
        await server.stop()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(server.url)


async def test_events_page_lists_only_upcoming_events_with_calendar_links(
    client: TestClient[Any, Any],
) -> None:
    page = await (await client.get("/termine")).text()
    assert "Radtour" in page
    assert 'href="termine/1.ics"' in page
    assert 'href="termine.ics"' in page
    assert "Abgesagt" not in page
    assert "Vorbei" not in page
    assert "@ksm" not in page
    feed = await (await client.get("/termine.ics")).text()
    assert feed.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Radtour" in feed
    assert "@ksm" not in feed


async def test_a_burst_of_requests_builds_each_page_once(
    monitor: MonitorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    original = monitor.open_data

    async def counted(name: str) -> Any:
        built.append(name)
        return await original(name)

    monkeypatch.setattr(monitor, "open_data", counted)
    async with TestClient(TestServer(make_app(monitor))) as fresh:
        answers = await asyncio.gather(*(fresh.get("/daten/verlauf.json") for _ in range(20)))
        assert [a.status for a in answers] == [200] * 20
        assert len({await a.read() for a in answers}) == 1
        assert (await fresh.get("/daten/verlauf.csv")).status == 200
        assert (await fresh.get("/daten/gibt-es-nicht.csv")).status == 404
        assert (await fresh.get("/daten/gibt-es-nicht.csv")).status == 404
    assert built == ["verlauf.json", "verlauf.csv", "gibt-es-nicht.csv", "gibt-es-nicht.csv"]
