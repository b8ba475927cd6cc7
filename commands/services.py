"""What handlers may use besides the message: stores, the registry, health, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from commands.context import HealthSource
from commands.errors import CommandError
from commands.languages import RecentLanguages
from commands.registry import Registry
from store.privacy import PrivacyStore
from store.report import ReportStore
from store.users import UserSettings

if TYPE_CHECKING:
    from commands.actors import ActorService
    from commands.broadcast import Broadcaster
    from commands.dialogs import Dialogs
    from commands.faq import FaqService
    from commands.introductions import NetworkService
    from commands.measures import MeasureService
    from commands.nudges import NudgeService
    from commands.pledges import PledgeService
    from commands.polls import PollService
    from commands.schedule import ScheduleService
    from commands.termine_service import EventService

__all__ = ["Services", "require"]


@dataclass
class Services:
    """Built once by bot/wiring.py (for the bot, the console and the tests), shared by every
    handler."""

    registry: Registry
    users: UserSettings
    health: HealthSource
    clock: Callable[[], float]
    faq: FaqService | None = None
    dialogs: Dialogs | None = None
    broadcaster: Broadcaster | None = None
    measures: MeasureService | None = None
    schedules: ScheduleService | None = None
    privacy: PrivacyStore | None = None
    actors: ActorService | None = None
    network: NetworkService | None = None
    nudges: NudgeService | None = None
    polls: PollService | None = None
    pledges: PledgeService | None = None
    events: EventService | None = None
    reports: ReportStore | None = None
    # The language each user last wrote in (for "ok", "1": words of no language).
    languages: RecentLanguages = field(default_factory=RecentLanguages)


T = TypeVar("T")


def require(service: T | None) -> T:
    """The service, or a polite user error where this bot was built without it."""
    if service is None:
        # Not 'reserved to the climate management': the command is a citizen's as often.
        raise CommandError("error.unavailable")
    return service
