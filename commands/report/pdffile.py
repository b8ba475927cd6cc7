"""The report as a PDF (fpdf2: pure Python, Unicode TrueType fonts, embedded PNG).

German text needs a Unicode font (ä, ß, €, CO₂): DejaVu Sans, which matplotlib ships in its
mpl-data (free licence, see its LICENSE_DEJAVU), so nothing extra is installed or bundled.
Headings become the PDF's outline (bookmarks), the document language is German, and every chart
carries its text alternative.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from commands.report.blocks import Document, Figure, Heading, Items, Paragraph, Table, Texts

__all__ = ["font_dir", "render_pdf"]

FONT = "DejaVu"
_SIZES = {1: 17.0, 2: 13.5, 3: 11.5}
_BODY = 9.5
_LINE = 4.8
_PAD = 1.0
_HEAD_FILL = (232, 238, 242)
_TITLE_COLOUR = (0, 61, 92)


def font_dir() -> Path:
    """Where matplotlib keeps its DejaVu fonts."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Pdf(FPDF):
    def __init__(self, page_label: str) -> None:
        super().__init__(format="A4")
        self._page_label = page_label

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(70, 70, 70)
        self.cell(0, 5, self._page_label.format(page=self.page_no()), align="C")
        self.set_text_color(0, 0, 0)


def render_pdf(doc: Document, t: Texts) -> bytes:
    """The document as PDF bytes (blocking: run it in a thread)."""
    pdf = _Pdf(t("pdf_page"))
    fonts = font_dir()
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(doc.language)
    pdf.set_title(doc.title)
    pdf.set_creator("Klimabot")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    for block in doc.blocks:
        if isinstance(block, Heading):
            _heading(pdf, block)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT, size=_BODY - 1 if block.note else _BODY)
            pdf.multi_cell(0, _LINE, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif isinstance(block, Items):
            _items(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
        else:
            _figure(pdf, block)
    return bytes(pdf.output())


def _heading(pdf: FPDF, block: Heading) -> None:
    size = _SIZES.get(block.level, _BODY)
    if block.level == 2 and pdf.get_y() > pdf.h - 60:  # no heading alone at the page's end
        pdf.add_page()
    pdf.ln(3 if block.level > 1 else 0)
    pdf.start_section(block.text[:120], level=block.level - 1, strict=False)
    pdf.set_font(FONT, "B", size=size)
    pdf.set_text_color(*_TITLE_COLOUR)
    pdf.multi_cell(0, size * 0.5, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _items(pdf: FPDF, block: Items) -> None:
    pdf.set_font(FONT, size=_BODY)
    for item in block.items:
        pdf.set_x(pdf.l_margin + 2)
        pdf.cell(4, _LINE, "•")
        pdf.multi_cell(0, _LINE, item, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _table(pdf: FPDF, block: Table) -> None:
    """A bordered table, its header row repeated after a page break.

    Drawn with single-line cells and our own word wrap (with the font's widths): fpdf2's table
    lays out every cell twice with its full line breaker, which took seconds for 200 measures.
    """
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.set_font(FONT, "B", size=_BODY)
    pdf.multi_cell(0, _LINE, block.caption, new_x="LMARGIN", new_y="NEXT")
    columns = len(block.headers)
    ratios = block.widths if len(block.widths) == columns else (1,) * columns
    widths = [pdf.epw * r / sum(ratios) for r in ratios]
    _row(pdf, block, block.headers, widths, header=True)
    for row in block.rows:
        _row(pdf, block, row, widths, repeat=block.headers)
    if block.footer:
        _row(pdf, block, block.footer, widths, header=True, repeat=block.headers)
    pdf.ln(3)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap; a word longer than the cell is split by characters."""
    if pdf.get_string_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while pdf.get_string_width(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and pdf.get_string_width(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return [*lines, line] if line or not lines else lines


def _row(
    pdf: FPDF,
    block: Table,
    row: tuple[str, ...],
    widths: list[float],
    header: bool = False,
    repeat: tuple[str, ...] | None = None,
) -> None:
    pdf.set_font(FONT, "B" if header else "", size=_BODY - 1)
    cells = [_wrap(pdf, c, w - 2 * _PAD) for c, w in zip(row, widths, strict=False)]
    height = max(len(lines) for lines in cells) * _LINE + 2 * _PAD
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        if repeat is not None:
            _row(pdf, block, repeat, widths, header=True)
            pdf.set_font(FONT, "B" if header else "", size=_BODY - 1)
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_draw_color(138, 138, 138)
    pdf.set_fill_color(*_HEAD_FILL)
    for column, (lines, width) in enumerate(zip(cells, widths, strict=False)):
        pdf.rect(x, y, width, height, style="DF" if header else "D")
        align = "R" if block.is_numeric(column) else "L"
        for number, line in enumerate(lines):
            pdf.set_xy(x + _PAD, y + _PAD + number * _LINE)
            pdf.cell(width - 2 * _PAD, _LINE, line, align=align)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


def _figure(pdf: FPDF, block: Figure) -> None:
    chart = block.chart
    width = pdf.epw
    height = width * chart.height / chart.width
    room = pdf.h - pdf.t_margin - pdf.b_margin - 12
    if height > room:  # a very tall chart (hundreds of measures) is scaled to one page
        width, height = width * room / height, room
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(chart.data), w=width, h=height, alt_text=block.alt, title=block.caption)
    pdf.set_font(FONT, size=_BODY - 1)
    pdf.multi_cell(0, _LINE, block.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
