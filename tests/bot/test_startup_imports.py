"""The bot starts without the heavy libraries that only some commands need (issue 11: memory)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("fpdf", "numpy", "PIL", "matplotlib", "playwright", "pypdf")


def test_starting_the_bot_loads_no_charting_or_pdf_library() -> None:
    # A fresh interpreter: the test process itself has them all loaded by other tests.
    code = (
        "import sys, bot.app, bot.wiring, bot.web, commands; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
