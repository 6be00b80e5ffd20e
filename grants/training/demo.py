"""The training demo: a course under way for the grantees of the decided call (attendance taken, one grantee
completed, required before payment) and a full course open to every approved applicant, with a waiting list.
Running it twice changes nothing."""
from datetime import timedelta

from sqlalchemy import select

from ..accounts.services import find_user_by_email
from ..extensions import db
from ..models import (
    Application, Audience, Call, Course, CourseCall, CourseSession, Decision, Enrolment, EnrolmentStatus, Outcome,
    Response, Topic, User, utcnow,
)
from . import services

PLANNING_TITLE = "Business planning and bookkeeping"
MARKETING_TITLE = "Marketing on social media"


def seed_training_demo(call_code: str = "DZ24C") -> list[str]:
    """Add the demo courses when the decided call exists; returns the English titles of the courses made."""
    staff = find_user_by_email("staff@example.org")
    call = db.session.scalar(select(Call).where(Call.code == call_code))
    if staff is None or call is None or _exists(PLANNING_TITLE):
        return []
    _planning_course(staff, call)
    _marketing_course(staff, call)
    return [PLANNING_TITLE, MARKETING_TITLE]


def _exists(title_en: str) -> bool:
    return db.session.scalar(select(Course.id).where(Course.title_en == title_en)) is not None


def _sessions(first_day_offset: int, count: int, place: str, *, online_url: str = "") -> list[CourseSession]:
    """`count` sessions two days apart from today + first_day_offset, 10:00–13:00 in Damascus (07:00 UTC)."""
    today = utcnow().replace(hour=7, minute=0, second=0, microsecond=0)
    return [CourseSession(starts_at=today + timedelta(days=first_day_offset + 2 * i),
                          ends_at=today + timedelta(days=first_day_offset + 2 * i, hours=3),
                          place=place, online_url=online_url) for i in range(count)]


def _planning_course(staff: User, call: Call) -> None:
    """Three sessions held, one to come; the grantee who accepted attended all three: 3 of 4 meets 75 percent."""
    course = Course(
        title_ar="التخطيط للمشروع ومسك الدفاتر", title_en=PLANNING_TITLE,
        description_ar="كيف تكتب خطة عمل بسيطة، وتسجل المبيعات والمصاريف يومياً، وتحسب الربح الشهري.",
        description_en="Writing a simple business plan, recording sales and expenses every day, working out the "
                       "monthly profit.",
        trainer="أ. ريم العبدالله", topic=Topic.BOOKKEEPING, capacity=12, audience=Audience.GRANTEES,
        completion_percent=75, enrolment_open=True, created_by_id=staff.id)
    # Sessions start in the future so that enrolment is open while the demo is built; then the first three
    # are moved into the past, as if the course had been running for a week.
    course.sessions = _sessions(1, 4, "مركز التدريب المهني، دير الزور - حي الجورة")
    course.call_links = [CourseCall(call_id=call.id, required_for_payment=True)]
    db.session.add(course)
    db.session.flush()
    services.bulk_enrol(staff, course, call)
    for index, session in enumerate(course.sessions[:3]):
        session.starts_at -= timedelta(days=8 - index)
        session.ends_at -= timedelta(days=8 - index)
    db.session.flush()
    enrolled = db.session.scalars(select(Enrolment.id).where(Enrolment.course_id == course.id,
                                                             Enrolment.status == EnrolmentStatus.ENROLLED)).all()
    for session in course.sessions[:3]:
        services.record_attendance(staff, session, enrolled)


def _marketing_course(staff: User, call: Call) -> None:
    """Open to every approved applicant, three seats: the five best-ranked approved applicants enrol in rank order,
    so two wait."""
    course = Course(
        title_ar="التسويق عبر وسائل التواصل الاجتماعي", title_en=MARKETING_TITLE,
        description_ar="صفحة لمشروعك، صور جيدة للمنتجات، والرد على الزبائن عبر واتساب.",
        description_en="A page for your business, good product photos, answering customers on WhatsApp.",
        trainer="م. خالد الحسين", topic=Topic.MARKETING, capacity=3, audience=Audience.APPROVED,
        completion_percent=80, enrolment_open=True, created_by_id=staff.id)
    course.sessions = _sessions(5, 3, "", online_url="https://meet.example.org/minha-marketing")
    db.session.add(course)
    db.session.flush()
    approved = db.session.scalars(
        select(User).join(Application, Application.applicant_id == User.id)
        .join(Decision, Decision.application_id == Application.id)
        .where(Decision.call_id == call.id, Decision.outcome == Outcome.APPROVED,
               Decision.released_at.is_not(None), Decision.response != Response.DECLINED)
        .order_by(Decision.rank).limit(5)).all()
    for user in approved:
        services.enrol(user, course)
