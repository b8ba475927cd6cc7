"""Events with registration: the commands over the router, with a recording fake and real SQLite."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from icalendar import Calendar

from bot.chat import run_chat
from bot.jobs import Jobs
from bot.wiring import ServiceSettings
from commands.context import Reaction
from commands.router import Router
from commands.termine import register_by_reaction
from commands.termine_service import EventService
from commands.when import BERLIN
from store.db import Database
from store.events_calendar import EventStore
from store.privacy import PrivacyStore
from tests.commands.fakes import (
    CITIZEN,
    MANAGER,
    Clock,
    RecordingReplier,
    make_router,
    message,
)

OTHER = "@zweite:ochtrup.test"
THIRD = "@dritte:ochtrup.test"
# Thursday 2026-12-03 12:00 Berlin.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN).timestamp()


@dataclass
class FakeMailer:
    """Records DMs and files to other people."""

    dms: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        self.dms.append((user_id, plain))
        return f"!dm-{user_id}", f"$dm{len(self.dms)}"

    async def direct_file(self, user_id: str, filename: str, data: bytes, mimetype: str) -> str:
        self.files.append((user_id, filename, data))
        return f"$file{len(self.files)}"

    def to(self, user_id: str) -> list[str]:
        return [text for user, text in self.dms if user == user_id]


@dataclass
class Env:
    router: Router
    replier: RecordingReplier
    db: Database
    clock: Clock
    mailer: FakeMailer

    @property
    def events(self) -> EventService:
        service = self.router.services.events
        assert service is not None
        return service

    async def say(self, body: str, sender: str = CITIZEN, direct: bool = True) -> str:
        before = len(self.replier.sent)
        await self.router.dispatch(message(body, sender=sender, direct=direct, ts=self.clock.now))
        return "\n".join(self.replier.texts[before:])


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    router, replier, db, clock = await make_router(tmp_path)
    clock.now = NOW
    mailer = FakeMailer()
    assert router.services.events is not None
    router.services.events.mailer = mailer
    router.reaction_handlers = (register_by_reaction,)  # as bot/app.py wires it
    yield Env(router, replier, db, clock, mailer)
    await db.close()


async def create(env: Env, form: str) -> int:
    """The manager creates an event in one line and confirms it; return its number."""
    preview = await env.say(f"!termin-neu {form}", sender=MANAGER)
    assert "Vorschau" in preview, preview
    done = await env.say("ja", sender=MANAGER)
    assert "ist angelegt" in done, done
    [event] = await env.events.store.upcoming(env.clock.now)
    return event.id


async def test_one_line_form_previews_then_creates_with_local_time(env: Env) -> None:
    preview = await env.say(
        "!termin-neu titel=Solar-Abend; wann=morgen 18 Uhr; ort=Rathaus; plätze=2; "
        "thema=erneuerbare-energien; text=Alles über Balkonkraftwerke",
        sender=MANAGER,
    )
    assert "04.12.2026, 18:00–20:00 Uhr" in preview
    assert "Dauer: 2 Stunden (angenommen" in preview  # no dauer=: the end is a guess, said so
    assert "2 von 2 frei" in preview
    assert "niemand" in preview  # no subscribers yet: said, not refused
    assert "Nr. 0" not in preview  # the draft has no number yet
    assert await env.events.store.upcoming(env.clock.now) == []  # nothing before "ja"
    await env.say("ja", sender=MANAGER)
    [event] = await env.events.store.upcoming(env.clock.now)
    assert (event.title, event.place, event.capacity) == ("Solar-Abend", "Rathaus", 2)
    assert datetime.fromtimestamp(event.starts_at, BERLIN).hour == 18


async def test_no_at_the_preview_creates_nothing(env: Env) -> None:
    await env.say("!termin-neu titel=Abend; wann=freitag 19:30; thema=mobilitaet", sender=MANAGER)
    assert "nicht angelegt" in await env.say("nein", sender=MANAGER)
    assert await env.events.store.upcoming(env.clock.now) == []


async def test_guided_dialogue_asks_again_after_bad_answers(env: Env) -> None:
    assert "Wie heißt" in await env.say("!termin-neu", sender=MANAGER)
    assert "Wann" in await env.say("Repair-Café", sender=MANAGER)
    again = await env.say("2020-01-01 10:00", sender=MANAGER)
    assert "Vergangenheit" in again
    assert "Wann" in again
    assert "Wie lange" in await env.say("samstag 10:00", sender=MANAGER)
    again = await env.say("0 Minuten", sender=MANAGER)
    assert "verstehe ich nicht" in again
    assert "Wie lange" in again
    assert "Wo" in await env.say("1:30", sender=MANAGER)
    places = await env.say("Bürgerhaus", sender=MANAGER)
    assert "Wie viele Plätze gibt es? („-“ für unbegrenzt)" in places
    assert "keine Angabe" not in places  # "-" is no limit, not "not given"
    again = await env.say("minus fünf", sender=MANAGER)
    assert "keine Platzzahl" in again
    assert "Plätze" in again
    assert "keine Platzzahl" in await env.say("-3", sender=MANAGER)
    assert "keine Platzzahl" in await env.say("99999999", sender=MANAGER)
    assert "Thema" in await env.say("20", sender=MANAGER)
    assert "gibt es nicht" in await env.say("Quatsch", sender=MANAGER)
    assert "Text" in await env.say("bildung-mitmachen", sender=MANAGER)
    assert "Bis wann" in await env.say("-", sender=MANAGER)
    preview = await env.say("-", sender=MANAGER)
    assert "Vorschau" in preview
    assert "10:00–11:30 Uhr" in preview
    assert "angenommen" not in preview
    assert "20 von 20 frei" in preview
    await env.say("ja", sender=MANAGER)
    [event] = await env.events.store.upcoming(env.clock.now)
    assert (event.title, event.capacity, event.closes_at) == ("Repair-Café", 20, None)
    assert event.duration == 90 * 60


# Bad one-line forms and the polite answer each gets (one router for all: setting it up is
# the slow part).
BAD_FORMS = (
    ("titel=X; wann=morgen 18 Uhr; thema=mobilitaet", "mindestens zwei"),
    ("titel=Abend; wann=gestern 18 Uhr; thema=mobilitaet", "verstehe ich nicht"),
    ("titel=Abend; wann=2020-01-01 18:00; thema=mobilitaet", "Vergangenheit"),
    ("titel=Abend; wann=jeden montag 18:00; thema=mobilitaet", "einmal statt"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; plätze=zehn", "keine Platzzahl"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; plätze=0", "keine Platzzahl"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; plätze=1e9", "keine Platzzahl"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mond", "gibt es nicht"),
    ("titel=Abend; wann=morgen 18 Uhr", "Es fehlt das Thema"),
    ("titel=Abend; farbe=rot", "kenne ich nicht"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; dauer=15 Tage", "höchstens 14 Tage"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; dauer=zwei", "Dauer „zwei“"),
    ("titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; bis=samstag 9:00", "vor dem Beginn"),
)


async def test_bad_form_input_gets_a_polite_answer(env: Env) -> None:
    for form, expected in BAD_FORMS:
        answer = await env.say(f"!termin-neu {form}", sender=MANAGER)
        assert expected in answer, (form, answer)
        assert "Referenz" not in answer
        # Understood, but wrong: a past date is not "nicht verstanden".
        assert "Das habe ich nicht verstanden" not in answer
    assert await env.events.store.upcoming(env.clock.now) == []


async def test_hostile_title_is_shown_as_typed_never_as_markup(env: Env) -> None:
    await env.say(
        "!termin-neu titel=<b>**Fett**</b> [x](https://evil.example)\u202e; "
        "wann=morgen 18 Uhr; thema=mobilitaet",
        sender=MANAGER,
    )
    _, _, html = env.replier.sent[-1]
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert "<strong>Fett" not in html
    assert "<a " not in html
    assert "\u202e" not in html


async def test_citizens_register_and_the_waiting_list_moves_up(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    first = await env.say(f"!anmelden {number}")
    assert "Sie sind angemeldet" in first
    assert "wartend: 0" not in first  # the last place taken, nobody waits yet
    [(name, data)] = env.replier.files
    assert name == f"termin-{number}.ics"
    assert Calendar.from_ical(data).events[0]["SUMMARY"] == "Abend"
    assert "schon angemeldet" in await env.say(f"!anmelden {number}")
    waiting = await env.say(f"anmelden {number}", sender=OTHER)
    assert "Warteliste, auf Platz 1" in waiting
    assert "Alle Plätze vergeben" in await env.say("!termine", sender=THIRD)
    assert "(wartend: 1)" in await env.say("!termine", sender=THIRD)
    assert "Sie sind abgemeldet" not in await env.say(f"!abmelden {number}", sender=THIRD)
    assert "abgemeldet" in await env.say(f"!abmelden {number}")
    [told] = env.mailer.to(OTHER)
    assert "Platz frei geworden" in told
    [(user, filename, _)] = env.mailer.files
    assert (user, filename) == (OTHER, f"termin-{number}.ics")
    regs = await env.events.store.registrations(number)
    assert [(r.user_id, r.waiting) for r in regs] == [(OTHER, False)]


async def test_an_event_without_limit_shows_no_zero_count(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    listing = await env.say("!termine")
    assert "Plätze: ohne Begrenzung" in listing
    assert "0 angemeldet" not in listing
    await env.say(f"!anmelden {number}", sender=OTHER)
    assert "Plätze: ohne Begrenzung (1 angemeldet)" in await env.say("!termine")


async def test_unknown_numbers_past_and_closed_events_are_refused(env: Env) -> None:
    assert "gibt es nicht" in await env.say("!anmelden 42")
    # A word instead of a number is taken as a title; with no events, that is what it says.
    assert "keine Termine" in await env.say("!anmelden zwei")
    number = await create(
        env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet; bis=morgen 12:00"
    )
    env.clock.now += 24 * 3600  # Friday 12:00: registration has closed
    assert "geschlossen" in await env.say(f"!anmelden {number}")
    env.clock.now += 7 * 3600  # after the start
    assert "vorbei" in await env.say(f"!anmelden {number}")
    assert "Zurzeit stehen keine Termine an" in await env.say("!termine")


async def test_citizen_cannot_create_or_list_participants(env: Env) -> None:
    assert "vorbehalten" in await env.say("!termin-neu titel=Abend")
    assert "vorbehalten" in await env.say("!teilnehmer 1")


async def test_check_reaction_on_the_announcement_registers_the_recipient(env: Env) -> None:
    await env.say("!abonnieren mobilitaet")
    await env.say("!abonnieren mobilitaet", sender=OTHER)
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=5; thema=mobilitaet")
    event = await env.events.store.get(number)
    assert event is not None
    assert event.broadcast_id is not None
    rows = await env.db.fetchall(
        "SELECT id, recipient FROM deliveries WHERE broadcast_id = ?", (event.broadcast_id,)
    )
    for row in rows:  # as the outbox records a sent DM
        await env.router.services.broadcaster.broadcasts.mark_sent(  # type: ignore[union-attr]
            row["id"], f"$ann-{row['recipient']}"
        )
    # Someone else's ✅ in the citizen's DM does not register anyone.
    await env.router.react(Reaction("$r1", "!dm", OTHER, f"$ann-{CITIZEN}", "✅"))
    assert "jemand anderen" in env.replier.texts[-1]
    await env.router.react(Reaction("$r2", "!dm", CITIZEN, f"$ann-{CITIZEN}", "✅️"))
    assert "Sie sind angemeldet" in env.replier.texts[-1]
    assert [r.user_id for r in await env.events.store.registrations(number)] == [CITIZEN]
    # Other reactions and unrelated events are not ours.
    ctx = await env.router._context(message("x"))
    assert not await register_by_reaction(ctx, Reaction("$r3", "!dm", CITIZEN, "$other", "✅"))
    assert not await register_by_reaction(ctx, Reaction("$r4", "!dm", OTHER, f"$ann-{OTHER}", "👍"))


async def test_announcement_is_rendered_in_the_recipients_language(env: Env) -> None:
    await env.say("!sprache en", sender=OTHER)
    await env.say("!abonnieren mobilitaet", sender=OTHER)
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    broadcaster = env.router.services.broadcaster
    assert broadcaster is not None
    [delivery] = await broadcaster.broadcasts.due(env.clock.now + 10**6, 10)
    plain, _ = await broadcaster.render_delivery(delivery)
    assert f"!join {number}" in plain
    assert "✅" in plain


async def test_change_and_cancel_tell_everyone_with_calendar_files(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    await env.say(f"!termin-aendern {number} wann=samstag 10:00; ort=Aula", sender=MANAGER)
    edited = await env.say("ja", sender=MANAGER)
    assert "Benachrichtigt (Angemeldete und Wartende): 2." in edited
    assert len(env.mailer.to(CITIZEN)) == 1
    assert len(env.mailer.to(OTHER)) == 1
    [(_, _, update)] = env.mailer.files  # the waiting person gets no calendar entry
    assert Calendar.from_ical(update).events[0]["SEQUENCE"] == 1
    assert "So verwenden" in await env.say(f"!termin-aendern {number} ", sender=MANAGER)
    assert "keine Platzzahl" in await env.say(f"!termin-aendern {number} plätze=-1", sender=MANAGER)
    assert "absagen?" in await env.say(f"!termin-absagen {number}", sender=MANAGER)
    assert "abgesagt" in await env.say("ja", sender=MANAGER)
    assert "abgesagt" in env.mailer.to(OTHER)[-1]
    # The card of a cancelled event says nothing about places left or registering by a date.
    assert "Plätze" not in env.mailer.to(OTHER)[-1]
    cancel = Calendar.from_ical(env.mailer.files[-1][2])
    assert cancel["METHOD"] == "CANCEL"
    assert cancel.events[0]["STATUS"] == "CANCELLED"
    assert cancel.events[0]["SEQUENCE"] == 2
    assert "abgesagt" in await env.say(f"!anmelden {number}", sender=THIRD)


async def test_changed_duration_sends_the_new_end_to_the_registered(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    listed = await env.say("!termine")
    assert "04.12.2026, 18:00–20:00 Uhr" in listed  # two hours assumed
    preview = await env.say(f"!termin-aendern {number} dauer=90 min", sender=MANAGER)
    assert "- Dauer: 2:00 Std. → 1:30 Std." in preview
    edited = await env.say("ja", sender=MANAGER)
    assert "Benachrichtigt (Angemeldete und Wartende): 1." in edited
    assert "18:00–19:30 Uhr" in env.mailer.to(CITIZEN)[-1]
    entry = Calendar.from_ical(env.mailer.files[-1][2]).events[0]
    assert entry.decoded("DTEND").strftime("%H:%M") == "19:30"
    assert entry["SEQUENCE"] == 1
    assert "18:00–19:30 Uhr" in await env.say("!termine")
    refused = await env.say(f"!termin-aendern {number} dauer=0", sender=MANAGER)
    assert "verstehe ich nicht" in refused
    event = await env.events.store.get(number)
    assert event is not None
    assert event.duration == 90 * 60


async def test_event_change_is_previewed_and_sent_only_after_yes(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    sent = len(env.mailer.dms)
    preview = await env.say(f"!termin-aendern {number} ort=Aula; plätze=3", sender=MANAGER)
    assert "- Ort: (kein Ort) → Aula" in preview
    assert "- Plätze: 1 → 3" in preview
    assert "angemeldet: 1, auf der Warteliste: 1" in preview
    assert len(env.mailer.dms) == sent  # nobody is told before "ja"
    assert "bleibt, wie er ist" in await env.say("nein", sender=MANAGER)
    event = await env.events.store.get(number)
    assert event is not None
    assert (event.place, event.capacity) == ("", 1)
    assert len(env.mailer.dms) == sent
    await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)
    assert "Benachrichtigt (Angemeldete und Wartende): 2." in await env.say("ja", sender=MANAGER)
    notice = env.mailer.to(CITIZEN)[-1]
    assert "wurde geändert:" in notice
    assert "- Ort: (kein Ort) → Aula" in notice
    assert "📍 Aula" in notice  # and the card as it is now


async def test_event_change_confirmation_is_the_managers_and_of_that_version(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    sent = len(env.mailer.dms)
    await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)
    await env.say("ja")  # the citizen's "ja" is not an answer to the manager's question
    assert len(env.mailer.dms) == sent
    # Meanwhile the event is changed from another room; the old preview must not overwrite it.
    room = "!andere:ochtrup.test"
    await env.router.dispatch(
        message(f"!termin-aendern {number} ort=Rathaus", sender=MANAGER, ts=NOW, room=room)
    )
    await env.router.dispatch(message("ja", sender=MANAGER, ts=NOW, room=room))
    assert "seit Ihrer Vorschau geändert" in await env.say("ja", sender=MANAGER)
    event = await env.events.store.get(number)
    assert event is not None
    assert event.place == "Rathaus"


async def test_event_change_that_changes_nothing_asks_nothing(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; ort=Aula; thema=mobilitaet")
    assert "ändert nichts" in await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)


async def test_register_without_number_lists_events_and_a_title_picks_one(env: Env) -> None:
    assert "keine Termine" in await env.say("!anmelden")
    first = await create(env, "titel=Solar-Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(
        "!termin-neu titel=Solar-Frühstück; wann=samstag 9 Uhr; thema=mobilitaet", sender=MANAGER
    )
    await env.say("ja", sender=MANAGER)
    listing = await env.say("!anmelden")
    assert "Für welchen Termin" in listing
    assert "„Solar-Abend“" in listing
    assert "„Solar-Frühstück“" in listing
    assert f"!anmelden {first}." in listing
    several = await env.say("!anmelden Solar")
    assert "passen mehrere" in several
    assert "Sie sind angemeldet für „Solar-Abend“" in await env.say("!anmelden solar abend")
    assert "finde ich nicht" in await env.say("!anmelden Radtour")


async def test_forgetting_names_event_registrations_before_deleting_them(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    asked = await env.say("!vergessen")
    assert "Anmeldungen zu Terminen" in asked
    assert "Terminanmeldungen" in await env.say("!hilfe vergessen")


async def test_participants_list_and_csv_only_in_private(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    assert "nur in einer Direktnachricht" in await env.say(
        f"!teilnehmer {number}", sender=MANAGER, direct=False
    )
    listing = await env.say(f"!teilnehmer {number}", sender=MANAGER)
    assert CITIZEN in listing
    assert f"{OTHER} (Warteliste)" in listing
    name, data = env.replier.files[-1]
    assert name == f"teilnehmer-termin-{number}.csv"
    text = data.decode("utf-8-sig")
    assert f"'{CITIZEN}" in text  # never a formula in a spreadsheet
    assert "warteliste" in text


async def test_reminders_day_before_wait_for_quiet_hours_last_one_does_not(env: Env) -> None:
    # Saturday 05.12.2026 07:30: the day-before reminder falls into the default quiet hours.
    number = await create(env, "titel=Frühstück; wann=samstag 7:30; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    await env.say("!ruhezeit aus", sender=OTHER)
    starts = datetime(2026, 12, 5, 7, 30, tzinfo=BERLIN).timestamp()
    env.clock.now = starts - 24 * 3600 - 60
    assert await env.events.tick() == 0
    env.clock.now = starts - 24 * 3600  # Friday 07:30: quiet hours have ended (07:00)
    assert await env.events.tick() == 2
    assert await env.events.tick() == 0  # once only
    env.clock.now = starts - 3600  # 06:30, in the citizen's quiet hours: sent anyway
    assert await env.events.tick() == 2
    assert "In einer Stunde" in env.mailer.to(CITIZEN)[-1]
    assert await env.events.tick() == 0


async def test_day_reminder_held_by_quiet_hours_until_they_end(env: Env) -> None:
    number = await create(env, "titel=Nachtwanderung; wann=samstag 22:30; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    starts = datetime(2026, 12, 5, 22, 30, tzinfo=BERLIN).timestamp()
    env.clock.now = starts - 24 * 3600  # Friday 22:30, quiet
    assert await env.events.tick() == 0
    env.clock.now = datetime(2026, 12, 5, 7, 0, tzinfo=BERLIN).timestamp()
    assert await env.events.tick() == 1
    # Held into the day of the event: it is today, not "Morgen".
    assert "Heute um 22:30 Uhr findet „Nachtwanderung“ statt" in env.mailer.to(CITIZEN)[-1]
    assert "Morgen" not in env.mailer.to(CITIZEN)[-1]


async def test_who_registers_within_the_last_day_gets_no_day_before_reminder(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=heute 20 Uhr; thema=mobilitaet")
    await env.say("!ruhezeit aus")
    await env.say(f"!anmelden {number}")  # Thursday 12:00, eight hours before
    assert await env.events.tick() == 0  # the confirmation just said it all
    env.clock.now = datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN).timestamp()
    assert await env.events.tick() == 1
    [reminder] = env.mailer.to(CITIZEN)
    assert "In einer Stunde" in reminder


async def test_forgetting_removes_registrations_and_the_next_moves_up(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    privacy = PrivacyStore(env.db)
    exported = await privacy.export(CITIZEN)
    assert exported["event_registrations"][0]["event_id"] == number
    assert "calendar_events" in await privacy.export(MANAGER)
    await privacy.forget(CITIZEN)
    assert await privacy.export(CITIZEN) == {}
    await env.events.tick()
    regs = await env.events.store.registrations(number)
    assert [(r.user_id, r.waiting) for r in regs] == [(OTHER, False)]
    assert "Platz frei geworden" in env.mailer.to(OTHER)[-1]
    await privacy.forget(MANAGER)
    event = await env.events.store.get(number)
    assert event is not None
    assert event.author == "[gelöscht]"


async def test_check_reaction_in_a_room_answers_by_dm(env: Env) -> None:
    services = env.router.services
    assert services.broadcaster is not None
    services.broadcaster.topic_rooms = {"mobilitaet": ("!room:ochtrup.test",)}
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    broadcasts = services.broadcaster.broadcasts
    [delivery] = await broadcasts.due(env.clock.now + 10, 10)
    await broadcasts.mark_sent(delivery.id, "$room-ann")
    sent_before = len(env.replier.sent)
    await env.router.react(Reaction("$r", "!room:ochtrup.test", OTHER, "$room-ann", "✅"))
    assert len(env.replier.sent) == sent_before  # nothing in the room
    assert "Sie sind angemeldet" in env.mailer.to(OTHER)[-1]
    assert env.mailer.files[-1][:2] == (OTHER, f"termin-{number}.ics")
    await env.router.react(Reaction("$r2", "!room:ochtrup.test", OTHER, "$room-ann", "✅"))
    assert "schon angemeldet" in env.mailer.to(OTHER)[-1]
    assert len(env.replier.sent) == sent_before


async def test_registration_in_a_room_sends_the_confirmation_by_dm(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    assert "per Direktnachricht" in await env.say(f"!anmelden {number}", direct=False)
    assert "Sie sind angemeldet" in env.mailer.to(CITIZEN)[-1]
    assert not env.replier.files


async def test_weekly_digest_names_the_command_not_the_check_mark(env: Env) -> None:
    await env.say("!abonnieren mobilitaet")
    await env.say("!zustellung woechentlich")
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    broadcaster = env.router.services.broadcaster
    assert broadcaster is not None
    [(_, body, _, _)] = await broadcaster.broadcasts.digest_items(CITIZEN)
    assert f"!anmelden {number}" in body
    assert "✅" not in body


async def test_console_runs_events_with_moving_up_printed_as_dm() -> None:
    lines = (
        "/rolle manager",
        "termin-neu titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet",
        "ja",
        "/als anna",
        "anmelden 1",
        "/als ben",
        "ruhezeit aus",  # the console runs on the wall clock; at night Ben's notice would wait
        "anmelden 1",
        "/als anna",
        "abmelden 1",
    )
    out = io.StringIO()
    assert (
        await run_chat(ServiceSettings.defaults(), io.StringIO("\n".join(lines) + "\n"), out) == 0
    )
    text = out.getvalue()
    assert "Traceback" not in text
    assert "Warteliste, auf Platz 1" in text
    assert "[Direktnachricht an @ben:konsole]\n  Klimabot: Gute Nachricht" in text
    assert text.count("termin-1.ics") == 2  # Anna's confirmation, Ben's moving up


async def test_list_says_whether_one_has_a_place_or_waits(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    assert "Sie sind dabei" in await env.say("!termine")
    listing = await env.say("!termine", sender=OTHER)
    assert "Sie stehen auf der Warteliste" in listing
    assert "Sie sind dabei" not in listing
    assert "dabei" not in await env.say("!termine mobilitaet", sender=THIRD)
    assert "kenne ich nicht" in await env.say("!termine mond", sender=THIRD)


async def test_failed_confirmation_dm_keeps_the_registration_and_says_so(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")

    async def broken(user_id: str, plain: str, html: str) -> tuple[str, str]:
        raise RuntimeError("homeserver says no")

    env.mailer.direct = broken  # type: ignore[method-assign]
    answer = await env.say(f"!anmelden {number}", direct=False)
    assert "kam nicht an" in answer
    assert "Referenz" not in answer
    assert [r.user_id for r in await env.events.store.registrations(number)] == [CITIZEN]


async def test_reminder_job_runs_every_minute() -> None:
    async def tick() -> int:
        return 0

    settings: Any = SimpleNamespace(digest_weekday=0, digest_hour=8, digest_minute=0)
    handled: Any = SimpleNamespace(prune=None)
    limiter: Any = SimpleNamespace(forget_idle=lambda: None)
    none: Any = None
    jobs = Jobs(handled, limiter, timedelta(hours=1), none, none, settings, events_tick=tick)
    jobs.start()
    try:
        job = jobs.scheduler.get_job("event-reminders")
        assert job is not None
        assert job.trigger.interval == timedelta(minutes=1)
        assert job.func is tick
    finally:
        jobs.shutdown()


async def test_reminders_come_from_the_rows_after_a_restart_and_missed_ones_collapse(
    env: Env,
) -> None:
    number = await create(env, "titel=Abend; wann=samstag 18:00; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say("!ruhezeit aus")
    starts = datetime(2026, 12, 5, 18, 0, tzinfo=BERLIN).timestamp()
    old = env.events
    # The bot was down through the day-before reminder; a new service on the same database
    # (as after a restart) sends only the hour-before one, once.
    fresh = EventService(
        EventStore(env.db),
        old.broadcaster,
        old.catalog,
        old.users,
        old.prefix,
        lambda: starts - 1800,
    )
    fresh.mailer = env.mailer
    assert await fresh.tick() == 1
    assert await fresh.tick() == 0
    assert await old.tick() == 0
    [reminder] = env.mailer.to(CITIZEN)
    assert "In einer Stunde" in reminder


async def test_announcement_held_past_a_cancellation_says_so(env: Env) -> None:
    await env.say("!abonnieren mobilitaet")  # default quiet hours are not in force at noon
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(f"!termin-absagen {number}", sender=MANAGER)
    await env.say("ja", sender=MANAGER)
    broadcaster = env.router.services.broadcaster
    assert broadcaster is not None
    [delivery] = await broadcaster.broadcasts.due(env.clock.now + 10**6, 10)
    plain, _ = await broadcaster.render_delivery(delivery)
    assert "inzwischen abgesagt" in plain
    assert "anmelden" not in plain


async def test_public_calendar_lists_upcoming_events_of_a_topic(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    feed = Calendar.from_ical(await env.events.public_calendar("mobilitaet"))
    assert [e["SUMMARY"] for e in feed.events] == ["Abend"]
    assert CITIZEN.encode() not in await env.events.public_calendar()
    assert Calendar.from_ical(await env.events.public_calendar("klimaanpassung")).events == []
