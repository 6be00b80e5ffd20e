"""QR codes drawn as vector shapes (no image files, same input same output): a reportlab Drawing from reportlab's
own encoder, or straight onto a canvas with draw_qr (one path, several times cheaper)."""
import re
from functools import lru_cache

import qrcode
import qrcode.util
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing


def qr_drawing(url: str, size: float, *, level: str = "M", border: int = 4) -> Drawing:
    """A square Drawing `size` points wide holding the QR code of `url`.

    level: error correction L, M, Q or H; M survives a creased or stamped printout.
    border: quiet zone in modules, inside `size`; scanners need 4 by the standard.
    Draw it with `drawing.drawOn(canvas, x, y)` or put it in a platypus story.
    """
    widget = QrCodeWidget(url, barLevel=level, barBorder=border)
    x0, y0, x1, y1 = widget.getBounds()
    # The widget draws at its own module size; scale it to exactly size x size.
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


# --- the same codes drawn straight onto a canvas ---------------------------------------------------------------
# A Drawing is a tree of one Rect shape per dark run, encoded once to measure it and once more to draw it, and
# reportlab's encoder tries every mask in pure Python: about 45 ms a code. A letter needs one code per document,
# so the path below encodes once with the qrcode package and draws the modules as one filled path.

_LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
           "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
_RUNS = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


class _Code(qrcode.QRCode):
    """Remembers which cells hold data (the ones map_data fills), so the eight masks can be scored by flipping those
    cells instead of laying the data out eight times."""

    data_cells: list[tuple[int, int]] = []

    def map_data(self, data, mask_pattern):
        self.data_cells = [(row, col) for row in range(self.modules_count) for col in range(self.modules_count)
                           if self.modules[row][col] is None]
        super().map_data(data, mask_pattern)


def _bits(row: list[bool]) -> int:
    """A row of modules as an integer, first module in the highest bit."""
    return int("".join("1" if module else "0" for module in row), 2)


@lru_cache(maxsize=8)
def _mask_flips(count: int, cells: tuple) -> list[list[int]]:
    """For each mask, row by row: the data cells it colours differently from mask 0, as bits to XOR (they depend
    on the version only)."""
    first = qrcode.util.mask_func(0)
    flips = []
    for pattern in range(8):
        mask = qrcode.util.mask_func(pattern)
        rows = [0] * count
        for row, col in cells:
            if mask(row, col) != first(row, col):
                rows[row] |= 1 << (count - 1 - col)
        flips.append(rows)
    return flips


def _penalty(bits: list[int], count: int) -> int:
    rows = [format(row, f"0{count}b") for row in bits]
    # Rows and columns in one string, a space between lines so no run or pattern spans two.
    lines = " ".join(rows) + " " + " ".join(map("".join, zip(*rows)))
    score = sum(len(run) - 2 for run in _RUNS.findall(lines))
    score += 40 * len(_FINDER_LIKE.findall(lines))
    pairs = (1 << (count - 1)) - 1  # bit j: columns j and j+1 (from the right) of a row
    for upper, lower in zip(bits, bits[1:]):
        same = ~(upper ^ (upper >> 1)) & ~(lower ^ (lower >> 1)) & ~(upper ^ lower) & pairs
        score += 3 * bin(same).count("1")
    dark = sum(bin(row).count("1") for row in bits)
    return score + 10 * int(abs(dark / count ** 2 * 100 - 50) / 5)


def penalty(modules: list[list[bool]]) -> int:
    """The standard's mask penalty (runs of five or more, 2x2 blocks, finder-like patterns, dark share): the same
    number as qrcode.util.lost_point, with string and integer operations instead of cell-by-cell loops."""
    return _penalty([_bits(row) for row in modules], len(modules))


def qr_modules(data: str, *, level: str = "M") -> list[list[bool]]:
    """The QR code of `data` as rows of modules (True is dark), without its quiet zone.

    The same code qrcode.QRCode(...).make() gives, mask included (the lowest penalty, the first of equals), so any
    reader decodes it as well; only the search is cheaper.
    """
    code = _Code(error_correction=_LEVELS[level], border=0)
    code.add_data(data)
    code.best_fit()
    code.makeImpl(True, 0)  # as qrcode scores masks: format bits left light
    count = code.modules_count
    base = [_bits(row) for row in code.modules]
    masked = [[row ^ flip for row, flip in zip(base, flips)] for flips in _mask_flips(count, tuple(code.data_cells))]
    scores = [_penalty(rows, count) for rows in masked]
    pattern = scores.index(min(scores))
    # The chosen mask's modules with its format (and version) bits written in: what makeImpl(False, pattern) gives.
    code.modules = [[bit == "1" for bit in format(row, f"0{count}b")] for row in masked[pattern]]
    code.setup_type_info(False, pattern)
    if code.version >= 7:
        code.setup_type_number(False)
    return code.modules


def draw_qr(canvas, data: str, x: float, y: float, size: float, *, level: str = "M", border: int = 4) -> None:
    """Draw the QR code of `data` as a size x size square whose lower left corner is (x, y), quiet zone inside.

    Each horizontal run of dark modules is one rectangle of a single filled path: vector, sharp at any zoom, and
    the same bytes for the same data.
    """
    modules = qr_modules(data, level=level)
    unit = size / (len(modules) + 2 * border)
    top = y + size - border * unit
    path = canvas.beginPath()
    for index, row in enumerate(modules):
        bottom = top - (index + 1) * unit
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                path.rect(x + (border + start) * unit, bottom, (col - start) * unit, unit)
            else:
                col += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
