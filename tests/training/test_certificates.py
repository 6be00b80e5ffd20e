"""The sign-in sheet and the certificate PDFs: Arabic names read back from the files, pages and their headers, the
QR code scanned from a rendered page, who may download, issuing once, refusals and revoking."""
import io
import unicodedata
from datetime import timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Certificate, CourseSession, Enrolment, utcnow
from grants.pdf.arabic import shape
from grants.training.signin_sheet import SheetSession, render_sign_in_sheet

from ..fixtures.i18n import says
from ..fixtures.routes import flashes, signed_in_client, text
from ..fixtures.rows import detached
from ..fixtures.training import decided_call, make_course
from ..pdf.pdftext import extract_text, extracted_text_contains
from .test_attendance_routes import enrol_directly, grantee_named, session_ids, take_attendance_by_page, url

NAME_AR, NAME_LATIN = "محمد عبد الرحمن الأحمد", "Mohammad Abdulrahman Al-Ahmad"
TITLE_AR, TITLE_EN = "التخطيط لمشروع صغير", "Planning a small business"


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


@pytest.fixture
def finished(app, make_user):
    """A course of two sessions, both held; the holder attended both, the dropout only the first."""
    call = decided_call(app)
    holder = grantee_named(app, make_user, call, NAME_AR, NAME_LATIN, phone="+963944200001")
    dropout = grantee_named(app, make_user, call, "سلمى فؤاد الرشيد", phone="+963944200002")
    staff = make_user("staff")
    course_id = make_course(app, calls=[call], sessions=2, starts_in=timedelta(days=-4), hours=3)
    holder_enrolment = enrol_directly(app, holder.id, course_id)
    dropout_enrolment = enrol_directly(app, dropout.id, course_id)
    first, second = session_ids(app, course_id)
    take_attendance_by_page(app, staff, first, [holder_enrolment, dropout_enrolment])
    take_attendance_by_page(app, staff, second, [holder_enrolment])
    return SimpleNamespace(course=course_id, holder=holder, dropout=dropout, staff=staff, sessions=[first, second],
                           enrolment=holder_enrolment, dropout_enrolment=dropout_enrolment)


def certificates(app) -> list[Certificate]:
    return detached(app, select(Certificate).order_by(Certificate.id))


# --- sign-in sheet -----------------------------------------------------------------------------------------

def test_sign_in_sheet_lists_the_arabic_names(app, finished):
    client = signed_in_client(app, finished.staff)
    response = client.get(url(app, "training.sign_in_sheet", session_id=finished.sessions[0]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    for needle in (NAME_AR, "سلمى فؤاد الرشيد", "+963944200001", TITLE_AR, TITLE_EN):
        assert extracted_text_contains(pdf, needle), needle
    assert not extracted_text_contains(pdf, "محمد عبد الرحيم الأحمد")  # the check can fail
    # Drawn shaped (joined letter forms) and right to left: read back right to left, the glyphs are the shaped name.
    assert shape(NAME_AR) in extract_text(pdf)
    # Same session, same bytes.
    assert client.get(url(app, "training.sign_in_sheet", session_id=finished.sessions[0])).data == pdf


FIRST = ["أحمد", "بشرى", "جميل", "دعاء", "هاني", "وفاء", "زياد", "حنان", "طارق", "يارا"]
FAMILY = ["الخلف", "العبيد", "الحسن", "الصالح", "النجار", "الشامي"]


def _people(count):
    names = [f"{first} {family}" for family in FAMILY for first in FIRST]
    return [SimpleNamespace(name=names[n - 1], phone=f"+9639440{n:05d}") for n in range(1, count + 1)]


def _sheet(now):
    return SheetSession(program_name="Minha", course_title_ar=TITLE_AR, course_title_en=TITLE_EN, starts_at=now,
                        ends_at=now + timedelta(hours=3), place="مركز التدريب، دير الزور", online_url="")


def test_many_names_run_over_several_pages_with_the_header_repeated(app):
    now = utcnow().replace(microsecond=0)
    with app.test_request_context():
        pdf = render_sign_in_sheet(_sheet(now), _people(60))
        assert render_sign_in_sheet(_sheet(now), _people(60)) == pdf
        empty = render_sign_in_sheet(_sheet(now), [])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    pages = [page.extract_text() for page in reader.pages]
    for page in pages:
        assert TITLE_EN in page and "Sign-in sheet" in page
    assert "Page 1 of" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    # Every name once, numbered on: the first and the last on their pages.
    assert extracted_text_contains(pdf, "أحمد الخلف") and extracted_text_contains(pdf, "يارا الشامي")
    assert "+963944000001" in pages[0] and "+963944000060" in pages[-1]
    assert sum(page.count("+9639440") for page in pages) == 60
    assert len(PdfReader(io.BytesIO(empty)).pages) == 1


def test_columns_run_right_to_left(app):
    """Number at the right edge, then the name, the phone, and the signature box at the left."""
    now = utcnow().replace(microsecond=0)
    with app.test_request_context():
        pdf = render_sign_in_sheet(_sheet(now), _people(1))
    positions = {}

    def visitor(text_, cm, tm, font_dict, font_size):
        if text_.strip():
            positions.setdefault(text_.strip(), tm[4] * cm[0] + cm[4])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visitor)
    number = next(x for t, x in positions.items() if t == "1")
    name = next(x for t, x in positions.items() if nfkc(t) == "أحمد الخلف")
    phone = next(x for t, x in positions.items() if t.endswith("963944000001"))
    assert number > name > phone


def test_sign_in_sheet_is_for_staff(app, finished):
    path = url(app, "training.sign_in_sheet", session_id=finished.sessions[0])
    assert signed_in_client(app, finished.holder).get(path).status_code == 403
    assert app.test_client().get(path).status_code == 302


# --- certificate -------------------------------------------------------------------------------------------

def test_certificate_text_name_number_and_qr(app, finished):
    client = signed_in_client(app, finished.holder)
    response = client.get(url(app, "training.certificate", enrolment_id=finished.enrolment))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    pdf = response.data
    [certificate] = certificates(app)
    assert certificate.holder_name == NAME_AR and certificate.enrolment_id == finished.enrolment
    for needle in (NAME_AR, NAME_LATIN, certificate.number, TITLE_AR, TITLE_EN):
        assert extracted_text_contains(pdf, needle), needle
    assert not extracted_text_contains(pdf, "سلمى فؤاد الرشيد")
    assert shape(NAME_AR) in extract_text(pdf)  # joined letter forms, right to left
    assert extracted_text_contains(pdf, "6 hours")
    verify = "http://localhost" + url(app, "training.verify_certificate", number=certificate.number)
    assert extracted_text_contains(pdf, verify)
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [verify]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape


def test_same_certificate_on_every_download(app, finished):
    client = signed_in_client(app, finished.holder)
    path = url(app, "training.certificate", enrolment_id=finished.enrolment)
    first = client.get(path).data
    second = client.get(path).data
    assert first == second
    staff_copy = signed_in_client(app, finished.staff).get(path)
    assert staff_copy.status_code == 200 and staff_copy.data == first
    assert len(certificates(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "training.certificate")) == 1


def test_who_may_download(app, finished, make_user):
    path = url(app, "training.certificate", enrolment_id=finished.enrolment)
    assert signed_in_client(app, make_user("applicant")).get(path).status_code == 404
    assert signed_in_client(app, make_user("reviewer")).get(path).status_code == 404
    assert signed_in_client(app, finished.dropout).get(path).status_code == 404  # another trainee of the course
    assert "/login" in app.test_client().get(path).location
    assert signed_in_client(app, make_user("admin")).get(path).status_code == 200
    assert app.test_client().get("/training/enrolments/999999/certificate.pdf").status_code == 302


def test_refused_before_completion(app, finished):
    path = url(app, "training.certificate", enrolment_id=finished.dropout_enrolment)
    client = signed_in_client(app, finished.dropout)
    response = client.get(path)
    assert response.status_code == 302 and response.location == url(app, "training.mine")
    assert [category for category, _ in flashes(client)] == ["error"]
    staff = signed_in_client(app, finished.staff)
    response = staff.get(path)
    assert response.status_code == 302 and response.location == url(app, "training.manage", course_id=finished.course)
    assert certificates(app) == []


def test_refusal_message_is_shown_to_the_holder(app, finished):
    client = signed_in_client(app, finished.dropout)
    response = client.get(url(app, "training.certificate", enrolment_id=finished.dropout_enrolment),
                          follow_redirects=True)
    assert response.status_code == 200
    assert says(response, app, "A certificate is issued once the course is completed.")


# --- revoking ----------------------------------------------------------------------------------------------

def test_revoking_needs_a_reason_then_the_holder_cannot_download(app, finished):
    holder = signed_in_client(app, finished.holder)
    path = url(app, "training.certificate", enrolment_id=finished.enrolment)
    assert holder.get(path).status_code == 200
    [certificate] = certificates(app)
    staff = signed_in_client(app, finished.staff)
    revoke = url(app, "training.revoke_certificate", certificate_id=certificate.id)
    page = staff.get(revoke)
    assert page.status_code == 200 and certificate.number in text(page)
    response = staff.post(revoke, data={"reason": "   "})
    assert response.status_code == 200 and 'id="reason-error"' in text(response)
    assert says(response, app, "Write why the certificate is revoked.")
    long_reason = staff.post(revoke, data={"reason": "x" * 2001})
    assert 'id="reason-error"' in text(long_reason) and "x" * 2001 in text(long_reason)  # nothing typed is lost
    assert certificates(app)[0].revoked_at is None
    response = staff.post(revoke, data={"reason": "The attendance sheet was filled in wrongly."})
    assert response.status_code == 302
    assert response.location == url(app, "training.manage", course_id=finished.course)
    revoked = certificates(app)[0]
    assert revoked.revoked_at is not None and revoked.revoked_reason == "The attendance sheet was filled in wrongly."
    # Revoking twice is not possible: the page says it is revoked already.
    again = staff.post(revoke, data={"reason": "again"})
    assert again.status_code == 200 and 'id="already-revoked"' in text(again)
    assert certificates(app)[0].revoked_reason == "The attendance sheet was filled in wrongly."
    refused = holder.get(path)
    assert refused.status_code == 302 and refused.location == url(app, "training.mine")
    assert [category for category, _ in flashes(holder)] == ["error"]
    staff_copy = staff.get(path)
    assert staff_copy.status_code == 200
    assert extracted_text_contains(staff_copy.data, "This certificate has been revoked.")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "training.revoke_certificate")) == 1


def test_revoke_page_is_for_staff(app, finished):
    signed_in_client(app, finished.holder).get(url(app, "training.certificate", enrolment_id=finished.enrolment))
    [certificate] = certificates(app)
    revoke = url(app, "training.revoke_certificate", certificate_id=certificate.id)
    holder = signed_in_client(app, finished.holder)
    assert holder.get(revoke).status_code == 403
    assert holder.post(revoke, data={"reason": "mine"}).status_code == 403
    assert certificates(app)[0].revoked_at is None
    staff = signed_in_client(app, finished.staff)
    assert staff.get("/training/manage/certificates/999999/revoke").status_code == 404


def test_sessions_and_enrolments_untouched_by_downloads(app, finished):
    before = _snapshot(app)
    signed_in_client(app, finished.staff).get(url(app, "training.sign_in_sheet", session_id=finished.sessions[1]))
    assert _snapshot(app) == before


def _snapshot(app):
    with app.app_context():
        return ([(s.id, s.attendance_taken_at) for s in db.session.scalars(select(CourseSession))],
                [(e.id, e.status) for e in db.session.scalars(select(Enrolment))])
