"""The grantee's progress report through the test client: the page in Arabic and English, drafts that keep what was
typed, errors beside the fields, submission (once), the read-only report, changes asked by staff, photos and
receipts (upload, remove, download), the report list on the grant page and the dashboard notice, query counts."""
import re
from datetime import timedelta
from functools import partial
from io import BytesIO

import pytest
from sqlalchemy import func, select

from grants.applications.uploads import Upload
from grants.disbursements.services import program_today
from grants.extensions import db
from grants.models import AuditEntry, Grant, MonitoringFile, OutboxMessage, ProgressReport, ReportStatus, User
from grants.monitoring import services
from grants.storage import storage

from ..fixtures.accounts import Account
from ..fixtures.i18n import says
from ..fixtures.monitoring import COMPLETE, paid_grant, report_of
from ..fixtures.races import at_once
from ..fixtures.routes import counting_statements, error_of, flashes, input_value, post, signed_in_client, text
from ..fixtures.rows import detached
from ..fixtures.training import decided_call

PDF = b"%PDF-1.4 receipt for tests\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
EN_MISSING = "Please answer this question before submitting."


@pytest.fixture
def call(app):
    return decided_call(app)


def grantee_world(app, make_user, call, *, locale="ar", paid_days_ago=0, followup=(3, 6)) -> dict:
    grantee_id, grant_id = paid_grant(app, make_user, call, locale=locale, paid_days_ago=paid_days_ago,
                                      followup=followup)
    with app.app_context():
        report = report_of(grant_id)
        grant = db.session.get(Grant, grant_id)
        return {"grantee": grantee_id, "grant": grant_id, "report": report.id, "due_on": report.due_on,
                "application": grant.application_id, "email": db.session.get(User, grantee_id).email}


def client_of(app, world):
    return signed_in_client(app, Account(world["grantee"], world["email"]))


def report_path(world) -> str:
    return f"/reports/{world['report']}"


def report_row(app, report_id) -> ProgressReport:
    with app.app_context():
        report = db.session.get(ProgressReport, report_id)
        db.session.expunge(report)
        return report


def files_of(app, report_id) -> list[MonitoringFile]:
    return detached(app, select(MonitoringFile).where(MonitoringFile.report_id == report_id)
                    .order_by(MonitoringFile.id))


def audit_count(app, action) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def attach(app, world, *uploads):
    with app.app_context():
        report, grantee = db.session.get(ProgressReport, world["report"]), db.session.get(User, world["grantee"])
        for upload in uploads:
            services.add_file(grantee, upload, report=report)
        db.session.commit()


def review(app, make_user, world, *, approve, comment=""):
    """Staff review the (submitted) report through the service, as their review page does."""
    staff_id = make_user("staff").id
    with app.app_context():
        services.review_report(db.session.get(User, staff_id), db.session.get(ProgressReport, world["report"]),
                               approve=approve, comment=comment)
        db.session.commit()


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons called `name`."""
    return [value for tag in re.findall(r"<input[^>]*>", page) if f'name="{name}"' in tag and "checked" in tag
            for value in re.findall(r'value="([^"]*)"', tag)]



def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    return match.group(1).strip() if match else ""


# --- the page ------------------------------------------------------------------------------------------------

def test_the_report_page_in_arabic(app, make_user, call):
    world = grantee_world(app, make_user, call, paid_days_ago=100)  # report 1 (3 months) is overdue
    response = client_of(app, world).get(report_path(world))
    assert response.status_code == 200
    page = text(response)
    assert 'lang="ar" dir="rtl"' in page
    assert 'id="report-status" data-status="due"' in page and 'id="report-overdue"' in page
    assert says(response, app, "Save draft") and says(response, app, "Overdue")
    # The questions: three business states, five revenue bands, four job counts, two texts, a file.
    for name, values in (("business_status", ["operating", "paused", "closed"]),
                         ("revenue_band", ["none", "under_500k", "500k_1m", "1m_3m", "over_3m"])):
        assert re.findall(rf'name="{name}"[^>]*value="([^"]*)"', page) == values
    for name in ("jobs_women_full", "jobs_women_part", "jobs_men_full", "jobs_men_part"):
        assert f'name="{name}"' in page and 'inputmode="numeric"' in page
    assert 'name="money_bought"' in page and 'name="challenges"' in page and 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="action" value="submit"' in page
    assert f'formaction="/reports/{world["report"]}/files"' in page  # works without JavaScript


def test_the_report_page_in_english(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    page = text(client_of(app, world).get(report_path(world)))
    assert 'lang="en" dir="ltr"' in page
    assert "Progress report 1" in page and "To be submitted" in page
    due = world["due_on"]
    assert f"{due:%b} {due.day}, {due.year}" in page and 'id="report-overdue"' not in page
    for label in ("Is the business operating?", "Operating", "Paused", "Closed down", "Monthly revenue",
                  "No revenue yet", "More than 3,000,000", "Women, full time", "Men, part time",
                  "What the grant money bought", "Photos and receipts", "Save draft", "Submit report"):
        assert label in page, label
    assert "You have attached 0 of at most 10 files." in page


def test_a_draft_keeps_what_was_typed(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    response = post(client, report_path(world), data={
        "action": "save", "business_status": "paused", "jobs_women_full": "٣", "jobs_men_part": "",
        "challenges": "الكهرباء تنقطع"})
    assert response.status_code == 302 and response.location.endswith(report_path(world))
    assert flashes(client) == [("success", "Your draft is saved. You can come back and finish it later.")]
    report = report_row(app, world["report"])
    assert (report.status, report.business_status.value, report.jobs_women_full, report.challenges) == (
        ReportStatus.DUE, "paused", 3, "الكهرباء تنقطع")
    page = text(client.get(report_path(world)))
    assert checked(page, "business_status") == ["paused"] and checked(page, "revenue_band") == []
    assert input_value(page, "jobs_women_full") == "3" and textarea(page, "challenges") == "الكهرباء تنقطع"

    # A count that is not a number: shown beside its field with what was typed; the rest is saved.
    response = post(client, report_path(world), data={
        "action": "save", "business_status": "operating", "jobs_men_full": "many", "money_bought": "ماكينة"})
    assert response.status_code == 200
    page = text(response)
    assert error_of(page, "jobs_men_full") == "Enter a whole number, without decimals, for example 1500000."
    assert input_value(page, "jobs_men_full") == "many" and textarea(page, "money_bought") == "ماكينة"
    report = report_row(app, world["report"])
    assert (report.business_status.value, report.money_bought, report.jobs_men_full) == ("operating", "ماكينة", 0)


def test_submitting_with_missing_answers_shows_each_beside_its_field(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    response = post(client, report_path(world), data={"action": "submit", "jobs_women_part": "2",
                                                      "challenges": "السوق ضعيف"})
    assert response.status_code == 200
    page = text(response)
    for name in ("business_status", "revenue_band", "money_bought"):
        assert error_of(page, name) == EN_MISSING, name
    assert error_of(page, "challenges") == "" and error_of(page, "jobs_women_part") == ""
    assert "What was filled in correctly is saved." in page
    assert input_value(page, "jobs_women_part") == "2" and textarea(page, "challenges") == "السوق ضعيف"
    # Kept as a draft, not submitted.
    report = report_row(app, world["report"])
    assert (report.status, report.jobs_women_part, report.challenges) == (ReportStatus.DUE, 2, "السوق ضعيف")
    assert audit_count(app, "monitoring.submit_report") == 0


def test_errors_are_in_the_readers_language(app, make_user, call):
    world = grantee_world(app, make_user, call)
    response = post(client_of(app, world), report_path(world), data={"action": "submit", "jobs_men_full": "-3"})
    page = text(response)
    assert response.status_code == 200 and 'dir="rtl"' in page
    assert error_of(page, "jobs_men_full") != "" and "Enter" not in error_of(page, "jobs_men_full")
    assert error_of(page, "business_status") != ""


def test_submitting_makes_the_report_read_only_and_a_second_submit_is_refused(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    response = post(client, report_path(world), data={"action": "submit", **COMPLETE})
    assert response.status_code == 302
    assert flashes(client) == [("success", "Thank you. Your progress report is submitted; the program team will "
                                           "review it.")]
    report = report_row(app, world["report"])
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
    page = text(client.get(report_path(world)))
    assert 'id="report-form"' not in page and 'name="action"' not in page
    assert 'data-status="submitted"' in page and "The program team will review it" in page
    assert re.search(r'id="answer-business_status">\s*Operating\s*<', page)
    assert re.search(r'id="answer-revenue_band">\s*500,000 to 1,000,000\s*<', page)
    assert re.search(r'id="answer-jobs_total">\s*3\s*<', page)  # 1 woman full time, 2 men part time
    assert COMPLETE["money_bought"] in page

    # The same button again (a double click, an old tab): refused cleanly, nothing changes, one audit row.
    again = post(client, report_path(world), data={"action": "submit", **COMPLETE, "challenges": "changed"})
    assert again.status_code == 302 and again.location.endswith(report_path(world))
    assert flashes(client) == [("error", "This report has been submitted and can no longer be changed.")]
    assert report_row(app, world["report"]).challenges == COMPLETE["challenges"]
    assert audit_count(app, "monitoring.submit_report") == 1


@pytest.mark.postgres_only
def test_two_submits_at_the_same_moment_submit_once(app, make_user, call):
    """Two tabs (or a double click) posting the report together, on PostgreSQL's real row locks."""
    world = grantee_world(app, make_user, call, locale="en")
    clients = [client_of(app, world) for _ in range(2)]
    responses = at_once(*(partial(post, client, report_path(world), data={"action": "submit", **COMPLETE})
                          for client in clients), timeout=30)
    assert [response.status_code for response in responses] == [302, 302]
    assert report_row(app, world["report"]).status == ReportStatus.SUBMITTED
    assert audit_count(app, "monitoring.submit_report") == 1


def test_changes_requested_show_the_comment_and_the_form_again(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    post(client, report_path(world), data={"action": "submit", **COMPLETE})
    review(app, make_user, world, approve=False, comment="Please attach the receipt for the machine.")
    with app.app_context():
        [email] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "report_reviewed")).all()
        assert email.subject == "Your progress report 1 needs changes"
        assert "Please attach the receipt for the machine." in email.body_text
        assert f"http://localhost/reports/{world['report']}" in email.body_text
    page = text(client.get(report_path(world)))
    top = page[:page.index('id="report-form"')]
    assert 'id="changes-requested"' in top and "Please attach the receipt for the machine." in top
    assert checked(page, "business_status") == ["operating"] and checked(page, "revenue_band") == ["500k_1m"]
    response = post(client, report_path(world), data={
        "action": "submit", **COMPLETE, "file": (BytesIO(PDF), "machine receipt.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert report_row(app, world["report"]).status == ReportStatus.SUBMITTED
    assert [f.original_name for f in files_of(app, world["report"])] == ["machine receipt.pdf"]
    review(app, make_user, world, approve=True)
    page = text(client.get(report_path(world)))
    assert 'data-status="approved"' in page and 'id="report-approved"' in page and 'id="report-form"' not in page
    assert "machine receipt.pdf" in page


def test_staff_are_sent_to_the_review_page_and_others_get_404(app, make_user, call):
    world = grantee_world(app, make_user, call)
    staff = signed_in_client(app, make_user("staff"))
    response = staff.get(report_path(world))
    assert response.status_code == 302 and response.location.endswith(f"/staff/reports/{world['report']}")
    for role in ("applicant", "reviewer"):
        other = signed_in_client(app, make_user(role))
        assert other.get(report_path(world)).status_code == 404
        assert post(other, report_path(world), data={"action": "submit", **COMPLETE}).status_code == 404
    assert report_row(app, world["report"]).status == ReportStatus.DUE
    assert signed_in_client(app, make_user("applicant")).get("/reports/99999999999").status_code == 404


# --- files ---------------------------------------------------------------------------------------------------

def upload(client, world, filename, data, **answers):
    return post(client, f"/reports/{world['report']}/files",
                data={"action": "upload", "file": (BytesIO(data), filename), **answers},
                content_type="multipart/form-data")


def test_uploading_keeps_the_answers_typed_and_refuses_bad_files_beside_the_field(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    response = upload(client, world, "invoice.pdf", PDF, money_bought="أقمشة")
    assert response.status_code == 302 and response.location.endswith(f"{report_path(world)}#files")
    assert flashes(client) == [("success", "The file is attached to your report.")]
    [stored] = files_of(app, world["report"])
    assert (stored.original_name, stored.content_type, stored.size_bytes) == ("invoice.pdf", "application/pdf",
                                                                             len(PDF))
    assert report_row(app, world["report"]).money_bought == "أقمشة"  # typed before pressing "Attach"

    for filename, data, message in (
            ("photo.pdf", b"MZ\x90\x00 a program", "Only PDF, JPEG or PNG files can be uploaded"),
            ("empty.png", b"", "The file is empty. Please choose the file again.")):
        response = upload(client, world, filename, data, challenges="ما كتبته")
        page = text(response)
        assert response.status_code == 200 and message in error_of(page, "file")
        assert textarea(page, "challenges") == "ما كتبته"
    response = post(client, f"/reports/{world['report']}/files", data={"action": "upload"},
                    content_type="multipart/form-data")
    assert response.status_code == 200 and error_of(text(response), "file") == "Choose a file to upload."
    app.config["UPLOAD_MAX_BYTES"] = 64
    response = upload(client, world, "big.pdf", b"%PDF-" + b"0" * 100)
    assert "larger than" in error_of(text(response), "file")
    assert len(files_of(app, world["report"])) == 1


def test_at_most_ten_files(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    attach(app, world, *[Upload(f"receipt-{n}.pdf", PDF) for n in range(services.MAX_FILES)])
    client = client_of(app, world)
    page = text(client.get(report_path(world)))
    assert "You have attached 10 of at most 10 files." in page and 'type="file"' not in page
    response = upload(client, world, "eleventh.png", PNG)
    assert response.status_code == 200
    assert error_of(text(response), "file") == "At most 10 files can be attached."
    assert len(files_of(app, world["report"])) == services.MAX_FILES


def test_a_file_chosen_before_save_draft_is_attached_too(app, make_user, call):
    world = grantee_world(app, make_user, call)
    client = client_of(app, world)
    response = post(client, report_path(world), data={"action": "save", "file": (BytesIO(PNG), "shop.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    assert [f.original_name for f in files_of(app, world["report"])] == ["shop.png"]


def test_removing_a_file_while_the_report_can_change(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    attach(app, world, Upload("keep.pdf", PDF), Upload("wrong.png", PNG))
    keep, wrong = files_of(app, world["report"])
    client = client_of(app, world)
    page = text(client.get(report_path(world)))
    assert f'action="/reports/{world["report"]}/files/{wrong.id}/remove"' in page
    # Somebody else cannot, and a file is removed only through its own report.
    other = signed_in_client(app, make_user("applicant"))
    assert post(other, f"/reports/{world['report']}/files/{wrong.id}/remove").status_code == 404
    other_world = grantee_world(app, make_user, call)
    assert post(client, f"/reports/{other_world['report']}/files/{wrong.id}/remove").status_code == 404
    response = post(client, f"/reports/{world['report']}/files/{wrong.id}/remove")
    assert response.status_code == 302 and flashes(client) == [("success", "The file is removed from your report.")]
    assert [f.id for f in files_of(app, world["report"])] == [keep.id]
    with app.app_context(), pytest.raises(FileNotFoundError):
        storage().read(wrong.storage_key)
    assert audit_count(app, "monitoring.remove_file") == 1
    # Once submitted, nothing more is removed.
    post(client, report_path(world), data={"action": "submit", **COMPLETE})
    flashes(client)
    response = post(client, f"/reports/{world['report']}/files/{keep.id}/remove")
    assert response.status_code == 302
    assert flashes(client) == [("error", "This report has been submitted and can no longer be changed.")]
    assert [f.id for f in files_of(app, world["report"])] == [keep.id]


def test_downloading_a_file(app, make_user, call):
    world = grantee_world(app, make_user, call)
    attach(app, world, Upload("إيصال.pdf", PDF), Upload("shop.png", PNG))
    receipt, photo = files_of(app, world["report"])
    owner = client_of(app, world)
    response = owner.get(f"/monitoring/files/{receipt.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "filename*=UTF-8''%D8%A5%D9%8A%D8%B5%D8%A7%D9%84.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    response = owner.get(f"/monitoring/files/{photo.id}")
    assert response.mimetype == "image/png" and response.data == PNG
    staff = signed_in_client(app, make_user("staff"))
    assert staff.get(f"/monitoring/files/{receipt.id}").data == PDF
    for role in ("applicant", "reviewer"):
        assert signed_in_client(app, make_user(role)).get(f"/monitoring/files/{receipt.id}").status_code == 404
    anonymous = app.test_client().get(f"/monitoring/files/{receipt.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    # A site visit's photos are for staff only, also when the visit is of the grantee's own business.
    staff_id = make_user("staff").id
    with app.app_context():
        visit = services.record_visit(db.session.get(User, staff_id), db.session.get(Grant, world["grant"]),
                                      visited_on=program_today(), findings="الورشة تعمل.")
        visit_photo = services.add_file(db.session.get(User, staff_id), Upload("visit.png", PNG), visit=visit)
        db.session.commit()
        visit_photo_id = visit_photo.id
    assert owner.get(f"/monitoring/files/{visit_photo_id}").status_code == 404
    assert staff.get(f"/monitoring/files/{visit_photo_id}").status_code == 200
    assert owner.get("/monitoring/files/99999999999").status_code == 404


# --- the grant page, the dashboard, query counts -------------------------------------------------------------------

def test_the_grant_page_lists_the_reports(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en", paid_days_ago=100)
    with app.app_context():
        second = report_of(world["grant"], 2)
        second_id, second_due = second.id, second.due_on
    page = text(client_of(app, world).get(f"/my/applications/{world['application']}/grant"))
    section = page[page.index('id="progress-reports"'):]
    section = section[:section.index("</section>")]
    first_item = section[section.index(f'id="report-{world["report"]}"'):section.index(f'id="report-{second_id}"')]
    second_item = section[section.index(f'id="report-{second_id}"'):]
    assert f'href="/reports/{world["report"]}"' in first_item and "Progress report 1" in first_item
    assert "To be submitted" in first_item and "Overdue" in first_item  # due a month ago
    assert f'href="/reports/{second_id}"' in second_item and "Overdue" not in second_item
    assert f"Due on {second_due:%b} {second_due.day}, {second_due.year}" in second_item


def test_the_dashboard_tells_of_a_report_due_within_two_weeks(app, make_user, call):
    world = grantee_world(app, make_user, call, locale="en")
    client = client_of(app, world)
    with app.app_context():
        today = program_today()

    def move(days):
        with app.app_context():
            db.session.get(ProgressReport, world["report"]).due_on = today + timedelta(days=days)
            db.session.commit()

    move(15)
    assert f'id="dashboard-report-{world["report"]}"' not in text(client.get("/my/applications"))
    move(14)
    page = text(client.get("/my/applications"))
    assert f'id="dashboard-report-{world["report"]}"' in page and "A progress report is due: report 1" in page
    assert f'href="/reports/{world["report"]}"' in page
    move(-3)
    assert "Progress report 1 was due on" in text(client.get("/my/applications"))
    post(client, report_path(world), data={"action": "submit", **COMPLETE})
    assert f'id="dashboard-report-{world["report"]}"' not in text(client.get("/my/applications"))


def statements_for(app, client, path) -> int:
    with counting_statements(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_query_counts_do_not_grow_with_files_or_reports(app, make_user, call):
    few = grantee_world(app, make_user, call, followup=(3, 6))
    many = grantee_world(app, make_user, call, followup=(1, 2, 3, 4, 5, 6))
    attach(app, few, Upload("one.pdf", PDF))
    attach(app, many, *[Upload(f"r{n}.pdf", PDF) for n in range(8)])
    few_client, many_client = client_of(app, few), client_of(app, many)
    assert statements_for(app, few_client, report_path(few)) == statements_for(app, many_client, report_path(many))
    few_grant, many_grant = (f"/my/applications/{w['application']}/grant" for w in (few, many))
    assert statements_for(app, few_client, few_grant) == statements_for(app, many_client, many_grant)
    assert statements_for(app, few_client, "/my/applications") == statements_for(app, many_client,
                                                                                 "/my/applications")
