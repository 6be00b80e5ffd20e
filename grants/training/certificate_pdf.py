"""The certificate of completion as an A4 landscape PDF, in Arabic and English, with a QR code to verify it.

A pure function of the certificate as issued (it keeps the names, titles, dates and hours it was issued
with) and the verification address: the same certificate downloads as the same bytes every time.
"""
import io
from decimal import Decimal

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape

from ..formatting import to_program_time
from ..models import Certificate
from ..pdf import FONT, FONT_BOLD, format_date_for_arabic, isolate_ltr, new_canvas, qr_drawing
from .signin_sheet import fitted, in_both_languages

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
GREEN = colors.HexColor("#0b6e4f")
RED = colors.HexColor("#b42318")

QR_SIZE = 104


def _hours(value) -> str:
    """15 rather than 15.0; 7.5 stays 7.5."""
    number = Decimal(str(value)).quantize(Decimal("0.1"))
    return str(number.to_integral_value()) if number == number.to_integral_value() else str(number)


def _dates(certificate: Certificate) -> tuple[str, str]:
    first = to_program_time(certificate.first_session_on).date()
    last = to_program_time(certificate.last_session_on).date()
    hours = _hours(certificate.hours)
    if first == last:
        arabic, _ = in_both_languages("on %(date)s, %(hours)s hours of training",
                                      date=format_date_for_arabic(first), hours=isolate_ltr(hours))
        _, english = in_both_languages("on %(date)s, %(hours)s hours of training",
                                       date=format_date(first, "long", locale="en"), hours=hours)
    else:
        arabic, _ = in_both_languages("from %(first)s to %(last)s, %(hours)s hours of training",
                                      first=format_date_for_arabic(first), last=format_date_for_arabic(last),
                                      hours=isolate_ltr(hours))
        _, english = in_both_languages("from %(first)s to %(last)s, %(hours)s hours of training",
                                       first=format_date(first, "long", locale="en"),
                                       last=format_date(last, "long", locale="en"), hours=hours)
    return arabic, english


def render_certificate(certificate: Certificate, *, program_name: str, verify_url: str) -> bytes:
    buffer = io.BytesIO()
    title_ar, title_en = in_both_languages("Certificate of completion")
    canvas = new_canvas(buffer, f"{title_ar} {certificate.number}", lang="ar", pagesize=landscape(A4))
    width, height = landscape(A4)
    text_width = width - 150

    def centred(text, font, size, y, color=INK):
        if not text:
            return
        drawn, size = fitted(text, font, size, text_width)
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        canvas.drawCentredString(width / 2, y, drawn)

    canvas.setStrokeColor(GREEN)
    canvas.setLineWidth(3)
    canvas.rect(22, 22, width - 44, height - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(30, 30, width - 60, height - 60)

    y = height - 72
    centred(program_name, FONT_BOLD, 16, y, GREEN)
    if certificate.revoked_at is not None:
        revoked_ar, revoked_en = in_both_languages("This certificate has been revoked.")
        centred(f"{revoked_ar} — {revoked_en}", FONT_BOLD, 14, y - 22, RED)
    y -= 52
    centred(title_ar, FONT_BOLD, 32, y)
    y -= 30
    centred(title_en, FONT_BOLD, 18, y, MUTED)

    certifies_ar, certifies_en = in_both_languages("This certifies that")
    y -= 38
    centred(certifies_ar, FONT, 14, y)
    y -= 17
    centred(certifies_en, FONT, 11, y, MUTED)
    y -= 38
    centred(certificate.holder_name, FONT_BOLD, 28, y)
    if certificate.holder_name_latin:
        y -= 26
        centred(certificate.holder_name_latin, FONT_BOLD, 16, y)

    completed_ar, completed_en = in_both_languages("has completed the training course")
    y -= 32
    centred(completed_ar, FONT, 14, y)
    y -= 17
    centred(completed_en, FONT, 11, y, MUTED)
    y -= 34
    centred(certificate.course_title_ar, FONT_BOLD, 21, y)
    if certificate.course_title_en and certificate.course_title_en != certificate.course_title_ar:
        y -= 24
        centred(certificate.course_title_en, FONT_BOLD, 15, y)

    dates_ar, dates_en = _dates(certificate)
    y -= 30
    centred(dates_ar, FONT, 13, y)
    y -= 17
    centred(dates_en, FONT, 11, y, MUTED)

    # Bottom left: the QR code and, beside it, the number and where to check it.
    left, bottom = 46, 44
    qr_drawing(verify_url, QR_SIZE).drawOn(canvas, left, bottom)
    number_ar, _ = in_both_languages("Certificate number: %(number)s", number=isolate_ltr(certificate.number))
    _, number_en = in_both_languages("Certificate number: %(number)s", number=certificate.number)
    check_ar, check_en = in_both_languages("Scan the code or open the address below to check this certificate.")
    x, line_width = left + QR_SIZE + 10, width / 2 - QR_SIZE - 40
    lines = [(number_en, FONT_BOLD, 11, INK), (number_ar, FONT_BOLD, 11, INK), (check_en, FONT, 8.5, MUTED),
             (check_ar, FONT, 8.5, MUTED), (verify_url, FONT, 8.5, GREEN)]
    line_y = bottom + QR_SIZE - 22
    for text, font, size, color in lines:
        drawn, size = fitted(text, font, size, line_width, smallest=6)
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        canvas.drawString(x, line_y, drawn)
        line_y -= size + 6

    issued = to_program_time(certificate.issued_at).date()
    issued_ar, _ = in_both_languages("Issued on %(date)s", date=format_date_for_arabic(issued))
    _, issued_en = in_both_languages("Issued on %(date)s", date=format_date(issued, "long", locale="en"))
    right = width - 46
    for text, font, size, color, baseline in ((issued_ar, FONT, 11, INK, bottom + 34),
                                              (issued_en, FONT, 9.5, MUTED, bottom + 18)):
        drawn, size = fitted(text, font, size, width / 2 - 80)
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        canvas.drawRightString(right, baseline, drawn)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
