"""Reading training data: who may enrol, courses open to a user, progress from attendance (aggregated in SQL)."""
from datetime import datetime

from sqlalchemy import and_, case, exists, false, func, or_, select, true

from ..extensions import db
from ..models import (
    Application, Attendance, Audience, Certificate, Course, CourseCall, CourseSession, Decision, Enrolment,
    EnrolmentStatus, Outcome, Response, User, utcnow,
)
from .completion import CourseProgress

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


def _decisions_of(user_id):
    return (select(Decision.id).join(Application, Application.id == Decision.application_id)
            .where(Application.applicant_id == user_id))


def eligibility_clause(user_id):
    """A SQL condition on Course: the user may enrol in it (the course's audience rule)."""
    grantee_of_linked_call = exists(
        _decisions_of(user_id).join(CourseCall, CourseCall.call_id == Decision.call_id)
        .where(CourseCall.course_id == Course.id, Decision.response == Response.ACCEPTED))
    approved_anywhere = exists(
        _decisions_of(user_id).where(Decision.outcome == Outcome.APPROVED, Decision.released_at.is_not(None),
                                     Decision.response != Response.DECLINED))
    return case(
        (Course.audience == Audience.REGISTERED, true()),
        (Course.audience == Audience.APPROVED, approved_anywhere),
        else_=grantee_of_linked_call,
    ) if user_id is not None else false()


def is_eligible(user: User, course: Course) -> bool:
    if not (user and user.is_authenticated):
        return False
    return bool(db.session.scalar(select(eligibility_clause(user.id)).select_from(Course).where(Course.id == course.id)))


def _last_session_end():
    return (select(func.max(CourseSession.ends_at)).where(CourseSession.course_id == Course.id)
            .correlate(Course).scalar_subquery())


def has_ended(course: Course, now: datetime | None = None) -> bool:
    """A course ends when its last session does; a course without sessions has not started."""
    ends = [s.ends_at for s in course.sessions]
    return bool(ends) and max(ends) <= (now or utcnow())


def open_courses_for(user: User, now: datetime | None = None) -> list[Course]:
    """Open courses the user may join, not ended, that they are not in already; soonest first."""
    now = now or utcnow()
    mine = select(Enrolment.course_id).where(Enrolment.user_id == user.id, Enrolment.status.in_(ACTIVE))
    first = (select(func.min(CourseSession.starts_at)).where(CourseSession.course_id == Course.id)
             .correlate(Course).scalar_subquery())
    return list(db.session.scalars(
        select(Course).where(Course.enrolment_open.is_(True), eligibility_clause(user.id),
                             Course.id.not_in(mine), or_(_last_session_end().is_(None), _last_session_end() > now))
        .order_by(first.asc().nulls_last(), Course.id)))


def enrolment_of(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id))


def waitlist(course_id: int):
    """The waiting list in order: first come, first served."""
    return (select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.queued_at, Enrolment.id))


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.course_id == enrolment.course_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
        or_(Enrolment.queued_at < enrolment.queued_at,
            and_(Enrolment.queued_at == enrolment.queued_at, Enrolment.id < enrolment.id))))
    return ahead + 1


def _progress_rows(where):
    """(enrolment id, attended, held, total, percent) per enrolment matching `where`, in one query."""
    sessions = (select(CourseSession.course_id, func.count().label("total"),
                       func.count(CourseSession.attendance_taken_at).label("held"))
                .group_by(CourseSession.course_id).subquery())
    attended = (select(Attendance.enrolment_id, func.count().label("attended"))
                .where(Attendance.present.is_(True)).group_by(Attendance.enrolment_id).subquery())
    return db.session.execute(
        select(Enrolment.id, func.coalesce(attended.c.attended, 0), func.coalesce(sessions.c.held, 0),
               func.coalesce(sessions.c.total, 0), Course.completion_percent)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(sessions, sessions.c.course_id == Enrolment.course_id)
        .outerjoin(attended, attended.c.enrolment_id == Enrolment.id)
        .where(where)).all()


def progress_by_enrolment(*, course_id: int | None = None, user_id: int | None = None) -> dict[int, CourseProgress]:
    """CourseProgress for every enrolment of a course or of a user."""
    where = Enrolment.course_id == course_id if course_id is not None else Enrolment.user_id == user_id
    return {row[0]: CourseProgress(attended=row[1], held=row[2], total=row[3], percent=row[4])
            for row in _progress_rows(where)}


def progress_of(enrolment: Enrolment) -> CourseProgress:
    row = _progress_rows(Enrolment.id == enrolment.id)[0]
    return CourseProgress(attended=row[1], held=row[2], total=row[3], percent=row[4])


def required_courses(user_id: int, call_id: int) -> list[tuple[Course, bool]]:
    """The courses the call requires before a tranche is paid, each with whether the user completed it."""
    courses = list(db.session.scalars(
        select(Course).join(CourseCall, CourseCall.course_id == Course.id)
        .where(CourseCall.call_id == call_id, CourseCall.required_for_payment.is_(True)).order_by(Course.id)))
    if not courses:
        return []
    enrolments = {e.course_id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.course_id.in_([c.id for c in courses])))}
    progress = progress_by_enrolment(user_id=user_id)
    return [(course, course.id in enrolments and enrolments[course.id].status == EnrolmentStatus.ENROLLED
             and progress[enrolments[course.id].id].status.value == "completed") for course in courses]


def certificate_of(enrolment: Enrolment) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def grantees_of_call(call_id: int) -> list[User]:
    """Everyone who accepted an award of the call, in a stable order."""
    return list(db.session.scalars(
        select(User).join(Application, Application.applicant_id == User.id)
        .join(Decision, Decision.application_id == Application.id)
        .where(Decision.call_id == call_id, Decision.response == Response.ACCEPTED, User.active.is_(True))
        .order_by(User.id)))
