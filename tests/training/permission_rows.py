"""Permission rows for the training feature. The world's course (open, for grantees of the world's call) has a
session under way and one to come; the target applicant is enrolled and holds certificate CT-2026-ABCD-EFGH."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- staff pages (routes_staff.py)
    "training.courses": ("GET", {}, only(*STAFF)),
    "training.new_course": ("GET", {}, only(*STAFF)),
    "training.manage": ("GET", {"course_id": "course"}, only(*STAFF)),
    "training.edit_course": ("GET", {"course_id": "course"}, only(*STAFF)),
    # the world's course is open: opening it again changes nothing; closing it works; both go back to the course
    "training.open_enrolment": ("POST", {"course_id": "course"}, only(*STAFF, ok=302)),
    "training.close_enrolment": ("POST", {"course_id": "course"}, only(*STAFF, ok=302)),
    "training.new_session": ("GET", {"course_id": "course"}, only(*STAFF)),
    "training.edit_session": ("GET", {"session_id": "session"}, only(*STAFF)),
    # no attendance taken for the world's session, and the course has another: deleted, back to the course
    "training.delete_session": ("POST", {"session_id": "session"}, only(*STAFF, ok=302)),
    # no call chosen: back to the course with the message
    "training.bulk_enrol": ("POST", {"course_id": "course"}, only(*STAFF, ok=302)),
    # the confirmation page with its reason field
    "training.remove_enrolment": ("GET", {"enrolment_id": "enrolment"}, only(*STAFF)),
    # --- end of staff rows
    # --- grantee pages (routes_grantee.py)
    # the tested users are not eligible (not grantees of the world's call): the course page is 404 for them
    "training.course": ("GET", {"course_id": "course"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    "training.mine": ("GET", {}, signed_in()),
    # not eligible: the service refuses and the user is sent back with the message (staff too: not grantees)
    "training.enrol": ("POST", {"course_id": "course"}, signed_in(302)),
    # nobody tested is in the course: nothing to leave
    "training.leave": ("GET", {"course_id": "course"}, signed_in(404)),
    "training.calendar": ("GET", {"course_id": "course"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    # --- end of grantee rows
    # --- attendance, certificates, verification (routes_attendance.py)
    "training.attendance": ("GET", {"session_id": "session"}, only(*STAFF)),
    "training.sign_in_sheet": ("GET", {"session_id": "session"}, only(*STAFF)),
    # the target's certificate: staff may download it, other people's enrolments are 404
    "training.certificate": ("GET", {"enrolment_id": "enrolment"},
                             {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    "training.revoke_certificate": ("GET", {"certificate_id": "certificate"}, only(*STAFF)),
    # public: anyone holding the printed number may check it
    "training.verify_certificate": ("GET", {"number": "certificate_number"}, everyone(200)),
    # ?number=... sends to the certificate's page
    "training.verify_lookup": ("GET", {"number": "certificate_number"}, everyone(302)),
    # --- end of attendance rows
}
