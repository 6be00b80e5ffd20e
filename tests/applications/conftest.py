"""Fixtures for the applications tests: uploads in a temporary folder, a signed-in applicant, an open call."""
import pytest


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "files")
    return tmp_path / "files"


@pytest.fixture
def call_id(app):
    from ..fixtures.program import make_call

    return make_call(app)


@pytest.fixture
def applicant(client, auth, make_user):
    """A signed-in applicant who reads English."""
    account = make_user("applicant", locale="en", name="Sara Haddad")
    auth.login(account)
    return account


@pytest.fixture
def rctx(app):
    """A request context for service tests (refusals and eligibility reasons are translated)."""
    from grants.extensions import db

    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield app
        db.session.rollback()
