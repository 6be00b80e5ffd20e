"""The deadline rush's database check (bench/rush_check.py) on a tiny data set: it passes what the app really
stores on submission and notices a missing or late submission, a missing or repeated receipt, and a late
applicant who got through. The load itself is timed in bench/rush.py, never here."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.rush_check import check_rush
from grants.applications.services import submit_application
from grants.extensions import db
from grants.models import Application, Call, OutboxMessage, User

from .fixtures.program import make_application, make_call


@pytest.fixture
def rush(app, make_user):
    """A call with two applications submitted through the real service (so their receipts are queued) and one
    draft, whose applicant is the one who pressed submit too late. Returns (call id, [applicant ids])."""
    call_id = make_call(app)
    applicants = [make_user().id for _ in range(3)]
    for applicant_id in applicants[:2]:
        application_id = make_application(app, applicant_id, call_id)
        with app.test_request_context():
            application = db.session.get(Application, application_id)
            submit_application(db.session.get(User, applicant_id), application)
            db.session.commit()
    make_application(app, applicants[2], call_id)
    return call_id, applicants


def check(app, call_id, **options):
    with app.app_context():
        return check_rush(db.session, call_id, **{"expected": 2, **options})


def submitted(call_id):
    return db.session.scalars(select(Application).where(Application.call_id == call_id,
                                                        Application.reference.is_not(None))
                              .order_by(Application.id)).all()


def test_what_the_app_stores_passes(app, rush):
    call_id, applicants = rush
    result = check(app, call_id, late_applicant_ids=[applicants[2]])
    assert result.problems == []
    assert (result.submitted, result.distinct_references, result.receipts) == (2, 2, 2)


def test_a_missing_submission_is_reported(app, rush):
    call_id, _ = rush
    assert check(app, call_id, expected=3).problems == ["2 submitted applications, expected 3"]


def test_a_late_submission_is_reported(app, rush):
    call_id, _ = rush
    with app.app_context():
        call = db.session.get(Call, call_id)
        submitted(call_id)[1].submitted_at = call.closes_at + timedelta(seconds=1)
        db.session.commit()
    problems = check(app, call_id).problems
    assert len(problems) == 1 and problems[0].startswith("1 submissions stored at or after the closing time")


def test_a_late_applicant_who_got_through_is_reported(app, rush):
    call_id, applicants = rush
    assert check(app, call_id, late_applicant_ids=[applicants[0]]).problems == [
        "1 applicants who pressed submit after the deadline were accepted"]


def test_a_repeated_receipt_is_reported(app, rush):
    call_id, _ = rush
    with app.app_context():
        first = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "application_received")
                                   .order_by(OutboxMessage.id)).first()
        db.session.add(OutboxMessage(template=first.template, recipient_email=first.recipient_email,
                                     locale=first.locale, subject=first.subject, body_text=first.body_text,
                                     subject_type=first.subject_type, subject_id=first.subject_id))
        db.session.commit()
    result = check(app, call_id)
    assert result.receipts == 3
    assert result.problems == ["1 applications with more than one receipt email"]


def test_a_missing_receipt_is_reported(app, rush):
    call_id, _ = rush
    with app.app_context():
        db.session.delete(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.template == "application_received")).first())
        db.session.commit()
    result = check(app, call_id)
    assert result.receipts == 1
    assert result.problems == ["1 submitted applications without a receipt email"]
