"""Fixtures for the screening tests: a signed-in program officer who reads English, and a call to screen."""
import pytest

from ..fixtures.program import make_call


@pytest.fixture
def staff(client, auth, make_user):
    account = make_user("staff", locale="en", name="Rania Officer")
    auth.login(account)
    return account


@pytest.fixture
def call_id(app):
    return make_call(app)
