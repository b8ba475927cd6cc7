"""A request from someone else never takes over the "ja" a user owes to their own dialogue.

Recording fake, real SQLite: the router, dialogues and introductions as the bot wires them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.wiring import ServiceSettings, build_services
from commands.context import Message, Reaction
from commands.i18n import Catalog
from commands.network import answer_by_reaction
from commands.ratelimit import RateLimiter
from commands.router import Router, RouterSettings
from commands.services import Services
from store.actors import Actor
from store.db import Database
from store.migrations import MIGRATIONS, migrate
from tests.commands.fakes import MANAGER, Clock, FixedHealth, RecordingReplier, message

ALICE, CAROL, DAN = "@alice:x", "@carol:x", "@dan:x"


class FakeMessenger:
    """Records DMs (one DM room per user) and created rooms."""

    def __init__(self) -> None:
        self.dms: list[tuple[str, str, str]] = []  # (user, event ID, text)
        self.rooms: list[list[str]] = []

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        event_id = f"$dm{len(self.dms) + 1}"
        self.dms.append((user_id, event_id, plain))
        return dm(user_id), event_id

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        self.rooms.append(invite)
        return "!shared:x"

    def to(self, user_id: str) -> list[tuple[str, str]]:
        """(event ID, text) of the DMs to `user_id`."""
        return [(event, text) for user, event, text in self.dms if user == user_id]


def dm(user_id: str) -> str:
    return f"!dm-{user_id.strip('@').split(':')[0]}:x"


@dataclass
class Bot:
    router: Router
    replier: RecordingReplier
    messenger: FakeMessenger
    services: Services
    db: Database

    async def say(self, sender: str, body: str, room: str | None = None, **extra: Any) -> str:
        """Send `body` (in the sender's DM unless `room`) and return the bot's last answer."""
        before = len(self.replier.sent)
        msg: Message = message(body, sender=sender, direct=room is None, room=room or dm(sender))
        await self.router.dispatch(dataclasses.replace(msg, **extra))
        await self.network.wait_background()
        assert len(self.replier.sent) > before, f"no answer to {body!r}"
        return self.replier.texts[-1]

    async def react(self, sender: str, target: str, key: str) -> None:
        await self.router.react(Reaction("$r", dm(sender), sender, target, key))
        await self.network.wait_background()

    async def request(self, requester: str, target: str) -> str:
        """`requester` asks `target` for contact by `!vernetzen`; the request DM's event ID."""
        suggestions = await self.say(requester, "vernetzen")
        names = [line for line in suggestions.splitlines() if line[:2] in ("1.", "2.", "3.")]
        number = next(n for n, line in enumerate(names, 1) if _NAMES[target] in line)
        assert "gefragt" in await self.say(requester, f"vernetzen {number}")
        return self.messenger.to(target)[-1][0]

    @property
    def network(self) -> Any:
        return self.services.network

    async def status(self, intro_id: int) -> str | None:
        intro = await self.network.actors.store.get_intro(intro_id)
        return None if intro is None else str(intro.status)


_NAMES = {ALICE: "Alice Sonne", CAROL: "Carol Dach", DAN: "Dan Wind", MANAGER: "Klima Team"}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    db = await Database.open(tmp_path / "k.sqlite")
    messenger = FakeMessenger()
    replier = RecordingReplier()
    clock = Clock()
    catalog = Catalog.load()

    async def notify(room: str, text: str) -> None:
        await replier.notice(room, text, text)

    services = build_services(
        db, ServiceSettings.defaults(), catalog, FixedHealth(), notify, messenger
    )
    assert services.network is not None
    await services.network.load()
    router = Router(
        catalog=catalog,
        settings=RouterSettings("!", "de", 4000, frozenset({MANAGER})),
        replier=replier,
        limiter=RateLimiter(1000, 60.0, clock),
        services=services,
        conversation=services.faq,
        reaction_handlers=(answer_by_reaction,),
    )
    version = services.network.actors.settings.privacy_version
    for user, name in _NAMES.items():
        actor = Actor(
            user, name, "Handwerk", "", "Ochtrup", ("mobilitaet",), "", "", True, False, version
        )
        await services.network.actors.save(actor)
    yield Bot(router, replier, messenger, services, db)
    await db.close()


async def test_forget_confirmation_survives_an_incoming_request(bot: Bot) -> None:
    assert "wirklich" in await bot.say(ALICE, "vergessen")
    await bot.request(CAROL, ALICE)
    assert "Erledigt: Ich habe alles gelöscht" in await bot.say(ALICE, "ja")
    assert await bot.network.actors.store.get(ALICE) is None  # her data is erased
    assert bot.messenger.rooms == []  # and nobody was introduced to her
    assert await bot.network.actors.store.awaiting_answer(ALICE) == []
    # carol was promised an answer: she hears that no contact came about, nothing more.
    [(_, note)] = bot.messenger.to(CAROL)
    assert "kein Kontakt zustande" in note
    assert "Alice" not in note


async def test_announcement_confirmation_survives_an_incoming_request(bot: Bot) -> None:
    subscriptions = bot.services.broadcaster.subscriptions  # type: ignore[union-attr]
    await subscriptions.subscribe(ALICE, "topic", "mobilitaet")
    preview = await bot.say(MANAGER, "ankuendigen mobilitaet Radtour am Sonntag")
    assert "Vorschau" in preview
    await bot.request(CAROL, MANAGER)
    reminder = await bot.say(MANAGER, "ja")
    assert "Wird gesendet an 1 Empfänger" in bot.replier.texts[-2]
    rows = await bot.db.fetchall("SELECT body FROM broadcasts")
    assert [r["body"] for r in rows] == ["Radtour am Sonntag"]
    [request] = await bot.network.requests_waiting(MANAGER)
    assert await bot.status(request.number) == "open"  # still waiting, untouched
    # ... and the manager is told so, with how to answer it.
    assert f"Anfrage Nr. {request.number} (Carol Dach)" in reminder
    assert f"„ja {request.number}“" in reminder
    assert bot.messenger.rooms == []


async def test_bare_yes_answers_the_only_request_and_says_which(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    [(_, text)] = bot.messenger.to(ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    assert f"Vernetzungsanfrage Nr. {request.number}" in text
    answer = await bot.say(ALICE, "ja")
    assert f"Anfrage Nr. {request.number} (Carol Dach) zugestimmt" in answer
    assert await bot.status(request.number) == "accepted"
    assert bot.messenger.rooms == [[CAROL, ALICE]]


async def test_with_two_requests_a_bare_yes_asks_which_and_decides_nothing(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    await bot.request(DAN, ALICE)
    first, second = await bot.network.requests_waiting(ALICE)
    question = await bot.say(ALICE, "ja")
    assert "Welche meinen Sie?" in question
    assert f"Nr. {first.number}: Carol Dach" in question
    assert f"Nr. {second.number}: Dan Wind" in question
    assert await bot.status(first.number) == await bot.status(second.number) == "open"
    answer = await bot.say(ALICE, f"nein {second.number}")
    assert f"Anfrage Nr. {second.number} (Dan Wind) abgelehnt" in answer
    assert (await bot.status(first.number), await bot.status(second.number)) == (
        "open",
        "declined",
    )
    # One is left: a bare "ja" is unambiguous again.
    assert "Carol Dach" in await bot.say(ALICE, "ja")
    assert await bot.status(first.number) == "accepted"


async def test_reply_to_a_request_answers_it_even_during_an_own_dialogue(bot: Bot) -> None:
    event_id = await bot.request(CAROL, ALICE)
    await bot.say(ALICE, "vergessen")
    [request] = await bot.network.requests_waiting(ALICE)
    answer = await bot.say(ALICE, "nein", in_reply_to=event_id)
    assert "abgelehnt" in answer
    assert await bot.status(request.number) == "declined"
    # The confirmation is still open and still hers.
    assert "Erledigt" in await bot.say(ALICE, "ja")
    assert await bot.network.actors.store.get(ALICE) is None


async def test_numbered_answer_beats_the_own_dialogue_but_a_bare_one_does_not(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    await bot.say(ALICE, "vergessen")
    assert "zugestimmt" in await bot.say(ALICE, f"ja {request.number}")
    assert await bot.status(request.number) == "accepted"
    assert "nichts gelöscht" in await bot.say(ALICE, "nein")  # the own dialogue got the "nein"
    assert await bot.network.actors.store.get(ALICE) is not None


async def test_reaction_on_a_request_leaves_the_own_dialogue_open(bot: Bot) -> None:
    event_id = await bot.request(CAROL, ALICE)
    await bot.say(ALICE, "vergessen")
    await bot.react(ALICE, event_id, "✅")
    assert bot.messenger.rooms == [[CAROL, ALICE]]
    assert "Erledigt" in await bot.say(ALICE, "ja")


async def test_reply_to_an_answered_request_says_so_and_touches_nothing_else(bot: Bot) -> None:
    event_id = await bot.request(CAROL, ALICE)
    await bot.say(ALICE, "ja")
    await bot.say(ALICE, "vergessen")
    assert "nicht mehr offen" in await bot.say(ALICE, "ja", in_reply_to=event_id)
    assert await bot.network.actors.store.get(ALICE) is not None  # not taken as the "ja"


async def test_unclear_reply_to_a_request_asks_for_yes_or_no(bot: Bot) -> None:
    event_id = await bot.request(CAROL, ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    answer = await bot.say(ALICE, "wer ist das?", in_reply_to=event_id)
    assert f"Zur Anfrage Nr. {request.number}" in answer
    assert await bot.status(request.number) == "open"


async def test_cancel_word_does_not_turn_down_a_request(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    assert "nichts abzubrechen" in await bot.say(ALICE, "abbrechen")
    assert await bot.status(request.number) == "open"


async def test_unknown_request_number_is_named_not_guessed(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    # Somebody else's request number is not hers to answer.
    assert "Welche meinen Sie?" in await bot.say(ALICE, "ja 999")
    assert await bot.status(request.number) == "open"
    assert "keine Anfrage" in await bot.say(DAN, "ja 999")


async def test_bare_yes_in_a_shared_room_is_not_an_answer(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    msg = message("ja", sender=ALICE, room="!public:x")
    assert await bot.router.route(msg) is None


async def test_a_reply_to_a_request_in_a_shared_room_is_no_answer_and_tells_the_room_nothing(
    bot: Bot,
) -> None:
    # A crafted reply in a room others read: answering it there would tell them who asked her
    # and what she decided. Requests are answered where they were asked: in her DM.
    event_id = await bot.request(CAROL, ALICE)
    [request] = await bot.network.requests_waiting(ALICE)
    before = len(bot.replier.sent)
    msg = message("ja", sender=ALICE, room="!public:x")
    await bot.router.dispatch(dataclasses.replace(msg, in_reply_to=event_id))
    await bot.network.wait_background()
    assert not any("Carol" in text for text in bot.replier.texts[before:])
    assert await bot.status(request.number) == "open"
    assert bot.messenger.rooms == []


async def test_a_request_not_yet_delivered_is_not_answered_blindly(bot: Bot) -> None:
    store = bot.network.actors.store
    intro_id = await store.request(CAROL, ALICE, "")  # its DM has not gone out (yet)
    assert await bot.network.requests_waiting(ALICE) == []
    assert await bot.network.request_numbered(ALICE, intro_id) is not None
    assert await bot.network.request_numbered(DAN, intro_id) is None


async def test_proposal_counts_as_waiting_for_each_side_until_it_answers(bot: Bot) -> None:
    await bot.say(MANAGER, f"!vorschlagen {ALICE} {DAN}", room="!team:x")
    [mine] = await bot.network.requests_waiting(ALICE)
    assert mine.name == "Dan Wind"
    assert "zugestimmt" in await bot.say(ALICE, "ja")
    assert await bot.network.requests_waiting(ALICE) == []
    assert [r.name for r in await bot.network.requests_waiting(DAN)] == ["Alice Sonne"]
    assert "zugestimmt" in await bot.say(DAN, "ja")
    assert bot.messenger.rooms == [[ALICE, DAN]]


async def test_migration_drops_requests_kept_in_the_dialogue_slot(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "k.sqlite", isolation_level=None) as conn:
        before = tuple(m for m in MIGRATIONS if m.version < 12)
        await migrate(conn, before)
        for kind in ("intro_answer", "forget_confirm"):
            await conn.execute(
                "INSERT INTO dialogs (user_id, room_id, kind, data, updated_at) "
                "VALUES (?, ?, ?, '{}', 0)",
                (f"@{kind}:x", "!dm:x", kind),
            )
        await migrate(conn)
        async with conn.execute("SELECT kind FROM dialogs") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["forget_confirm"]


async def test_deleting_an_inactive_actor_tells_who_was_waiting_for_them(bot: Bot) -> None:
    await bot.request(CAROL, ALICE)
    privacy = bot.services.privacy
    assert privacy is not None
    await bot.db.execute(
        "UPDATE actors SET last_active = 0, warned_at = 1 WHERE user_id = ?", (ALICE,)
    )
    assert await bot.network.inactivity(3600.0, privacy.forget) == 1
    await bot.network.wait_background()
    [(_, note)] = bot.messenger.to(CAROL)
    assert "kein Kontakt zustande" in note


async def test_a_preview_confirmed_after_the_manager_role_was_taken_away_sends_nothing(
    bot: Bot,
) -> None:
    # The preview's dialogue outlives a config change and restart; its "ja" is the manager's.
    await bot.say(CAROL, "abonnieren mobilitaet")
    assert "Vorschau" in await bot.say(MANAGER, "ankuendigen mobilitaet Radtour am Sonntag")
    bot.router.settings = dataclasses.replace(bot.router.settings, managers=frozenset())
    assert "vorbehalten" in await bot.say(MANAGER, "ja")
    assert await bot.db.fetchall("SELECT id FROM broadcasts") == []
    assert await bot.services.dialogs.pending(MANAGER, dm(MANAGER)) is None  # type: ignore[union-attr]


async def test_a_yes_hours_after_the_preview_does_nothing_and_says_so(bot: Bot) -> None:
    # A stray "ja" in the manager room days later must not send an old announcement.
    await bot.say(CAROL, "abonnieren mobilitaet")
    assert "Vorschau" in await bot.say(MANAGER, "ankuendigen mobilitaet Radtour am Sonntag")
    await bot.db.execute("UPDATE dialogs SET updated_at = updated_at - 2 * 3600")
    assert "abgelaufen" in await bot.say(MANAGER, "ja")
    assert await bot.db.fetchall("SELECT id FROM broadcasts") == []
    assert await bot.services.dialogs.pending(MANAGER, dm(MANAGER)) is None  # type: ignore[union-attr]


async def test_a_yes_within_the_hour_still_confirms(bot: Bot) -> None:
    await bot.say(CAROL, "abonnieren mobilitaet")
    await bot.say(MANAGER, "ankuendigen mobilitaet Radtour am Sonntag")
    await bot.db.execute("UPDATE dialogs SET updated_at = updated_at - 50 * 60")
    await bot.say(MANAGER, "ja")
    assert len(await bot.db.fetchall("SELECT id FROM broadcasts")) == 1
