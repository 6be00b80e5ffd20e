"""The public verification of a certificate: valid, revoked, unknown; only the name, course and date shown; the
lookup form; no indexing by search engines."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Certificate, User, utcnow

from ..fixtures.i18n import says
from ..fixtures.routes import signed_in_client, text
from ..fixtures.training import decided_call, make_course
from .test_attendance_routes import enrol_directly, grantee_named, url

NUMBER = "CT-2026-7K3F-9QXZ"
NAME_AR, NAME_LATIN = "فاطمة حسن العمر", "Fatima Hasan Al-Omar"


@pytest.fixture
def issued(app, make_user):
    """A certificate as the service issues it, for a grantee with an email, a phone and a national ID."""
    call = decided_call(app)
    holder = grantee_named(app, make_user, call, NAME_AR, NAME_LATIN, phone="+963944300001",
                           email="fatima.omar@example.org")
    course_id = make_course(app, calls=[call], sessions=2, starts_in=timedelta(days=-10),
                            title_ar="التسويق الرقمي", title_en="Digital marketing")
    enrolment_id = enrol_directly(app, holder.id, course_id)
    with app.app_context():
        application = db.session.scalar(select(Application).where(Application.applicant_id == holder.id))
        certificate = Certificate(
            number=NUMBER, enrolment_id=enrolment_id, holder_name=NAME_AR, holder_name_latin=NAME_LATIN,
            course_title_ar="التسويق الرقمي", course_title_en="Digital marketing",
            first_session_on=datetime(2026, 3, 1, 7, tzinfo=timezone.utc),
            last_session_on=datetime(2026, 3, 2, 7, tzinfo=timezone.utc), hours=6)
        db.session.add(certificate)
        db.session.commit()
        return {"id": certificate.id, "holder": holder, "national_id": application.national_id,
                "application_phone": application.phone, "user_id": holder.id}


def _private(app, issued) -> list[str]:
    with app.app_context():
        user = db.session.get(User, issued["user_id"])
        return [user.email, user.phone, issued["national_id"], issued["application_phone"]]


def test_valid_certificate_shows_only_name_course_and_date(app, client, issued):
    response = client.get(url(app, "training.verify_certificate", number=NUMBER))
    assert response.status_code == 200
    html = text(response)
    assert says(response, app, "This certificate is valid.")
    assert NAME_AR in html and NAME_LATIN in html and "التسويق الرقمي" in html and NUMBER in html
    assert "2026" in html and 'id="completed-on"' in html
    for secret in _private(app, issued):
        assert secret and secret not in html
    assert f"/admin/users/{issued['user_id']}" not in html and "enrolment" not in html.lower()
    assert '<meta name="robots" content="noindex">' in html
    assert response.headers["X-Robots-Tag"] == "noindex"
    english = client.get(url(app, "training.verify_certificate", number=NUMBER), headers={"Accept-Language": "en"})
    assert "Digital marketing" in text(english) and "This certificate is valid." in text(english)
    assert 'id="revoke-link"' not in html  # the public does not see staff actions


def test_revoked_certificate_says_so(app, client, issued):
    with app.app_context():
        certificate = db.session.get(Certificate, issued["id"])
        certificate.revoked_at, certificate.revoked_reason = utcnow(), "Attendance was recorded wrongly."
        db.session.commit()
    response = client.get(url(app, "training.verify_certificate", number=NUMBER))
    assert response.status_code == 200
    assert says(response, app, "This certificate has been revoked: it is not valid.")
    assert not says(response, app, "This certificate is valid.")
    assert "Attendance was recorded wrongly." not in text(response)
    assert NAME_AR in text(response)


def test_unknown_number_is_404_with_the_same_page(app, client, issued):
    response = client.get(url(app, "training.verify_certificate", number="CT-2026-AAAA-BBBB"))
    assert response.status_code == 404
    assert says(response, app, "No certificate has this number: it is not valid.")
    assert NAME_AR not in text(response) and "CT-2026-AAAA-BBBB" in text(response)
    assert '<meta name="robots" content="noindex">' in text(response)
    huge = client.get("/verify/certificate/" + "X" * 5000)
    assert huge.status_code == 404
    checked = re.search(r'<p id="number-checked">([^<]*)</p>', text(huge)).group(1)
    assert "X" * 40 in checked and "X" * 41 not in checked
    assert client.get("/verify/certificate/%3Cscript%3E").status_code == 404
    assert "<script>" not in text(client.get("/verify/certificate/%3Cscript%3E"))


def test_a_number_typed_by_hand_leads_to_the_certificate(app, client, issued):
    response = client.get("/verify/certificate/ct-2026-7k3f-9qxz")
    assert response.status_code == 302 and response.location == url(app, "training.verify_certificate", number=NUMBER)


@pytest.mark.parametrize("typed", [NUMBER, " ct-2026-7k3f-9qxz ", "CT-2026- 7K3F-9QXZ\t"])
def test_lookup_form_redirects_to_the_certificate(app, client, issued, typed):
    response = client.get(url(app, "training.verify_lookup"), query_string={"number": typed})
    assert response.status_code == 302
    assert response.location == url(app, "training.verify_certificate", number=NUMBER)


def test_lookup_form(app, client, issued):
    form = client.get(url(app, "training.verify_lookup"))
    assert form.status_code == 200 and 'name="number"' in text(form) and 'id="number-error"' not in text(form)
    assert '<meta name="robots" content="noindex">' in text(form)
    empty = client.get(url(app, "training.verify_lookup"), query_string={"number": "  "})
    assert empty.status_code == 200 and 'id="number-error"' in text(empty)
    unknown = client.get(url(app, "training.verify_lookup"), query_string={"number": "ct-2026-zzzz-zzzz"})
    assert unknown.status_code == 302
    assert unknown.location == url(app, "training.verify_certificate", number="CT-2026-ZZZZ-ZZZZ")
    assert client.get(unknown.location).status_code == 404
    garbage = client.get(url(app, "training.verify_lookup"), query_string={"number": "<b>nope</b>"})
    assert garbage.status_code == 200 and 'id="number-error"' in text(garbage) and "<b>nope" not in text(garbage)
    too_long = client.get(url(app, "training.verify_lookup"), query_string={"number": "C" * 500})
    assert too_long.status_code == 200 and 'id="number-error"' in text(too_long)


def test_staff_see_a_link_to_revoke(app, issued, make_user):
    staff = signed_in_client(app, make_user("staff"))
    html = text(staff.get(url(app, "training.verify_certificate", number=NUMBER)))
    assert url(app, "training.revoke_certificate", certificate_id=issued["id"]) in html
