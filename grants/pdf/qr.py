"""QR codes as reportlab drawings, using reportlab's own encoder (no image files, same input same output)."""
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
