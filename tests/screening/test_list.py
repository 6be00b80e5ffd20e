"""The applications list of a call: what it lists, every filter, the search, sorting, pagination, query count."""
from datetime import timedelta

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationStatus, ApplicationTag, BusinessStage, Call, DuplicateFlag, FlagStatus, Gender, ScreeningStatus, utcnow,
)
from grants.screening.queries import years_before

from ..fixtures.i18n import says
from ..fixtures.program import flag_duplicates, make_application, make_call, sector, subdistrict
from .helpers import counting_statements, listed, reference, submit, update


def closing_date(app, call_id):
    with app.app_context():
        return db.session.get(Call, call_id).closing_date


def place_id(name_en):
    return subdistrict(name_en).id


@pytest.fixture
def varied(app, make_user, call_id):
    """Five submitted or withdrawn applications that differ in everything the filters look at."""
    close = closing_date(app, call_id)
    with app.app_context():
        places = {name: place_id(name) for name in ("Al-Busayrah", "Hajin", "Dhiban", "Khasham")}
        sectors = {code: sector(code).id for code in ("retail", "agriculture", "crafts")}
    ids = {}
    ids["A"] = submit(app, make_user, call_id, full_name_ar="عبدالرحمن أحمد الحسن",
                      full_name_latin="Abdulrahman Ahmad Al-Hasan", gender=Gender.FEMALE,
                      date_of_birth=years_before(close, 18), place_id=places["Al-Busayrah"],
                      sector_id=sectors["retail"], stage=BusinessStage.IDEA,
                      phone="0944 111 222", phone_normalized="+963944111222")
    ids["B"] = submit(app, make_user, call_id, full_name_ar="فاطمة الزهراء العلي", full_name_latin="Fatima Al-Ali",
                      gender=Gender.MALE, date_of_birth=years_before(close, 25) + timedelta(days=1),
                      place_id=places["Hajin"], sector_id=sectors["agriculture"], stage=BusinessStage.EXISTING,
                      phone="0933 000 111", phone_normalized="+963933000111")
    ids["C"] = submit(app, make_user, call_id, full_name_ar="أسامة خالد الخلف", full_name_latin="Osama Al-Khalaf",
                      gender=Gender.MALE, date_of_birth=years_before(close, 25), place_id=places["Dhiban"],
                      sector_id=sectors["crafts"], stage=BusinessStage.EXISTING,
                      phone="0955 222 333", phone_normalized="+963955222333")
    ids["D"] = submit(app, make_user, call_id, full_name_ar="مريم يوسف", full_name_latin="Maryam Yousef",
                      gender=Gender.FEMALE, date_of_birth=years_before(close, 36) + timedelta(days=1),
                      place_id=places["Khasham"], sector_id=sectors["retail"], stage=BusinessStage.IDEA,
                      phone="0966 333 444", phone_normalized="+963966333444")
    ids["E"] = submit(app, make_user, call_id, full_name_ar="مَحمود سعيد", full_name_latin="Mahmoud Saeed",
                      gender=Gender.MALE, date_of_birth=years_before(close, 36), place_id=places["Hajin"],
                      sector_id=sectors["crafts"], stage=BusinessStage.IDEA,
                      phone="0977 444 555", phone_normalized="+963977444555")
    # A: eligible, pending. B: ineligible. C: ineligible but ruled eligible, screened. D: withdrawn. E: 36 years old.
    update(app, ids["B"], eligible=False, eligibility_reasons=[{"code": "age", "ar": "العمر", "en": "Age"}])
    update(app, ids["C"], eligible=False, eligibility_overridden=True, override_reason="Born on the closing day",
           screening_status=ScreeningStatus.SCREENED)
    update(app, ids["D"], status=ApplicationStatus.WITHDRAWN, withdrawn_at=utcnow())
    update(app, ids["E"], screening_status=ScreeningStatus.INELIGIBLE, screening_reason="Too old")
    with app.app_context():
        db.session.add(ApplicationTag(application_id=ids["D"], tag="visit"))
        db.session.add(ApplicationTag(application_id=ids["A"], tag="visit"))
        db.session.add(ApplicationTag(application_id=ids["E"], tag="call back"))
        db.session.commit()
    flag_duplicates(app, ids["A"], ids["B"])
    cleared = flag_duplicates(app, ids["C"], ids["E"])
    officer = make_user("staff")
    with app.app_context():
        flag = db.session.get(DuplicateFlag, cleared)
        flag.status, flag.resolved_by_id, flag.resolution_reason = FlagStatus.CLEARED, officer.id, "different people"
        db.session.commit()
    return {"call": call_id, "ids": ids, "refs": {k: reference(app, v) for k, v in ids.items()}, "places": places,
            "sectors": sectors}


def shown(client, varied, **args) -> set[str]:
    response = client.get(f"/staff/calls/{varied['call']}/applications", query_string=args)
    assert response.status_code == 200
    by_reference = {ref: letter for letter, ref in varied["refs"].items()}
    return {by_reference[ref] for ref in listed(response)}


def test_the_list_shows_submitted_and_withdrawn_and_counts_drafts(app, client, staff, make_user, varied):
    make_application(app, make_user().id, varied["call"])
    make_application(app, make_user().id, varied["call"])
    elsewhere = make_call(app, code="DZ26B")
    submit(app, make_user, elsewhere)
    response = client.get(f"/staff/calls/{varied['call']}/applications")
    assert sorted(listed(response)) == sorted(varied["refs"].values())
    assert "2 drafts in progress" in response.get_data(as_text=True)
    assert "5 applications match." in response.get_data(as_text=True)


def test_the_list_speaks_arabic_by_default(app, client, auth, make_user, varied):
    auth.login(make_user("staff"))
    response = client.get(f"/staff/calls/{varied['call']}/applications")
    assert response.status_code == 200
    assert says(response, app, "Possible duplicates")
    assert "عبدالرحمن أحمد الحسن" in response.get_data(as_text=True)


@pytest.mark.parametrize("args, expected", [
    ({"status": "submitted"}, "ABCE"),
    ({"status": "withdrawn"}, "D"),
    ({"eligibility": "eligible"}, "ADE"),
    ({"eligibility": "ineligible"}, "B"),
    ({"eligibility": "overridden"}, "C"),
    ({"screening": "pending"}, "ABD"),
    ({"screening": "screened"}, "C"),
    ({"screening": "ineligible"}, "E"),
    ({"gender": "female"}, "AD"),
    ({"gender": "male"}, "BCE"),
    ({"age": "18-24"}, "AB"),        # A turns 18 on the closing day; B turns 25 the day after it
    ({"age": "25-29"}, "C"),         # C turns 25 on the closing day
    ({"age": "30-35"}, "D"),         # D turns 36 the day after the closing day
    ({"age": "other"}, "E"),         # E turns 36 on the closing day
    ({"stage": "idea"}, "ADE"),
    ({"stage": "existing"}, "BC"),
    ({"flagged": "yes"}, "AB"),      # C and E have a cleared flag only
    ({"flagged": "no"}, "CDE"),
    ({"tag": "visit"}, "AD"),
    ({"tag": "call back"}, "E"),
    ({"gender": "male", "stage": "existing", "eligibility": "ineligible"}, "B"),
    # unknown values are ignored rather than refused
    ({"gender": "other", "age": "99-100", "status": "draft", "sort": "evil", "district": "x", "sector": "-1"}, "ABCDE"),
])
def test_filters(app, client, staff, varied, args, expected):
    assert shown(client, varied, **args) == set(expected)


def test_sector_filter(app, client, staff, varied):
    assert shown(client, varied, sector=varied["sectors"]["retail"]) == {"A", "D"}
    assert shown(client, varied, sector=varied["sectors"]["crafts"]) == {"C", "E"}


def test_a_district_includes_its_subdistricts(app, client, staff, varied):
    with app.app_context():
        deir_ez_zor = subdistrict("Al-Busayrah").parent_id
        abu_kamal = subdistrict("Hajin").parent_id
        governorate = db.session.get(type(subdistrict("Hajin")), abu_kamal).parent_id
    assert shown(client, varied, district=deir_ez_zor) == {"A", "D"}          # Al-Busayrah and Khasham
    assert shown(client, varied, district=abu_kamal) == {"B", "E"}            # Hajin
    assert shown(client, varied, district=varied["places"]["Dhiban"]) == {"C"}  # a subdistrict alone
    assert shown(client, varied, district=governorate) == set("ABCDE")


@pytest.mark.parametrize("query, expected", [
    ("عبد الرحمن", "A"),          # written apart, stored joined
    ("عبدالرحمن", "A"),
    ("اسامه", "C"),               # أ/ا and ة/ه
    ("أسامة خالد", "C"),
    ("فاطمه", "B"),
    ("محمود", "E"),               # the stored name carries a diacritic
    ("abdulRAHMAN", "A"),         # Latin, any case
    ("al-", "ABC"),
    ("0944 111 222", "A"),        # phone as typed locally
    ("+963944111222", "A"),
    ("٠٩٤٤١١١٢٢٢", "A"),          # Arabic-Indic digits
    ("nobody", ""),
    ("%", ""),                    # LIKE wildcards are matched literally
])
def test_search(app, client, staff, varied, query, expected):
    assert shown(client, varied, q=query) == set(expected)


def test_search_by_reference(app, client, staff, varied):
    assert shown(client, varied, q=varied["refs"]["B"]) == {"B"}
    assert shown(client, varied, q=varied["refs"]["C"].lower()) == {"C"}


def test_sorting(app, client, staff, varied):
    ids, refs = varied["ids"], varied["refs"]
    for letter, amount in zip("ABCDE", (3_000_000, 1_000_000, 2_000_000, 500_000, 4_000_000)):
        update(app, ids[letter], requested_amount=amount)
    now = utcnow()
    for letter, minutes in zip("ABCDE", (30, 10, 50, 20, 40)):
        update(app, ids[letter], submitted_at=now - timedelta(minutes=minutes))

    def order(sort):
        response = client.get(f"/staff/calls/{varied['call']}/applications", query_string={"sort": sort})
        return "".join({v: k for k, v in refs.items()}[r] for r in listed(response))

    assert order("reference") == "ABCDE"
    assert order("-reference") == "EDCBA"
    assert order("amount") == "DBCAE"
    assert order("-amount") == "EACBD"
    assert order("submitted") == "CEADB"
    assert order("-submitted") == "BDAEC"
    # names in normalised Arabic order: أسامة (ا) < عبدالرحمن (ع) < فاطمة (ف) < محمود (م) < مريم
    assert order("name") == "CABED"
    assert order("-name") == "DEBAC"


def _flag_every_few(app, ids):
    with app.app_context():
        for index, application_id in enumerate(ids):
            if index % 3 == 0:
                db.session.add(ApplicationTag(application_id=application_id, tag=f"t{index % 2}"))
        db.session.commit()
    for first, second in zip(ids[::4], ids[1::4]):
        flag_duplicates(app, first, second)


def test_pagination_and_a_query_count_that_does_not_grow_with_the_rows(app, client, staff, make_user, call_id):
    places = ["Al-Busayrah", "Hajin", "Dhiban", "Khasham", "Al-Asharah"]
    codes = ["retail", "agriculture", "crafts", "ict"]

    def add(count, start):
        made = []
        with app.app_context():
            choices = [(subdistrict(p).id, sector(codes[i % len(codes)]).id) for i, p in enumerate(places)]
        for n in range(start, start + count):
            place, sector_id = choices[n % len(choices)]
            made.append(submit(app, make_user, call_id, place_id=place, sector_id=sector_id,
                               full_name_latin=f"Applicant {n:03d}"))
        _flag_every_few(app, made)
        return made

    url = f"/staff/calls/{call_id}/applications"
    add(5, 0)
    client.get(url)  # warm up: first-request work is not what this test measures
    with counting_statements(app) as few:
        response = client.get(url)
    assert len(listed(response)) == 5
    add(55, 5)
    with counting_statements(app) as many:
        response = client.get(url)
    assert len(listed(response)) == 50
    assert len(few) == len(many), "\n".join(many)

    page_two = client.get(url, query_string={"page": 2})
    assert len(listed(page_two)) == 10
    assert set(listed(page_two)).isdisjoint(listed(response))
    html = response.get_data(as_text=True)
    assert "60 applications match." in html and "Page 1 of 2" in html
    assert "page=2" in html
    # malformed or absurd page numbers never break the page
    assert listed(client.get(url, query_string={"page": "abc"})) == listed(response)
    assert client.get(url, query_string={"page": "9" * 30}).status_code == 200
    assert client.get(url, query_string={"page": "-3"}).status_code == 200


def test_filters_and_sort_survive_paging(app, client, staff, make_user, call_id):
    for n in range(55):
        submit(app, make_user, call_id, gender=Gender.FEMALE if n % 5 else Gender.MALE)
    response = client.get(f"/staff/calls/{call_id}/applications",
                          query_string={"gender": "female", "sort": "-reference"})
    html = response.get_data(as_text=True)
    assert "44 applications match." in html
    assert "gender=female" in html and "sort=-reference" in html and "page=1" not in html


def test_unknown_call_is_404(client, staff):
    assert client.get("/staff/calls/999999/applications").status_code == 404
    assert client.get(f"/staff/calls/{10**30}/applications").status_code == 404
