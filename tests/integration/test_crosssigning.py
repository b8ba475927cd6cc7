"""Another client sees the bot's device as signed by its owner (keys/query)."""

from __future__ import annotations

import json
from typing import Any

import vodozemac

from bot.crosssign import canonical_json
from tests.harness import BotRunner, ChatUser


def _verify(signed: dict[str, Any], user_id: str, key_id: str, public: str) -> None:
    signature = signed["signatures"][user_id][key_id]
    unsigned = {k: v for k, v in signed.items() if k not in ("signatures", "unsigned")}
    vodozemac.Ed25519PublicKey.from_base64(public).verify_signature(
        canonical_json(unsigned), vodozemac.Ed25519Signature.from_base64(signature)
    )


async def _query_keys(client: Any, user_id: str) -> dict[str, Any]:
    resp = await client.send(
        "POST",
        "/_matrix/client/v3/keys/query",
        json.dumps({"device_keys": {user_id: []}}),
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    body: dict[str, Any] = await resp.json()
    return body


async def test_other_clients_see_the_bot_device_signed_by_its_owner(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    device_id = app.transport.client.device_id  # type: ignore[union-attr]
    citizen: ChatUser = await make_user("citizen")
    keys = await _query_keys(citizen.client, runner.user_id)

    uid = runner.user_id
    [(master_id, master_pub)] = keys["master_keys"][uid]["keys"].items()
    ssk = keys["self_signing_keys"][uid]
    [(ssk_id, ssk_pub)] = ssk["keys"].items()
    _verify(ssk, uid, master_id, master_pub)
    device = keys["device_keys"][uid][device_id]
    _verify(device, uid, ssk_id, ssk_pub)


async def test_cross_signing_keys_survive_a_restart(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    before = (await _query_keys(citizen.client, runner.user_id))["master_keys"]
    await runner.stop()
    app = await runner.start()
    after = (await _query_keys(citizen.client, runner.user_id))["master_keys"]
    assert before == after
    assert await app.transport.check_cross_signed()  # type: ignore[union-attr]
