"""Peer review: reviewer profiles, conflicts of interest, review assignments, scores and their history."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .applications import Application
from .calls import Criterion, Sector
from .types import UTCDateTime, str_enum, utcnow

reviewer_sectors = sa.Table(
    "reviewer_sectors", db.metadata,
    sa.Column("user_id", sa.ForeignKey("reviewer_profiles.user_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewerProfile(db.Model):
    """What assignment needs to know about a reviewer: how many reviews they take, what they know."""

    __tablename__ = "reviewer_profiles"
    __table_args__ = (sa.CheckConstraint("load_cap >= 0", name="load_cap_not_negative"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    load_cap: Mapped[int] = mapped_column(default=20)
    expertise: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(lazy="joined")
    sectors: Mapped[list[Sector]] = relationship(secondary=reviewer_sectors, lazy="selectin")


class ConflictKind(enum.StrEnum):
    FAMILY = "family"
    BUSINESS_PARTNER = "business_partner"
    EMPLOYER = "employer"
    OTHER = "other"

    @property
    def title(self):
        return {ConflictKind.FAMILY: _l("Family relation"), ConflictKind.BUSINESS_PARTNER: _l("Business partner"),
                ConflictKind.EMPLOYER: _l("Employer or employee"), ConflictKind.OTHER: _l("Other")}[self]


class Conflict(db.Model):
    """A reviewer's declared conflict of interest with one application: a hard constraint on assignment."""

    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("reviewer_id", "application_id", name="uq_conflicts_reviewer_application"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(str_enum(ConflictKind, "conflict_kind"))
    reason: Mapped[str] = mapped_column(sa.Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship()
    application: Mapped[Application] = relationship()


class ReviewStatus(enum.StrEnum):
    ASSIGNED = "assigned"    # nothing saved yet
    DRAFT = "draft"          # scores saved, not submitted
    SUBMITTED = "submitted"

    @property
    def title(self):
        return {ReviewStatus.ASSIGNED: _l("Not started"), ReviewStatus.DRAFT: _l("In progress"),
                ReviewStatus.SUBMITTED: _l("Submitted")}[self]


class Recommendation(enum.StrEnum):
    FUND = "fund"
    FUND_WITH_CHANGES = "fund_with_changes"
    DO_NOT_FUND = "do_not_fund"

    @property
    def title(self):
        return {Recommendation.FUND: _l("Fund"), Recommendation.FUND_WITH_CHANGES: _l("Fund with changes"),
                Recommendation.DO_NOT_FUND: _l("Do not fund")}[self]


class Review(db.Model):
    """One reviewer's assignment to one application, and their review once written."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id", name="uq_reviews_application_reviewer"),
        sa.CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND recommendation IS NOT NULL)",
                           name="submitted_is_complete"),
        sa.Index("ix_reviews_reviewer_status", "reviewer_id", "status"),
        sa.Index("ix_reviews_call_status", "call_id", "status"),
        # The stored ranking's fingerprint reads how many and the latest change from the index alone.
        sa.Index("ix_reviews_call_status_updated", "call_id", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus, "review_status"),
                                                 default=ReviewStatus.ASSIGNED)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    recommendation: Mapped[Recommendation | None] = mapped_column(str_enum(Recommendation, "recommendation"))

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list["Score"]] = relationship(back_populates="review", cascade="all, delete-orphan",
                                                 lazy="selectin")


class Score(db.Model):
    """A reviewer's whole-number score on one criterion; NULL means "not applicable"."""

    __tablename__ = "scores"

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="RESTRICT"), primary_key=True)
    value: Mapped[int | None]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ReviewRevision(db.Model):
    """A submitted review as it was before an edit: every version stays readable."""

    __tablename__ = "review_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # {"scores": {criterion_id: {"value": v, "comment": c}}, "overall_comment": ..., "recommendation": ...}
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
