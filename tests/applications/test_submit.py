"""Submission: completeness, the closing time to the second, one reference per application allocated atomically,
eligibility recorded, the receipt in the applicant's language, the screening hook."""
import re
import sys
import types
from datetime import timedelta
from functools import partial

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.applications.services import IncompleteApplication, missing_items, submit_application
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import Application, ApplicationStatus, Call, OutboxMessage, User, utcnow

from ..fixtures.i18n import translated
from ..fixtures.program import make_application, make_call
from ..fixtures.races import at_once_when_ready
from ..fixtures.routes import text
from .helpers import audit_actions, flashes, load, outbox

REFERENCE = re.compile(r"^DZ26A-\d{5}$")


def submit(app, application_id, now=None):
    """Submit in a fresh session, as a request would; returns the reference."""
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        submit_application(db.session.get(User, application.applicant_id), application, now=now)
        db.session.commit()
        return application.reference


def seq(app, call_id):
    with app.app_context():
        return db.session.get(Call, call_id).application_seq


def test_submitting_gives_a_reference_records_eligibility_and_queues_the_receipt(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id)
    response = client.post(f"/applications/{application_id}/submit", follow_redirects=True)
    application = load(app, application_id)
    assert application.status == ApplicationStatus.SUBMITTED and REFERENCE.match(application.reference)
    assert application.reference == "DZ26A-00001" and application.submitted_at is not None
    assert application.eligible is True and application.eligibility_reasons == []
    assert f"submitted with the reference {application.reference}" in flashes(response)
    assert audit_actions(app, application_id)[-1] == "application.submit"
    [receipt] = outbox(app, "application_received")
    assert receipt.recipient_id == applicant.id and receipt.locale == "en"
    assert application.reference in receipt.subject and application.reference in receipt.body_text
    assert "Small business grants for youth" in receipt.body_text
    assert f"http://localhost/applications/{application_id}" in receipt.body_text
    # submitted means locked
    assert client.get(f"/applications/{application_id}/step/2").status_code == 302


def test_the_receipt_is_in_the_applicants_language(app, make_user, call_id):
    account = make_user("applicant", locale="ar")
    reference = submit(app, make_application(app, account.id, call_id))
    [receipt] = outbox(app, "application_received")
    assert receipt.locale == "ar"
    assert receipt.subject == translated(app, "Your application %(reference)s is received", "ar",
                                         reference=reference)
    assert "منح المشاريع الصغيرة للشباب" in receipt.body_text and "Small business" not in receipt.body_text
    assert 'dir="rtl"' in receipt.body_html and reference in receipt.body_html


def test_references_are_consecutive_and_unique_per_call(app, make_user, call_id):
    other_call = make_call(app, code="DZ26B")
    references = [submit(app, make_application(app, make_user().id, call_id)) for _ in range(3)]
    assert references == ["DZ26A-00001", "DZ26A-00002", "DZ26A-00003"]
    assert submit(app, make_application(app, make_user().id, other_call)) == "DZ26B-00001"


def test_a_double_submit_gives_one_reference(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id)
    client.post(f"/applications/{application_id}/submit")
    response = client.post(f"/applications/{application_id}/submit", follow_redirects=True)
    assert "already submitted, with the reference DZ26A-00001" in flashes(response)
    assert seq(app, call_id) == 1 and len(outbox(app, "application_received")) == 1
    with pytest.raises(ActionRefused):
        submit(app, application_id)
    assert seq(app, call_id) == 1


def test_an_incomplete_application_is_refused_with_what_is_missing(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id, documents=False, national_id=None,
                                      stage=None)
    response = client.post(f"/applications/{application_id}/submit")
    assert response.location.endswith(f"/applications/{application_id}/step/5")
    page = client.get(response.location)
    body = text(page)
    assert "Your application is not complete yet" in body
    assert "Enter your national ID number." in body and "Choose the stage of the business." in body
    assert "Upload this document: Copy of the identity card." in body
    assert f'href="/applications/{application_id}/step/1#national_id"' in page.get_data(as_text=True)
    assert "Submit my application" not in body
    application = load(app, application_id)
    assert application.status == ApplicationStatus.DRAFT and application.reference is None
    assert seq(app, call_id) == 0 and outbox(app, "application_received") == []


def test_completeness_covers_every_step(rctx, make_user, call_id):
    application_id = make_application(rctx, make_user().id, call_id, documents=False)
    application = db.session.get(Application, application_id)
    application.budget_lines.clear()
    application.full_name_ar = "  "
    application.requested_amount = 0
    application.women_led = None
    fields = [(m.step, m.field) for m in missing_items(application)]
    assert (1, "full_name_ar") in fields and (2, "women_led-0") in fields
    assert (3, "lines") in fields and (3, "requested_amount") in fields
    assert [f for s, f in fields if s == 4] == [f"file_{r.id}" for r in application.call.required_documents]
    with pytest.raises(IncompleteApplication) as refused:
        submit_application(application.applicant, application)
    assert refused.value.missing


def test_optional_documents_are_not_required(rctx, make_user):
    call_id = make_call(rctx, documents=[("صورة", "Photo", False)])
    call = db.session.get(Call, call_id)
    call.required_documents[0].mandatory = False
    db.session.commit()
    application = db.session.get(Application, make_application(rctx, make_user().id, call_id, documents=False))
    assert missing_items(application) == []


def test_the_deadline_is_checked_to_the_second(app, make_user, call_id):
    with app.app_context():
        closes_at = db.session.get(Call, call_id).closes_at
    late = make_application(app, make_user().id, call_id)
    with force_locale("en"), pytest.raises(ActionRefused, match="The call closed on"):
        submit(app, late, now=closes_at)
    with pytest.raises(ActionRefused):
        submit(app, late, now=closes_at + timedelta(seconds=1))
    assert load(app, late).status == ApplicationStatus.DRAFT and seq(app, call_id) == 0
    assert submit(app, late, now=closes_at - timedelta(seconds=1)) == "DZ26A-00001"


def test_the_deadline_through_the_form(app, client, applicant):
    open_call = make_call(app, code="OPEN2")
    shut_call = make_call(app, code="SHUT2")
    in_time = make_application(app, applicant.id, open_call)
    too_late = make_application(app, applicant.id, shut_call)
    with app.app_context():
        # Seconds either side of now (a few to spare for a loaded test machine; no sleeping).
        db.session.get(Call, open_call).closes_at = utcnow() + timedelta(seconds=5)
        db.session.get(Call, shut_call).closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    client.post(f"/applications/{in_time}/submit")
    assert load(app, in_time).reference == "OPEN2-00001"
    response = client.post(f"/applications/{too_late}/submit", follow_redirects=True)
    assert "The call closed on" in flashes(response)
    assert load(app, too_late).status == ApplicationStatus.DRAFT


def test_an_ineligible_application_is_still_submitted_with_its_reasons(app, client, applicant):
    call_id = make_call(app, max_age=30)
    application_id = make_application(app, applicant.id, call_id, age=33)
    client.post(f"/applications/{application_id}/submit")
    application = load(app, application_id)
    assert application.status == ApplicationStatus.SUBMITTED and application.reference
    assert application.eligible is False
    [reason] = application.eligibility_reasons
    assert reason["code"] == "age_above" and "33 years old" in reason["en"] and reason["ar"]
    page = text(client.get("/my/applications"))
    assert "33 years old" in page  # in the applicant's language (English here)


def test_submit_calls_the_screening_duplicate_hook_when_it_exists(app, make_user, call_id, monkeypatch):
    seen = []
    module = types.ModuleType("grants.screening.duplicates")
    module.flag_duplicates_for = lambda application: seen.append((application.id, application.reference))
    monkeypatch.setitem(sys.modules, "grants.screening.duplicates", module)
    application_id = make_application(app, make_user().id, call_id)
    reference = submit(app, application_id)
    assert seen == [(application_id, reference)]


def test_someone_else_cannot_submit_my_draft(app, client, auth, make_user, call_id):
    owner = make_user()
    application_id = make_application(app, owner.id, call_id)
    auth.login(make_user())
    assert client.post(f"/applications/{application_id}/submit").status_code == 404
    assert load(app, application_id).status == ApplicationStatus.DRAFT
    with app.test_request_context():
        intruder = db.session.scalar(select(User).where(User.id != owner.id, User.email.like("applicant%")))
        with pytest.raises(ActionRefused):
            submit_application(intruder, db.session.get(Application, application_id))


def _race(app, targets):
    """Submit each target application from its own thread, all at the same moment; returns the references each
    application got, one per thread (None when refused)."""
    def run(application_id, go):
        with app.test_request_context():
            application = db.session.get(Application, application_id)
            actor = db.session.get(User, application.applicant_id)
            go()
            try:
                submit_application(actor, application)
                db.session.commit()
                return application.reference
            except ActionRefused:
                db.session.rollback()
                return None
            finally:
                db.session.remove()

    results = {}
    for application_id, reference in zip(targets, at_once_when_ready(*(partial(run, t) for t in targets))):
        results.setdefault(application_id, []).append(reference)
    return results


@pytest.mark.postgres_only
def test_concurrent_submissions_get_distinct_consecutive_references(app, make_user, call_id):
    applications = [make_application(app, make_user().id, call_id) for _ in range(4)]
    results = _race(app, applications)
    references = sorted(reference for refs in results.values() for reference in refs)
    assert references == [f"DZ26A-{n:05d}" for n in range(1, 5)]
    assert seq(app, call_id) == 4


@pytest.mark.postgres_only
def test_the_same_application_submitted_twice_at_once_gets_one_reference(app, make_user, call_id):
    application_id = make_application(app, make_user().id, call_id)
    results = _race(app, [application_id, application_id])
    assert sorted(results[application_id], key=str) == ["DZ26A-00001", None]
    assert seq(app, call_id) == 1
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.template == "application_received")) == 1
