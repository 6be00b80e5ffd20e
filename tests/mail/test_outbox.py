"""The outbox against a real SMTP server: queueing, delivery, failures, retries, no duplicates."""
import threading

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.mail.outbox import queue_email, render_email
from grants.mail.sender import send_all, send_batch
from grants.models import MessageStatus, OutboxMessage, User

from ..fixtures.i18n import translated


def queue_for(app, account_ids, template="password_changed"):
    with app.app_context():
        for user_id in account_ids:
            queue_email(template, to=db.session.get(User, user_id))
        db.session.commit()


def statuses(app):
    with app.app_context():
        return [m.status for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_messages_are_rendered_in_the_recipients_language(app, make_user):
    arabic, english = make_user(locale="ar"), make_user(locale="en")
    queue_for(app, [arabic.id, english.id])
    with app.app_context():
        ar_message, en_message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        assert ar_message.subject == translated(app, "Your password was changed", "ar")
        assert en_message.subject == "Your password was changed"
        assert 'dir="rtl"' in ar_message.body_html and 'dir="ltr"' in en_message.body_html


def test_dedupe_key_queues_a_message_once(ctx, make_user):
    user = db.session.get(User, make_user().id)
    assert queue_email("password_changed", to=user, dedupe_key="k1") is not None
    assert queue_email("password_changed", to=user, dedupe_key="k1") is None
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 1


def test_sender_delivers_each_message_once(app, smtp_server, make_user):
    users = [make_user(locale="ar"), make_user(locale="en")]
    queue_for(app, [u.id for u in users])
    with app.app_context():
        report = send_all()
        assert (report.sent, report.failed) == (2, 0)
        assert send_all().sent == 0
    assert statuses(app) == [MessageStatus.SENT] * 2
    assert len(smtp_server.messages) == 2
    arabic = smtp_server.to(users[0].email)[0]
    assert arabic["Subject"] == translated(app, "Your password was changed", "ar")
    assert arabic["Message-ID"].startswith("<outbox-1-")
    assert "signed out" in smtp_server.text_of(smtp_server.to(users[1].email)[0])


def test_messages_wait_while_the_server_is_down_and_go_once_it_is_back(app, smtp_server, make_user):
    user = make_user()
    queue_for(app, [user.id])
    smtp_server.stop()
    with app.app_context():
        report = send_all()
        assert (report.sent, report.failed) == (0, 1)
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == MessageStatus.QUEUED
        assert message.attempts == 1 and "Connection refused" in message.last_error
        assert send_all().attempted == 0  # backing off: not due yet
    smtp_server.start()
    with app.app_context():
        assert send_all(ignore_backoff=True).sent == 1
        assert send_all(ignore_backoff=True).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_message_gives_up_after_the_maximum_attempts_and_staff_can_retry(app, smtp_server, make_user, client, auth):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_for(app, [make_user().id])
    smtp_server.stop()
    with app.app_context():
        send_all(ignore_backoff=True)
        assert statuses(app) == [MessageStatus.QUEUED]
        send_all(ignore_backoff=True)
    assert statuses(app) == [MessageStatus.FAILED]
    smtp_server.start()
    auth.login(make_user("staff"))
    assert client.post("/outbox/1/retry").status_code == 302
    with app.app_context():
        assert send_all().sent == 1
    assert statuses(app) == [MessageStatus.SENT]


def test_messages_queued_by_a_request_are_delivered_after_it(app, smtp_server, client):
    response = client.post("/register", data={
        "full_name": "Sara", "email": "sara@example.org", "phone": "+963944000000",
        "password": "long-enough-pw", "confirm": "long-enough-pw", "locale": "en"})
    response.close()  # the WSGI server closes the response once it is sent
    assert [m["To"] for m in smtp_server.messages] == ["Sara <sara@example.org>"]
    assert statuses(app) == [MessageStatus.SENT]


def test_without_a_mail_server_messages_stay_in_the_outbox_for_staff(app, client, auth, make_user):
    client.post("/register", data={
        "full_name": "Sara", "email": "sara@example.org", "phone": "+963944000000",
        "password": "long-enough-pw", "confirm": "long-enough-pw", "locale": "en"}).close()
    assert statuses(app) == [MessageStatus.QUEUED]
    auth.login(make_user("staff"))
    page = client.get("/outbox/1").get_data(as_text=True)
    assert "/verify-email/" in page
    listing = client.get("/outbox/?status=queued").get_data(as_text=True)
    assert "sara@example.org" in listing


@pytest.mark.postgres_only
def test_two_senders_at_once_deliver_each_message_exactly_once(app, smtp_server, make_user):
    users = [make_user() for _ in range(3)]
    with app.app_context():
        for _ in range(20):
            for user_id in (u.id for u in users):
                queue_email("password_changed", to=db.session.get(User, user_id))
        db.session.commit()
    app.config["MAIL_BATCH_SIZE"] = 7
    barrier = threading.Barrier(2)
    errors = []

    def sender():
        try:
            with app.app_context():
                barrier.wait()
                send_all()
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert statuses(app) == [MessageStatus.SENT] * 60


def test_an_abandoned_claim_is_taken_over_after_the_lease(app, smtp_server, make_user):
    from datetime import timedelta

    from grants.models import utcnow

    queue_for(app, [make_user().id])
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        message.status, message.claimed_at = MessageStatus.SENDING, utcnow() - timedelta(hours=1)
        db.session.commit()
        assert send_batch().sent == 1
    assert len(smtp_server.messages) == 1


def test_render_email_uses_the_first_line_as_subject(ctx):
    subject, text, html = render_email("password_changed", "en", recipient=User(full_name="Ali", email="a@x.org"))
    assert subject == "Your password was changed"
    assert text.startswith("Hello Ali,") and "<html" in html
