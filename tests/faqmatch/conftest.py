"""A small FAQ of our own, so engine tests do not depend on the curated data."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.faqmatch import FaqIndex
from config.faq import FaqData, load_faq

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mini_faq() -> FaqData:
    return load_faq(DATA / "faq", DATA / "topics.yaml", DATA / "synonyms.yaml")


@pytest.fixture(scope="session")
def mini_index(mini_faq: FaqData) -> FaqIndex:
    return FaqIndex.build(mini_faq)
