"""The multi-step form: save as draft at any step, errors beside the fields with what was typed kept, choices
limited to what the call accepts, only the owner, nothing after the closing time."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.models import Call, Gender, Place

from ..fixtures.program import make_application, make_call, sector, subdistrict
from ..fixtures.routes import text
from .helpers import error_beside, flashes, input_value, load, step1, step2


def start(client, app, applicant):
    response = client.post("/calls/DZ26A/apply")
    return int(re.search(r"/applications/(\d+)/", response.location).group(1))


def test_step_one_saves_and_continues(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    response = client.post(f"/applications/{application_id}/step/1", data=step1())
    assert response.status_code == 302 and response.location.endswith(f"/applications/{application_id}/step/2")
    application = load(app, application_id)
    assert application.full_name_ar == "سارة أحمد الحداد"
    assert application.name_key == "ساره احمد الحداد"
    assert application.date_of_birth == date(1999, 5, 17)
    assert application.gender == Gender.FEMALE
    assert application.phone_normalized == "+963944123456"
    assert application.place.name_en == "Al-Busayrah"


def test_save_draft_stays_on_the_step(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    response = client.post(f"/applications/{application_id}/step/2", data=step2(action="save"))
    assert response.location.endswith(f"/applications/{application_id}/step/2")
    assert load(app, application_id).business_name == "Sara's sewing workshop"


def test_a_draft_may_be_incomplete(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    response = client.post(f"/applications/{application_id}/step/1", data={"full_name_latin": "Sara", "action": "save"})
    assert response.status_code == 302
    application = load(app, application_id)
    assert application.full_name_latin == "Sara" and application.date_of_birth is None


def test_errors_are_shown_beside_the_fields_and_what_was_typed_is_kept(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    data = step1(phone="12", date_of_birth="17/05/1999", full_name_latin="سارة", national_id="1 2",
                 full_name_ar="سارة الحداد")
    response = client.post(f"/applications/{application_id}/step/1", data=data)
    assert response.status_code == 200
    assert "Enter a valid phone number" in error_beside(response, "phone")
    assert "year-month-day" in error_beside(response, "date_of_birth")
    assert "Latin letters" in error_beside(response, "full_name_latin")
    assert error_beside(response, "national_id")
    assert error_beside(response, "full_name_ar") is None
    assert input_value(response, "phone") == "12"
    assert input_value(response, "date_of_birth") == "17/05/1999"
    assert input_value(response, "full_name_latin") == "سارة"
    assert "What was filled in correctly is saved" in flashes(response)
    application = load(app, application_id)
    # the valid answers are saved; the invalid ones are not
    assert application.full_name_ar == "سارة الحداد" and application.gender == Gender.FEMALE
    assert application.date_of_birth is None and application.full_name_latin == "Sara Haddad"


def test_malformed_answers_give_errors_never_a_server_error(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    response = client.post(f"/applications/{application_id}/step/1", data=step1(
        gender="robot", place_id="abc", education="x" * 5000, date_of_birth="2999-01-01", disability="1"))
    assert response.status_code == 200
    for field in ("gender", "place_id", "education", "date_of_birth", "disability"):
        assert error_beside(response, field), field
    response = client.post(f"/applications/{application_id}/step/2", data=step2(
        jobs_women="-1", jobs_men="99999999999999999999999", sector_id="999999", women_led="maybe", stage="moon"))
    assert response.status_code == 200
    for field in ("jobs_women", "jobs_men", "sector_id", "women_led", "stage"):
        assert error_beside(response, field), field
    assert client.get(f"/applications/{application_id}/step/6").status_code == 404
    assert client.get(f"/applications/{application_id}/step/0").status_code == 404
    client.post(f"/applications/{application_id}/step/1", data=step1())
    # a truncated or hand-made request changes nothing it does not carry
    assert client.post(f"/applications/{application_id}/step/1", data={"lines-0-item": ["a", "b"]}).status_code == 302
    assert load(app, application_id).full_name_ar == "سارة أحمد الحداد"


def test_arabic_digits_are_understood(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    client.post(f"/applications/{application_id}/step/1", data=step1(phone="٠٩٤٤١٢٣٤٥٦", date_of_birth="١٩٩٩-٠٥-١٧"))
    client.post(f"/applications/{application_id}/step/2", data=step2(jobs_women="٣"))
    application = load(app, application_id)
    assert application.phone_normalized == "+963944123456" and application.date_of_birth == date(1999, 5, 17)
    assert application.jobs_women == 3


def test_subdistricts_are_grouped_by_district_and_limited_to_the_calls_places(app, client, applicant):
    call_id = make_call(app)
    with app.app_context():
        call = db.session.get(Call, call_id)
        mayadin = db.session.scalar(select(Place).where(Place.name_en == "Al-Mayadin", Place.kind == "district"))
        call.places = [mayadin]
        dhiban = subdistrict("Dhiban")
        dhiban.active = False
        db.session.commit()
    application_id = start(client, app, applicant)
    page = client.get(f"/applications/{application_id}/step/1", headers={"Accept-Language": "en"})
    select_html = re.search(r'<select[^>]*id="place_id".*?</select>', page.get_data(as_text=True), re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)"', select_html) == ["Al-Mayadin"]
    options = re.findall(r"<option[^>]*>([^<]+)</option>", select_html)
    assert "Al-Asharah" in options and "Al-Mayadin" in options
    assert "Dhiban" not in options and "Al-Busayrah" not in options
    with app.app_context():
        busayrah = subdistrict().id
    response = client.post(f"/applications/{application_id}/step/1", data=step1(place_id=str(busayrah)))
    assert error_beside(response, "place_id") == "Choose one of the options."
    assert load(app, application_id).place_id is None


def test_all_active_places_when_the_call_names_none(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    page = client.get(f"/applications/{application_id}/step/1").get_data(as_text=True)
    assert len(re.findall(r"<optgroup ", page)) == 3
    assert 'reviewers never see' in page.lower() or "Reviewers never see" in page


def test_business_step_offers_only_the_calls_sectors_and_stages(app, client, applicant):
    call_id = make_call(app, accepts_idea=False)
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.sectors = [sector("tailoring"), sector("crafts")]
        db.session.commit()
        tailoring, retail = sector("tailoring").id, sector("retail").id
    application_id = start(client, app, applicant)
    page = client.get(f"/applications/{application_id}/step/2").get_data(as_text=True)
    sector_select = re.search(r'<select[^>]*id="sector_id".*?</select>', page, re.S).group(0)
    assert len(re.findall(r'<option value="\d+"', sector_select)) == 2
    assert 'value="idea"' not in page and 'value="existing"' in page
    response = client.post(f"/applications/{application_id}/step/2", data=step2(sector_id=str(retail),
                                                                               stage="existing"))
    assert error_beside(response, "sector_id") and error_beside(response, "stage") is None
    client.post(f"/applications/{application_id}/step/2", data=step2(sector_id=str(tailoring), stage="existing"))
    assert load(app, application_id).sector_id == tailoring


def test_women_led_defaults_from_the_gender_until_answered(app, client, applicant, call_id):
    application_id = start(client, app, applicant)
    client.post(f"/applications/{application_id}/step/1", data=step1(gender="female"))
    page = client.get(f"/applications/{application_id}/step/2").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="yes"|<input[^>]*value="yes"[^>]*checked', page)
    client.post(f"/applications/{application_id}/step/2", data=step2(women_led="no"))
    page = client.get(f"/applications/{application_id}/step/2").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked', page)
    assert load(app, application_id).women_led is False


def test_another_applicant_gets_404_on_my_step_pages(app, client, auth, make_user, call_id):
    owner = make_user("applicant")
    application_id = make_application(app, owner.id, call_id)
    auth.login(make_user("applicant"))
    for step in range(1, 6):
        assert client.get(f"/applications/{application_id}/step/{step}").status_code == 404
    assert client.post(f"/applications/{application_id}/step/1", data=step1()).status_code == 404
    assert load(app, application_id).full_name_latin != "Sara Ahmad Al-Haddad"
    assert client.get(f"/applications/{application_id}").status_code == 404
    auth.logout()
    auth.login(make_user("staff"))
    assert client.get(f"/applications/{application_id}/step/1").status_code == 403
    assert client.get(f"/applications/{application_id}").status_code == 200


def test_nothing_can_be_edited_after_the_closing_time(app, client, applicant):
    call_id = make_call(app, closes_in=timedelta(seconds=30))
    application_id = start(client, app, applicant)
    assert client.get(f"/applications/{application_id}/step/1").status_code == 200
    with app.app_context():
        call = db.session.get(Call, call_id)
        from grants.models import utcnow

        call.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get(f"/applications/{application_id}/step/1")
    assert response.status_code == 302 and response.location.endswith(f"/applications/{application_id}")
    response = client.post(f"/applications/{application_id}/step/1", data=step1(), follow_redirects=True)
    assert "can no longer be changed" in flashes(response)
    assert load(app, application_id).full_name_ar is None
    page = text(client.get(f"/applications/{application_id}"))
    assert "this draft was not submitted" in page
