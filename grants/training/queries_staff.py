"""Reading training data for staff pages: the course list with its counts, a course's people, the calls offered."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Application, Call, CallStatus, Certificate, Course, CourseSession, Decision, Enrolment, EnrolmentStatus,
    Response, User, utcnow,
)

# Calls whose grantees are known: the ones bulk enrolment can take people from.
DECIDED = (CallStatus.DECIDED, CallStatus.ARCHIVED)


@dataclass(frozen=True)
class CourseRow:
    """One line of the staff course list."""

    course: Course
    waiting: int
    sessions: int
    next_session: datetime | None  # the next session that has not started yet
    last_session_end: datetime | None

    @property
    def ended(self) -> bool:
        return self.last_session_end is not None and self.last_session_end <= utcnow()


def courses_with_counts(now: datetime | None = None) -> list[CourseRow]:
    """Every course with its waiting list, session count and next session, in one query.

    Courses with a session to come first (soonest first), then the others, newest first.
    """
    now = now or utcnow()
    waiting = (select(Enrolment.course_id, func.count().label("waiting"))
               .where(Enrolment.status == EnrolmentStatus.WAITLISTED)
               .group_by(Enrolment.course_id).subquery())
    sessions = (select(CourseSession.course_id, func.count().label("sessions"),
                       func.max(CourseSession.ends_at).label("last_end"))
                .group_by(CourseSession.course_id).subquery())
    upcoming = (select(CourseSession.course_id, func.min(CourseSession.starts_at).label("next_start"))
                .where(CourseSession.starts_at > now).group_by(CourseSession.course_id).subquery())
    rows = db.session.execute(
        select(Course, func.coalesce(waiting.c.waiting, 0), func.coalesce(sessions.c.sessions, 0),
               upcoming.c.next_start, sessions.c.last_end)
        .outerjoin(waiting, waiting.c.course_id == Course.id)
        .outerjoin(sessions, sessions.c.course_id == Course.id)
        .outerjoin(upcoming, upcoming.c.course_id == Course.id)
        .order_by(upcoming.c.next_start.is_(None), upcoming.c.next_start, Course.id.desc())).all()
    return [CourseRow(course=course, waiting=waiting_count, sessions=session_count,
                      next_session=next_start, last_session_end=last_end)
            for course, waiting_count, session_count, next_start, last_end in rows]


@dataclass(frozen=True)
class PersonLine:
    """One person in a course, as the staff course page lists them."""

    enrolment: Enrolment
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class CoursePeople:
    enrolled: list[PersonLine]
    waiting: list[PersonLine]   # in waiting-list order: the first is promoted next
    left: list[PersonLine]


def people_of(course_id: int) -> CoursePeople:
    """Everyone who is or was in the course, grouped by status, in one query."""
    rows = db.session.execute(
        select(Enrolment, User.full_name, User.email, User.phone)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course_id)
        .order_by(Enrolment.queued_at, Enrolment.id)).all()
    grouped = {status: [] for status in EnrolmentStatus}
    for enrolment, name, email, phone in rows:
        grouped[enrolment.status].append(PersonLine(enrolment=enrolment, name=name, email=email, phone=phone or ""))
    enrolled = sorted(grouped[EnrolmentStatus.ENROLLED],
                      key=lambda line: (line.enrolment.enrolled_at, line.enrolment.id))
    left = sorted(grouped[EnrolmentStatus.LEFT], key=lambda line: (line.enrolment.left_at, line.enrolment.id))
    return CoursePeople(enrolled=enrolled, waiting=grouped[EnrolmentStatus.WAITLISTED], left=left)


def certificates_by_enrolment(course_id: int) -> dict[int, Certificate]:
    return {certificate.enrolment_id: certificate for certificate in db.session.scalars(
        select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.course_id == course_id))}


def linkable_calls(keep_ids=()) -> list[Call]:
    """Calls a course can be linked to: every call past its draft, and any already linked."""
    keep_ids = list(keep_ids)
    condition = Call.status != CallStatus.DRAFT
    if keep_ids:
        condition = condition | Call.id.in_(keep_ids)
    return list(db.session.scalars(select(Call).where(condition).order_by(Call.opens_at.desc(), Call.id.desc())))


def calls_with_grantees() -> list[tuple[Call, int]]:
    """Decided and archived calls with how many grantees (accepted awards, active accounts) each has."""
    grantees = (select(Decision.call_id, func.count(func.distinct(User.id)).label("grantees"))
                .join(Application, Application.id == Decision.application_id)
                .join(User, User.id == Application.applicant_id)
                .where(Decision.response == Response.ACCEPTED, User.active.is_(True))
                .group_by(Decision.call_id).subquery())
    return [(call, count) for call, count in db.session.execute(
        select(Call, func.coalesce(grantees.c.grantees, 0))
        .outerjoin(grantees, grantees.c.call_id == Call.id)
        .where(Call.status.in_(DECIDED))
        .order_by(Call.opens_at.desc(), Call.id.desc())).all()]
