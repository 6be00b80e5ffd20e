"""Registers the Amiri fonts (Arabic, Latin, digits and punctuation in one family) with reportlab."""
import threading

import fontpkg
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "Amiri"
FONT_BOLD = "Amiri-Bold"

# Registration mutates reportlab's process-wide registry; a lock keeps two
# threads of one worker from racing on the first PDF.
_lock = threading.Lock()
_registered = False


def font_path(weight: int = 400):
    """Path of the Amiri TTF of that weight, as shipped by the fontpkg-amiri package."""
    # fontpkg reads the package's metadata.json, so no path inside site-packages is spelled out here.
    return fontpkg.path("Amiri", weight=weight)


def register_fonts() -> tuple[str, str]:
    """Register Amiri regular and bold once; return (regular name, bold name). Safe to call often."""
    global _registered
    with _lock:
        if not _registered:
            pdfmetrics.registerFont(TTFont(FONT, str(font_path(400))))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path(700))))
            # Let platypus Paragraph markup (<b>) find the bold face; there is no
            # italic in Arabic typography, so italic maps to the upright faces.
            for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
                addMapping(FONT, bold, italic, name)
            _registered = True
    return FONT, FONT_BOLD
