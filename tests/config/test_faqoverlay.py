"""The chat's changes over the YAML: where an entry comes from is read off the YAML itself."""

from __future__ import annotations

from typing import Any

import pytest

from config.faq import FaqData, load_faq
from config.faqoverlay import ChatChange, entry_to_mapping, merge_chat
from config.settings import default_faq_settings


@pytest.fixture(scope="module")
def yaml() -> FaqData:
    s = default_faq_settings()
    return load_faq(s.directory, s.topics_file, s.synonyms_file)


def chat_entry(entry_id: str, topic: str) -> dict[str, Any]:
    return {
        "id": entry_id,
        "topic": topic,
        "question": {"de": "Gibt es ein Repair-Café?"},
        "phrasings": {"de": ["repair cafe", "repaircafe", "Repair-Café Ochtrup"]},
        "answer": {"de": "Ja, jeden ersten Samstag."},
        "sources": ["Klimaschutzmanagement Ochtrup"],
        "checked": "2026-12-07",
    }


def test_a_chat_entry_is_made_in_the_chat(yaml: FaqData) -> None:
    change = ChatChange("repair-cafe", chat_entry("repair-cafe", yaml.topics[0].slug), "chat")
    entry = merge_chat(yaml, [change]).entry("repair-cafe")
    assert entry is not None
    assert (entry.origin, entry.file) == ("chat", "chat:repair-cafe")


def test_an_entry_the_yaml_does_not_have_is_made_in_the_chat_whatever_its_row_says(
    yaml: FaqData,
) -> None:
    # A row left as "yaml" (a curated entry hidden or changed, since gone from the files)
    # whose id a chat entry now has.
    change = ChatChange("repair-cafe", chat_entry("repair-cafe", yaml.topics[0].slug), "yaml")
    entry = merge_chat(yaml, [change]).entry("repair-cafe")
    assert entry is not None
    assert (entry.origin, entry.file) == ("chat", "chat:repair-cafe")


@pytest.mark.parametrize("stored", ["yaml", "chat"])
def test_a_changed_curated_entry_names_its_yaml_file_not_the_chat(
    yaml: FaqData, stored: str
) -> None:
    curated = yaml.entry("klimaanlage")
    assert curated is not None
    data = entry_to_mapping(curated)
    data["phrasings"]["de"].append("Brauche ich im Sommer eine Klimaanlage")
    entry = merge_chat(yaml, [ChatChange("klimaanlage", data, stored)]).entry("klimaanlage")
    assert entry is not None
    assert (entry.origin, entry.file, entry.line) == ("yaml+chat", curated.file, curated.line)
