"""The composition root: builds every part from the config, starts and stops them."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.datadir import secure_data_dir
from bot.direct import DirectRooms
from bot.events import EventHandler
from bot.jobs import Jobs
from bot.matrix import MatrixTransport, StartupError
from bot.messenger import MatrixMessenger
from bot.outbox import Outbox
from bot.pollevents import MatrixPollTransport
from bot.replies import MatrixReplier
from bot.roomalias import manager_room_id, topic_room_ids
from bot.secretbox import SealedState
from bot.web import WebServer
from bot.wiring import ServiceSettings, build_services
from commands.context import Health
from commands.faq import FaqService
from commands.faqreview import weekly_job
from commands.formatting import render, to_plain
from commands.i18n import Catalog
from commands.monitor import MonitorService, MonitorSettings
from commands.network import answer_by_reaction
from commands.ratelimit import RateLimiter
from commands.router import Router, RouterSettings
from commands.services import Services, require
from commands.subscriptions import subscribe_by_reaction
from commands.termine import register_by_reaction
from commands.version import VERSION
from config.faq import FaqError
from config.measures import MeasuresError
from config.settings import Config
from store.db import Database
from store.direct import DirectRoomStore
from store.events import HandledEvents, UndecryptableEvents

__all__ = ["App"]

log = logging.getLogger(__name__)


class App:
    """One running bot: database, Matrix transport, router, delivery worker, scheduled jobs."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.started_at = time.monotonic()
        self.catalog = Catalog.load()
        self.db: Database | None = None
        self.transport: MatrixTransport | None = None
        self.replier: MatrixReplier | None = None
        self.jobs: Jobs | None = None
        self.outbox: Outbox | None = None
        self.faq: FaqService | None = None
        self.services: Services | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._undecryptable: UndecryptableEvents | None = None
        self.web: WebServer | None = None

    async def start(self) -> None:
        """Open the store, log in, start syncing, delivering and the scheduler."""
        secure_data_dir(self.config)
        self.db = await Database.open(self.config.database_path)
        self._undecryptable = UndecryptableEvents(self.db)
        self.services = self._services(self.db)
        self.faq = self.services.faq
        if self.faq is not None:  # the chat's FAQ entries, before the first question
            await self.faq.ready()
        await require(self.services.measures).seed()
        await self._start_web(self.services)
        state = SealedState(self.db, self.config.matrix.pickle_key)
        self.transport = MatrixTransport(self.config, state)
        await self.transport.connect()
        direct = DirectRooms(self.transport.client, DirectRoomStore(self.db))
        await direct.load()
        self.transport.direct = direct
        await self._resolve_rooms()
        self.replier = MatrixReplier(self.transport.client)
        router = self._router(self.replier, self.services)
        handler = EventHandler(
            client=self.transport.client,
            router=router,
            replier=self.replier,
            handled=HandledEvents(self.db),
            undecryptable=self._undecryptable,
            max_age=self.config.bot.max_event_age,
            direct=direct,
        )
        self.outbox = self._outbox(self.services)
        self.outbox.direct = direct
        self.outbox.pacer = self.transport.pacer  # fewer syncs while a broadcast is sent
        await self._start_network(self.db, self.services, self.outbox)
        self._tasks.append(asyncio.create_task(self.transport.run(handler.on_sync), name="sync"))
        self._tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        await self._start_jobs(router.limiter, self.services)
        log.info("Klimabot %s running as %s", VERSION, self.config.matrix.user_id)

    async def _resolve_rooms(self) -> None:
        """Configured aliases become IDs of rooms the bot is in (nio sends by room ID only)."""
        assert self.transport is not None
        assert self.services is not None
        client = self.transport.client
        if self.faq is not None:
            self.faq.manager_room = await manager_room_id(client, self.config.bot.manager_room)
        broadcaster = self.services.broadcaster
        if broadcaster is not None:
            broadcaster.topic_rooms = await topic_room_ids(client, broadcaster.topic_rooms)

    def _services(self, db: Database) -> Services:
        async def notify(room: str, text: str) -> None:
            assert self.replier is not None  # scheduled posts fire only after start()
            await self.replier.notice(room, to_plain(text), render(text))

        try:
            return build_services(
                db, ServiceSettings.from_config(self.config), self.catalog, self, notify
            )
        except (FaqError, MeasuresError) as exc:
            raise StartupError(f"curated data cannot be loaded: {exc}") from None

    def _router(self, replier: MatrixReplier, services: Services) -> Router:
        bot = self.config.bot
        handlers = (self.faq.reaction,) if self.faq else ()
        return Router(
            catalog=self.catalog,
            settings=RouterSettings(
                prefix=bot.command_prefix,
                default_language=bot.language,
                max_message_length=bot.max_message_length,
                managers=self.config.managers,
            ),
            replier=replier,
            limiter=RateLimiter(bot.rate_limit.messages, bot.rate_limit.seconds, time.monotonic),
            services=services,
            conversation=self.faq,
            reaction_handlers=(
                *handlers,
                subscribe_by_reaction,
                answer_by_reaction,
                register_by_reaction,
            ),
        )

    def _outbox(self, services: Services) -> Outbox:
        assert self.transport is not None
        assert services.broadcaster is not None
        broadcaster = services.broadcaster
        outbox = Outbox(
            client=self.transport.client,
            broadcasts=broadcaster.broadcasts,
            subscriptions=broadcaster.subscriptions,
            render=broadcaster.render_delivery,
            report=broadcaster.report,
            render_event=broadcaster.render_event,  # polls to topics (commands/pollservice.py)
            event_sent=broadcaster.event_sent,
            encryption=self.config.matrix.encryption,
            ready=self.transport.ready,
            concurrency=self.config.broadcast.concurrency,
        )
        broadcaster.wake = outbox.wake
        return outbox

    async def _start_network(self, db: Database, services: Services, outbox: Outbox) -> None:
        assert self.transport is not None
        network = require(services.network)
        messenger = MatrixMessenger(self.transport.client, outbox, self.config.matrix.encryption)
        network.messenger = messenger
        await network.load()
        if services.polls is not None:  # polls go to rooms and the same DMs
            services.polls.transport = MatrixPollTransport(self.transport.client, outbox)
        if services.nudges is not None:  # nudges to owners use the same DMs
            services.nudges.messenger = network.messenger
        if services.events is not None:
            services.events.mailer = messenger

    async def _start_jobs(self, limiter: RateLimiter, services: Services) -> None:
        assert self.db is not None
        assert services.schedules is not None
        assert services.broadcaster is not None
        self.jobs = Jobs(
            HandledEvents(self.db),
            limiter,
            self.config.bot.max_event_age,
            services.schedules,
            services.broadcaster,
            self.config.broadcast,
            services.network,
            services.privacy.forget if services.privacy else None,
            self.config.actors.inactive_after,
            faq_review=weekly_job(services, self.replier) if self.replier else None,
            nudges=services.nudges.run if services.nudges else None,
            events_tick=services.events.tick if services.events else None,
        )
        self.jobs.start()
        services.schedules.planner = self.jobs
        await services.schedules.start()

    def reload_faq(self) -> None:
        """Reload the FAQ (SIGHUP); a broken file keeps the old FAQ and is logged."""
        if self.faq is None:
            return
        try:
            self.faq.reload()
        except FaqError as exc:
            log.error("FAQ not reloaded, keeping the old one: %s", exc)

    async def _start_web(self, services: Services) -> None:
        """The public page (web.enabled), served before Matrix is up: it needs only the store."""
        web = self.config.web
        if not web.enabled:
            return
        monitor = MonitorService(
            require(services.measures),
            require(services.broadcaster).topics,
            self.catalog,
            MonitorSettings(
                self.config.matrix.user_id, web.public_url, self.config.faq.contact.get("de", "")
            ),
        )
        monitor.pledges = services.pledges
        monitor.events = services.events
        server = WebServer(monitor, web.host, web.port)
        try:
            await server.start()
        except OSError as exc:
            raise StartupError(f"web.bind: cannot listen on {web.host}:{web.port}: {exc}") from None
        self.web = server

    async def wait(self) -> None:
        """Wait until the sync loop ends (it ends only on stop() or a fatal error)."""
        if self._tasks:
            await self._tasks[0]

    async def stop(self) -> None:
        """Stop syncing, delivering and jobs, then close the client and the database."""
        if self.web is not None:
            await self.web.stop()
        if self.jobs is not None:
            self.jobs.shutdown()
        if self.transport is not None:
            self.transport.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                # Already reported by whoever waited on it; stopping must still close the
                # client and the database (an open database thread keeps the process alive).
                log.exception("the %s task had ended with an error", task.get_name())
        self._tasks.clear()
        if self.services is not None and self.services.network is not None:
            await self.services.network.stop_background()  # they send through the client
        try:
            if self.transport is not None:
                await self.transport.close()
        finally:
            if self.db is not None:
                await self.db.close()
        log.info("Klimabot stopped")

    async def health(self) -> Health:
        """Collect what !botstatus shows."""
        assert self.transport is not None
        assert self._undecryptable is not None
        last = self.transport.last_sync
        waiting = 0
        if self.services is not None and self.services.broadcaster is not None:
            waiting = await self.services.broadcaster.broadcasts.pending_count()
        in_flight = self.replier.in_flight if self.replier else 0
        return Health(
            version=VERSION,
            rooms_joined=len(self.transport.client.rooms),
            seconds_since_sync=None if last is None else time.monotonic() - last,
            device_id=self.transport.client.device_id or "?",
            encryption=self.config.matrix.encryption,
            cross_signed=await self.transport.check_cross_signed(),
            undecryptable=await self._undecryptable.count(),
            pending_sends=in_flight + waiting,
            uptime_seconds=time.monotonic() - self.started_at,
        )
