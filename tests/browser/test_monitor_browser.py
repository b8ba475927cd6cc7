"""The public page in a real headless Chromium (Debian's, installed by `make test`).

The bot's own web server (bot/web.py) runs on a real SQLite file with the shipped example
catalogue plus values and news recorded as in chat. Playwright drives /usr/bin/chromium (never a
browser of its own); axe-core from tests/browser/node_modules is injected into each page. A
missing Chromium or axe-core fails the test: the Makefile installs both.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, async_playwright

from bot.web import WebServer
from bot.wiring import ServiceSettings, build_services
from commands.i18n import Catalog
from commands.monitor import MonitorService, MonitorSettings
from store.db import Database
from tests.commands.fakes import FixedHealth

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BOT = "@klimabot:ochtrup.test"
LED = "led-strassenbeleuchtung"
HOSTILE = '<script>window.hacked=1</script><img src=x onerror="window.hacked=2"> fertig'
# Every page kind: overview, a measure with indicators, chart and history, topics, open data,
# accessibility statement, the events, and the 404 page.
PAGES = ("", f"massnahmen/{LED}", "themen", "daten", "barrierefreiheit", "termine", "gibt-es-nicht")

# One server and one browser for the module (the charts are drawn once): well under 20 s.
pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]


@dataclass
class Site:
    url: str
    browser: Browser


async def _server(tmp_path: Path) -> tuple[Database, WebServer]:
    db = await Database.open(tmp_path / "monitor.sqlite")
    catalog = Catalog.load()

    async def notify(room: str, text: str) -> None:
        return None

    services = build_services(db, ServiceSettings.defaults(), catalog, FixedHealth(), notify)
    measures = services.measures
    assert measures is not None
    assert services.broadcaster is not None
    await measures.seed()
    indicator = measures.catalogue.get(LED).indicators[0]  # type: ignore[union-attr]
    await measures.store.record_value(
        LED, indicator.id, 41.5, datetime.date(2025, 6, 30), "@owner:ochtrup.test"
    )
    await measures.store.record(LED, "@owner:ochtrup.test", "in Umsetzung", 42)
    await measures.store.record(LED, "@owner:ochtrup.test", text=HOSTILE)
    assert services.events is not None
    soon = time.time() + 7 * 86400
    events = services.events.store
    await events.add(HOSTILE, soon, "Markt", 20, "mobilitaet", HOSTILE, None, "@ksm:ochtrup.test")
    await events.add("Energiespaziergang", soon + 86400, "", None, None, "", soon, "@ksm:x.test")
    monitor = MonitorService(
        measures,
        services.broadcaster.topics,
        catalog,
        MonitorSettings(BOT, contact="Klimaschutzmanagement, Rathaus"),
    )
    monitor.events = services.events
    server = WebServer(monitor, "127.0.0.1", 0)
    await server.start()
    return db, server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    assert CHROMIUM.exists(), "no /usr/bin/chromium: `make test` installs Debian's chromium"
    db, server = await _server(tmp_path_factory.mktemp("monitor"))
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            try:
                yield Site(server.url, browser)
            finally:
                await browser.close()
    finally:
        await server.stop()
        await db.close()


async def _page(site: Site, *, bypass_csp: bool = False, width: int = 1280) -> Page:
    """A page whose requests may reach only our server (matrix.to and sources stay offline)."""
    context = await site.browser.new_context(
        bypass_csp=bypass_csp, viewport={"width": width, "height": 720}
    )

    async def only_local(route: Route) -> None:
        if route.request.url.startswith(site.url):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", only_local)
    return await context.new_page()


async def _local_links(page: Page, base: str) -> list[str]:
    hrefs: list[str] = await page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    return sorted({h for h in hrefs if h.startswith(base)})


async def test_overview_shows_measures_and_a_loaded_progress_chart(site: Site) -> None:
    page = await _page(site)
    response = await page.goto(site.url)
    assert response is not None
    assert response.status == 200
    assert await page.inner_text("h1") == "Klimaschutz-Monitor"
    assert "Umstellung der Straßenbeleuchtung auf LED" in await page.inner_text("table")
    assert "42 %" in await page.inner_text("table")  # progress as text, not only a bar
    await page.wait_for_load_state("load")
    width = await page.eval_on_selector("figure img", "img => img.complete && img.naturalWidth")
    assert width
    assert width > 0
    assert await page.get_attribute("figure img", "alt")


async def test_measure_page_opened_by_its_link_shows_its_chart_and_escaped_news(
    site: Site,
) -> None:
    page = await _page(site)
    await page.goto(site.url)
    await page.click("text=Umstellung der Straßenbeleuchtung auf LED")
    await page.wait_for_load_state("load")
    assert page.url == f"{site.url}massnahmen/{LED}"
    assert await page.inner_text("h1") == "Umstellung der Straßenbeleuchtung auf LED"
    chart = "img[src$='kennzahlen.png']"
    assert await page.eval_on_selector(chart, "img => img.complete && img.naturalWidth") > 0
    assert "41,5 %" in await page.inner_text("section[aria-labelledby=kennzahlen]")
    history = await page.inner_text("section[aria-labelledby=verlauf]")
    assert "<script>window.hacked=1</script>" in history  # shown as typed, never run
    assert await page.evaluate("window.hacked") is None
    link = await page.get_attribute(".subscribe a", "href")
    assert link == f"https://matrix.to/#/{BOT}"


async def test_every_local_link_of_every_page_answers_and_anchors_exist(site: Site) -> None:
    page = await _page(site)
    seen: set[str] = set()
    for path in PAGES:
        await page.goto(site.url + path)
        for href in await _local_links(page, site.url):
            if href in seen:
                continue
            seen.add(href)
            address, _, anchor = href.partition("#")
            if address == page.url.partition("#")[0]:  # the skip link, the crumbs' last one
                assert not anchor or await page.query_selector(f"#{anchor}"), href
                continue
            answer = await page.request.get(address)
            assert answer.status == 200, f"{href} (linked from /{path}): {answer.status}"
            if anchor:
                assert f'id="{anchor}"' in await answer.text(), href
    assert f"{site.url}daten/kennzahlen.csv" in seen
    assert f"{site.url}termine.ics" in seen
    assert f"{site.url}termine/1.ics" in seen
    assert f"{site.url}massnahmen/{LED}" in seen


async def test_events_page_shows_escaped_titles_and_serves_calendar_files(site: Site) -> None:
    page = await _page(site)
    await page.goto(site.url)
    await page.click("text=Alle Termine")
    await page.wait_for_load_state("load")
    assert page.url == f"{site.url}termine"
    assert await page.inner_text("h1") == "Termine"
    first = await page.inner_text("#termin-1")
    assert "<script>window.hacked=1</script>" in first  # shown as typed, never run
    assert await page.evaluate("window.hacked") is None
    assert "20 von 20 frei" in await page.inner_text("article[aria-labelledby=termin-1]")
    assert await page.get_attribute("article[aria-labelledby=termin-1] time", "datetime")
    answer = await page.request.get(f"{site.url}termine/1.ics")
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert (await answer.text()).startswith("BEGIN:VCALENDAR")


async def test_keyboard_reaches_every_link_with_a_visible_focus(site: Site) -> None:
    page = await _page(site)
    await page.goto(site.url)
    await page.keyboard.press("Tab")
    first = await page.evaluate("document.activeElement.textContent")
    assert first == "Zum Inhalt springen"  # the skip link comes first and shows when focused
    box = await page.evaluate("JSON.stringify(document.activeElement.getBoundingClientRect())")
    assert '"top":' in box
    assert '"top":-' not in box
    links = await page.eval_on_selector_all("a[href]", "as => as.length")
    reached: set[int] = set()
    for _ in range(links + 5):
        await page.keyboard.press("Tab")
        index, outline = await page.evaluate(
            """() => {
                const el = document.activeElement;
                const all = [...document.querySelectorAll('a[href]')];
                return [all.indexOf(el), getComputedStyle(el).outlineStyle];
            }"""
        )
        if index >= 0:
            reached.add(index)
            assert outline != "none"
    assert reached >= set(range(1, links))  # every link after the skip link


async def test_axe_finds_no_serious_accessibility_violation_on_any_page(site: Site) -> None:
    assert AXE.exists(), "axe-core missing: `make test` runs npm ci in tests/browser"
    page = await _page(site, bypass_csp=True)  # only so that axe can be injected
    found = {}
    for path in PAGES:
        await page.goto(site.url + path)
        await page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = await page.evaluate(
            """() => axe.run(document, {runOnly: {type: 'tag',
                  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
        )
        assert result["passes"], f"axe ran no check on /{path}"
        found[path] = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    assert found == {path: [] for path in PAGES}


async def test_no_page_scrolls_sideways_at_320_css_pixels(site: Site) -> None:
    """Reflow (WCAG 1.4.10): a phone held upright, or 400 % zoom, needs no sideways scrolling."""
    page = await _page(site, width=320)
    widths = {}
    for path in PAGES:
        await page.goto(site.url + path)
        widths[path] = await page.evaluate("document.documentElement.scrollWidth")
    assert widths == {path: 320 for path in PAGES}
