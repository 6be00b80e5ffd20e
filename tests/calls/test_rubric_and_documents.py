"""The rubric editor and the required documents editor, without JavaScript."""
from decimal import Decimal

import pytest

from grants.calls import services
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import Call, CallStatus, Criterion, RequiredDocument

from ..fixtures.program import make_call
from .helpers import audit_actions, error_beside, flashes, input_value


def criterion_form(**overrides):
    data = {"name_ar": "الابتكار", "name_en": "Innovation", "guidance_ar": "", "guidance_en": "How new is it?",
            "min_score": "1", "max_score": "5", "weight": "0.25", "threshold": ""}
    data.update(overrides)
    return data


def criteria_names(app, call_id):
    with app.app_context():
        return [c.name_en for c in db.session.get(Call, call_id).criteria]


def test_staff_add_a_criterion(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    response = client.post(f"/staff/calls/{call_id}/criteria",
                           data=criterion_form(threshold="2.5", allows_not_applicable="y", min_score="0",
                                               max_score="10"))
    assert response.status_code == 302
    with app.app_context():
        criterion = db.session.get(Call, call_id).criteria[-1]
        assert (criterion.name_en, criterion.guidance_en, criterion.position) == ("Innovation", "How new is it?", 3)
        assert (criterion.min_score, criterion.max_score) == (0, 10)
        assert criterion.weight == Decimal("0.25") and criterion.threshold == Decimal("2.5")
        assert criterion.allows_not_applicable
    assert audit_actions(app, call_id) == ["call.criterion_add"]


def test_the_scale_defaults_to_one_to_five(client, app, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    response = client.get(f"/staff/calls/{call_id}/criteria")
    assert input_value(response, "min_score") == "1" and input_value(response, "max_score") == "5"


@pytest.mark.parametrize("overrides, field, message", [
    ({"name_en": ""}, "name_en", "Enter the English name."),
    ({"max_score": "1"}, "max_score", "The highest score must be above the lowest score."),
    ({"weight": "0"}, "weight", "Enter a weight greater than zero."),
    ({"weight": "-1"}, "weight", "Enter a weight greater than zero (at most 999)."),
    ({"weight": "NaN"}, "weight", "Enter a number."),
    ({"weight": "1e999999"}, "weight", "Enter a weight greater than zero (at most 999)."),
    ({"weight": "0.12345"}, "weight", "Use at most three decimal places."),
    ({"threshold": "6"}, "threshold", "The threshold must lie on the scale, from 1 to 5."),
    ({"threshold": "abc"}, "threshold", "Not a valid decimal value."),
    ({"min_score": "x"}, "min_score", "Enter a whole number from 0 to 100."),
])
def test_criterion_errors_are_shown_beside_the_fields_and_the_rest_is_kept(app, client, staff, overrides, field,
                                                                           message):
    call_id = make_call(app, status=CallStatus.DRAFT)
    response = client.post(f"/staff/calls/{call_id}/criteria", data=criterion_form(**overrides))
    assert response.status_code == 200
    assert message in error_beside(response, field)
    if field != "name_en":
        assert input_value(response, "name_en") == "Innovation"
    assert len(criteria_names(app, call_id)) == 3


def test_staff_edit_a_criterion(app, client, staff):
    call_id = make_call(app)
    with app.app_context():
        criterion_id = db.session.get(Call, call_id).criteria[1].id
    response = client.get(f"/staff/criteria/{criterion_id}")
    assert input_value(response, "name_en") == "Community impact"
    response = client.post(f"/staff/criteria/{criterion_id}", data=criterion_form(name_en="Impact", weight="2"))
    assert response.status_code == 302
    with app.app_context():
        criterion = db.session.get(Criterion, criterion_id)
        assert criterion.name_en == "Impact" and criterion.weight == 2
    response = client.post(f"/staff/criteria/{criterion_id}", data=criterion_form(name_en="Kept", threshold="9"))
    assert error_beside(response, "threshold") and input_value(response, "name_en") == "Kept"
    assert audit_actions(app, call_id) == ["call.criterion_update"]


def test_staff_reorder_and_delete_criteria(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    with app.app_context():
        ids = [c.id for c in db.session.get(Call, call_id).criteria]
    assert client.post(f"/staff/criteria/{ids[2]}/move", data={"direction": "up"}).status_code == 302
    assert criteria_names(app, call_id) == ["Feasibility", "Applicant experience", "Community impact"]
    client.post(f"/staff/criteria/{ids[0]}/move", data={"direction": "up"})  # already first: nothing happens
    client.post(f"/staff/criteria/{ids[0]}/move", data={"direction": "down"})
    assert criteria_names(app, call_id) == ["Applicant experience", "Feasibility", "Community impact"]
    assert client.post(f"/staff/criteria/{ids[0]}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"/staff/criteria/{ids[0]}/delete").status_code == 302
    assert criteria_names(app, call_id) == ["Applicant experience", "Community impact"]
    client.post(f"/staff/calls/{call_id}/criteria", data=criterion_form())
    assert criteria_names(app, call_id) == ["Applicant experience", "Community impact", "Innovation"]
    assert audit_actions(app, call_id) == ["call.criterion_move", "call.criterion_move", "call.criterion_delete",
                                           "call.criterion_add"]


def test_an_opened_call_keeps_at_least_one_criterion(app, client, staff):
    call_id = make_call(app, criteria=[("الجدوى", "Feasibility", "1", None)])
    with app.app_context():
        criterion_id = db.session.get(Call, call_id).criteria[0].id
    response = client.post(f"/staff/criteria/{criterion_id}/delete", follow_redirects=True)
    assert "keeps at least one criterion" in flashes(response)
    assert criteria_names(app, call_id) == ["Feasibility"]


def test_the_rubric_page_of_a_call_under_review_is_read_only(app, client, staff):
    call_id = make_call(app, status=CallStatus.REVIEWING)
    with app.app_context():
        criterion_id = db.session.get(Call, call_id).criteria[0].id
    page = client.get(f"/staff/calls/{call_id}/criteria").get_data(as_text=True)
    assert "The rubric cannot change once reviewing has started." in page and "Add a criterion" not in page
    response = client.post(f"/staff/criteria/{criterion_id}", data=criterion_form(name_en="Changed"))
    assert response.status_code == 200 and "The rubric cannot change" in response.get_data(as_text=True)
    response = client.post(f"/staff/criteria/{criterion_id}/delete", follow_redirects=True)
    assert "The rubric cannot change" in flashes(response)
    assert criteria_names(app, call_id) == ["Feasibility", "Community impact", "Applicant experience"]


# --- required documents ---------------------------------------------------------------------------

def document_names(app, call_id):
    with app.app_context():
        return [(d.name_en, d.mandatory, d.is_identity) for d in db.session.get(Call, call_id).required_documents]


def test_staff_add_reorder_edit_and_remove_documents_of_a_draft(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    response = client.post(f"/staff/calls/{call_id}/documents", data={
        "name_ar": "السجل التجاري", "name_en": "Trade register", "is_identity": ""})
    assert response.status_code == 302
    assert document_names(app, call_id)[-1] == ("Trade register", False, False)
    with app.app_context():
        ids = [d.id for d in db.session.get(Call, call_id).required_documents]
    client.post(f"/staff/required-documents/{ids[2]}/move", data={"direction": "up"})
    assert [n for n, *_ in document_names(app, call_id)] == [
        "Copy of the identity card", "Trade register", "Photos of the workplace"]
    response = client.post(f"/staff/required-documents/{ids[1]}", data={
        "name_ar": "صور المحل", "name_en": "Shop photos", "mandatory": "y"})
    assert response.status_code == 302
    client.post(f"/staff/required-documents/{ids[0]}/delete")
    assert document_names(app, call_id) == [("Trade register", False, False), ("Shop photos", True, False)]
    assert audit_actions(app, call_id) == ["call.document_add", "call.document_move", "call.document_update",
                                           "call.document_delete"]


def test_document_names_are_required_beside_the_fields(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    response = client.post(f"/staff/calls/{call_id}/documents", data={"name_ar": "", "name_en": "Kept"})
    assert error_beside(response, "name_ar") == "Enter the Arabic name."
    assert input_value(response, "name_en") == "Kept"


def test_documents_cannot_exceed_the_calls_limit(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT, max_documents=2)
    response = client.post(f"/staff/calls/{call_id}/documents", data={"name_ar": "ثالث", "name_en": "Third"})
    assert response.status_code == 200 and "at most 2 documents" in response.get_data(as_text=True)
    assert len(document_names(app, call_id)) == 2


def test_once_open_documents_keep_their_list_but_names_and_identity_can_change(rctx):
    call = db.session.get(Call, make_call(rctx))
    workplace = call.required_documents[1]
    with pytest.raises(ActionRefused):
        services.add_required_document(None, call, name_ar="س", name_en="X", is_identity=False, mandatory=True)
    with pytest.raises(ActionRefused):
        services.delete_required_document(None, workplace)
    with pytest.raises(ActionRefused):
        services.move_required_document(None, workplace, "up")
    with pytest.raises(ActionRefused) as refusal:
        services.update_required_document(None, workplace, name_ar=workplace.name_ar, name_en="Photos",
                                          is_identity=False, mandatory=False)
    assert refusal.value.field == "mandatory"
    services.update_required_document(None, workplace, name_ar=workplace.name_ar, name_en="Shop photos",
                                      is_identity=True, mandatory=True)
    assert workplace.name_en == "Shop photos" and workplace.is_identity
    with pytest.raises(ActionRefused) as refusal:
        services.update_required_document(None, workplace, name_ar=workplace.name_ar, name_en="Shop photos",
                                          is_identity=False, mandatory=True)
    assert refusal.value.field == "is_identity"
    assert db.session.query(RequiredDocument).filter_by(call_id=call.id).count() == 2


def test_lowering_the_document_limit_below_the_required_documents_is_refused(rctx):
    call = db.session.get(Call, make_call(rctx, status=CallStatus.DRAFT))
    values = {name: services._current(call, name) for name in services.CALL_FIELDS}
    with pytest.raises(ActionRefused) as refusal:
        services.update_call(None, call, **{**values, "max_documents": 1})
    assert refusal.value.field == "max_documents"


def test_staff_write_what_each_score_means(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    with app.app_context():
        criterion_id = db.session.get(Call, call_id).criteria[0].id
    response = client.post(f"/staff/criteria/{criterion_id}", data=criterion_form(
        min_score="1", max_score="3", anchors_ar="ضعيف\nمقبول\nممتاز", anchors_en="Weak\n\nExcellent"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Criterion, criterion_id).anchors == {
            "1": {"ar": "ضعيف", "en": "Weak"}, "2": {"ar": "مقبول", "en": ""}, "3": {"ar": "ممتاز", "en": "Excellent"}}
    page = client.get(f"/staff/criteria/{criterion_id}").get_data(as_text=True)
    assert "ضعيف\nمقبول\nممتاز</textarea>" in page
    too_many = client.post(f"/staff/criteria/{criterion_id}", data=criterion_form(
        min_score="1", max_score="3", anchors_en="a\nb\nc\nd"))
    assert error_beside(too_many, "anchors_en")
