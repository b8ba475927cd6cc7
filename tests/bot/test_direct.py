"""bot/direct.py: which rooms are DMs, learned from invites, sync state and m.direct."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nio import InviteMemberEvent, MatrixRoom, RoomMemberEvent, UnknownAccountDataEvent

from bot.direct import DirectRooms, parse_m_direct
from store.db import Database
from store.direct import DirectRoomStore

BOT = "@klimabot:ochtrup.test"
ANNA = "@anna:ochtrup.test"
BEN = "@ben:ochtrup.test"
ROOM = "!dm:ochtrup.test"


class _Resp:
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self._body = body

    async def json(self, content_type: Any = None) -> Any:
        return self._body


class FakeClient:
    """Enough of nio's AsyncClient: rooms, and an account-data endpoint for m.direct."""

    user_id = BOT
    access_token = "token"

    def __init__(self, m_direct: dict[str, Any] | None = None, get_status: int = 200) -> None:
        self.rooms: dict[str, MatrixRoom] = {}
        self.get_status = get_status
        self.m_direct = m_direct
        self.puts: list[dict[str, Any]] = []

    async def send(self, method: str, path: str, data: str | None = None, **_: Any) -> _Resp:
        assert "/account_data/m.direct" in path
        if method == "PUT":
            assert data is not None
            self.m_direct = json.loads(data)
            self.puts.append(self.m_direct)
            return _Resp(200, {})
        if self.m_direct is None:
            return _Resp(404, {"errcode": "M_NOT_FOUND"})
        return _Resp(self.get_status, self.m_direct)

    def room(self, room_id: str, *members: str, invited: tuple[str, ...] = ()) -> MatrixRoom:
        room = MatrixRoom(room_id, BOT)
        for user in (BOT, *members):
            room.add_member(user, None, None)
        for user in invited:
            room.add_member(user, None, None, invited=True)
        self.rooms[room_id] = room
        return room


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[DirectRoomStore]:
    db = await Database.open(tmp_path / "klimabot.sqlite")
    yield DirectRoomStore(db)
    await db.close()


def _member(
    state_key: str, membership: str, sender: str, content: Any = None, unsigned: Any = None
) -> RoomMemberEvent:
    event = {
        "type": "m.room.member",
        "event_id": "$m",
        "origin_server_ts": 1,
        "sender": sender,
        "state_key": state_key,
        "content": {"membership": membership, **(content or {})},
    }
    if unsigned is not None:
        event["unsigned"] = unsigned
    parsed = RoomMemberEvent.from_dict(event)
    assert isinstance(parsed, RoomMemberEvent)
    return parsed


def _sync(room_id: str, *events: Any, account_data: Any = ()) -> Any:
    info = SimpleNamespace(state=list(events), timeline=SimpleNamespace(events=[]))
    return SimpleNamespace(
        account_data_events=list(account_data), rooms=SimpleNamespace(join={room_id: info})
    )


def _invite(sender: str, content: dict[str, Any]) -> InviteMemberEvent:
    event = InviteMemberEvent.from_dict(
        {
            "type": "m.room.member",
            "sender": sender,
            "state_key": BOT,
            "content": {"membership": "invite", **content},
        }
    )
    assert isinstance(event, InviteMemberEvent)
    return event


async def test_a_two_member_room_is_not_a_dm_unless_made_one(store: DirectRoomStore) -> None:
    client = FakeClient()
    direct = DirectRooms(client, store)
    assert not direct.is_direct(client.room(ROOM, ANNA))


async def test_an_invite_with_is_direct_makes_a_dm_with_the_inviter_and_writes_m_direct(
    store: DirectRoomStore,
) -> None:
    client = FakeClient()
    direct = DirectRooms(client, store)
    await direct.accepted_invite(ROOM, _invite(ANNA, {"is_direct": True}))
    await direct.accepted_invite("!other:ochtrup.test", _invite(ANNA, {"is_direct": "true"}))
    assert direct.is_direct(client.room(ROOM, ANNA))
    assert not direct.is_direct(client.room("!other:ochtrup.test", ANNA))
    assert client.m_direct == {ANNA: [ROOM]}
    assert await store.all() == [(ROOM, ANNA)]


async def test_a_dm_with_a_third_member_or_invitee_is_not_private_any_more(
    store: DirectRoomStore,
) -> None:
    client = FakeClient()
    direct = DirectRooms(client, store)
    await direct.created(ROOM, ANNA)
    assert not direct.is_direct(client.room(ROOM, ANNA, BEN))
    assert not direct.is_direct(client.room(ROOM, ANNA, invited=(BEN,)))
    assert direct.newest_with(ANNA) is None
    client.room(ROOM, ANNA)
    assert direct.newest_with(ANNA) == ROOM


@pytest.mark.parametrize(
    ("event", "partner"),
    [
        # The bot's own DM invite, still pending (a room created just before a crash).
        (_member(ANNA, "invite", BOT, {"is_direct": True}), ANNA),
        # ... and accepted: the DM flag is in the previous content.
        (
            _member(
                ANNA,
                "join",
                ANNA,
                unsigned={
                    "prev_content": {"membership": "invite", "is_direct": True},
                    "prev_sender": BOT,
                },
            ),
            ANNA,
        ),
        # The bot joined on Anna's DM invite.
        (
            _member(
                BOT,
                "join",
                BOT,
                unsigned={
                    "prev_content": {"membership": "invite", "is_direct": True},
                    "prev_sender": ANNA,
                },
            ),
            ANNA,
        ),
        # Someone else's DM invite to a third person does not make the room the bot's DM.
        (_member(BEN, "invite", ANNA, {"is_direct": True}), None),
        # An invite without the flag, or with a flag that is not exactly true.
        (_member(ANNA, "invite", BOT), None),
        (_member(ANNA, "invite", BOT, {"is_direct": 1}), None),
        # A DM partner who left.
        (
            _member(
                ANNA,
                "leave",
                ANNA,
                unsigned={
                    "prev_content": {"membership": "invite", "is_direct": True},
                    "prev_sender": BOT,
                },
            ),
            None,
        ),
        # Bad prev_sender.
        (
            _member(
                BOT,
                "join",
                BOT,
                unsigned={
                    "prev_content": {"membership": "invite", "is_direct": True},
                    "prev_sender": ["@anna:ochtrup.test"],
                },
            ),
            None,
        ),
    ],
)
async def test_dms_are_learned_from_membership_state_in_sync(
    store: DirectRoomStore, event: RoomMemberEvent, partner: str | None
) -> None:
    client = FakeClient(m_direct={BEN: ["!old:ochtrup.test"]})
    direct = DirectRooms(client, store)
    await direct.note_sync(_sync(ROOM, event))
    room = client.room(ROOM, ANNA)
    assert direct.is_direct(room) is (partner is not None)
    if partner is not None:
        # Merged into m.direct, nothing the bot had there is lost.
        assert client.m_direct == {BEN: ["!old:ochtrup.test"], partner: [ROOM]}


async def test_dms_from_m_direct_are_known_after_a_restart_without_the_database(
    store: DirectRoomStore, tmp_path: Path
) -> None:
    client = FakeClient(m_direct={ANNA: [ROOM, 5], "not-a-user": ["!x:y"], BEN: "!bad:y"})
    direct = DirectRooms(client, store)
    await direct.load()
    assert direct.is_direct(client.room(ROOM, ANNA))
    assert await store.all() == [(ROOM, ANNA)]
    # And from an m.direct change that arrives in sync.
    event = UnknownAccountDataEvent("m.direct", {BEN: ["!ben:ochtrup.test"]})
    await direct.note_sync(_sync("!none:ochtrup.test", account_data=[event]))
    assert direct.is_direct(client.room("!ben:ochtrup.test", BEN))


async def test_an_unreadable_m_direct_is_never_overwritten(store: DirectRoomStore) -> None:
    client = FakeClient(m_direct={ANNA: ["!a:ochtrup.test"]}, get_status=500)
    direct = DirectRooms(client, store)
    await direct.created(ROOM, BEN)
    assert client.puts == []
    assert direct.is_direct(client.room(ROOM, BEN))  # known all the same (the database)


_ids = st.sampled_from([ANNA, ROOM, "@", "!", "@a:" + "x" * 300]) | st.text(max_size=20)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _ids,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_ids, inner, max_size=3),
)


@given(_json)
def test_m_direct_content_of_any_shape_gives_only_well_formed_pairs(content: Any) -> None:
    for room_id, user_id in parse_m_direct(content):
        assert room_id.startswith("!")
        assert user_id.startswith("@")
        assert ":" in user_id
        assert len(user_id) <= 255
