"""Chat commands: one feature per module, handlers are plain async functions getting a Context."""

from __future__ import annotations

from types import ModuleType

from commands import (
    actors,
    admin,
    broadcast,
    core,
    dialogs,
    faq,
    faqedit,
    faqgroups,
    faqreview,
    faqstats,
    faqteach,
    measures,
    network,
    nudgeview,
    pledges,
    polls,
    privacy,
    progress,
    report,
    schedule,
    subscriptions,
    termine,
    termine_neu,
    valuedelete,
)

__all__ = ["FEATURE_MODULES"]

# Order matters only for the help listing.
FEATURE_MODULES: tuple[ModuleType, ...] = (
    core,
    faq,
    faqgroups,
    faqteach,
    faqedit,
    faqstats,
    faqreview,
    subscriptions,
    measures,
    valuedelete,
    nudgeview,
    progress,
    report,
    actors,
    network,
    dialogs,
    broadcast,
    schedule,
    termine_neu,
    termine,
    polls,
    pledges,
    privacy,
    admin,
)
