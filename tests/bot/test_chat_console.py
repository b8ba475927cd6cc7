"""`klimabot chat`: the console conversation uses the real router, FAQ and catalogs."""

from __future__ import annotations

import io

from bot.chat import run_chat
from config.settings import default_faq_settings


async def test_console_answers_a_question_and_a_command() -> None:
    lines = io.StringIO("Muss ich mein Balkonkraftwerk anmelden?\nping\n")
    out = io.StringIO()
    assert await run_chat(default_faq_settings(), lines, out) == 0
    text = out.getvalue()
    assert text.startswith("Klimabot-Konsole. Fragen Sie etwas")  # banner from the catalog
    assert "Marktstammdatenregister" in text  # the balkonkraftwerk answer
    assert "Pong" in text
