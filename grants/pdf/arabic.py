"""Turns logical Arabic/English text into the visual glyph order reportlab draws (it has no shaping or bidi)."""
import re
import unicodedata
from functools import lru_cache

import arabic_reshaper

# python-bidi 0.6 ships two implementations: the default Rust `bidi.get_display`
# does not mirror brackets ("(محمد)" comes out as ")محمد("), the pure-Python one
# in bidi.algorithm does (rule L4). tests/pdf/test_pdf_arabic.py pins this.
from bidi.algorithm import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"

# Opening control -> its closing control.
_CLOSER = {LRE: PDF, RLE: PDF, LRO: PDF, RLO: PDF, LRI: PDI, RLI: PDI, FSI: PDI}
_ISOLATES = (LRI, RLI, FSI)
# Invisible in meaning but drawn as boxes or stray spaces by reportlab (Amiri has
# no glyph for LRI..PDI), so they are removed once the order is settled.
_INVISIBLE = re.compile("[\u200c\u200d\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Only plain spaces and tabs break lines: a no-break space keeps "1,500\u00a0USD" together.
_SPACES = re.compile(r"[ \t]+")

_reshaper = arabic_reshaper.ArabicReshaper(configuration={
    # Keep tashkeel: the amount in words writes the tamyeez tanween «ليرةً سوريةً».
    "delete_harakat": False,
    # Amiri's zero-width marks land on the right letter in visual order as they are
    # (checked by rendering); shifting them moves each mark onto its neighbour.
    "shift_harakat_position": False,
    # «الله» inside names such as «عبد الله» stays letters, not the ﷲ word ligature.
    "ARABIC LIGATURE ALLAH": False,
})


def base_direction(text: str) -> str:
    """'R' when the text holds any right-to-left letter (Arabic), else 'L'."""
    return "R" if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text) else "L"


# Shaping and wrapping are pure functions of their arguments and the same texts come back again and again (a
# document measures each text before drawing it; every letter repeats the same labels and sentences), so their
# results are kept for the life of the process. The bounds keep memory small whatever the texts.
@lru_cache(maxsize=8192)
def shape(text: str) -> str:
    """Arabic letters to their joined presentation forms, still in logical order."""
    if base_direction(text) == "L":
        return text
    return _reshaper.reshape(text)


def isolate_ltr(text: str) -> str:
    """Wrap a left-to-right token (reference, e-mail, date) in LRI…PDI so Arabic around it cannot reorder its parts."""
    return f"{LRI}{text}{PDI}"


def format_date_for_arabic(d, fmt: str = "%d/%m/%Y") -> str:
    """A date for Arabic sentences, isolated as one left-to-right run (see `isolate_ltr`).

    Why: after an Arabic letter the bidi algorithm types digits as Arabic numbers,
    and a hyphen between Arabic numbers is a neutral, so «2026-11-29» would be shown
    as «29-11-2026». Inside an isolate the date keeps its order whatever the separator.
    """
    if d is None:
        return ""
    return isolate_ltr(d.strftime(fmt))


def _first_strong(text: str, start: int) -> str:
    """Direction of the first strong letter after an FSI, up to its PDI (rule P2), default 'L'."""
    depth = 0
    for ch in text[start:]:
        if ch in _ISOLATES:
            depth += 1
        elif ch == PDI:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind in ("R", "AL"):
                return "R"
            if kind == "L":
                return "L"
    return "L"


def _isolates_as_embeddings(text: str) -> str:
    # bidi.algorithm predates isolates (it fails an assertion on LRI); embeddings give
    # the same order for the short left-to-right runs this project isolates.
    out = []
    for i, ch in enumerate(text):
        if ch == LRI:
            out.append(LRE)
        elif ch == RLI:
            out.append(RLE)
        elif ch == FSI:
            out.append(RLE if _first_strong(text, i + 1) == "R" else LRE)
        elif ch == PDI:
            out.append(PDF)
        else:
            out.append(ch)
    return "".join(out)


def _reorder(shaped_line: str, base: str) -> str:
    """One shaped logical line to visual order with base direction 'L' or 'R'."""
    if base == "L" and base_direction(shaped_line) == "L":
        return _INVISIBLE.sub("", shaped_line)  # nothing to reorder in plain left-to-right text
    reordered = get_display(_isolates_as_embeddings(shaped_line), base_dir=base)
    return _INVISIBLE.sub("", reordered)


def _check_base(base_dir):
    if base_dir not in (None, "L", "R"):
        raise ValueError(f"base_dir must be 'L', 'R' or None, not {base_dir!r}")


def visual(text: str, base_dir: str | None = None) -> str:
    """Shape and reorder text for drawing left to right; each '\\n'-separated line is reordered on its own.

    base_dir: 'R' or 'L'; by default 'R' when the text contains Arabic letters.
    """
    _check_base(base_dir)
    base = base_dir or base_direction(text)
    return "\n".join(_reorder(shape(line), base) for line in text.split("\n"))


def _width(logical: str, font: str, size: float) -> float:
    # Measure what will be drawn: joined forms (lam-alef is one glyph), no controls.
    return stringWidth(_INVISIBLE.sub("", shape(logical)), font, size)


def _cut(word: str, font: str, size: float, width: float) -> list[str]:
    """Split a word wider than the line (a long URL or e-mail) into pieces that fit."""
    pieces, piece = [], ""
    for ch in word:
        if piece and _width(piece + ch, font, size) > width:
            pieces.append(piece)
            piece = ch
        else:
            piece += ch
    pieces.append(piece)
    return pieces


def _balance(lines: list[str]) -> list[str]:
    """Close embeddings/isolates still open at a line's end and reopen them on the next line.

    Each line is reordered on its own, so a run cut by a line break must be complete
    on both lines or it would leak into (or lose) its surroundings.
    """
    out, carried = [], []
    for line in lines:
        stack = list(carried)
        for ch in line:
            if ch in _CLOSER:
                stack.append(ch)
            elif ch == PDI and any(c in _ISOLATES for c in stack):
                # A PDI also closes embeddings opened inside its isolate.
                while stack.pop() not in _ISOLATES:
                    pass
            elif ch == PDF and stack and stack[-1] not in _ISOLATES:
                stack.pop()
        out.append("".join(carried) + line + "".join(_CLOSER[c] for c in reversed(stack)))
        carried = stack
    return out


def _break(paragraph: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking of one logical paragraph at spaces."""
    words = [w for w in _SPACES.split(paragraph) if w]
    if not words:
        return [""]
    space = stringWidth(" ", font, size)
    lines, current, current_width = [], [], 0.0
    for word in words:
        pieces = [word] if _width(word, font, size) <= width else _cut(word, font, size, width)
        for piece in pieces:
            piece_width = _width(piece, font, size)
            if current and current_width + space + piece_width > width + 1e-9:
                lines.append(" ".join(current))
                current, current_width = [], 0.0
            current_width += (space if current else 0.0) + piece_width
            current.append(piece)
    lines.append(" ".join(current))
    return _balance(lines)


def wrap(text: str, font: str, size: float, width: float, base_dir: str | None = None) -> list[str]:
    """Break text into lines no wider than `width` points and return them in visual order, top line first.

    Breaking happens on the logical text and each line is reordered afterwards;
    reordering a whole paragraph first would put its last line on top.
    The base direction is decided once for the whole text, so a Latin-only line
    of an Arabic paragraph still belongs to the right-to-left flow.
    """
    _check_base(base_dir)
    return list(_wrapped(text, font, size, width, base_dir or base_direction(text)))


@lru_cache(maxsize=4096)
def _wrapped(text: str, font: str, size: float, width: float, base: str) -> tuple[str, ...]:
    """wrap() once per (text, font, size, width, base); a tuple, so no caller can change what is kept."""
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(_reorder(shape(line), base) for line in _break(paragraph, font, size, width))
    return tuple(lines)


def draw_paragraph(canvas, text: str, x: float, y: float, width: float, font: str, size: float,
                   leading: float | None = None, *, base_dir: str | None = None, align: str | None = None) -> float:
    """Draw text wrapped to the box [x, x + width], first baseline at y; return the baseline for what follows.

    Right-to-left text is aligned to the box's right edge and left-to-right text to
    its left edge, unless align is 'right', 'left' or 'center'.
    """
    _check_base(base_dir)
    base = base_dir or base_direction(text)
    align = align or ("right" if base == "R" else "left")
    # Arabic marks and descenders need more room than Latin's usual 1.2.
    leading = leading or size * 1.5
    canvas.setFont(font, size)
    for line in wrap(text, font, size, width, base):
        if align == "right":
            canvas.drawRightString(x + width, y, line)
        elif align == "center":
            canvas.drawCentredString(x + width / 2, y, line)
        elif align == "left":
            canvas.drawString(x, y, line)
        else:
            raise ValueError(f"align must be 'right', 'left' or 'center', not {align!r}")
        y -= leading
    return y
