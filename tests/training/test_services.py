"""Training verbs on the database: seats and the waiting list, leaving and promotion, attendance, certificates."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.errors import ActionRefused
from grants.extensions import db
from grants.mail.sender import send_all
from grants.models import (
    AuditEntry, Audience, Call, Certificate, Course, Enrolment, EnrolmentStatus, OutboxMessage, User,
)
from grants.training import queries, services
from grants.training.completion import Progress

from ..fixtures.training import decided_call, enrol, make_course, make_grantee, take_attendance


def user(account):
    return db.session.get(User, account.id)


def statuses(course_id):
    return {e.user_id: e.status for e in db.session.scalars(select(Enrolment).where(Enrolment.course_id == course_id))}


def test_seats_then_waiting_list_in_order(ctx, make_user):
    call = decided_call(ctx)
    people = [make_grantee(ctx, make_user, call) for _ in range(4)]
    course_id = make_course(ctx, calls=[call], capacity=2)
    for person in people:
        enrol(ctx, person.id, course_id)
    course = db.session.get(Course, course_id)
    assert course.seats_taken == 2
    assert [statuses(course_id)[p.id] for p in people] == [
        EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.WAITLISTED]
    third = queries.enrolment_of(people[3].id, course_id)
    assert queries.waitlist_position(third) == 2
    templates = db.session.scalars(select(OutboxMessage.template).order_by(OutboxMessage.id)).all()
    assert templates == ["training_enrolled"] * 2 + ["training_waitlisted"] * 2


def test_enrolling_twice_changes_nothing_and_sends_nothing(ctx, make_user):
    call = decided_call(ctx)
    person = make_grantee(ctx, make_user, call)
    course_id = make_course(ctx, calls=[call])
    first, second = enrol(ctx, person.id, course_id), enrol(ctx, person.id, course_id)
    assert first == second
    assert db.session.get(Course, course_id).seats_taken == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_leaving_gives_the_seat_to_the_first_waiting_with_an_email_and_calendar(ctx, make_user, smtp_server):
    call = decided_call(ctx)
    a, b, c = (make_grantee(ctx, make_user, call, locale=locale) for locale in ("ar", "en", "ar"))
    course_id = make_course(ctx, calls=[call], capacity=1)
    for person in (a, b, c):
        enrol(ctx, person.id, course_id)
    send_all()
    smtp_server.messages.clear()
    promoted = services.leave(user(a), queries.enrolment_of(a.id, course_id))
    db.session.commit()
    assert [e.user_id for e in promoted] == [b.id]
    assert statuses(course_id) == {a.id: EnrolmentStatus.LEFT, b.id: EnrolmentStatus.ENROLLED,
                                   c.id: EnrolmentStatus.WAITLISTED}
    assert db.session.get(Course, course_id).seats_taken == 1
    assert send_all().sent == 1
    [message] = smtp_server.to(user(b).email)
    assert message["Subject"] == 'A seat is free: you are now enrolled in "Planning a small business"'
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    ics = calendars[0].get_payload(decode=True).decode()
    assert ics.count("BEGIN:VEVENT") == 5 and "SUMMARY:Planning a small business\r\n" in ics
    assert "LOCATION:مركز التدريب، دير الزور\r\n" in ics  # intact: sent as UTF-8 bytes, not escaped
    # Leaving again is harmless: nothing changes, nobody else is promoted.
    assert services.leave(user(a), queries.enrolment_of(a.id, course_id)) == []


def test_a_person_who_comes_back_goes_to_the_end_of_the_line(ctx, make_user):
    call = decided_call(ctx)
    a, b, c = (make_grantee(ctx, make_user, call) for _ in range(3))
    course_id = make_course(ctx, calls=[call], capacity=1)
    for person in (a, b, c):
        enrol(ctx, person.id, course_id)
    services.leave(user(b), queries.enrolment_of(b.id, course_id))
    db.session.commit()
    enrol(ctx, b.id, course_id)
    waiting = [e.user_id for e in db.session.scalars(queries.waitlist(course_id))]
    assert waiting == [c.id, b.id]


def test_staff_removal_needs_a_reason_and_tells_the_person(ctx, make_user):
    call = decided_call(ctx)
    person = make_grantee(ctx, make_user, call)
    staff = user(make_user("staff"))
    course_id = make_course(ctx, calls=[call])
    enrolment = db.session.get(Enrolment, enrol(ctx, person.id, course_id))
    with pytest.raises(ActionRefused) as refusal:
        services.leave(staff, enrolment, reason="  ")
    assert refusal.value.field == "reason"
    db.session.rollback()
    services.leave(staff, db.session.get(Enrolment, enrolment.id), reason="Moved to Raqqa")
    db.session.commit()
    assert db.session.scalar(select(OutboxMessage.template).order_by(OutboxMessage.id.desc()).limit(1)) == \
        "training_removed"
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "training.remove"


def test_eligibility_follows_the_course_audience(ctx, make_user):
    call, other_call = decided_call(ctx), decided_call(ctx, code="DZ23X")
    grantee, elsewhere = make_grantee(ctx, make_user, call), make_grantee(ctx, make_user, other_call)
    pending = make_grantee(ctx, make_user, call, accepted=False)
    nobody = make_user("applicant")
    grantees_only = db.session.get(Course, make_course(ctx, calls=[call]))
    approved = db.session.get(Course, make_course(ctx, audience=Audience.APPROVED))
    everyone = db.session.get(Course, make_course(ctx, audience=Audience.REGISTERED))
    expected = {grantee.id: (True, True, True), elsewhere.id: (False, True, True),
                pending.id: (False, True, True), nobody.id: (False, False, True)}
    for person, answers in expected.items():
        assert tuple(queries.is_eligible(db.session.get(User, person), c)
                     for c in (grantees_only, approved, everyone)) == answers, person
    with pytest.raises(ActionRefused):
        services.enrol(user(nobody), grantees_only)
    assert [c.id for c in queries.open_courses_for(user(grantee))] == [grantees_only.id, approved.id, everyone.id]


def test_closed_or_ended_courses_take_no_enrolments(ctx, make_user):
    call = decided_call(ctx)
    person = make_grantee(ctx, make_user, call)
    closed = db.session.get(Course, make_course(ctx, calls=[call], open=False))
    ended = db.session.get(Course, make_course(ctx, calls=[call], starts_in=timedelta(days=-10)))
    for course in (closed, ended):
        with pytest.raises(ActionRefused):
            services.enrol(user(person), course)
        db.session.rollback()
    assert queries.open_courses_for(user(person)) == []


def test_bulk_enrolment_enrols_every_grantee_once(ctx, make_user):
    call = decided_call(ctx)
    people = [make_grantee(ctx, make_user, call) for _ in range(3)]
    make_grantee(ctx, make_user, call, accepted=False)  # not a grantee yet
    staff = user(make_user("staff"))
    course = db.session.get(Course, make_course(ctx, calls=[call], capacity=2, open=False))
    enrol_first = services.enrol(user(people[0]), course, actor=staff)  # staff may enrol into a closed course
    assert enrol_first.status == EnrolmentStatus.ENROLLED
    counts = services.bulk_enrol(staff, course, db.session.get(Call, call))
    db.session.commit()
    assert counts == {"enrolled": 1, "waitlisted": 1, "already": 1}
    assert services.bulk_enrol(staff, course, db.session.get(Call, call)) == {"enrolled": 0, "waitlisted": 0,
                                                                              "already": 3}


@pytest.mark.parametrize("sessions, percent, attended, complete", [
    (5, 80, 4, True), (5, 80, 3, False), (5, 100, 5, True), (5, 100, 4, False),
    (3, 80, 3, True), (3, 80, 2, False),  # 2/3 = 66.7 percent
    (3, 66, 2, True), (3, 67, 2, False), (1, 80, 1, True), (1, 80, 0, False),
])
def test_completion_threshold_edges(ctx, make_user, sessions, percent, attended, complete):
    call = decided_call(ctx)
    person, staff = make_grantee(ctx, make_user, call), make_user("staff")
    course_id = make_course(ctx, calls=[call], sessions=sessions, completion_percent=percent,
                            starts_in=timedelta(days=-sessions - 1))
    with ctx.app_context():
        db.session.get(Course, course_id).enrolment_open = True
    enrolment_id = _enrol_in_past_course(ctx, staff, person, course_id)
    take_attendance(ctx, staff.id, course_id, [[enrolment_id] if i < attended else [] for i in range(sessions)])
    progress = queries.progress_of(db.session.get(Enrolment, enrolment_id))
    assert (progress.attended, progress.held, progress.total) == (attended, sessions, sessions)
    assert progress.status == (Progress.COMPLETED if complete else Progress.NOT_COMPLETED)


def _enrol_in_past_course(ctx, staff, person, course_id):
    """Sessions already held (attendance needs started sessions): enrol as if before the course began."""
    enrolment = Enrolment(course_id=course_id, user_id=person.id, status=EnrolmentStatus.ENROLLED,
                          enrolled_at=db.session.get(Course, course_id).created_at)
    db.session.add(enrolment)
    db.session.get(Course, course_id).seats_taken += 1
    db.session.commit()
    return enrolment.id


def test_attendance_only_for_started_sessions_and_enrolled_people(ctx, make_user):
    call = decided_call(ctx)
    person, outsider, staff = make_grantee(ctx, make_user, call), make_grantee(ctx, make_user, call), make_user("staff")
    course_id = make_course(ctx, calls=[call], sessions=2, starts_in=timedelta(hours=-1))
    enrolment_id = _enrol_in_past_course(ctx, staff, person, course_id)
    course = db.session.get(Course, course_id)
    with pytest.raises(ActionRefused):
        services.record_attendance(user(staff), course.sessions[1], [enrolment_id])
    db.session.rollback()
    assert services.record_attendance(user(staff), course.sessions[0], [enrolment_id, 999_999, outsider.id]) == 1
    # Saved again with nobody ticked: the same row now says absent.
    assert services.record_attendance(user(staff), course.sessions[0], []) == 0
    db.session.commit()
    assert queries.progress_of(db.session.get(Enrolment, enrolment_id)).attended == 0


def test_certificate_only_when_completed_and_issued_once(ctx, make_user):
    call = decided_call(ctx)
    person, staff = make_grantee(ctx, make_user, call), make_user("staff")
    course_id = make_course(ctx, calls=[call], sessions=2, starts_in=timedelta(days=-5), required_for_payment=True)
    enrolment_id = _enrol_in_past_course(ctx, staff, person, course_id)
    take_attendance(ctx, staff.id, course_id, [[enrolment_id], []])
    enrolment = db.session.get(Enrolment, enrolment_id)
    with pytest.raises(ActionRefused):
        services.certificate_for(enrolment)
    db.session.rollback()
    assert [done for _, done in queries.required_courses(person.id, call)] == [False]
    take_attendance(ctx, staff.id, course_id, [[enrolment_id], [enrolment_id]])
    certificate = services.certificate_for(db.session.get(Enrolment, enrolment_id))
    db.session.commit()
    assert services.certificate_for(db.session.get(Enrolment, enrolment_id)).number == certificate.number
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert certificate.holder_name == "أحمد عبد الرحمن الخلف"
    assert certificate.holder_name_latin == "Ahmad Abdulrahman Al-Khalaf"
    assert float(certificate.hours) == 6.0
    assert services.find_certificate(" " + certificate.number.lower() + " ").id == certificate.id
    assert [done for _, done in queries.required_courses(person.id, call)] == [True]


def test_certificate_numbers_are_random_and_well_formed():
    numbers = {services.new_certificate_number(2026) for _ in range(200)}
    assert len(numbers) == 200
    assert all(n.startswith("CT-2026-") and len(n) == 17 and not set(n[8:]) & set("01OI") for n in numbers)
