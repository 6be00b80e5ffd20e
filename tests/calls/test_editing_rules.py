"""What staff may still change once a call is open or closed (see services.editable_fields)."""
from datetime import timedelta

import pytest

from grants.calls import services
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import AuditEntry, Call, CallStatus, Currency

from ..fixtures.program import make_call, sector, subdistrict
from .helpers import audit_actions, error_beside, input_value


def values_of(call: Call, **changes) -> dict:
    values = {name: services._current(call, name) for name in services.CALL_FIELDS}
    values.update(changes)
    return values


def edit(call, **changes):
    services.update_call(None, call, **values_of(call, **changes))


@pytest.fixture
def open_call(rctx):
    return db.session.get(Call, make_call(rctx))


def refused_on(field, attempt):
    with pytest.raises(ActionRefused) as refusal:
        attempt()
    assert refusal.value.field == field, refusal.value.message
    return refusal.value


def test_an_open_call_can_extend_its_closing_time_and_change_its_texts(open_call):
    later = open_call.closes_at + timedelta(days=7)
    edit(open_call, closes_at=later, title_en="Extended", description_ar="وصف جديد")
    assert open_call.closes_at == later and open_call.title_en == "Extended"
    entry = db.session.query(AuditEntry).filter_by(action="call.update").one()
    assert entry.details["fields"] == ["closes_at", "description_ar", "title_en"]


def test_an_open_call_cannot_close_earlier(open_call):
    message = refused_on("closes_at", lambda: edit(open_call, closes_at=open_call.closes_at - timedelta(hours=1)))
    assert "only move later" in str(message.message)


@pytest.mark.parametrize("field, change", [
    ("code", {"code": "OTHER1"}),
    ("currency", {"currency": Currency.USD}),
    ("opens_at", {"opens_at_shift": timedelta(days=-1)}),
])
def test_an_open_call_keeps_its_code_currency_and_opening_time(open_call, field, change):
    if "opens_at_shift" in change:
        change = {"opens_at": open_call.opens_at + change["opens_at_shift"]}
    refused_on(field, lambda: edit(open_call, **change))


@pytest.mark.parametrize("field, change", [
    ("min_age", {"min_age": 19}),
    ("max_age", {"max_age": 30}),
    ("min_award", {"min_award": 600_000}),
    ("max_award", {"max_award": 4_000_000}),
    ("max_documents", {"max_documents": 5}),
    ("stages", {"accepts_idea": False}),
])
def test_an_open_call_cannot_tighten_its_rules(open_call, field, change):
    refused_on(field, lambda: edit(open_call, **change))


def test_an_open_call_may_widen_its_rules(open_call):
    edit(open_call, min_age=16, max_age=40, min_award=100_000, max_award=6_000_000, max_documents=12,
         budget=60_000_000, blind_review=True, reviewers_per_application=2)
    assert (open_call.min_age, open_call.max_age, open_call.max_award) == (16, 40, 6_000_000)
    assert open_call.blind_review and open_call.reviewers_per_application == 2


def test_places_of_an_open_call_may_widen_but_not_narrow(rctx):
    hajin, susah = subdistrict("Hajin"), subdistrict("Al-Susah")
    abu_kamal = hajin.parent
    call = db.session.get(Call, make_call(rctx))
    # Anywhere is the widest: nothing may be added to it.
    refused_on("places", lambda: edit(call, place_ids=[hajin.id]))
    call = db.session.get(Call, make_call(rctx, code="PL2", status=CallStatus.DRAFT))
    edit(call, place_ids=[hajin.id])
    call.status = CallStatus.OPEN
    edit(call, place_ids=[hajin.id, susah.id])                   # one more subdistrict
    edit(call, place_ids=[abu_kamal.id])                        # the district containing both
    refused_on("places", lambda: edit(call, place_ids=[susah.id]))  # narrower again
    edit(call, place_ids=[])                                     # anywhere
    assert call.places == []


def test_sectors_of_an_open_call_may_widen_but_not_narrow(rctx):
    retail, crafts = sector("retail"), sector("crafts")
    call = db.session.get(Call, make_call(rctx, status=CallStatus.DRAFT))
    edit(call, sector_ids=[retail.id])
    call.status = CallStatus.OPEN
    edit(call, sector_ids=[retail.id, crafts.id])
    refused_on("sectors", lambda: edit(call, sector_ids=[crafts.id]))
    edit(call, sector_ids=[])
    refused_on("sectors", lambda: edit(call, sector_ids=[retail.id]))


@pytest.mark.parametrize("status", [CallStatus.CLOSED, CallStatus.REVIEWING, CallStatus.DECIDED,
                                    CallStatus.ARCHIVED])
def test_after_closing_only_texts_change(rctx, status):
    call = db.session.get(Call, make_call(rctx, status=status))
    edit(call, title_ar="عنوان مصحح", description_en="Corrected")
    assert call.title_ar == "عنوان مصحح"
    refused_on("closes_at", lambda: edit(call, closes_at=call.closes_at + timedelta(days=1)))
    refused_on("max_age", lambda: edit(call, max_age=40))
    refused_on("blind_review", lambda: edit(call, blind_review=True))


def test_nothing_changed_writes_no_audit_row(open_call):
    edit(open_call)
    assert db.session.query(AuditEntry).count() == 0


def test_the_edit_page_of_an_open_call_shows_fixed_fields_read_only(app, client, staff):
    call_id = make_call(app)
    response = client.get(f"/staff/calls/{call_id}/edit")
    assert input_value(response, "code") is None and input_value(response, "title_en") is not None
    assert "This can no longer be changed." in response.get_data(as_text=True)


def test_extending_an_open_call_through_the_form(app, client, staff):
    call_id = make_call(app, opens_in=timedelta(days=-3), closes_in=timedelta(days=3))
    with app.app_context():
        call = db.session.get(Call, call_id)
        from grants.calls.forms import call_form_data

        data = call_form_data(call)
    form = {k: (v.strftime("%Y-%m-%dT%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()
            if k not in ("code", "currency", "opens_at")}
    form = {k: v for k, v in form.items() if v not in (False, None)}
    later = (data["closes_at"] + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/staff/calls/{call_id}/edit", data={**form, "closes_at": later})
    assert response.status_code == 302, error_beside(response, "closes_at")
    assert audit_actions(app, call_id) == ["call.update"]
    earlier = (data["closes_at"] - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/staff/calls/{call_id}/edit", data={**form, "closes_at": earlier, "max_age": "30"})
    assert response.status_code == 200
    # The first refusal is shown beside its field, and what was typed stays.
    assert error_beside(response, "closes_at") or error_beside(response, "max_age")
    assert input_value(response, "max_age") == "30"
    with app.app_context():
        assert db.session.get(Call, call_id).max_age == 35


def test_a_stale_form_cannot_change_a_fixed_field(app, client, staff):
    call_id = make_call(app)
    with app.app_context():
        from grants.calls.forms import call_form_data

        data = call_form_data(db.session.get(Call, call_id))
    form = {k: (v.strftime("%Y-%m-%dT%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    form = {k: v for k, v in form.items() if v not in (False, None)}
    response = client.post(f"/staff/calls/{call_id}/edit", data={**form, "code": "NEWCODE"})
    assert response.status_code == 200
    assert error_beside(response, "code") == "This cannot change once the call is open."
    with app.app_context():
        assert db.session.get(Call, call_id).code == "DZ26A"


def test_saving_an_open_call_unchanged_keeps_its_closing_second(app, client, staff):
    call_id = make_call(app)  # closes at a time with seconds, which the form shows without them
    with app.app_context():
        from grants.calls.forms import call_form_data

        call = db.session.get(Call, call_id)
        call.closes_at = before = call.closes_at.replace(second=41)
        db.session.commit()
        data = call_form_data(call)
    form = {k: (v.strftime("%Y-%m-%dT%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    form = {k: v for k, v in form.items() if v not in (False, None)}
    response = client.post(f"/staff/calls/{call_id}/edit", data={**form, "title_en": "Same times"})
    assert response.status_code == 302, error_beside(response, "closes_at")
    with app.app_context():
        call = db.session.get(Call, call_id)
        assert call.closes_at == before and call.title_en == "Same times"
