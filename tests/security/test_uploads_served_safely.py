"""Uploads cannot come back as HTML or script: every upload form refuses markup and script however the file is
named, and every file download is a known type, never sniffed, with a Content-Disposition a hostile original name
cannot break."""
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest

from grants.disbursements.services import program_today
from grants.extensions import db
from grants.models import Application, Grant, User
from grants.monitoring import services as monitoring
from tests.fixtures.accounts import PASSWORD, Account
from tests.fixtures.monitoring import paid_grant, report_of
from tests.fixtures.program import TINY_PDF, TINY_PNG, make_application, make_call
from tests.fixtures.routes import post, signed_in_client
from tests.fixtures.training import decided_call

from .walk import MATRIX, fingerprint, signed_in_as, url_of

HOSTILE = {
    "html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    "html after blanks": b"\n\n   <html><img src=x onerror=alert(1)></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)'
           b"</script></svg>",
    "javascript": b"alert(document.cookie);//%PDF-1.4",
    "pdf header late": b"<script>alert(1)</script>%PDF-1.4\n%%EOF",
}
NAMES = (("shop.pdf", "application/pdf"), ("shop.png", "image/png"))
FILE_TABLES = ("documents", "monitoring_files", "site_visits", "audit_entries")
DOWNLOAD_TYPES = {
    "application/pdf", "image/jpeg", "image/png",  # uploads, letters, agreements, certificates, summaries
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",  # exports
    "application/zip",  # a call's letters at once
    "text/calendar",  # a course's sessions
}
# A pdf name a hostile client can send (RFC 2231 encoded, so the multipart parser hands it over whole): quotes, a
# CR/LF header injection, folders both ways.
HOSTILE_NAME = 'a"b\r\nSet-Cookie: pwned=1\r\n..\\..\\../../etc/x";.pdf'


def file_rows(app):
    return {name: value for name, value in fingerprint(app).items() if name in FILE_TABLES}


def stored_files(app):
    root = app.config.get("UPLOAD_FOLDER")
    return sorted(str(path) for path in Path(root).rglob("*") if path.is_file()) if root else []


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "files")


@pytest.fixture
def forms(app, make_user, uploads):
    """Every upload form, as (name, client signed in as one who may use it, url, form data without the file, the
    file field): application documents, a progress report's files (attach, and save with a file), site-visit
    photos (a new visit, and photos added to one)."""
    applicant = make_user("applicant", locale="en")
    call_id = make_call(app)
    draft = make_application(app, applicant.id, call_id, documents=False)
    with app.app_context():
        requirement = db.session.get(Application, draft).call.required_documents[0].id
    grantee_id, grant_id = paid_grant(app, make_user, decided_call(app), paid_days_ago=100, locale="en")
    staff = make_user("staff", locale="en")
    with app.app_context():
        report_id = report_of(grant_id).id
        grantee = db.session.get(User, grantee_id)
        visit = monitoring.record_visit(db.session.get(User, staff.id), db.session.get(Grant, grant_id),
                                        visited_on=program_today(), findings="الورشة تعمل.")
        db.session.commit()
        visit_id, grantee = visit.id, Account(grantee.id, grantee.email, PASSWORD)
        visited_on = (program_today() - timedelta(days=1)).isoformat()
    applicant_client, grantee_client = signed_in_client(app, applicant), signed_in_client(app, grantee)
    staff_client = signed_in_client(app, staff)
    visit_form = {"visited_on": visited_on, "visitor_name": "فريق",
                  "business_status": "operating", "findings": "الورشة تعمل."}
    return [
        ("application documents", applicant_client, f"/applications/{draft}/step/4", {"action": "save"},
         f"file_{requirement}"),
        ("report file", grantee_client, f"/reports/{report_id}/files", {"action": "upload"}, "file"),
        ("report saved with a file", grantee_client, f"/reports/{report_id}", {"action": "save"}, "file"),
        ("new site visit", staff_client, f"/staff/grants/{grant_id}/visits/new", visit_form, "photos"),
        ("photos added to a visit", staff_client, f"/staff/visits/{visit_id}/files", {}, "photos"),
    ]


def send(client, url, data, field, content, name, content_type):
    return post(client, url, data={**data, field: (BytesIO(content), name, content_type)},
                content_type="multipart/form-data")


def test_every_upload_form_takes_a_real_file(app, forms):
    """The control: the forms and URLs below are right, so a refusal there is about the content."""
    for name, client, url, data, field in forms:
        before = file_rows(app)
        response = send(client, url, data, field, TINY_PNG, "shop.png", "image/png")
        assert response.status_code == 302, (name, response.status_code)
        assert file_rows(app) != before, name


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_markup_and_script_are_refused_on_every_upload_form_whatever_the_name(app, forms, kind):
    for name, client, url, data, field in forms:
        for filename, content_type in NAMES:
            before, files = file_rows(app), stored_files(app)
            response = send(client, url, data, field, HOSTILE[kind], filename, content_type)
            page = response.get_data(as_text=True)
            assert response.status_code == 200, (name, filename, response.status_code)
            assert "Only PDF, JPEG or PNG files can be uploaded" in page, (name, filename)
            assert file_rows(app) == before and stored_files(app) == files, (name, filename)


def test_a_hostile_original_name_cannot_break_the_download_headers(app, forms):
    _, client, url, data, field = forms[0]
    boundary = "----minha-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in data.items()]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename*=UTF-8''"
                 f"{quote(HOSTILE_NAME, safe='')}\r\nContent-Type: application/pdf\r\n\r\n".encode()
                 + TINY_PDF + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.status_code
    with app.app_context():
        application_id = int(re.search(r"/applications/(\d+)/", url).group(1))
        document = db.session.get(Application, application_id).documents[0]
        assert document.original_name == "x;.pdf"  # arrived whole; kept without folders, quotes, line breaks
        path = f"/applications/{application_id}/documents/{document.id}"
    response = client.get(path)
    assert response.status_code == 200 and response.data == TINY_PDF
    assert_served_safely(response, path)
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert "/" not in disposition.split("filename", 1)[1] and "\\" not in disposition
    assert re.fullmatch(r'(inline|attachment); filename="?[^"]*"?(; filename\*=UTF-8\'\'\S+)?', disposition), \
        disposition


def assert_served_safely(response, where):
    assert response.mimetype in DOWNLOAD_TYPES, (where, response.mimetype)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    disposition = response.headers.get("Content-Disposition", "")
    assert re.match(r"(inline|attachment);\s*filename", disposition), (where, disposition)
    assert "\r" not in disposition and "\n" not in disposition, where


@pytest.mark.parametrize("who", ["admin", "staff", "owner"])
def test_every_download_of_the_matrix_is_a_known_type_not_sniffed_with_a_disposition(app, make_user, world, who):
    """Downloads are found by what they answer, not listed: every GET of the matrix that is not a page, a
    redirect, JSON or a static file. The owner is the world's applicant (their documents, letter, agreement,
    report file, certificate)."""
    if who == "owner":
        client = signed_in_client(app, Account(world["target"], "target@example.org"))
    else:
        client = signed_in_as(app, make_user, who)
    downloads = []
    for endpoint, (method, _, _) in sorted(MATRIX.items()):
        if method != "GET" or endpoint == "static":
            continue
        url = url_of(app, endpoint, world)
        response = client.get(url)
        response.close()
        if response.status_code != 200 or response.mimetype in ("text/html", "application/json"):
            continue
        assert_served_safely(response, url)
        downloads.append(endpoint)
    assert downloads  # the walk met some downloads
    if who == "admin":
        assert {"applications.document", "monitoring.file", "disbursements.agreement"} <= set(downloads), downloads

