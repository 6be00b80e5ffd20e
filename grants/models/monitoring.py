"""Monitoring: the grantee's progress reports on a follow-up schedule, their photos and receipts, site visits."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .disbursements import Grant
from .types import UTCDateTime, str_enum, utcnow


class ReportStatus(enum.StrEnum):
    DUE = "due"                              # scheduled; the grantee may fill it in (saved as a draft)
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"  # staff asked for changes; the grantee edits and submits again
    APPROVED = "approved"

    @property
    def title(self):
        return {ReportStatus.DUE: _l("To be submitted"), ReportStatus.SUBMITTED: _l("Submitted"),
                ReportStatus.CHANGES_REQUESTED: _l("Changes requested"),
                ReportStatus.APPROVED: _l("Approved")}[self]


# While a report is in one of these states its grantee may change it (and it counts as outstanding).
EDITABLE_REPORT_STATUSES = (ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)


class BusinessStatus(enum.StrEnum):
    OPERATING = "operating"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def title(self):
        return {BusinessStatus.OPERATING: _l("Operating"), BusinessStatus.PAUSED: _l("Paused"),
                BusinessStatus.CLOSED: _l("Closed down")}[self]


class RevenueBand(enum.StrEnum):
    """Monthly revenue in bands (in the call's currency): asking for an exact figure gets guesses or silence."""

    NONE = "none"
    UNDER_500K = "under_500k"
    FROM_500K_TO_1M = "500k_1m"
    FROM_1M_TO_3M = "1m_3m"
    OVER_3M = "over_3m"

    @property
    def title(self):
        return {RevenueBand.NONE: _l("No revenue yet"), RevenueBand.UNDER_500K: _l("Less than 500,000"),
                RevenueBand.FROM_500K_TO_1M: _l("500,000 to 1,000,000"),
                RevenueBand.FROM_1M_TO_3M: _l("1,000,000 to 3,000,000"),
                RevenueBand.OVER_3M: _l("More than 3,000,000")}[self]


class ProgressReport(db.Model):
    """The n-th follow-up report of a grant, due n-th follow-up months after the first payment."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        sa.UniqueConstraint("grant_id", "number", name="uq_progress_reports_grant_number"),
        sa.CheckConstraint("jobs_women_full >= 0 AND jobs_women_part >= 0 AND jobs_men_full >= 0 "
                           "AND jobs_men_part >= 0", name="jobs_not_negative"),
        sa.CheckConstraint("status = 'due' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        sa.CheckConstraint("status <> 'approved' OR reviewed_at IS NOT NULL", name="approved_has_review"),
        sa.CheckConstraint("status = 'due' OR business_status IS NOT NULL", name="submitted_has_business_status"),
        sa.Index("ix_progress_reports_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    number: Mapped[int]
    months_after_payment: Mapped[int]
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_status"), default=ReportStatus.DUE)
    business_status: Mapped[BusinessStatus | None] = mapped_column(str_enum(BusinessStatus, "business_status"))
    revenue_band: Mapped[RevenueBand | None] = mapped_column(str_enum(RevenueBand, "revenue_band"))
    jobs_women_full: Mapped[int] = mapped_column(default=0)
    jobs_women_part: Mapped[int] = mapped_column(default=0)
    jobs_men_full: Mapped[int] = mapped_column(default=0)
    jobs_men_part: Mapped[int] = mapped_column(default=0)
    money_bought: Mapped[str] = mapped_column(sa.Text, default="")
    challenges: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    grant: Mapped[Grant] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
    files: Mapped[list["MonitoringFile"]] = relationship(
        primaryjoin="MonitoringFile.report_id == ProgressReport.id", order_by="MonitoringFile.id",
        viewonly=True)

    @property
    def jobs_total(self) -> int:
        return self.jobs_women_full + self.jobs_women_part + self.jobs_men_full + self.jobs_men_part


class SiteVisit(db.Model):
    __tablename__ = "site_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(sa.Date)
    visitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    visitor_name: Mapped[str] = mapped_column(sa.String(200))
    business_status: Mapped[BusinessStatus | None] = mapped_column(str_enum(BusinessStatus, "visit_business_status"))
    findings: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grant: Mapped[Grant] = relationship()
    files: Mapped[list["MonitoringFile"]] = relationship(
        primaryjoin="MonitoringFile.visit_id == SiteVisit.id", order_by="MonitoringFile.id", viewonly=True)


class MonitoringFile(db.Model):
    """A photo or receipt attached to a progress report or a site visit (same upload rules as applications)."""

    __tablename__ = "monitoring_files"
    __table_args__ = (
        sa.CheckConstraint("(report_id IS NULL) <> (visit_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')",
                           name="content_type_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"),
                                                  index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site_visits.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ProgressReport | None] = relationship(foreign_keys=[report_id])
    visit: Mapped[SiteVisit | None] = relationship(foreign_keys=[visit_id])
