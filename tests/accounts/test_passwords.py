"""Password reset by email, and password change."""
import re

from sqlalchemy import select

from grants.extensions import db
from grants.models import OutboxMessage

from ..fixtures.i18n import says


def last_message(app, template):
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id.desc())
        ).first()
        return message and message.body_text


def reset_path(body):
    return re.search(r"http://localhost(/reset-password/\S+)", body).group(1)


def test_reset_flow_changes_the_password_and_the_link_works_once(app, client, auth, make_user):
    user = make_user("applicant", verified=False)
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 302
    path = reset_path(last_message(app, "reset_password"))
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert client.get(path).status_code == 302  # used: the password fingerprint changed
    assert auth.login(user.email, user.password).status_code == 200  # old password refused
    assert auth.login(user.email, "brand-new-password").status_code == 302
    assert last_message(app, "password_changed") is not None


def test_reset_answers_the_same_for_unknown_addresses(app, client, make_user):
    make_user("applicant", email="known@example.org")
    known = client.post("/forgot-password", data={"email": "known@example.org"}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "unknown@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    flash = "If an account uses this address, a link to choose a new password is on its way."
    assert says(known, app, flash) and says(unknown, app, flash)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1


def test_expired_reset_link_is_refused(app, client, make_user):
    user = make_user("applicant")
    client.post("/forgot-password", data={"email": user.email})
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    assert client.get(reset_path(last_message(app, "reset_password"))).status_code == 302


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, auth, make_user):
    user = make_user("applicant")
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/login", data={"email": user.email, "password": user.password})
    wrong = laptop.post("/profile/password", data={
        "current_password": "not-it-at-all", "password": "another-password", "confirm": "another-password"})
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)
    ok = laptop.post("/profile/password", data={
        "current_password": user.password, "password": "another-password", "confirm": "another-password"})
    assert ok.status_code == 302
    assert laptop.get("/profile").status_code == 200  # this device stays signed in
    assert phone.get("/profile").status_code == 302   # the other one is signed out


def test_profile_update(app, client, auth, make_user):
    user = make_user("applicant")
    auth.login(user)
    response = client.post("/profile", data={"full_name": "نور الهدى", "phone": "+963 944 000 111", "locale": "en"})
    assert response.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="نور الهدى"' in page and 'lang="en"' in page
