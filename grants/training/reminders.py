"""remind_sessions(): an email to every enrolled person the day before each of their course's sessions.

Run by `flask --app grants training remind` (for example daily from cron or a systemd timer). "Tomorrow" is
the next calendar day in the program's timezone. The messages go to the outbox in the caller's transaction;
the outbox sender (`flask mail send`) delivers them. A dedupe key per session and person means at most one
reminder per session per person, however often the command runs.
"""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..formatting import program_timezone, to_program_time
from ..mail.outbox import absolute_url, queue_email
from ..models import Course, CourseSession, Enrolment, EnrolmentStatus, User


def tomorrow_in_program_time(now: datetime) -> tuple[datetime, datetime]:
    """The start and end (aware instants) of the calendar day after `now`, in the program's timezone."""
    zone = program_timezone()
    day = to_program_time(now).date() + timedelta(days=1)
    # Midnight as wall-clock time each day: right across a daylight-saving change too.
    return (datetime.combine(day, time.min, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))


def sessions_tomorrow(now: datetime) -> list[tuple[CourseSession, User]]:
    """(session, enrolled person) for every session that starts tomorrow in program time (one query)."""
    start, end = tomorrow_in_program_time(now)
    return list(db.session.execute(
        select(CourseSession, User)
        .join(Enrolment, Enrolment.course_id == CourseSession.course_id)
        .join(User, User.id == Enrolment.user_id)
        .where(CourseSession.starts_at >= start, CourseSession.starts_at < end,
               Enrolment.status == EnrolmentStatus.ENROLLED, User.active.is_(True))
        .order_by(CourseSession.starts_at, CourseSession.id, User.id)).all())


def remind_sessions(now: datetime) -> int:
    """Queue the reminders for tomorrow's sessions that nobody has had yet; returns how many were queued."""
    rows = sessions_tomorrow(now)
    if not rows:
        return 0
    course_ids = {session.course_id for session, _ in rows}
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
    urls = {course_id: absolute_url("training.course", course_id=course_id) for course_id in course_ids}
    queued = 0
    for session, user in rows:
        message = queue_email(
            "training_reminder", to=user, subject_object=courses[session.course_id],
            dedupe_key=f"training-reminder:{session.id}:{user.id}", course=courses[session.course_id],
            session=session, url=urls[session.course_id])
        if message is not None:
            queued += 1
    return queued
