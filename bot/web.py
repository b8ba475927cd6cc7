"""HTTP transport of the public page: routes, security headers, start and stop with the bot.

aiohttp (already a dependency of matrix-nio) serves what commands/monitor builds; this module
only maps requests to MonitorService methods and its `WebReply` to a response. Read-only: GET and
HEAD, nothing else (405). No access log: the page keeps no IP addresses.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from commands.monitor import MonitorService, ReplyCache, WebReply

__all__ = ["CACHE_SECONDS", "SECURITY_HEADERS", "WebServer", "make_app"]

log = logging.getLogger(__name__)

# No scripts, no plugins, no frames, no forms; images and styles only from the page itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_MONITOR: web.AppKey[MonitorService] = web.AppKey("monitor", MonitorService)
_CACHE: web.AppKey[ReplyCache] = web.AppKey("cache", ReplyCache)
# Each page and file is built at most once per this many seconds (commands/monitor/cache.py):
# a burst of requests must not take the event loop from the bot's answers.
CACHE_SECONDS = 5.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _response(reply: WebReply) -> web.Response:
    response = web.Response(status=reply.status, body=reply.body)
    response.headers["Content-Type"] = reply.content_type
    response.headers["Cache-Control"] = (
        f"public, max-age={reply.cache_seconds}" if reply.cache_seconds else "no-cache"
    )
    if reply.open_data:  # open data may be read by anyone's web app
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _monitor(request: web.Request) -> MonitorService:
    return request.app[_MONITOR]


def _cached(build: Callable[[web.Request], Awaitable[WebReply]]) -> Handler:
    """The route's handler: its reply from the cache (by path) or built and kept there."""

    async def handler(request: web.Request) -> web.StreamResponse:
        cache = request.app[_CACHE]
        return _response(await cache.get(request.path, lambda: build(request)))

    return handler


async def _index(request: web.Request) -> WebReply:
    return await _monitor(request).index()


async def _measure(request: web.Request) -> WebReply:
    return await _monitor(request).measure_page(request.match_info["id"])


async def _indicator_png(request: web.Request) -> WebReply:
    return await _monitor(request).indicator_png(request.match_info["id"])


async def _progress_png(request: web.Request) -> WebReply:
    return await _monitor(request).progress_png()


async def _events(request: web.Request) -> WebReply:
    return await _monitor(request).events_page()


async def _events_ics(request: web.Request) -> WebReply:
    return await _monitor(request).events_ics()


async def _event_ics(request: web.Request) -> WebReply:
    return await _monitor(request).event_ics(request.match_info["number"])


async def _topics(request: web.Request) -> WebReply:
    return await _monitor(request).topics_page()


async def _data(request: web.Request) -> WebReply:
    return _monitor(request).data_page()


async def _open_data(request: web.Request) -> WebReply:
    return await _monitor(request).open_data(request.match_info["name"])


async def _accessibility(request: web.Request) -> WebReply:
    return _monitor(request).accessibility_page()


async def _stylesheet(request: web.Request) -> WebReply:
    return _monitor(request).stylesheet()


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Our 404 page for every unknown path; an unexpected error shows only a reference."""
    monitor = _monitor(request)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return _response(monitor.not_found())
    except web.HTTPException:
        raise  # 405 with its Allow header, and the like
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("public page %s failed (reference %s)", request.path, reference)
        return _response(monitor.server_error(reference))


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    response.headers.pop("Server", None)  # no version banner


def make_app(monitor: MonitorService, cache_seconds: float = CACHE_SECONDS) -> web.Application:
    """The aiohttp application with the page's routes (GET, and HEAD with it)."""
    app = web.Application(middlewares=[_errors])
    app[_MONITOR] = monitor
    app[_CACHE] = ReplyCache(cache_seconds)
    app.on_response_prepare.append(_headers)
    app.router.add_get("/", _cached(_index))
    app.router.add_get("/massnahmen/{id}", _cached(_measure))
    app.router.add_get("/massnahmen/{id}/kennzahlen.png", _cached(_indicator_png))
    app.router.add_get("/fortschritt.png", _cached(_progress_png))
    app.router.add_get("/themen", _cached(_topics))
    app.router.add_get("/termine", _cached(_events))
    app.router.add_get("/termine.ics", _cached(_events_ics))
    app.router.add_get("/termine/{number}.ics", _cached(_event_ics))
    app.router.add_get("/daten", _cached(_data))
    app.router.add_get("/daten/{name}", _cached(_open_data))
    app.router.add_get("/barrierefreiheit", _cached(_accessibility))
    app.router.add_get("/monitor.css", _cached(_stylesheet))
    return app


class WebServer:
    """The page's HTTP server, started and stopped with the bot (bot/app.py)."""

    def __init__(self, monitor: MonitorService, host: str, port: int) -> None:
        self._app = make_app(monitor)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        """Listen on host:port (port 0: a free one, then in `port`); raises OSError if taken."""
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:  # the port actually bound (asked for 0: any free one)
            self.port = int(runner.addresses[0][1])
        log.info("public page on %s", self.url)

    @property
    def url(self) -> str:
        """Where the page is reachable on this machine."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/"

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
