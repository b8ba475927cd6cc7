"""!bericht over the wire: the manager gets a summary and two encrypted m.file attachments, a PDF
that parses and an HTML file with the period's changes."""

from __future__ import annotations

import io
from typing import Any

from nio import DownloadResponse, MatrixRoom, RoomEncryptedFile, RoomMessageFile
from nio.crypto import decrypt_attachment
from pypdf import PdfReader

from tests.harness import BotRunner, ChatUser, wait_until

MEASURE = "kommunale-waermeplanung"


async def _decrypted(user: ChatUser, event: Any) -> bytes:
    assert isinstance(event, RoomEncryptedFile)  # the DM is encrypted, so is the upload
    resp = await user.client.download(event.url)
    assert isinstance(resp, DownloadResponse), resp
    data = decrypt_attachment(resp.body, event.key["k"], event.hashes["sha256"], event.iv)
    assert event.source["content"]["info"]["size"] == len(data)
    return bytes(data)


async def test_manager_gets_report_as_encrypted_pdf_and_html_with_the_changes(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    app = await runner.start()
    await app.services.measures.store.record(
        MEASURE, manager.user_id, "in Umsetzung", 55, "Bestandsanalyse vergeben"
    )
    files: list[Any] = []

    async def on_file(room: MatrixRoom, event: Any) -> None:
        files.append(event)

    manager.client.add_event_callback(on_file, (RoomMessageFile, RoomEncryptedFile))
    dm = await manager.dm_with(runner.user_id)
    await manager.send(dm, "!bericht")
    [summary] = await manager.wait_notice(dm, runner.user_id)
    assert "Klimaschutzbericht" in summary.body
    await wait_until(lambda: len(files) == 2, 60, "the two report files")
    pdf_event, html_event = files
    assert pdf_event.source["content"]["info"]["mimetype"] == "application/pdf"
    assert html_event.source["content"]["info"]["mimetype"] == "text/html"
    pdf = await _decrypted(manager, pdf_event)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Status in Umsetzung, 55 % – Bestandsanalyse vergeben" in text
    html = (await _decrypted(manager, html_event)).decode("utf-8")
    assert '<html lang="de">' in html
    assert "Status in Umsetzung, 55 % – Bestandsanalyse vergeben" in html
    assert "Kommunale Wärmeplanung" in html
