"""Delivers queued outbox messages over SMTP, safely from any number of processes at once.

A sender claims a batch by marking it `sending` with its own claim token in one UPDATE, whose
inner SELECT uses FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers anyway), so
two senders never hold the same message. It sends the batch over one SMTP connection and records
the outcomes in groups: the messages the server has accepted are marked sent by one UPDATE and one
commit per RECORD_EVERY messages (at once when a message fails), not one commit per message.
A message is marked sent only after the server accepted it. A sender that dies between those two
steps leaves its rows in `sending`: they are claimed again after MAIL_CLAIM_TIMEOUT and sent again
with their fixed Message-ID, so the receiving side can drop the duplicate. That at-least-once
window is at most RECORD_EVERY messages per sender; nothing claimed is ever lost.
"""
import logging
import smtplib
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


# Outcomes recorded per commit: the larger, the fewer commits (each a disk sync on SQLite), and the more
# messages a sender killed before recording them sends a second time (with the same Message-ID).
RECORD_EVERY = 20


def _still_ours(token: str, ids):
    """The rows of `ids` this sender still holds: a claim taken over after the lease is no longer ours."""
    return and_(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token)


def _record_sent(token: str, ids: list[int]) -> None:
    """The server accepted these: mark them sent, all in one statement and one commit."""
    if ids:
        db.session.execute(
            update(OutboxMessage).where(_still_ours(token, ids))
            .values(status=MessageStatus.SENT, sent_at=utcnow(), last_error=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _record_failed(token: str, message: OutboxMessage, error: Exception) -> None:
    """Back in the queue after a back-off, or failed for good after MAIL_MAX_ATTEMPTS (committed by the caller)."""
    values = {"last_error": f"{type(error).__name__}: {error}"[:2000], "claim_token": None}
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values["status"] = MessageStatus.FAILED
    else:
        values["status"] = MessageStatus.QUEUED
        values["next_attempt_at"] = utcnow() + retry_delay(message.attempts)
    db.session.execute(update(OutboxMessage).where(_still_ours(token, [message.id])).values(**values)
                       .execution_options(synchronize_session=False))


def _release(token: str, ids: list[int]) -> None:
    """Give back claimed messages that were never tried (the connection broke): due now, the try not counted."""
    if ids:
        db.session.execute(
            update(OutboxMessage).where(_still_ours(token, ids))
            .values(status=MessageStatus.QUEUED, claim_token=None, next_attempt_at=utcnow(),
                    attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def _connection_lost(error: Exception) -> bool:
    """An error after which this SMTP connection cannot send the next message (unlike a refused recipient)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421  # "closing the channel": smtplib has closed it
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException))  # a socket error


def send_batch(limit=None, ids=None, *, ignore_backoff=False) -> SendReport:
    """Claim up to `limit` due messages and deliver them over one SMTP connection."""
    report = SendReport()
    if not current_app.config.get("MAIL_SERVER"):
        return report
    batch = claim_batch(limit or current_app.config["MAIL_BATCH_SIZE"], ids, ignore_backoff=ignore_backoff)
    if not batch:
        return report
    token = batch[0].claim_token
    # Recording commits; committed ORM objects would each be reloaded by a SELECT when next read. Detached,
    # they keep what the claim loaded, and outcomes are written by UPDATE statements instead.
    for message in batch:
        db.session.expunge(message)
    try:
        connection = mail.connect()
        connection.__enter__()
    except Exception as error:  # server down: every claimed message waits for its next try
        log.warning("SMTP connection failed: %s", error)
        for message in batch:
            _record_failed(token, message, error)
        db.session.commit()
        report.failed = len(batch)
        return report
    accepted = []
    try:
        for index, message in enumerate(batch):
            try:
                connection.send(_as_flask_mail(message))
            except Exception as error:
                report.failed += 1
                _record_failed(token, message, error)
                if _connection_lost(error):
                    # The rest were not tried: back to the queue for the next batch's new connection.
                    log.warning("SMTP connection lost: %s", error)
                    _release(token, [rest.id for rest in batch[index + 1:]])
                    break
                _record_sent(token, accepted)  # commits the failure with the messages accepted before it
                accepted = []
            else:
                accepted.append(message.id)
                report.sent += 1
                if len(accepted) >= RECORD_EVERY:
                    _record_sent(token, accepted)
                    accepted = []
        _record_sent(token, accepted)
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
