"""The composition root: builds every part from the config, starts and stops them."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

from bot.events import EventHandler
from bot.jobs import Jobs
from bot.matrix import MatrixTransport, StartupError
from bot.replies import MatrixReplier
from commands import FEATURE_MODULES
from commands.context import Health
from commands.faq import FaqService
from commands.i18n import Catalog
from commands.ratelimit import RateLimiter
from commands.registry import Registry
from commands.router import Router, RouterSettings
from commands.services import Services
from commands.version import VERSION
from config.faq import FaqError
from config.settings import Config
from store.db import Database
from store.events import HandledEvents, UndecryptableEvents
from store.faq import FaqStore
from store.state import BotState
from store.users import UserSettings

__all__ = ["App"]

log = logging.getLogger(__name__)


class App:
    """One running bot: database, Matrix transport, router, scheduled jobs."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.started_at = time.monotonic()
        self.db: Database | None = None
        self.transport: MatrixTransport | None = None
        self.replier: MatrixReplier | None = None
        self.jobs: Jobs | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._undecryptable: UndecryptableEvents | None = None
        self.faq: FaqService | None = None

    async def start(self) -> None:
        """Open the store, log in, and start syncing in the background."""
        self.db = await Database.open(self.config.database_path)
        try:
            self.faq = FaqService(self.config.faq, FaqStore(self.db), self.config.bot.manager_room)
        except FaqError as exc:
            raise StartupError(f"the FAQ cannot be loaded: {exc}") from None
        state = BotState(self.db)
        self._undecryptable = UndecryptableEvents(self.db)
        self.transport = MatrixTransport(self.config, state)
        await self.transport.connect()
        self.replier = MatrixReplier(self.transport.client)
        router = self._router(self.replier)
        handler = EventHandler(
            client=self.transport.client,
            router=router,
            replier=self.replier,
            handled=HandledEvents(self.db),
            undecryptable=self._undecryptable,
            max_age=self.config.bot.max_event_age,
        )
        self.jobs = Jobs(HandledEvents(self.db), router.limiter, self.config.bot.max_event_age)
        self.jobs.start()
        self._sync_task = asyncio.create_task(self.transport.run(handler.on_sync), name="sync")
        log.info("Klimabot %s running as %s", VERSION, self.config.matrix.user_id)

    def _router(self, replier: MatrixReplier) -> Router:
        assert self.db is not None
        bot = self.config.bot
        services = Services(
            registry=Registry.from_modules(FEATURE_MODULES),
            users=UserSettings(self.db),
            health=self,
            clock=time.time,
            faq=self.faq,
        )
        return Router(
            catalog=Catalog.load(),
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
        )

    def reload_faq(self) -> None:
        """Reload the FAQ (SIGHUP); a broken file keeps the old FAQ and is logged."""
        if self.faq is None:
            return
        try:
            self.faq.reload()
        except FaqError as exc:
            log.error("FAQ not reloaded, keeping the old one: %s", exc)

    async def wait(self) -> None:
        """Wait until the sync loop ends (it ends only on stop() or a fatal error)."""
        if self._sync_task is not None:
            await self._sync_task

    async def stop(self) -> None:
        """Stop syncing and jobs, then close the client and the database."""
        if self.jobs is not None:
            self.jobs.shutdown()
        if self.transport is not None:
            self.transport.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._sync_task
        if self.transport is not None:
            await self.transport.close()
        if self.db is not None:
            await self.db.close()
        log.info("Klimabot stopped")

    async def health(self) -> Health:
        """Collect what !botstatus shows."""
        assert self.transport is not None
        assert self._undecryptable is not None
        last = self.transport.last_sync
        return Health(
            version=VERSION,
            rooms_joined=len(self.transport.client.rooms),
            seconds_since_sync=None if last is None else time.monotonic() - last,
            device_id=self.transport.client.device_id or "?",
            encryption=self.config.matrix.encryption,
            cross_signed=await self.transport.check_cross_signed(),
            undecryptable=await self._undecryptable.count(),
            pending_sends=self.replier.in_flight if self.replier else 0,
            uptime_seconds=time.monotonic() - self.started_at,
        )
