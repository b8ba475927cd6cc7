"""Event notices (a place free, a change, a cancellation) wait for the end of quiet hours."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar

from commands.termine_service import EventService
from commands.when import BERLIN
from store.event_notices import EventNoticeStore
from store.events_calendar import EventStore
from store.privacy import PrivacyStore
from tests.commands.fakes import CITIZEN, MANAGER
from tests.commands.test_termine import OTHER, Env, FakeMailer, create
from tests.commands.test_termine import env as env  # the fixture, shared

# Thursday 03.12.2026 23:00 and Friday 07:00 (Berlin): in and just after the default quiet hours.
NIGHT = datetime(2026, 12, 3, 23, 0, tzinfo=BERLIN).timestamp()
MORNING = datetime(2026, 12, 4, 7, 0, tzinfo=BERLIN).timestamp()


async def _full_event(env: Env) -> int:
    """Saturday 18:00 (no reminder due by Friday morning), one place: the citizen has it,
    OTHER waits."""
    number = await create(env, "titel=Abend; wann=samstag 18 Uhr; plätze=1; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    await env.say(f"!anmelden {number}", sender=OTHER)
    return number


async def _held(env: Env) -> list[tuple[str, str]]:
    rows = await env.db.fetchall("SELECT user_id, kind FROM event_notices ORDER BY id")
    return [(str(row[0]), str(row[1])) for row in rows]


async def test_place_freed_at_night_is_sent_with_its_calendar_file_when_quiet_hours_end(
    env: Env,
) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    assert "abgemeldet" in await env.say(f"!abmelden {number}")  # one's own answer: at once
    assert env.mailer.to(OTHER) == []
    assert await _held(env) == [(OTHER, "moved_up")]
    env.clock.now = MORNING - 60
    await env.events.tick()
    assert env.mailer.to(OTHER) == []
    env.clock.now = MORNING
    await env.events.tick()
    [told] = env.mailer.to(OTHER)
    assert "Platz frei geworden" in told
    [(user, filename, data)] = env.mailer.files
    assert (user, filename) == (OTHER, f"termin-{number}.ics")
    assert Calendar.from_ical(data).events[0]["SUMMARY"] == "Abend"
    await env.events.tick()
    assert len(env.mailer.to(OTHER)) == 1  # once only
    assert await _held(env) == []


async def test_place_freed_in_the_day_is_sent_at_once(env: Env) -> None:
    number = await _full_event(env)
    await env.say(f"!abmelden {number}")  # Thursday noon
    [told] = env.mailer.to(OTHER)
    assert "Platz frei geworden" in told
    assert await _held(env) == []


async def test_own_registration_confirmation_is_not_held_at_night(env: Env) -> None:
    number = await create(env, "titel=Abend; wann=morgen 18 Uhr; thema=mobilitaet")
    env.clock.now = NIGHT
    await env.say(f"!anmelden {number}", direct=False)  # typed in a room: answered by DM
    [confirmation] = env.mailer.to(CITIZEN)
    assert "Sie sind angemeldet" in confirmation


async def test_change_at_night_tells_the_manager_who_waits_and_a_restart_still_sends_it(
    env: Env,
) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)
    done = await env.say("ja", sender=MANAGER)
    assert "Benachrichtigt (Angemeldete und Wartende): 0." in done
    assert "2 Personen sind gerade in ihrer Ruhezeit und erhalten die Nachricht" in done
    assert env.mailer.dms == []
    # A new service over the same database, as after a restart.
    old = env.events
    fresh = EventService(
        EventStore(env.db),
        old.broadcaster,
        old.catalog,
        old.users,
        old.prefix,
        lambda: MORNING,
        notices=EventNoticeStore(env.db),
    )
    fresh.mailer = mailer = FakeMailer()
    await fresh.tick()
    [notice] = mailer.to(CITIZEN)
    assert "- Ort: (kein Ort) → Aula" in notice
    assert "wurde geändert" in mailer.to(OTHER)[0]
    [(user, _, data)] = mailer.files  # the waiting person gets no calendar entry
    assert user == CITIZEN
    entry = Calendar.from_ical(data).events[0]
    assert (entry["LOCATION"], entry["SEQUENCE"]) == ("Aula", 1)
    await fresh.tick()
    assert len(mailer.dms) == 2


async def test_two_changes_while_held_make_one_notice_in_the_readers_language(env: Env) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    for form in ("ort=Aula", "ort=Rathaus; plätze=3"):
        await env.say(f"!termin-aendern {number} {form}", sender=MANAGER)
        await env.say("ja", sender=MANAGER)
    await env.say("!sprache en")  # chosen after the change, before it is sent
    env.clock.now = MORNING
    await env.events.tick()
    [notice] = env.mailer.to(CITIZEN)
    assert "Rathaus" in notice
    assert "Aula" not in notice  # from no place to Rathaus, in one notice
    assert "has changed" in notice


async def test_cancellation_supersedes_a_held_change(env: Env) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)
    await env.say("ja", sender=MANAGER)
    await env.say(f"!termin-absagen {number}", sender=MANAGER)
    done = await env.say("ja", sender=MANAGER)
    assert "2 Personen sind gerade in ihrer Ruhezeit" in done
    env.clock.now = MORNING
    await env.events.tick()
    [notice] = env.mailer.to(CITIZEN)
    assert "abgesagt" in notice
    assert "abgesagt" in env.mailer.to(OTHER)[-1]
    assert len(env.mailer.to(OTHER)) == 1
    [(user, _, data)] = env.mailer.files
    assert user == CITIZEN
    assert Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert await _held(env) == []


async def test_held_place_is_dropped_when_the_person_unregisters(env: Env) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    await env.say(f"!abmelden {number}")
    await env.say(f"!abmelden {number}", sender=OTHER)
    assert await _held(env) == []
    await env.say(f"!anmelden {number}", sender=OTHER)  # back, and a place at once
    env.clock.now = MORNING
    await env.events.tick()
    assert not any("Platz frei" in text for text in env.mailer.to(OTHER))


async def test_forgetting_deletes_held_notices(env: Env) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    await env.say(f"!termin-aendern {number} ort=Aula", sender=MANAGER)
    await env.say("ja", sender=MANAGER)
    privacy = PrivacyStore(env.db)
    assert [row["kind"] for row in (await privacy.export(OTHER))["event_notices"]] == ["changed"]
    await privacy.forget(OTHER)
    assert await _held(env) == [(CITIZEN, "changed")]
    env.clock.now = MORNING
    await env.events.tick()
    assert env.mailer.to(OTHER) == []
    assert len(env.mailer.to(CITIZEN)) == 1


async def test_changed_quiet_hours_count_for_held_notices(env: Env) -> None:
    number = await _full_event(env)
    env.clock.now = NIGHT
    await env.say(f"!abmelden {number}")
    await env.say("!ruhezeit aus", sender=OTHER)
    await env.events.tick()
    assert "Platz frei geworden" in env.mailer.to(OTHER)[-1]


async def test_news_of_an_event_early_next_morning_is_not_held(env: Env) -> None:
    number = await create(env, "titel=Frühstück; wann=morgen 7:30; thema=mobilitaet")
    await env.say(f"!anmelden {number}")
    env.clock.now = NIGHT
    await env.say(f"!termin-absagen {number}", sender=MANAGER)
    assert "Benachrichtigt (Angemeldete und Wartende): 1." in await env.say("ja", sender=MANAGER)
    assert "abgesagt" in env.mailer.to(CITIZEN)[-1]
