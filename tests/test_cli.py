"""Commands: create-user, seed-demo, mail send."""
from sqlalchemy import select

from grants.extensions import db
from grants.models import Role, User


def test_create_user_asks_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "Boss@Example.org", "--role", "staff", "--role", "admin", "--name", "مدير"],
        input="a-strong-password\na-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "boss@example.org" and user.roles == {Role.STAFF, Role.ADMIN}
        assert user.is_verified


def test_create_user_refuses_a_short_password_and_a_taken_email(app, make_user):
    make_user(email="taken@example.org")
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "--email", "x@example.org", "--role", "staff", "--name", "X",
                                "--password", "short"])
    taken = runner.invoke(args=["create-user", "--email", "taken@example.org", "--role", "staff", "--name", "X",
                                "--password", "long-enough-password"])
    assert short.exit_code != 0 and taken.exit_code != 0


def test_seed_demo_is_idempotent_and_prints_the_accounts(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == second.exit_code == 0
    for email in ["admin@example.org", "staff2@example.org", "reviewer3@example.org", "applicant5@example.org"]:
        assert email in first.output
    assert "demo-pass-2026" in first.output
    with app.app_context():
        from grants.models import Application, ApplicationStatus, Call, CallStatus

        assert db.session.scalar(select(db.func.count()).select_from(User)) == 17
        calls = {c.code: c for c in db.session.scalars(select(Call))}
        assert calls["DZ26A"].status == CallStatus.OPEN and len(calls["DZ26A"].criteria) == 3
        assert calls["DZ25B"].status in (CallStatus.CLOSED, CallStatus.REVIEWING, CallStatus.DECIDED)
        statuses = sorted(a.status for a in db.session.scalars(
            select(Application).where(Application.call_id == calls["DZ26A"].id)))
        assert statuses == [ApplicationStatus.DRAFT] * 2 + [ApplicationStatus.SUBMITTED] * 3
        assert all(a.reference and a.eligible for a in db.session.scalars(
            select(Application).where(Application.status == ApplicationStatus.SUBMITTED)))
    client = app.test_client()
    assert client.post("/login", data={"email": "staff@example.org", "password": "demo-pass-2026"}).status_code == 302


def test_mail_send_without_a_server_explains(app):
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_mail_send_delivers(app, smtp_server, make_user):
    from grants.mail.outbox import queue_email

    user = make_user()
    with app.app_context():
        queue_email("password_changed", to=db.session.get(User, user.id))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_server.messages) == 1
