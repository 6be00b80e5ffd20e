"""The training demo: two courses with sessions, enrolments, a waiting list, attendance and one completed grantee."""
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Attendance, Course, Enrolment, EnrolmentStatus, OutboxMessage
from grants.training import queries
from grants.training.completion import Progress
from grants.training.demo import MARKETING_TITLE, PLANNING_TITLE, seed_training_demo


def test_the_demo_has_two_courses_a_waiting_list_attendance_and_a_completed_grantee(app):
    from grants.demo import seed_demo

    with app.app_context():
        assert seed_training_demo() == []  # nothing to build on yet
        seed_demo()
        db.session.commit()
        courses = {c.title_en: c for c in db.session.scalars(select(Course))}
        assert set(courses) == {PLANNING_TITLE, MARKETING_TITLE}
        assert all(course.sessions for course in courses.values())

        marketing = courses[MARKETING_TITLE]
        assert marketing.seats_taken == marketing.capacity == 3
        waiting = db.session.scalars(queries.waitlist(marketing.id)).all()
        assert len(waiting) == 2 and [queries.waitlist_position(e) for e in waiting] == [1, 2]

        planning = courses[PLANNING_TITLE]
        assert db.session.scalar(select(func.count()).select_from(Attendance)) >= 3
        progress = queries.progress_by_enrolment(course_id=planning.id)
        assert [p.status for p in progress.values()].count(Progress.COMPLETED) >= 1
        assert all(link.required_for_payment for link in planning.call_links)

        before = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Course, Enrolment, Attendance, OutboxMessage)}
        seed_demo()
        db.session.commit()
        assert before == {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                          for model in (Course, Enrolment, Attendance, OutboxMessage)}
        # four here, and the two grantees the disbursements demo enrols in the required course
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.status == EnrolmentStatus.ENROLLED)) == 6
