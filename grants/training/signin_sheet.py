"""The sign-in sheet of a session as an A4 PDF: the enrolled people's Arabic names, phones and a box to sign.

A pure function of its data (same session and names, same bytes). The table runs right to left like the
Arabic it holds: number, name, phone, signature; long lists continue on further pages under the same header.
"""
import io
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from flask_babel import force_locale, gettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..formatting import to_program_time
from ..pdf import FONT, FONT_BOLD, format_date_for_arabic, isolate_ltr, new_canvas, visual

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
GREEN = colors.HexColor("#0b6e4f")
LINE = colors.HexColor("#9aa5b1")

MARGIN = 36
ROW_HEIGHT = 30
HEAD_ROW_HEIGHT = 34
FOOTER_SPACE = 40


def in_both_languages(msgid: str, **values) -> tuple[str, str]:
    """The message in Arabic and in English, for documents that print both whatever the reader's language."""
    texts = []
    for locale in ("ar", "en"):
        with force_locale(locale):
            texts.append(gettext(msgid, **values))
    return texts[0], texts[1]


def fitted(text: str, font: str, size: float, width: float, *, smallest: float = 7) -> tuple[str, float]:
    """Text in visual order and a font size at which it fits `width`: smaller type first, then cut with an ellipsis."""
    drawn = visual(text)
    while size > smallest and stringWidth(drawn, font, size) > width:
        size -= 0.5
    if stringWidth(drawn, font, size) <= width:
        return drawn, size
    logical = text
    while logical and stringWidth(visual(logical + "…"), font, size) > width:
        logical = logical[:-1]
    return visual(logical.rstrip() + "…"), size


@dataclass(frozen=True)
class SheetSession:
    """What the sheet prints about the session, in program time."""

    program_name: str
    course_title_ar: str
    course_title_en: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str


def _session_lines(session: SheetSession) -> tuple[str, str]:
    start, end = to_program_time(session.starts_at), to_program_time(session.ends_at)
    arabic, _ = in_both_languages(
        "Session of %(date)s, from %(start)s to %(end)s", date=format_date_for_arabic(start),
        start=isolate_ltr(start.strftime("%H:%M")), end=isolate_ltr(end.strftime("%H:%M")))
    _, english = in_both_languages(
        "Session of %(date)s, from %(start)s to %(end)s", date=format_date(start.date(), "long", locale="en"),
        start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
    return arabic, english


def _place_lines(session: SheetSession) -> tuple[str, str] | None:
    if session.place:
        return in_both_languages("Place: %(place)s", place=session.place)
    if session.online_url:
        arabic, _ = in_both_languages("Online: %(url)s", url=isolate_ltr(session.online_url))
        _, english = in_both_languages("Online: %(url)s", url=session.online_url)
        return arabic, english
    return None


def _centred(canvas, text, font, size, y, width, color=INK):
    drawn, size = fitted(text, font, size, width - 2 * MARGIN)
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, y, drawn)


def _header(canvas, session: SheetSession, width: float, height: float) -> float:
    """The page head, the same on every page; returns where the table starts."""
    y = height - MARGIN - 12
    _centred(canvas, session.program_name, FONT_BOLD, 12, y, width, GREEN)
    title_ar, title_en = in_both_languages("Sign-in sheet")
    y -= 26
    _centred(canvas, title_ar, FONT_BOLD, 18, y, width)
    y -= 18
    _centred(canvas, title_en, FONT, 11, y, width, MUTED)
    y -= 24
    _centred(canvas, session.course_title_ar, FONT_BOLD, 14, y, width)
    if session.course_title_en:
        y -= 17
        _centred(canvas, session.course_title_en, FONT, 11, y, width)
    lines = [_session_lines(session)]
    place = _place_lines(session)
    if place:
        lines.append(place)
    for arabic, english in lines:
        y -= 20
        _centred(canvas, arabic, FONT, 11, y, width)
        y -= 15
        _centred(canvas, english, FONT, 9.5, y, width, MUTED)
    return y - 16


def _columns(width: float) -> list[tuple[float, float]]:
    """(left, right) of each column in reading order: number, name, phone, signature — from the right edge."""
    right = width - MARGIN
    spans, edge = [], right
    for size in (30, 205, 105):
        spans.append((edge - size, edge))
        edge -= size
    spans.append((MARGIN, edge))
    return spans


def _table_head(canvas, top: float, columns) -> float:
    labels = [in_both_languages(msgid) for msgid in ("No.", "Full name", "Phone", "Signature")]
    canvas.setFillColor(colors.HexColor("#e3f4ec"))
    canvas.rect(columns[-1][0], top - HEAD_ROW_HEIGHT, columns[0][1] - columns[-1][0], HEAD_ROW_HEIGHT,
                stroke=0, fill=1)
    for (left, right), (arabic, english) in zip(columns, labels):
        centre, cell = (left + right) / 2, right - left - 4
        canvas.setFillColor(INK)
        drawn, size = fitted(arabic, FONT_BOLD, 10, cell)
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(centre, top - 15, drawn)
        canvas.setFillColor(MUTED)
        drawn, size = fitted(english, FONT, 8, cell, smallest=5)
        canvas.setFont(FONT, size)
        canvas.drawCentredString(centre, top - 28, drawn)
    _grid(canvas, top, top - HEAD_ROW_HEIGHT, columns)
    return top - HEAD_ROW_HEIGHT


def _grid(canvas, top, bottom, columns):
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.6)
    canvas.rect(columns[-1][0], bottom, columns[0][1] - columns[-1][0], top - bottom, stroke=1, fill=0)
    for left, _right in columns[:-1]:
        canvas.line(left, bottom, left, top)


def _row(canvas, top: float, columns, number: int, person) -> None:
    baseline = top - ROW_HEIGHT / 2 - 4
    (num_l, num_r), (name_l, name_r), (phone_l, phone_r), _signature = columns
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString((num_l + num_r) / 2, baseline, str(number))
    drawn, size = fitted(person.name, FONT, 12, name_r - name_l - 10)
    canvas.setFont(FONT, size)
    canvas.drawRightString(name_r - 5, baseline, drawn)  # Arabic names start at the right edge
    drawn, size = fitted(person.phone, FONT, 10, phone_r - phone_l - 8)
    canvas.setFont(FONT, size)
    canvas.drawCentredString((phone_l + phone_r) / 2, baseline, drawn)
    _grid(canvas, top, top - ROW_HEIGHT, columns)


def _footer(canvas, width: float, page: int, pages: int, count: int) -> None:
    canvas.setFillColor(MUTED)
    page_ar, _ = in_both_languages("Page %(page)s of %(pages)s", page=page, pages=pages)
    _, page_en = in_both_languages("Page %(page)s of %(pages)s", page=page, pages=pages)
    count_ar, count_en = in_both_languages("Enrolled: %(count)s", count=count)
    canvas.setFont(FONT, 9)
    canvas.drawRightString(width - MARGIN, MARGIN - 10, visual(f"{page_ar} · {count_ar}"))
    canvas.drawString(MARGIN, MARGIN - 10, f"{page_en} · {count_en}")


def render_sign_in_sheet(session: SheetSession, people) -> bytes:
    """The PDF for `people` (objects with .name and .phone, in the order to print)."""
    buffer = io.BytesIO()
    title_ar, _ = in_both_languages("Sign-in sheet")
    canvas = new_canvas(buffer, f"{title_ar} · {session.course_title_ar}", lang="ar", pagesize=A4)
    width, height = A4
    columns = _columns(width)
    people = list(people)
    # Every page has the same header, so every page holds the same number of rows.
    first_row_top = _measure_header(session, width, height) - HEAD_ROW_HEIGHT
    per_page = max(1, int((first_row_top - MARGIN - FOOTER_SPACE + 10) // ROW_HEIGHT))
    pages = max(1, -(-len(people) // per_page))
    for page in range(pages):
        top = _table_head(canvas, _header(canvas, session, width, height), columns)
        chunk = people[page * per_page:(page + 1) * per_page]
        for offset, person in enumerate(chunk):
            _row(canvas, top - offset * ROW_HEIGHT, columns, page * per_page + offset + 1, person)
        if not people:
            nobody_ar, nobody_en = in_both_languages("Nobody is enrolled in this course.")
            canvas.setFillColor(MUTED)
            canvas.setFont(FONT, 11)
            canvas.drawCentredString(width / 2, top - 24, visual(nobody_ar))
            canvas.drawCentredString(width / 2, top - 40, nobody_en)
        _footer(canvas, width, page + 1, pages, len(people))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _measure_header(session, width, height) -> float:
    """Where the table starts below the header, found by drawing it on a scratch canvas."""
    scratch = new_canvas(io.BytesIO(), "", pagesize=A4)
    return _header(scratch, session, width, height)
