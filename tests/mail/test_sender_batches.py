"""The sender records outcomes in groups: what a failure, a lost connection or a crash mid-batch leaves behind."""
from datetime import timedelta

import flask_mail
import pytest
from sqlalchemy import event, select, update

from grants.extensions import db
from grants.mail import sender
from grants.mail.outbox import queue_email
from grants.mail.sender import send_all
from grants.models import MessageStatus, OutboxMessage, utcnow

from ..fixtures.routes import counting_statements
from ..fixtures.smtp import SMTPServer, _Recorder


class _RefusingRecorder(_Recorder):
    """Records what it accepts and refuses every recipient whose address starts with "bounce"."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class RefusingSMTPServer(SMTPServer):
    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(_RefusingRecorder(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def smtp_server():
    """Overrides the suite's server (the app fixture points the mail settings at it) with one that bounces."""
    server = RefusingSMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def record_every(monkeypatch):
    monkeypatch.setattr(sender, "RECORD_EVERY", 2)
    return 2


def queue_to(app, emails) -> list[int]:
    with app.app_context():
        ids = [queue_email("password_changed", to=address, locale="en").id for address in emails]
        db.session.commit()
    return ids


def outbox(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
    return {row.id: row for row in rows}


def received_ids(smtp_server) -> list[int]:
    """The outbox ids of what the server accepted, from each message's fixed Message-ID <outbox-ID-...>."""
    return [int(message["Message-ID"].split("-")[1]) for message in smtp_server.messages]


def test_a_refused_message_mid_batch_is_retried_later_and_the_others_are_sent_once(app, smtp_server, record_every):
    ids = queue_to(app, ["a@example.org", "b@example.org", "c@example.org", "bounce@example.org",
                         "d@example.org", "e@example.org", "f@example.org"])
    with app.app_context():
        report = send_all()
    assert (report.sent, report.failed) == (6, 1)
    rows = outbox(app)
    bounced = ids[3]
    assert [rows[i].status for i in ids] == [MessageStatus.SENT] * 3 + [MessageStatus.QUEUED] + [MessageStatus.SENT] * 3
    assert rows[bounced].attempts == 1 and "550" in rows[bounced].last_error
    assert rows[bounced].next_attempt_at > utcnow() and rows[bounced].claim_token is None
    assert all(rows[i].sent_at is not None and rows[i].claim_token is None for i in ids if i != bounced)
    assert sorted(received_ids(smtp_server)) == [i for i in ids if i != bounced]
    with app.app_context():  # retried once due (it bounces again: one more attempt, nothing else re-sent)
        assert (send_all(ignore_backoff=True).failed, send_all(ignore_backoff=True).attempted) == (1, 1)
    assert outbox(app)[bounced].attempts == 3
    assert len(smtp_server.messages) == 6


def test_a_connection_lost_mid_batch_leaves_the_rest_queued_and_they_go_over_a_new_one(
        app, smtp_server, record_every, monkeypatch):
    ids = queue_to(app, [f"user{n}@example.org" for n in range(7)])
    real_send, calls = flask_mail.Connection.send, []

    def send(connection, message, *args, **kwargs):
        calls.append(message.msgId)
        if len(calls) == 4:
            connection.host.close()  # the server went away: smtplib raises SMTPServerDisconnected
        return real_send(connection, message, *args, **kwargs)

    monkeypatch.setattr(flask_mail.Connection, "send", send)
    with app.app_context():
        report = send_all()
    assert (report.sent, report.failed) == (6, 1)
    rows = outbox(app)
    lost = ids[3]
    assert rows[lost].status == MessageStatus.QUEUED and "SMTPServerDisconnected" in rows[lost].last_error
    assert rows[lost].attempts == 1 and rows[lost].next_attempt_at > utcnow()
    # The three after it were never tried on the broken connection: given back, their try not counted.
    assert all(rows[i].status == MessageStatus.SENT and rows[i].attempts == 1 for i in ids if i != lost)
    assert sorted(received_ids(smtp_server)) == [i for i in ids if i != lost]
    with app.app_context():
        assert send_all(ignore_backoff=True).sent == 1
    assert sorted(received_ids(smtp_server)) == ids


def test_a_sender_killed_before_recording_loses_nothing_and_resends_at_most_one_group(
        app, smtp_server, monkeypatch):
    monkeypatch.setattr(sender, "RECORD_EVERY", 3)
    ids = queue_to(app, [f"user{n}@example.org" for n in range(5)])

    class Killed(BaseException):
        """The process dies (not an error the sender handles)."""

    def killed(token, accepted):
        raise Killed  # after the server accepted a group, before it is recorded

    monkeypatch.setattr(sender, "_record_sent", killed)
    with app.app_context(), pytest.raises(Killed):
        send_all()
    assert received_ids(smtp_server) == ids[:3]
    assert {row.status for row in outbox(app).values()} == {MessageStatus.SENDING}  # all still claimed
    monkeypatch.undo()
    with app.app_context():
        assert send_all().attempted == 0  # another sender may still hold them: untouched until the lease ends
        db.session.execute(update(OutboxMessage).values(claimed_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert send_all().sent == 5
    assert {row.status for row in outbox(app).values()} == {MessageStatus.SENT}
    # At least once: the unrecorded group arrives twice, with the same Message-IDs; nothing else does.
    assert sorted(received_ids(smtp_server)) == sorted(ids + ids[:3])


def test_statements_and_commits_grow_by_one_per_recorded_group_not_per_message(app, smtp_server, monkeypatch):
    monkeypatch.setattr(sender, "RECORD_EVERY", 5)
    app.config["MAIL_BATCH_SIZE"] = 100
    with app.app_context():
        engine = db.engine

    def measure(count: int) -> tuple[int, int]:
        queue_to(app, [f"user{n}@example.org" for n in range(count)])
        commits = []
        listener = lambda connection: commits.append(1)  # noqa: E731
        event.listen(engine, "commit", listener)
        try:
            with counting_statements(app) as statements, app.app_context():
                assert send_all().sent == count
        finally:
            event.remove(engine, "commit", listener)
        return len(statements), len(commits)

    small, large = measure(10), measure(40)
    assert large[0] - small[0] == (40 - 10) // 5  # one UPDATE per group of five
    assert large[1] - small[1] == (40 - 10) // 5  # and one commit
    assert large[1] <= 2 + 40 // 5  # the claim, the groups, and the empty claim that ends send_all

