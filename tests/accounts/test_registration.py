"""Registration and email verification."""
import re

from sqlalchemy import select

from grants.extensions import db
from grants.models import OutboxMessage, Role, User

FORM = {
    "full_name": "  أحمد   عبد الرحمن  ",
    "email": "Ahmad@Example.org ",
    "phone": "0944 123 456",
    "password": "a-long-password",
    "confirm": "a-long-password",
    "locale": "ar",
}


def outbox(app, template=None):
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if template:
            query = query.where(OutboxMessage.template == template)
        messages = db.session.scalars(query).all()
        db.session.expunge_all()
        return messages


def link_in(message, path):
    return re.search(rf"http://localhost({path}/[^\s\"<]+)", message.body_text).group(1)


def test_registration_creates_an_applicant_and_queues_verification_in_their_language(app, client):
    response = client.post("/register", data=FORM)
    assert response.status_code == 302 and response.location.endswith("/register/done")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ahmad@example.org"))
        assert user.full_name == "أحمد عبد الرحمن"
        assert user.phone == "+963944123456"
        assert user.roles == {Role.APPLICANT}
        assert user.locale == "ar"
        assert not user.is_verified
        assert user.password_hash.startswith("scrypt:")
    [message] = outbox(app, "verify_email")
    assert message.recipient_email == "ahmad@example.org" and message.locale == "ar"
    assert "/verify-email/" in message.body_text


def test_verification_link_confirms_the_email_once_and_rejects_forgeries(app, client):
    client.post("/register", data=FORM)
    link = link_in(outbox(app, "verify_email")[0], "/verify-email")
    assert client.get(link[:-3] + "abc").status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(User)).is_verified
    response = client.get(link)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).is_verified


def test_verification_link_expires(app, client):
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    client.post("/register", data=FORM)
    client.get(link_in(outbox(app, "verify_email")[0], "/verify-email"))
    with app.app_context():
        assert not db.session.scalar(select(User)).is_verified


def test_errors_are_shown_beside_the_fields_and_typed_values_are_kept(client):
    data = {**FORM, "email": "not-an-email", "password": "short", "confirm": "short"}
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'value="not-an-email"' in html
    assert 'value="أحمد عبد الرحمن"' in html
    assert 'aria-invalid="true"' in html


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(app, client, make_user):
    owner = make_user("applicant", email="ahmad@example.org")
    response = client.post("/register", data=FORM)
    assert response.status_code == 302 and response.location.endswith("/register/done")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
    [message] = outbox(app, "account_exists")
    assert message.recipient_id == owner.id


def test_new_user_can_resend_the_verification_link(app, client, auth):
    client.post("/register", data=FORM)
    auth.login("ahmad@example.org", FORM["password"])
    assert 'action="/verify-email/resend"' in client.get("/").get_data(as_text=True)
    response = client.post("/verify-email/resend", data={"next": "/profile"})
    assert response.status_code == 302 and response.location.endswith("/profile")
    assert len(outbox(app, "verify_email")) == 2
