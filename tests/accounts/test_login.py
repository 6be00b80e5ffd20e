"""Signing in and out: sessions, remember me, throttling, safe redirects, deactivation."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grants.views import safe_next
from grants.extensions import db
from grants.models import LoginAttempt, User

from ..fixtures.i18n import says

LOCKED = "Too many failed attempts. Please wait 15 minutes and try again."


def age_attempts(app, by: timedelta):
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= by
        db.session.commit()


def test_login_and_logout(client, auth, make_user):
    user = make_user("applicant")
    response = auth.login(user)
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/profile").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/profile").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, auth, make_user):
    user = make_user("applicant")
    wrong = auth.login(user.email, "wrong-password-123")
    unknown = auth.login("nobody@example.org", "wrong-password-123")
    marker = "The email or password is not correct."
    assert says(wrong, app, marker) and says(unknown, app, marker)


def test_remember_me_sets_a_lasting_cookie(client, auth, make_user):
    user = make_user("applicant")
    response = auth.login(user, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)


def test_five_failures_lock_the_account_for_the_window(app, client, auth, make_user):
    user = make_user("applicant")
    for _ in range(5):
        auth.login(user.email, "wrong-password-123")
    locked = auth.login(user)  # the right password is refused too while locked
    assert says(locked, app, LOCKED)
    assert client.get("/profile").status_code == 302
    age_attempts(app, timedelta(minutes=16))  # the window has passed: the lock lifts
    assert auth.login(user).status_code == 302
    assert client.get("/profile").status_code == 200


def test_five_failures_from_one_address_lock_that_address(app, make_user):
    user = make_user("applicant")
    attacker = app.test_client()
    for n in range(5):
        attacker.post("/login", data={"email": f"guess{n}@example.org", "password": "wrong-password-123"})
    refused = attacker.post("/login", data={"email": user.email, "password": user.password})
    assert says(refused, app, LOCKED)
    other_address = app.test_client()
    ok = other_address.post("/login", data={"email": user.email, "password": user.password},
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert ok.status_code == 302


def test_a_successful_login_clears_the_account_count(client, auth, make_user, app):
    user = make_user("applicant")
    for _ in range(4):
        auth.login(user.email, "wrong-password-123")
    assert auth.login(user).status_code == 302
    auth.logout()
    with app.app_context():  # failures from a different address, so only the account count matters
        db.session.execute(update(LoginAttempt).values(ip="10.0.0.1"))
        db.session.commit()
    for _ in range(4):
        auth.login(user.email, "wrong-password-123")
    assert auth.login(user).status_code == 302


def test_login_redirects_only_to_local_paths(client, make_user):
    user = make_user("applicant")
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": user.password})
    assert response.location == "/"
    client.post("/logout")
    response = client.post("/login?next=/profile", data={"email": user.email, "password": user.password})
    assert response.location == "/profile"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "evil", "",
])
def test_safe_next_refuses_other_hosts(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


def test_deactivation_ends_sessions_and_blocks_login(app, client, auth, make_user):
    user = make_user("applicant")
    auth.login(user, remember="y")
    assert client.get("/profile").status_code == 200
    with app.app_context():
        from grants.accounts.services import deactivate_user

        admin = db.session.get(User, make_user("admin").id)
        deactivate_user(admin, db.session.get(User, user.id))
        db.session.commit()
    assert client.get("/profile").status_code == 302  # session and remember cookie both refused
    refused = auth.login(user)
    assert says(refused, app, "This account has been deactivated. Please contact the program team.")


def test_unverified_users_can_sign_in_and_see_the_reminder(client, auth, make_user):
    user = make_user("applicant", verified=False)
    auth.login(user)
    assert 'action="/verify-email/resend"' in client.get("/").get_data(as_text=True)
