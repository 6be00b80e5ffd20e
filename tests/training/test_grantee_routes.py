"""The grantee's side of training through the test client: their training page, a course's page, enrolling (with the
confirmation email and its calendar file), the waiting list, leaving and the promotion it causes, and the
calendar download."""
import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Course, Enrolment, EnrolmentStatus, OutboxMessage, User
from grants.training import queries, services

from ..fixtures.i18n import says, translated
from ..fixtures.routes import counting_statements, flashes, post, signed_in_client, text
from ..fixtures.rows import detached
from ..fixtures.training import decided_call, enrol, make_course, make_grantee, take_attendance

TITLE_AR, TITLE_EN = "التخطيط لمشروع صغير", "Planning a small business"
PLACE = "مركز التدريب، دير الزور"


# --- helpers -----------------------------------------------------------------------------------------

def enrolment(app, user_id, course_id) -> Enrolment | None:
    with app.app_context():
        found = queries.enrolment_of(user_id, course_id)
        if found is not None:
            db.session.expunge(found)
        return found


def seats_taken(app, course_id) -> int:
    with app.app_context():
        return db.session.get(Course, course_id).seats_taken


def outbox(app, template=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return detached(app, query)


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def calendar_parts(message):
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def section(page, element_id, tag="article") -> str:
    match = re.search(rf'<{tag}[^>]*id="{element_id}"[^>]*>(.*?)</{tag}>', page, re.S)
    assert match, element_id
    return match.group(1)


@pytest.fixture
def call(app):
    return decided_call(app)


# --- my training page --------------------------------------------------------------------------------

def test_my_training_shows_courses_sessions_attendance_and_status(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    rival = make_grantee(app, make_user, call)
    staff = make_user("staff")
    # Four sessions a day apart, the first two days ago: two held (present, then absent), one now, one tomorrow.
    under_way = make_course(app, calls=[call], sessions=4, starts_in=timedelta(days=-2), completion_percent=50)
    enrolment_id = enrol(app, person.id, under_way)
    take_attendance(app, staff.id, under_way, [[enrolment_id], []])
    full = make_course(app, calls=[call], capacity=1, title_en="Bookkeeping", title_ar="مسك الدفاتر")
    enrol(app, rival.id, full)
    enrol(app, person.id, full)
    left = make_course(app, calls=[call], title_en="Marketing", title_ar="التسويق")
    enrol(app, person.id, left)
    with app.app_context():
        services.leave(db.session.get(User, person.id), queries.enrolment_of(person.id, left))
        db.session.commit()
    open_course = make_course(app, calls=[call], title_en="Digital skills", title_ar="المهارات الرقمية")

    response = signed_in_client(app, person).get("/training")
    assert response.status_code == 200
    page = text(response)
    mine = page.split('id="open-courses"')[0]
    # Enrolled first, then waiting, then left.
    assert mine.index(TITLE_EN) < mine.index("Bookkeeping") < mine.index("Marketing")
    assert "Digital skills" not in mine

    card = section(page, f"course-{under_way}")
    assert "In progress" in card and "1 of 4 sessions attended, 2 needed" in card
    with app.app_context():
        ids = [s.id for s in db.session.get(Course, under_way).sessions]
    marks = [re.search(r'class="attendance attendance-(\w+)"', section(card, f"session-{i}", "tr")).group(1)
             for i in ids]
    assert marks == ["present", "absent", "not_taken", "not_taken"]
    assert "Present" in card and "Absent" in card and "Not taken yet" in card
    assert PLACE in card
    assert url(app, "training.calendar", course_id=under_way) in card
    assert url(app, "training.leave", course_id=under_way) in card
    assert "certificate" not in card.lower()

    waiting = section(page, f"course-{full}")
    assert "You are number 1 on the waiting list." in waiting and "Leave the waiting list" in waiting
    assert "attendance-" not in waiting  # nobody takes attendance for people waiting

    gone = section(page, f"course-{left}")
    assert "Left the course" in gone and "You left this course on" in gone
    assert url(app, "training.leave", course_id=left) not in gone
    assert url(app, "training.calendar", course_id=left) not in gone

    offered = section(page, f"open-course-{open_course}")
    assert "Digital skills" in offered and "م. سامر الحسن" in offered and "10 of 10 seats left" in offered
    assert "5 sessions, from" in offered
    assert f'action="{url(app, "training.enrol", course_id=open_course)}"' in offered


def test_my_training_in_arabic_by_default(app, make_user, call):
    person = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call])
    response = signed_in_client(app, person).get("/training")
    page = text(response)
    assert 'lang="ar" dir="rtl"' in page
    assert says(response, app, "My training") and says(response, app, "You are not in any course yet.")
    assert says(response, app, "Courses open to you") and TITLE_AR in page and TITLE_EN not in page
    assert says(response, app, "%(left)s of %(capacity)s seats left", left="10", capacity="10")
    assert f'action="{url(app, "training.enrol", course_id=course_id)}"' in page


def test_a_completed_course_offers_the_certificate(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    staff = make_user("staff")
    # Three sessions, the last one starting now: all held, all attended.
    course_id = make_course(app, calls=[call], sessions=3, starts_in=timedelta(days=-2))
    enrolment_id = enrol(app, person.id, course_id)
    take_attendance(app, staff.id, course_id, [[enrolment_id]] * 3)
    client = signed_in_client(app, person)
    certificate = url(app, "training.certificate", enrolment_id=enrolment_id)
    card = section(text(client.get("/training")), f"course-{course_id}")
    assert "Completed" in card and "3 of 3 sessions attended, 3 needed" in card
    assert f'href="{certificate}"' in card
    course_page = text(client.get(f"/training/courses/{course_id}"))
    assert f'href="{certificate}"' in course_page and "Download your certificate" in course_page


def test_my_training_without_courses_or_offers(app, make_user):
    client = signed_in_client(app, make_user("reviewer"))
    page = text(client.get("/training", headers={"Accept-Language": "en"}))
    assert 'id="no-courses"' in page and 'id="no-open-courses"' in page


def test_my_training_query_count_does_not_grow_with_courses(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    others = [make_grantee(app, make_user, call) for _ in range(2)]
    staff = make_user("staff")
    client = signed_in_client(app, person)
    make_course(app, calls=[call], title_en="Always on offer")  # the "open to you" list is never empty

    def enrol_in_course_with_attendance(**fields):
        course_id = make_course(app, calls=[call], sessions=3, starts_in=timedelta(days=-1), **fields)
        enrolment_id = enrol(app, person.id, course_id)
        take_attendance(app, staff.id, course_id, [[enrolment_id], []])
        return course_id

    def count():
        with counting_statements(app) as statements:
            assert client.get("/training").status_code == 200
        return len(statements)

    enrol_in_course_with_attendance()
    one = count()
    for _ in range(3):
        enrol_in_course_with_attendance()
    full = make_course(app, calls=[call], capacity=1)
    enrol(app, others[0].id, full)
    enrol(app, person.id, full)  # waiting
    left = make_course(app, calls=[call])
    enrol(app, person.id, left)
    with app.app_context():
        services.leave(db.session.get(User, person.id), queries.enrolment_of(person.id, left))
        db.session.commit()
    page = text(client.get("/training"))
    assert page.count('class="card training-course"') == 6 and "Always on offer" in page
    assert count() == one


# --- the course page ---------------------------------------------------------------------------------

def test_course_page_in_arabic_and_english(app, make_user, call):
    course_id = make_course(app, calls=[call], capacity=4)
    arabic = signed_in_client(app, make_grantee(app, make_user, call))
    response = arabic.get(f"/training/courses/{course_id}")
    assert response.status_code == 200
    page = text(response)
    assert TITLE_AR in page and "دورة عملية." in page and "م. سامر الحسن" in page and PLACE in page
    assert says(response, app, "Enrol") and says(response, app, "Business planning")
    assert says(response, app, "%(left)s of %(capacity)s seats left", left="4", capacity="4")
    assert f'action="{url(app, "training.enrol", course_id=course_id)}"' in page
    assert 'id="leave-link"' not in page and 'id="calendar-link"' not in page  # not in the course yet

    english = signed_in_client(app, make_grantee(app, make_user, call, locale="en"))
    page = text(english.get(f"/training/courses/{course_id}"))
    assert TITLE_EN in page and "A practical course." in page and "Business planning" in page
    assert "4 of 4 seats left" in page and "Attend at least 80 percent of the sessions." in page
    assert "15 hours in all" in page  # five sessions of three hours
    assert ">Enrol</button>" in page


def test_course_page_shows_the_place_in_line_and_the_links(app, make_user, call):
    first, second = make_grantee(app, make_user, call, locale="en"), make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], capacity=1)
    enrol(app, first.id, course_id)
    enrol(app, second.id, course_id)
    page = text(signed_in_client(app, first).get(f"/training/courses/{course_id}"))
    assert "You are enrolled in this course." in page and "0 of 5 sessions attended, 4 needed" in page
    assert 'id="calendar-link"' in page and ">Leave the course</a>" in page
    assert 'action="/training/courses' not in page  # no enrol button
    page = text(signed_in_client(app, second).get(f"/training/courses/{course_id}"))
    assert "You are number 1 on the waiting list." in page and ">Leave the waiting list</a>" in page
    assert "Full: new enrolments join the waiting list" in page and 'id="calendar-link"' in page
    assert 'class="attendance' not in page


def test_course_full_offers_the_waiting_list(app, make_user, call):
    course_id = make_course(app, calls=[call], capacity=1)
    enrol(app, make_grantee(app, make_user, call).id, course_id)
    page = text(signed_in_client(app, make_grantee(app, make_user, call, locale="en"))
                .get(f"/training/courses/{course_id}"))
    assert 'id="course-full"' in page and ">Join the waiting list</button>" in page


def test_ineligible_users_get_404_on_the_page_and_a_refusal_on_enrol(app, make_user, call):
    course_id = make_course(app, calls=[call])
    closed = make_course(app, calls=[call], open=False)
    outsider = make_user("applicant", locale="en")
    client = signed_in_client(app, outsider)
    assert client.get(f"/training/courses/{course_id}").status_code == 404
    assert client.get(f"/training/courses/{course_id}/calendar.ics").status_code == 404
    response = post(client, f"/training/courses/{course_id}/enrol")
    assert response.status_code == 302 and response.location.endswith("/training")
    assert flashes(client) == [("error", "This course is not open to you.")]
    assert enrolment(app, outsider.id, course_id) is None and outbox(app) == []
    # A grantee cannot see or join a course staff have not opened yet.
    grantee = signed_in_client(app, make_grantee(app, make_user, call, locale="en"))
    assert grantee.get(f"/training/courses/{closed}").status_code == 404
    post(grantee, f"/training/courses/{closed}/enrol")
    assert flashes(grantee) == [("error", "This course is not taking enrolments.")]


def test_staff_see_any_course_and_download_its_calendar(app, make_user, call):
    course_id = make_course(app, calls=[call], open=False)
    client = signed_in_client(app, make_user("staff", locale="en"))
    page = text(client.get(f"/training/courses/{course_id}"))
    assert "This course is not taking enrolments at the moment." in page and 'id="calendar-link"' in page
    assert client.get(f"/training/courses/{course_id}/calendar.ics").status_code == 200


@pytest.mark.parametrize("path", ["/training/courses/abc", "/training/courses/99999999999",
                                  "/training/courses/99999999999/calendar.ics", "/training/courses/12345/leave"])
def test_malformed_or_unknown_courses_are_404(app, make_user, path):
    assert signed_in_client(app, make_user("applicant")).get(path).status_code == 404


def test_enrolling_in_an_unknown_course_is_404(app, make_user):
    client = signed_in_client(app, make_user("applicant"))
    assert client.post("/training/courses/99999999999/enrol").status_code == 404
    assert client.post("/training/courses/4242/enrol").status_code == 404


# --- enrolling ---------------------------------------------------------------------------------------

def test_enrolling_sends_a_confirmation_with_the_calendar_in_arabic(app, make_user, call, smtp_server):
    person = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call])
    client = signed_in_client(app, person)
    response = post(client, f"/training/courses/{course_id}/enrol")
    assert response.status_code == 302 and response.location.endswith(f"/training/courses/{course_id}")
    shown = client.get(response.location)
    assert says(shown, app, "You are enrolled in this course. We have emailed you the sessions with a calendar file.")
    assert says(shown, app, "You are enrolled in this course.")
    assert enrolment(app, person.id, course_id).status == EnrolmentStatus.ENROLLED
    assert seats_taken(app, course_id) == 1

    [message] = smtp_server.to(person.email)
    assert message["Subject"] == translated(app, 'You are enrolled in the course "%(title)s"', "ar", title=TITLE_AR)
    body = smtp_server.text_of(message)
    assert TITLE_AR in body and PLACE in body and f"/training/courses/{course_id}" in body
    [calendar] = calendar_parts(message)
    assert calendar.get_filename() == f"course-{course_id}.ics"
    ics = calendar.get_payload(decode=True).decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 5
    assert f"SUMMARY:{TITLE_AR}\r\n" in ics and f"LOCATION:{PLACE}\r\n" in ics  # Arabic intact, not mangled
    assert f"URL:http://localhost/training/courses/{course_id}\r\n" in ics
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "training.enrol"


def test_a_full_course_puts_people_on_the_waiting_list_with_their_position(app, make_user, call, smtp_server):
    people = [make_grantee(app, make_user, call, locale="en") for _ in range(3)]
    course_id = make_course(app, calls=[call], capacity=1)
    clients = [signed_in_client(app, p) for p in people]
    for client in clients:
        assert post(client, f"/training/courses/{course_id}/enrol").status_code == 302
    assert flashes(clients[0])[0][0] == "success"
    assert flashes(clients[1]) == [("info", "The course is full: you are number 1 on the waiting list. We will email "
                                            "you if a seat becomes free.")]
    assert flashes(clients[2])[0][1].startswith("The course is full: you are number 2 on the waiting list.")
    assert seats_taken(app, course_id) == 1
    [message] = smtp_server.to(people[2].email)
    assert message["Subject"] == f'You are on the waiting list for "{TITLE_EN}"'
    assert "You are number 2 on its waiting list." in smtp_server.text_of(message)
    assert calendar_parts(message) == []  # no seat, no calendar yet


def test_a_double_click_enrols_once_and_emails_once(app, make_user, call, smtp_server):
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call])
    client = signed_in_client(app, person)
    for _ in range(2):
        assert post(client, f"/training/courses/{course_id}/enrol").status_code == 302
    assert seats_taken(app, course_id) == 1
    assert len(smtp_server.to(person.email)) == 1 and len(outbox(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_enrolling_in_an_ended_course_is_refused(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], starts_in=timedelta(days=-10))
    client = signed_in_client(app, person)
    response = post(client, f"/training/courses/{course_id}/enrol")
    assert response.status_code == 302 and flashes(client) == [("error", "This course has ended.")]
    assert enrolment(app, person.id, course_id) is None


# --- leaving -----------------------------------------------------------------------------------------

def test_leaving_gives_the_seat_to_the_first_on_the_waiting_list(app, make_user, call, smtp_server):
    first, second, third = (make_grantee(app, make_user, call, locale=locale) for locale in ("en", "ar", "en"))
    course_id = make_course(app, calls=[call], capacity=1)
    for person in (first, second, third):
        enrol(app, person.id, course_id)
    client = signed_in_client(app, first)
    page = text(client.get(f"/training/courses/{course_id}/leave"))
    assert "Your seat goes to the first person on the waiting list." in page
    assert f'action="/training/courses/{course_id}/leave"' in page and "Yes, leave the course" in page

    response = post(client, f"/training/courses/{course_id}/leave")
    assert response.status_code == 302 and response.location.endswith("/training")
    assert flashes(client) == [("success", "You have left this course.")]
    assert enrolment(app, first.id, course_id).status == EnrolmentStatus.LEFT
    assert enrolment(app, second.id, course_id).status == EnrolmentStatus.ENROLLED
    assert enrolment(app, third.id, course_id).status == EnrolmentStatus.WAITLISTED
    assert seats_taken(app, course_id) == 1
    [promoted] = smtp_server.to(second.email)
    assert promoted["Subject"] == translated(app, 'A seat is free: you are now enrolled in "%(title)s"', "ar",
                                             title=TITLE_AR)
    assert len(calendar_parts(promoted)) == 1
    assert smtp_server.to(first.email) == [] and smtp_server.to(third.email) == []  # leaving sends nothing

    # Leaving again (an old tab) changes nothing; the page for a left course just goes back.
    again = post(client, f"/training/courses/{course_id}/leave")
    assert again.status_code == 302 and again.location.endswith(f"/training/courses/{course_id}")
    assert client.get(f"/training/courses/{course_id}/leave").status_code == 302
    assert enrolment(app, second.id, course_id).status == EnrolmentStatus.ENROLLED
    # Nor can they download the calendar any more.
    assert client.get(f"/training/courses/{course_id}/calendar.ics").status_code == 404


def test_leaving_the_waiting_list(app, make_user, call):
    holder, waiting = make_grantee(app, make_user, call), make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], capacity=1)
    enrol(app, holder.id, course_id)
    enrol(app, waiting.id, course_id)
    client = signed_in_client(app, waiting)
    page = text(client.get(f"/training/courses/{course_id}/leave"))
    assert "You lose your place on the waiting list." in page and "You are number 1." in page
    post(client, f"/training/courses/{course_id}/leave")
    assert enrolment(app, waiting.id, course_id).status == EnrolmentStatus.LEFT
    assert seats_taken(app, course_id) == 1


def test_leave_page_in_arabic(app, make_user, call):
    person = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call])
    enrol(app, person.id, course_id)
    response = signed_in_client(app, person).get(f"/training/courses/{course_id}/leave")
    assert response.status_code == 200 and 'dir="rtl"' in text(response)
    assert says(response, app, "Yes, leave the course") and says(response, app, "No, go back")


def test_nobody_leaves_a_course_that_has_ended(app, make_user, call):
    person = make_grantee(app, make_user, call, locale="en")
    course_id = make_course(app, calls=[call], sessions=1, starts_in=timedelta(hours=1), hours=1)
    enrol(app, person.id, course_id)
    with app.app_context():  # the course took place
        session = db.session.get(Course, course_id).sessions[0]
        session.starts_at -= timedelta(days=2)
        session.ends_at -= timedelta(days=2)
        db.session.commit()
    client = signed_in_client(app, person)
    for method in ("get", "post"):
        response = getattr(client, method)(f"/training/courses/{course_id}/leave")
        assert response.status_code == 302
        assert flashes(client) == [("error", "This course has ended: its enrolments can no longer change.")]
    assert enrolment(app, person.id, course_id).status == EnrolmentStatus.ENROLLED
    page = text(client.get(f"/training/courses/{course_id}"))
    assert "This course has ended." in page and 'id="leave-link"' not in page


def test_nobody_leaves_what_they_are_not_in(app, make_user, call):
    course_id = make_course(app, calls=[call])
    client = signed_in_client(app, make_grantee(app, make_user, call))
    assert client.get(f"/training/courses/{course_id}/leave").status_code == 404
    assert post(client, f"/training/courses/{course_id}/leave").status_code == 404


# --- the calendar ------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, title", [("ar", TITLE_AR), ("en", TITLE_EN)])
def test_calendar_download_in_the_users_language(app, make_user, call, locale, title):
    person = make_grantee(app, make_user, call, locale=locale)
    course_id = make_course(app, calls=[call], sessions=2)
    enrol(app, person.id, course_id)
    response = signed_in_client(app, person).get(f"/training/courses/{course_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="course-{course_id}.ics"'
    ics = response.get_data().decode("utf-8")
    assert ics.count("BEGIN:VEVENT") == 2 and f"SUMMARY:{title}\r\n" in ics and f"X-WR-CALNAME:{title}\r\n" in ics
    with app.app_context():
        sessions = db.session.get(Course, course_id).sessions
        starts = [s.starts_at.strftime("DTSTART:%Y%m%dT%H%M%SZ") for s in sessions]
        uids = [f"UID:course-{course_id}-session-{s.id}@localhost" for s in sessions]
    assert all(f"{line}\r\n" in ics for line in starts + uids)


def test_people_waiting_get_the_calendar_too(app, make_user, call):
    holder, waiting = make_grantee(app, make_user, call), make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], capacity=1)
    enrol(app, holder.id, course_id)
    enrol(app, waiting.id, course_id)
    assert signed_in_client(app, waiting).get(f"/training/courses/{course_id}/calendar.ics").status_code == 200
    # An eligible grantee who has not enrolled sees the course but gets no calendar.
    client = signed_in_client(app, make_grantee(app, make_user, call))
    assert client.get(f"/training/courses/{course_id}").status_code == 200
    assert client.get(f"/training/courses/{course_id}/calendar.ics").status_code == 404


# --- the applicant dashboard -------------------------------------------------------------------------

def test_the_dashboard_links_to_my_training(app, make_user):
    page = text(signed_in_client(app, make_user("applicant")).get(url(app, "applications.dashboard")))
    assert f'href="{url(app, "training.mine")}"' in page
