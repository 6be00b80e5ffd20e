"""Fixtures for the calls tests: a signed-in program officer who reads English."""
import pytest


@pytest.fixture
def staff(client, auth, make_user):
    account = make_user("staff", locale="en")
    auth.login(account)
    return account


@pytest.fixture
def rctx(app):
    """A request context for service tests: refusals translate their message, which needs a locale."""
    from grants.extensions import db

    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield app
        db.session.rollback()
