"""Uploads: PDF, JPEG or PNG recognised by their content, size and count limits, safe names, served only to
those who may see them."""
import hashlib
from io import BytesIO
from urllib.parse import quote

from sqlalchemy import select

from grants.applications.uploads import display_name, sniff_content_type
from grants.extensions import db
from grants.models import Document
from grants.storage import storage

from ..fixtures.program import TINY_JPEG, TINY_PDF, TINY_PNG, make_application, make_call
from .helpers import count, error_beside, load


def upload(client, application_id, field, data, name, content_type="application/pdf", **extra):
    return client.post(f"/applications/{application_id}/step/4", content_type="multipart/form-data",
                       data={field: (BytesIO(data), name, content_type), "action": "save", **extra})


def empty_draft(app, applicant, call_id):
    return make_application(app, applicant.id, call_id, documents=False)


def requirement_ids(app, application_id):
    return [r.id for r in load(app, application_id).call.required_documents]


def stored(app, document: Document) -> bytes:
    with app.app_context():
        return storage().read(document.storage_key)


def test_the_type_comes_from_the_content_never_the_name():
    assert sniff_content_type(TINY_PDF) == "application/pdf"
    assert sniff_content_type(TINY_PNG) == "image/png"
    assert sniff_content_type(TINY_JPEG) == "image/jpeg"
    assert sniff_content_type(b"MZ\x90\x00" + b"\x00" * 60) is None
    assert sniff_content_type(b"%PDF") is None and sniff_content_type(b"") is None
    assert sniff_content_type(b"<html>%PDF-1.4") is None


def test_folders_are_stripped_from_names():
    assert display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert display_name("C:\\Users\\sara\\هوية.pdf") == "هوية.pdf"
    assert display_name("..") == "document" and display_name("", "image/png") == "document.png"
    assert display_name("a\x00b\n.pdf") == "ab.pdf"
    long = display_name("x" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")


def test_a_pdf_and_a_png_are_accepted_and_recorded(app, client, applicant, call_id, upload_folder):
    application_id = empty_draft(app, applicant, call_id)
    identity, photos = requirement_ids(app, application_id)
    assert upload(client, application_id, f"file_{identity}", TINY_PDF, "../../etc/passwd.pdf").status_code == 302
    png = TINY_PNG + b"more"
    assert upload(client, application_id, f"file_{photos}", png, "shop.pdf", "application/x-msdownload"
                  ).status_code == 302
    first, second = load(app, application_id).documents
    assert (first.requirement_id, first.original_name, first.content_type) == (identity, "passwd.pdf",
                                                                               "application/pdf")
    assert first.sha256 == hashlib.sha256(TINY_PDF).hexdigest() and first.size_bytes == len(TINY_PDF)
    assert second.content_type == "image/png" and second.original_name == "shop.pdf"
    assert stored(app, second) == png
    assert first.storage_key != second.storage_key and first.storage_key.isalnum()
    assert "passwd" not in first.storage_key
    assert sorted(p.name for p in upload_folder.rglob("*") if p.is_file()) == sorted(
        [first.storage_key, second.storage_key])


def test_a_renamed_executable_is_refused_beside_its_field(app, client, applicant, call_id, upload_folder):
    application_id = empty_draft(app, applicant, call_id)
    identity, _ = requirement_ids(app, application_id)
    response = upload(client, application_id, f"file_{identity}", b"MZ\x90\x00" + b"\x00" * 200, "x.pdf")
    assert response.status_code == 200
    assert error_beside(response, f"file_{identity}") == (
        "Only PDF, JPEG or PNG files can be uploaded, and this file is none of them.")
    assert count(app, Document) == 0
    assert not upload_folder.exists() or not any(p.is_file() for p in upload_folder.rglob("*"))


def test_files_over_the_size_limit_are_refused(app, client, applicant, call_id):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    application_id = empty_draft(app, applicant, call_id)
    identity, photos = requirement_ids(app, application_id)
    response = upload(client, application_id, f"file_{identity}", TINY_PDF + b"\x00" * 2000, "big.pdf")
    assert "The file is larger than" in error_beside(response, f"file_{identity}")
    assert count(app, Document) == 0
    assert upload(client, application_id, f"file_{identity}", TINY_PDF + b"\x00" * (1024 - len(TINY_PDF)),
                  "exact.pdf").status_code == 302
    response = upload(client, application_id, f"file_{photos}", b"", "empty.pdf")
    assert "empty" in error_beside(response, f"file_{photos}")
    assert count(app, Document) == 1


def test_the_calls_document_count_is_a_limit(app, client, applicant):
    call_id = make_call(app, max_documents=2)
    application_id = empty_draft(app, applicant, call_id)
    identity, photos = requirement_ids(app, application_id)
    assert upload(client, application_id, f"file_{identity}", TINY_PDF, "a.pdf").status_code == 302
    assert upload(client, application_id, "file_other", TINY_JPEG, "b.jpg", "image/jpeg").status_code == 302
    response = upload(client, application_id, f"file_{photos}", TINY_PNG, "c.png", "image/png")
    assert "as many documents as this call allows (2)" in error_beside(response, f"file_{photos}")
    assert count(app, Document) == 2
    page = client.get(f"/applications/{application_id}/step/4").get_data(as_text=True)
    assert 'type="file"' not in page  # nothing more to upload until one is deleted


def test_several_files_in_one_post_keep_the_good_ones(app, client, applicant, call_id):
    application_id = empty_draft(app, applicant, call_id)
    identity, photos = requirement_ids(app, application_id)
    response = client.post(f"/applications/{application_id}/step/4", content_type="multipart/form-data", data={
        f"file_{identity}": (BytesIO(TINY_PDF), "id.pdf"), f"file_{photos}": (BytesIO(b"GIF89a...."), "p.gif"),
        "action": "continue"})
    assert response.status_code == 200 and error_beside(response, f"file_{photos}")
    assert [d.original_name for d in load(app, application_id).documents] == ["id.pdf"]


def test_the_owner_and_staff_download_with_safe_headers(app, client, auth, applicant, make_user, call_id):
    application_id = empty_draft(app, applicant, call_id)
    identity, _ = requirement_ids(app, application_id)
    upload(client, application_id, f"file_{identity}", TINY_PDF, "هوية سارة.pdf")
    [document] = load(app, application_id).documents
    url = f"/applications/{application_id}/documents/{document.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == TINY_PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f"filename*=UTF-8''{quote('هوية سارة.pdf')}" in disposition
    assert "private" in response.headers["Cache-Control"]
    auth.logout()
    auth.login(make_user("staff"))
    assert client.get(url).data == TINY_PDF


def test_another_applicant_gets_404_on_my_files(app, client, auth, make_user, call_id):
    owner = make_user("applicant")
    mine = make_application(app, owner.id, call_id, submit=True)
    me = make_user("applicant")
    my_application = make_application(app, me.id, call_id)
    their_document = load(app, mine).documents[0]
    auth.login(me)
    assert client.get(f"/applications/{mine}/documents/{their_document.id}").status_code == 404
    # a document id of another application under my own application's address
    assert client.get(f"/applications/{my_application}/documents/{their_document.id}").status_code == 404
    assert client.post(f"/applications/{my_application}/documents/{their_document.id}/delete").status_code == 404
    assert client.get(f"/applications/{my_application}/documents/999999").status_code == 404
    assert count(app, Document, Document.id == their_document.id) == 1


def test_the_owner_deletes_a_document_of_a_draft(app, client, applicant, call_id):
    application_id = empty_draft(app, applicant, call_id)
    identity, _ = requirement_ids(app, application_id)
    upload(client, application_id, f"file_{identity}", TINY_PDF, "id.pdf")
    [document] = load(app, application_id).documents
    response = client.post(f"/applications/{application_id}/documents/{document.id}/delete")
    assert response.status_code == 302 and response.location.endswith(f"/applications/{application_id}/step/4")
    assert count(app, Document) == 0
    with app.app_context():
        try:
            storage().read(document.storage_key)
        except FileNotFoundError:
            pass
        else:  # pragma: no cover
            raise AssertionError("the file was left behind")


def test_documents_of_a_submitted_application_cannot_be_deleted_or_added(app, client, applicant, call_id):
    application_id = make_application(app, applicant.id, call_id, submit=True)
    document = load(app, application_id).documents[0]
    client.post(f"/applications/{application_id}/documents/{document.id}/delete")
    assert count(app, Document, Document.application_id == application_id) == 2
    response = upload(client, application_id, "file_other", TINY_PDF, "late.pdf")
    assert response.status_code == 302 and response.location.endswith(f"/applications/{application_id}")
    assert count(app, Document, Document.application_id == application_id) == 2
    with app.app_context():
        assert db.session.scalar(select(Document.original_name).where(Document.original_name == "late.pdf")) is None
