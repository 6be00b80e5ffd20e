"""Admins invite reviewers and staff, change roles, deactivate accounts, and read the audit log."""
import re

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, OutboxMessage, Role, User

from ..fixtures.i18n import says


def invite(client, email="reviewer@example.org", roles=("reviewer",), locale="en"):
    return client.post("/admin/users/invite", data={
        "full_name": "Dr. Omar", "email": email, "roles": list(roles), "locale": locale})


def invitation_path(app):
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "invitation"))
        return re.search(r"http://localhost(/invite/\S+)", message.body_text).group(1), message


def test_admin_invites_a_reviewer_who_sets_a_password_and_signs_in(app, client, auth, make_user):
    auth.login(make_user("admin"))
    assert invite(client).status_code == 302
    path, message = invitation_path(app)
    assert message.locale == "en" and "Reviewer" in message.body_text
    auth.logout()

    newcomer = app.test_client()
    assert newcomer.get(path).status_code == 200
    response = newcomer.post(path, data={"password": "reviewer-password", "confirm": "reviewer-password"})
    assert response.status_code == 302
    assert newcomer.get("/profile").status_code == 200
    assert newcomer.get(path).status_code == 302  # the link works once
    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
        assert reviewer.roles == {Role.REVIEWER} and reviewer.is_verified
    assert app.test_client().post("/login", data={
        "email": "reviewer@example.org", "password": "reviewer-password"}).status_code == 302


def test_an_invited_user_cannot_sign_in_before_accepting(app, client, auth, make_user):
    auth.login(make_user("admin"))
    invite(client)
    other = app.test_client()
    assert other.post("/login", data={"email": "reviewer@example.org", "password": ""}).status_code == 200


def test_inviting_an_existing_address_is_refused_beside_the_field(app, client, auth, make_user):
    existing = make_user("applicant")
    auth.login(make_user("admin", locale="en"))
    response = invite(client, email=existing.email)
    assert response.status_code == 200 and 'id="email-error"' in response.get_data(as_text=True)


def test_admin_changes_roles_and_it_is_audited(app, client, auth, make_user):
    admin = make_user("admin")
    person = make_user("applicant")
    auth.login(admin)
    assert client.post(f"/admin/users/{person.id}", data={"roles": ["applicant", "reviewer"]}).status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id).roles == {Role.APPLICANT, Role.REVIEWER}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.set_roles"))
        assert entry.actor_id == admin.id and entry.subject_id == person.id
        assert entry.details == {"added": ["reviewer"], "removed": []}


def test_admin_cannot_remove_their_own_admin_role(app, client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"roles": ["staff"]})
    assert says(response, app, "You cannot remove your own administrator role.")
    with app.app_context():
        assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_deactivate_and_reactivate(app, client, auth, make_user):
    person = make_user("reviewer")
    their_client = app.test_client()
    their_client.post("/login", data={"email": person.email, "password": person.password})
    auth.login(make_user("admin"))
    client.post(f"/admin/users/{person.id}/deactivate")
    assert their_client.get("/profile").status_code == 302
    client.post(f"/admin/users/{person.id}/reactivate")
    assert their_client.post("/login", data={"email": person.email, "password": person.password}).status_code == 302


def test_admin_cannot_deactivate_themselves(app, client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    client.post(f"/admin/users/{admin.id}/deactivate")
    assert client.get("/admin/users").status_code == 200


def test_user_list_filters(app, client, auth, make_user):
    auth.login(make_user("admin"))
    make_user("reviewer", email="rev@example.org", name="ليلى")
    make_user("applicant", email="app@example.org", name="سامر")
    page = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "rev@example.org" in page and "app@example.org" not in page
    page = client.get("/admin/users?q=سامر").get_data(as_text=True)
    assert "app@example.org" in page and "rev@example.org" not in page


def test_audit_log_lists_and_filters(app, client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    invite(client)
    page = client.get("/admin/audit?action=account.invite").get_data(as_text=True)
    assert "account.invite" in page and "account.login<" not in page
    page = client.get("/admin/audit?action=account.login").get_data(as_text=True)
    assert "account.login" in page
