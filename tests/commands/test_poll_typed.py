"""A poll answered by typing in the DM it came in (clients that show only its text)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from commands.faqmatch import Outcome
from commands.polltyped import typed_answer
from config.settings import default_faq_settings
from store.polls import Poll
from tests.commands.fakes import make_router, message
from tests.commands.test_polls import (
    FOLLOWERS,
    NOON,
    ROOM,
    START,
    TEAM,
    TEXT,
    FakeHomeserver,
    FakeTransport,
    TopicBot,
)

X, Y = FOLLOWERS
DM_X = f"!dm-{X}"
RADWEG = "!umfrage thema=mobilitaet Radweg? | Ja | Nein | Weiß nicht"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[TopicBot]:
    """Two followers of "mobilitaet" with their DMs, the topic's room, and the FAQ."""
    faq = dataclasses.replace(default_faq_settings(), meaning_check=False)
    router, replier, db, clock = await make_router(tmp_path, faq=faq)
    clock.now = NOON
    assert router.services.polls is not None
    assert router.services.broadcaster is not None
    transport = FakeTransport()
    router.services.polls.transport = transport
    router.services.broadcaster.topic_rooms = {"mobilitaet": (TEAM,)}
    server = FakeHomeserver()
    server.join(TEAM)
    server.join(ROOM)
    bot = TopicBot(router, replier, db, transport, clock, server)
    for user in FOLLOWERS:
        dm = f"!dm-{user}"
        server.join(dm, user)
        await router.dispatch(message("!abonnieren mobilitaet", sender=user, direct=True, room=dm))
    yield bot
    await db.close()


async def _poll(bot: TopicBot, command: str = RADWEG) -> None:
    """The manager starts a topic poll; the outbox brings it to both DMs and the room."""
    assert "Vorschau" in await bot.say(command)
    assert "gesendet" in await bot.say("ja")
    await bot.deliver()


_ts = iter(range(1_800_000_000_000, 1_900_000_000_000, 1000))


async def _type(
    bot: TopicBot, text: str, sender: str = X, room: str | None = None, direct: bool = True
) -> str:
    """`sender` writes `text` (in their DM unless told); the bot's replies, joined."""
    before = len(bot.replier.texts)
    where = room or f"!dm-{sender}"
    body = message(text, sender=sender, direct=direct, room=where, ts=next(_ts) / 1000)
    await bot.router.dispatch(body)
    return "\n".join(bot.replier.texts[before:])


async def _tally(bot: TopicBot, number: int = 1) -> dict[str, int]:
    return await bot.polls.store.tally(number)


async def test_typed_number_counts_in_the_newest_poll_sent_to_that_dm(bot: TopicBot) -> None:
    await _poll(bot, "!umfrage thema=mobilitaet Parken? | teurer | gleich")
    await _poll(bot)
    # A poll in another room, started later, is not what the DM's number answers.
    assert "läuft" in await bot.say("!umfrage Nur hier? | a | b") + await bot.say("ja")
    reply = await _type(bot, "1")
    assert reply == (
        "Ihre Stimme für „Ja“ ist gezählt (Umfrage „Radweg?“). "
        "Ändern: einfach eine andere Nummer schreiben."
    )
    assert await _tally(bot, 2) == {"a1": 1}
    assert await _tally(bot, 1) == {}
    assert await _tally(bot, 3) == {}


@pytest.mark.parametrize(
    ("typed", "answer"),
    [("2.", "a2"), ("die zweite", "a2"), ("Nummer 3", "a3"), ("die letzte", "a3")],
)
async def test_a_choice_in_words_counts(bot: TopicBot, typed: str, answer: str) -> None:
    await _poll(bot)
    assert "ist gezählt" in await _type(bot, typed)
    assert await _tally(bot) == {answer: 1}


@pytest.mark.parametrize(("typed", "answer"), [("NEIN.", "a2"), ("weiss nicht", "a3")])
async def test_the_exact_answer_text_counts(bot: TopicBot, typed: str, answer: str) -> None:
    await _poll(bot)
    assert "ist gezählt" in await _type(bot, typed)
    assert await _tally(bot) == {answer: 1}


async def test_an_answer_that_is_a_number_is_taken_as_that_answer_not_its_position(
    bot: TopicBot,
) -> None:
    await _poll(bot, "!umfrage thema=mobilitaet Wie viele Räder? | 1 | 3 | 5")
    assert "„3“ ist gezählt" in await _type(bot, "3")
    assert await _tally(bot) == {"a2": 1}


async def test_a_number_after_a_newer_faq_did_you_mean_answers_the_faq(bot: TopicBot) -> None:
    await _poll(bot)
    faq = bot.router.services.faq
    assert faq is not None
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    faq.ask = lambda text: Outcome("did_you_mean", None, candidates, (), 0.3)  # type: ignore[method-assign]
    assert "Meinten Sie" in await _type(bot, "solar?")
    assert "Marktstammdatenregister" in await _type(bot, "2")
    assert await _tally(bot) == {}
    # The question ended the poll's turn: a later number votes no more either.
    assert "nicht verstanden" in await _type(bot, "1")
    assert await _tally(bot) == {}


async def test_a_poll_newer_than_a_faq_offer_takes_the_number(bot: TopicBot) -> None:
    faq = bot.router.services.faq
    assert faq is not None
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    faq.ask = lambda text: Outcome("did_you_mean", None, candidates, (), 0.3)  # type: ignore[method-assign]
    assert "Meinten Sie" in await _type(bot, "solar?")
    await _poll(bot)
    assert "„Nein“ ist gezählt" in await _type(bot, "2")
    assert await _tally(bot) == {"a2": 1}


async def test_a_vote_after_the_poll_ended_is_refused_politely(bot: TopicBot) -> None:
    await _poll(bot)
    assert "0 Stimmen" in await bot.end()
    await bot.deliver()
    reply = await _type(bot, "1")
    assert reply == "Die Umfrage „Radweg?“ ist schon beendet; Stimmen zählen nicht mehr."
    poll = await bot.polls.store.get(1)
    assert poll is not None
    assert poll.result == {}
    assert await _tally(bot) == {}


async def test_a_number_outside_the_dm_the_poll_came_in_does_not_vote(bot: TopicBot) -> None:
    await _poll(bot)
    # In the topic's room (addressed to the bot), and in another DM of the same person.
    await bot.router.dispatch(message("1", sender=X, room=TEAM, mention=True))
    assert "gezählt" not in await _type(bot, "1", room="!another-dm:o")
    assert await _tally(bot) == {}


async def test_another_persons_typed_number_does_not_vote_in_someone_elses_poll(
    bot: TopicBot,
) -> None:
    await _poll(bot)
    # Someone else in x's DM room (whatever made it a DM), and someone who got no poll.
    assert "gezählt" not in await _type(bot, "1", sender="@mallory:o", room=DM_X)
    assert "gezählt" not in await _type(bot, "1", sender="@mallory:o")
    assert await _tally(bot) == {}
    assert "ist gezählt" in await _type(bot, "2", sender=Y)
    assert await _tally(bot) == {"a2": 1}


async def test_changing_a_typed_vote_replaces_it_and_a_later_tapped_vote_replaces_that(
    bot: TopicBot,
) -> None:
    await _poll(bot)
    assert "„Ja“ ist gezählt" in await _type(bot, "1")
    assert "„Nein“ ist gezählt" in await _type(bot, "2")
    assert await _tally(bot) == {"a2": 1}
    [post] = [p for p in await bot.polls.store.posts(1) if p.room_id == DM_X]
    assert await bot.vote(X, ("a3",), ts=next(_ts), start=post.event_id, room=DM_X)
    assert await _tally(bot) == {"a3": 1}
    assert "„Ja“ ist gezählt" in await _type(bot, "ja")
    assert await _tally(bot) == {"a1": 1}


async def test_a_typed_vote_in_a_secret_poll_reveals_no_counts(bot: TopicBot) -> None:
    await _poll(bot, "!umfrage thema=mobilitaet geheim Radweg? | Ja | Nein | Weiß nicht")
    assert "ist gezählt" in await _type(bot, "2", sender=Y)
    reply = await _type(bot, "2")
    assert reply == (
        "Ihre Stimme für „Nein“ ist gezählt (Umfrage „Radweg?“). "
        "Ändern: einfach eine andere Nummer schreiben."
    )


async def test_a_number_the_poll_does_not_have_is_answered_with_its_range(
    bot: TopicBot,
) -> None:
    await _poll(bot)
    assert "Antworten 1 bis 3" in await _type(bot, "7")
    assert await _tally(bot) == {}


async def test_a_confirmation_is_in_the_readers_language(bot: TopicBot) -> None:
    await _type(bot, "!sprache en")
    await _poll(bot)
    assert "Your vote for “Nein” has been counted" in await _type(bot, "2")


async def test_a_poll_dm_says_a_typed_number_counts_and_the_room_does_not(
    bot: TopicBot,
) -> None:
    await _poll(bot)
    bodies = {room: content[TEXT] for room, _, content in bot.server.of_type(START)}
    assert "schreiben Sie mir dann einfach hier die Nummer Ihrer Antwort" in bodies[DM_X]
    assert "zählt nicht" not in bodies[DM_X]
    assert "getippte Nummer zählt nicht" in bodies[TEAM]


def test_typed_answer_text_is_no_markup_and_never_empty() -> None:
    poll = Poll(1, "?", (("a1", "**Ja**"), ("a2", "…")), True, None, "@m", "!r", 0.0, None, None)
    assert typed_answer(poll, "**ja**") == 1
    assert typed_answer(poll, "...") is None  # punctuation only is no answer's text
    assert typed_answer(poll, "Ja bitte, aber nur wenn") is None


def test_a_poll_of_more_than_nine_answers_takes_two_digit_numbers() -> None:
    answers = tuple((f"a{n}", f"Antwort {n}") for n in range(1, 13))
    poll = Poll(1, "?", answers, True, None, "@m", "!r", 0.0, None, None)
    assert typed_answer(poll, "Nr. 12") == 12
    assert typed_answer(poll, "12.") == 12
    assert typed_answer(poll, "13") == 0  # a number it has not: said so, not counted


def test_an_answer_typed_without_its_punctuation_or_umlauts_counts() -> None:
    answers = (("a1", "Ja, gerne!"), ("a2", "Lieber mit Fahrrädern"), ("a3", "E-Auto"))
    poll = Poll(1, "?", answers, True, None, "@m", "!r", 0.0, None, None)
    assert typed_answer(poll, "ja gerne") == 1
    assert typed_answer(poll, "lieber mit fahrraedern") == 2
    assert typed_answer(poll, "eauto") == 3
    assert typed_answer(poll, "gerne") is None  # a part of an answer is no answer


def test_answers_that_read_alike_once_loosened_are_not_guessed_between() -> None:
    answers = (("a1", "E-Auto"), ("a2", "E Auto"), ("a3", "Bus"))
    poll = Poll(1, "?", answers, True, None, "@m", "!r", 0.0, None, None)
    assert typed_answer(poll, "e-auto") == 1  # the exact text still picks
    assert typed_answer(poll, "eauto") is None
