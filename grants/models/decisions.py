"""Funding decisions: set-asides, the decision on each application, the applicant's answer, decision emails."""
import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .applications import Application
from .types import UTCDateTime, str_enum, utcnow


class FitPolicy(enum.StrEnum):
    STOP = "stop"
    SKIP = "skip"
    PARTIAL = "partial"

    @property
    def title(self):
        return {FitPolicy.STOP: _l("Stop at the first request that does not fit"),
                FitPolicy.SKIP: _l("Skip to the next request that fits"),
                FitPolicy.PARTIAL: _l("Offer a partial award when at least 80 percent of the request fits")}[self]


class Group(enum.StrEnum):
    """Groups a set-aside can reserve budget for; membership is computed from the application."""

    WOMEN_LED = "women_led"
    WOMEN = "women"
    UNDER_25 = "under_25"
    DISABILITY = "disability"

    @property
    def title(self):
        return {Group.WOMEN_LED: _l("Women-led businesses"), Group.WOMEN: _l("Women applicants"),
                Group.UNDER_25: _l("Applicants under 25"),
                Group.DISABILITY: _l("Applicants with a disability")}[self]


class SetAside(db.Model):
    __tablename__ = "set_asides"
    __table_args__ = (
        sa.UniqueConstraint("call_id", "group", name="uq_set_asides_call_group"),
        sa.CheckConstraint("percentage > 0 AND percentage <= 100", name="percentage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    group: Mapped[Group] = mapped_column(str_enum(Group, "set_aside_group"))
    percentage: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class Outcome(enum.StrEnum):
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"

    @property
    def title(self):
        return {Outcome.APPROVED: _l("Approved"), Outcome.WAITLISTED: _l("Waiting list"),
                Outcome.NOT_SELECTED: _l("Not selected")}[self]


class Response(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def title(self):
        return {Response.PENDING: _l("Awaiting answer"), Response.ACCEPTED: _l("Accepted"),
                Response.DECLINED: _l("Declined")}[self]


class Decision(db.Model):
    """The program's decision on one application, and the applicant's answer to an award."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint("(outcome = 'approved') = (awarded_amount > 0)", name="award_iff_approved"),
        sa.CheckConstraint("awarded_amount >= 0", name="award_not_negative"),
        sa.CheckConstraint("response = 'pending' OR (outcome = 'approved' AND responded_at IS NOT NULL)",
                           name="only_awards_are_answered"),
        sa.CheckConstraint("outcome = 'waitlisted' OR waitlist_position IS NULL", name="waitlist_position_only_waitlisted"),
        sa.Index("ix_decisions_call_outcome", "call_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "decision_outcome"))
    awarded_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # What the proposal said, kept beside any change staff made, with the reason for the change.
    proposed_outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "decision_proposed_outcome"))
    proposed_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    change_reason: Mapped[str | None] = mapped_column(sa.Text)
    rank: Mapped[int | None]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    funded_from: Mapped[str | None] = mapped_column(sa.String(20))
    waitlist_position: Mapped[int | None]
    feedback_ar: Mapped[str] = mapped_column(sa.Text, default="")
    feedback_en: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set in the transaction that queues the decision email: a decision is released exactly once.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[Response] = mapped_column(str_enum(Response, "decision_response"), default=Response.PENDING)
    response_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(lazy="joined", innerjoin=True)
    decided_by: Mapped[User | None] = relationship()


class DecisionTemplate(db.Model):
    """The decision email for one outcome in one language, editable by staff, with {placeholders}."""

    __tablename__ = "decision_templates"
    __table_args__ = (sa.UniqueConstraint("call_id", "outcome", "locale", name="uq_decision_templates_call_outcome_locale"),
                      sa.CheckConstraint("locale IN ('ar', 'en')", name="locale_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "decision_template_outcome"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GroupMessage(db.Model):
    """A message staff wrote to a filtered group of applicants of a call, in both languages."""

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    audience: Mapped[dict] = mapped_column(sa.JSON)  # the filter that chose the recipients
    subject_ar: Mapped[str] = mapped_column(sa.String(300))
    subject_en: Mapped[str] = mapped_column(sa.String(300))
    body_ar: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
