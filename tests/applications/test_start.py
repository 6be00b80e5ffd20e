"""Starting an application: one per applicant per call, prefilled from the account, only while the call accepts."""
from datetime import timedelta

from grants.extensions import db
from grants.models import Application, ApplicationStatus, CallStatus, User

from ..fixtures.program import make_application, make_call
from .helpers import applications_of, audit_actions, count, flashes, load


def test_apply_creates_a_prefilled_draft_and_a_second_click_goes_to_the_same_one(app, client, applicant, call_id):
    first = client.post("/calls/DZ26A/apply")
    assert first.status_code == 302
    [application_id] = applications_of(app, applicant.id)
    assert first.location.endswith(f"/applications/{application_id}/step/1")
    application = load(app, application_id)
    assert application.status == ApplicationStatus.DRAFT
    assert application.full_name_latin == "Sara Haddad" and application.full_name_ar is None
    with app.app_context():
        phone = db.session.get(User, applicant.id).phone
    assert application.phone == phone and application.phone_normalized == phone
    assert audit_actions(app, application_id) == ["application.start"]

    second = client.post("/calls/DZ26A/apply")
    assert second.location.endswith(f"/applications/{application_id}/step/1")
    assert applications_of(app, applicant.id) == [application_id]


def test_an_arabic_account_name_prefills_the_arabic_name_and_its_key(app, client, auth, make_user, call_id):
    auth.login(make_user("applicant", name="عبد الرحمن الخلف"))
    client.post("/calls/DZ26A/apply")
    with app.app_context():
        application = db.session.scalar(db.select(Application))
        assert application.full_name_ar == "عبد الرحمن الخلف"
        assert application.name_key == "عبدالرحمن الخلف"


def test_two_requests_racing_to_create_the_draft_end_on_the_one_that_won(app, client, applicant, call_id,
                                                                         monkeypatch):
    # The other tab's request created the draft between this request's check and its insert.
    winner = make_application(app, applicant.id, call_id, documents=False)
    from grants.applications import queries

    real = queries.application_of
    calls = []

    def not_yet_then_real(user, call):
        calls.append(1)
        return None if len(calls) == 1 else real(user, call)

    monkeypatch.setattr(queries, "application_of", not_yet_then_real)
    response = client.post("/calls/DZ26A/apply")
    assert response.status_code == 302
    assert response.location.endswith(f"/applications/{winner}/step/1")
    assert applications_of(app, applicant.id) == [winner]


def test_an_unconfirmed_email_must_be_confirmed_first(app, client, auth, make_user, call_id):
    account = make_user("applicant", locale="en", verified=False)
    auth.login(account)
    response = client.post("/calls/DZ26A/apply", follow_redirects=True)
    assert "Please confirm your email address first" in flashes(response)
    assert applications_of(app, account.id) == []


def test_a_call_that_does_not_accept_applications_refuses(app, client, applicant):
    make_call(app, code="OLD1", closes_in=timedelta(seconds=-1))
    make_call(app, code="SOON2", opens_in=timedelta(days=1))
    make_call(app, code="SHUT3", status=CallStatus.CLOSED)
    for code in ("OLD1", "SOON2", "SHUT3"):
        response = client.post(f"/calls/{code}/apply", follow_redirects=True)
        assert "This call does not accept applications now." in flashes(response), code
    assert applications_of(app, applicant.id) == []
    assert count(app, Application) == 0


def test_draft_and_unknown_calls_are_not_found(app, client, applicant):
    make_call(app, code="HIDDEN", status=CallStatus.DRAFT)
    assert client.post("/calls/HIDDEN/apply").status_code == 404
    assert client.post("/calls/NOPE/apply").status_code == 404
    assert client.post("/calls/" + "X" * 500 + "/apply").status_code == 404


def test_get_after_signing_in_leads_to_the_calls_page(app, client, applicant, call_id):
    response = client.get("/calls/DZ26A/apply")
    assert response.status_code == 302 and response.location.endswith("/calls/DZ26A")


def test_anonymous_visitors_are_asked_to_sign_in(app, client, call_id):
    response = client.post("/calls/DZ26A/apply")
    assert response.status_code == 302 and "/login" in response.location


def test_after_submitting_apply_shows_the_application_instead_of_a_new_draft(app, client, applicant, call_id):
    submitted = make_application(app, applicant.id, call_id, submit=True)
    response = client.post("/calls/DZ26A/apply", follow_redirects=False)
    assert response.location.endswith(f"/applications/{submitted}")
    assert applications_of(app, applicant.id) == [submitted]
