"""The disbursement letter PDF: what it says (read back from the PDF), in which visual order its Arabic lines are
drawn, its font, its QR code, and that the same letter always gives the same bytes.

Order is checked on the strings the page actually draws (decoded from the content stream through each font's
ToUnicode map), compared with python-bidi and arabic-reshaper used directly, not through grants.pdf.
"""
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date

import arabic_reshaper
import pytest
from babel.dates import format_date
from bidi.algorithm import get_display
from pypdf import PdfReader
from pypdf.generic import ContentStream

from grants.disbursements import services
from grants.disbursements.letter_pdf import ARABIC_X, ENGLISH_X, amount_words, masked_id, render_letter
from grants.extensions import db
from grants.formatting import to_program_time
from grants.mail.outbox import absolute_url
from grants.models import Call, Currency, Letter, PaymentMethod, User
from grants.monitoring import services as monitoring
from grants.money_words import amount_in_words

from ..fixtures.disbursements import grant, make_grant
from ..fixtures.monitoring import COMPLETE, report_of
from ..fixtures.training import decided_call
from ..pdf.pdftext import extract_text, extracted_text_contains, normalise

NAME_AR, NAME_LATIN = "أحمد عبد الرحمن الخلف", "Ahmad Abdulrahman Al-Khalaf"
NATIONAL_ID = "08011234567"  # the application factory's
TITLE_AR = "منح 25 مشروعاً صغيراً"
LONG_TITLE_AR = ("منح المشاريع الصغيرة للشباب والنساء في ريف دير الزور الشرقي والغربي بعد سنوات الحرب "
                 "لإعادة فتح الورش والمحلات (الدورة الثانية)")


# --- helpers ---------------------------------------------------------------------------------------------------

# Letters keep tashkeel (the tanween of «مشروعاً»), which arabic-reshaper deletes by default.
RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "shift_harakat_position": False})


def rtl(word: str) -> str:
    """A pure Arabic word as drawn: joined forms, reversed (arabic-reshaper directly)."""
    return RESHAPER.reshape(word)[::-1]


@dataclass(frozen=True)
class Drawn:
    page: int
    x: float
    y: float
    font: str
    text: str  # as drawn, left to right: the visual order


def _to_unicode(font) -> dict[int, str]:
    data = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    mapping = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return mapping


def drawn_lines(pdf: bytes) -> list[Drawn]:
    """Every string the pages draw, in the order of the glyphs on the page, with its position and font."""
    reader = PdfReader(io.BytesIO(pdf))
    lines = []
    for number, page in enumerate(reader.pages):
        fonts = {name: font.get_object() for name, font in page["/Resources"]["/Font"].items()}
        maps = {name: _to_unicode(font) for name, font in fonts.items() if "/ToUnicode" in font}
        x = y = 0.0
        font = None
        parts = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tm":
                x, y = float(operands[4]), float(operands[5])
            elif operator == b"Tf":
                font = operands[0]
            elif operator == b"Tj":
                raw = operands[0].original_bytes if hasattr(operands[0], "original_bytes") else bytes(operands[0])
                parts.append((font, "".join(maps[font][code] for code in raw) if font in maps else raw.decode()))
            elif operator == b"ET" and parts:
                lines.append(Drawn(number, x, y, str(fonts[parts[0][0]]["/BaseFont"]), "".join(t for _, t in parts)))
                parts = []
    return lines


def arabic_column(lines: list[Drawn]) -> list[Drawn]:
    return [line for line in lines if line.x >= ARABIC_X[0] - 1]


def expected_visual(logical: str) -> str:
    """What a right-to-left line should look like, computed with the libraries themselves."""
    return get_display(RESHAPER.reshape(logical), base_dir="R")


def staff_pair(make_user):
    return (db.session.get(User, make_user("staff", name="سامر الحسن").id),
            db.session.get(User, make_user("admin", name="Lina Haddad").id))


def issue_letter(app, make_user, *, amount=2_500_000, title_ar=TITLE_AR, currency=Currency.SYP, code="DZ24C",
                 second=False) -> Letter:
    """A grant in a call titled `title_ar` and the letter of its first tranche (or, with second=True, of its second
    tranche once the first is paid)."""
    call_id = decided_call(app, code=code)
    call = db.session.get(Call, call_id)
    call.title_ar, call.currency = title_ar, currency
    db.session.commit()
    _, grant_id = make_grant(app, make_user, call_id, amount=amount)
    requester, approver = staff_pair(make_user)
    tranches = grant(grant_id).tranches
    letter = None
    for tranche in tranches[:2 if second else 1]:
        services.request_tranche(requester, tranche)
        services.approve_tranche(approver, tranche)
        letter = services.issue_letter(requester, tranche)
        if second and tranche is tranches[0]:
            services.record_payment(requester, tranche, method=PaymentMethod.HAWALA, reference="HW-7",
                                    paid_on=services.program_today())
            approve_first_report(grant_id, approver)
    db.session.commit()
    return letter


def approve_first_report(grant_id, approver) -> None:
    """The first payment scheduled progress report 1: the grantee submits it and staff approve it (the second
    tranche's condition)."""
    report = report_of(grant_id)
    grantee = report.grant.application.applicant
    monitoring.save_report(grantee, report, COMPLETE)
    monitoring.submit_report(grantee, report)
    monitoring.review_report(approver, report, approve=True)


@pytest.fixture
def letter(ctx, make_user):
    return issue_letter(ctx, make_user)


@pytest.fixture
def pdf(letter):
    return services.letter_pdf(letter)


# --- what the letter says --------------------------------------------------------------------------------------

def test_letter_names_the_grantee_the_amount_and_its_number(letter, pdf):
    assert pdf.startswith(b"%PDF")
    tranche = letter.tranche
    assert tranche.amount == 1_250_000
    words_ar = amount_in_words(1_250_000, "SYP", "ar")
    assert words_ar == "فقط مليون ومئتان وخمسون ألف ليرة سورية لا غير"
    words_en = "One million two hundred and fifty thousand Syrian pounds only"
    for needle in (NAME_AR, NAME_LATIN, letter.number, words_ar, words_en, "1,250,000", "DZ24C-00001", "(DZ24C)",
                   "••••••4567"):
        assert extracted_text_contains(pdf, needle), needle
    # Who asked and who approved, with lines to sign.
    assert extracted_text_contains(pdf, "سامر الحسن") and extracted_text_contains(pdf, "Lina Haddad")
    # The check is not vacuous.
    assert not extracted_text_contains(pdf, "أحمد عبد الرحيم الخلف")
    assert not extracted_text_contains(pdf, amount_in_words(1_250_001, "SYP", "ar"))


def test_the_national_id_is_masked_to_its_last_four_digits(letter, pdf):
    text = normalise(extract_text(pdf))
    assert NATIONAL_ID not in text and NATIONAL_ID[::-1] not in text
    assert "0801123" not in text and "1234567" not in text
    assert "••••••4567" in text


@pytest.mark.parametrize("value, shown", [("08011234567", "••••••4567"), (" 0801 123 4567 ", "••••••4567"),
                                          ("123", "••••••"), ("", "\u2014"), (None, "\u2014")])
def test_masked_id(value, shown):
    assert masked_id(value) == shown


def test_amount_in_words_in_the_customary_arabic_form_in_dollars(ctx, make_user):
    letter = issue_letter(ctx, make_user, amount=2_000, currency=Currency.USD)
    pdf = services.letter_pdf(letter)
    assert letter.tranche.amount == 1_000
    assert extracted_text_contains(pdf, "فقط ألف دولار أمريكي لا غير")
    assert extracted_text_contains(pdf, "One thousand US dollars only")
    assert extracted_text_contains(pdf, "1,000 USD")
    # num2words' pitfall: it writes «ريال» for currencies it does not know.
    assert "ريال" not in normalise(extract_text(pdf))
    # «لا غير» closes the words on their line: a no-break space keeps the two words together.
    assert amount_words(1_000, "USD")[0] == "فقط ألف دولار أمريكي\u00a0لا\u00a0غير"
    words_line = next(line for line in arabic_column(drawn_lines(pdf)) if rtl("غير") in line.text)
    assert words_line.text.startswith(rtl("غير") + " " + rtl("لا"))  # the font draws the no-break space as a space


def test_conditions_and_payment_method_in_both_languages(ctx, make_user):
    letter = issue_letter(ctx, make_user, second=True)
    pdf = services.letter_pdf(letter)
    assert services.position_of(letter.tranche) == (2, 3)
    assert extracted_text_contains(pdf, "The previous tranche has been paid")
    assert extracted_text_contains(pdf, "Progress report 1 approved")
    assert extracted_text_contains(pdf, "Tranche 2 of 3 (30 percent of the grant)")
    # The letter goes out before the payment: the method is the one agreed, not yet a recorded one.
    assert extracted_text_contains(pdf, "As agreed with the program")
    assert extracted_text_contains(pdf, amount_in_words(750_000, "SYP", "ar"))


def test_a_condition_no_longer_met_is_said_so(ctx, make_user, letter, pdf):
    from ..fixtures.training import make_course

    make_course(ctx, calls=[letter.tranche.grant.call_id], required_for_payment=True, title_ar="مسك الدفاتر",
                title_en="Bookkeeping")
    again = render_letter(letter)
    assert again != pdf
    assert extracted_text_contains(again, 'Course "Bookkeeping" completed (not met)')
    assert extracted_text_contains(again, "مسك الدفاتر")


def test_no_conditions_is_said_plainly(letter, pdf):
    assert services.conditions(letter.tranche) == []
    assert extracted_text_contains(pdf, "No conditions apply to this tranche.")


# --- visual order of the Arabic lines --------------------------------------------------------------------------

def test_a_number_and_a_latin_code_inside_an_arabic_line_keep_their_place(pdf):
    call_line = next(line for line in arabic_column(drawn_lines(pdf)) if re.search(r"[()]DZ24C[()]", line.text))
    assert call_line.text == expected_visual(TITLE_AR + " (DZ24C)")
    # Read left to right: the code (brackets mirrored back to "(...)") is at the far left, the first Arabic word
    # at the far right; the number keeps its digits in order.
    assert call_line.text.startswith("(DZ24C) ")
    assert call_line.text.endswith(rtl("منح"))
    assert " 25 " in call_line.text and "52" not in call_line.text


def test_a_long_arabic_title_wraps_with_its_first_words_on_the_first_line(ctx, make_user):
    letter = issue_letter(ctx, make_user, title_ar=LONG_TITLE_AR)
    lines = arabic_column(drawn_lines(services.letter_pdf(letter)))
    first = next(line for line in lines if rtl("المشاريع") in line.text)
    last = next(line for line in lines if rtl("الثانية") in line.text)
    title_lines = [line for line in lines if last.y <= line.y <= first.y and line.x < ARABIC_X[1] - 80]
    assert len(title_lines) >= 3
    assert first.y > last.y  # the first words on top: lines are not reversed
    assert first.text.endswith(rtl("منح"))  # the title starts at the right end of the top line
    # Each line reordered on its own: the bracketed words are mirrored into "(...)" on their line.
    assert "(" + rtl("الثانية") + " " + rtl("الدورة") + ")" in last.text
    # Each line fits its column (drawn from the right edge leftwards).
    assert all(line.x >= ARABIC_X[0] - 0.5 for line in title_lines)


def test_the_date_keeps_its_digits_in_order(letter, pdf):
    day = to_program_time(letter.issued_at).date()
    date_line = next(line for line in arabic_column(drawn_lines(pdf)) if f"{day:%d/%m/%Y}" in line.text)
    month = format_date(day, "MMMM", locale="ar_SY")
    month_drawn = " ".join(rtl(word) for word in reversed(month.split()))
    # «29 تشرين الثاني 2026 (29/11/2026)» read right to left.
    assert date_line.text == f"({day:%d/%m/%Y}) {day.year} {month_drawn} {day.day}"
    assert f"{day:%Y/%m/%d}" not in date_line.text
    english = next(line for line in drawn_lines(pdf) if line.x < ENGLISH_X[1] and str(day.year) in line.text
                   and format_date(day, "MMMM", locale="en") in line.text)
    assert english.text == format_date(day, "d MMMM y", locale="en")


def test_fixed_date_formats_for_both_languages():
    from grants.disbursements.letter_pdf import dates

    arabic, english = dates(date(2026, 11, 29))
    assert english == "29 November 2026"
    assert arabic == "29 تشرين الثاني 2026 (\u206629/11/2026\u2069)"


# --- the file itself -------------------------------------------------------------------------------------------

def test_the_only_fonts_drawn_with_are_embedded_amiri(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    used = {line.font for line in drawn_lines(pdf)}
    assert used and all(re.fullmatch(r"/[A-Z]{6}\+Amiri-(Regular|Bold)", name) for name in used), used
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "Amiri" in str(font["/BaseFont"]):
            assert "/FontFile2" in font["/FontDescriptor"].get_object()  # embedded, not looked up on the reader's system


def test_same_letter_same_bytes_and_the_recorded_sha256(letter, pdf):
    assert hashlib.sha256(pdf).hexdigest() == letter.sha256
    assert render_letter(letter) == pdf
    db.session.expire_all()  # read back from the database: still the same bytes
    again = db.session.get(Letter, letter.id)
    assert render_letter(again) == pdf


def test_letters_differ_by_number(ctx, make_user, letter, pdf):
    other = issue_letter(ctx, make_user, code="DZ25C")
    assert other.number != letter.number
    assert services.letter_pdf(other) != pdf and other.sha256 != letter.sha256


def test_the_qr_code_opens_the_verification_page(app, letter, pdf):
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    verify = absolute_url("disbursements.verify_letter", token=services.letter_token(letter))
    assert decoded == [verify]
    assert services.letter_from_token(verify.rsplit("/", 1)[1]).id == letter.id
    page = app.test_client().get(verify.removeprefix(app.config["PUBLIC_URL"]))
    assert page.status_code == 200 and letter.number in page.get_data(as_text=True)


def _images(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    xobjects = reader.pages[0]["/Resources"].get("/XObject") or {}
    count = 0
    for xobject in xobjects.values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            count += 1
        for inner in (xobject.get("/Resources") or {}).get("/XObject", {}).values():
            count += inner.get_object().get("/Subtype") == "/Image"
    return count


def test_logo_and_arabic_program_name_when_configured(ctx, make_user, tmp_path, letter, pdf):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 48), (11, 110, 79)).save(logo)
    assert _images(pdf) == 0
    ctx.config.update(PROGRAM_LOGO=str(logo), PROGRAM_NAME_AR="برنامج منحة")
    with_logo = render_letter(letter)
    assert _images(with_logo) == 1
    assert extracted_text_contains(with_logo, "برنامج منحة")
    assert render_letter(letter) == with_logo  # the logo does not break determinism
    # A logo that cannot be read is left out; the letter is still made.
    ctx.config["PROGRAM_LOGO"] = str(tmp_path / "missing.png")
    assert _images(render_letter(letter)) == 0
    (tmp_path / "broken.png").write_bytes(b"not an image")
    ctx.config["PROGRAM_LOGO"] = str(tmp_path / "broken.png")
    assert _images(render_letter(letter)) == 0
