"""Training: courses with sessions, enrolments with a waiting list, attendance, certificates of completion."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .calls import localized
from .types import UTCDateTime, str_enum, utcnow


class Topic(enum.StrEnum):
    BUSINESS_PLANNING = "business_planning"
    BOOKKEEPING = "bookkeeping"
    MARKETING = "marketing"
    DIGITAL_SKILLS = "digital_skills"
    FOLLOW_UP = "follow_up"
    OTHER = "other"

    @property
    def title(self):
        return {Topic.BUSINESS_PLANNING: _l("Business planning"), Topic.BOOKKEEPING: _l("Bookkeeping"),
                Topic.MARKETING: _l("Marketing"), Topic.DIGITAL_SKILLS: _l("Digital skills"),
                Topic.FOLLOW_UP: _l("Follow-up workshop"), Topic.OTHER: _l("Other topic")}[self]


class Audience(enum.StrEnum):
    """Who may enrol in a course."""

    GRANTEES = "grantees"    # grantees (accepted awards) of the calls linked to the course
    APPROVED = "approved"    # anyone with a released approval, of any call
    REGISTERED = "registered"  # anyone with an account

    @property
    def title(self):
        return {Audience.GRANTEES: _l("Grantees of the chosen calls"),
                Audience.APPROVED: _l("Any approved applicant"),
                Audience.REGISTERED: _l("Anyone registered")}[self]


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        # Seats are counted in the row the enrolment verbs lock, so the database itself refuses a
        # seat beyond capacity, whatever happens in the application.
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        sa.CheckConstraint("completion_percent BETWEEN 1 AND 100", name="completion_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ar: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_ar: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    trainer: Mapped[str] = mapped_column(sa.String(200), default="")
    topic: Mapped[Topic] = mapped_column(str_enum(Topic, "course_topic"), default=Topic.OTHER)
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "course_audience"), default=Audience.GRANTEES)
    completion_percent: Mapped[int] = mapped_column(default=80)
    # Staff prepare a course, then open it: only open courses are shown to applicants and take enrolments.
    enrolment_open: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list["CourseSession"]] = relationship(
        back_populates="course", order_by="CourseSession.starts_at, CourseSession.id", cascade="all, delete-orphan")
    call_links: Mapped[list["CourseCall"]] = relationship(back_populates="course", cascade="all, delete-orphan")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


class CourseCall(db.Model):
    """A call whose grantees the course is for, and whether completing it is required before a tranche is paid."""

    __tablename__ = "course_calls"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True, index=True)
    required_for_payment: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="call_links")
    call: Mapped["Call"] = relationship(lazy="joined")  # noqa: F821


class CourseSession(db.Model):
    __tablename__ = "course_sessions"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # When staff first saved attendance for the session (attendance is then "taken").
    attendance_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    LEFT = "left"          # left by the person, or removed by staff

    @property
    def title(self):
        return {EnrolmentStatus.ENROLLED: _l("Enrolled"), EnrolmentStatus.WAITLISTED: _l("On the waiting list"),
                EnrolmentStatus.LEFT: _l("Left the course")}[self]


class Enrolment(db.Model):
    """One person in one course: enrolled, waiting (in queued_at order), or gone. One row per person and course,
    reused when they come back, so nobody is ever enrolled twice."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "user_id", name="uq_enrolments_course_user"),
        sa.CheckConstraint("status <> 'enrolled' OR enrolled_at IS NOT NULL", name="enrolled_has_time"),
        sa.Index("ix_enrolments_course_status_queue", "course_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # place in the waiting list
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Attendance(db.Model):
    """Whether one enrolled person was at one session; a row per person once attendance is taken."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id", name="uq_attendance_session_enrolment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Certificate(db.Model):
    """A certificate of completion, issued once per enrolment; its number is printed and verifiable online.

    What the public verification page shows is kept here as issued, so it stays the same if the course
    is renamed later.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    holder_name: Mapped[str] = mapped_column(sa.String(200))  # in Arabic script when the program knows it
    holder_name_latin: Mapped[str] = mapped_column(sa.String(200), default="")
    course_title_ar: Mapped[str] = mapped_column(sa.String(200))
    course_title_en: Mapped[str] = mapped_column(sa.String(200))
    first_session_on: Mapped[datetime] = mapped_column(UTCDateTime)
    last_session_on: Mapped[datetime] = mapped_column(UTCDateTime)
    hours: Mapped[float] = mapped_column(sa.Numeric(6, 1))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)

    enrolment: Mapped[Enrolment] = relationship()

    @property
    def course_title(self) -> str:
        return localized(self, "course_title")
