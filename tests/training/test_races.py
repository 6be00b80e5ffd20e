"""Enrolments at the same moment, through real concurrent requests on PostgreSQL: capacity is never exceeded, the
waiting list keeps a strict order, and a person who posts twice at once is enrolled once."""
import re
from functools import partial

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Course, Enrolment, EnrolmentStatus, OutboxMessage
from grants.training import queries

from ..fixtures.races import at_once
from ..fixtures.routes import signed_in_client
from ..fixtures.training import decided_call, make_course, make_grantee

pytestmark = pytest.mark.postgres_only


def post_all_at_once(clients, path) -> list[int]:
    """Each client POSTs `path` from its own thread, all released together; returns the status codes."""
    return [response.status_code for response in at_once(*(partial(client.post, path) for client in clients))]


def test_many_enrol_at_once_and_capacity_holds(app, make_user):
    call = decided_call(app)
    people = [make_grantee(app, make_user, call, locale="en") for _ in range(8)]
    course_id = make_course(app, calls=[call], capacity=3)
    clients = [signed_in_client(app, person) for person in people]

    statuses = post_all_at_once(clients, f"/training/courses/{course_id}/enrol")

    assert statuses == [302] * 8  # nobody got an error page
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.seats_taken == 3
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course_id)).all()
        assert len(enrolments) == 8 and {e.user_id for e in enrolments} == {p.id for p in people}
        by_status = {status: [e for e in enrolments if e.status == status] for status in EnrolmentStatus}
        assert len(by_status[EnrolmentStatus.ENROLLED]) == 3
        waiting = by_status[EnrolmentStatus.WAITLISTED]
        assert len(waiting) == 5
        assert sorted(queries.waitlist_position(e) for e in waiting) == [1, 2, 3, 4, 5]
        # Everybody heard once: a confirmation for a seat, the waiting-list email with a position otherwise.
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert len(messages) == 8 and len({m.recipient_id for m in messages}) == 8
        assert sorted(m.template for m in messages) == ["training_enrolled"] * 3 + ["training_waitlisted"] * 5
        told = sorted(int(re.search(r"You are number (\d+) on its waiting list", m.body_text).group(1))
                      for m in messages if m.template == "training_waitlisted")
        assert told == [1, 2, 3, 4, 5]  # the positions emailed are distinct: each was read under the lock
        # ... and the order the emails give is the order of the list.
        position_of = {m.recipient_id: int(re.search(r"number (\d+)", m.body_text).group(1))
                       for m in messages if m.template == "training_waitlisted"}
        assert [position_of[e.user_id] for e in db.session.scalars(queries.waitlist(course_id))] == [1, 2, 3, 4, 5]


def test_one_person_posting_twice_at_once_is_enrolled_once(app, make_user):
    call = decided_call(app)
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], capacity=3)
    clients = [signed_in_client(app, person) for _ in range(3)]  # three tabs, three sessions

    assert post_all_at_once(clients, f"/training/courses/{course_id}/enrol") == [302] * 3

    with app.app_context():
        assert db.session.get(Course, course_id).seats_taken == 1
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
        assert queries.enrolment_of(person.id, course_id).status == EnrolmentStatus.ENROLLED
        assert db.session.scalars(select(OutboxMessage.template)).all() == ["training_enrolled"]


def test_leaving_while_others_enrol_keeps_the_count_right(app, make_user):
    call = decided_call(app)
    holder, *newcomers = [make_grantee(app, make_user, call, locale="en") for _ in range(5)]
    course_id = make_course(app, calls=[call], capacity=2)
    holder_client = signed_in_client(app, holder)
    assert holder_client.post(f"/training/courses/{course_id}/enrol").status_code == 302
    clients = [signed_in_client(app, person) for person in newcomers]
    responses = at_once(*(partial(c.post, f"/training/courses/{course_id}/enrol") for c in clients),
                        partial(holder_client.post, f"/training/courses/{course_id}/leave"))
    assert [response.status_code for response in responses] == [302] * (len(clients) + 1)
    with app.app_context():
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.course_id == course_id)).all()
        enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
        # The holder's seat went to somebody: two seats taken, two people in them, two waiting in order.
        assert db.session.get(Course, course_id).seats_taken == len(enrolled) == 2
        assert holder.id not in {e.user_id for e in enrolled}
        waiting = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
        assert sorted(queries.waitlist_position(e) for e in waiting) == [1, 2]
