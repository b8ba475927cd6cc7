"""Nothing a user typed becomes markup in the bot's voice: no links, bold, code, lists or HTML."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.formatting import Markup, literal, render, to_plain
from commands.i18n import LANGUAGES, Catalog, _fields
from commands.matching import ActorIndex
from config.settings import default_faq_settings
from store.db import Database
from tests.commands.fakes import make_router, message
from tests.commands.test_network_units import FakeMessenger, _actor, _service

CATALOG = Catalog.load()
TEMPLATES = sorted(
    (language, key, sorted(_fields(CATALOG.text(language, key))))
    for language in LANGUAGES
    for key in CATALOG._messages[language]
    if "{" in CATALOG._messages[language][key]
)
TAG = re.compile(r"<[^>]*>")
# Stand-ins for Markdown characters inside user values (see commands.formatting).
INTERNAL = {chr(c) for c in range(0xF8F0, 0xF8F8)}
LINK = "[Stadt Ochtrup (offiziell)](https://evil.example/login)"

markdownish = st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            "(",
            ")",
            "](",
            "https://evil.example/x",
            "**",
            "`",
            "- ",
            "1. ",
            "\n",
            "\r\n",
            "\u2028",
            "<a href='https://evil.example'>",
            "</a>",
            "<b>",
            "&amp;",
            '"',
            "# ",
            "> ",
            "x",
            " ",
            "\uf8f0",
        ]
    )
    | st.text(max_size=5),
    max_size=12,
).map("".join)
user_text = st.one_of(st.text(), markdownish)


# A field that starts a template as "{number}. " is a list position the bot counts itself, never
# user text: filled with a user's "0" it made a Markdown list that the reference ("wert") lacks.
POSITION = re.compile(r"^\{(\w+)\}\. ")


def _fill(template: tuple[str, str, list[str]], value: str) -> str:
    language, key, fields = template
    values = dict.fromkeys(fields, value)
    position = POSITION.match(str(CATALOG._messages[language][key]))
    if position:
        values[position.group(1)] = "2"
    return CATALOG.text(language, key, **values)


def _shown(value: str) -> str:
    """How a user value shows: as typed, but every line break made a space and the characters
    that act on the text around them (bidi overrides, controls) left out."""
    spaced = re.sub(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]", " ", value)
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "", spaced)


@settings(max_examples=400)
@given(st.sampled_from(TEMPLATES), user_text)
def test_user_values_add_no_tag_and_show_verbatim(
    template: tuple[str, str, list[str]], value: str
) -> None:
    text = _fill(template, value)
    # Only the template's own tags (and attributes), whatever the user typed; an empty value
    # may leave one out ("**{name}**" with no name is no bold).
    tags = Counter(TAG.findall(render(text)))
    assert not tags - Counter(TAG.findall(render(_fill(template, "wert"))))
    if not INTERNAL & set(value):
        assert _shown(value) in to_plain(text)


@pytest.mark.parametrize("value", ["0", "1", "12"])
def test_a_number_as_user_text_adds_no_tag_in_any_template(value: str) -> None:
    # A user value that is a number once made "{number}. {question}" look like a list only in
    # the check (the bot fills list positions itself): it made the property test above flaky.
    for template in TEMPLATES:
        tags = Counter(TAG.findall(render(_fill(template, value))))
        assert not tags - Counter(TAG.findall(render(_fill(template, "wert")))), template


@pytest.mark.parametrize("control", ["\u202e", "\u202b", "\u2067", "\x00", "\x1b", "\x9b"])
def test_bidi_overrides_and_controls_in_a_value_do_not_reach_the_bot_s_words(
    control: str,
) -> None:
    # U+202E in an offer would turn the bot's own words after it backwards (in the plain body
    # and in HTML, where <br> ends no bidi run); NUL and ESC have no business in a message.
    text = CATALOG.text("de", "actors.profile_offers", what=f"PV{control}-Beratung")
    for body in (to_plain(text), render(text)):
        assert control not in body
        assert "PV-Beratung" in body


def test_link_in_a_value_is_no_anchor_and_shows_its_url() -> None:
    text = CATALOG.text("de", "actors.requested", name=LINK)
    assert "<a" not in render(text)
    assert LINK in to_plain(text)
    assert LINK in render(text)  # the URL stays visible as the text it is


def test_markup_built_from_catalog_texts_keeps_its_formatting() -> None:
    inner = CATALOG.text("de", "actors.profile_offers", what="**x**")
    joined = Markup("\n").join([inner, "**y**"])
    html = render(CATALOG.text("de", "faq.contact", contact=joined))
    assert "**x**" in html  # the user's stars as typed ...
    assert "**y**" in html  # ... and a plain str joined in shows as typed too
    assert literal(joined) is joined


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Any]:
    db = await Database.open(tmp_path / "k.sqlite")
    messenger = HtmlRecorder()
    yield _service(db, messenger, ActorIndex(())), messenger
    await db.close()


class HtmlRecorder(FakeMessenger):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, str]] = []

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        self.sent.append((user_id, plain, html))
        return await super().direct(user_id, plain, html)

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        self.sent.append((name, plain, html))
        return "!room:x"


async def test_request_shows_a_linked_name_as_a_self_description(network: Any) -> None:
    service, messenger = network
    a = _actor("@a:x", LINK, offers="**Gratis** `rm -rf` <img src=x>\n- Punkt")
    b = _actor("@b:x", "B")
    for actor in (a, b):
        await service.actors.save(actor)
    intro_id = await service.actors.store.request("@a:x", "@b:x", "", proposed_by="@ksm:x")
    await service.send_proposal(intro_id, a, b, "")
    [(_, plain, html)] = [sent for sent in messenger.sent if sent[0] == "@b:x"]
    assert "<a" not in html
    assert "<img" not in html
    assert "<code>" not in html
    assert "Selbstauskunft: " + LINK in plain
    assert "Bietet: **Gratis** `rm -rf` <img src=x> - Punkt" in plain


async def test_shared_room_name_is_plain_text(network: Any) -> None:
    service, messenger = network
    a, b = _actor("@a:x", "Solar (Ochtrup) GmbH"), _actor("@b:x", "**B**")
    for actor in (a, b):
        await service.actors.save(actor)
    intro_id = await service.actors.store.request("@a:x", "@b:x", "")
    intro = await service.actors.store.get_intro(intro_id)
    await service.decide(intro, True, "@b:x")
    await service.wait_background()
    [room_name] = [name for name, _, _ in messenger.sent if not name.startswith("@")]
    assert room_name == "Vernetzung: Solar (Ochtrup) GmbH & **B**"


async def test_question_with_a_link_reaches_the_manager_room_without_an_anchor(
    tmp_path: Path,
) -> None:
    settings = dataclasses.replace(default_faq_settings(), contact={"de": "", "en": ""})
    router, replier, db, _ = await make_router(tmp_path, faq=settings, manager_room="!team:x")
    question = "Wer hilft? **Dringend** [Förderantrag hier](https://evil.example/form)"
    await router.dispatch(message(question, direct=True))
    await db.close()
    [(room, plain, html)] = replier.notices
    assert room == "!team:x"
    assert question in plain
    assert "<a" not in html
    assert "<strong>Dringend" not in html
