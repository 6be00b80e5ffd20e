"""The permission matrix: every endpoint × every role gets the expected answer.

Rows for the foundation are here; each feature adds its own in tests/<feature>/permission_rows.py
(a dict ROWS in the same shape). A new endpoint without a row fails test_every_endpoint_has_a_row.
The objects the URLs refer to are made by `world` and belong to somebody else than the tested user.
"""
import importlib
from pathlib import Path

import pytest
from flask import url_for

from grants.extensions import db
from grants.mail.outbox import queue_email
from grants.models import User

from .fixtures.permissions import LOGIN, ROLES, STAFF, anonymous_only, everyone, only, signed_in
from .fixtures.program import flag_duplicates, make_application, make_call
from .fixtures.reviews import make_review

# endpoint: (method, url values (names refer to objects made in `world`), expected status per role)
MATRIX = {
    "static": ("GET", {"filename": "css/app.css"}, everyone(200)),
    "main.index": ("GET", {}, everyone(200)),
    "main.healthz": ("GET", {}, everyone(200)),
    "accounts.register": ("GET", {}, anonymous_only()),
    "accounts.registered": ("GET", {}, everyone(200)),
    "accounts.verify_email": ("GET", {"token": "forged"}, everyone(302)),
    "accounts.resend_verification": ("POST", {}, signed_in(302)),
    "accounts.login": ("GET", {}, anonymous_only()),
    "accounts.logout": ("POST", {}, everyone(302)),
    "accounts.forgot_password": ("GET", {}, everyone(200)),
    "accounts.reset_password": ("GET", {"token": "forged"}, everyone(302)),
    "accounts.accept_invite": ("GET", {"token": "forged"}, everyone(302)),
    "accounts.profile": ("GET", {}, signed_in()),
    "accounts.change_password": ("GET", {}, signed_in()),
    "accounts.set_language": ("POST", {}, everyone(302)),
    "admin.users": ("GET", {}, only("admin")),
    "admin.invite": ("GET", {}, only("admin")),
    "admin.user": ("GET", {"user_id": "target"}, only("admin")),
    "admin.deactivate": ("POST", {"user_id": "target"}, only("admin", ok=302)),
    "admin.reactivate": ("POST", {"user_id": "target"}, only("admin", ok=302)),
    "admin.resend_invitation": ("POST", {"user_id": "target"}, only("admin", ok=302)),
    "admin.audit": ("GET", {}, only("admin")),
    "mail.index": ("GET", {}, only(*STAFF)),
    "mail.show": ("GET", {"message_id": "message"}, only(*STAFF)),
    "mail.retry": ("POST", {"message_id": "message"}, only(*STAFF, ok=302)),
}



def _feature_rows():
    rows = {}
    for path in sorted(Path(__file__).parent.glob("*/permission_rows.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.permission_rows")
        assert not rows.keys() & module.ROWS.keys(), f"{path} repeats rows"
        rows.update(module.ROWS)
    return rows


MATRIX.update(_feature_rows())


def test_every_endpoint_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add these endpoints to the permission matrix"
    assert MATRIX.keys() - endpoints == set(), "these rows name endpoints that no longer exist"


def test_every_view_declares_who_may_use_it(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert getattr(view, "is_public", False) or hasattr(view, "required_predicate"), endpoint


@pytest.fixture
def world(app, make_user):
    """The objects the URLs refer to, all owned by people other than the tested user."""
    target = make_user("applicant", email="target@example.org")
    other = make_user("applicant", email="other@example.org")
    call = make_call(app)
    application = make_application(app, target.id, call, submit=True)
    draft = make_application(app, other.id, call)
    with app.app_context():
        from grants.models import Application, Call

        message = queue_email("password_changed", to=db.session.get(User, target.id))
        db.session.commit()
        submitted = db.session.get(Application, application)
        the_call = db.session.get(Call, call)
        world = {
            "target": target.id, "message": message.id, "call": call, "call_code": the_call.code,
            "application": application, "draft": draft, "document": submitted.documents[0].id,
            "criterion": the_call.criteria[0].id, "required_document": the_call.required_documents[0].id,
            "place": submitted.place_id,
        }
    world["flag"] = flag_duplicates(app, application, draft)
    world["reviewer"] = make_user("reviewer").id  # a reviewer other than the tested user
    world["review"] = make_review(app, application, world["reviewer"], submit=False)
    with app.app_context():  # a decision (approved, not released) on the world's application
        from grants.models import Decision, Outcome

        decision = Decision(call_id=call, application_id=application, outcome=Outcome.APPROVED,
                            awarded_amount=1_000_000, proposed_outcome=Outcome.APPROVED, proposed_amount=1_000_000,
                            rank=1)
        db.session.add(decision)
        db.session.commit()
        world["decision"] = decision.id
    world.update(_training_world(app, world))
    world.update(_disbursement_world(app, world))
    world.update(_monitoring_world(app, world))
    return world


def _disbursement_world(app, world):
    """A grant on the world's decision: tranche 1 approved with an issued letter, tranche 2 pending."""
    from grants.disbursements.services import letter_token
    from grants.models import Grant, Letter, Tranche, TrancheStatus, utcnow
    from grants.storage import storage

    with app.app_context():
        now = utcnow()
        requester, approver = make_user_in_context("staff"), make_user_in_context("admin")
        grant = Grant(decision_id=world["decision"], application_id=world["application"], call_id=world["call"],
                      amount=1_000_000)
        grant.tranches = [
            Tranche(number=1, percentage="50", amount=500_000, status=TrancheStatus.LETTER_ISSUED,
                    requested_by_id=requester, requested_at=now, approved_by_id=approver, approved_at=now),
            Tranche(number=2, percentage="50", amount=500_000)]
        db.session.add(grant)
        db.session.flush()
        letter = Letter(tranche_id=grant.tranches[0].id, year=now.year, sequence=1, number=f"DL-{now.year}-000001",
                        issued_by_id=requester, storage_key=storage().save(b"%PDF-1.4 letter"), sha256="0" * 64)
        db.session.add(letter)
        db.session.commit()
        return {"grant": grant.id, "tranche": grant.tranches[1].id, "issued_tranche": grant.tranches[0].id,
                "letter": letter.id, "letter_token": letter_token(letter)}


def _monitoring_world(app, world):
    """The world's grant has its first progress report due ("report") with a receipt ("report_file"), and a site
    visit ("visit") with a photo ("visit_file")."""
    from grants.models import MonitoringFile, ProgressReport, SiteVisit, utcnow
    from grants.storage import storage

    def stored(**owner):
        return MonitoringFile(original_name="receipt.pdf", storage_key=storage().save(b"%PDF-1.4 receipt"),
                              content_type="application/pdf", size_bytes=16, sha256="0" * 64, **owner)

    with app.app_context():
        today = utcnow().date()
        report = ProgressReport(grant_id=world["grant"], number=1, months_after_payment=3, due_on=today)
        visit = SiteVisit(grant_id=world["grant"], visited_on=today, visitor_name="موظف", findings="الورشة تعمل.")
        db.session.add_all([report, visit])
        db.session.flush()
        report_file, visit_file = stored(report_id=report.id), stored(visit_id=visit.id)
        db.session.add_all([report_file, visit_file])
        db.session.commit()
        return {"report": report.id, "report_file": report_file.id, "visit": visit.id, "visit_file": visit_file.id}


def make_user_in_context(role):
    from grants.accounts.services import create_user

    count = db.session.query(User).count()
    return create_user(email=f"world-{role}-{count}@example.org", full_name=f"موظف {count}", password="x" * 12,
                       roles=(role,), locale="ar", phone=None).id


def _training_world(app, world):
    """A course for the world's call with one session under way and one to come; the target is enrolled and
    holds a certificate (rows written directly: the world is about who may open what, not how it got there)."""
    from datetime import timedelta

    from grants.models import Certificate, Course, CourseCall, CourseSession, Enrolment, EnrolmentStatus, utcnow

    with app.app_context():
        now = utcnow().replace(microsecond=0)
        course = Course(title_ar="إدارة الحسابات", title_en="Bookkeeping", capacity=5, seats_taken=1,
                        enrolment_open=True)
        course.sessions = [CourseSession(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)),
                           CourseSession(starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=3))]
        course.call_links = [CourseCall(call_id=world["call"])]
        db.session.add(course)
        db.session.flush()
        enrolment = Enrolment(course_id=course.id, user_id=world["target"], status=EnrolmentStatus.ENROLLED,
                              enrolled_at=now)
        db.session.add(enrolment)
        db.session.flush()
        certificate = Certificate(number="CT-2026-ABCD-EFGH", enrolment_id=enrolment.id, holder_name="أحمد الخلف",
                                  course_title_ar=course.title_ar, course_title_en=course.title_en,
                                  first_session_on=now, last_session_on=now, hours=3)
        db.session.add(certificate)
        db.session.commit()
        return {"course": course.id, "session": course.sessions[0].id, "enrolment": enrolment.id,
                "certificate": certificate.id, "certificate_number": certificate.number}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_permission_matrix(app, client, auth, make_user, world, endpoint, role):
    method, values, expected = MATRIX[endpoint]
    if role != "anonymous":
        auth.login(make_user(role))
    with app.test_request_context():
        url = url_for(endpoint, **{k: world.get(v, v) for k, v in values.items()})
    response = client.open(url, method=method)
    if expected[role] == LOGIN:
        assert response.status_code == 302 and "/login" in response.location, (url, response.status_code)
    else:
        assert response.status_code == expected[role], (url, role, response.status_code)
