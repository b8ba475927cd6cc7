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
from fpdf.fonts import FontFace

from commands.report.view import Document, Figure, Heading, Items, Paragraph, Table, Texts

__all__ = ["font_dir", "render_pdf"]

FONT = "DejaVu"
_SIZES = {1: 17.0, 2: 13.5, 3: 11.5}
_BODY = 9.5
_LINE = 4.8
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
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.set_font(FONT, "B", size=_BODY)
    pdf.multi_cell(0, _LINE, block.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=_BODY - 1)
    columns = len(block.headers)
    align = tuple("RIGHT" if block.is_numeric(i) else "LEFT" for i in range(columns))
    widths = block.widths if len(block.widths) == columns else None
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
        line_height=_LINE,
        padding=1,
        width=pdf.epw,
    ) as table:
        for row in (block.headers, *block.rows):
            cells = table.row()
            for cell in row:
                cells.cell(cell)
        if block.footer:
            cells = table.row()
            for cell in block.footer:
                cells.cell(cell, style=FontFace(emphasis="BOLD"))
    pdf.ln(3)


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
