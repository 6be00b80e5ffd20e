"""Disbursements: the grant an accepted award becomes, its tranches, and the letters that pay them."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .applications import Application
from .types import UTCDateTime, str_enum, utcnow


class Grant(db.Model):
    """An accepted award: the money the program owes one grantee, paid in tranches.

    paid_total is kept in the row the payment verbs lock; its CHECK makes paying more than the award
    impossible whatever the application does.
    """

    __tablename__ = "grants"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("paid_total >= 0 AND paid_total <= amount", name="paid_within_award"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id", ondelete="RESTRICT"), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="RESTRICT"), unique=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    paid_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The agreement PDF made when the award was accepted, and when staff filed the signed copy.
    agreement_key: Mapped[str | None] = mapped_column(sa.String(64))
    agreement_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    agreement_signed_on: Mapped[date | None] = mapped_column(sa.Date)
    agreement_filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship(lazy="joined", innerjoin=True)
    tranches: Mapped[list["Tranche"]] = relationship(back_populates="grant", order_by="Tranche.number",
                                                     cascade="all, delete-orphan")

    @property
    def call(self):
        return self.application.call

    @property
    def grantee(self) -> User:
        return self.application.applicant


class TrancheStatus(enum.StrEnum):
    PENDING = "pending"
    REQUESTED = "requested"
    APPROVED = "approved"
    LETTER_ISSUED = "letter_issued"
    PAID = "paid"
    CANCELLED = "cancelled"

    @property
    def title(self):
        return {TrancheStatus.PENDING: _l("Pending"), TrancheStatus.REQUESTED: _l("Requested"),
                TrancheStatus.APPROVED: _l("Approved"), TrancheStatus.LETTER_ISSUED: _l("Letter issued"),
                TrancheStatus.PAID: _l("Paid"), TrancheStatus.CANCELLED: _l("Cancelled")}[self]


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    HAWALA = "hawala"
    MOBILE_MONEY = "mobile_money"

    @property
    def title(self):
        return {PaymentMethod.CASH: _l("Cash"), PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
                PaymentMethod.HAWALA: _l("Hawala"), PaymentMethod.MOBILE_MONEY: _l("Mobile money")}[self]


class Tranche(db.Model):
    __tablename__ = "tranches"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "number", name="uq_tranches_grant_number"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # Four eyes, in the schema: whoever approves a tranche did not request it.
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> requested_by_id", name="four_eyes"),
        sa.CheckConstraint("status IN ('pending', 'cancelled') OR requested_at IS NOT NULL", name="requested_has_time"),
        sa.CheckConstraint("status NOT IN ('approved', 'letter_issued', 'paid') OR approved_at IS NOT NULL",
                           name="approved_has_time"),
        sa.CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL)", name="paid_iff_paid_at"),
        sa.CheckConstraint("status <> 'paid' OR (payment_method IS NOT NULL AND paid_on IS NOT NULL)",
                           name="paid_has_method_and_date"),
        sa.CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancelled_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    number: Mapped[int]
    percentage: Mapped[str] = mapped_column(sa.String(12))  # as the schedule gave it, for the letter: "33.33"
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[TrancheStatus] = mapped_column(str_enum(TrancheStatus, "tranche_status"),
                                                  default=TrancheStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    payment_reference: Mapped[str | None] = mapped_column(sa.String(120))
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the payment was recorded
    paid_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)

    grant: Mapped[Grant] = relationship(back_populates="tranches")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class LetterCounter(db.Model):
    """The last letter number used in each year: the issuing transaction increments it under a row lock, so
    numbers have no gaps (a rolled-back issue gives its number back) and never repeat."""

    __tablename__ = "letter_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Letter(db.Model):
    """A disbursement letter for one tranche. Re-issuing voids the letter and issues a new number; at most one
    letter of a tranche is valid at a time."""

    __tablename__ = "letters"
    __table_args__ = (
        sa.UniqueConstraint("year", "sequence", name="uq_letters_year_sequence"),
        sa.Index("uq_letters_valid_per_tranche", "tranche_id", unique=True,
                 sqlite_where=sa.text("voided_at IS NULL"), postgresql_where=sa.text("voided_at IS NULL")),
        sa.CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="void_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(sa.ForeignKey("tranches.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # DL-2026-000123
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    storage_key: Mapped[str] = mapped_column(sa.String(64))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    tranche: Mapped[Tranche] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
