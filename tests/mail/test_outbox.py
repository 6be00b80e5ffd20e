"""The outbox against a real SMTP server: queueing, delivery, failures, retries, no duplicates."""
import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.mail.outbox import queue_email, render_email
from grants.mail.sender import send_all, send_batch
from grants.models import MessageStatus, OutboxMessage, User

from ..fixtures.i18n import translated
from ..fixtures.races import at_once_when_ready


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


# A sender in its own process, as on another machine: its own interpreter, engine and connections. It says
# "ready", waits for "go" so both start together, delivers everything due and prints how many it sent.
SENDER_PROCESS = """
import json, sys
from grants import create_app
from grants.mail.sender import send_all
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    print("ready", flush=True)
    sys.stdin.readline()
    report = send_all()
    print(report.sent, report.failed, flush=True)
"""


def run_senders_in_threads(app) -> list[tuple[int, int]]:
    def sender(go):
        with app.app_context():  # each thread's context has its own session and pooled connection
            go()
            report = send_all()
            return report.sent, report.failed

    return at_once_when_ready(sender, sender, timeout=120)


def run_senders_in_processes(app) -> list[tuple[int, int]]:
    import json
    import subprocess
    import sys
    from pathlib import Path

    settings = {name: app.config[name] for name in (
        "SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "MAIL_SUPPRESS_SEND",
        "MAIL_BATCH_SIZE", "MAIL_DEFAULT_SENDER", "SECRET_KEY")}
    processes = [subprocess.Popen([sys.executable, "-c", SENDER_PROCESS, json.dumps(settings)],
                                  cwd=Path(__file__).resolve().parents[2], text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            sent, failed = out.split()
            results.append((int(sent), int(failed)))
        return results
    finally:
        for process in processes:
            if process.poll() is None:  # pragma: no cover - only after a failed assertion
                process.kill()


@pytest.mark.postgres_only
@pytest.mark.parametrize("run_senders", [run_senders_in_threads, run_senders_in_processes],
                         ids=["threads", "processes"])
def test_two_senders_at_once_deliver_each_message_exactly_once(app, smtp_server, make_user, run_senders):
    users = [make_user() for _ in range(4)]
    with app.app_context():
        for _ in range(50):
            for user_id in (u.id for u in users):
                queue_email("password_changed", to=db.session.get(User, user_id))
        db.session.commit()
        outbox_ids = set(db.session.scalars(select(OutboxMessage.id)))
    assert len(outbox_ids) == 200
    app.config["MAIL_BATCH_SIZE"] = 7  # many small claims, so the two senders' claims interleave

    results = run_senders(app)

    assert [failed for _, failed in results] == [0, 0]
    assert sum(sent for sent, _ in results) == 200
    assert all(sent > 0 for sent, _ in results), results  # both really worked, at the same time
    received = [m["Message-ID"] for m in smtp_server.messages]
    assert len(received) == 200
    # Each outbox row's fixed Message-ID arrived once: <outbox-ID-...>
    assert sorted(int(message_id.split("-")[1]) for message_id in received) == sorted(outbox_ids)
    assert statuses(app) == [MessageStatus.SENT] * 200


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
