"""Pledges over the wire: a new campaign is announced, two citizens pledge, the totals add up,
a milestone is announced."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, wait_until

FORM = (
    "aktion-neu titel=Eins runter; zusage=Ich senke meine Raumtemperatur um 1 °C; "
    "ersparnis=500 kg CO2; quelle=Umweltbundesamt; ziel=4; thema=waerme-heizung"
)


async def _ask(user: ChatUser, room: str, bot: str, text: str) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, text)
    return str((await user.wait_notice(room, bot, count=before + 1))[before].body)


async def test_two_pledges_add_up_and_half_the_goal_is_announced_to_the_topic(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("ksm")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    bot = runner.user_id
    anna: ChatUser = await make_user("anna")
    ben: ChatUser = await make_user("ben")
    manager_dm, anna_dm, ben_dm = [await u.dm_with(bot) for u in (manager, anna, ben)]
    await _ask(anna, anna_dm, bot, "abonnieren waerme-heizung")
    await _ask(anna, anna_dm, bot, "ruhezeit aus")  # the announcement must not wait for morning

    assert "Vorschau" in await _ask(manager, manager_dm, bot, FORM)
    assert "Aktion Nr. 1 läuft" in await _ask(manager, manager_dm, bot, "ja")
    # The topic's follower hears of the new campaign at once.
    await wait_until(
        lambda: any("Neue Mitmach-Aktion „Eins runter“" in t for t in anna.texts(anna_dm, bot)),
        30,
        "the campaign's announcement",
    )

    first = await _ask(anna, anna_dm, bot, "mitmachen 1")
    assert "Bisher macht 1 Haushalt mit und spart etwa 500 kg CO₂ im Jahr." in first
    second = await _ask(ben, ben_dm, bot, "mitmachen 1")
    assert "Gemeinsam sparen 2 Haushalte etwa 1 t CO₂ im Jahr." in second
    assert "die Hälfte des Ziels" in second

    def announced() -> list[str]:
        return [t for t in anna.texts(anna_dm, bot) if "ihres Ziels" in t]

    await wait_until(lambda: len(announced()) == 2, 30, "the 25 % and 50 % announcements")
    assert "ein Viertel" in announced()[0]
    assert "die Hälfte" in announced()[1]
    assert all(anna.user_id not in t and ben.user_id not in t for t in announced())
    assert "2 Haushalte" in await _ask(ben, ben_dm, bot, "aktionen")
