"""The donor workbook: its sheets and headers, one row per application, decision, tranche, enrolment and report of
the filtered set, personal data only when asked (searched for in every cell), Arabic intact, the summary sheet
equal to the dashboard's statistics, the audit row, the form's errors, and a query count that does not grow."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.disbursements.services import program_today
from grants.extensions import db
from grants.models import (
    Application, AuditEntry, Decision, Enrolment, Gender, Grant, Outcome, ProgressReport, User, utcnow,
)
from grants.monitoring import services as monitoring_services
from grants.monitoring import stats
from grants.monitoring.exports import filename

from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import translated
from ..fixtures.monitoring import COMPLETE, paid_grant, report_of
from ..fixtures.program import make_application, make_call, subdistrict
from ..fixtures.routes import counting_statements, error_of, post, signed_in_client, text
from ..fixtures.training import decided_call, enrol, make_course

SHEETS = ["Summary", "Applications", "Decisions", "Grants and tranches", "Training", "Progress reports"]
PERSONAL_HEADERS = {"Name in Arabic", "Name in Latin letters", "Email", "Phone", "National ID", "Business name",
                    "Payment reference", "Certificate number", "What the money bought", "Challenges"}

# The seeded people: each one's personal data, written into their application (and e-mail into their account).
PEOPLE = {
    "grantee_paid": dict(full_name_ar="عبد الرحمن الأحمد", full_name_latin="Abdulrahman Al-Ahmad",
                         national_id="01010000001", phone="+963955000101", business_name="منجرة الأحمد",
                         gender=Gender.MALE, place="Al-Busayrah"),
    "grantee": dict(full_name_ar="فاطمة حسن العلي", full_name_latin="Fatima Hasan Al-Ali", national_id="01010000002",
                    phone="+963955000102", business_name="مشغل فاطمة للخياطة", gender=Gender.FEMALE, place="Dhiban"),
    "not_selected": dict(full_name_ar="خالد محمود الجاسم", full_name_latin="Khaled Mahmoud Al-Jasem",
                         national_id="01010000003", phone="+963955000103",
                         # a spreadsheet would run this as a formula: the workbook keeps it text
                         business_name='=HYPERLINK("http://evil.example","بقالة الجاسم")',
                         gender=Gender.MALE, place="Hajin"),
    "draft": dict(full_name_ar="سلمى يوسف الدندل", full_name_latin="Salma Yousef Al-Dandal", national_id="01010000004",
                  phone="+963955000104", business_name="صالون سلمى", gender=Gender.FEMALE, place="Al-Busayrah"),
    "other_call": dict(full_name_ar="مروان سعيد العكيدي", full_name_latin="Marwan Saeed Al-Ukaidi",
                       national_id="01010000005", phone="+963955000105", business_name="محل العكيدي للهواتف",
                       gender=Gender.MALE, place="Al-Busayrah"),
}


def _personalise(app, application_id, person: dict) -> None:
    with app.app_context():
        application = db.session.get(Application, application_id)
        for field in ("full_name_ar", "full_name_latin", "national_id", "phone", "business_name", "gender"):
            setattr(application, field, person[field])
        application.phone_normalized = person["phone"]
        application.place_id = subdistrict(person["place"]).id
        db.session.commit()


def _application_of_grant(app, grant_id) -> int:
    with app.app_context():
        return db.session.get(Grant, grant_id).application_id


@pytest.fixture
def dataset(app, make_user):
    """Call DZ24C: a grantee paid (two reports scheduled, the first submitted), a grantee not paid yet, an applicant
    not selected and a draft; both grantees enrolled in a course. Call DZ25B: one submitted application."""
    call_id = decided_call(app, code="DZ24C")
    other_call = make_call(app, code="DZ25B")
    ids = {"call": call_id, "other_call": other_call}

    user_paid, grant_paid = paid_grant(app, make_user, call_id)
    ids["grant_paid"] = grant_paid
    _personalise(app, _application_of_grant(app, grant_paid), PEOPLE["grantee_paid"])
    user_grantee, grant = make_grant(app, make_user, call_id)
    _personalise(app, _application_of_grant(app, grant), PEOPLE["grantee"])

    account = make_user("applicant")
    not_selected = make_application(app, account.id, call_id, submit=True)
    _personalise(app, not_selected, PEOPLE["not_selected"])
    with app.app_context():
        db.session.add(Decision(call_id=call_id, application_id=not_selected, outcome=Outcome.NOT_SELECTED,
                                proposed_outcome=Outcome.NOT_SELECTED, rank=9, released_at=utcnow()))
        db.session.commit()
    draft = make_application(app, make_user("applicant").id, call_id)
    _personalise(app, draft, PEOPLE["draft"])
    ids["other_application"] = make_application(app, make_user("applicant").id, other_call, submit=True)
    _personalise(app, ids["other_application"], PEOPLE["other_call"])

    course = make_course(app, calls=[call_id])
    for user_id in (user_paid, user_grantee):
        enrol(app, user_id, course)
    with app.app_context():
        report, grantee = report_of(grant_paid, 1), db.session.get(User, user_paid)
        monitoring_services.save_report(grantee, report, COMPLETE)
        monitoring_services.submit_report(grantee, report)
        db.session.commit()
    return ids


def _seeded_personal_data(app) -> set[str]:
    """Every name, e-mail, phone, national ID, business name and free-text answer of the seeded applicants."""
    values = {COMPLETE["money_bought"], COMPLETE["challenges"]}
    for person in PEOPLE.values():
        values |= {person[f] for f in ("full_name_ar", "full_name_latin", "national_id", "phone", "business_name")}
    with app.app_context():
        for application in db.session.scalars(select(Application)):
            values |= {application.applicant.email, application.applicant.phone}
    return {value for value in values if value}


def _expected(app, keep) -> dict[str, set]:
    """The filtered set's rows, computed here from the ORM: application references per sheet (a reference
    repeated as many times as the sheet has rows for it is checked through the counts)."""
    with app.app_context():
        applications = [a for a in db.session.scalars(select(Application)) if a.submitted_at and keep(a)]
        ids = {a.id for a in applications}
        users = {a.applicant_id for a in applications}
        decisions = db.session.scalars(select(Decision).where(Decision.application_id.in_(ids))).all()
        grants = db.session.scalars(select(Grant).where(Grant.application_id.in_(ids))).all()
        reports = db.session.scalars(select(ProgressReport).join(Grant).where(Grant.application_id.in_(ids))).all()
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id.in_(users))).all()
        return {
            "Applications": sorted(a.reference for a in applications),
            "Decisions": sorted(d.application.reference for d in decisions),
            "Grants and tranches": sorted(g.application.reference for g in grants for _ in g.tranches),
            "Training": sorted(a.reference for e in enrolments for a in applications if a.applicant_id == e.user_id),
            "Progress reports": sorted(r.grant.application.reference for r in reports),
        }


def _today(app):
    with app.app_context():
        return program_today()


def _staff(app, make_user, locale="en"):
    return signed_in_client(app, make_user("staff", locale=locale))


def _download(client, **form):
    response = post(client, "/staff/exports/donor", data=form)
    assert response.status_code == 200, text(response)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response, openpyxl.load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _column(sheet, header) -> list:
    rows = _rows(sheet)
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def _every_cell(workbook) -> list[str]:
    return [str(value) for sheet in workbook.worksheets for row in _rows(sheet) for value in row if value is not None]


# --- sheets, rows and personal data ----------------------------------------------------------------------------

def test_without_personal_data_no_seeded_person_can_be_found_in_any_cell(app, make_user, dataset):
    client = _staff(app, make_user)
    response, workbook = _download(client, call=str(dataset["call"]))
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="donor-DZ24C-{_today(app).isoformat()}.xlsx"'
    assert workbook.sheetnames == SHEETS

    expected = _expected(app, lambda a: a.call_id == dataset["call"])
    assert len(expected["Applications"]) == 3 and len(expected["Grants and tranches"]) == 6
    for title, references in expected.items():
        sheet = workbook[title]
        headers = _rows(sheet)[0]
        assert headers[:2] == ("Reference", "Call") and not PERSONAL_HEADERS & set(headers), title
        assert sorted(_column(sheet, "Reference")) == references, title
        assert sheet.freeze_panes == "B2" and sheet.sheet_view.rightToLeft is not True

    cells = _every_cell(workbook)
    for value in _seeded_personal_data(app):
        assert not any(value in cell for cell in cells), value
    # what stays: demographics, places, amounts and statuses
    applications = workbook["Applications"]
    assert sorted(_column(applications, "Gender")) == ["Female", "Male", "Male"]
    assert sorted(_column(applications, "District")) == ["Abu Kamal", "Al-Mayadin", "Deir ez-Zor"]
    assert sorted(_column(applications, "Subdistrict")) == ["Al-Busayrah", "Dhiban", "Hajin"]
    assert _column(applications, "Age at the closing date") == [25, 25, 25]
    assert sorted(_column(workbook["Decisions"], "Outcome")) == ["Approved", "Approved", "Not selected"]
    reports = workbook["Progress reports"]
    assert sorted(_column(reports, "Report status")) == ["Submitted", "To be submitted"]
    assert sorted(_column(reports, "Jobs in total")) == [0, 3]


def test_with_personal_data_names_and_contacts_are_there_in_arabic_intact(app, make_user, dataset):
    client = _staff(app, make_user)
    _, workbook = _download(client, call=str(dataset["call"]), personal="y")
    applications = workbook["Applications"]
    by_reference = {row[0]: row for row in _rows(applications)[1:]}
    headers = _rows(applications)[0]
    with app.app_context():
        reference = db.session.get(Grant, dataset["grant_paid"]).application.reference
        email = db.session.get(Grant, dataset["grant_paid"]).application.applicant.email
    row = dict(zip(headers, by_reference[reference]))
    person = PEOPLE["grantee_paid"]
    assert row["Name in Arabic"] == "عبد الرحمن الأحمد"
    assert (row["Name in Latin letters"], row["Email"], row["Phone"], row["National ID"], row["Business name"]) == (
        person["full_name_latin"], email, person["phone"], person["national_id"], person["business_name"])
    # every sheet names the person beside the reference; the draft and the other call's applicant are absent
    for title in SHEETS[1:]:
        names = _column(workbook[title], "Name in Arabic")
        assert "عبد الرحمن الأحمد" in names, title
    cells = _every_cell(workbook)
    for absent in ("draft", "other_call"):
        assert not any(PEOPLE[absent]["full_name_ar"] in cell for cell in cells)
    assert COMPLETE["money_bought"] in _column(workbook["Progress reports"], "What the money bought")
    formula_like = [c for row in applications.iter_rows() for c in row
                    if c.value == PEOPLE["not_selected"]["business_name"]]
    assert len(formula_like) == 1 and formula_like[0].data_type == "s"


def test_filters_restrict_every_sheet(app, make_user, dataset):
    client = _staff(app, make_user)
    with app.app_context():  # the other call's application was submitted 40 days ago
        db.session.get(Application, dataset["other_application"]).submitted_at = utcnow() - timedelta(days=40)
        db.session.commit()
        deir_ez_zor = subdistrict("Al-Busayrah").parent_id
    today = _today(app)

    _, workbook = _download(client)  # no filter: every submitted application of every call
    expected = _expected(app, lambda a: True)
    assert len(expected["Applications"]) == 4
    for title, references in expected.items():
        assert sorted(_column(workbook[title], "Reference")) == references, title

    _, workbook = _download(client, district=str(deir_ez_zor))
    expected = _expected(app, lambda a: a.place.parent_id == deir_ez_zor)
    assert len(expected["Applications"]) == 2 and len(expected["Progress reports"]) == 2
    for title, references in expected.items():
        assert sorted(_column(workbook[title], "Reference")) == references, title

    _, workbook = _download(client, start=(today - timedelta(days=10)).isoformat())
    assert sorted(_column(workbook["Applications"], "Reference")) == _expected(
        app, lambda a: a.id != dataset["other_application"])["Applications"]
    _, workbook = _download(client, end=(today - timedelta(days=20)).isoformat())
    assert _column(workbook["Applications"], "Call") == ["DZ25B"]
    assert _rows(workbook["Decisions"])[1:] == []


def test_the_summary_sheet_holds_the_headline_figures_and_every_table(app, make_user, dataset):
    client = _staff(app, make_user)
    _, workbook = _download(client, call=str(dataset["call"]))
    with app.test_request_context(), force_locale("en"):
        filters = stats.Filters(call_id=dataset["call"])
        headline, tables = stats.headline(filters), stats.summary_tables(filters)
    assert tables, "the statistics give tables to export"
    rows = _rows(workbook["Summary"])
    start = rows.index(("Headline figures",) + (None,) * (len(rows[0]) - 1))

    def trimmed(row):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        return values

    cursor = start + 1
    for label, value in headline:
        assert trimmed(rows[cursor]) == [label, value]
        cursor += 1
    for table in tables:
        assert trimmed(rows[cursor]) == []
        assert trimmed(rows[cursor + 1]) == [table.title]
        assert trimmed(rows[cursor + 2]) == table.columns
        cursor += 3
        for values in table.rows:
            assert trimmed(rows[cursor]) == trimmed(values), table.key
            cursor += 1
        if table.note:
            assert trimmed(rows[cursor]) == [table.note]
            cursor += 1
    assert cursor == len(rows)


def test_each_export_is_audited_with_its_filters_and_whether_it_holds_personal_data(app, make_user, dataset):
    client = _staff(app, make_user)
    _download(client, call=str(dataset["call"]), start="2020-01-31")
    _download(client, personal="y")
    with app.app_context():
        first, second = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "monitoring.donor_export")
                                           .order_by(AuditEntry.id)).all()
        assert first.details["personal"] is False and second.details["personal"] is True
        assert first.details["filters"] == {"call_id": dataset["call"], "start": "2020-01-31"}
        assert (first.subject_type, first.subject_id) == ("calls", dataset["call"])
        assert first.details["rows"] == {"applications": 3, "decisions": 3, "grants": 6, "training": 2, "reports": 2}
        assert second.details["filters"] == {} and second.subject_id is None


def test_arabic_readers_get_a_right_to_left_workbook(app, make_user, dataset):
    client = _staff(app, make_user, locale="ar")
    _, workbook = _download(client, call=str(dataset["call"]))
    assert len(workbook.sheetnames) == len(SHEETS)
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)
    assert workbook.worksheets[1].freeze_panes == "B2"
    # sheet names and headers are the reader's language (the catalogue's Arabic where it has one)
    assert workbook.sheetnames[1] == translated(app, "Applications")
    assert _rows(workbook.worksheets[1])[0][:3] == (translated(app, "Reference"), translated(app, "Call"),
                                                    translated(app, "Status"))


def _checkbox(page) -> str:
    return re.search(r'<input[^>]*id="personal"[^>]*>', page).group(0)


# --- the form --------------------------------------------------------------------------------------------------

def test_the_form_starts_from_the_dashboard_filters_and_warns_about_personal_data(app, make_user, dataset):
    client = _staff(app, make_user)
    page = text(client.get(f"/staff/exports/donor?call={dataset['call']}&start=2026-01-01"))
    assert 'id="personal-warning"' in page and "Include personal data" in page
    assert f'<option selected value="{dataset["call"]}">' in page and 'value="2026-01-01"' in page
    assert "checked" not in _checkbox(page)


@pytest.mark.parametrize("form, field, message", [
    ({"call": "abc"}, "call", "Choose a call from the list."),
    ({"call": "99999"}, "call", "Choose a call from the list."),
    ({"district": "1"}, "district", "Choose a district from the list."),  # the governorate, not a district
    ({"start": "31/12/2026"}, "start", "Enter the date as year-month-day, for example 2026-03-15."),
    ({"start": "2026-05-02", "end": "2026-05-01"}, "end", "The end of the period cannot be before its start."),
])
def test_bad_input_shows_the_form_again_with_the_error(app, make_user, dataset, form, field, message):
    client = _staff(app, make_user)
    response = post(client, "/staff/exports/donor", data={**form, "personal": "y"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = text(response)
    assert error_of(page, field) == message
    assert "checked" in _checkbox(page)  # nothing ticked is lost
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "monitoring.donor_export")) is None


def test_only_staff_export(app, make_user, dataset):
    client = signed_in_client(app, make_user("applicant"))
    assert post(client, "/staff/exports/donor", data={"personal": "y"}).status_code == 403
    assert client.get("/staff/exports/donor").status_code == 403


def test_the_number_of_queries_does_not_grow_with_the_data(app, make_user, dataset):
    client = _staff(app, make_user)
    with counting_statements(app) as before:
        _download(client, personal="y")
    for _ in range(3):
        _, grant_id = paid_grant(app, make_user, dataset["call"])
        make_application(app, make_user("applicant").id, dataset["other_call"], submit=True)
    with counting_statements(app) as after:
        _, workbook = _download(client, personal="y")
    assert len(_column(workbook["Applications"], "Reference")) == 10
    assert len(after) == len(before)


def test_the_file_is_named_after_the_call_or_the_program(app, make_user, dataset):
    day = _today(app)
    with app.app_context():
        from grants.models import Call

        assert filename(db.session.get(Call, dataset["call"]), day) == f"donor-DZ24C-{day.isoformat()}.xlsx"
    assert filename(None, day) == f"donor-program-{day.isoformat()}.xlsx"
