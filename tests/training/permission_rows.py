"""Permission rows for the training feature. The world's course (open, for grantees of the world's call) has a
session under way and one to come; the target applicant is enrolled and holds certificate CT-2026-ABCD-EFGH."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- staff pages (routes_staff.py)
    # --- end of staff rows
    # --- grantee pages (routes_grantee.py)
    # the tested users are not eligible (not grantees of the world's call): the course page is 404 for them
    "training.course": ("GET", {"course_id": "course"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    # --- end of grantee rows
    # --- attendance, certificates, verification (routes_attendance.py)
    # --- end of attendance rows
}
