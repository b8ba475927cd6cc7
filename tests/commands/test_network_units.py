"""Actor network jobs without a homeserver: weekly 'new actors' DMs and inactivity deletion."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from commands.actors import ActorService
from commands.i18n import Catalog
from commands.introductions import INACTIVE_GRACE_SECONDS, REQUEST_TTL_SECONDS, NetworkService
from commands.matching import ActorIndex
from config.faq import load_synonyms
from config.settings import (
    DEFAULT_ACTOR_TYPES,
    DEFAULT_DISTRICTS,
    ActorSettings,
    default_faq_settings,
)
from store.actors import Actor, ActorStore
from store.db import Database
from store.privacy import PrivacyStore
from store.users import UserSettings


class FakeMessenger:
    def __init__(self) -> None:
        self.dms: list[tuple[str, str]] = []

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        self.dms.append((user_id, plain))
        return "!dm:x", f"$dm{len(self.dms)}"

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        return "!room:x"


def _actor(user: str, name: str, offers: str = "", needs: str = "") -> Actor:
    return Actor(
        user,
        name,
        "Bürger/in",
        "",
        "Ochtrup",
        ("erneuerbare-energien",),
        offers,
        needs,
        True,
        False,
        "v1",
    )


def _service(db: Database, messenger: FakeMessenger, index: ActorIndex) -> NetworkService:
    settings = ActorSettings(DEFAULT_ACTOR_TYPES, DEFAULT_DISTRICTS, {}, "v1", timedelta(days=730))
    return NetworkService(
        ActorService(settings, ActorStore(db)),
        index,
        messenger,
        UserSettings(db),
        Catalog.load(),
        "!",
    )


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Any]:
    db = await Database.open(tmp_path / "k.sqlite")
    messenger = FakeMessenger()
    index = ActorIndex(load_synonyms(default_faq_settings().synonyms_file))
    yield _service(db, messenger, index), messenger, db
    await db.close()


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_weekly_dm_names_new_matching_actors_only_to_opted_in(network: Any) -> None:
    service, messenger, db = network
    await service.actors.save(_actor("@old:x", "Alte Firma", offers="Solaranlage"))
    await db.execute("UPDATE actors SET created_at = 0")
    await service.actors.save(_actor("@me:x", "Ich", needs="PV-Installation"))
    await service.actors.save(_actor("@other:x", "Andere", needs="PV-Installation"))
    await service.actors.save(_actor("@new:x", "Neue Solarfirma", offers="Photovoltaikanlage"))
    await service.actors.store.set_weekly("@me:x", True)
    assert await service.weekly_new_actors() == 1
    await _settle()
    [(user, text)] = messenger.dms
    assert user == "@me:x"
    assert "Neue Solarfirma" in text
    assert "Alte Firma" not in text


async def test_inactive_actor_is_warned_then_deleted_after_grace(network: Any) -> None:
    service, messenger, db = network
    privacy = PrivacyStore(db)
    await service.actors.save(_actor("@sleepy:x", "Schläfer"))
    await service.actors.save(_actor("@busy:x", "Aktiv"))
    await db.execute("UPDATE actors SET last_active = 0 WHERE user_id = '@sleepy:x'")
    year = 365 * 24 * 3600.0
    assert await service.inactivity(2 * year, privacy.forget) == 0
    await _settle()
    assert [u for u, _ in messenger.dms] == ["@sleepy:x"]
    assert "30 Tagen" in messenger.dms[0][1]
    # Still inactive after the grace period: deleted; the active actor stays.
    await db.execute(
        "UPDATE actors SET warned_at = ?", (service.clock() - INACTIVE_GRACE_SECONDS - 1,)
    )
    await db.execute("UPDATE actors SET last_active = 0 WHERE user_id = '@sleepy:x'")
    assert await service.inactivity(2 * year, privacy.forget) == 1
    assert await service.actors.store.get("@sleepy:x") is None
    assert await service.actors.store.get("@busy:x") is not None
    assert "@sleepy:x" not in service.index.user_ids()


async def test_using_the_network_again_cancels_the_warning(network: Any) -> None:
    service, messenger, db = network
    privacy = PrivacyStore(db)
    await service.actors.save(_actor("@back:x", "Zurück"))
    await db.execute("UPDATE actors SET last_active = 0")
    await service.inactivity(100.0, privacy.forget)
    await service.actors.store.touch("@back:x")
    await db.execute("UPDATE actors SET warned_at = 0")
    assert await service.inactivity(100.0, privacy.forget) == 0
    assert await service.actors.store.get("@back:x") is not None


class RoomRecorder(FakeMessenger):
    def __init__(self) -> None:
        super().__init__()
        self.rooms: list[list[str]] = []
        self.texts: list[tuple[str, str]] = []

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        self.rooms.append(invite)
        self.texts.append((name, plain))
        return "!room:x"


@pytest.fixture
async def rooms(tmp_path: Path) -> AsyncIterator[Any]:
    """A network service whose messenger records the shared rooms it creates."""
    db = await Database.open(tmp_path / "k.sqlite")
    messenger = RoomRecorder()
    yield _service(db, messenger, ActorIndex(())), messenger, db
    await db.close()


async def test_manager_proposal_needs_both_yes_before_a_room(rooms: Any) -> None:
    service, messenger, _ = rooms
    a, b = _actor("@a:x", "A"), _actor("@b:x", "B")
    for actor in (a, b):
        await service.actors.save(actor)
    store = service.actors.store
    intro_id = await store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    await service.send_proposal(intro_id, a, b, "")
    assert sorted(u for u, _ in messenger.dms) == ["@a:x", "@b:x"]
    intro = await store.get_intro(intro_id)
    assert await service.decide(intro, True, "@b:x") == "actors.waiting_other"
    await service.wait_background()
    assert messenger.rooms == []
    intro = await store.get_intro(intro_id)
    assert await service.decide(intro, True, "@a:x") == "actors.accepted_target"
    await service.wait_background()
    assert messenger.rooms == [["@a:x", "@b:x"]]
    intro = await store.get_intro(intro_id)
    assert intro.status == "accepted"
    assert await service.decide(intro, True, "@a:x") is None  # answered only once


async def test_proposal_shows_the_other_profile_in_each_readers_language(network: Any) -> None:
    service, messenger, db = network
    a = _actor("@a:x", "A", offers="Dachflächen")
    b = _actor("@b:x", "B", needs="solar roofs")
    for actor in (a, b):
        await service.actors.save(actor)
    await UserSettings(db).set_language("@b:x", "en")
    intro_id = await service.actors.store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    await service.send_proposal(intro_id, a, b, "")
    texts = dict(messenger.dms)
    assert "Sucht: solar roofs" in texts["@a:x"]  # A reads B's profile in German
    assert "Offers: Dachflächen" in texts["@b:x"]  # B chose English


@pytest.mark.parametrize(
    ("languages", "room_name", "present", "absent"),
    [
        (
            (None, None),
            "Vernetzung: A & B",
            ["Darf ich vorstellen", "Bietet: Dachflächen"],
            ["May"],
        ),
        (("en", "en"), "Introduction: A & B", ["May I introduce", "Offers: Dachflächen"], ["Darf"]),
        (("de", "en"), "Vernetzung: A & B", ["Darf ich vorstellen", "May I introduce"], []),
    ],
)
async def test_shared_room_text_is_in_the_languages_both_sides_chose(
    rooms: Any,
    languages: tuple[str | None, str | None],
    room_name: str,
    present: list[str],
    absent: list[str],
) -> None:
    service, messenger, db = rooms
    a, b = _actor("@a:x", "A", offers="Dachflächen"), _actor("@b:x", "B")
    for actor, language in zip((a, b), languages, strict=True):
        await service.actors.save(actor)
        if language is not None:
            await UserSettings(db).set_language(actor.user_id, language)
    store = service.actors.store
    intro_id = await store.request("@a:x", "@b:x", "Solar", proposed_by=None)
    intro = await store.get_intro(intro_id)
    assert await service.decide(intro, True, "@b:x") == "actors.accepted_target"
    await service.wait_background()
    [(name, text)] = messenger.texts
    assert name == room_name
    for part in present:
        assert part in text
    for part in absent:
        assert part not in text


@pytest.mark.parametrize("decliner", ["@a:x", "@b:x"])
async def test_a_declined_proposal_is_not_called_the_other_sides_request(
    rooms: Any, decliner: str
) -> None:
    service, messenger, db = rooms
    a, b = _actor("@a:x", "A"), _actor("@b:x", "B")
    for actor in (a, b):
        await service.actors.save(actor)
    await UserSettings(db).set_language("@a:x", "en")
    store = service.actors.store
    intro_id = await store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    await service.send_proposal(intro_id, a, b, "")
    messenger.dms.clear()
    intro = await store.get_intro(intro_id)
    assert await service.decide(intro, False, decliner) == "actors.declined_target"
    await service.wait_background()
    [(told, text)] = messenger.dms
    assert told == ("@b:x" if decliner == "@a:x" else "@a:x")
    assert "Anfrage" not in text
    assert "request" not in text
    assert "Klimaschutzmanagement Ihnen vorgeschlagen" in text or "climate management" in text


async def test_an_expired_proposal_tells_both_sides_it_was_a_proposal(rooms: Any) -> None:
    service, messenger, _ = rooms
    a, b = _actor("@a:x", "A"), _actor("@b:x", "B")
    for actor in (a, b):
        await service.actors.save(actor)
    intro_id = await service.actors.store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    await service.send_proposal(intro_id, a, b, "")
    messenger.dms.clear()
    service.clock = lambda: time.time() + REQUEST_TTL_SECONDS + 60
    assert await service.expire() == 1
    await service.wait_background()
    assert sorted(user for user, _ in messenger.dms) == ["@a:x", "@b:x"]
    for _, text in messenger.dms:
        assert "vorgeschlagen" in text
        assert "Zu Ihrer Anfrage" not in text


async def test_a_plain_request_declined_still_says_your_request(rooms: Any) -> None:
    service, messenger, _ = rooms
    for actor in (_actor("@a:x", "A"), _actor("@b:x", "B")):
        await service.actors.save(actor)
    intro_id = await service.actors.store.request("@a:x", "@b:x", "")
    intro = await service.actors.store.get_intro(intro_id)
    await service.decide(intro, False, "@b:x")
    await service.wait_background()
    [(told, text)] = messenger.dms
    assert told == "@a:x"
    assert "Zu Ihrer Anfrage ist diesmal kein Kontakt zustande gekommen" in text


async def test_forgetting_tells_the_other_side_of_an_open_proposal(rooms: Any) -> None:
    service, messenger, _ = rooms
    for actor in (_actor("@a:x", "A"), _actor("@b:x", "B")):
        await service.actors.save(actor)
    await service.actors.store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    assert await service.withdraw("@b:x") == 1
    await service.wait_background()
    [(told, text)] = messenger.dms
    assert told == "@a:x"
    assert "vorgeschlagen" in text


async def test_stopping_cancels_background_work_that_would_send_after_the_client_closed(
    network: Any,
) -> None:
    service, _, _ = network
    started, sent = asyncio.Event(), []

    async def slow_send() -> None:
        started.set()
        await asyncio.sleep(3600)  # a send waiting on the homeserver
        sent.append("late")

    service.spawn(slow_send())
    await started.wait()
    await service.stop_background()
    await asyncio.sleep(0)
    assert sent == []
    assert not service._tasks
