"""Error pages in the reader's language, never a stack trace; the health check."""
import pytest

from grants import create_app

from .conftest import TEST_CONFIG
from .fixtures.i18n import says

ENGLISH = {"Accept-Language": "en"}


def test_not_found_in_arabic_and_english(app, client):
    assert says(client.get("/no-such-page"), app, "Page not found")
    response = client.get("/no-such-page", headers=ENGLISH)
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_page_without_a_stack_trace(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom", headers=ENGLISH)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_method_not_allowed(client):
    response = client.get("/logout", headers=ENGLISH)
    assert response.status_code == 405 and "This action is not allowed here" in response.get_data(as_text=True)


def test_too_large_upload(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000}, headers=ENGLISH)
    assert response.status_code == 413 and "The upload is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_a_post_without_csrf_token_is_refused(app, client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": user.password}, headers=ENGLISH)
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True, "RESET_RATE_LIMIT": "2/hour"}], indirect=True)
def test_rate_limited_requests_get_429(client):
    for _ in range(2):
        client.post("/forgot-password", data={"email": "a@example.org"})
    response = client.post("/forgot-password", data={"email": "a@example.org"}, headers=ENGLISH)
    assert response.status_code == 429 and "Too many requests" in response.get_data(as_text=True)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_ids_too_large_for_the_database_are_not_found(app, client, auth, make_user):
    auth.login(make_user("admin"))
    assert client.get("/admin/users/99999999999999999999").status_code == 404
    assert client.get("/admin/users/2147483648").status_code == 404
