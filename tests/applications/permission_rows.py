"""Permission matrix rows for the applications feature (see tests/test_permissions.py).

The form pages (steps, documents, submit, withdraw) are for applicants, and only for the application's owner:
other roles get 403, another applicant gets 404. Reading a whole application (show) is for its owner and staff;
a file is for whoever can_view_document allows (owner, staff, assigned reviewers of a non-blind call).
"""
from ..fixtures.permissions import LOGIN, STAFF, only

NOT_MINE = {"anonymous": LOGIN, "applicant": 404, "reviewer": 403, "staff": 403, "admin": 403}
STAFF_READS = {"anonymous": LOGIN, "applicant": 404, "reviewer": 404, "staff": 200, "admin": 200}

ROWS = {
    "applications.dashboard": ("GET", {}, only("applicant")),
    # the tested applicant starts their own draft for the world's open call
    "applications.start": ("POST", {"code": "call_code"}, only("applicant", ok=302)),
    "applications.step": ("GET", {"application_id": "draft", "step": 1}, NOT_MINE),
    "applications.submit": ("POST", {"application_id": "draft"}, NOT_MINE),
    "applications.withdraw": ("GET", {"application_id": "application"}, NOT_MINE),
    "applications.delete_document": ("POST", {"application_id": "application", "document_id": "document"}, NOT_MINE),
    "applications.show": ("GET", {"application_id": "application"}, STAFF_READS),
    "applications.document": ("GET", {"application_id": "application", "document_id": "document"}, STAFF_READS),
}
assert set(STAFF) <= set(STAFF_READS)
