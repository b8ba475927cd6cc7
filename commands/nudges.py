"""Nudges to owners: a measure without a change for `measures.nudge_after`, or with a milestone
due, gets its owners a DM asking for the state; their answer updates the measure.

The job (bot/jobs.py, hourly) sends at most one DM per owner and week, bundling all their due
measures, never in the owner's quiet hours. An answer in the owner's DM ("45 %", "unverändert",
"abgeschlossen", a text as a reply to the nudge or with the measure's number in front) is taken
only in a clear form (commands/nudgeanswers.py), so a question stays a question and a "ja" is
never an answer here. No answer within `measures.nudge_escalate_after`: the manager room is told.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commands.choices import LAST, parse_choice
from commands.context import Context, Message
from commands.dialogs import CONFIRM_TTL_SECONDS, Dialogs, is_no, is_yes
from commands.formatting import render, to_plain
from commands.i18n import Catalog
from commands.introductions import Messenger
from commands.measures import MeasureService, status_name
from commands.measurevalues import milestones_now
from commands.nudgeanswers import Answer, parse_answer
from commands.quiet import BERLIN, quiet_end
from config.measures import Measure
from config.settings import MeasureSettings
from store.nudges import NewItem, NudgeItem, NudgeStore
from store.subscriptions import SubscriptionStore
from store.users import UserSettings

__all__ = ["DueOwner", "NudgeService", "local_date", "local_day", "wall_clock_since"]

log = logging.getLogger(__name__)

DONE_STATUS = "abgeschlossen"
# After "Zu welcher Maßnahme gehört Ihre Antwort?" the owner's answer waits here (a dialogue
# record no handler takes, so every other message is routed as usual) for a bare "1" or "die
# zweite", for as long as a ja/nein question would.
WHICH_KIND = "nudge.which"
_WEEK = datetime.timedelta(days=7)
Notify = Callable[[str, str], Awaitable[None]]  # (room, light-Markdown text)


def local_date(when: float) -> datetime.date:
    """The calendar day in Ochtrup (Europe/Berlin, DST included) at UNIX time `when`."""
    return datetime.datetime.fromtimestamp(when, BERLIN).date()


def wall_clock_since(earlier: float, later: float) -> datetime.timedelta:
    """How long from `earlier` to `later` on Berlin's wall clock: 90 days from 12:00 in January
    end at 12:00 in April, although the March DST change makes that an hour less."""
    start = datetime.datetime.fromtimestamp(earlier, BERLIN).replace(tzinfo=None)
    return datetime.datetime.fromtimestamp(later, BERLIN).replace(tzinfo=None) - start


def local_day(when: float) -> str:
    """The Berlin calendar day at UNIX time `when`, as people write it ("08.12.2026")."""
    return local_date(when).strftime("%d.%m.%Y")


@dataclass(frozen=True)
class _Target:
    """What an owner's message answers: the answer and the open items it may be meant for."""

    answer: Answer | None  # None: a ja/nein replying to the nudge (no answer, kept from others)
    items: list[NudgeItem]  # a reply: that DM's open items; else all the owner's, newest first


@dataclass(frozen=True)
class DueOwner:
    """An owner the job would ask now, and what holds the DM back (for `!nachfragen`)."""

    owner: str
    items: list[NewItem]
    quiet: bool  # in the owner's quiet hours now
    not_before: datetime.date | None  # nudged this week: no DM before this Berlin day


@dataclass
class NudgeService:
    """The hourly job, and the owners' answers."""

    measures: MeasureService
    store: NudgeStore
    subscriptions: SubscriptionStore
    users: UserSettings
    catalog: Catalog
    settings: MeasureSettings
    notify: Notify
    manager_room: Callable[[], str | None]
    messenger: Messenger
    prefix: str = "!"
    language: str = "de"

    # --- the job -------------------------------------------------------------------------

    async def run(self, now: float) -> int:
        """Close what changed, tell the manager about old questions, nudge who is due;
        returns how many DMs went out."""
        activity = await self.store.last_activity()
        await self._close_changed(activity, now)
        await self._escalate(now)
        sent = 0
        for owner, measures in self._owned().items():
            try:
                sent += await self._nudge(owner, measures, activity, now)
            except asyncio.CancelledError:
                raise
            except Exception:  # one owner's failure must not stop the others
                log.exception("nudge to %s failed", owner)
        return sent

    def _owned(self) -> dict[str, list[Measure]]:
        owned: dict[str, list[Measure]] = {}
        for measure in self.measures.catalogue.measures:
            for owner in measure.owners.users:
                owned.setdefault(owner, []).append(measure)
        return dict(sorted(owned.items()))

    async def _close_changed(self, activity: dict[str, float], now: float) -> None:
        """Items whose measure changed since the DM, or whose owner no longer owns it."""
        updated, gone = [], []
        for item in await self.store.open_items():
            how = self._closing(item, activity)
            if how == "gone":
                gone.append(item.id)
            elif how == "updated":
                updated.append(item.id)
        await self.store.close(updated, "updated", now)
        await self.store.close(gone, "gone", now)

    def _closing(self, item: NudgeItem, activity: dict[str, float]) -> str | None:
        """How the next run closes an open item: "gone", "updated", or None (still open)."""
        measure = self.measures.find(item.measure_id)
        if measure is None or item.owner not in measure.owners.users:
            return "gone"
        if activity.get(item.measure_id, 0.0) > item.asked_at:
            return "updated"
        return None

    async def _escalate(self, now: float) -> None:
        """Open items older than `nudge_escalate_after`: one note to the manager room, once."""
        room = self.manager_room()
        if not room:
            return  # kept unmarked: told once a manager room is there
        limit = self.settings.nudge_escalate_after
        due = [
            i
            for i in await self.store.open_items()
            if i.escalated_at is None and wall_clock_since(i.asked_at, now) >= limit
        ]
        if not due:
            return
        lines = [self.catalog.text(self.language, "nudge.escalation_title", count=len(due))]
        for item in sorted(due, key=lambda i: (i.asked_at, i.owner, i.position)):
            lines.append(
                self.catalog.text(
                    self.language,
                    "nudge.escalation_line",
                    title=self._title(item.measure_id, self.language),
                    id=item.measure_id,
                    owner=item.owner,
                    since=local_day(item.asked_at),
                )
            )
        await self.notify(room, "\n".join(lines))
        await self.store.mark_escalated([i.id for i in due], now)

    async def _nudge(
        self, owner: str, measures: list[Measure], activity: dict[str, float], now: float
    ) -> int:
        if await self._held(owner, now):
            return 0
        items = await self._due(owner, measures, activity, now)
        if not items:
            return 0
        # Written first: a crash after the send must not send a second DM this week.
        batch = await self.store.create_batch(owner, items, now)
        plain, html = await self._dm(owner, items, activity, now)
        try:
            room_id, event_id = await self.messenger.direct(owner, plain, html)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Not retried every hour (an owner on a server that refuses us would be tried for
            # ever): the batch counts as this week's, its questions as never asked.
            log.warning("nudge to %s not delivered (%r); trying again next week", owner, exc)
            await self.store.close_batch(batch, "undeliverable", now)
            return 0
        await self.store.set_sent(batch, room_id, event_id)
        return 1

    async def _held(self, owner: str, now: float) -> bool:
        """In the owner's quiet hours (their own, else the default), or nudged this week.

        A week counts in Berlin calendar days, so a DST change does not shift it by an hour.
        """
        quiet, not_before = await self._hold(owner, now)
        return quiet or not_before is not None

    async def _hold(self, owner: str, now: float) -> tuple[bool, datetime.date | None]:
        """In the owner's quiet hours now; the day the weekly limit ends (None: not held)."""
        prefs = await self.subscriptions.prefs(owner)
        quiet = quiet_end(prefs.quiet, now) is not None
        last = await self.store.last_batch_at(owner)
        if last is None or local_date(now) >= local_date(last) + _WEEK:
            return quiet, None
        return quiet, local_date(last) + _WEEK

    async def _due(
        self, owner: str, measures: list[Measure], activity: dict[str, float], now: float
    ) -> list[NewItem]:
        """The owner's measures to ask about: stale, or with a milestone due not asked about
        yet; none that is still waiting for their answer, none that is completed."""
        waiting = {i.measure_id for i in await self.store.open_items(owner)}
        asked = await self.store.nudged_milestones(owner)
        states = await self.measures.store.states()
        today = local_date(now)
        items = []
        for measure in measures:
            status = states[measure.id].status if measure.id in states else measure.status
            if measure.id in waiting or status == DONE_STATUS:
                continue
            last = activity.get(measure.id)
            stale = last is not None and wall_clock_since(last, now) >= self.settings.nudge_after
            changes = await self.measures.store.milestone_changes(measure.id)
            due = tuple(
                (m.number, m.date.isoformat())
                for m in milestones_now(measure, changes)
                if not m.done
                and m.date <= today
                and (measure.id, m.number, m.date.isoformat()) not in asked
            )
            if stale or due:
                items.append(NewItem(measure.id, stale, due))
        return items

    async def _dm(
        self, owner: str, items: list[NewItem], activity: dict[str, float], now: float
    ) -> tuple[str, str]:
        language = await self.users.language(owner) or self.language

        def t(key: str, **params: object) -> str:
            return self.catalog.text(language, key, **params)

        lines = [t("nudge.dm_intro"), ""]
        for number, item in enumerate(items, 1):
            measure = self.measures.find(item.measure_id)
            assert measure is not None
            state = await self.measures.state(measure)
            last = activity.get(measure.id, now)
            parts = [
                t(
                    "nudge.dm_item",
                    number=number,
                    title=self._title(measure.id, language),
                    id=measure.id,
                    status=_status(state.status, language),
                    progress=state.progress,
                    date=local_day(last),
                )
            ]
            if item.stale:
                parts.append(t("nudge.dm_stale", days=(local_date(now) - local_date(last)).days))
            names = {m.number: m.name for m in measure.milestones}
            for milestone, due in item.milestones:
                date = datetime.date.fromisoformat(due).strftime("%d.%m.%Y")
                name = names.get(milestone, "")
                parts.append(t("nudge.dm_milestone", number=milestone, name=name, date=date))
            lines.append(" ".join(parts))
        lines += ["", t("nudge.dm_how_one" if len(items) == 1 else "nudge.dm_how_many")]
        with_milestones = [item.measure_id for item in items if item.milestones]
        if with_milestones:
            hint = t("nudge.dm_milestone_hint", prefix=self.prefix, id=with_milestones[0])
            lines.append(hint)
        text = "\n".join(lines)
        return to_plain(text), render(text)

    def _title(self, measure_id: str, language: str) -> str:
        measure = self.measures.find(measure_id)
        if measure is None:
            return measure_id
        return measure.title.get(language, measure.title["de"])

    # --- read-only views (`!nachfragen`) --------------------------------------------------

    async def waiting(self) -> list[NudgeItem]:
        """Open items still waiting for an answer, newest DM first (those the next run closes
        because the measure changed or the owner is gone are left out)."""
        activity = await self.store.last_activity()
        return [i for i in await self.store.open_items() if self._closing(i, activity) is None]

    async def due_now(self, now: float) -> list[DueOwner]:
        """Per owner, what the next run would ask about, and what holds it back; nothing is
        sent or stored."""
        activity = await self.store.last_activity()
        due = []
        for owner, measures in self._owned().items():
            items = await self._due(owner, measures, activity, now)
            if items:
                due.append(DueOwner(owner, items, *await self._hold(owner, now)))
        return due

    # --- the answers ---------------------------------------------------------------------

    async def claims(self, message: Message, dialogs: Dialogs | None) -> bool:
        """True if `message` is an owner's answer to a nudge (the router sends it here)."""
        return await self._target(message, dialogs) is not None

    async def _target(self, message: Message, dialogs: Dialogs | None) -> _Target | None:
        """A reply to the nudge in the owner's DM, then an answer naming the measure's id; then
        (unless the owner's own dialogue waits here) a numbered or bare clear answer."""
        if not message.is_direct or not isinstance(message.body, str):
            return None
        sender = message.sender
        replied = message.in_reply_to
        if isinstance(replied, str) and replied:
            batch = await self.store.batch_items(sender, replied)
            if batch is not None:
                answer = parse_answer(message.body, [i.measure_id for i in batch], True)
                if answer is not None or is_yes(message.body) or is_no(message.body):
                    # A "ja" replying to the nudge is kept from the user's other questions.
                    return _Target(answer, batch)
                return None  # a question replying to the nudge is asked
        items = await self.store.open_items(sender)
        if not items:
            return None
        waiting = await self._waiting(message, dialogs, items)
        if waiting is not None:
            return _Target(waiting, items)
        answer = parse_answer(message.body, [i.measure_id for i in items])
        if answer is None:
            return None
        if not isinstance(answer.ref, str) and dialogs is not None:
            if await dialogs.pending(sender, message.room_id) is not None:
                return None  # their own confirmation or guided question comes first
        return _Target(answer, items)

    async def answer(self, ctx: Context) -> None:
        """Apply an owner's answer to the item it names, or ask which one is meant."""
        target = await self._target(ctx.message, ctx.services.dialogs)
        if target is None:  # answered by another message in the meantime
            await ctx.reply_key("error.not_understood", prefix=ctx.prefix)
            return
        if not target.items:
            await ctx.reply_key("nudge.already_answered", prefix=ctx.prefix)
            return
        if target.answer is None:
            await ctx.reply_key("nudge.how")
            return
        item = _pick(target.answer, target.items)
        if item is None:
            await self._ask_which(ctx, target)
        elif target.answer.kind == "bad_percent":
            await ctx.reply_key("nudge.bad_percent")
        else:
            await self._forget_waiting(ctx.message, ctx.services.dialogs)
            await self._apply(ctx, item, target.answer)

    async def _ask_which(self, ctx: Context, target: _Target) -> None:
        named = target.answer is not None and target.answer.ref is not None
        lines = [ctx.t("nudge.which_unknown" if named else "nudge.which")]
        lines += self._item_lines(ctx, target.items)
        first = target.items[0]
        lines.append(ctx.t("nudge.which_hint", number=first.position, id=first.measure_id))
        await ctx.reply("\n".join(lines))
        await self._keep_waiting(ctx, target.answer)

    async def _keep_waiting(self, ctx: Context, answer: Answer | None) -> None:
        """Keep an answer that names no measure for the owner's "1" that says which."""
        dialogs = ctx.services.dialogs
        if dialogs is None or answer is None or answer.kind == "bad_percent":
            return
        message = ctx.message
        current = await dialogs.store.get(message.sender, message.room_id)
        if current is not None and current.kind != WHICH_KIND:
            return  # never replace the owner's own dialogue here
        data = {"kind": answer.kind, "percent": answer.percent, "text": answer.text}
        await dialogs.store.open(message.sender, message.room_id, WHICH_KIND, data)

    async def _waiting(
        self, message: Message, dialogs: Dialogs | None, items: list[NudgeItem]
    ) -> Answer | None:
        """The kept answer, now naming the measure that `message` picks ("1", "die zweite")."""
        if dialogs is None or not message.is_direct:
            return None
        number = parse_choice(message.body)
        if number is None:
            return None
        kept = await dialogs.store.get(message.sender, message.room_id)
        if kept is None or kept.kind != WHICH_KIND:
            return None
        if time.time() - kept.updated_at > CONFIRM_TTL_SECONDS:
            return None
        kind, percent, text = kept.data.get("kind"), kept.data.get("percent"), kept.data.get("text")
        if kind not in ("percent", "done", "unchanged", "text"):
            return None
        newest = [i.position for i in items if i.batch_id == items[0].batch_id]
        ref = number if number != LAST else max(newest, default=0)
        return Answer(
            kind,
            ref,
            percent if isinstance(percent, int) and not isinstance(percent, bool) else None,
            text if isinstance(text, str) else "",
        )

    async def _forget_waiting(self, message: Message, dialogs: Dialogs | None) -> None:
        """Drop a kept answer once an answer has been applied."""
        if dialogs is None:
            return
        kept = await dialogs.store.get(message.sender, message.room_id)
        if kept is not None and kept.kind == WHICH_KIND:
            await dialogs.store.close(message.sender, message.room_id)

    def _item_lines(self, ctx: Context, items: list[NudgeItem]) -> list[str]:
        return [
            ctx.t(
                "nudge.item_line",
                number=i.position,
                title=self._title(i.measure_id, ctx.language),
                id=i.measure_id,
            )
            for i in items
        ]

    async def _apply(self, ctx: Context, item: NudgeItem, answer: Answer) -> None:
        now = ctx.services.clock()
        sender = ctx.message.sender
        measure = self.measures.find(item.measure_id)
        if measure is None or sender not in measure.owners.users:
            await self.store.close([item.id], "gone", now)
            await ctx.reply_key("nudge.not_owner", id=item.measure_id)
            return
        said = await self._record(ctx, measure, answer)
        await self.store.close([item.id], "answered", now)
        lines = [ctx.t("nudge.thanks", title=self._title(measure.id, ctx.language), what=said)]
        rest = [i for i in await self.store.open_items(sender) if i.id != item.id]
        if rest:
            lines.append(ctx.t("nudge.still_open"))
            lines += self._item_lines(ctx, rest)
        await ctx.reply("\n".join(lines))

    async def _record(self, ctx: Context, measure: Measure, answer: Answer) -> str:
        """Store the answer in the measure's history; what was recorded, for the thanks."""
        store = self.measures.store
        sender = ctx.message.sender
        state = await self.measures.state(measure)
        if answer.kind == "percent":
            assert answer.percent is not None
            await store.record(measure.id, sender, state.status, answer.percent)
            return ctx.t("nudge.said_percent", progress=answer.percent)
        if answer.kind == "done":
            await store.record(measure.id, sender, DONE_STATUS, 100)
            return ctx.t("nudge.said_done", status=_status(DONE_STATUS, ctx.language))
        if answer.kind == "unchanged":
            # A check-in: a history row (so the clock restarts), the state stays as it is.
            note = self.catalog.text(
                "de", "nudge.history_unchanged", status=state.status, progress=state.progress
            )
            await store.record(measure.id, sender, text=to_plain(note))
            return ctx.t("nudge.said_unchanged")
        # The owner's own words (invisible and control characters removed), as `!update` keeps
        # an owner's news.
        await store.record(measure.id, sender, text=answer.text)
        return ctx.t("nudge.said_text")


def _pick(answer: Answer, items: list[NudgeItem]) -> NudgeItem | None:
    """The item the answer names; the only one; or None (ask which)."""
    ref = answer.ref
    if isinstance(ref, str):
        return next((i for i in items if i.measure_id == ref), None)
    if isinstance(ref, int):
        # A number is the one in the DM replied to, else in the newest DM still open.
        newest = [i for i in items if i.batch_id == items[0].batch_id]
        return next((i for i in newest if i.position == ref), None)
    return items[0] if len(items) == 1 else None


def _status(status: str, language: str) -> str:
    return status_name(status, language)
