"""Delivers queued outbox messages over SMTP, safely from any number of processes at once.

A sender claims a batch by marking it `sending` with its own claim token in one UPDATE, whose
inner SELECT uses FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers anyway), so
two senders never hold the same message. Each message is marked sent in its own commit right
after the SMTP server accepts it. A sender that dies between those two steps leaves the row in
`sending`; it is claimed again after MAIL_CLAIM_TIMEOUT, and its fixed Message-ID lets the
receiving side drop the rare duplicate.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_mail import Message
from sqlalchemy import and_, or_, select, update

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db, mail
from ..models import MessageStatus, OutboxMessage, utcnow

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0

    @property
    def attempted(self):
        return self.sent + self.failed


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed try: 1, 2, 4 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim_batch(limit: int, ids=None, *, ignore_backoff=False) -> list[OutboxMessage]:
    now = utcnow()
    lease = timedelta(seconds=current_app.config.get("MAIL_CLAIM_TIMEOUT", 600))
    due = OutboxMessage.status == MessageStatus.QUEUED
    if not ignore_backoff:
        due = and_(due, OutboxMessage.next_attempt_at <= now)
    abandoned = and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < now - lease)
    candidates = select(OutboxMessage.id).where(or_(due, abandoned))
    if ids is not None:
        candidates = candidates.where(OutboxMessage.id.in_(ids))
    candidates = candidates.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)

    token = str(uuid.uuid4())
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .values(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
        )
    )


def _as_flask_mail(message: OutboxMessage) -> Message:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    recipient = (message.recipient_name, message.recipient_email) if message.recipient_name else message.recipient_email
    mail_message = Message(
        subject=message.subject,
        recipients=[recipient],
        body=message.body_text,
        html=message.body_html,
        sender=sender,
        charset="utf-8",
    )
    for attachment in message.attachments or ():
        mail_message.attach(attachment["filename"], attachment["content_type"], _attachment_bytes(attachment))
    # Fixed per outbox row, so a message re-sent after a crash is recognisably the same one.
    mail_message.msgId = f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    return mail_message


def _attachment_bytes(attachment: dict) -> bytes:
    """A stored file (a letter PDF) by its storage key, or small text kept in the row (a calendar).

    Always bytes: Flask-Mail writes a str attachment through unicode-escape, mangling any Arabic in it.
    """
    if "storage_key" in attachment:
        from ..storage import storage

        return storage().read(attachment["storage_key"])
    return attachment["content"].encode()


def _mark_failed(message: OutboxMessage, error: Exception) -> None:
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.claim_token = None
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)


def send_batch(limit=None, ids=None, *, ignore_backoff=False) -> SendReport:
    """Claim up to `limit` due messages and deliver them over one SMTP connection."""
    report = SendReport()
    if not current_app.config.get("MAIL_SERVER"):
        return report
    batch = claim_batch(limit or current_app.config["MAIL_BATCH_SIZE"], ids, ignore_backoff=ignore_backoff)
    if not batch:
        return report
    try:
        connection = mail.connect()
        connection.__enter__()
    except Exception as error:  # server down: every claimed message waits for its next try
        log.warning("SMTP connection failed: %s", error)
        for message in batch:
            _mark_failed(message, error)
        db.session.commit()
        report.failed = len(batch)
        return report
    try:
        for message in batch:
            try:
                connection.send(_as_flask_mail(message))
            except Exception as error:
                _mark_failed(message, error)
                report.failed += 1
            else:
                message.status = MessageStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                message.claim_token = None
                report.sent += 1
            db.session.commit()
    finally:
        try:
            connection.__exit__(None, None, None)
        except Exception:  # the messages are recorded; a failed QUIT changes nothing
            pass
    return report


def send_all(*, ignore_backoff=False) -> SendReport:
    """Deliver batches until nothing due is left, or a batch delivers nothing (server down)."""
    total = SendReport()
    while True:
        report = send_batch(ignore_backoff=ignore_backoff)
        total.sent += report.sent
        total.failed += report.failed
        if report.sent == 0:
            return total


def retry_message(actor, message: OutboxMessage) -> None:
    """Staff put a failed message back in the queue for one more try now."""
    if message.status != MessageStatus.FAILED:
        raise ActionRefused(_l("Only a failed message can be retried."))
    message.status = MessageStatus.QUEUED
    message.next_attempt_at = utcnow()
    record(actor, "mail.retry", message)
