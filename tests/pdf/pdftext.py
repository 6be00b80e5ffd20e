"""Reads a generated PDF's text back for assertions, whatever order and glyph forms the extractor yields."""
import io
import re
import unicodedata

from bidi.algorithm import get_display
from pypdf import PdfReader

_CONTROLS = re.compile("[\u200c-\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Extractors disagree on whether a bracket of an RTL line is mirrored; presence
# is what is checked here (visual() has its own bracket test), so pairs are folded.
_FOLD_BRACKETS = str.maketrans(")]}>»", "([{<«")


def extract_text(pdf_bytes: bytes) -> str:
    """All pages' text as pypdf extracts it (raw: presentation forms, its own idea of order)."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def normalise(text: str) -> str:
    """Comparable form: NFKC (presentation forms and lam-alef back to letters), no tashkeel,
    tatweel, bidi controls or whitespace (extractors add and drop spaces around LTR runs)."""
    text = unicodedata.normalize("NFKC", _CONTROLS.sub("", text)).translate(_FOLD_BRACKETS)
    return "".join(ch for ch in text
                   if not ch.isspace() and ch != "\u0640" and unicodedata.category(ch) != "Mn")


def readings(text: str) -> list[str]:
    """The text as extracted and each line put back into logical order three ways.

    Reordering happens before NFKC: a lam-alef ligature is one glyph in visual
    order and only becomes two letters in the right order once its line is reversed.
    """
    lines = _CONTROLS.sub("", text).splitlines()
    return [
        text,
        "\n".join(line[::-1] for line in lines),  # visual order, pure Arabic lines
        "\n".join(get_display(line, base_dir="R") for line in lines),  # visual order, mixed lines
        "\n".join(" ".join(line.split()[::-1]) for line in lines),  # words logical, in visual order (pdftotext -raw)
    ]


def extracted_text_contains(pdf_bytes: bytes, needle: str) -> bool:
    """True when the PDF's text holds `needle` (logical order) under any reading above.

    This proves presence, not glyph order: test visual()/wrap() for order.
    """
    target = normalise(needle)
    return any(target in normalise(reading) for reading in readings(extract_text(pdf_bytes)))
