"""The staff side of training through the test client: the course list, creating and changing a course (capacity,
calls, the waiting list moving up), sessions in the program's timezone, opening and closing enrolment, a course's
page, bulk enrolment and removing people."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import url_for
from flask_babel import force_locale, format_datetime
from markupsafe import escape
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    AuditEntry, Audience, CallStatus, Course, CourseCall, CourseSession, Enrolment, EnrolmentStatus, OutboxMessage,
    Topic, User, utcnow,
)
from grants.training import queries, services

from ..fixtures.i18n import says
from ..fixtures.program import make_call
from ..fixtures.routes import counting_statements, error_of, flashes, post, signed_in_client, text
from ..fixtures.training import decided_call, enrol, make_course, make_grantee, take_attendance

TITLE_AR, TITLE_EN = "التخطيط لمشروع صغير", "Planning a small business"


# --- helpers -----------------------------------------------------------------------------------------

def section(page, element_id, tag="section") -> str:
    match = re.search(rf'<{tag}[^>]*id="{element_id}"[^>]*>(.*?)</{tag}>', page, re.S)
    assert match, element_id
    return match.group(1)


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def last_audit(app, action) -> dict:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id.desc())).first()


def get_course(app, course_id) -> Course:
    with app.app_context():
        course = db.session.get(Course, course_id)
        links = sorted((link.call_id, link.required_for_payment) for link in course.call_links)
        sessions = [(s.id, s.starts_at, s.ends_at, s.place, s.online_url) for s in course.sessions]
        db.session.expunge(course)
        course.links, course.session_rows = links, sessions
        return course


def status_of(app, user_id, course_id) -> EnrolmentStatus | None:
    with app.app_context():
        found = queries.enrolment_of(user_id, course_id)
        return found.status if found is not None else None


def course_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Course))


def course_fields(**overrides) -> dict:
    """A complete course form as a browser sends it."""
    fields = {"title_ar": "التسويق عبر وسائل التواصل", "title_en": "Marketing on social media",
              "description_ar": "كيف تعرض منتجاتك.", "description_en": "Showing your products.",
              "trainer": "أ. ريم العبدالله", "topic": "marketing", "capacity": "12", "audience": "registered",
              "completion_percent": "80"}
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def in_days(days: int) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


@pytest.fixture
def call(app):
    return decided_call(app)


@pytest.fixture
def staff(make_user):
    return make_user("staff", locale="en")


@pytest.fixture
def client(app, staff):
    return signed_in_client(app, staff)


# --- the course list ---------------------------------------------------------------------------------

def test_course_list_shows_counts_and_state(app, make_user, client, call):
    people = [make_grantee(app, make_user, call) for _ in range(3)]
    full = make_course(app, calls=[call], capacity=1, sessions=4)
    for person in people:
        enrol(app, person.id, full)
    closed = make_course(app, open=False, sessions=0, title_en="Bookkeeping", title_ar="مسك الدفاتر",
                         capacity=7)
    ended = make_course(app, starts_in=timedelta(days=-20), sessions=2, title_en="Old course", title_ar="دورة قديمة")

    page = text(client.get("/training/manage/courses"))
    row = section(page, f"course-{full}", "tr")
    assert TITLE_EN in row and "Business planning" in row and "م. سامر الحسن" in row
    assert re.search(r'class="seats">1 of 1<', row) and re.search(r'class="waiting">2<', row)
    assert re.search(r'class="session-count">4<', row) and ">Open<" in row
    assert url(app, "training.manage", course_id=full) in row
    with app.app_context():
        first = db.session.get(Course, full).sessions[0].starts_at
    next_session = re.search(r'class="next-session">(.*?)</td>', row, re.S).group(1)
    with app.test_request_context(), force_locale("en"):
        assert next_session == str(escape(format_datetime(first, "short")))

    row = section(page, f"course-{closed}", "tr")
    assert "Bookkeeping" in row and "0 of 7" in row and ">Closed<" in row
    assert re.search(r'class="session-count">0<', row) and "—" in row
    assert ">Ended<" in section(page, f"course-{ended}", "tr")
    # Courses with a session to come first.
    assert page.index(f'id="course-{full}"') < page.index(f'id="course-{ended}"')
    assert url(app, "training.new_course") in page


def test_course_list_in_arabic_by_default(app, make_user):
    make_course(app)
    response = signed_in_client(app, make_user("staff")).get("/training/manage/courses")
    assert response.status_code == 200
    page = text(response)
    assert 'lang="ar" dir="rtl"' in page and TITLE_AR in page and TITLE_EN not in page
    assert says(response, app, "Training courses") and says(response, app, "New course")
    assert says(response, app, "Business planning")


def test_course_list_without_courses(client):
    assert 'id="no-courses"' in text(client.get("/training/manage/courses"))


def test_course_list_query_count_does_not_grow_with_courses(app, make_user, client, call):
    people = [make_grantee(app, make_user, call) for _ in range(3)]

    def add_courses(count):
        for _ in range(count):
            course_id = make_course(app, calls=[call], capacity=1, sessions=2)
            for person in people:
                enrol(app, person.id, course_id)

    def count_queries():
        with counting_statements(app) as statements:
            page = text(client.get("/training/manage/courses"))
        return len(statements), page.count('<tr id="course-')

    add_courses(2)
    two, rows = count_queries()
    assert rows == 2
    add_courses(10)
    twelve, rows = count_queries()
    assert rows == 12 and twelve == two


# --- a new course ------------------------------------------------------------------------------------

def test_new_course_form_lists_calls_and_defaults(app, client, call):
    draft = make_call(app, code="DRAFT1", status=CallStatus.DRAFT)
    page = text(client.get("/training/manage/courses/new"))
    assert 'name="title_ar"' in page and 'name="completion_percent"' in page and 'value="80"' in page
    assert f'id="call-row-{call}"' in page and "DZ24C" in page
    assert f'id="call-row-{draft}"' not in page  # a draft has no applicants, let alone grantees
    assert 'name="required_calls"' in page
    assert re.search(r'<input checked id="audience-\d" name="audience" type="radio" value="grantees">', page)


def test_creating_a_course_with_linked_calls(app, client, call, staff):
    other = make_call(app, code="DZ25B", status=CallStatus.REVIEWING)
    response = post(client, "/training/manage/courses/new", data=course_fields(
        audience="grantees", calls=[str(call), str(other)], required_calls=[str(call)]))
    assert response.status_code == 302
    with app.app_context():
        course_id = db.session.scalar(select(Course.id))
    assert response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("success", "The course is saved. Add its sessions, then open it for enrolment.")]
    course = get_course(app, course_id)
    assert (course.title_ar, course.title_en, course.trainer) == ("التسويق عبر وسائل التواصل",
                                                                   "Marketing on social media", "أ. ريم العبدالله")
    assert (course.description_ar, course.description_en) == ("كيف تعرض منتجاتك.", "Showing your products.")
    assert course.topic == Topic.MARKETING and course.audience == Audience.GRANTEES
    assert (course.capacity, course.seats_taken, course.completion_percent) == (12, 0, 80)
    assert course.enrolment_open is False and course.created_by_id == staff.id
    assert course.links == sorted([(call, True), (other, False)])
    details = last_audit(app, "training.course_create")
    assert details["capacity"] == 12 and details["calls"] == sorted([call, other])
    assert details["required_for_payment"] == [call]


def test_new_course_errors_are_shown_beside_the_fields_and_nothing_typed_is_lost(app, client):
    response = client.post("/training/manage/courses/new", data=course_fields(
        title_ar="  ", capacity="0", completion_percent="150", trainer="مدرب معروف",
        description_en="Kept <as typed>"))
    assert response.status_code == 200
    page = text(response)
    assert error_of(page, "title_ar") == "Enter the Arabic title."
    assert error_of(page, "capacity") == "Enter a whole number from 1 to 10000."
    assert error_of(page, "completion_percent") == "Enter a whole number from 1 to 100."
    assert "Please correct the fields marked below." in page
    assert 'value="Marketing on social media"' in page and 'value="مدرب معروف"' in page
    assert "Kept &lt;as typed&gt;</textarea>" in page and 'value="150"' in page
    assert re.search(r'<option selected value="marketing">|<option value="marketing" selected>', page)
    assert course_count(app) == 0


def test_new_course_errors_in_arabic(app, make_user):
    client = signed_in_client(app, make_user("staff"))
    response = client.post("/training/manage/courses/new", data=course_fields(title_ar="", capacity=""))
    assert response.status_code == 200 and 'lang="ar"' in text(response)
    assert says(response, app, "Enter the Arabic title.")
    assert says(response, app, "Enter how many people the course takes.")
    assert says(response, app, "Please correct the fields marked below.")


@pytest.mark.parametrize("fields, field, message", [
    ({"capacity": "abc"}, "capacity", "Enter how many people the course takes."),
    ({"capacity": "99999999999999999999"}, "capacity", "Enter a whole number from 1 to 10000."),
    ({"completion_percent": "-5"}, "completion_percent", "Enter a whole number from 1 to 100."),
    ({"title_ar": "ب" * 201}, "title_ar", "Write at most 200 characters."),
    ({"topic": "astrology"}, "topic", "Not a valid choice."),
    ({"audience": "martians"}, "audience", "Not a valid choice."),
])
def test_malformed_course_input_is_an_error_not_a_crash(app, client, fields, field, message):
    response = client.post("/training/manage/courses/new", data=course_fields(**fields))
    assert response.status_code == 200
    assert message in error_of(text(response), field)
    assert course_count(app) == 0


def test_grantee_courses_need_a_linked_call(app, client, call):
    response = client.post("/training/manage/courses/new", data=course_fields(audience="grantees"))
    assert response.status_code == 200
    assert error_of(text(response), "calls") == ("Choose the calls whose grantees may enrol, or let another "
                                                 "audience enrol.")
    assert course_count(app) == 0


def test_a_required_call_must_be_linked_too(app, client, call):
    response = client.post("/training/manage/courses/new", data=course_fields(required_calls=[str(call)]))
    assert response.status_code == 200
    assert "must also be linked" in error_of(text(response), "required_calls")
    # A call id that is not offered (forged, or a draft) is not a choice.
    response = client.post("/training/manage/courses/new", data=course_fields(calls=["99999", "x"]))
    assert response.status_code == 200 and error_of(text(response), "calls")
    assert course_count(app) == 0


# --- changing a course -------------------------------------------------------------------------------

def test_edit_course_shows_the_course_and_saves_changes(app, client, call):
    course_id = make_course(app, calls=[call], required_for_payment=True, capacity=5, completion_percent=75)
    page = text(client.get(f"/training/manage/courses/{course_id}/edit"))
    assert f'value="{TITLE_AR}"' in page and 'value="5"' in page and 'value="75"' in page
    assert f'<input checked id="calls-0" name="calls" type="checkbox" value="{call}">' in page
    assert re.search(rf'<input aria-label="[^"]*DZ24C[^"]*" checked id="required_calls-0" name="required_calls" '
                     rf'type="checkbox" value="{call}">', page)

    response = post(client, f"/training/manage/courses/{course_id}/edit", data=course_fields(
        title_ar=TITLE_AR, title_en="", audience="grantees", capacity="6", calls=[str(call)],
        topic="business_planning"))
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("success", "The course is saved.")]
    course = get_course(app, course_id)
    assert course.title_en == "" and course.capacity == 6 and course.completion_percent == 80
    assert course.links == [(call, False)]  # no longer required before payment
    details = last_audit(app, "training.course_update")
    assert details["capacity"] == 6 and details["title_en"] == "" and details["not_required"] == [call]
    assert "title_ar" not in details  # unchanged fields are not listed


def test_capacity_cannot_drop_below_the_seats_taken(app, make_user, client, call):
    course_id = make_course(app, calls=[call], capacity=3)
    for _ in range(2):
        enrol(app, make_grantee(app, make_user, call).id, course_id)
    response = client.post(f"/training/manage/courses/{course_id}/edit", data=course_fields(
        capacity="1", audience="grantees", calls=[str(call)], title_en="Changed too"))
    assert response.status_code == 200
    page = text(response)
    assert error_of(page, "capacity") == ("2 people hold a seat: the course cannot have fewer seats than that. "
                                          "Remove people first.")
    assert 'value="Changed too"' in page and 'value="1"' in page
    course = get_course(app, course_id)
    assert course.capacity == 3 and course.title_en == TITLE_EN  # nothing saved
    assert "training.course_update" not in audit_actions(app)


def test_raising_the_capacity_enrols_people_from_the_waiting_list_and_emails_them(app, make_user, client, call,
                                                                                    smtp_server):
    people = [make_grantee(app, make_user, call, locale="en") for _ in range(4)]
    course_id = make_course(app, calls=[call], capacity=1)
    for person in people:
        enrol(app, person.id, course_id)
    assert [status_of(app, p.id, course_id) for p in people] == [EnrolmentStatus.ENROLLED] + [
        EnrolmentStatus.WAITLISTED] * 3
    response = post(client, f"/training/manage/courses/{course_id}/edit", data=course_fields(
        title_ar=TITLE_AR, title_en=TITLE_EN, capacity="3", audience="grantees", calls=[str(call)]))
    assert response.status_code == 302
    assert flashes(client) == [("success", "The course is saved. 2 people moved up from the waiting list and were "
                                           "emailed.")]
    assert [status_of(app, p.id, course_id) for p in people] == [EnrolmentStatus.ENROLLED] * 3 + [
        EnrolmentStatus.WAITLISTED]
    assert get_course(app, course_id).seats_taken == 3
    for person in people[1:3]:
        [message] = smtp_server.to(person.email)
        assert message["Subject"] == f'A seat is free: you are now enrolled in "{TITLE_EN}"'
    assert smtp_server.to(people[3].email) == [] and smtp_server.to(people[0].email) == []
    assert audit_actions(app)[-3:] == ["training.course_update", "training.promote", "training.promote"]


def test_unknown_courses_are_404(client):
    for path in ("/training/manage/courses/4242", "/training/manage/courses/4242/edit",
                 "/training/manage/courses/99999999999", "/training/manage/courses/4242/sessions/new",
                 "/training/manage/sessions/4242/edit", "/training/manage/enrolments/4242/remove"):
        assert client.get(path).status_code == 404, path
    for path in ("/training/manage/courses/4242/open", "/training/manage/sessions/4242/delete",
                 "/training/manage/courses/4242/bulk-enrol"):
        assert client.post(path).status_code == 404, path


# --- opening and closing enrolment -------------------------------------------------------------------

def test_opening_a_course_without_sessions_is_refused(app, client):
    course_id = make_course(app, open=False, sessions=0)
    response = post(client, f"/training/manage/courses/{course_id}/open")
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("error", "Add the course's sessions before opening it: people enrol for dates.")]
    assert get_course(app, course_id).enrolment_open is False
    assert "training.open_enrolment" not in audit_actions(app)


def test_opening_and_closing_enrolment(app, client):
    course_id = make_course(app, open=False)
    page = text(client.get(f"/training/manage/courses/{course_id}"))
    assert url(app, "training.open_enrolment", course_id=course_id) in page
    assert url(app, "training.close_enrolment", course_id=course_id) not in page
    post(client, f"/training/manage/courses/{course_id}/open")
    assert flashes(client) == [("success", "The course is open: the people it is for can see it and enrol.")]
    assert get_course(app, course_id).enrolment_open is True
    page = text(client.get(f"/training/manage/courses/{course_id}"))
    assert url(app, "training.close_enrolment", course_id=course_id) in page and "Open for enrolment" in page
    post(client, f"/training/manage/courses/{course_id}/close")
    assert get_course(app, course_id).enrolment_open is False
    post(client, f"/training/manage/courses/{course_id}/close")  # again: nothing to do, nothing audited
    assert [a for a in audit_actions(app) if "enrolment" in a] == ["training.open_enrolment",
                                                                   "training.close_enrolment"]


# --- sessions ----------------------------------------------------------------------------------------

def test_a_session_typed_in_program_time_is_stored_in_utc(app, client):
    course_id = make_course(app, open=False, sessions=0)
    day = in_days(10)
    page = text(client.get(f"/training/manage/courses/{course_id}/sessions/new"))
    assert "Asia/Damascus" in page and 'name="starts"' in page and 'type="time"' in page
    response = post(client, f"/training/manage/courses/{course_id}/sessions/new", data={
        "date": day, "starts": "10:00", "ends": "13:30", "place": "مركز التدريب", "online_url": ""})
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    [(session_id, starts_at, ends_at, place, online_url)] = get_course(app, course_id).session_rows
    # Damascus is three hours ahead of UTC all year.
    assert starts_at == datetime.fromisoformat(f"{day}T07:00:00+00:00")
    assert ends_at == datetime.fromisoformat(f"{day}T10:30:00+00:00")
    assert (place, online_url) == ("مركز التدريب", "")
    assert last_audit(app, "training.session_add")["session_id"] == session_id
    # The edit form shows the wall-clock time again, and the course page too.
    page = text(client.get(f"/training/manage/sessions/{session_id}/edit"))
    assert 'value="10:00"' in page and 'value="13:30"' in page and f'value="{day}"' in page
    row = section(text(client.get(f"/training/manage/courses/{course_id}")), f"session-{session_id}", "tr")
    assert "10:00 – 13:30" in row


def test_session_times_follow_the_configured_timezone(app, client):
    app.config["TIMEZONE"] = "Europe/Berlin"
    course_id = make_course(app, open=False, sessions=0)
    post(client, f"/training/manage/courses/{course_id}/sessions/new", data={
        "date": "2030-01-15", "starts": "10:00", "ends": "12:00", "place": "Berlin"})
    [(_, starts_at, ends_at, _, _)] = get_course(app, course_id).session_rows
    assert starts_at == datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)  # winter: one hour ahead of UTC


def test_a_session_must_end_after_it_starts(app, client):
    course_id = make_course(app, open=False, sessions=0)
    day = in_days(5)
    for ends in ("09:00", "10:00"):
        response = client.post(f"/training/manage/courses/{course_id}/sessions/new", data={
            "date": day, "starts": "10:00", "ends": ends, "place": "قاعة البلدية"})
        assert response.status_code == 200
        page = text(response)
        assert error_of(page, "ends") == "The session must end after it starts."
        assert error_of(page, "starts") == ""
        assert f'value="{day}"' in page and 'value="قاعة البلدية"' in page and f'value="{ends}"' in page
    assert get_course(app, course_id).session_rows == []


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://files.example.org/x", "meet.example.org/abc",
                                  "https://", "https://exa mple.org"])
def test_the_online_link_must_be_a_web_address(app, client, link):
    course_id = make_course(app, open=False, sessions=0)
    response = client.post(f"/training/manage/courses/{course_id}/sessions/new", data={
        "date": in_days(5), "starts": "10:00", "ends": "12:00", "online_url": link})
    assert response.status_code == 200
    assert error_of(text(response), "online_url") == "Enter a web address starting with https:// or http://."
    assert get_course(app, course_id).session_rows == []


def test_an_online_session_needs_no_place(app, client):
    course_id = make_course(app, open=False, sessions=0)
    response = post(client, f"/training/manage/courses/{course_id}/sessions/new", data={
        "date": in_days(5), "starts": "10:00", "ends": "12:00", "online_url": "https://meet.example.org/abc?x=1"})
    assert response.status_code == 302
    [(session_id, _, _, place, online_url)] = get_course(app, course_id).session_rows
    assert (place, online_url) == ("", "https://meet.example.org/abc?x=1")
    page = text(client.get(f"/training/manage/courses/{course_id}"))
    assert 'href="https://meet.example.org/abc?x=1"' in page


@pytest.mark.parametrize("data, field", [
    ({"date": "", "starts": "10:00", "ends": "12:00", "place": "x"}, "date"),
    ({"date": "2030-02-30", "starts": "10:00", "ends": "12:00", "place": "x"}, "date"),
    ({"date": "1900-01-01", "starts": "10:00", "ends": "12:00", "place": "x"}, "date"),
    ({"date": "2030-02-01", "starts": "25:00", "ends": "12:00", "place": "x"}, "starts"),
    ({"date": "2030-02-01", "starts": "10:00", "ends": "", "place": "x"}, "ends"),
    ({"date": "2030-02-01", "starts": "10:00", "ends": "12:00", "place": ""}, "place"),
    ({"date": "2030-02-01", "starts": "10:00", "ends": "12:00", "place": "x" * 301}, "place"),
])
def test_malformed_session_input_is_an_error_beside_the_field(app, client, data, field):
    course_id = make_course(app, open=False, sessions=0)
    response = client.post(f"/training/manage/courses/{course_id}/sessions/new", data=data)
    assert response.status_code == 200
    assert error_of(text(response), field)
    assert get_course(app, course_id).session_rows == []


def test_editing_a_session(app, client):
    course_id = make_course(app, sessions=2, starts_in=timedelta(days=5))
    first, second = [row[0] for row in get_course(app, course_id).session_rows]
    day = in_days(30)  # after the second: the sessions are listed in date order
    response = post(client, f"/training/manage/sessions/{first}/edit", data={
        "date": day, "starts": "16:00", "ends": "18:00", "place": "مكان جديد"})
    assert response.status_code == 302 and flashes(client) == [("success", "The session is saved.")]
    rows = get_course(app, course_id).session_rows
    assert [row[0] for row in rows] == [second, first]
    assert rows[1][1] == datetime.fromisoformat(f"{day}T13:00:00+00:00") and rows[1][3] == "مكان جديد"
    details = last_audit(app, "training.session_update")
    assert details["session_id"] == first and details["place"] == "مكان جديد" and "starts_at" in details


def test_a_session_with_attendance_keeps_its_times_and_cannot_be_deleted(app, make_user, client, call, staff):
    course_id = make_course(app, calls=[call], sessions=2, starts_in=timedelta(days=-1))
    person = make_grantee(app, make_user, call)
    enrolment_id = enrol(app, person.id, course_id)
    take_attendance(app, staff.id, course_id, [[enrolment_id]])
    (taken, starts_at, ends_at, place, _), (later, *_) = get_course(app, course_id).session_rows

    page = text(client.get(f"/training/manage/courses/{course_id}"))
    assert url(app, "training.delete_session", session_id=taken) not in page
    assert url(app, "training.delete_session", session_id=later) in page
    response = post(client, f"/training/manage/sessions/{taken}/delete")
    assert response.status_code == 302
    assert flashes(client) == [("error", "Attendance was taken for this session, so it cannot be deleted.")]
    assert len(get_course(app, course_id).session_rows) == 2

    edit = text(client.get(f"/training/manage/sessions/{taken}/edit"))
    assert 'id="attendance-taken"' in edit
    response = client.post(f"/training/manage/sessions/{taken}/edit", data={
        "date": in_days(3), "starts": "10:00", "ends": "12:00", "place": place})
    assert response.status_code == 200
    assert error_of(text(response), "date") == ("Attendance was taken for this session: its date and times can no "
                                                "longer change.")
    # The place may still be corrected.
    wall = starts_at.astimezone(timezone(timedelta(hours=3)))
    ends_wall = ends_at.astimezone(timezone(timedelta(hours=3)))
    response = post(client, f"/training/manage/sessions/{taken}/edit", data={
        "date": wall.date().isoformat(), "starts": wall.strftime("%H:%M"), "ends": ends_wall.strftime("%H:%M"),
        "place": "القاعة الكبرى"})
    assert response.status_code == 302
    rows = get_course(app, course_id).session_rows
    assert rows[0][1:4] == (starts_at, ends_at, "القاعة الكبرى")


def test_deleting_a_session(app, client):
    course_id = make_course(app, sessions=2)
    first, second = [row[0] for row in get_course(app, course_id).session_rows]
    response = post(client, f"/training/manage/sessions/{first}/delete")
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("success", "The session is deleted.")]
    assert [row[0] for row in get_course(app, course_id).session_rows] == [second]
    assert last_audit(app, "training.session_delete")["session_id"] == first
    # The last session of an open course stays: people enrolled for it.
    post(client, f"/training/manage/sessions/{second}/delete")
    assert flashes(client)[0][0] == "error"
    assert [row[0] for row in get_course(app, course_id).session_rows] == [second]


# --- the course page ---------------------------------------------------------------------------------

def test_course_page_shows_sessions_people_and_their_progress(app, make_user, client, call, staff):
    course_id = make_course(app, calls=[call], capacity=2, sessions=2, starts_in=timedelta(days=-1),
                            completion_percent=50, required_for_payment=True)
    done, going, waiting, second_waiting, gone = (
        make_grantee(app, make_user, call, name=name) for name in ("سعاد", "خالد", "منى", "رامي", "هبة"))
    ids = {person: enrol(app, person.id, course_id) for person in (done, going, waiting, second_waiting, gone)}
    with app.app_context():
        services.leave(db.session.get(User, gone.id), queries.enrolment_of(gone.id, course_id))
        db.session.commit()
    take_attendance(app, staff.id, course_id, [[ids[done]]])
    sessions = [row[0] for row in get_course(app, course_id).session_rows]

    response = client.get(f"/training/manage/courses/{course_id}")
    assert response.status_code == 200
    page = text(response)
    details = section(page, "details")
    assert "2 of 2 taken" in details and "Grantees of the chosen calls" in details
    assert "Attend at least 50 percent of the sessions." in details
    assert "DZ24C" in details and "required before a tranche is paid" in details

    listed = section(page, "sessions")
    for session_id in sessions:
        row = section(listed, f"session-{session_id}", "tr")
        assert url(app, "training.attendance", session_id=session_id) in row
        assert url(app, "training.sign_in_sheet", session_id=session_id) in row
        assert url(app, "training.edit_session", session_id=session_id) in row
    assert "Taken" in section(listed, f"session-{sessions[0]}", "tr")

    enrolled = section(page, "enrolled")
    row = section(enrolled, f"enrolment-{ids[done]}", "tr")
    assert "سعاد" in row and "Completed" in row and "1 of 2 sessions attended" in row
    assert url(app, "training.certificate", enrolment_id=ids[done]) in row
    assert url(app, "training.remove_enrolment", enrolment_id=ids[done]) in row
    row = section(enrolled, f"enrolment-{ids[going]}", "tr")
    assert "خالد" in row and "In progress" in row and "certificate" not in row.lower()

    waiting_list = section(page, "waiting")
    assert waiting_list.index("منى") < waiting_list.index("رامي")
    assert re.search(r'class="position">1<', section(waiting_list, f"enrolment-{ids[waiting]}", "tr"))
    assert re.search(r'class="position">2<', section(waiting_list, f"enrolment-{ids[second_waiting]}", "tr"))
    assert url(app, "training.remove_enrolment", enrolment_id=ids[waiting]) in waiting_list
    left = section(page, "left")
    assert "هبة" in left and url(app, "training.remove_enrolment", enrolment_id=ids[gone]) not in page

    assert url(app, "training.edit_course", course_id=course_id) in page
    assert url(app, "training.new_session", course_id=course_id) in page
    assert url(app, "training.close_enrolment", course_id=course_id) in page
    bulk = section(page, "bulk-enrol")
    assert f'action="{url(app, "training.bulk_enrol", course_id=course_id)}"' in bulk
    assert f'<option value="{call}">' in bulk and "5 grantees" in bulk


def test_course_page_in_arabic(app, make_user, call):
    course_id = make_course(app, calls=[call])
    response = signed_in_client(app, make_user("staff")).get(f"/training/manage/courses/{course_id}")
    page = text(response)
    assert 'lang="ar" dir="rtl"' in page and TITLE_AR in page
    assert says(response, app, "Nobody is enrolled yet.") and says(response, app, "Close enrolment")
    assert says(response, app, "Enrol the grantees of a call")


def test_course_page_lists_only_decided_calls_for_bulk_enrolment(app, client, call):
    reviewing = make_call(app, code="DZ25B", status=CallStatus.REVIEWING)
    archived = make_call(app, code="DZ20A", status=CallStatus.ARCHIVED)
    course_id = make_course(app)
    bulk = section(text(client.get(f"/training/manage/courses/{course_id}")), "bulk-enrol")
    assert f'value="{call}"' in bulk and f'value="{archived}"' in bulk and f'value="{reviewing}"' not in bulk
    assert "0 grantees" in bulk


def test_course_page_query_count_does_not_grow_with_people(app, make_user, client, call, staff):
    course_id = make_course(app, calls=[call], capacity=3, sessions=3, starts_in=timedelta(days=-1))

    def count_queries():
        with counting_statements(app) as statements:
            assert client.get(f"/training/manage/courses/{course_id}").status_code == 200
        return len(statements)

    first = enrol(app, make_grantee(app, make_user, call).id, course_id)
    take_attendance(app, staff.id, course_id, [[first]])
    few = count_queries()
    people = [make_grantee(app, make_user, call) for _ in range(5)]
    ids = [enrol(app, person.id, course_id) for person in people]
    with app.app_context():
        services.leave(db.session.get(User, people[-1].id), queries.enrolment_of(people[-1].id, course_id))
        db.session.commit()
    take_attendance(app, staff.id, course_id, [[first, *ids[:2]], [first]])
    assert count_queries() == few


# --- bulk enrolment ----------------------------------------------------------------------------------

def test_bulk_enrolment_flashes_the_counts(app, make_user, client, call, smtp_server):
    grantees = [make_grantee(app, make_user, call, locale="en") for _ in range(3)]
    make_grantee(app, make_user, call, accepted=False)  # has not accepted the award: not a grantee
    course_id = make_course(app, calls=[call], capacity=2)
    enrol(app, grantees[0].id, course_id)
    response = post(client, f"/training/manage/courses/{course_id}/bulk-enrol", data={"call": str(call)})
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("success", "Grantees of DZ24C: 1 enrolled, 1 put on the waiting list, 1 were already "
                                           "in the course.")]
    assert [status_of(app, g.id, course_id) for g in grantees] == [
        EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]
    assert len(smtp_server.to(grantees[1].email)) == 1 and len(smtp_server.to(grantees[2].email)) == 1
    assert last_audit(app, "training.bulk_enrol") == {"call_id": call, "enrolled": 1, "waitlisted": 1, "already": 1}
    # Again: everyone is in already.
    post(client, f"/training/manage/courses/{course_id}/bulk-enrol", data={"call": str(call)})
    assert flashes(client) == [("success", "Grantees of DZ24C: 0 enrolled, 0 put on the waiting list, 3 were already "
                                           "in the course.")]


@pytest.mark.parametrize("data", [{}, {"call": ""}, {"call": "abc"}, {"call": "99999999999999"}, {"call": "4242"}])
def test_bulk_enrolment_without_a_valid_call(app, client, call, data):
    course_id = make_course(app, calls=[call])
    response = post(client, f"/training/manage/courses/{course_id}/bulk-enrol", data=data)
    assert response.status_code == 302
    assert flashes(client) == [("error", "Choose a call whose grantees to enrol.")]


def test_bulk_enrolment_into_an_undecided_call_is_refused(app, make_user, client):
    reviewing = make_call(app, code="DZ25B", status=CallStatus.REVIEWING)
    course_id = make_course(app, calls=[reviewing])
    post(client, f"/training/manage/courses/{course_id}/bulk-enrol", data={"call": str(reviewing)})
    assert flashes(client)[0][0] == "error"


def test_bulk_enrolment_into_an_ended_course_is_refused(app, make_user, client, call):
    make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], starts_in=timedelta(days=-20))
    post(client, f"/training/manage/courses/{course_id}/bulk-enrol", data={"call": str(call)})
    assert flashes(client) == [("error", "This course has ended.")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


# --- removing people ---------------------------------------------------------------------------------

def test_removing_a_person_needs_a_reason_and_gives_the_seat_to_the_first_waiting(app, make_user, client, call,
                                                                                    smtp_server):
    removed, first, second = (make_grantee(app, make_user, call, locale="en", name=name)
                              for name in ("Huda", "Omar", "Lina"))
    course_id = make_course(app, calls=[call], capacity=1)
    removed_id = enrol(app, removed.id, course_id)
    for person in (first, second):
        enrol(app, person.id, course_id)
    path = f"/training/manage/enrolments/{removed_id}/remove"

    page = text(client.get(path))
    assert "Huda" in page and 'name="reason"' in page and f'href="/training/manage/courses/{course_id}"' in page
    assert "Their seat goes to the first person on the waiting list, who is emailed." in page

    response = client.post(path, data={"reason": "   "})
    assert response.status_code == 200
    assert error_of(text(response), "reason") == "Write why this person is removed."
    assert status_of(app, removed.id, course_id) == EnrolmentStatus.ENROLLED

    response = post(client, path, data={"reason": "Did not come to the first two sessions."})
    assert response.status_code == 302 and response.location.endswith(f"/training/manage/courses/{course_id}")
    assert flashes(client) == [("success", "Huda is removed and has been emailed. Omar, first on the waiting list, "
                                           "is enrolled instead.")]
    assert [status_of(app, p.id, course_id) for p in (removed, first, second)] == [
        EnrolmentStatus.LEFT, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]
    [message] = smtp_server.to(removed.email)
    assert message["Subject"] == f'You are no longer enrolled in "{TITLE_EN}"'
    assert "Did not come to the first two sessions." in smtp_server.text_of(message)
    [message] = smtp_server.to(first.email)
    assert message["Subject"] == f'A seat is free: you are now enrolled in "{TITLE_EN}"'
    assert last_audit(app, "training.remove")["reason"] == "Did not come to the first two sessions."

    # Removed already (an old tab): back to the course.
    response = client.get(path)
    assert response.status_code == 302
    assert flashes(client) == [("info", "This person is no longer in the course.")]


def test_removing_someone_from_the_waiting_list(app, make_user, client, call):
    holder, waiting = make_grantee(app, make_user, call), make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], capacity=1)
    enrol(app, holder.id, course_id)
    waiting_id = enrol(app, waiting.id, course_id)
    page = text(client.get(f"/training/manage/enrolments/{waiting_id}/remove"))
    assert "Number 1 on the waiting list" in page
    post(client, f"/training/manage/enrolments/{waiting_id}/remove", data={"reason": "Asked by phone."})
    assert status_of(app, waiting.id, course_id) == EnrolmentStatus.LEFT
    assert status_of(app, holder.id, course_id) == EnrolmentStatus.ENROLLED
    assert get_course(app, course_id).seats_taken == 1


def test_nobody_is_removed_from_an_ended_course(app, make_user, client, call):
    person = make_grantee(app, make_user, call)
    course_id = make_course(app, calls=[call], sessions=2, starts_in=timedelta(days=-3))
    with app.app_context():
        course = db.session.get(Course, course_id)
        db.session.add(Enrolment(course_id=course_id, user_id=person.id, status=EnrolmentStatus.ENROLLED,
                                 enrolled_at=utcnow() - timedelta(days=5)))
        course.seats_taken = 1
        db.session.commit()
        enrolment_id = queries.enrolment_of(person.id, course_id).id
    page = text(client.get(f"/training/manage/courses/{course_id}"))
    assert url(app, "training.remove_enrolment", enrolment_id=enrolment_id) not in page
    assert 'id="bulk-enrol"' not in page and 'id="open-enrolment"' not in page
    response = post(client, f"/training/manage/enrolments/{enrolment_id}/remove", data={"reason": "x"})
    assert response.status_code == 302
    assert flashes(client) == [("error", "This course has ended: its enrolments can no longer change.")]
    assert status_of(app, person.id, course_id) == EnrolmentStatus.ENROLLED


def test_staff_pages_are_for_staff_only(app, make_user, call):
    course_id = make_course(app, calls=[call])
    grantee = signed_in_client(app, make_grantee(app, make_user, call))
    assert grantee.get("/training/manage/courses").status_code == 403
    assert grantee.get(f"/training/manage/courses/{course_id}").status_code == 403
    assert grantee.post(f"/training/manage/courses/{course_id}/close").status_code == 403
    assert get_course(app, course_id).enrolment_open is True
    assert app.test_client().get("/training/manage/courses").status_code == 302


def test_outbox_is_untouched_by_refused_changes(app, make_user, client, call):
    course_id = make_course(app, calls=[call], capacity=1)
    for _ in range(2):
        enrol(app, make_grantee(app, make_user, call).id, course_id)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    client.post(f"/training/manage/courses/{course_id}/edit", data=course_fields(
        capacity="0", audience="grantees", calls=[str(call)]))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before
        assert db.session.scalar(select(func.count()).select_from(CourseCall)) == 1
        assert db.session.scalar(select(func.count()).select_from(CourseSession)) == 5
