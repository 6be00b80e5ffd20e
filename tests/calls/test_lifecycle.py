"""The call lifecycle: draft → open → closed → reviewing → decided → archived, each step audited."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from grants.calls import services
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import AuditEntry, Call, CallStatus, Criterion, utcnow

from ..fixtures.program import make_call
from .helpers import audit_actions, call_form, flashes

STEPS = [
    ("open", CallStatus.DRAFT, CallStatus.OPEN, "call.open"),
    ("close", CallStatus.OPEN, CallStatus.CLOSED, "call.close"),
    ("start-review", CallStatus.CLOSED, CallStatus.REVIEWING, "call.start_review"),
    ("decide", CallStatus.REVIEWING, CallStatus.DECIDED, "call.decide"),
    ("archive", CallStatus.DECIDED, CallStatus.ARCHIVED, "call.archive"),
]


def status_of(app, call_id) -> CallStatus:
    with app.app_context():
        return db.session.get(Call, call_id).status


@pytest.mark.parametrize("path, source, target, action", STEPS)
def test_each_step_moves_the_call_and_is_audited(app, client, staff, path, source, target, action):
    call_id = make_call(app, status=source)
    response = client.post(f"/staff/calls/{call_id}/{path}", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == f"/staff/calls/{call_id}"
    assert status_of(app, call_id) == target
    assert audit_actions(app, call_id) == [action]
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action=action).one()
        assert entry.actor_id == staff.id
        assert entry.details["from"] == source.value and entry.details["to"] == target.value


@pytest.mark.parametrize("path, source, target, action", STEPS)
def test_each_step_is_refused_from_any_other_status(app, client, staff, path, source, target, action):
    others = [status for status in CallStatus if status != source]
    for n, status in enumerate(others):
        call_id = make_call(app, code=f"REF{n}", status=status)
        response = client.post(f"/staff/calls/{call_id}/{path}", follow_redirects=True)
        assert response.status_code == 200
        assert "error" in response.get_data(as_text=True) and "Only " in flashes(response)
        assert status_of(app, call_id) == status
        assert audit_actions(app, call_id) == []


def test_closed_call_cannot_be_opened_again(app, client, staff):
    call_id = make_call(app, status=CallStatus.CLOSED)
    response = client.post(f"/staff/calls/{call_id}/open", follow_redirects=True)
    assert "Only a draft call can be opened." in flashes(response)
    assert status_of(app, call_id) == CallStatus.CLOSED


def test_a_call_without_criteria_cannot_open(app, client, staff):
    client.post("/staff/calls/new", data=call_form(opens_at="2026-01-01T09:00", closes_at="2099-01-01T09:00"))
    with app.app_context():
        call_id = db.session.query(Call.id).filter_by(code="DZ27A").scalar()
    response = client.post(f"/staff/calls/{call_id}/open", follow_redirects=True)
    assert "Add at least one criterion to the rubric before opening the call." in flashes(response)
    assert status_of(app, call_id) == CallStatus.DRAFT
    client.post(f"/staff/calls/{call_id}/criteria", data={
        "name_ar": "الجدوى", "name_en": "Feasibility", "min_score": "1", "max_score": "5", "weight": "1"})
    response = client.post(f"/staff/calls/{call_id}/open", follow_redirects=True)
    assert status_of(app, call_id) == CallStatus.OPEN, flashes(response)
    assert audit_actions(app, call_id)[-1] == "call.open"


def test_a_call_whose_closing_time_has_passed_cannot_open(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT, opens_in=timedelta(days=-20), closes_in=timedelta(seconds=-1))
    response = client.post(f"/staff/calls/{call_id}/open", follow_redirects=True)
    assert "The closing time has passed" in flashes(response)
    assert status_of(app, call_id) == CallStatus.DRAFT


def test_open_call_checks_the_closing_time_to_the_second(rctx):
    call_id = make_call(rctx, status=CallStatus.DRAFT)
    call = db.session.get(Call, call_id)
    with pytest.raises(ActionRefused):
        services.open_call(None, call, now=call.closes_at)
    services.open_call(None, call, now=call.closes_at - timedelta(seconds=1))
    assert call.status == CallStatus.OPEN


def test_a_call_past_its_closing_time_stops_accepting_before_staff_close_it(rctx):
    call = db.session.get(Call, make_call(rctx, closes_in=timedelta(seconds=-1)))
    assert call.status == CallStatus.OPEN and not call.is_accepting()
    services.close_call(None, call)
    assert call.status == CallStatus.CLOSED


def test_closing_early_is_recorded(app, client, staff):
    call_id = make_call(app)
    client.post(f"/staff/calls/{call_id}/close")
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="call.close").one()
        assert entry.details.get("early") is True


def test_the_call_page_offers_the_next_step_only(app, client, staff):
    for status, label in [(CallStatus.DRAFT, "Open the call"), (CallStatus.OPEN, "Close the call"),
                          (CallStatus.CLOSED, "Start the review"), (CallStatus.REVIEWING, "Mark as decided"),
                          (CallStatus.DECIDED, "Archive the call")]:
        call_id = make_call(app, code=f"S{status.value[:6].upper()}", status=status)
        page = client.get(f"/staff/calls/{call_id}").get_data(as_text=True)
        assert label in page
        assert page.count('class="lifecycle"') == 1
    archived = make_call(app, code="ARCH", status=CallStatus.ARCHIVED)
    assert 'class="lifecycle"' not in client.get(f"/staff/calls/{archived}").get_data(as_text=True)


def test_the_call_page_links_to_the_applications_only_when_screening_exists(app, client, staff):
    call_id = make_call(app)
    page = client.get(f"/staff/calls/{call_id}").get_data(as_text=True)
    link = f'href="/staff/calls/{call_id}/applications"'
    assert (link in page) == ("screening.applications" in app.view_functions)


def test_unknown_calls_answer_404(client, staff):
    assert client.post("/staff/calls/99999/open").status_code == 404
    assert client.get("/staff/calls/99999").status_code == 404


def test_rubric_locked_follows_the_status(rctx):
    call = db.session.get(Call, make_call(rctx, status=CallStatus.DRAFT))
    expected = {CallStatus.DRAFT: False, CallStatus.OPEN: False, CallStatus.CLOSED: False,
                CallStatus.REVIEWING: True, CallStatus.DECIDED: True, CallStatus.ARCHIVED: True}
    for status, locked in expected.items():
        call.status = status
        assert services.rubric_locked(call) is locked, status


def test_a_locked_rubric_refuses_every_change(rctx):
    call = db.session.get(Call, make_call(rctx, status=CallStatus.REVIEWING))
    criterion = call.criteria[0]
    values = dict(name_ar="س", name_en="X", guidance_ar="", guidance_en="", min_score=1, max_score=5,
                  weight=criterion.weight, threshold=None, allows_not_applicable=False)
    for attempt in (lambda: services.add_criterion(None, call, **values),
                    lambda: services.update_criterion(None, criterion, **values),
                    lambda: services.delete_criterion(None, criterion),
                    lambda: services.move_criterion(None, criterion, "down")):
        with force_locale("en"), pytest.raises(ActionRefused, match="rubric cannot change"):
            attempt()
    assert db.session.query(Criterion).filter_by(call_id=call.id).count() == 3


def test_opening_writes_no_audit_row_when_refused(rctx):
    call = db.session.get(Call, make_call(rctx, status=CallStatus.DRAFT, closes_in=timedelta(seconds=-5),
                                          opens_in=timedelta(days=-1)))
    with pytest.raises(ActionRefused):
        services.open_call(None, call, now=utcnow())
    assert db.session.query(AuditEntry).filter_by(action="call.open").count() == 0
