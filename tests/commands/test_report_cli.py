"""`klimabot report --from … --to … --out FILE`: the council report from the bot's database."""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from bot.__main__ import main
from commands.quiet import BERLIN
from store.db import Database
from store.measures import MeasureStore
from tests.config.test_settings import VALID

TODAY = datetime.now(BERLIN).date()  # the report counts days in Berlin, as the CLI does
FROM, TO = (TODAY - timedelta(days=30)).isoformat(), TODAY.isoformat()


def _config(tmp_path: Path, with_database: bool = True) -> str:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(VALID))

    async def seed() -> None:
        db = await Database.open(tmp_path / "data" / "klimabot.sqlite")
        store = MeasureStore(db)
        await store.record("kommunale-waermeplanung", "@ksm:ochtrup.test", "in Umsetzung", 70)
        await store.record("stadtradeln", "@ksm:ochtrup.test", text="Anmeldung <offen> & frei")
        await db.close()

    if with_database:
        asyncio.run(seed())
    return str(config)


def _run(config: str, out: Path, first: str = FROM, last: str = TO) -> int:
    return main(["report", "--config", config, "--from", first, "--to", last, "--out", str(out)])


def test_cli_writes_html_with_the_periods_changes(tmp_path: Path) -> None:
    out = tmp_path / "bericht.html"
    assert _run(_config(tmp_path), out) == 0
    html = out.read_text(encoding="utf-8")
    assert "Status in Umsetzung, 70 %" in html
    assert "Neuigkeit – Anmeldung &lt;offen&gt; &amp; frei" in html


def test_cli_refuses_an_output_directory_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(_config(tmp_path), tmp_path / "fehlt" / "bericht.pdf") == 2
    assert "no such directory" in capsys.readouterr().err


def test_cli_writes_a_pdf_that_parses(tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    assert _run(_config(tmp_path), out) == 0
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Status in Umsetzung, 70 %" in text
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Klimaschutzbericht: ")


def test_cli_refuses_reversed_dates_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(_config(tmp_path), tmp_path / "r.pdf", first=TO, last=FROM) == 2
    assert "liegt nach dem Ende" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


def test_cli_refuses_other_file_types_and_a_missing_database(tmp_path: Path) -> None:
    assert _run(_config(tmp_path), tmp_path / "r.docx") == 2
    (tmp_path / "empty").mkdir()
    assert _run(_config(tmp_path / "empty", with_database=False), tmp_path / "r.pdf") == 1


def test_cli_accepts_the_german_dates_the_chat_accepts(tmp_path: Path) -> None:
    german = f"{TODAY - timedelta(days=30):%d.%m.%Y}".lstrip("0")
    out = tmp_path / "bericht.html"
    assert _run(_config(tmp_path), out, first=german, last=f"{TODAY:%d.%m.%Y}") == 0
    assert "Status in Umsetzung, 70 %" in out.read_text(encoding="utf-8")


def test_cli_takes_a_month_from_its_first_to_its_last_day() -> None:
    from bot.reportcli import first_day, last_day

    assert first_day("Januar 2026") == date(2026, 1, 1)
    assert last_day("Februar 2024") == date(2024, 2, 29)
    assert (first_day("2025"), last_day("2025")) == (date(2025, 1, 1), date(2025, 12, 31))
    last_year = date.today().year - 1  # the chat's words for a calendar year, as in !bericht
    assert first_day("letztes Jahr") == date(last_year, 1, 1)
    assert last_day("letztes Jahr") == date(last_year, 12, 31)


def test_cli_rejects_a_word_that_is_no_date_naming_the_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _run(_config(tmp_path), tmp_path / "r.pdf", first="irgendwann")
    err = capsys.readouterr().err
    assert "not a date: 'irgendwann'" in err
    assert "1.1.2026" in err
