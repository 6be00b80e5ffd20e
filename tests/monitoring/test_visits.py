"""Site visits through the test client: the form's defaults, a visit recorded with several photos at once, a bad
photo or a bad date refused beside its field with nothing half-saved and what was typed kept, the visit's page with
its photos, and photos added later up to the limit."""
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from sqlalchemy import func, select

from grants.disbursements import forms as disbursement_forms
from grants.disbursements import services as disbursements
from grants.extensions import db
from grants.models import AuditEntry, BusinessStatus, MonitoringFile, SiteVisit
from grants.monitoring import services
from grants.storage import storage

from ..fixtures.i18n import says
from ..fixtures.monitoring import paid_grant
from ..fixtures.routes import error_of, flashes, input_value, post, signed_in_client, text
from ..fixtures.training import decided_call

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
PDF = b"%PDF-1.4 visit sheet\n%%EOF\n"
FINDINGS = "الورشة تعمل، وتم شراء ماكينة الخياطة المذكورة في الطلب. تعمل في المشغل امرأتان."


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def program_day(app):
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def photo(data=PNG, name="ورشة.png"):
    return (io.BytesIO(data), name)


def counts(app) -> dict:
    with app.app_context():
        return {"visits": db.session.scalar(select(func.count(SiteVisit.id))),
                "files": db.session.scalar(select(func.count(MonitoringFile.id))),
                "audit": db.session.scalar(select(func.count(AuditEntry.id)).where(
                    AuditEntry.action.in_(("monitoring.visit", "monitoring.add_file")))),
                "stored": sum(1 for path in Path(storage().root).rglob("*") if path.is_file())
                if Path(storage().root).exists() else 0}





@pytest.fixture
def grant_id(app, make_user):
    return paid_grant(app, make_user, decided_call(app), paid_days_ago=100)[1]


def visit_form(app, **changes):
    data = {"visited_on": (program_day(app) - timedelta(days=3)).isoformat(), "visitor_name": "فريق المتابعة",
            "business_status": "operating", "findings": FINDINGS}
    data.update(changes)
    return data


# --- recording a visit -----------------------------------------------------------------------------------------

def test_new_visit_form_defaults_to_today_and_the_staff_member(app, make_user, staff_en, grant_id):
    path = url(app, "monitoring.new_visit", grant_id=grant_id)
    arabic = signed_in_client(app, make_user("staff", name="خالد العبد الله")).get(path)
    assert arabic.status_code == 200 and 'dir="rtl"' in text(arabic)
    assert input_value(text(arabic), "visitor_name") == "خالد العبد الله"
    assert says(arabic, app, "Record a site visit")

    page = text(signed_in_client(app, staff_en).get(path))
    assert input_value(page, "visited_on") == program_day(app).isoformat()
    assert input_value(page, "visitor_name") == "Rania Haddad"
    assert 'enctype="multipart/form-data"' in page and re.search(r'<input[^>]*multiple[^>]*name="photos"', page)


def test_a_visit_is_recorded_with_several_photos_and_audited(app, staff_en, grant_id):
    client = signed_in_client(app, staff_en)
    before = counts(app)
    response = post(client, url(app, "monitoring.new_visit", grant_id=grant_id),
                    data={**visit_form(app), "photos": [photo(), photo(PDF, "محضر الزيارة.pdf")]},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    assert any("The site visit is recorded." in message for _, message in flashes(client))
    with app.app_context():
        visit = db.session.scalar(select(SiteVisit))
        assert response.location.endswith(url(app, "monitoring.visit", visit_id=visit.id))
        assert (visit.grant_id, visit.visited_on, visit.visitor_name, visit.business_status, visit.findings) == (
            grant_id, program_day(app) - timedelta(days=3), "فريق المتابعة", BusinessStatus.OPERATING, FINDINGS)
        assert visit.visitor_id == staff_en.id
        assert [(f.original_name, f.content_type) for f in visit.files] == [
            ("ورشة.png", "image/png"), ("محضر الزيارة.pdf", "application/pdf")]
        assert [storage().read(f.storage_key) for f in visit.files] == [PNG, PDF]
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("monitoring.%"))
                                     .order_by(AuditEntry.id)).all()
        assert actions == ["monitoring.visit", "monitoring.add_file", "monitoring.add_file"]
        visit_id, file_ids = visit.id, [f.id for f in visit.files]
    after = counts(app)
    assert after["visits"] - before["visits"] == 1 and after["stored"] - before["stored"] == 2

    page = text(client.get(url(app, "monitoring.visit", visit_id=visit_id)))
    assert FINDINGS in page and "فريق المتابعة" in page and "Operating" in page
    for file_id in file_ids:
        assert f'href="{url(app, "monitoring.file", file_id=file_id)}"' in page
    assert f'<img src="{url(app, "monitoring.file", file_id=file_ids[0])}"' in page  # the photo is shown
    assert f'<img src="{url(app, "monitoring.file", file_id=file_ids[1])}"' not in page  # the PDF is a link
    # staff download the photo through slice A's file endpoint
    download = client.get(url(app, "monitoring.file", file_id=file_ids[0]))
    assert download.status_code == 200 and download.data == PNG


def test_the_visitor_defaults_to_the_staff_member_and_the_status_may_be_left_out(app, staff_en, grant_id):
    client = signed_in_client(app, staff_en)
    response = post(client, url(app, "monitoring.new_visit", grant_id=grant_id),
                    data=visit_form(app, visitor_name="  ", business_status="", visited_on="٢٠٢٥-٠١-١٥"))
    assert response.status_code == 302
    with app.app_context():
        visit = db.session.scalar(select(SiteVisit))
        assert visit.visitor_name == "Rania Haddad" and visit.business_status is None and visit.files == []
        assert visit.visited_on.isoformat() == "2025-01-15"  # Arabic digits read as a date


@pytest.mark.parametrize("name, data, message", [
    ("text file", b"hello, this is not a photo", "Only PDF, JPEG or PNG files can be uploaded"),
    ("empty file", b"", "The file is empty."),
    ("program renamed", b"MZ\x90\x00" + b"\0" * 40, "Only PDF, JPEG or PNG files can be uploaded"),
])
def test_a_bad_photo_is_refused_beside_the_field_and_nothing_is_saved(app, staff_en, grant_id, name, data, message):
    client = signed_in_client(app, staff_en)
    before = counts(app)
    # the good photo comes first: it must not be saved either
    response = client.post(url(app, "monitoring.new_visit", grant_id=grant_id),
                           data={**visit_form(app), "photos": [photo(), photo(data, "photo.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = text(response)
    assert message in error_of(page, "photos")
    assert FINDINGS in page and input_value(page, "visitor_name") == "فريق المتابعة"
    assert re.search(r'<option selected value="operating">|<option value="operating" selected>', page)
    assert counts(app) == before


def test_too_large_and_too_many_photos_are_refused(app, staff_en, grant_id):
    client = signed_in_client(app, staff_en)
    before = counts(app)
    app.config["UPLOAD_MAX_BYTES"] = 1000
    large = client.post(url(app, "monitoring.new_visit", grant_id=grant_id),
                        data={**visit_form(app), "photos": [photo(PNG + b"\0" * 2000)]},
                        content_type="multipart/form-data")
    assert large.status_code == 200 and "The file is larger than" in error_of(text(large), "photos")
    many = client.post(url(app, "monitoring.new_visit", grant_id=grant_id),
                       data={**visit_form(app), "photos": [photo() for _ in range(services.MAX_FILES + 1)]},
                       content_type="multipart/form-data")
    assert many.status_code == 200
    assert f"At most {services.MAX_FILES} files can be attached." in error_of(text(many), "photos")
    assert counts(app) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"visited_on": ""}, "visited_on", "Enter the date of the visit."),
    ({"visited_on": "2026-13-45"}, "visited_on", "Enter the date as year-month-day"),
    ({"visited_on": "yesterday"}, "visited_on", "Enter the date as year-month-day"),
    ({"visited_on": "9" * 500}, "visited_on", "Enter the date as year-month-day"),
    ({"visited_on": "future"}, "visited_on", "The visit date cannot be in the future."),
    ({"findings": "   "}, "findings", "Write what the visit found."),
    ({"findings": "ا" * 5001}, "findings", "Write at most 5000 characters."),
    ({"business_status": "flying"}, "business_status", "Choose one of the listed states."),
    ({"visitor_name": "x" * 201}, "visitor_name", "Write at most 200 characters."),
])
def test_bad_visit_input_is_refused_beside_its_field_with_the_rest_kept(app, staff_en, grant_id, changes, field,
                                                                        message):
    if changes.get("visited_on") == "future":
        changes = {"visited_on": (program_day(app) + timedelta(days=1)).isoformat()}
    client = signed_in_client(app, staff_en)
    before = counts(app)
    response = client.post(url(app, "monitoring.new_visit", grant_id=grant_id),
                           data={**visit_form(app, **changes), "photos": [photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = text(response)
    assert message in error_of(page, field)
    if field != "findings":
        assert FINDINGS in page
    if field != "visitor_name":
        assert input_value(page, "visitor_name") == "فريق المتابعة"
    assert counts(app) == before


def test_the_visit_date_is_the_programs_day_not_utcs(app, staff_en, grant_id, monkeypatch):
    """Just after midnight in the program's timezone UTC still has yesterday: today is not "in the future"."""
    tomorrow_in_utc = datetime.now(ZoneInfo("UTC")).date() + timedelta(days=1)
    monkeypatch.setattr(disbursements, "program_today", lambda: tomorrow_in_utc)
    monkeypatch.setattr(disbursement_forms, "program_today", lambda: tomorrow_in_utc)
    client = signed_in_client(app, staff_en)
    response = post(client, url(app, "monitoring.new_visit", grant_id=grant_id),
                    data=visit_form(app, visited_on=tomorrow_in_utc.isoformat()))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SiteVisit.visited_on)) == tomorrow_in_utc


def test_unknown_grants_and_visits_are_404(app, staff_en):
    client = signed_in_client(app, staff_en)
    for path in ("/staff/grants/999999/visits/new", "/staff/grants/99999999999/visits/new",
                 "/staff/visits/999999", "/staff/visits/99999999999", "/staff/visits/abc"):
        assert client.get(path).status_code == 404, path
    assert client.post("/staff/grants/999999/visits/new", data={"findings": "x"}).status_code == 404
    assert client.post("/staff/visits/999999/files").status_code == 404


# --- the visit's page and photos added later -------------------------------------------------------------------

@pytest.fixture
def visit_id(app, staff_en, grant_id):
    client = signed_in_client(app, staff_en)
    assert post(client, url(app, "monitoring.new_visit", grant_id=grant_id), data=visit_form(app)).status_code == 302
    with app.app_context():
        return db.session.scalar(select(SiteVisit.id))


def test_photos_are_added_later_and_a_bad_one_is_refused(app, make_user, staff_en, visit_id):
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.add_visit_file", visit_id=visit_id)
    page_path = url(app, "monitoring.visit", visit_id=visit_id)

    arabic = signed_in_client(app, make_user("staff")).get(page_path)
    assert arabic.status_code == 200 and 'dir="rtl"' in text(arabic) and 'id="no-photos"' in text(arabic)

    nothing = client.post(path, data={}, content_type="multipart/form-data")
    assert nothing.status_code == 200 and "Choose the photos to add." in error_of(text(nothing), "photos")
    before = counts(app)
    bad = client.post(path, data={"photos": [photo(), photo(b"GIF89a....", "x.gif")]},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "Only PDF, JPEG or PNG" in error_of(text(bad), "photos")
    assert counts(app) == before

    added = post(client, path, data={"photos": [photo(), photo(name="second.png")]},
                 content_type="multipart/form-data")
    assert added.status_code == 302 and added.location.endswith(page_path)
    assert any("The photos are added." in message for _, message in flashes(client))
    with app.app_context():
        names = db.session.scalars(select(MonitoringFile.original_name).where(MonitoringFile.visit_id == visit_id)
                                   .order_by(MonitoringFile.id)).all()
        assert names == ["ورشة.png", "second.png"]
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "monitoring.add_file")) == 2
    page = text(client.get(page_path))
    assert page.count('class="file-link"') == 2 and 'id="add-photos"' in page


def test_a_visit_takes_at_most_the_file_limit(app, staff_en, visit_id):
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.add_visit_file", visit_id=visit_id)
    # nine now and two more: refused whole, since together they pass the limit
    assert post(client, path, data={"photos": [photo() for _ in range(services.MAX_FILES - 1)]},
                content_type="multipart/form-data").status_code == 302
    over = client.post(path, data={"photos": [photo(), photo()]}, content_type="multipart/form-data")
    assert over.status_code == 200
    assert f"At most {services.MAX_FILES} files" in error_of(text(over), "photos")
    assert post(client, path, data={"photos": [photo()]}, content_type="multipart/form-data").status_code == 302
    page = text(client.get(url(app, "monitoring.visit", visit_id=visit_id)))
    assert page.count('class="file-link"') == services.MAX_FILES and 'id="add-photos"' not in page
    # a forged post past the limit is refused beside the field, not a 500
    forged = client.post(path, data={"photos": [photo()]}, content_type="multipart/form-data")
    assert forged.status_code == 200 and f"At most {services.MAX_FILES} files" in text(forged)
    with app.app_context():
        assert db.session.scalar(select(func.count(MonitoringFile.id))) == services.MAX_FILES
