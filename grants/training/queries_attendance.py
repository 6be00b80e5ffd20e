"""Reading attendance data: a course's enrolled people with the names certificates print, and who was at a session."""
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from ..extensions import db
from ..i18n import normalize_arabic
from ..models import Application, Attendance, CourseSession, Enrolment, EnrolmentStatus, User


@dataclass(frozen=True)
class RosterLine:
    """One enrolled person on the attendance page and the sign-in sheet."""

    enrolment_id: int
    user_id: int
    name: str         # the Arabic legal name, as services.holder_names gives it
    name_latin: str
    phone: str
    present: bool | None  # None: no attendance saved for this person at this session yet


def _latest_named_application():
    """Per applicant, their latest application that carries an Arabic name (services.holder_names' rule)."""
    return (select(Application.applicant_id.label("user_id"), func.max(Application.id).label("application_id"))
            .where(Application.full_name_ar.is_not(None)).group_by(Application.applicant_id).subquery())


def roster(session: CourseSession) -> list[RosterLine]:
    """Everyone enrolled in the session's course, by name, with their mark at this session: one query."""
    latest = _latest_named_application()
    rows = db.session.execute(
        select(Enrolment.id, User.id, User.full_name, User.phone, Application.full_name_ar,
               Application.full_name_latin, Application.phone, Attendance.present)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(latest, latest.c.user_id == Enrolment.user_id)
        .outerjoin(Application, Application.id == latest.c.application_id)
        .outerjoin(Attendance, and_(Attendance.enrolment_id == Enrolment.id, Attendance.session_id == session.id))
        .where(Enrolment.course_id == session.course_id, Enrolment.status == EnrolmentStatus.ENROLLED)).all()
    lines = [RosterLine(enrolment_id=enrolment_id, user_id=user_id, name=name_ar or account_name,
                        name_latin=(name_latin or "") if name_ar is not None else "",
                        phone=account_phone or application_phone or "", present=present)
             for enrolment_id, user_id, account_name, account_phone, name_ar, name_latin, application_phone, present
             in rows]
    # Sorted as people look for their name on a printed list: by letters, whatever the hamza or alef form.
    return sorted(lines, key=lambda line: (normalize_arabic(line.name), line.name, line.enrolment_id))
