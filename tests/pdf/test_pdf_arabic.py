"""Visual order of Arabic/English text for reportlab: mirroring, numbers, dates, wrapping."""
import re
from datetime import date

import pytest
from bidi.algorithm import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth

from grants.pdf.arabic import (
    draw_paragraph,
    format_date_for_arabic,
    isolate_ltr,
    shape,
    visual,
    wrap,
)
from grants.pdf.fonts import FONT, register_fonts

CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def rtl(word: str) -> str:
    """A pure Arabic word as drawn: joined forms, reversed."""
    return shape(word)[::-1]


@pytest.fixture(scope="module", autouse=True)
def fonts():
    register_fonts()


def test_the_bidi_implementation_used_mirrors_brackets():
    assert get_display("أ (ب)", base_dir="R") == "(ب) أ"


def test_brackets_mirrored():
    # Logical «الاسم (محمد)»: drawn left to right the closing bracket comes first,
    # and must be turned into "(" so it still opens towards the name.
    assert visual("الاسم (محمد)") == "(" + rtl("محمد") + ") " + rtl("الاسم")


def test_numbers_and_latin_keep_their_place():
    assert visual("المبلغ 1,500 USD للمستفيد") == rtl("للمستفيد") + " USD 1,500 " + rtl("المبلغ")


def test_reference_number_kept_whole():
    assert visual("رقم الرسالة DL-2026-000123") == "DL-2026-000123 " + rtl("الرسالة") + " " + rtl("رقم")


def test_plain_english_untouched():
    text = "Decision (No. DL-2026-000123) of 2026-11-29"
    assert visual(text) == text
    assert wrap(text, FONT, 12, 1000) == [text]


def test_hyphenated_date_is_broken_without_isolation():
    # The pitfall: after Arabic letters digits are Arabic numbers and "-" is neutral.
    assert "29-11-2026" in visual("تاريخ 2026-11-29")


@pytest.mark.parametrize("fmt, shown", [("%d/%m/%Y", "29/11/2026"), ("%Y-%m-%d", "2026-11-29")])
def test_isolated_date_keeps_its_order(fmt, shown):
    text = "ينتهي العقد في " + format_date_for_arabic(date(2026, 11, 29), fmt) + " حسب الاتفاق"
    out = visual(text)
    words_before = " ".join(rtl(word) for word in ("في", "العقد", "ينتهي"))
    assert out == rtl("الاتفاق") + " " + rtl("حسب") + " " + shown + " " + words_before
    assert not CONTROLS.search(out)


def test_date_default_format_and_none():
    assert format_date_for_arabic(date(2026, 1, 5)) == "\u206605/01/2026\u2069"
    assert format_date_for_arabic(None) == ""


def test_tashkeel_kept():
    assert "\u064b" in visual("ليرةً سوريةً")


def test_wrap_draws_first_logical_line_on_top():
    words = ["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع", "العاشر"]
    width = 110
    lines = wrap(" ".join(words), FONT, 14, width)
    assert len(lines) >= 3
    for line in lines:
        assert stringWidth(line, FONT, 14) <= width
    # Pure Arabic lines: reversing a visual line gives its logical text back.
    logical = " ".join(line[::-1] for line in lines)
    assert logical == shape(" ".join(words))
    assert lines[0][::-1].startswith(shape("الأول"))


def test_wrap_keeps_isolate_across_line_break():
    # The isolate opens on the first line and closes on the second; each line is
    # reordered alone, so the second must reopen it or "2027 Edition" shows as
    # "Edition 2027" (a number starting an RTL line is not tied to the Latin after it).
    text = "اسم البرنامج الجديد " + isolate_ltr("Minha 2027 Edition") + " للشباب"
    width = stringWidth(shape("اسم البرنامج الجديد Minha"), FONT, 12) + 1
    lines = wrap(text, FONT, 12, width)
    assert lines == ["Minha " + rtl("الجديد") + " " + rtl("البرنامج") + " " + rtl("اسم"),
                     rtl("للشباب") + " 2027 Edition"]
    assert not CONTROLS.search("".join(lines))


def test_wrap_cuts_overlong_word():
    lines = wrap("https://minha.example.org/" + "x" * 80, FONT, 10, 100)
    assert len(lines) > 1
    assert all(stringWidth(line, FONT, 10) <= 100 for line in lines)
    assert "".join(lines) == "https://minha.example.org/" + "x" * 80


def test_wrap_keeps_blank_lines_and_no_break_space():
    assert wrap("أ\n\nب", FONT, 12, 200) == [shape("أ"), "", shape("ب")]
    width = stringWidth("Amount 1,500 US", FONT, 12)
    assert wrap("Amount 1,500 USD", FONT, 12, width) == ["Amount 1,500", "USD"]
    assert wrap("Amount 1,500\u00a0USD", FONT, 12, width) == ["Amount", "1,500\u00a0USD"]


class RecordingCanvas:
    def __init__(self):
        self.calls = []

    def setFont(self, font, size):
        self.calls.append(("setFont", font, size))

    def __getattr__(self, name):
        return lambda x, y, text: self.calls.append((name, x, y, text))


def test_draw_paragraph_aligns_by_direction():
    canvas = RecordingCanvas()
    y = draw_paragraph(canvas, "الأول الثاني الثالث الرابع الخامس السادس", 50, 700, 100, FONT, 14, 20)
    draws = canvas.calls[1:]
    assert {call[0] for call in draws} == {"drawRightString"}
    assert all(call[1] == 150 for call in draws)
    assert [call[2] for call in draws] == [700 - 20 * i for i in range(len(draws))]
    assert draws[0][3][::-1].startswith(shape("الأول"))
    assert y == 700 - 20 * len(draws)

    canvas = RecordingCanvas()
    draw_paragraph(canvas, "Grant decision letter", 50, 700, 400, FONT, 14)
    assert canvas.calls[1] == ("drawString", 50, 700, "Grant decision letter")


def test_bad_direction_rejected():
    with pytest.raises(ValueError):
        visual("abc", base_dir="rtl")
