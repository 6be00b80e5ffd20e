"""Staff create and edit calls: errors beside the fields, typed values kept, times stored in UTC."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import BusinessStage, Call, CallStatus, Currency

from ..fixtures.program import make_call, sector, subdistrict
from ..fixtures.routes import counting_statements
from .helpers import audit_actions, call_by_code, call_form, error_beside, input_value


def test_staff_create_a_call_stored_in_utc_from_program_time(app, client, staff):
    with app.app_context():
        busayrah, retail = subdistrict().id, sector().id
    response = client.post("/staff/calls/new", data=call_form(
        code=" dz27a ", currency="USD", blind_review="y", places=[str(busayrah)], sectors=[str(retail)],
        stages=["idea"], reviewers_per_application="2", min_age="20", max_age="30", max_documents="4"))
    assert response.status_code == 302
    with app.app_context():
        call = call_by_code("DZ27A")
        # Asia/Damascus is UTC+3: 09:00 there is 06:00 UTC.
        assert call.opens_at == datetime(2027, 1, 10, 6, 0, tzinfo=timezone.utc)
        assert call.closes_at == datetime(2027, 2, 10, 20, 59, tzinfo=timezone.utc)
        assert call.closing_date.isoformat() == "2027-02-10"
        assert call.status == CallStatus.DRAFT and call.created_by_id == staff.id
        assert call.currency == Currency.USD and call.blind_review and not call.reviewers_may_comment
        assert [p.id for p in call.places] == [busayrah] and [s.id for s in call.sectors] == [retail]
        assert call.accepted_stages == [BusinessStage.IDEA]
        assert (call.reviewers_per_application, call.min_age, call.max_age, call.max_documents) == (2, 20, 30, 4)
        assert response.location.endswith(f"/staff/calls/{call.id}")
        call_id = call.id
    assert audit_actions(app, call_id) == ["call.create"]


def test_new_call_form_has_the_defaults(client, staff):
    response = client.get("/staff/calls/new")
    assert input_value(response, "reviewers_per_application") == "3"
    assert input_value(response, "min_age") == "18" and input_value(response, "max_age") == "35"
    page = response.get_data(as_text=True)
    for stage in ("idea", "existing"):
        assert re.search(rf'<input checked[^>]*value="{stage}"', page)


@pytest.mark.parametrize("code", ["DZ", "DZ26A-B", "ABCDEFGHIJKLM", "دير26", "DZ 26"])
def test_a_bad_code_is_refused_beside_the_field_and_the_rest_is_kept(app, client, staff, code):
    response = client.post("/staff/calls/new", data=call_form(code=code, title_en="Kept title"))
    assert response.status_code == 200
    assert "3 to 12 capital letters or digits" in error_beside(response, "code")
    assert input_value(response, "title_en") == "Kept title"
    assert input_value(response, "budget") == "40000000"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_closing_must_come_after_opening(client, staff):
    response = client.post("/staff/calls/new", data=call_form(opens_at="2027-02-10T09:00",
                                                              closes_at="2027-02-10T09:00"))
    assert response.status_code == 200
    assert error_beside(response, "closes_at") == "The closing time must be after the opening time."
    assert input_value(response, "closes_at") == "2027-02-10T09:00"


def test_award_range_must_fit_the_budget(client, staff):
    response = client.post("/staff/calls/new", data=call_form(min_award="5000000", max_award="4000000"))
    assert error_beside(response, "max_award") == "The maximum award cannot be smaller than the minimum award."
    response = client.post("/staff/calls/new", data=call_form(budget="1000000", max_award="4000000"))
    assert error_beside(response, "max_award") == "The maximum award cannot be larger than the budget."
    assert input_value(response, "max_award") == "4000000"


def test_other_rules_are_checked_beside_their_fields(client, staff):
    response = client.post("/staff/calls/new", data=call_form(
        reviewers_per_application="11", min_age="40", max_age="30", stages=[], max_documents="-1"))
    assert error_beside(response, "reviewers_per_application") == "Enter a number from 1 to 10."
    assert error_beside(response, "max_age") == "The maximum age cannot be below the minimum age."
    assert "Choose at least one business stage." in response.get_data(as_text=True)
    assert error_beside(response, "max_documents") == "Enter a number from 0 to 50."


def test_a_duplicate_code_is_refused_beside_the_field(app, client, staff):
    make_call(app, code="DZ26A")
    response = client.post("/staff/calls/new", data=call_form(code="dz26a", title_en="Second round"))
    assert response.status_code == 200
    assert error_beside(response, "code") == "Another call already uses the code DZ26A."
    assert input_value(response, "title_en") == "Second round"


@pytest.mark.parametrize("junk", [
    {"budget": "1e999"}, {"budget": "9" * 40}, {"max_award": "-5"}, {"opens_at": "0001-01-01T00:00"},
    {"closes_at": "not a date"}, {"currency": "EUR"}, {"places": ["abc"]}, {"places": ["999999"]},
    {"sectors": ["-1"]}, {"stages": ["unicorn"]}, {"code": None, "title_ar": None, "budget": None},
])
def test_malformed_input_gives_form_errors_never_a_500(app, client, staff, junk):
    response = client.post("/staff/calls/new", data=call_form(**junk))
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_deactivated_places_are_not_offered_for_new_calls(app, client, staff):
    with app.app_context():
        place = subdistrict("Hajin")
        place.active = False
        db.session.commit()
        hajin = place.id
    response = client.get("/staff/calls/new")
    assert f'name="places" type="checkbox" value="{hajin}"' not in response.get_data(as_text=True)
    response = client.post("/staff/calls/new", data=call_form(places=[str(hajin)]))
    assert response.status_code == 200
    assert "not a valid choice" in error_beside(response, "places")


def test_editing_a_draft_changes_everything(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    assert client.get(f"/staff/calls/{call_id}/edit").status_code == 200
    response = client.post(f"/staff/calls/{call_id}/edit", data=call_form(code="DZ26B", currency="USD",
                                                                           title_en="Renamed"))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.get(Call, call_id)
        assert (call.code, call.currency, call.title_en) == ("DZ26B", Currency.USD, "Renamed")
        assert call.opens_at == datetime(2027, 1, 10, 6, 0, tzinfo=timezone.utc)
    assert audit_actions(app, call_id)[-1] == "call.update"


def test_edit_form_shows_program_time(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    client.post(f"/staff/calls/{call_id}/edit", data=call_form(code="DZ26A"))
    response = client.get(f"/staff/calls/{call_id}/edit")
    assert input_value(response, "opens_at") == "2027-01-10T09:00"
    assert input_value(response, "closes_at") == "2027-02-10T23:59"


def test_staff_list_counts_submitted_applications_per_call(app, client, staff, make_user):
    from ..fixtures.program import make_application

    first, second = make_call(app, code="DZ26A"), make_call(app, code="DZ26B")
    for n in range(3):
        make_application(app, make_user("applicant").id, first, submit=True)
    make_application(app, make_user("applicant").id, first)
    make_application(app, make_user("applicant").id, second, submit=True)
    page = client.get("/staff/calls").get_data(as_text=True)
    rows = {code: page.split(f">{code}</a>")[1].split("</tr>")[0] for code in ("DZ26A", "DZ26B")}
    assert '<td class="submitted-count">3</td>' in rows["DZ26A"]
    assert '<td class="submitted-count">1</td>' in rows["DZ26B"]


def test_staff_list_query_count_does_not_grow_with_the_calls(app, client, staff):
    def count_queries():
        with counting_statements(app) as statements:
            assert client.get("/staff/calls").status_code == 200
        return len(statements)

    make_call(app, code="ONE1")
    few = count_queries()
    for n in range(5):
        make_call(app, code=f"MORE{n}")
    assert count_queries() == few
