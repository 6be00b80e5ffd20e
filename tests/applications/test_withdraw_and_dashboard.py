"""Withdrawing until the closing time, and the applicant's dashboard with its status timeline."""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale

from grants.applications.queries import TIMELINE_STEPS, timeline
from grants.applications.services import withdraw_application
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import Application, ApplicationStatus, Call, CallStatus, User, utcnow

from ..fixtures.program import make_application, make_call
from ..fixtures.routes import counting_statements, text
from .helpers import applications_of, audit_actions, flashes, load, outbox


def close_now(app, call_id, seconds_ago=1):
    with app.app_context():
        db.session.get(Call, call_id).closes_at = utcnow() - timedelta(seconds=seconds_ago)
        db.session.commit()


def test_withdraw_asks_for_confirmation_then_withdraws(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id, submit=True)
    page = client.get(f"/applications/{application_id}/withdraw")
    assert page.status_code == 200 and "Yes, withdraw my application" in text(page)
    assert load(app, application_id).status == ApplicationStatus.SUBMITTED  # asking changes nothing
    response = client.post(f"/applications/{application_id}/withdraw", data={"reason": "I found a job."},
                           follow_redirects=True)
    assert "is withdrawn" in flashes(response)
    application = load(app, application_id)
    assert application.status == ApplicationStatus.WITHDRAWN and application.withdrawn_at is not None
    assert application.reference == "DZ26A-00001"
    assert audit_actions(app, application_id)[-1] == "application.withdraw"
    assert len(outbox(app, "application_withdrawn")) == 1
    # withdrawn: no editing, no resubmitting, no second application to the same call
    assert client.get(f"/applications/{application_id}/step/1").status_code == 302
    response = client.post(f"/applications/{application_id}/submit", follow_redirects=True)
    assert "withdrawn and cannot be submitted again" in flashes(response)
    response = client.post("/calls/DZ26A/apply")
    assert response.location.endswith(f"/applications/{application_id}")
    assert applications_of(app, applicant.id) == [application_id]
    response = client.post(f"/applications/{application_id}/withdraw", follow_redirects=True)
    assert "cannot be withdrawn" in flashes(response)


def test_withdraw_is_refused_after_the_closing_time(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id, submit=True)
    close_now(app, call_id)
    response = client.post(f"/applications/{application_id}/withdraw", follow_redirects=True)
    assert "cannot be withdrawn" in flashes(response)
    assert load(app, application_id).status == ApplicationStatus.SUBMITTED
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        with force_locale("en"), pytest.raises(ActionRefused, match="can no longer be withdrawn"):
            withdraw_application(db.session.get(User, applicant.id), application)


def test_withdraw_to_the_second(rctx, make_user, call_id):
    account = make_user()
    application = db.session.get(Application, make_application(rctx, account.id, call_id, submit=True))
    actor = db.session.get(User, account.id)
    closes_at = application.call.closes_at
    with pytest.raises(ActionRefused):
        withdraw_application(actor, application, now=closes_at)
    withdraw_application(actor, application, now=closes_at - timedelta(seconds=1))
    assert application.status == ApplicationStatus.WITHDRAWN


def test_a_draft_is_not_withdrawn(rctx, make_user, call_id):
    account = make_user()
    application = db.session.get(Application, make_application(rctx, account.id, call_id))
    with force_locale("en"), pytest.raises(ActionRefused, match="Only a submitted application"):
        withdraw_application(db.session.get(User, account.id), application)


def test_the_dashboard_lists_my_applications_with_their_timeline(app, client, applicant, make_user):
    drafting = make_call(app, code="DRAFT1")
    submitted_call = make_call(app, code="SUBM1")
    reviewing = make_call(app, code="REV1", status=CallStatus.REVIEWING, opens_in=timedelta(days=-30),
                          closes_in=timedelta(days=-2))
    make_call(app, code="FREE1")
    draft = make_application(app, applicant.id, drafting)
    submitted = make_application(app, applicant.id, submitted_call, submit=True)
    reviewed = make_application(app, applicant.id, reviewing, submit=True)
    someone_else = make_application(app, make_user().id, submitted_call, submit=True)
    page = client.get("/my/applications")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "SUBM1-00001" in body and "REV1-00001" in body and "SUBM1-00002" not in body
    assert f"/applications/{someone_else}" not in body
    assert f'href="/applications/{draft}/step/1"' in body           # continue the draft
    assert f'href="/applications/{submitted}/withdraw"' in body      # withdraw while open
    assert f'href="/applications/{reviewed}/withdraw"' not in body   # not after closing
    cards = re.findall(r'<article class="card application-card">(.*?)</article>', body, re.S)
    assert len(cards) == 3
    current = {re.search(r'<span class="tag" dir="ltr">([^<]+)</span>', card).group(1):
               re.search(r'timeline-current"[^>]*>\s*<span class="timeline-label">([^<]+)<', card).group(1)
               for card in cards}
    assert current == {"DRAFT1": "Draft", "SUBM1-00001": "Under review", "REV1-00001": "Under review"}
    assert "Reviews start after the call closes" in text(page)
    # open calls not applied to yet
    open_part = body.split("Open calls you can apply to")[1]
    assert "/calls/FREE1/apply" in open_part and "/calls/SUBM1/apply" not in open_part


def test_a_withdrawn_application_ends_its_timeline(rctx, make_user, call_id):
    account = make_user()
    application = db.session.get(Application, make_application(rctx, account.id, call_id, submit=True))
    withdraw_application(db.session.get(User, account.id), application)
    steps = timeline(application)
    assert [(s.key, s.state) for s in steps] == [("draft", "done"), ("submitted", "done"), ("withdrawn", "done")]


def test_later_features_can_add_timeline_steps(rctx, make_user, call_id, monkeypatch):
    from grants.applications.queries import TimelineStep

    application = db.session.get(Application, make_application(rctx, make_user().id, call_id, submit=True))
    monkeypatch.setattr("grants.applications.queries.TIMELINE_STEPS",
                        TIMELINE_STEPS + [lambda a: TimelineStep("training", "Training", False)])
    assert [s.key for s in timeline(application)][-1] == "training"


def test_the_dashboard_query_count_does_not_grow_with_applications(app, client, applicant):
    def queries_for_dashboard():
        with counting_statements(app) as statements:
            assert client.get("/my/applications").status_code == 200
        return len(statements)

    make_application(app, applicant.id, make_call(app, code="ONE1"), submit=True)
    few = queries_for_dashboard()
    for code in ("TWO2", "THREE3", "FOUR4"):
        make_application(app, applicant.id, make_call(app, code=code), submit=True)
    assert queries_for_dashboard() == few


def test_only_applicants_have_a_dashboard(app, client, auth, make_user):
    auth.login(make_user("staff"))
    assert client.get("/my/applications").status_code == 403
