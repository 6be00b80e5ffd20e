"""Authorisation by form field (issue #10): the permission matrix checks every URL; these tests check the ids that
arrive in form FIELDS. Each signs in someone allowed to use the form on their own object, puts the id of somebody
else's object in the field, posts, and asserts the app refuses it (no server error) and the other object is unchanged.
"""
import io
from datetime import timedelta

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application, ApplicationTag, Attendance, Call, Course, Criterion, Score, Place, PlaceKind, Sector, CallStatus, Document, Enrolment, EnrolmentStatus, RequiredDocument, Review,
    ScreeningStatus,
)

from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review, make_reviewer
from ..fixtures.routes import post, signed_in_client
from ..fixtures.training import decided_call, make_course, make_grantee

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- screening: BatchForm.ids names applications of the call in the URL --------------------------------------

def test_screening_batch_ids_of_another_call_are_not_touched(app, make_user):
    own_call, other_call = make_call(app, code="DZ26A"), make_call(app, code="DZ26B")
    own = make_application(app, make_user("applicant").id, own_call, submit=True)
    foreign = make_application(app, make_user("applicant").id, other_call, submit=True)
    client = signed_in_client(app, make_user("staff", locale="en"))
    for action in ("screened", "ineligible", "tag"):
        response = post(client, f"/staff/calls/{own_call}/applications/batch",
                        data={"ids": [str(foreign)], "action": action, "reason": "Outside.", "tag": "x"})
        assert response.status_code < 500
    with app.app_context():
        assert db.session.get(Application, foreign).screening_status == ScreeningStatus.PENDING
    assert _count(app, ApplicationTag, ApplicationTag.application_id == foreign) == 0
    # the same form does change the call's own application
    post(client, f"/staff/calls/{own_call}/applications/batch", data={"ids": [str(own)], "action": "screened"})
    with app.app_context():
        assert db.session.get(Application, own).screening_status == ScreeningStatus.SCREENED


# --- training: AttendanceForm.present names enrolments of the session's course -------------------------------

def test_attendance_ignores_enrolments_of_another_course(app, make_user):
    call_id = decided_call(app)
    person = make_grantee(app, make_user, call_id)
    own_course = make_course(app, calls=[call_id], starts_in=timedelta(days=-2), sessions=2)
    other_course = make_course(app, calls=[call_id], starts_in=timedelta(days=-2), sessions=2)
    with app.app_context():
        created = db.session.get(Course, other_course).created_at
        foreign = Enrolment(course_id=other_course, user_id=person.id, status=EnrolmentStatus.ENROLLED,
                            enrolled_at=created, queued_at=created)
        mine = Enrolment(course_id=own_course, user_id=person.id, status=EnrolmentStatus.ENROLLED,
                         enrolled_at=created, queued_at=created)
        db.session.add_all([foreign, mine])
        db.session.commit()
        foreign_id, mine_id = foreign.id, mine.id
        session_id = db.session.get(Course, own_course).sessions[0].id
        other_session_id = db.session.get(Course, other_course).sessions[0].id
    client = signed_in_client(app, make_user("staff", locale="en"))
    response = post(client, f"/training/manage/sessions/{session_id}/attendance", data={"present": [str(foreign_id), str(mine_id)]})
    assert response.status_code < 500
    assert _count(app, Attendance, Attendance.enrolment_id == mine_id, Attendance.present.is_(True)) == 1
    # No attendance row for the foreign enrolment, neither on this session nor on its own course's session.
    assert _count(app, Attendance, Attendance.enrolment_id == foreign_id) == 0
    assert _count(app, Attendance, Attendance.session_id == other_session_id) == 0


# --- training: BulkEnrolForm.call must be one of the calls offered -------------------------------------------

def test_bulk_enrol_refuses_a_call_not_offered(app, make_user):
    open_call = make_call(app, code="DZ26A")  # no grantees: not among the calls offered
    make_application(app, make_user("applicant").id, open_call, submit=True)
    course = make_course(app)
    client = signed_in_client(app, make_user("staff", locale="en"))
    for value in (str(open_call), "999999", "abc"):
        response = post(client, f"/training/manage/courses/{course}/bulk-enrol", data={"call": value})
        assert response.status_code < 500
    assert _count(app, Enrolment, Enrolment.course_id == course) == 0
    granted = decided_call(app)
    grantee = make_grantee(app, make_user, granted)
    assert post(client, f"/training/manage/courses/{course}/bulk-enrol", data={"call": str(granted)}).status_code == 302
    assert _count(app, Enrolment, Enrolment.course_id == course, Enrolment.user_id == grantee.id) == 1


# --- reviews: AddAssignmentForm.application / .reviewer -------------------------------------------------------

def test_add_assignment_refuses_another_calls_application_and_non_reviewers(app, make_user):
    own_call = make_call(app, code="DZ26A", status=CallStatus.CLOSED, closes_in=timedelta(days=-1))
    other_call = make_call(app, code="DZ26B", status=CallStatus.CLOSED, closes_in=timedelta(days=-1))
    own = make_application(app, make_user("applicant").id, own_call, submit=True)
    foreign = make_application(app, make_user("applicant").id, other_call, submit=True)
    reviewer = make_reviewer(app, make_user)
    not_a_reviewer = make_user("applicant")
    client = signed_in_client(app, make_user("staff", locale="en"))
    url = f"/staff/calls/{own_call}/reviewers/add"
    attempts = [
        {"application": str(foreign), "reviewer": str(reviewer.id)},   # another call's application
        {"application": str(own), "reviewer": str(not_a_reviewer.id)},  # not a reviewer
        {"application": str(own), "reviewer": "999999"},
        {"application": "abc", "reviewer": str(reviewer.id)},
    ]
    for data in attempts:
        response = post(client, url, data=data)
        assert response.status_code < 500
    assert _count(app, Review) == 0
    # and the form does work on the call's own application with a real reviewer
    assert post(client, url, data={"application": str(own), "reviewer": str(reviewer.id)}).status_code == 302
    assert _count(app, Review, Review.application_id == own) == 1


# --- applications: DocumentsForm file_<requirement id> names the call's requirements ---------------------------

def test_documents_step_ignores_a_requirement_of_another_call(app, make_user):
    own_call, other_call = make_call(app, code="DZ26A"), make_call(app, code="DZ26B")
    applicant = make_user("applicant", locale="en")
    application_id = make_application(app, applicant.id, own_call, documents=False)
    with app.app_context():
        foreign_requirement = db.session.scalars(
            select(RequiredDocument.id).where(RequiredDocument.call_id == other_call)).first()
        own_requirement = db.session.scalars(
            select(RequiredDocument.id).where(RequiredDocument.call_id == own_call)).first()
    client = signed_in_client(app, applicant)
    response = post(client, f"/applications/{application_id}/step/4", content_type="multipart/form-data",
                    data={f"file_{foreign_requirement}": (io.BytesIO(TINY_PDF), "id.pdf"),
                          f"file_{own_requirement}": (io.BytesIO(TINY_PDF), "own.pdf")})
    assert response.status_code < 500
    assert _count(app, Document, Document.requirement_id == foreign_requirement) == 0
    # only the file for the call's own requirement is saved
    assert _count(app, Document, Document.application_id == application_id) == 1
    assert _count(app, Document, Document.application_id == application_id,
                  Document.requirement_id == own_requirement) == 1


# --- applications: ApplicantForm.place_id / BusinessForm.sector_id name places and sectors the call accepts ---

def test_answers_refuse_a_place_or_sector_the_call_does_not_accept(app, make_user):
    call_id = make_call(app, code="DZ26A")
    applicant = make_user("applicant", locale="en")
    application_id = make_application(app, applicant.id, call_id)
    with app.app_context():
        call, application = db.session.get(Call, call_id), db.session.get(Application, application_id)
        call.places = [db.session.get(Place, application.place_id)]
        call.sectors = [db.session.get(Sector, application.sector_id)]
        db.session.commit()
        place_before, sector_before = application.place_id, application.sector_id
        other_place = db.session.scalar(select(Place.id).where(Place.kind == PlaceKind.SUBDISTRICT,
                                                               Place.id != place_before))
        a_district = db.session.scalar(select(Place.id).where(Place.kind == PlaceKind.DISTRICT))
        other_sector = db.session.scalar(select(Sector.id).where(Sector.id != sector_before))
    client = signed_in_client(app, applicant)
    for value in (other_place, a_district, 999999, "abc"):
        response = post(client, f"/applications/{application_id}/step/1", data={"place_id": str(value)})
        assert response.status_code < 500
    for value in (other_sector, 999999):
        response = post(client, f"/applications/{application_id}/step/2", data={"sector_id": str(value)})
        assert response.status_code < 500
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert (application.place_id, application.sector_id) == (place_before, sector_before)
        db.session.get(Call, call_id).places.append(db.session.get(Place, other_place))
        db.session.commit()
    # the same field does change the place once the call accepts it
    post(client, f"/applications/{application_id}/step/1", data={"place_id": str(other_place)})
    with app.app_context():
        assert db.session.get(Application, application_id).place_id == other_place


# --- reviews: ScoringForm score_<criterion id> names the criteria of the review's call -------------------------

def test_scoring_ignores_a_criterion_of_another_call(app, make_user):
    own_call = make_call(app, code="DZ26A", status=CallStatus.REVIEWING, closes_in=timedelta(days=-1))
    other_call = make_call(app, code="DZ26B", status=CallStatus.REVIEWING, closes_in=timedelta(days=-1))
    application_id = make_application(app, make_user("applicant").id, own_call, submit=True)
    reviewer = make_reviewer(app, make_user, locale="en")
    review_id = make_review(app, application_id, reviewer.id, submit=False)
    with app.app_context():
        foreign = db.session.scalars(select(Criterion.id).where(Criterion.call_id == other_call)).first()
        own = db.session.scalars(select(Criterion.id).where(Criterion.call_id == own_call)).first()
    client = signed_in_client(app, reviewer)
    response = post(client, f"/reviews/{review_id}", data={f"score_{foreign}": "3", f"score_{own}": "4",
                                                            "action": "save"})
    assert response.status_code < 500
    assert _count(app, Score, Score.criterion_id == foreign) == 0
    assert _count(app, Score, Score.criterion_id == own, Score.value == 4) == 1
