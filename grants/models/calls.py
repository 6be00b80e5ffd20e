"""Calls for applications: places, sectors, the call itself with its eligibility rules, rubric and documents."""
import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow


def localized(obj, field: str) -> str:
    """obj.<field>_ar or obj.<field>_en for the current locale, falling back to the other language."""
    first, second = ("en", "ar") if str(get_locale() or "ar").startswith("en") else ("ar", "en")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}") or ""


class PlaceKind(enum.StrEnum):
    GOVERNORATE = "governorate"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"

    @property
    def title(self):
        return {PlaceKind.GOVERNORATE: _l("Governorate"), PlaceKind.DISTRICT: _l("District"),
                PlaceKind.SUBDISTRICT: _l("Subdistrict")}[self]


class Place(db.Model):
    """A governorate, district or subdistrict; staff can edit the list."""

    __tablename__ = "places"
    __table_args__ = (
        sa.CheckConstraint("(kind = 'governorate') = (parent_id IS NULL)", name="only_governorates_are_roots"),
        sa.UniqueConstraint("parent_id", "name_en", name="uq_places_parent_name_en"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind, "place_kind"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    name_ar: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Place | None"] = relationship(remote_side=[id])

    @property
    def name(self) -> str:
        return localized(self, "name")


class Sector(db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def name(self) -> str:
        return localized(self, "name")


class CallStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    REVIEWING = "reviewing"
    DECIDED = "decided"
    ARCHIVED = "archived"

    @property
    def title(self):
        return CALL_STATUS_TITLES[self]


CALL_STATUS_TITLES = {
    CallStatus.DRAFT: _l("Draft"),
    CallStatus.OPEN: _l("Open"),
    CallStatus.CLOSED: _l("Closed"),
    CallStatus.REVIEWING: _l("Under review"),
    CallStatus.DECIDED: _l("Decided"),
    CallStatus.ARCHIVED: _l("Archived"),
}


class Currency(enum.StrEnum):
    SYP = "SYP"
    USD = "USD"

    @property
    def title(self):
        return {Currency.SYP: _l("Syrian pound (SYP)"), Currency.USD: _l("US dollar (USD)")}[self]


class BusinessStage(enum.StrEnum):
    IDEA = "idea"
    EXISTING = "existing"

    @property
    def title(self):
        return {BusinessStage.IDEA: _l("New business (idea)"),
                BusinessStage.EXISTING: _l("Existing business")}[self]


call_places = sa.Table(
    "call_places", db.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("place_id", sa.ForeignKey("places.id", ondelete="RESTRICT"), primary_key=True),
)
call_sectors = sa.Table(
    "call_sectors", db.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="RESTRICT"), primary_key=True),
)


class Call(db.Model):
    """A funding round. Eligibility rules: an empty place or sector list means any."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
        sa.CheckConstraint("budget > 0", name="budget_positive"),
        sa.CheckConstraint("min_award > 0 AND min_award <= max_award", name="award_range"),
        sa.CheckConstraint("max_award <= budget", name="max_award_within_budget"),
        sa.CheckConstraint("reviewers_per_application BETWEEN 1 AND 10", name="reviewers_per_application_range"),
        sa.CheckConstraint("min_age >= 0 AND min_age <= max_age", name="age_range"),
        sa.CheckConstraint("accepts_idea OR accepts_existing", name="accepts_a_stage"),
        sa.CheckConstraint("application_seq >= 0", name="application_seq_not_negative"),
        sa.CheckConstraint("max_documents >= 0", name="max_documents_not_negative"),
        sa.CheckConstraint("fit_policy IN ('stop', 'skip', 'partial')", name="fit_policy_known"),
        sa.CheckConstraint("response_days > 0", name="response_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    title_ar: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_ar: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    budget: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[Currency] = mapped_column(str_enum(Currency, "currency"), default=Currency.SYP)
    min_award: Mapped[int] = mapped_column(sa.BigInteger)
    max_award: Mapped[int] = mapped_column(sa.BigInteger)
    reviewers_per_application: Mapped[int] = mapped_column(default=3)
    blind_review: Mapped[bool] = mapped_column(default=False)
    reviewers_may_comment: Mapped[bool] = mapped_column(default=False)
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int] = mapped_column(default=35)
    accepts_idea: Mapped[bool] = mapped_column(default=True)
    accepts_existing: Mapped[bool] = mapped_column(default=True)
    max_documents: Mapped[int] = mapped_column(default=10)
    # Review settings (see grants/reviews): what reviewers may see and when reviews disagree.
    reviewers_see_other_scores: Mapped[bool] = mapped_column(default=False)
    disagreement_range: Mapped[int] = mapped_column(default=30)
    disagreement_sd: Mapped[int] = mapped_column(default=15)
    rank_by_calibrated: Mapped[bool] = mapped_column(default=False)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Decision settings (see grants/decisions).
    fit_policy: Mapped[str] = mapped_column(sa.String(10), default="skip")
    min_overall_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    response_days: Mapped[int] = mapped_column(default=14)
    # Disbursement: the tranche percentages every accepted award of the call is paid in (see grants/disbursements).
    tranche_schedule: Mapped[list] = mapped_column(sa.JSON, default=lambda: [50, 30, 20])
    # Monitoring: progress reports are due this many months after a grant's first payment.
    followup_months: Mapped[list] = mapped_column(sa.JSON, default=lambda: [3, 6])
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus, "call_status"), default=CallStatus.DRAFT, index=True)
    # Last reference number handed out; incremented in the submitting transaction.
    application_seq: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    places: Mapped[list[Place]] = relationship(secondary=call_places, lazy="selectin", order_by=Place.id)
    sectors: Mapped[list[Sector]] = relationship(secondary=call_sectors, lazy="selectin", order_by=Sector.id)
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="Criterion.position", lazy="selectin")
    required_documents: Mapped[list["RequiredDocument"]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="RequiredDocument.position", lazy="selectin")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def accepted_stages(self) -> list[BusinessStage]:
        return [s for s, ok in ((BusinessStage.IDEA, self.accepts_idea),
                                (BusinessStage.EXISTING, self.accepts_existing)) if ok]

    def is_accepting(self, now: datetime | None = None) -> bool:
        """Open and inside its window, to the second."""
        now = now or utcnow()
        return self.status == CallStatus.OPEN and self.opens_at <= now < self.closes_at

    @property
    def closing_date(self) -> date:
        """The day ages are counted on, in the program's timezone."""
        from ..formatting import to_program_time

        return to_program_time(self.closes_at).date()

    def __repr__(self):
        return f"<Call {self.code}>"


class Criterion(db.Model):
    """One line of the scoring rubric. Thresholds apply to the mean raw score, never to weights."""

    __tablename__ = "criteria"
    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("min_score < max_score", name="scale_range"),
        sa.CheckConstraint("threshold IS NULL OR (threshold >= min_score AND threshold <= max_score)",
                           name="threshold_on_scale"),
        sa.UniqueConstraint("call_id", "position", name="uq_criteria_call_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_ar: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    guidance_ar: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_en: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 3), default=Decimal("1"))
    min_score: Mapped[int] = mapped_column(default=1)
    max_score: Mapped[int] = mapped_column(default=5)
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    allows_not_applicable: Mapped[bool] = mapped_column(default=False)
    # Written anchors per score level: {"1": {"ar": "...", "en": "..."}, ...}
    anchors: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="criteria")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def guidance(self) -> str:
        return localized(self, "guidance")


class RequiredDocument(db.Model):
    """A document the call asks every applicant to upload (ID card, photos of the premises ...)."""

    __tablename__ = "required_documents"
    __table_args__ = (sa.UniqueConstraint("call_id", "position", name="uq_required_documents_call_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_ar: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    # Identity documents are hidden from reviewers when the review is blind.
    is_identity: Mapped[bool] = mapped_column(default=False)
    mandatory: Mapped[bool] = mapped_column(default=True)

    call: Mapped[Call] = relationship(back_populates="required_documents")

    @property
    def name(self) -> str:
        return localized(self, "name")
