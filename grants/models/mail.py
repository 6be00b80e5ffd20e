"""The outbox: every email as a row, written in the transaction that causes it."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"    # waiting for a sender (again, after a failed try, once next_attempt_at passes)
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"    # gave up after MAIL_MAX_ATTEMPTS; staff may retry

    @property
    def title(self):
        return {
            MessageStatus.QUEUED: _l("Queued"),
            MessageStatus.SENDING: _l("Sending"),
            MessageStatus.SENT: _l("Sent"),
            MessageStatus.FAILED: _l("Failed"),
        }[self]


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("status <> 'sending' OR claimed_at IS NOT NULL", name="sending_is_claimed"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_messages_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    template: Mapped[str] = mapped_column(sa.String(64))
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    recipient_name: Mapped[str | None] = mapped_column(sa.String(200))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # The object the message is about, for a message log per application, grant ...
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    # Callers that must never queue the same message twice (a decision, a reminder) pass a key.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    # Attachments: small text kept here (a calendar file) as {"filename", "content_type", "content"}, or a
    # stored file (a letter PDF) as {"filename", "content_type", "storage_key"}.
    attachments: Mapped[list | None] = mapped_column(sa.JSON)

    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
