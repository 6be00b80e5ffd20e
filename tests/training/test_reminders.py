"""Session reminders: the day before each session, in program time (Asia/Damascus), to everyone enrolled, at most
once per session and person however often the command runs."""
from datetime import datetime, timedelta, timezone

import pytest

from grants.extensions import db
from grants.models import Course, OutboxMessage, User, utcnow
from grants.training import queries, services
from grants.training.reminders import remind_sessions, tomorrow_in_program_time

from ..fixtures.i18n import translated
from ..fixtures.outbox import queued, run_committed
from ..fixtures.training import decided_call, enrol, make_course, make_grantee

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # 12:00 on the 10th in Damascus (UTC+3)
UTC = timezone.utc


def run(app, now=NOW) -> int:
    return run_committed(app, remind_sessions, now)


def reminders(app) -> list[OutboxMessage]:
    return queued(app, "training_reminder")


def move_sessions(app, course_id, starts, *, hours=2, **fields) -> list[int]:
    """Put the course's sessions at these instants (after enrolling: the service refuses courses that ended)."""
    with app.app_context():
        sessions = db.session.get(Course, course_id).sessions
        assert len(sessions) == len(starts)
        for session, start in zip(sessions, starts):
            session.starts_at, session.ends_at = start, start + timedelta(hours=hours)
            for name, value in fields.items():
                setattr(session, name, value)
        db.session.commit()
        return [s.id for s in sorted(sessions, key=lambda s: s.starts_at)]


@pytest.fixture
def call(app):
    return decided_call(app)


def test_tomorrow_is_the_next_day_in_damascus(app):
    with app.app_context():
        assert tomorrow_in_program_time(NOW) == (datetime(2026, 3, 10, 21, 0, tzinfo=UTC),
                                                 datetime(2026, 3, 11, 21, 0, tzinfo=UTC))
        # 22:00 UTC on the 10th is already the 11th in Damascus: tomorrow is the 12th there.
        start, _ = tomorrow_in_program_time(datetime(2026, 3, 10, 22, 0, tzinfo=UTC))
        assert start == datetime(2026, 3, 11, 21, 0, tzinfo=UTC)


def test_only_sessions_starting_tomorrow_in_program_time(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], sessions=4)
    enrol(app, person.id, course_id)
    later_today, just_after_midnight, late_tomorrow, day_after = move_sessions(app, course_id, [
        datetime(2026, 3, 10, 20, 30, tzinfo=UTC),  # 23:30 on the 10th in Damascus: today
        datetime(2026, 3, 10, 21, 30, tzinfo=UTC),  # 00:30 on the 11th: tomorrow (although the 10th in UTC)
        datetime(2026, 3, 11, 20, 30, tzinfo=UTC),  # 23:30 on the 11th: tomorrow
        datetime(2026, 3, 11, 21, 30, tzinfo=UTC),  # 00:30 on the 12th: not yet (although the 11th in UTC)
    ])
    assert run(app) == 2
    assert [m.dedupe_key for m in reminders(app)] == [f"training-reminder:{just_after_midnight}:{person.id}",
                                                      f"training-reminder:{late_tomorrow}:{person.id}"]
    # The next day, the session after midnight is tomorrow's.
    assert run(app, NOW + timedelta(days=1)) == 1
    assert reminders(app)[-1].dedupe_key == f"training-reminder:{day_after}:{person.id}"


def test_only_people_enrolled_are_reminded(app, make_user, call):
    enrolled, waiting, gone, inactive = (make_grantee(app, make_user, call) for _ in range(4))
    course_id = make_course(app, calls=[call], capacity=2, sessions=1)
    for person in (enrolled, inactive, waiting):
        enrol(app, person.id, course_id)
    enrol(app, gone.id, course_id)
    with app.app_context():
        services.leave(db.session.get(User, gone.id), queries.enrolment_of(gone.id, course_id))
        db.session.get(User, inactive.id).active = False
        db.session.commit()
    move_sessions(app, course_id, [datetime(2026, 3, 11, 7, 0, tzinfo=UTC)])
    with app.app_context():  # `gone` left the waiting list: the course is still full, nobody moved up
        assert queries.enrolment_of(waiting.id, course_id).status.value == "waitlisted"
    assert run(app) == 1
    assert [m.recipient_id for m in reminders(app)] == [enrolled.id]


def test_at_most_one_reminder_per_session_and_person(app, make_user, call):
    people = [make_grantee(app, make_user, call) for _ in range(2)]
    course_id = make_course(app, calls=[call], sessions=2)
    for person in people:
        enrol(app, person.id, course_id)
    move_sessions(app, course_id, [datetime(2026, 3, 11, 7, 0, tzinfo=UTC), datetime(2026, 3, 11, 11, 0, tzinfo=UTC)])
    assert run(app) == 4  # two sessions tomorrow, two people: one email each per session
    assert run(app) == 0
    assert run(app, NOW + timedelta(hours=9)) == 0  # 21:00 in Damascus, the same day
    assert len(reminders(app)) == 4 and len({m.dedupe_key for m in reminders(app)}) == 4


def test_the_reminder_says_when_and_where_in_the_readers_language(app, make_user, call):
    english = make_grantee(app, make_user, call, locale="en", name="Sara Ahmad")
    arabic = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], sessions=1)
    for person in (english, arabic):
        enrol(app, person.id, course_id)
    move_sessions(app, course_id, [datetime(2026, 3, 11, 7, 0, tzinfo=UTC)], hours=3,
                  online_url="https://meet.example.org/planning")
    assert run(app) == 2
    by_person = {m.recipient_id: m for m in reminders(app)}
    message = by_person[english.id]
    assert message.locale == "en" and message.subject == 'Tomorrow at 10:00: "Planning a small business"'
    body = message.body_text
    assert "Hello Sara Ahmad," in body and 'the course "Planning a small business" has a session tomorrow' in body
    assert "Wednesday, March 11, 2026, 10:00 – 13:00" in body  # 07:00 UTC is 10:00 in Damascus
    assert "Where: مركز التدريب، دير الزور" in body and "Online: https://meet.example.org/planning" in body
    assert f"http://localhost/training/courses/{course_id}" in body
    assert f'href="http://localhost/training/courses/{course_id}"' in message.body_html
    assert message.subject_type == "courses" and message.subject_id == course_id

    message = by_person[arabic.id]
    assert message.locale == "ar" and 'lang="ar" dir="rtl"' in message.body_html
    assert message.subject == translated(app, 'Tomorrow at %(time)s: "%(title)s"', "ar", time="10:00",
                                         title="التخطيط لمشروع صغير")
    assert "التخطيط لمشروع صغير" in message.body_text


def test_nothing_to_remind(app, make_user, call):
    make_course(app, calls=[call])
    assert run(app) == 0 and reminders(app) == []


def test_the_command_queues_and_reports(app, make_user, call):
    person = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], sessions=1)
    enrol(app, person.id, course_id)
    with app.app_context():
        start, _ = tomorrow_in_program_time(utcnow())
    move_sessions(app, course_id, [start + timedelta(hours=10)])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["training", "remind"])
    assert first.exit_code == 0 and "queued 1 reminder(s)" in first.output
    assert "MAIL_SERVER is not set" in first.output
    second = runner.invoke(args=["training", "remind"])
    assert second.exit_code == 0 and "queued 0 reminder(s)" in second.output
    assert len(reminders(app)) == 1


def test_the_outbox_sender_delivers_the_reminder(app, make_user, call, smtp_server):
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], sessions=1)
    enrol(app, person.id, course_id)
    with app.app_context():
        start, _ = tomorrow_in_program_time(utcnow())
    move_sessions(app, course_id, [start + timedelta(hours=10)])
    smtp_server.messages.clear()  # the enrolment confirmation is not what this test is about
    runner = app.test_cli_runner()
    assert "queued 1 reminder(s)" in runner.invoke(args=["training", "remind"]).output
    runner.invoke(args=["mail", "send"])
    [message] = [m for m in smtp_server.to(person.email) if m["Subject"].startswith("Tomorrow at")]
    assert "has a session tomorrow" in smtp_server.text_of(message)
