"""One builder for the handlers' Services, used by the bot, `klimabot chat` and the tests.

Before this, bot/app.py, bot/chat.py and the test fakes each assembled Services by hand, so the
console and the tests ran with features missing (`!registrieren` hit an assert in the console).
Everything here is transport-free: the Matrix parts (outbox, messenger) are attached by the caller.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from commands import FEATURE_MODULES
from commands.actors import REGISTER_KIND, ActorService, register_step
from commands.broadcast import CONFIRM_KIND, Broadcaster, TopicIndex, confirm_announcement
from commands.context import HealthSource
from commands.dialogs import DialogHandler, Dialogs
from commands.faq import FAQ_VECTORS_FILE, FaqService
from commands.faqedit import DELETE_KIND, confirm_delete
from commands.faqreview import FaqWatch
from commands.faqteach import SAVE_KIND, confirm_save
from commands.i18n import Catalog
from commands.introductions import Messenger, NetworkService
from commands.matching import ActorIndex
from commands.measures import CONFIRM_KIND as MEASURE_CONFIRM_KIND
from commands.measures import MeasureService, confirm_measure_change
from commands.nudges import NudgeService
from commands.pledges import CONFIRM_KIND as CAMPAIGN_CONFIRM_KIND
from commands.pledges import PledgeService, confirm_campaign
from commands.polls import CONFIRM_KIND as POLL_CONFIRM_KIND
from commands.polls import PollService, confirm_poll
from commands.pollservice import END_KIND, POLL_KIND
from commands.privacy import FORGET_KIND, confirm_forget
from commands.registry import Registry
from commands.schedule import ScheduleService
from commands.services import Services
from commands.termine import CANCEL_KIND as EVENT_CANCEL_KIND
from commands.termine import confirm_cancel
from commands.termine_neu import CONFIRM_KIND as EVENT_CONFIRM_KIND
from commands.termine_neu import FORM_KIND as EVENT_FORM_KIND
from commands.termine_neu import confirm_event, form_step
from commands.termine_service import EVENT_KIND, EventService
from commands.valuedelete import DELETE_VALUE_KIND, confirm_value_delete
from config.faq import load_synonyms, load_topics
from config.measures import load_measures
from config.names import load_reserved_names
from config.settings import (
    ActorSettings,
    BroadcastSettings,
    Config,
    FaqSettings,
    MeasureSettings,
    default_actor_settings,
    default_broadcast_settings,
    default_faq_settings,
)
from store.actors import ActorStore
from store.broadcasts import BroadcastStore
from store.db import Database
from store.dialogs import DialogStore
from store.event_notices import EventNoticeStore
from store.events_calendar import EventStore
from store.faq import FaqStore
from store.faqchat import ChatEntryStore
from store.faqstats import FaqStatsStore
from store.measures import MeasureStore
from store.nudges import NudgeStore
from store.pledges import PledgeStore
from store.polls import PollStore
from store.privacy import PrivacyStore
from store.report import ReportStore
from store.schedules import ScheduleStore
from store.subscriptions import SubscriptionStore
from store.users import UserSettings

__all__ = ["DIALOG_HANDLERS", "ServiceSettings", "build_services"]

# Every dialogue kind and the handler that takes the user's next message.
DIALOG_HANDLERS: dict[str, DialogHandler] = {
    CONFIRM_KIND: confirm_announcement,
    FORGET_KIND: confirm_forget,
    REGISTER_KIND: register_step,
    SAVE_KIND: confirm_save,
    DELETE_KIND: confirm_delete,
    MEASURE_CONFIRM_KIND: confirm_measure_change,
    DELETE_VALUE_KIND: confirm_value_delete,
    POLL_CONFIRM_KIND: confirm_poll,
    CAMPAIGN_CONFIRM_KIND: confirm_campaign,
    EVENT_FORM_KIND: form_step,
    EVENT_CONFIRM_KIND: confirm_event,
    EVENT_CANCEL_KIND: confirm_cancel,
}

Notify = Callable[[str, str], Awaitable[None]]  # (room, light-Markdown text)


@dataclass(frozen=True)
class ServiceSettings:
    """The parts of the config that the handlers use."""

    faq: FaqSettings
    broadcast: BroadcastSettings
    actors: ActorSettings
    prefix: str = "!"
    manager_room: str | None = None
    measures: MeasureSettings = MeasureSettings()
    # The bot's data directory, for files kept between runs (None: keep none).
    data_dir: Path | None = None

    @property
    def faq_vectors(self) -> Path | None:
        """The file that keeps the FAQ's vectors of meaning between runs, if any."""
        return None if self.data_dir is None else self.data_dir / FAQ_VECTORS_FILE

    @classmethod
    def from_config(cls, config: Config) -> ServiceSettings:
        """The handlers' settings of a loaded config."""
        return cls(
            config.faq,
            config.broadcast,
            config.actors,
            config.bot.command_prefix,
            config.bot.manager_room,
            config.measures,
            config.data_dir,
        )

    @classmethod
    def defaults(cls, faq: FaqSettings | None = None) -> ServiceSettings:
        """Shipped curated data and default settings (console, tests)."""
        return cls(
            faq or default_faq_settings(),
            default_broadcast_settings(),
            default_actor_settings(),
        )


class _NotConnected:
    """Stands in until the transport attaches the real messenger (bot/app.py)."""

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        raise RuntimeError("no messenger attached yet")

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        raise RuntimeError("no messenger attached yet")


def build_services(
    db: Database,
    settings: ServiceSettings,
    catalog: Catalog,
    health: HealthSource,
    notify: Notify,
    messenger: Messenger | None = None,
    clock: Callable[[], float] = time.time,
) -> Services:
    """Every service the handlers use, on one database; raises FaqError/MeasuresError."""
    faq = FaqService(
        settings.faq,
        FaqStore(db),
        settings.manager_room,
        clock=clock,
        chat=ChatEntryStore(db),
        vectors=settings.faq_vectors,
    )
    faq.watch = FaqWatch(faq, FaqStatsStore(db), catalog, settings.prefix, clock)
    topics = TopicIndex(load_topics(settings.faq.topics_file))
    slugs = frozenset(t.slug for t in topics.topics)
    measures = MeasureService(
        load_measures(settings.broadcast.measures_file, slugs), MeasureStore(db)
    )
    broadcaster = Broadcaster(
        BroadcastStore(db),
        SubscriptionStore(db),
        UserSettings(db),
        catalog,
        topics,
        settings.broadcast.topic_rooms,
        settings.prefix,
        clock=clock,
        measure_title=measures.title,
    )
    actors = ActorService(settings.actors, ActorStore(db), reserved=load_reserved_names())
    nudges = NudgeService(
        measures,
        NudgeStore(db),
        broadcaster.subscriptions,  # quiet hours
        UserSettings(db),
        catalog,
        settings.measures,
        notify,
        lambda: faq.manager_room,  # resolved from an alias only when the bot starts
        messenger or _NotConnected(),
        settings.prefix,
    )
    events = EventService(
        EventStore(db),
        broadcaster,
        catalog,
        UserSettings(db),
        settings.prefix,
        clock,
        notices=EventNoticeStore(db),
    )
    broadcaster.renderers[EVENT_KIND] = events.render_delivery
    polls = PollService(PollStore(db), broadcaster, clock=clock)
    broadcaster.event_kinds[POLL_KIND] = polls  # topic polls go through the outbox
    broadcaster.event_kinds[END_KIND] = polls.ends  # and every poll's end events
    broadcaster.renderers[POLL_KIND] = polls.render_text  # where only text goes (console)
    return Services(
        registry=Registry.from_modules(FEATURE_MODULES),
        users=UserSettings(db),
        health=health,
        clock=clock,
        faq=faq,
        dialogs=Dialogs(DialogStore(db), DIALOG_HANDLERS),
        broadcaster=broadcaster,
        measures=measures,
        schedules=ScheduleService(
            ScheduleStore(db), broadcaster, catalog, notify, settings.broadcast.grace, clock
        ),
        privacy=PrivacyStore(db),
        polls=polls,
        pledges=PledgeService(PledgeStore(db), broadcaster, catalog),
        events=events,
        actors=actors,
        nudges=nudges,
        network=NetworkService(
            actors,
            ActorIndex(load_synonyms(settings.faq.synonyms_file)),
            messenger or _NotConnected(),
            UserSettings(db),
            catalog,
            settings.prefix,
            clock,
            topic_name=topics.name,
        ),
        reports=ReportStore(db),
    )
