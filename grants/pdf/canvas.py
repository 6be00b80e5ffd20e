"""A reportlab canvas whose output depends on its input only, with the project's fonts registered."""
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .fonts import FONT, register_fonts


def new_canvas(buffer, title: str, *, lang: str = "ar", pagesize=A4, author: str = "Minha") -> Canvas:
    """Canvas writing to `buffer` (a file object or path): same drawing in, same bytes out.

    reportlab otherwise stamps the creation time and a time-seeded document ID into
    every file; invariant=1 fixes both for this canvas only, leaving the global
    rl_config alone. `lang` ('ar' or 'en') becomes the document's /Lang for screen readers.
    """
    register_fonts()
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1, pageCompression=1, lang=lang)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator(author)
    canvas.setFont(FONT, 12)
    return canvas
