"""Staff training verbs on the database: creating and changing courses (capacity, call links, the waiting list moving
up), opening and closing enrolment, and the rules for sessions."""
from datetime import datetime, timedelta
from functools import partial

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import (
    AuditEntry, Audience, CallStatus, Course, CourseCall, CourseSession, EnrolmentStatus, OutboxMessage, Topic, User,
    utcnow,
)
from grants.training import queries, services_staff

from ..fixtures.accounts import AuthActions
from ..fixtures.program import make_call
from ..fixtures.races import at_once
from ..fixtures.training import decided_call, enrol, make_course, make_grantee, take_attendance


def user(account):
    return db.session.get(User, account.id)


def audits(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def links(course):
    return sorted((link.call_id, link.required_for_payment) for link in course.call_links)


def status_of(user_id, course_id):
    return queries.enrolment_of(user_id, course_id).status


def fields(**overrides):
    values = dict(title_ar="مسك الدفاتر", title_en="Bookkeeping", description_ar="", description_en="",
                  trainer="أ. ريم", topic=Topic.BOOKKEEPING, capacity=10, audience=Audience.REGISTERED,
                  completion_percent=80, calls={})
    values.update(overrides)
    return values


def course_values(course, **overrides):
    """A course's current fields, as the edit form sends them back."""
    values = {name: getattr(course, name) for name in services_staff.COURSE_FIELDS}
    values["calls"] = {link.call_id: link.required_for_payment for link in course.call_links}
    values.update(overrides)
    return values


@pytest.fixture
def staff(ctx, make_user):
    return user(make_user("staff"))


# --- creating a course -------------------------------------------------------------------------------

def test_create_course_is_closed_links_calls_and_audits(ctx, staff):
    call, other = decided_call(ctx), make_call(ctx, code="DZ25B", status=CallStatus.REVIEWING)
    course = services_staff.create_course(staff, **fields(audience=Audience.GRANTEES, calls={call: True, other: False}))
    db.session.commit()
    course = db.session.get(Course, course.id)
    assert course.enrolment_open is False and course.seats_taken == 0 and course.created_by_id == staff.id
    assert (course.title_ar, course.title_en, course.topic, course.capacity) == (
        "مسك الدفاتر", "Bookkeeping", Topic.BOOKKEEPING, 10)
    assert links(course) == sorted([(call, True), (other, False)])
    [entry] = audits("training.course_create")
    assert entry.subject_id == course.id and entry.actor_id == staff.id
    assert entry.details["calls"] == sorted([call, other]) and entry.details["required_for_payment"] == [call]


@pytest.mark.parametrize("overrides, field", [
    ({"title_ar": "  "}, "title_ar"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 10_001}, "capacity"),
    ({"completion_percent": 0}, "completion_percent"),
    ({"completion_percent": 101}, "completion_percent"),
    ({"audience": Audience.GRANTEES, "calls": {}}, "calls"),
    ({"calls": {4242: False}}, "calls"),
])
def test_create_course_refuses_broken_rules(ctx, staff, overrides, field):
    with pytest.raises(ActionRefused) as refused:
        services_staff.create_course(staff, **fields(**overrides))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


# --- changing a course -------------------------------------------------------------------------------

def test_capacity_cannot_go_below_the_seats_taken(ctx, staff, make_user):
    call = decided_call(ctx)
    course_id = make_course(ctx, calls=[call], capacity=4)
    for _ in range(3):
        enrol(ctx, make_grantee(ctx, make_user, call).id, course_id)
    course = db.session.get(Course, course_id)
    with pytest.raises(ActionRefused) as refused:
        services_staff.update_course(staff, course, **course_values(course, capacity=2))
    with force_locale("en"):
        assert refused.value.field == "capacity" and "3 people hold a seat" in str(refused.value.message)
    db.session.rollback()
    # Exactly the seats taken is fine: the course is then full.
    assert services_staff.update_course(staff, course, **course_values(course, capacity=3)) == []
    db.session.commit()
    assert db.session.get(Course, course_id).capacity == 3


def test_more_seats_enrol_the_waiting_list_in_order_and_email_them(ctx, staff, make_user):
    call = decided_call(ctx)
    people = [make_grantee(ctx, make_user, call) for _ in range(5)]
    course_id = make_course(ctx, calls=[call], capacity=2)
    for person in people:
        enrol(ctx, person.id, course_id)
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    course = db.session.get(Course, course_id)
    promoted = services_staff.update_course(staff, course, **course_values(course, capacity=4))
    db.session.commit()
    assert [e.user_id for e in promoted] == [people[2].id, people[3].id]
    assert [status_of(p.id, course_id) for p in people] == [EnrolmentStatus.ENROLLED] * 4 + [
        EnrolmentStatus.WAITLISTED]
    assert db.session.get(Course, course_id).seats_taken == 4
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).offset(before)).all()
    assert [(m.template, m.recipient_id) for m in messages] == [
        ("training_promoted", people[2].id), ("training_promoted", people[3].id)]
    assert len(audits("training.promote")) == 2
    assert audits("training.course_update")[-1].details == {"capacity": 4}


def test_fewer_seats_with_free_ones_promotes_nobody(ctx, staff, make_user):
    call = decided_call(ctx)
    course_id = make_course(ctx, calls=[call], capacity=5)
    enrol(ctx, make_grantee(ctx, make_user, call).id, course_id)
    course = db.session.get(Course, course_id)
    assert services_staff.update_course(staff, course, **course_values(course, capacity=2)) == []
    db.session.commit()
    assert db.session.get(Course, course_id).capacity == 2


def test_changing_the_call_links(ctx, staff):
    call, second, third = decided_call(ctx), make_call(ctx, code="DZ25B"), make_call(ctx, code="DZ25C")
    course_id = make_course(ctx, calls=[call, second], required_for_payment=True)
    course = db.session.get(Course, course_id)
    services_staff.update_course(staff, course, **course_values(course, calls={second: False, third: True}))
    db.session.commit()
    assert links(db.session.get(Course, course_id)) == sorted([(second, False), (third, True)])
    assert db.session.scalar(select(func.count()).select_from(CourseCall)) == 2
    details = audits("training.course_update")[-1].details
    assert details == {"linked": [third], "unlinked": [call], "required": [third], "not_required": [second]}


def test_update_course_refuses_the_same_rules_as_create(ctx, staff):
    course_id = make_course(ctx, audience=Audience.REGISTERED)
    course = db.session.get(Course, course_id)
    with pytest.raises(ActionRefused) as refused:
        services_staff.update_course(staff, course, **course_values(course, audience=Audience.GRANTEES, calls={}))
    assert refused.value.field == "calls"
    with pytest.raises(TypeError):
        services_staff.update_course(staff, course, seats_taken=0)


def test_update_course_audits_only_what_changed(ctx, staff):
    course_id = make_course(ctx, audience=Audience.REGISTERED)
    course = db.session.get(Course, course_id)
    services_staff.update_course(staff, course, **course_values(course))
    services_staff.update_course(staff, course, **course_values(course, topic=Topic.MARKETING, trainer=" x "))
    db.session.commit()
    assert [entry.details for entry in audits("training.course_update")] == [{}, {"topic": "marketing",
                                                                                 "trainer": "x"}]


# --- opening and closing -----------------------------------------------------------------------------

def test_open_needs_sessions_and_a_course_not_ended(ctx, staff):
    empty = db.session.get(Course, make_course(ctx, open=False, sessions=0))
    with pytest.raises(ActionRefused):
        services_staff.open_enrolment(staff, empty)
    ended = db.session.get(Course, make_course(ctx, open=False, starts_in=timedelta(days=-30)))
    with pytest.raises(ActionRefused):
        services_staff.open_enrolment(staff, ended)
    db.session.rollback()
    assert audits("training.open_enrolment") == []


def test_open_and_close_are_audited_once(ctx, staff):
    course = db.session.get(Course, make_course(ctx, open=False))
    assert services_staff.open_enrolment(staff, course) is True
    assert services_staff.open_enrolment(staff, course) is False
    db.session.commit()
    assert db.session.get(Course, course.id).enrolment_open is True
    assert services_staff.close_enrolment(staff, course) is True
    assert services_staff.close_enrolment(staff, course) is False
    db.session.commit()
    assert db.session.get(Course, course.id).enrolment_open is False
    assert len(audits("training.open_enrolment")) == 1 and len(audits("training.close_enrolment")) == 1


# --- sessions ----------------------------------------------------------------------------------------

def at(days, hour):
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_sessions_are_kept_in_date_order(ctx, staff):
    course = db.session.get(Course, make_course(ctx, open=False, sessions=0))
    late = services_staff.add_session(staff, course, starts_at=at(9, 7), ends_at=at(9, 10), place="أ")
    early = services_staff.add_session(staff, course, starts_at=at(2, 7), ends_at=at(2, 10), place="ب")
    assert [s.id for s in course.sessions] == [early.id, late.id]
    services_staff.update_session(staff, early, starts_at=at(12, 7), ends_at=at(12, 9), place="ب")
    assert [s.id for s in course.sessions] == [late.id, early.id]
    db.session.commit()
    assert [entry.details["session_id"] for entry in audits("training.session_add")] == [late.id, early.id]


@pytest.mark.parametrize("starts, ends, place, online_url, field", [
    (at(2, 10), at(2, 10), "أ", "", "ends"),
    (at(2, 10), at(2, 9), "أ", "", "ends"),
    (at(2, 7), at(2, 9), "أ", "javascript:alert(1)", "online_url"),
    (at(2, 7), at(2, 9), "أ", "mailto:someone@example.org", "online_url"),
    (at(2, 7), at(2, 9), "", "", "place"),
])
def test_add_session_refuses_broken_rules(ctx, staff, starts, ends, place, online_url, field):
    course = db.session.get(Course, make_course(ctx, open=False, sessions=0))
    with pytest.raises(ActionRefused) as refused:
        services_staff.add_session(staff, course, starts_at=starts, ends_at=ends, place=place, online_url=online_url)
    assert refused.value.field == field


def test_session_times_must_be_aware(ctx, staff):
    course = db.session.get(Course, make_course(ctx, open=False, sessions=0))
    with pytest.raises(ValueError):
        services_staff.add_session(staff, course, starts_at=datetime(2030, 1, 1, 10), ends_at=datetime(2030, 1, 1, 12),
                                   place="أ")


def test_a_session_with_attendance_keeps_its_times_and_stays(ctx, staff, make_user):
    call = decided_call(ctx)
    course_id = make_course(ctx, calls=[call], sessions=2, starts_in=timedelta(hours=-1))
    enrolment_id = enrol(ctx, make_grantee(ctx, make_user, call).id, course_id)
    take_attendance(ctx, staff.id, course_id, [[enrolment_id]])
    session = db.session.get(Course, course_id).sessions[0]
    with pytest.raises(ActionRefused) as refused:
        services_staff.update_session(staff, session, starts_at=session.starts_at + timedelta(hours=1),
                                      ends_at=session.ends_at + timedelta(hours=1), place=session.place)
    assert refused.value.field == "date"
    db.session.rollback()
    services_staff.update_session(staff, session, starts_at=session.starts_at, ends_at=session.ends_at,
                                  place="قاعة أخرى", online_url="https://meet.example.org/x")
    db.session.commit()
    assert audits("training.session_update")[-1].details == {
        "session_id": session.id, "place": "قاعة أخرى", "online_url": "https://meet.example.org/x"}
    with pytest.raises(ActionRefused):
        services_staff.delete_session(staff, session)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CourseSession)) == 2


def test_delete_session_keeps_one_for_an_open_course(ctx, staff):
    open_course = db.session.get(Course, make_course(ctx, sessions=2))
    services_staff.delete_session(staff, open_course.sessions[0])
    db.session.commit()
    with pytest.raises(ActionRefused):
        services_staff.delete_session(staff, open_course.sessions[0])
    db.session.rollback()
    closed = db.session.get(Course, make_course(ctx, open=False, sessions=1))
    services_staff.delete_session(staff, closed.sessions[0])
    db.session.commit()
    assert db.session.get(Course, closed.id).sessions == []
    assert len(audits("training.session_delete")) == 2


# --- at the same moment (PostgreSQL) ----------------------------------------------------------------

@pytest.mark.postgres_only
def test_lowering_capacity_while_people_enrol_never_overbooks(app, make_user):
    """Staff lower the capacity to 1 while three people enrol: the verbs take turns on the course lock, so either
    the change is refused (seats already taken) or the latecomers wait; never an error, never overbooked."""
    call = decided_call(app)
    people = [make_grantee(app, make_user, call, locale="en") for _ in range(3)]
    course_id = make_course(app, calls=[call], capacity=3)
    staff_client = app.test_client()
    AuthActions(staff_client).login(make_user("staff", locale="en"))
    clients = []
    for person in people:
        client = app.test_client()
        AuthActions(client).login(person)
        clients.append(client)
    form = {"title_ar": "دورة", "capacity": "1", "audience": "grantees", "calls": [str(call)], "topic": "other",
            "completion_percent": "80"}
    staff_status, *enrol_statuses = [response.status_code for response in at_once(
        partial(staff_client.post, f"/training/manage/courses/{course_id}/edit", data=form),
        *(partial(c.post, f"/training/courses/{course_id}/enrol") for c in clients))]
    assert enrol_statuses == [302] * 3
    assert staff_status in (200, 302)  # refused on the form, or saved
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.seats_taken <= course.capacity
        statuses = [queries.enrolment_of(p.id, course_id).status for p in people]
        assert statuses.count(EnrolmentStatus.ENROLLED) == course.seats_taken
        if staff_status == 302:
            assert course.capacity == 1 and course.seats_taken == 1
        else:
            assert course.capacity == 3 and course.seats_taken > 1
