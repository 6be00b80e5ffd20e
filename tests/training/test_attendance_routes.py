"""Taking attendance through the test client: the page lists the enrolled people, saving by the form and by the
background (JSON) request, ticks that survive a reload, the refusal before a session starts, bad input, and
completion following from attendance."""
import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Attendance, Audience, Course, CourseSession, Enrolment, EnrolmentStatus, User
from grants.training import services
from grants.training.queries_attendance import roster

from ..fixtures.i18n import says
from ..fixtures.program import make_application
from ..fixtures.routes import counting_statements, flashes, signed_in_client, text
from ..fixtures.training import decided_call, make_course, make_grantee

JSON = {"Accept": "application/json"}
REFUSAL = "Attendance can be taken once the session has started."


# --- helpers (also used by test_certificates and test_verify) ----------------------------------------------

def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def grantee_named(app, make_user, call_id, name_ar, name_latin="", **user_fields):
    """A grantee whose application carries this Arabic (and Latin) legal name."""
    account = make_grantee(app, make_user, call_id, **user_fields)
    with app.app_context():
        application = db.session.scalar(select(Application).where(Application.applicant_id == account.id))
        application.full_name_ar, application.full_name_latin = name_ar, name_latin
        db.session.commit()
    return account


def enrol_directly(app, user_id, course_id, status=EnrolmentStatus.ENROLLED) -> int:
    """An enrolment made before the course began (the service refuses enrolments in a course that has ended)."""
    with app.app_context():
        course = db.session.get(Course, course_id)
        enrolment = Enrolment(course_id=course_id, user_id=user_id, status=status,
                              enrolled_at=course.created_at if status == EnrolmentStatus.ENROLLED else None,
                              queued_at=course.created_at)
        db.session.add(enrolment)
        if status == EnrolmentStatus.ENROLLED:
            course.seats_taken += 1
        db.session.commit()
        return enrolment.id


def session_ids(app, course_id) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.get(Course, course_id).sessions]


def marks(app, session_id) -> dict[int, bool]:
    with app.app_context():
        return {row.enrolment_id: row.present for row in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id))}


def take_attendance_by_page(app, staff, session_id, present_ids):
    """Staff tick the people present on the session's attendance page and save."""
    client = signed_in_client(app, staff)
    response = client.post(url(app, "training.attendance", session_id=session_id),
                           data={"present": [str(i) for i in present_ids]})
    assert response.status_code == 302, text(response)


def checked_ids(html: str) -> set[int]:
    return {int(m) for m in re.findall(r'<input type="checkbox" name="present" value="(\d+)"[^>]*\bchecked\b', html)}


# --- the page ----------------------------------------------------------------------------------------------

@pytest.fixture
def running(app, make_user):
    """A course whose first of three sessions is under way: Huda, Omar and Sami enrolled (Sami took the seat Lina
    left), Nour on the waiting list."""
    call = decided_call(app)
    people = {
        "huda": grantee_named(app, make_user, call, "هدى إبراهيم الصالح", "Huda Ibrahim Al-Saleh",
                              phone="+963944100001"),
        "omar": grantee_named(app, make_user, call, "عمر خالد العلي", "Omar Khaled Al-Ali", phone="+963944100002"),
        "lina": grantee_named(app, make_user, call, "لينا محمود الحسين", phone="+963944100003"),
        "sami": grantee_named(app, make_user, call, "سامي يوسف النجار", phone="+963944100004"),
        "nour": grantee_named(app, make_user, call, "نور عادل الخطيب", phone="+963944100005"),
    }
    course_id = make_course(app, calls=[call], capacity=3, sessions=3, starts_in=timedelta(hours=-1))
    with app.app_context():
        course = db.session.get(Course, course_id)
        ids = {name: services.enrol(db.session.get(User, account.id), course).id for name, account in people.items()}
        lina = db.session.get(User, people["lina"].id)
        services.leave(lina, db.session.get(Enrolment, ids["lina"]))
        db.session.commit()
        assert {e.id: e.status for e in db.session.scalars(select(Enrolment))} == {
            ids["huda"]: EnrolmentStatus.ENROLLED, ids["omar"]: EnrolmentStatus.ENROLLED,
            ids["lina"]: EnrolmentStatus.LEFT, ids["sami"]: EnrolmentStatus.ENROLLED,
            ids["nour"]: EnrolmentStatus.WAITLISTED}
    staff = make_user("staff")
    return {"course": course_id, "sessions": session_ids(app, course_id), "staff": staff, "ids": ids,
            "people": people}


def test_page_lists_every_enrolled_person_and_nobody_else(app, running):
    client = signed_in_client(app, running["staff"])
    response = client.get(url(app, "training.attendance", session_id=running["sessions"][0]))
    assert response.status_code == 200
    html = text(response)
    ids = running["ids"]
    for name in ("هدى إبراهيم الصالح", "عمر خالد العلي", "سامي يوسف النجار"):
        assert name in html
    for name in ("لينا محمود الحسين", "نور عادل الخطيب"):  # left, and still waiting
        assert name not in html
    assert "+963944100001" in html and "+963944100002" in html
    assert set(re.findall(r'name="present" value="(\d+)"', html)) == {str(ids["huda"]), str(ids["omar"]),
                                                                       str(ids["sami"])}
    assert checked_ids(html) == set()
    assert url(app, "training.sign_in_sheet", session_id=running["sessions"][0]) in html
    assert url(app, "training.manage", course_id=running["course"]) in html
    assert 'src="/static/js/attendance.js"' in html and 'aria-live="polite"' in html


def test_saving_with_the_form_and_the_ticks_survive_a_reload(app, running):
    client = signed_in_client(app, running["staff"])
    ids, session_id = running["ids"], running["sessions"][0]
    page = url(app, "training.attendance", session_id=session_id)
    response = client.post(page, data={"present": [str(ids["huda"]), str(ids["sami"])]})
    assert response.status_code == 302 and response.location == page
    assert [category for category, _ in flashes(client)] == ["success"]
    assert marks(app, session_id) == {ids["huda"]: True, ids["omar"]: False, ids["sami"]: True}
    assert checked_ids(text(client.get(page))) == {ids["huda"], ids["sami"]}
    # Saved again: Huda unticked, Omar ticked.
    client.post(page, data={"present": [str(ids["omar"]), str(ids["sami"])]})
    assert marks(app, session_id) == {ids["huda"]: False, ids["omar"]: True, ids["sami"]: True}
    assert checked_ids(text(client.get(page))) == {ids["omar"], ids["sami"]}
    with app.app_context():
        assert db.session.get(CourseSession, session_id).attendance_taken_at is not None


def test_saving_in_the_background_answers_json(app, running):
    client = signed_in_client(app, running["staff"])
    ids, session_id = running["ids"], running["sessions"][0]
    page = url(app, "training.attendance", session_id=session_id)
    response = client.post(page, data={"present": [str(ids["omar"])]}, headers=JSON)
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["saved"] is True and body["present"] == 1
    assert body["progress"][str(ids["omar"])]["status"] == "in_progress"
    # 80 percent of 3 sessions is all 3: missing one, Huda can no longer complete the course.
    assert body["progress"][str(ids["huda"])]["status"] == "not_completed"
    assert marks(app, session_id) == {ids["huda"]: False, ids["omar"]: True, ids["sami"]: False}
    assert checked_ids(text(client.get(page))) == {ids["omar"]}
    assert flashes(client) == []  # the background save leaves no message for the next page


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_background_save_sends_the_forms_csrf_token(app, running):
    client = signed_in_client_with_csrf(app, running["staff"])
    ids, session_id = running["ids"], running["sessions"][0]
    page = url(app, "training.attendance", session_id=session_id)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get(page))).group(1)
    refused = client.post(page, data={"present": [str(ids["huda"])]}, headers=JSON)
    assert refused.status_code == 400 and marks(app, session_id) == {}
    response = client.post(page, data={"present": [str(ids["huda"])], "csrf_token": token}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert marks(app, session_id)[ids["huda"]] is True


def signed_in_client_with_csrf(app, account):
    client = app.test_client()
    login_page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(login_page)).group(1)
    response = client.post("/login", data={"email": account.email, "password": account.password, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_a_session_not_started_refuses_and_saves_nothing(app, running):
    client = signed_in_client(app, running["staff"])
    ids, later = running["ids"], running["sessions"][1]
    page = url(app, "training.attendance", session_id=later)
    shown = client.get(page)
    assert shown.status_code == 200 and 'id="not-started"' in text(shown)
    assert says(shown, app, REFUSAL) and "disabled" in text(shown)
    response = client.post(page, data={"present": [str(ids["huda"])]})
    assert response.status_code == 200 and says(response, app, REFUSAL)
    assert 'role="alert"' in text(response)
    background = client.post(page, data={"present": [str(ids["huda"])]}, headers=JSON)
    assert background.status_code == 409 and background.get_json()["saved"] is False
    assert background.get_json()["error"]
    assert marks(app, later) == {}
    with app.app_context():
        assert db.session.get(CourseSession, later).attendance_taken_at is None


@pytest.mark.parametrize("value", ["abc", "9" * 5000, "1.5", ""])
def test_malformed_ids_are_an_error_not_a_crash(app, running, value):
    client = signed_in_client(app, running["staff"])
    session_id = running["sessions"][0]
    page = url(app, "training.attendance", session_id=session_id)
    response = client.post(page, data={"present": [str(running["ids"]["huda"]), value]})
    assert response.status_code == 400 and 'role="alert"' in text(response)
    assert marks(app, session_id) == {}
    background = client.post(page, data={"present": [value]}, headers=JSON)
    assert background.status_code == 400 and background.get_json()["saved"] is False


def test_people_not_enrolled_and_forged_ids_are_ignored(app, running):
    client = signed_in_client(app, running["staff"])
    ids, session_id = running["ids"], running["sessions"][0]
    page = url(app, "training.attendance", session_id=session_id)
    response = client.post(page, data={"present": [str(ids["lina"]), str(2**40), str(ids["huda"])]})
    assert response.status_code == 302
    assert marks(app, session_id) == {ids["huda"]: True, ids["omar"]: False, ids["sami"]: False}


def test_unknown_session_is_404(app, running):
    client = signed_in_client(app, running["staff"])
    assert client.get("/training/manage/sessions/999999/attendance").status_code == 404
    assert client.get(f"/training/manage/sessions/{2**40}/attendance").status_code == 404


def test_completion_follows_attendance(app, make_user):
    call = decided_call(app)
    person = grantee_named(app, make_user, call, "ريم أحمد الحمد", "Reem Ahmad Al-Hamad")
    staff = make_user("staff")
    course_id = make_course(app, calls=[call], sessions=2, starts_in=timedelta(days=-3))
    enrolment_id = enrol_directly(app, person.id, course_id)
    first, second = session_ids(app, course_id)
    client = signed_in_client(app, staff)
    client.post(url(app, "training.attendance", session_id=first), data={"present": [str(enrolment_id)]})
    page = text(client.get(url(app, "training.attendance", session_id=second)))
    assert f'data-progress-for="{enrolment_id}"' in page and "status-progress-in_progress" in page
    response = client.post(url(app, "training.attendance", session_id=second), data={"present": [str(enrolment_id)]},
                           headers=JSON)
    assert response.get_json()["progress"][str(enrolment_id)]["status"] == "completed"
    page = client.get(url(app, "training.attendance", session_id=second))
    assert "status-progress-completed" in text(page)
    # The grantee's own course page now says so and offers the certificate.
    grantee = signed_in_client(app, person)
    course_page = grantee.get(url(app, "training.course", course_id=course_id))
    assert says(course_page, app, "Completed")
    assert url(app, "training.certificate", enrolment_id=enrolment_id) in text(course_page)


def test_page_queries_do_not_grow_with_the_people(app, make_user):
    call = decided_call(app)
    staff = make_user("staff")
    course_id = make_course(app, calls=[call], capacity=20, sessions=2, starts_in=timedelta(hours=-1))
    session_id = session_ids(app, course_id)[0]
    client = signed_in_client(app, staff)
    page = url(app, "training.attendance", session_id=session_id)

    def count() -> int:
        with counting_statements(app) as statements:
            assert client.get(page).status_code == 200
        return len(statements)

    def add_person(n):
        person = grantee_named(app, make_user, call, f"مشارك {'أبجد'[n % 4]} الخلف", phone=f"+96394450000{n}")
        take_attendance_by_page(app, staff, session_id, [])  # a row per person once saved
        return enrol_directly(app, person.id, course_id)

    add_person(1)
    one = count()
    for n in range(2, 6):
        add_person(n)
    assert count() == one


def test_roster_names_are_the_certificate_names(app, make_user):
    """The page and the sign-in sheet read names in one query; they must be the names certificates print."""
    call = decided_call(app)
    named = grantee_named(app, make_user, call, "رنا سمير الدخيل", "Rana Samir Al-Dakhil")
    second_call = decided_call(app, code="DZ25B")
    grantee_named(app, make_user, second_call, "ignored", "ignored")  # someone else's applications do not leak
    # A later application with another spelling wins, as in services.holder_names.
    make_application(app, named.id, second_call, submit=True, full_name_ar="رنا سمير الدخيّل",
                     full_name_latin="Rana S. Al-Dakhil")
    account_only = make_user("applicant", name="حساب بلا طلب")
    course_id = make_course(app, calls=[call], capacity=5, sessions=1, starts_in=timedelta(hours=-1),
                            audience=Audience.REGISTERED)
    for account in (named, account_only):
        enrol_directly(app, account.id, course_id)
    with app.app_context():
        session = db.session.get(Course, course_id).sessions[0]
        lines = {line.user_id: line for line in roster(session)}
        for account in (named, account_only):
            name, latin = services.holder_names(db.session.get(User, account.id))
            assert (lines[account.id].name, lines[account.id].name_latin) == (name, latin)
        assert lines[named.id].name == "رنا سمير الدخيّل" and lines[account_only.id].name == "حساب بلا طلب"
