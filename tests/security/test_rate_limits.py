"""Rate limits on the doors anyone can knock on: sign-in, registration and confirmation resend answer 429 once
their limit is used up (password reset: tests/test_errors.py::test_rate_limited_requests_get_429; sign-in across
servers in Redis: tests/test_stateless.py). Limits are off in tests; these turn them on with small numbers."""
import pytest

from tests.fixtures.routes import post

LIMITS = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3/minute", "REGISTER_RATE_LIMIT": "2/hour",
          "RESEND_RATE_LIMIT": "2/hour", "RESET_RATE_LIMIT": "2/hour"}
ENGLISH = {"Accept-Language": "en"}

pytestmark = pytest.mark.parametrize("app", [LIMITS], indirect=True)


def assert_limited(response):
    assert response.status_code == 429 and "Too many requests" in response.get_data(as_text=True)


def test_sign_in_is_limited_even_with_the_right_password(app, client, make_user):
    account = make_user()
    for _ in range(3):
        assert post(client, "/login", data={"email": account.email, "password": "wrong"}).status_code == 200
    assert_limited(post(client, "/login", data={"email": account.email, "password": account.password},
                        headers=ENGLISH))
    assert client.get("/login").status_code == 200  # only POST counts: the form still opens


def test_registration_is_limited(app, client):
    for n in range(2):
        post(client, "/register", data={"email": f"new{n}@example.org"})
    assert_limited(post(client, "/register", data={"email": "new9@example.org"}, headers=ENGLISH))
    assert client.get("/register").status_code == 200


def test_resending_the_confirmation_is_limited(app, client, auth, make_user):
    auth.login(make_user(verified=False, locale="en"))
    for _ in range(2):
        assert post(client, "/verify-email/resend").status_code == 302
    assert_limited(post(client, "/verify-email/resend", headers=ENGLISH))


def test_password_reset_is_limited(app, client):
    for _ in range(2):
        assert post(client, "/forgot-password", data={"email": "a@example.org"}).status_code == 302
    assert_limited(post(client, "/forgot-password", data={"email": "a@example.org"}, headers=ENGLISH))
