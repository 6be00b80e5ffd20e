"""Reading training data for the grantee's pages: their courses with sessions, attendance, progress and places
in line, and the sessions of the courses open to them — a fixed number of queries however many courses."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Attendance, Course, CourseSession, Enrolment, EnrolmentStatus, utcnow
from . import queries
from .completion import CourseProgress


class AttendanceMark:
    """What the grantee's page says about one session."""

    PRESENT = "present"
    ABSENT = "absent"
    NOT_TAKEN = "not_taken"   # attendance not taken yet (the session is to come, or staff have not saved it)


@dataclass(frozen=True)
class SessionLine:
    session: CourseSession
    attendance: str  # an AttendanceMark


@dataclass(frozen=True)
class MyCourse:
    """One of the user's courses as their page shows it."""

    enrolment: Enrolment
    course: Course
    sessions: list[SessionLine]
    progress: CourseProgress
    position: int | None   # place on the waiting list
    ended: bool

    @property
    def active(self) -> bool:
        return self.enrolment.status in queries.ACTIVE

    @property
    def first_start(self) -> datetime | None:
        return self.sessions[0].session.starts_at if self.sessions else None


def sessions_by_course(course_ids) -> dict[int, list[CourseSession]]:
    """The sessions of the given courses, in order, in one query."""
    grouped: dict[int, list[CourseSession]] = {course_id: [] for course_id in course_ids}
    if not grouped:
        return grouped
    for session in db.session.scalars(select(CourseSession).where(CourseSession.course_id.in_(list(grouped)))
                                      .order_by(CourseSession.starts_at, CourseSession.id)):
        grouped[session.course_id].append(session)
    return grouped


def waitlist_positions(user_id: int) -> dict[int, int]:
    """{enrolment id: place on its course's waiting list} for the user's waiting enrolments, in one query."""
    mine, ahead = aliased(Enrolment), aliased(Enrolment)
    rows = db.session.execute(
        select(mine.id, func.count(ahead.id)).select_from(mine)
        .join(ahead, and_(ahead.course_id == mine.course_id, ahead.status == EnrolmentStatus.WAITLISTED,
                          or_(ahead.queued_at < mine.queued_at,
                              and_(ahead.queued_at == mine.queued_at, ahead.id <= mine.id))))
        .where(mine.user_id == user_id, mine.status == EnrolmentStatus.WAITLISTED)
        .group_by(mine.id))
    return dict(rows.all())


def attendance_marks(enrolment_ids) -> dict[tuple[int, int], bool]:
    """{(session id, enrolment id): present} for the given enrolments, in one query."""
    if not enrolment_ids:
        return {}
    return {(session_id, enrolment_id): present for session_id, enrolment_id, present in db.session.execute(
        select(Attendance.session_id, Attendance.enrolment_id, Attendance.present)
        .where(Attendance.enrolment_id.in_(list(enrolment_ids))))}


def session_lines(sessions, enrolment_id: int | None, marks) -> list[SessionLine]:
    lines = []
    for session in sessions:
        if session.attendance_taken_at is None or enrolment_id is None:
            mark = AttendanceMark.NOT_TAKEN
        else:
            # Attendance taken without a row for this person (they joined later): they were not there.
            mark = AttendanceMark.PRESENT if marks.get((session.id, enrolment_id)) else AttendanceMark.ABSENT
        lines.append(SessionLine(session, mark))
    return lines


_STATUS_ORDER = {EnrolmentStatus.ENROLLED: 0, EnrolmentStatus.WAITLISTED: 1, EnrolmentStatus.LEFT: 2}


def my_courses(user_id: int, now: datetime | None = None) -> list[MyCourse]:
    """Every course the user is or was in: enrolled first, then waiting, then left; soonest first within each."""
    now = now or utcnow()
    rows = db.session.execute(select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
                              .where(Enrolment.user_id == user_id)).all()
    if not rows:
        return []
    sessions = sessions_by_course({course.id for _, course in rows})
    marks = attendance_marks([enrolment.id for enrolment, _ in rows])
    progress = queries.progress_by_enrolment(user_id=user_id)
    positions = waitlist_positions(user_id)
    courses = []
    for enrolment, course in rows:
        course_sessions = sessions[course.id]
        waiting = enrolment.status == EnrolmentStatus.WAITLISTED
        courses.append(MyCourse(
            enrolment=enrolment, course=course,
            sessions=session_lines(course_sessions, None if waiting else enrolment.id, marks),
            progress=progress[enrolment.id], position=positions.get(enrolment.id),
            ended=bool(course_sessions) and max(s.ends_at for s in course_sessions) <= now))
    far_future = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(courses, key=lambda c: (_STATUS_ORDER[c.enrolment.status], c.ended, c.first_start or far_future,
                                          c.course.id))
