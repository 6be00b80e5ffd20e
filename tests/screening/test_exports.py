"""Exports of the filtered list: CSV with a byte-order mark and XLSX, Arabic intact, no personal identifiers."""
import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from grants.models import ApplicationStatus, Disability, Gender, utcnow

from ..fixtures.i18n import translated
from ..fixtures.program import flag_duplicates, make_application
from .helpers import audit_rows, reference, submit, update

ARABIC_NAME = "عبدالرحمن أحمد الحسن"
SUBMITTED = datetime(2026, 3, 1, 10, 30, tzinfo=ZoneInfo("UTC"))
SUBMITTED_IN_DAMASCUS = SUBMITTED.astimezone(ZoneInfo("Asia/Damascus")).replace(tzinfo=None)


@pytest.fixture
def exported(app, make_user, call_id):
    first = submit(app, make_user, call_id, full_name_ar=ARABIC_NAME, full_name_latin="=HYPERLINK(\"x\")",
                   gender=Gender.FEMALE, disability=Disability.YES, national_id="08099999999", age=30)
    second = submit(app, make_user, call_id, full_name_ar="مريم يوسف", full_name_latin="Maryam Yousef",
                    gender=Gender.MALE, national_id="08088888888")
    make_application(app, make_user().id, call_id, full_name_ar="مسودة فقط")  # drafts are not exported
    update(app, first, submitted_at=SUBMITTED, requested_amount=1_500_000, own_contribution=250_000)
    flag_duplicates(app, first, second)
    return {"call": call_id, "first": first, "second": second}


def test_csv_export(app, client, staff, exported):
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Reference", "Name in Arabic", "Name in Latin letters", "Gender", "Age at the closing date",
                       "District", "Subdistrict", "Sector", "Stage", "Amount requested", "Own contribution", "Eligible",
                       "Screening status", "Duplicate flags", "Submitted at"]
    assert len(rows) == 3  # header and the two submitted applications, not the draft
    first = next(r for r in rows if r[0] == reference(app, exported["first"]))
    assert first[1] == ARABIC_NAME
    assert first[2] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet
    assert first[3:12] == ["Female", "30", "Deir ez-Zor", "Al-Busayrah", "Trade and retail",
                           "New business (idea)", "1500000", "250000", "Yes"]
    assert first[12] == "Not screened yet"
    assert first[13] == f"Same national ID ({reference(app, exported['second'])})"
    assert first[14] == f"{SUBMITTED_IN_DAMASCUS:%Y-%m-%d %H:%M:%S}"  # program time, not UTC
    assert SUBMITTED_IN_DAMASCUS.hour != SUBMITTED.hour
    assert "08099999999" not in text and "08088888888" not in text  # no national IDs
    assert "Prefer not to say" not in text and "Disability" not in text


def test_csv_export_follows_the_filters_and_is_audited(app, client, staff, exported):
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.csv",
                          query_string={"gender": "male", "q": "مريم", "page": 2})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [reference(app, exported["second"])]
    [entry] = audit_rows(app, "calls", exported["call"], "screening.export")
    assert entry.actor_id == staff.id
    assert entry.details == {"format": "csv", "filters": {"gender": "male", "q": "مريم"}, "rows": 1}


def test_csv_headers_in_arabic_for_arabic_readers(app, client, auth, make_user, exported):
    auth.login(make_user("staff"))
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.csv")
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[0] == translated(app, "Reference", "ar")
    assert header[-1] == translated(app, "Submitted at", "ar")


def test_xlsx_export(app, client, staff, exported):
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Reference" and len(values) == 3
    first = next(r for r in values if r[0] == reference(app, exported["first"]))
    assert first[1] == ARABIC_NAME
    assert first[4] == 30 and first[9] == 1_500_000  # numbers stay numbers
    assert first[14] == SUBMITTED_IN_DAMASCUS
    assert sheet.sheet_view.rightToLeft is not True  # an English reader gets a left-to-right sheet
    flat = [v for row in values for v in row]
    assert "08099999999" not in flat
    [entry] = audit_rows(app, "calls", exported["call"], "screening.export")
    assert entry.details["format"] == "xlsx" and entry.details["rows"] == 2


def test_xlsx_is_right_to_left_in_arabic(app, client, auth, make_user, exported):
    auth.login(make_user("staff"))
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.sheet_view.rightToLeft is True
    assert ARABIC_NAME in [cell.value for cell in sheet["B"]]


def test_unknown_format_is_404(client, staff, exported):
    assert client.get(f"/staff/calls/{exported['call']}/applications/export.pdf").status_code == 404


def test_withdrawn_applications_are_exported_with_the_list(app, client, staff, exported):
    update(app, exported["second"], status=ApplicationStatus.WITHDRAWN, withdrawn_at=utcnow())
    response = client.get(f"/staff/calls/{exported['call']}/applications/export.csv",
                          query_string={"status": "withdrawn"})
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [reference(app, exported["second"])]
