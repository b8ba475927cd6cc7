"""Pledges ("Ich mache mit"): campaigns with a pledge, what it saves, a goal and an end date.

The manager creates one with `!aktion-neu` (one line, preview, "ja"); citizens see running ones
with `!aktionen`, pledge with `!mitmachen <Nr.>` and take it back with `!zurueckziehen <Nr.>`.
Every answer says what all pledges add up to. 25, 50 and 100 % of the goal are announced once
to the campaign's topic (its followers and rooms). Counts are public, names never.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commands.broadcast import Broadcaster, recipient_lines
from commands.context import Context, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.faqmatch.normalize import name_key
from commands.formatting import Markup, to_plain
from commands.i18n import Catalog, plural
from commands.measurevalues import BadNumber, format_number, parse_date, parse_number
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from store.broadcasts import Delivery
from store.dialogs import Dialog
from store.pledges import Campaign, PledgeStore

__all__ = [
    "CONFIRM_KIND",
    "MILESTONES",
    "MILESTONE_KIND",
    "PledgeService",
    "aktion_neu",
    "aktionen",
    "confirm_campaign",
    "mitmachen",
    "parse_campaign",
    "reached",
    "saving_text",
    "zurueckziehen",
]

CONFIRM_KIND = "campaign_confirm"
# The broadcast kind of a milestone announcement (rendered per recipient language).
MILESTONE_KIND = "pledge_milestone"
MILESTONES = (25, 50, 100)
MAX_GOAL = 1_000_000
MAX_TEXT = 300
# Field names of the one-line form, German and English.
_FIELDS = {
    "titel": "title",
    "title": "title",
    "zusage": "pledge",
    "pledge": "pledge",
    "ersparnis": "saving",
    "saving": "saving",
    "quelle": "source",
    "source": "source",
    "ziel": "goal",
    "goal": "goal",
    "bis": "until",
    "until": "until",
    "thema": "topic",
    "topic": "topic",
}
_REQUIRED = ("title", "pledge", "saving", "source", "goal")
# How the fields are typed, to name a missing or too long one as the manager knows it.
_TYPED = {
    "de": {
        "title": "titel",
        "pledge": "zusage",
        "saving": "ersparnis",
        "source": "quelle",
        "goal": "ziel",
        "until": "bis",
        "topic": "thema",
    },
    "en": {name: name for name in set(_FIELDS.values())},
}
_GOAL = re.compile(r"[0-9]{1,7}")  # ASCII only: "²" is a digit to str.isdigit, not to int()
MIN_SAVING = 0.05  # less is shown as "etwa 0 kg"
# Units a saving may be given in, and the factor to the stored unit (kg CO₂ or kWh).
_UNITS = {"kg": ("kg", 1.0), "t": ("kg", 1000.0), "kwh": ("kWh", 1.0), "mwh": ("kWh", 1000.0)}
_SAVING = re.compile(
    r"^([0-9.,\s]+?)\s*(kg|t|kwh|mwh)(?:\s*co2|\s*co₂)?(?:\s*/\s*(?:jahr|a|year))?$"
)
_NUMBER = re.compile(r"(?:nr\.?\s*|#)?(\d{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class CampaignDraft:
    """A parsed `!aktion-neu`, ready to store."""

    title: str
    pledge: str
    saving: float
    unit: str
    source: str
    goal: int
    ends_on: str | None
    topic: str | None


def parse_campaign(
    args: str,
    today: datetime.date,
    find_topic: Callable[[str], str | None],
    language: str = "de",
) -> CampaignDraft:
    """The one-line form `titel=…; zusage=…; ersparnis=500 kg CO2; quelle=…; ziel=200;
    bis=31.03.2027; thema=…`; raises CommandError naming the field, UsageError if empty."""
    fields = _fields(args)
    typed = _TYPED.get(language, _TYPED["de"])
    missing = [typed.get(name, name) for name in _REQUIRED if not fields.get(name)]
    if missing:
        raise CommandError("pledge.missing_fields", fields=", ".join(missing))
    for name in ("title", "pledge", "source"):
        if len(fields[name]) > MAX_TEXT:
            raise CommandError("pledge.too_long", field=typed.get(name, name), limit=MAX_TEXT)
    saving, unit = _saving(fields["saving"])
    ends_on = None
    if fields.get("until"):
        day = parse_date(fields["until"], today)
        if day is None or day < today:
            raise CommandError("pledge.bad_date", text=fields["until"][:40])
        ends_on = day.isoformat()
    topic = None
    if fields.get("topic"):
        topic = find_topic(fields["topic"])
        if topic is None:
            raise CommandError("pledge.bad_topic", text=fields["topic"][:60])
    return CampaignDraft(
        fields["title"],
        fields["pledge"],
        saving,
        unit,
        fields["source"],
        _goal(fields["goal"]),
        ends_on,
        topic,
    )


def _fields(args: str) -> dict[str, str]:
    if not args.strip():
        raise UsageError
    fields: dict[str, str] = {}
    for part in args.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        key = _FIELDS.get(name.strip().casefold())
        if not sep or key is None:
            raise CommandError("pledge.unknown_field", field=name.strip()[:30])
        fields[key] = _clean(value)
    return fields


def _clean(text: str) -> str:
    """One line without control or format characters (bidi overrides, zero width …)."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def _saving(text: str) -> tuple[float, str]:
    match = _SAVING.match(text.casefold())
    if match is None:
        raise CommandError("pledge.bad_saving", text=text[:40])
    try:
        value, percent = parse_number(match[1])
    except BadNumber:
        raise CommandError("pledge.bad_saving", text=text[:40]) from None
    unit, factor = _UNITS[match[2]]
    if percent or not MIN_SAVING <= value * factor <= 1e9:
        raise CommandError("pledge.bad_saving", text=text[:40])
    return value * factor, unit


def _goal(text: str) -> int:
    if not _GOAL.fullmatch(text) or not 1 <= int(text) <= MAX_GOAL:
        raise CommandError("pledge.bad_goal", text=text[:20], limit=MAX_GOAL)
    return int(text)


def reached(pledges: int, goal: int) -> tuple[int, ...]:
    """The milestones (percent of the goal) that `pledges` pledges have reached."""
    return tuple(p for p in MILESTONES if pledges * 100 >= goal * p)


def saving_text(catalog: Catalog, language: str, amount: float, unit: str) -> str:
    """'etwa 71 t CO₂' / 'etwa 480 kg CO₂' / 'etwa 12,5 MWh': big amounts in big units."""
    if unit == "kg" and amount >= 1000:
        value, key = amount / 1000, "pledge.amount_t"
    elif unit == "kg":
        value, key = amount, "pledge.amount_kg"
    elif amount >= 10_000:
        value, key = amount / 1000, "pledge.amount_mwh"
    else:
        value, key = amount, "pledge.amount_kwh"
    # Half up, as people round (Python's round() would make 12.5 MWh "12").
    rounded = math.floor(value + 0.5) if value >= 10 else math.floor(value * 10 + 0.5) / 10
    return catalog.text(language, key, amount=format_number(rounded, language))


def households(catalog: Catalog, language: str, count: int) -> str:
    """'1 Haushalt' / '200 Haushalte': a goal with the right plural."""
    return catalog.text(
        language, plural("pledge.households", count), count=format_number(count, language)
    )


class PledgeService:
    """Campaigns, pledges and milestone announcements."""

    def __init__(
        self, store: PledgeStore, broadcaster: Broadcaster | None, catalog: Catalog
    ) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.catalog = catalog
        if broadcaster is not None:  # wherever the service is built (bot, console, tests)
            broadcaster.renderers[MILESTONE_KIND] = self.render_delivery

    def total(self, campaign: Campaign, language: str) -> str:
        """'Gemeinsam sparen 143 Haushalte etwa 71 t CO₂ im Jahr.'"""
        if campaign.pledges <= 0:  # not "0 Haushalte sparen etwa 0 kg"
            return self.catalog.text(language, "pledge.total_none")
        amount = saving_text(
            self.catalog, language, campaign.pledges * campaign.saving, campaign.unit
        )
        key = plural("pledge.total", campaign.pledges)
        return self.catalog.text(language, key, count=campaign.pledges, amount=amount)

    async def milestone(self, campaign: Campaign) -> int | None:
        """Announce the highest milestone newly reached (once ever); return it."""
        claimed = await self.store.claim_milestones(
            campaign.id, reached(campaign.pledges, campaign.goal)
        )
        if not claimed:
            return None
        percent = claimed[-1]
        if campaign.topic is not None and self.broadcaster is not None:
            # German as stored (the weekly digest); a DM is rendered in its reader's language.
            await self.broadcaster.send(
                None,
                MILESTONE_KIND,
                campaign.topic,
                self._milestone_text(campaign, percent, "de"),
                author="klimabot",
                dedup_key=f"campaign-{campaign.id}-{percent}",
            )
        return percent

    async def launch(self, ctx: Context, campaign: Campaign) -> bool:
        """Announce a new campaign to its topic's followers and rooms (the milestone 0, kept
        like the others, so it goes out once); the caller has seen that there are some."""
        if campaign.topic is None or self.broadcaster is None:
            return False
        if not await self.store.claim_milestones(campaign.id, (0,)):
            return False
        await self.broadcaster.send(
            ctx,
            MILESTONE_KIND,
            campaign.topic,
            self._milestone_text(campaign, 0, "de"),
            dedup_key=f"campaign-{campaign.id}-0",
        )
        return True

    def _milestone_text(self, campaign: Campaign, percent: int, language: str) -> str:
        return self.catalog.text(
            language,
            f"pledge.milestone_{percent}",
            title=campaign.title,
            pledge=campaign.pledge
            if campaign.pledge.endswith((".", "!", "?"))
            else f"{campaign.pledge}.",
            until=_until_text(self.catalog, language, campaign.ends_on),
            total=self.total(campaign, language),
            goal=households(self.catalog, language, campaign.goal),
            number=campaign.id,
            prefix=self.broadcaster.prefix if self.broadcaster is not None else "!",
        )

    async def render_delivery(self, language: str, delivery: Delivery) -> str | None:
        """A milestone announcement in the recipient's language (Broadcaster hook)."""
        found = await self.store.milestone_of(delivery.broadcast_id)
        campaign = None if found is None else await self.store.get(found[0])
        if found is None or campaign is None or self.broadcaster is None:
            return None
        body = self._milestone_text(campaign, found[1], language)
        return self.broadcaster.compose(language, "announcement", delivery.topic, body)

    async def public_lines(self, today: datetime.date) -> list[str]:
        """One plain German line per running campaign, for the public page: what to pledge,
        the total so far, the goal and how to join (counts only, never names)."""
        lines = []
        for campaign in await self.store.running(today.isoformat()):
            text = self.catalog.text(
                "de",
                "pledge.web_line",
                title=campaign.title,
                pledge=campaign.pledge,
                total=self.total(campaign, "de"),
                goal=households(self.catalog, "de", campaign.goal),
                number=campaign.id,
                prefix=self.broadcaster.prefix if self.broadcaster is not None else "!",
            )
            lines.append(to_plain(text))
        return lines


def _service(ctx: Context) -> PledgeService:
    return require(ctx.services.pledges)


def _today(ctx: Context) -> datetime.date:
    return datetime.datetime.fromtimestamp(ctx.services.clock(), BERLIN).date()


@command("aktion-neu", aliases=("campaign-new",), role=Role.MANAGER)
async def aktion_neu(ctx: Context, args: str) -> None:
    """Preview a new campaign from the one-line form and wait for 'ja'."""
    service = _service(ctx)
    broadcaster = service.broadcaster

    def find_topic(text: str) -> str | None:
        topic = broadcaster.topics.find(text) if broadcaster is not None else None
        return None if topic is None else topic.slug

    draft = parse_campaign(args, _today(ctx), find_topic, ctx.language)
    data: dict[str, Any] = dict(draft.__dict__)
    assert ctx.services.dialogs is not None
    await ctx.services.dialogs.open(ctx, CONFIRM_KIND, data)
    await ctx.reply_key(
        "pledge.preview",
        title=draft.title,
        pledge=draft.pledge,
        saving=saving_text(ctx.catalog, ctx.language, draft.saving, draft.unit),
        source=draft.source,
        goal=households(ctx.catalog, ctx.language, draft.goal),
        until=_until(ctx, draft.ends_on),
        topic=_topic_name(ctx, draft.topic) or ctx.t("pledge.no_topic"),
        announce=await _announce(ctx, draft.topic),
    )


async def _announce(ctx: Context, topic: str | None) -> str:
    """Who hears of the campaign and when: with a topic, its followers and rooms at once (if
    there are any) and at 25, 50 and 100 % of the goal; without one, nobody."""
    if topic is None:
        return ctx.t("pledge.announce_none", prefix=ctx.prefix)
    broadcaster = require(ctx.services.broadcaster)
    audience = await broadcaster.audience(topic)
    name = _topic_name(ctx, topic)
    if not audience.recipients:
        return ctx.t("pledge.announce_nobody", topic=name, prefix=ctx.prefix)
    recipients = recipient_lines(ctx, audience)
    return ctx.t("pledge.announce_topic", topic=name, recipients=recipients)


def _until(ctx: Context, iso: str | None) -> str:
    """'bis 31.03.2027', or 'ohne Enddatum'."""
    return _until_text(ctx.catalog, ctx.language, iso)


def _until_text(catalog: Catalog, language: str, iso: str | None) -> str:
    """'bis 31.03.2027', or 'ohne Enddatum', in `language`."""
    if iso is None:
        return catalog.text(language, "pledge.no_end")
    day = datetime.date.fromisoformat(iso).strftime("%d.%m.%Y")
    return catalog.text(language, "pledge.until", date=day)


def _topic_name(ctx: Context, topic: str | None) -> str:
    broadcaster = ctx.services.broadcaster
    return broadcaster.topics.name(topic, ctx.language) if broadcaster and topic else ""


async def confirm_campaign(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to the preview: 'ja' starts the campaign, 'nein' cancels."""
    if not await confirmed(ctx, text, "pledge.cancelled", Role.MANAGER):
        return
    d = dialog.data
    number = await _service(ctx).store.create(
        str(d["title"]),
        str(d["pledge"]),
        float(d["saving"]),
        str(d["unit"]),
        str(d["source"]),
        int(d["goal"]),
        d.get("ends_on"),
        d.get("topic"),
        ctx.message.sender,
    )
    service = _service(ctx)
    campaign = await service.store.get(number)
    assert campaign is not None
    broadcaster = ctx.services.broadcaster
    audience = None
    if campaign.topic is not None and broadcaster is not None:
        audience = await broadcaster.audience(campaign.topic)
    if audience is None:
        announce = ctx.t("pledge.announce_none", prefix=ctx.prefix)
    elif not audience.recipients:
        name = _topic_name(ctx, campaign.topic)
        announce = ctx.t("pledge.announce_nobody", topic=name, prefix=ctx.prefix)
    else:
        announce = ""  # the announcement's own status message (queued, delivered) follows
    created = ctx.t("pledge.created", number=number, prefix=ctx.prefix)
    await ctx.reply(Markup(" ").join([created, announce]) if announce else created)
    if audience is not None and audience.recipients:
        await service.launch(ctx, campaign)


@command("aktionen", aliases=("campaigns",))
async def aktionen(ctx: Context, args: str) -> None:
    """The running campaigns with their numbers and what they add up to."""
    service = _service(ctx)
    campaigns = await service.store.running(_today(ctx).isoformat())
    if not campaigns:
        await ctx.reply_key("pledge.none")
        return
    mine = await service.store.pledged(ctx.message.sender)
    lines = [ctx.t("pledge.list_title")]
    for campaign in campaigns:
        lines.append(
            ctx.t(
                "pledge.list_line",
                number=campaign.id,
                title=campaign.title,
                pledge=campaign.pledge,
                goal=households(ctx.catalog, ctx.language, campaign.goal),
                total=service.total(campaign, ctx.language),
                until=_until(ctx, campaign.ends_on),
                mine=ctx.t("pledge.you_too") if campaign.id in mine else "",
            )
        )
    lines.append(ctx.t("pledge.list_hint", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


async def _running(ctx: Context, args: str) -> Campaign:
    match = _NUMBER.fullmatch(args.strip())
    if match is None:
        raise UsageError
    campaign = await _service(ctx).store.get(int(match[1]))
    if campaign is None:
        raise CommandError("pledge.unknown", number=match[1], prefix=ctx.prefix)
    if campaign.ends_on is not None and campaign.ends_on < _today(ctx).isoformat():
        raise CommandError("pledge.over", number=campaign.id, prefix=ctx.prefix)
    return campaign


async def _chosen(ctx: Context, args: str) -> Campaign | None:
    """The campaign named by number or by a title that fits one; else None, after listing
    the running ones to choose from."""
    if _NUMBER.fullmatch(args.strip()):
        return await _running(ctx, args)
    campaigns = await _service(ctx).store.running(_today(ctx).isoformat())
    key = name_key(args)
    same = [c for c in campaigns if key and name_key(c.title) == key]
    fitting = same or [c for c in campaigns if key and key in name_key(c.title)]
    if len(fitting) == 1:
        return fitting[0]
    if not campaigns:
        raise CommandError("pledge.none")
    name = args.strip()[:60]
    intro = "pledge.choose" if not name else "pledge.choose_among" if fitting else "pledge.no_such"
    lines = [ctx.t(intro, name=name)]
    for campaign in fitting or campaigns:
        lines.append(ctx.t("pledge.choose_line", number=campaign.id, title=campaign.title))
    number = (fitting or campaigns)[0].id
    lines.append(ctx.t("pledge.choose_hint", prefix=ctx.prefix, number=number))
    await ctx.reply("\n".join(lines))
    return None


@command("mitmachen", aliases=("pledge",))
async def mitmachen(ctx: Context, args: str) -> None:
    """Pledge for a campaign (by number or title; without, the list to choose from); the
    answer says what all pledges add up to."""
    campaign = await _chosen(ctx, args)
    if campaign is None:
        return
    service = _service(ctx)
    new = await service.store.pledge(campaign.id, ctx.message.sender)
    campaign = await service.store.get(campaign.id) or campaign
    key = "pledge.thanks" if new else "pledge.already"
    text = ctx.t(
        key,
        title=campaign.title,
        pledge=campaign.pledge,
        total=service.total(campaign, ctx.language),
        prefix=ctx.prefix,
        number=campaign.id,
    )
    percent = await service.milestone(campaign) if new else None
    if percent is not None:
        goal = households(ctx.catalog, ctx.language, campaign.goal)
        text += "\n" + ctx.t(f"pledge.reached_{percent}", goal=goal)
    await ctx.reply(text)


@command("zurueckziehen", aliases=("unpledge", "zurückziehen"))
async def zurueckziehen(ctx: Context, args: str) -> None:
    """Take back a pledge."""
    campaign = await _running(ctx, args)
    service = _service(ctx)
    if not await service.store.withdraw(campaign.id, ctx.message.sender):
        raise CommandError("pledge.not_pledged", number=campaign.id, prefix=ctx.prefix)
    campaign = await service.store.get(campaign.id) or campaign
    await ctx.reply_key(
        "pledge.withdrawn", title=campaign.title, total=service.total(campaign, ctx.language)
    )
