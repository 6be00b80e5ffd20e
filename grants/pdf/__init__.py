"""PDF toolkit: data in, bytes out (fonts, Arabic text order, QR codes, reproducible canvases)."""
from .arabic import draw_paragraph, format_date_for_arabic, isolate_ltr, visual, wrap
from .canvas import new_canvas
from .fonts import FONT, FONT_BOLD, register_fonts
from .qr import draw_qr, qr_drawing

__all__ = [
    "FONT",
    "FONT_BOLD",
    "draw_paragraph",
    "draw_qr",
    "format_date_for_arabic",
    "isolate_ltr",
    "new_canvas",
    "qr_drawing",
    "register_fonts",
    "visual",
    "wrap",
]
