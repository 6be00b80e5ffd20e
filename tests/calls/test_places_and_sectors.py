"""Staff keep the place and sector lists: add, rename, deactivate; old data keeps what it had."""
from sqlalchemy import select

from grants.calls import queries
from grants.extensions import db
from grants.models import AuditEntry, Call, CallStatus, Place, PlaceKind, Sector

from ..fixtures.program import make_call, sector, subdistrict
from .helpers import error_beside, input_value


def offers(response, name, value) -> bool:
    return f'name="{name}" type="checkbox" value="{value}"' in response.get_data(as_text=True)


def place_named(name_en, kind=None) -> Place:
    query = select(Place).where(Place.name_en == name_en)
    if kind:
        query = query.where(Place.kind == kind)
    return db.session.scalar(query)


def test_staff_add_a_subdistrict_to_a_district(app, client, staff):
    with app.app_context():
        mayadin = place_named("Al-Mayadin", PlaceKind.DISTRICT).id
    response = client.post("/staff/places", data={"kind": "subdistrict", "parent_id": str(mayadin),
                                                  "name_ar": "القورية", "name_en": "Al-Quriyah"})
    assert response.status_code == 302
    with app.app_context():
        place = place_named("Al-Quriyah")
        assert (place.kind, place.parent_id, place.name_ar, place.active) == (
            PlaceKind.SUBDISTRICT, mayadin, "القورية", True)
        assert db.session.query(AuditEntry).filter_by(action="place.create", subject_id=place.id).count() == 1
    assert "Al-Quriyah" in client.get("/staff/places").get_data(as_text=True)


def test_staff_add_a_governorate(app, client, staff):
    response = client.post("/staff/places", data={"kind": "governorate", "parent_id": "",
                                                  "name_ar": "الرقة", "name_en": "Raqqa"})
    assert response.status_code == 302
    with app.app_context():
        assert place_named("Raqqa").parent_id is None


def test_a_place_must_sit_in_the_right_kind_of_parent(app, client, staff):
    with app.app_context():
        governorate = place_named("Deir ez-Zor", PlaceKind.GOVERNORATE).id
    response = client.post("/staff/places", data={"kind": "subdistrict", "parent_id": str(governorate),
                                                  "name_ar": "جديدة", "name_en": "New one"})
    assert response.status_code == 200
    assert "a subdistrict to a district" in error_beside(response, "parent_id")
    assert input_value(response, "name_en") == "New one"
    response = client.post("/staff/places", data={"kind": "governorate", "parent_id": str(governorate),
                                                  "name_ar": "جديدة", "name_en": "New one"})
    assert "not part of another place" in error_beside(response, "parent_id")
    response = client.post("/staff/places", data={"kind": "district", "parent_id": "999999",
                                                  "name_ar": "جديدة", "name_en": "New one"})
    assert response.status_code == 200 and error_beside(response, "parent_id")
    response = client.post("/staff/places", data={"kind": "village", "parent_id": "", "name_ar": "x", "name_en": "x"})
    assert response.status_code == 200 and error_beside(response, "kind")


def test_sibling_places_have_distinct_names(app, client, staff):
    with app.app_context():
        abu_kamal = place_named("Abu Kamal", PlaceKind.DISTRICT).id
    response = client.post("/staff/places", data={"kind": "subdistrict", "parent_id": str(abu_kamal),
                                                  "name_ar": "هجين الجديدة", "name_en": "hajin"})
    assert response.status_code == 200
    assert error_beside(response, "name_en") == "There is already a place with this name here."


def test_staff_rename_and_deactivate_a_place(app, client, staff, make_user):
    from ..fixtures.program import make_application

    call_id = make_call(app)
    with app.app_context():
        hajin = subdistrict("Hajin").id
    application_id = make_application(app, make_user("applicant").id, call_id, place_id=hajin)
    assert input_value(client.get(f"/staff/places/{hajin}"), "name_en") == "Hajin"
    response = client.post(f"/staff/places/{hajin}", data={"name_ar": "هجين", "name_en": "Hajin town"})
    assert response.status_code == 302
    with app.app_context():
        place = db.session.get(Place, hajin)
        assert place.name_en == "Hajin town" and not place.active
        assert db.session.query(AuditEntry).filter_by(action="place.deactivate", subject_id=hajin).count() == 1
        # Old applications keep their place; new forms no longer offer it.
        from grants.models import Application

        assert db.session.get(Application, application_id).place_id == hajin
        assert hajin not in {node.place.id for node in queries.offered_places()}
        assert hajin in {node.place.id for node in queries.offered_places(keep_ids=[hajin])}
    page = client.get("/staff/places").get_data(as_text=True)
    assert "Deactivated" in page


def test_deactivating_a_district_hides_what_it_contains(app, client, staff):
    with app.app_context():
        district = place_named("Abu Kamal", PlaceKind.DISTRICT)
        district_id, inside = district.id, subdistrict("Hajin").id
    client.post(f"/staff/places/{district_id}", data={"name_ar": "البوكمال", "name_en": "Abu Kamal"})
    with app.app_context():
        offered = {node.place.id for node in queries.offered_places()}
        assert district_id not in offered and inside not in offered
        assert db.session.get(Place, inside).active  # only hidden, not changed
    assert not offers(client.get("/staff/calls/new"), "places", inside)
    client.post(f"/staff/places/{district_id}", data={"name_ar": "البوكمال", "name_en": "Abu Kamal", "active": "y"})
    with app.app_context():
        assert inside in {node.place.id for node in queries.offered_places()}


def test_a_call_keeps_a_place_deactivated_after_it_was_chosen(app, client, staff):
    call_id = make_call(app, status=CallStatus.DRAFT)
    with app.app_context():
        hajin = subdistrict("Hajin")
        db.session.get(Call, call_id).places = [hajin]
        hajin.active = False
        db.session.commit()
        hajin_id = hajin.id
    assert offers(client.get(f"/staff/calls/{call_id}/edit"), "places", hajin_id)


def test_staff_add_and_edit_sectors(app, client, staff):
    response = client.post("/staff/sectors", data={"code": "Beekeeping", "name_ar": "تربية النحل",
                                                   "name_en": "Beekeeping"})
    assert response.status_code == 302
    with app.app_context():
        bees = sector("beekeeping")
        assert bees.active and bees.name_ar == "تربية النحل"
        bees_id = bees.id
    response = client.post("/staff/sectors", data={"code": "retail", "name_ar": "تجارة", "name_en": "Shops"})
    assert error_beside(response, "code") == "Another sector already uses this code."
    assert input_value(response, "name_en") == "Shops"
    response = client.post("/staff/sectors", data={"code": "bad code!", "name_ar": "x", "name_en": "y"})
    assert "small Latin letters" in error_beside(response, "code")
    response = client.post(f"/staff/sectors/{bees_id}", data={"name_ar": "النحل", "name_en": "Bees"})
    assert response.status_code == 302
    with app.app_context():
        bees = db.session.get(Sector, bees_id)
        assert (bees.name_en, bees.active) == ("Bees", False)
        actions = [a for (a,) in db.session.query(AuditEntry.action).filter_by(subject_type="sectors")]
        assert actions == ["sector.create", "sector.deactivate"]
    assert not offers(client.get("/staff/calls/new"), "sectors", bees_id)
    response = client.post(f"/staff/sectors/{bees_id}", data={"name_ar": "", "name_en": "Bees"})
    assert error_beside(response, "name_ar") == "Enter the Arabic name."


def test_unknown_places_and_sectors_are_404(client, staff):
    assert client.get("/staff/places/999999").status_code == 404
    assert client.get("/staff/sectors/999999").status_code == 404
