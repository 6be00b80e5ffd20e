"""Uploaded files' names never become paths: the store's key is random hex we make, the bytes land inside the
store's folder, and the name shown and sent back in Content-Disposition has no folders, control characters or
quotes (grants/applications/uploads.py display_name; grants/storage.py keys).

Through the real form: an applicant uploads to the documents step of their draft, then downloads the file.
"""
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Document

from ..fixtures.program import TINY_PDF, make_application, make_call
from ..fixtures.routes import signed_in_client

NAMES = {
    "../../etc/passwd.pdf": "passwd.pdf",
    # Werkzeug's multipart parser reads a backslash in the quoted filename as an escape: "C:evilx.pdf" arrives.
    "C:\\evil\\x.pdf": "Cevilx.pdf",
    "/absolute/path/report.pdf": "report.pdf",
    "a\x00b.pdf": "ab.pdf",
    "\u202efdp.exe": "\u202efdp.exe",  # kept for display (it is text); escaped in pages, encoded in headers
    "x" * 600 + ".pdf": "x" * 251 + ".pdf",
    "تقرير المشروع.pdf": "تقرير المشروع.pdf",
}


# Names a browser's multipart body cannot carry intact (the test client cuts them at the newline or the quote, as
# a server would), checked on display_name itself: what the upload services store and send back.
RAW_NAMES = {
    "C:\\evil\\x.pdf": "x.pdf",
    "new\nline\r.pdf": "newline.pdf",
    'quo"te\'s.pdf': "quote's.pdf",
    "..\\..\\..pdf": "pdf",
    "<script>.pdf": "script.pdf",
    "": "document.pdf",
}


@pytest.mark.parametrize("sent,shown", list({**NAMES, **RAW_NAMES}.items()),
                         ids=[f"name{i}" for i in range(len({**NAMES, **RAW_NAMES}))])
def test_display_name_drops_folders_and_control_characters(sent, shown):
    from grants.applications.uploads import display_name

    assert display_name(sent, "application/pdf") == shown


@pytest.fixture
def store(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "files")
    return tmp_path / "files"


@pytest.mark.parametrize("sent,shown", list(NAMES.items()), ids=[f"name{i}" for i in range(len(NAMES))])
def test_an_uploaded_file_name_is_never_a_path(app, make_user, store, sent, shown):
    owner = make_user("applicant", locale="en")
    application_id = make_application(app, owner.id, make_call(app), documents=False)
    client = signed_in_client(app, owner)
    response = client.post(f"/applications/{application_id}/step/4", content_type="multipart/form-data",
                           data={"file_other": (BytesIO(TINY_PDF), sent, "application/pdf"), "action": "save"})
    assert response.status_code == 302

    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.application_id == application_id))
        key, name, document_id = document.storage_key, document.original_name, document.id
    assert name == shown
    assert key.isalnum() and len(key) == 32  # random hex, nothing taken from the name
    files = [path for path in Path(store).rglob("*") if path.is_file()]
    assert [path.name for path in files] == [key] and files[0].read_bytes() == TINY_PDF
    assert all(Path(store) in path.resolve().parents for path in files)

    page = client.get(f"/applications/{application_id}/step/4").get_data(as_text=True)
    assert "\x00" not in page and "../" not in page and "C:\\" not in page

    response = client.get(f"/applications/{application_id}/documents/{document_id}")
    assert response.status_code == 200 and response.data == TINY_PDF
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition and "\x00" not in disposition
    assert "/" not in disposition.replace("filename*=UTF-8''", "") and "\\" not in disposition
    assert disposition.count('"') in (0, 2)  # a quote in the name cannot end the quoted filename early
    assert response.headers["X-Content-Type-Options"] == "nosniff"
