"""File storage: the local folder and an S3-compatible store answer the same calls the same way.

The S3 backend talks HTTP to moto's S3 server on a loopback port (a real endpoint, not a mocked boto3),
as it would to MinIO or AWS.
"""
from io import BytesIO

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from grants import create_app
from grants.extensions import db
from grants.models import Application, Document
from grants.storage import LocalStorage, S3Storage, s3_client, storage

from .conftest import TEST_CONFIG
from .fixtures.program import TINY_PDF, make_application, make_call
from .fixtures.smtp import free_port

BUCKET = "minha-test"


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint):
    """Settings for a fresh, empty bucket on the S3 server."""
    settings = {"STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}
    client = s3_client(settings)
    client.create_bucket(Bucket=BUCKET)
    yield settings
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", ()):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def bucket_keys(settings) -> list[str]:
    """What the bucket holds, asked of S3 directly (not through the code under test)."""
    client = boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", ()))


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    settings = request.getfixturevalue("s3_settings")
    return S3Storage(s3_client(settings), settings["S3_BUCKET"])


def test_saved_bytes_read_back_unchanged_under_a_random_hex_key(store):
    every_byte = bytes(range(256)) * 4096  # 1 MiB, every byte value, so nothing is decoded or truncated
    key = store.save(every_byte)
    assert len(key) == 32 and int(key, 16) >= 0
    assert store.read(key) == every_byte
    assert store.save(b"same") != store.save(b"same")  # a key never comes from the content
    assert store.save(b"") and store.read(store.save(b"")) == b""


def test_a_deleted_file_is_gone_and_deleting_again_is_harmless(store):
    key = store.save(TINY_PDF)
    kept = store.save(b"kept")
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.read(key)
    store.delete(key)
    assert store.read(kept) == b"kept"


def test_an_unknown_key_is_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.read("0" * 32)


@pytest.mark.parametrize("key", ["", "../../etc/passwd", "ab/cd", "a b", "x.pdf"])
def test_a_key_we_could_not_have_made_is_refused(store, key):
    with pytest.raises(ValueError):
        store.read(key)
    with pytest.raises(ValueError):
        store.delete(key)


def test_put_stores_under_a_given_key_as_a_restore_needs(store):
    key = store.save(b"first")
    store.put(key, b"restored")
    assert store.read(key) == b"restored"
    with pytest.raises(ValueError):
        store.put("../escape", b"x")


def test_local_files_live_in_the_upload_folder(tmp_path):
    store = LocalStorage(tmp_path)
    key = store.save(b"x")
    assert (tmp_path / key[:2] / key).read_bytes() == b"x"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / key[:2] / key]  # no .part left over


def app_with(settings, tmp_path):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/unused.db", **settings})


def test_configuration_chooses_the_backend(tmp_path, s3_settings):
    with app_with({"UPLOAD_FOLDER": str(tmp_path / "shared")}, tmp_path).app_context():
        assert isinstance(storage(), LocalStorage) and storage().root == tmp_path / "shared"
    with app_with(s3_settings, tmp_path).app_context():
        assert isinstance(storage(), S3Storage) and storage().bucket == BUCKET
        assert storage() is storage()  # one client per app, not one per call
    with app_with({"STORAGE": "s3", "S3_BUCKET": None}, tmp_path).app_context(), \
            pytest.raises(RuntimeError, match="S3_BUCKET"):
        storage()
    with app_with({"STORAGE": "ftp"}, tmp_path).app_context(), pytest.raises(RuntimeError, match="ftp"):
        storage()


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_file_saved_by_one_app_server_is_read_by_another(backend, tmp_path, request):
    settings = (request.getfixturevalue("s3_settings") if backend == "s3"
                else {"STORAGE": "local", "UPLOAD_FOLDER": str(tmp_path / "shared")})
    first, second = app_with(settings, tmp_path / "a"), app_with(settings, tmp_path / "b")
    with first.app_context():
        key = storage().save(b"from server one")
    with second.app_context():
        assert storage().read(key) == b"from server one"
        storage().delete(key)
    with first.app_context(), pytest.raises(FileNotFoundError):
        storage().read(key)


def upload(client, application_id, requirement_id, data):
    return client.post(f"/applications/{application_id}/step/4", content_type="multipart/form-data",
                       data={f"file_{requirement_id}": (BytesIO(data), "id.pdf", "application/pdf"), "action": "save"})


def documents_of(app, application_id) -> list[tuple[int, str]]:
    with app.app_context():
        return [(d.id, d.storage_key) for d in db.session.scalars(
            select(Document).where(Document.application_id == application_id).order_by(Document.id))]


def test_an_application_document_goes_to_s3_and_back_through_the_app(app, client, auth, make_user, s3_settings,
                                                                     tmp_path):
    app.config.update(s3_settings, UPLOAD_FOLDER=str(tmp_path / "must-stay-empty"))
    call_id = make_call(app)
    applicant = make_user("applicant", locale="en")
    application_id = make_application(app, applicant.id, call_id, documents=False)
    with app.app_context():
        first, second = (r.id for r in db.session.get(Application, application_id).call.required_documents)
    auth.login(applicant)

    assert upload(client, application_id, first, TINY_PDF).status_code == 302
    [(document_id, key)] = documents_of(app, application_id)
    assert bucket_keys(s3_settings) == [key]
    assert not (tmp_path / "must-stay-empty").exists()
    url = f"/applications/{application_id}/documents/{document_id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == TINY_PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post(f"{url}/delete").status_code == 302
    assert documents_of(app, application_id) == [] and bucket_keys(s3_settings) == []

    # An object gone from the store (say, a restore that missed it) gives the callers' 404, not a 500.
    upload(client, application_id, second, TINY_PDF)
    [(document_id, key)] = documents_of(app, application_id)
    s3_client(s3_settings).delete_object(Bucket=BUCKET, Key=key)
    assert client.get(f"/applications/{application_id}/documents/{document_id}").status_code == 404


def test_production_refuses_s3_storage_without_a_bucket(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    with pytest.raises(RuntimeError, match="S3_BUCKET"):
        create_app({"STORAGE": "s3", "S3_BUCKET": None})
    assert create_app({"STORAGE": "s3", "S3_BUCKET": "files"}).config["S3_BUCKET"] == "files"
