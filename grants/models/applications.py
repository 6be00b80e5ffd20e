"""Applications: the applicant's answers, budget lines, documents, eligibility, screening and duplicates."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .calls import BusinessStage, Call, Place, RequiredDocument, Sector
from .types import UTCDateTime, str_enum, utcnow


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def title(self):
        return {ApplicationStatus.DRAFT: _l("Draft"), ApplicationStatus.SUBMITTED: _l("Submitted"),
                ApplicationStatus.WITHDRAWN: _l("Withdrawn")}[self]


class ScreeningStatus(enum.StrEnum):
    PENDING = "pending"        # not looked at yet
    SCREENED = "screened"      # checked by staff, goes on to review if eligible
    INELIGIBLE = "ineligible"  # staff ruled it out, with a reason
    DUPLICATE = "duplicate"    # rejected as a duplicate of another application, with a reason

    @property
    def title(self):
        return {ScreeningStatus.PENDING: _l("Not screened yet"), ScreeningStatus.SCREENED: _l("Screened"),
                ScreeningStatus.INELIGIBLE: _l("Ruled ineligible"),
                ScreeningStatus.DUPLICATE: _l("Rejected as duplicate")}[self]


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def title(self):
        return {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male")}[self]


class Education(enum.StrEnum):
    NONE = "none"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    VOCATIONAL = "vocational"
    UNIVERSITY = "university"
    POSTGRADUATE = "postgraduate"

    @property
    def title(self):
        return {Education.NONE: _l("No formal schooling"), Education.PRIMARY: _l("Primary school"),
                Education.SECONDARY: _l("Secondary school"), Education.VOCATIONAL: _l("Vocational institute"),
                Education.UNIVERSITY: _l("University degree"),
                Education.POSTGRADUATE: _l("Postgraduate degree")}[self]


class Disability(enum.StrEnum):
    NONE = "none"
    YES = "yes"
    UNDISCLOSED = "undisclosed"

    @property
    def title(self):
        return {Disability.NONE: _l("No"), Disability.YES: _l("Yes"),
                Disability.UNDISCLOSED: _l("Prefer not to say")}[self]


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("call_id", "applicant_id", name="uq_applications_call_applicant"),
        sa.CheckConstraint("status = 'draft' OR (reference IS NOT NULL AND submitted_at IS NOT NULL)",
                           name="submitted_has_reference"),
        sa.CheckConstraint("status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"),
        sa.CheckConstraint("jobs_women >= 0 AND jobs_men >= 0", name="jobs_not_negative"),
        sa.CheckConstraint("requested_amount >= 0 AND own_contribution >= 0 AND budget_total >= 0",
                           name="amounts_not_negative"),
        sa.CheckConstraint("eligibility_overridden = false OR override_reason IS NOT NULL",
                           name="override_has_reason"),
        sa.CheckConstraint("screening_status IN ('pending', 'screened') OR screening_reason IS NOT NULL",
                           name="rejection_has_reason"),
        sa.Index("ix_applications_call_status", "call_id", "status"),
        sa.Index("ix_applications_national_id", "call_id", "national_id"),
        sa.Index("ix_applications_phone", "call_id", "phone_normalized"),
        # The stored ranking's fingerprint reads how many and the latest change from the index alone.
        sa.Index("ix_applications_call_status_updated", "call_id", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="RESTRICT"))
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT)
    reference: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # (1) the applicant
    full_name_ar: Mapped[str | None] = mapped_column(sa.String(200))
    full_name_latin: Mapped[str | None] = mapped_column(sa.String(200))
    # Normalised Arabic name (grants.i18n.normalize_arabic) for search and duplicate detection.
    name_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    date_of_birth: Mapped[date | None]
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    national_id: Mapped[str | None] = mapped_column(sa.String(32))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    phone_normalized: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    place_id: Mapped[int | None] = mapped_column(sa.ForeignKey("places.id", ondelete="RESTRICT"))
    education: Mapped[Education | None] = mapped_column(str_enum(Education, "education"))
    current_work: Mapped[str | None] = mapped_column(sa.Text)
    disability: Mapped[Disability | None] = mapped_column(str_enum(Disability, "disability"))

    # (2) the business
    business_name: Mapped[str | None] = mapped_column(sa.String(200))
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sectors.id", ondelete="RESTRICT"))
    stage: Mapped[BusinessStage | None] = mapped_column(str_enum(BusinessStage, "business_stage"))
    women_led: Mapped[bool | None]
    business_description: Mapped[str | None] = mapped_column(sa.Text)
    problem_and_customers: Mapped[str | None] = mapped_column(sa.Text)
    jobs_women: Mapped[int] = mapped_column(default=0)
    jobs_men: Mapped[int] = mapped_column(default=0)
    partners: Mapped[str | None] = mapped_column(sa.Text)

    # (3) the budget: totals are always computed on the server from the lines
    budget_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    requested_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    own_contribution: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    # eligibility, recorded at submission: [{"code": ..., "ar": ..., "en": ...}, ...]
    eligible: Mapped[bool | None]
    eligibility_reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    eligibility_overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # screening by staff
    screening_status: Mapped[ScreeningStatus] = mapped_column(
        str_enum(ScreeningStatus, "screening_status"), default=ScreeningStatus.PENDING)
    screening_reason: Mapped[str | None] = mapped_column(sa.Text)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(lazy="joined", innerjoin=True)
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    place: Mapped[Place | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="BudgetLine.position")
    documents: Mapped[list["Document"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Document.id")
    tags: Mapped[list["ApplicationTag"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_eligible(self) -> bool:
        """Eligible by the rules, or ruled eligible by staff with a written justification."""
        return bool(self.eligible or self.eligibility_overridden)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age_at_close(self) -> int | None:
        return self.age_on(self.call.closing_date)

    def __repr__(self):
        return f"<Application {self.reference or self.id}>"


class BudgetLine(db.Model):
    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        sa.UniqueConstraint("application_id", "position", name="uq_budget_lines_application_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int]
    unit_cost: Mapped[int] = mapped_column(sa.BigInteger)

    application: Mapped[Application] = relationship(back_populates="budget_lines")

    @property
    def total(self) -> int:
        return self.quantity * self.unit_cost


class Document(db.Model):
    """An uploaded file, stored outside static/ under a random name and served only through a checked route."""

    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')",
                           name="content_type_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("required_documents.id", ondelete="SET NULL"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")
    requirement: Mapped[RequiredDocument | None] = relationship()


class ApplicationTag(db.Model):
    __tablename__ = "application_tags"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"),
                                                primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class Comment(db.Model):
    """An internal note on an application, never shown to the applicant."""

    __tablename__ = "application_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class DuplicateKind(enum.StrEnum):
    NATIONAL_ID = "national_id"
    PHONE = "phone"
    NAME_AND_BIRTH = "name_and_birth"

    @property
    def title(self):
        return {DuplicateKind.NATIONAL_ID: _l("Same national ID"), DuplicateKind.PHONE: _l("Same phone number"),
                DuplicateKind.NAME_AND_BIRTH: _l("Similar name and same date of birth")}[self]


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    CLEARED = "cleared"    # staff found they are different people
    REJECTED = "rejected"  # staff rejected `application` as a duplicate of `other`

    @property
    def title(self):
        return {FlagStatus.OPEN: _l("To check"), FlagStatus.CLEARED: _l("Cleared"),
                FlagStatus.REJECTED: _l("Rejected as duplicate")}[self]


class DuplicateFlag(db.Model):
    """A possible duplicate between two applications of one call; never merged automatically."""

    __tablename__ = "duplicate_flags"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "other_id", "kind", name="uq_duplicate_flags_pair_kind"),
        sa.CheckConstraint("application_id < other_id", name="pair_ordered"),
        sa.CheckConstraint("status = 'open' OR (resolved_by_id IS NOT NULL AND resolution_reason IS NOT NULL)",
                           name="resolution_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DuplicateKind] = mapped_column(str_enum(DuplicateKind, "duplicate_kind"))
    similarity: Mapped[int] = mapped_column(default=100)  # 0-100; 100 for exact matches
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_reason: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship(foreign_keys=[application_id])
    other: Mapped[Application] = relationship(foreign_keys=[other_id])
