"""Hostile text typed into the real forms is stored exactly as sent and shown inert on every page that shows it.

HOSTILE carries HTML and a script, an SQL fragment, a right-to-left override, zero-width characters (space,
joiner, byte-order mark), an emoji ZWJ sequence and a flag, and Arabic. It has single spaces and nothing to trim,
so the forms' documented normalisation (free text is stripped; names and titles have runs of whitespace squashed
to one space) leaves it unchanged: the database must hold it character for character. Pages must show it
escaped by Jinja (no raw "<script>", the escaped text present). Text over a field's limit gets the error beside
the field, never a 500, and nothing is stored. Objects come from the permission matrix's `world`.
"""
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Comment, Course, Decision, ProgressReport, SiteVisit, User

from ..fixtures.routes import error_of, signed_in_client, text
from ..test_permissions import world  # noqa: F401  (the fixture these tests use)

HOSTILE = ("<script>alert('x')</script> \"><img src=x onerror=alert(1)> '; DROP TABLE users; -- "
           "\u202eexe.pdf \u200bzero\u200dwidth\ufeffbom 👩\u200d👩\u200d👧\u200d👦 🇸🇾 سارة & co")
TOO_LONG = "x" * 10_050


def errors(response) -> list[str]:
    """The errors and notices a refused form shows: the assertion message when a post does not go through."""
    return re.findall(r'<(?:p class="error"|div class="notice[^"]*")[^>]*>(.*?)</', text(response), re.S)


def shown_inert(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = text(response)
    assert "<script>alert(" not in page and "<img src=x" not in page, url
    assert str(escape(HOSTILE)) in page, f"{url} does not show the text escaped"
    return page


def stored(app, model, key, column):
    with app.app_context():
        return getattr(db.session.get(model, key), column)


def client_of(app, email):
    from ..fixtures.accounts import PASSWORD, Account

    return signed_in_client(app, Account(0, email, PASSWORD))


def email_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


@pytest.fixture
def staff(app, make_user):
    return signed_in_client(app, make_user("staff", locale="en"))


@pytest.fixture
def admin(app, make_user):
    return signed_in_client(app, make_user("admin", locale="en"))


def test_registration_full_name(app, client, admin):
    response = client.post("/register", data={"full_name": HOSTILE, "email": "new@example.org",
                                               "phone": "0944 123 456", "password": "a long passphrase 1",
                                               "confirm": "a long passphrase 1", "locale": "en"})
    assert response.status_code == 302, error_of(text(response), "full_name")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.org"))
        assert user.full_name == HOSTILE
        shown_inert(admin, f"/admin/users/{user.id}")
    shown_inert(admin, "/admin/users?q=new%40example.org")


def test_registration_full_name_over_its_limit_is_an_error_beside_the_field(app, client):
    response = client.post("/register", data={"full_name": TOO_LONG, "email": "long@example.org",
                                              "phone": "0944 123 456", "password": "a long passphrase 1",
                                              "confirm": "a long passphrase 1", "locale": "en"})
    assert response.status_code == 200 and error_of(text(response), "full_name")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "long@example.org")) is None


def test_profile_full_name(app, world, admin):  # noqa: F811
    target = client_of(app, email_of(app, world["target"]))
    response = target.post("/profile", data={"full_name": HOSTILE, "phone": "+963944000123", "locale": "en"})
    assert response.status_code == 302
    assert stored(app, User, world["target"], "full_name") == HOSTILE
    page = target.get("/profile").get_data(as_text=True)
    assert "<script>alert(" not in page and str(escape(HOSTILE)) in page
    shown_inert(admin, f"/admin/users/{world['target']}")

    response = target.post("/profile", data={"full_name": TOO_LONG, "phone": "+963944000123", "locale": "en"})
    assert response.status_code == 200 and error_of(text(response), "full_name")
    assert stored(app, User, world["target"], "full_name") == HOSTILE


def test_application_form_text_fields(app, world):  # noqa: F811
    owner = client_of(app, "other@example.org")  # the draft's owner
    draft = world["draft"]
    response = owner.post(f"/applications/{draft}/step/1",
                          data={"full_name_ar": HOSTILE, "current_work": HOSTILE,
                                "action": "save"})
    assert response.status_code == 302, errors(response)
    response = owner.post(f"/applications/{draft}/step/2",
                          data={"business_name": HOSTILE, "business_description": HOSTILE,
                                "problem_and_customers": HOSTILE, "partners": HOSTILE, "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, draft)
        # (The Latin name is not among them: its validator accepts Latin letters only, as in a passport.)
        assert [application.full_name_ar, application.current_work, application.business_name,
                application.business_description, application.problem_and_customers,
                application.partners] == [HOSTILE] * 6
    shown_inert(owner, f"/applications/{draft}")
    page = text(owner.get(f"/applications/{draft}/step/2"))  # the form shows it back, escaped, in its inputs
    assert "<script>alert(" not in page and str(escape(HOSTILE)) in page

    response = owner.post(f"/applications/{draft}/step/2",
                          data={"business_name": TOO_LONG, "business_description": TOO_LONG, "action": "save"})
    assert response.status_code == 200
    page = text(response)
    assert error_of(page, "business_name") and error_of(page, "business_description")
    assert stored(app, Application, draft, "business_name") == HOSTILE


def test_staff_comment_and_reviewer_comment(app, world, staff):  # noqa: F811
    application = world["application"]
    response = staff.post(f"/staff/applications/{application}/comments", data={"comment-body": HOSTILE})
    assert response.status_code == 302, errors(response)
    with app.app_context():  # the call lets its reviewers comment
        db.session.get(Application, application).call.reviewers_may_comment = True
        db.session.commit()
    reviewer = client_of(app, email_of(app, world["reviewer"]))
    response = reviewer.post(f"/reviews/{world['review']}/comments", data={"body": HOSTILE + " 2",
                                                                         "comment-body": HOSTILE + " 2"})
    assert response.status_code == 302, errors(response)
    with app.app_context():
        bodies = list(db.session.scalars(select(Comment.body).where(Comment.application_id == application)
                                         .order_by(Comment.id)))
    assert bodies == [HOSTILE, HOSTILE + " 2"]
    shown_inert(staff, f"/staff/applications/{application}")
    shown_inert(reviewer, response.location.split("#")[0])

    response = staff.post(f"/staff/applications/{application}/comments", data={"comment-body": TOO_LONG * 2})
    assert response.status_code == 200 and error_of(text(response), "comment-body")


def test_decision_feedback(app, world, staff):  # noqa: F811
    decision = world["decision"]
    response = staff.post(f"/staff/decisions/{decision}", data={
        "outcome": "approved", "amount": "1000000", "feedback_ar": HOSTILE, "feedback_en": HOSTILE,
        "reason": HOSTILE})
    assert response.status_code == 302, errors(response)
    assert stored(app, Decision, decision, "feedback_ar") == HOSTILE
    assert stored(app, Decision, decision, "feedback_en") == HOSTILE
    shown_inert(staff, f"/staff/decisions/{decision}")

    response = staff.post(f"/staff/decisions/{decision}", data={
        "outcome": "approved", "amount": "1000000", "feedback_ar": TOO_LONG, "reason": "x"})
    assert response.status_code == 200 and error_of(text(response), "feedback_ar")


def test_progress_report_answers(app, world, staff):  # noqa: F811
    grantee = client_of(app, email_of(app, world["target"]))
    report = world["report"]
    response = grantee.post(f"/reports/{report}", data={"money_bought": HOSTILE, "challenges": HOSTILE,
                                                         "action": "save"})
    assert response.status_code == 302
    assert stored(app, ProgressReport, report, "money_bought") == HOSTILE
    assert stored(app, ProgressReport, report, "challenges") == HOSTILE
    page = text(grantee.get(f"/reports/{report}"))
    assert "<script>alert(" not in page and str(escape(HOSTILE)) in page

    response = grantee.post(f"/reports/{report}", data={"money_bought": TOO_LONG, "action": "save"})
    assert response.status_code < 500
    assert stored(app, ProgressReport, report, "money_bought") == HOSTILE


def test_site_visit_findings(app, world, staff):  # noqa: F811
    from grants.disbursements.services import program_today

    with app.app_context():
        today = program_today().isoformat()
    response = staff.post(f"/staff/grants/{world['grant']}/visits/new",
                          data={"visited_on": today, "visitor_name": HOSTILE, "findings": HOSTILE})
    assert response.status_code == 302, errors(response)
    visit_id = int(response.location.rstrip("/").rsplit("/", 1)[-1])
    assert stored(app, SiteVisit, visit_id, "findings") == HOSTILE
    assert stored(app, SiteVisit, visit_id, "visitor_name") == HOSTILE
    shown_inert(staff, f"/staff/visits/{visit_id}")

    response = staff.post(f"/staff/grants/{world['grant']}/visits/new",
                          data={"visited_on": today, "findings": TOO_LONG * 3})
    assert response.status_code == 200 and error_of(text(response), "findings")


def test_course_titles(app, world, staff):  # noqa: F811
    response = staff.post("/training/manage/courses/new", data={
        "title_ar": HOSTILE, "title_en": HOSTILE, "description_ar": HOSTILE, "description_en": HOSTILE,
        "trainer": HOSTILE, "topic": "other", "capacity": "10", "audience": "registered", "completion_percent": "80"})
    assert response.status_code == 302, errors(response)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.title_en == HOSTILE))
        assert course is not None and course.title_ar == HOSTILE and course.trainer == HOSTILE
        course_id = course.id
    shown_inert(staff, "/training/manage/courses")
    shown_inert(staff, f"/training/courses/{course_id}")

    response = staff.post("/training/manage/courses/new", data={
        "title_ar": TOO_LONG, "title_en": "t", "topic": "other", "capacity": "10", "audience": "registered",
        "completion_percent": "80"})
    assert response.status_code == 200 and error_of(text(response), "title_ar")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_do_not_turn_text_into_formulas(app, world, staff, fmt):  # noqa: F811
    from io import BytesIO

    formula = '=HYPERLINK("http://evil.example","x")'
    with app.app_context():
        application = db.session.get(Application, world["application"])
        application.full_name_ar, application.full_name_latin = formula, "+1+2"
        db.session.commit()
    response = staff.get(f"/staff/calls/{world['call']}/applications/export.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        body = response.get_data(as_text=True)
        assert "'" + formula.replace('"', '""') in body and "'+1+2" in body
        assert "," + formula not in body and '"' + formula not in body
    else:
        from openpyxl import load_workbook

        cells = [cell for row in load_workbook(BytesIO(response.data)).active.iter_rows() for cell in row]
        texts = {cell.value for cell in cells}
        assert "'" + formula in texts and "'+1+2" in texts
        assert all(cell.data_type != "f" for cell in cells)
