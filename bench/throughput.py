"""Throughput figures: the mail sender against a local SMTP server, letter generation, and the donor workbook."""
import time
from datetime import timedelta

from flask import url_for
from sqlalchemy import select, update

from grants.disbursements.services import letter_pdf
from grants.extensions import db
from grants.models import Grant, MessageStatus, OutboxMessage, Tranche, TrancheStatus, User, utcnow

from .smtp_sink import smtp_sink

MAIL_MESSAGES = 2000
LETTERS = 60


def mail_per_second(make_app, staff_id: int, messages: int = MAIL_MESSAGES) -> dict:
    """Queue `messages` emails (not timed), then time grants.mail.sender.send_all delivering them."""
    from grants.mail.outbox import queue_email
    from grants.mail.sender import send_all

    with smtp_sink() as (port, received):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10, MAIL_SUPPRESS_SEND=False)
        with app.test_request_context():
            # What the generated program left queued waits: only this run's messages are sent and counted.
            db.session.execute(update(OutboxMessage).where(OutboxMessage.status == MessageStatus.QUEUED)
                               .values(next_attempt_at=utcnow() + timedelta(days=3650)))
            staff = db.session.get(User, staff_id)
            for _ in range(messages):
                queue_email("password_changed", to=staff)
            db.session.commit()
            started = time.perf_counter()
            report = send_all()
            seconds = time.perf_counter() - started
            db.session.remove()
        delivered = received.value
    return {"messages": report.sent, "failed": report.failed, "received": delivered,
            "seconds": seconds, "per_second": report.sent / seconds if seconds else 0.0}


def letters_per_second(app, call_id: int, actor_id: int, count: int = LETTERS) -> dict:
    """Issue the letters of up to `count` approved tranches of the call, one commit each, as staff do from the
    tranche page: the number, the PDF (layout, Arabic shaping, QR code), storing it and its hash."""
    from grants.disbursements.services import issue_letter

    with app.test_request_context():
        actor = db.session.get(User, actor_id)
        tranches = list(db.session.scalars(
            select(Tranche).join(Grant, Grant.id == Tranche.grant_id)
            .where(Grant.call_id == call_id, Tranche.status == TrancheStatus.APPROVED)
            .order_by(Tranche.id).limit(count)))
        if not tranches:
            return {}
        sizes = []
        started = time.perf_counter()
        for tranche in tranches:
            letter = issue_letter(actor, tranche)
            db.session.commit()
            sizes.append(len(letter_pdf(letter)))
        seconds = time.perf_counter() - started
        db.session.remove()
    return {"letters": len(tranches), "seconds": seconds, "per_second": len(tranches) / seconds,
            "average_kb": sum(sizes) / len(sizes) / 1024}


def donor_export_seconds(app, client, call_id: int, runs: int) -> dict:
    """POST the donor export form for the generated call (no personal data) and time the whole download."""
    with app.test_request_context():
        address = url_for("monitoring.export")
    seconds, sizes, statuses = [], [], set()
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post(address, data={"call": str(call_id)})
        sizes.append(len(response.get_data()))
        response.close()
        seconds.append(time.perf_counter() - started)
        statuses.add(response.status_code)
    return {"runs": runs, "seconds": sorted(seconds)[len(seconds) // 2], "bytes": sizes[-1],
            "statuses": sorted(statuses)}
