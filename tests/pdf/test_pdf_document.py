"""Whole PDFs: Arabic text survives extraction, same input gives same bytes, the QR code scans."""
import hashlib
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import fontpkg_amiri
import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics

from grants.money_words import amount_in_words
from grants.pdf import FONT, FONT_BOLD, draw_paragraph, format_date_for_arabic, new_canvas, qr_drawing, register_fonts
from grants.pdf.fonts import font_path
from tests.pdf.pdftext import extract_text, extracted_text_contains

NAME = "محمد عبد الرحمن الأحمد"
NUMBER = "DL-2026-000123"
URL = "https://minha.example.org/verify/DL-2026-000123"
ROOT = Path(__file__).resolve().parents[2]


def sample_pdf() -> bytes:
    """A small decision letter: Arabic and English lines, amount in words, date, QR code."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, "رسالة قرار " + NUMBER)
    width, height = canvas._pagesize
    y = height - 72
    y = draw_paragraph(canvas, "السيد " + NAME + " المحترم", 72, y, width - 144, FONT_BOLD, 16)
    y = draw_paragraph(canvas, "رقم القرار " + NUMBER + " بتاريخ " + format_date_for_arabic(date(2026, 11, 29)),
                       72, y, width - 144, FONT, 13)
    y = draw_paragraph(canvas, amount_in_words(1500, "SYP", "ar"), 72, y, width - 144, FONT, 13)
    draw_paragraph(canvas, "Grant decision for " + NUMBER, 72, y, width - 144, FONT, 12)
    qr_drawing(URL, 100).drawOn(canvas, width - 172, 72)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf():
    return sample_pdf()


def test_fonts_registered_once_from_package():
    assert register_fonts() == register_fonts() == (FONT, FONT_BOLD)
    assert {FONT, FONT_BOLD} <= set(pdfmetrics.getRegisteredFontNames())
    assert font_path(700).parent == fontpkg_amiri.ROOT / "files"
    assert pdfmetrics.stringWidth("محمد", FONT, 12) > 0


def test_arabic_name_and_number_extracted(pdf):
    assert extracted_text_contains(pdf, NAME)
    assert extracted_text_contains(pdf, NUMBER)
    assert extracted_text_contains(pdf, "29/11/2026")
    assert extracted_text_contains(pdf, "فقط ألف وخمسمئة ليرة سورية لا غير")
    assert extracted_text_contains(pdf, "Grant decision for DL-2026-000123")


def test_extraction_check_is_not_vacuous(pdf):
    assert not extracted_text_contains(pdf, "محمد عبد الرحيم الأحمد")
    assert not extracted_text_contains(pdf, "DL-2026-000124")
    assert extract_text(pdf).strip()


def test_same_input_same_bytes(pdf):
    assert sample_pdf() == pdf
    assert rl_config.invariant == 0  # the canvas is invariant, not the whole process


def test_same_bytes_in_other_processes(pdf):
    # Hash randomisation differs per process: set-ordering bugs would show here.
    code = (
        f"import hashlib, sys; sys.path.insert(0, {str(ROOT)!r});"
        "from tests.pdf.test_pdf_document import sample_pdf; print(hashlib.sha256(sample_pdf()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=True)
        digests.add(run.stdout.strip())
    assert digests == {hashlib.sha256(pdf).hexdigest()}


def test_document_metadata(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "رسالة قرار " + NUMBER
    assert reader.trailer["/Root"]["/Lang"] == "ar"


def test_qr_drawing_size():
    drawing = qr_drawing(URL, 100)
    assert (drawing.width, drawing.height) == (100, 100)
    x0, y0, x1, y1 = drawing.getBounds()
    assert (round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)) == (0, 0, 100, 100)


def test_qr_drawn_into_page(pdf):
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    # Each dark module run is a filled rectangle: a version-3 code has well over 100.
    assert content.count(b" re") > 100


def test_qr_scans_back_to_url(pdf):
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [URL]
