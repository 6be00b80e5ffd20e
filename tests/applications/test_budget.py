"""The budget step: lines saved without JavaScript, totals computed on the server, the rule on the amount requested."""
import re

from grants.applications.services import missing_items
from grants.extensions import db
from grants.models import Application

from ..fixtures.program import make_application
from .helpers import budget, error_beside, flashes, input_value, load


def draft(app, applicant, call_id, **kwargs):
    return make_application(app, applicant.id, call_id, **kwargs)


def test_lines_are_saved_and_the_total_is_computed_on_the_server(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)
    data = budget(budget_total="1", **{"lines-0-total": "5", "total": "7"})  # a client cannot set the total
    response = client.post(f"/applications/{application_id}/step/3", data=data)
    assert response.status_code == 302 and response.location.endswith("/step/4")
    application = load(app, application_id)
    assert [(l.item, l.quantity, l.unit_cost) for l in application.budget_lines] == [
        ("Sewing machine", 2, 600_000), ("Fabric", 10, 50_000)]
    assert application.budget_total == 1_700_000
    assert (application.own_contribution, application.requested_amount) == (200_000, 1_500_000)
    page = client.get(f"/applications/{application_id}/step/3").get_data(as_text=True)
    assert "1,700,000" in page and "1,200,000" in page  # the total and a line total, computed by the server


def test_fewer_lines_replace_more_and_blank_rows_are_ignored(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)  # three lines
    data = budget(lines=(("", "", ""), ("Oven", "1", "1500000"), ("  ", "", "")), own="0", requested="1500000")
    assert client.post(f"/applications/{application_id}/step/3", data=data).status_code == 302
    application = load(app, application_id)
    assert [(l.position, l.item) for l in application.budget_lines] == [(0, "Oven")]
    assert application.budget_total == 1_500_000


def test_a_half_filled_row_says_what_is_missing_and_keeps_what_was_typed(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id, lines=[("Oven", 1, 1_000_000)])
    data = budget(lines=(("Oven", "1", "1000000"), ("Flour", "", "1.5"), ("", "3", "")), own="0",
                  requested="1000000")
    response = client.post(f"/applications/{application_id}/step/3", data=data)
    assert response.status_code == 200
    assert error_beside(response, "lines-1-quantity") == "Enter the quantity."
    assert "whole number" in error_beside(response, "lines-1-unit_cost")
    assert error_beside(response, "lines-2-item") == "Name the item."
    assert input_value(response, "lines-1-item") == "Flour" and input_value(response, "lines-1-unit_cost") == "1.5"
    assert "What was filled in correctly is saved" in flashes(response)
    application = load(app, application_id)
    assert [l.item for l in application.budget_lines] == ["Oven"] and application.requested_amount == 1_000_000
    # the usual empty rows follow what was typed
    assert input_value(response, "lines-5-item") == ""


def test_requested_outside_the_calls_range_is_refused(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id, lines=[("Truck", 1, 9_000_000)], own_contribution=0)
    before = load(app, application_id).requested_amount
    response = client.post(f"/applications/{application_id}/step/3", data=budget(
        lines=(("Truck", "1", "9000000"),), own="0", requested="9000000"))
    assert response.status_code == 200
    assert "between 500,000" in error_beside(response, "requested_amount")
    assert input_value(response, "requested_amount") == "9000000"
    assert load(app, application_id).requested_amount == before
    response = client.post(f"/applications/{application_id}/step/3", data=budget(
        lines=(("Pen", "1", "100"),), own="0", requested="100"))
    assert "between 500,000" in error_beside(response, "requested_amount")


def test_requested_must_equal_total_minus_own_contribution(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)
    response = client.post(f"/applications/{application_id}/step/3", data=budget(requested="1600000"))
    assert response.status_code == 200
    message = error_beside(response, "requested_amount")
    assert "must equal the budget total minus your own contribution: 1,500,000" in message
    application = load(app, application_id)
    assert application.budget_total == 1_700_000 and application.requested_amount == 1_800_000  # not saved
    with app.app_context():
        problems = missing_items(db.session.get(Application, application_id))
    assert [(m.step, m.field) for m in problems] == [(3, "requested_amount")]


def test_add_more_rows_saves_and_shows_more_empty_rows(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)
    response = client.post(f"/applications/{application_id}/step/3",
                           data=budget(lines=(("Oven", "1", "1500000"),), own="0", requested="1500000",
                                       action="add_rows"))
    assert response.status_code == 302 and "rows=6" in response.location
    page = client.get(response.location)
    rows = re.findall(r'name="lines-(\d+)-item"', page.get_data(as_text=True))
    assert len(rows) == 1 + 6
    assert load(app, application_id).budget_total == 1_500_000
    # the page shows 3 empty rows by default, and junk in ?rows= changes nothing
    page = client.get(f"/applications/{application_id}/step/3?rows=abc").get_data(as_text=True)
    assert len(re.findall(r'name="lines-(\d+)-item"', page)) == 1 + 3
    page = client.get(f"/applications/{application_id}/step/3?rows=100000").get_data(as_text=True)
    assert len(re.findall(r'name="lines-(\d+)-item"', page)) <= 1 + 30


def test_amounts_may_be_written_with_separators_and_arabic_digits(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)
    data = budget(lines=(("Oven", "١", "١٬٥٠٠٬٠٠٠"),), own="0", requested="1,500,000")
    assert client.post(f"/applications/{application_id}/step/3", data=data).status_code == 302
    application = load(app, application_id)
    assert application.budget_total == 1_500_000 and application.requested_amount == 1_500_000


def test_huge_and_negative_numbers_are_form_errors(app, client, applicant, call_id):
    application_id = draft(app, applicant, call_id)
    data = budget(lines=(("Oven", "99999999999999999999", "-5"), ("Gold", "1000000", "1000000000000")),
                  own="-1", requested="1e9")
    response = client.post(f"/applications/{application_id}/step/3", data=data)
    assert response.status_code == 200
    assert error_beside(response, "lines-0-quantity") and error_beside(response, "lines-0-unit_cost")
    assert error_beside(response, "own_contribution") and error_beside(response, "requested_amount")
    # 10^6 × 10^12 is a valid line, but far above any budget: refused as a whole, nothing saved
    assert "too large" in response.get_data(as_text=True)
    assert load(app, application_id).budget_total == 2_000_000
