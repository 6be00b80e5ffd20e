"""Permission matrix rows for the screening feature (see tests/test_permissions.py).

POST rows carry no form data: a form that needs input is shown again with its errors (200); the world's
application meets the call's rules, so asking to override its eligibility is refused with a redirect.
"""
from ..fixtures.permissions import STAFF, only

ROWS = {
    "screening.applications": ("GET", {"call_id": "call"}, only(*STAFF)),
    "screening.batch": ("POST", {"call_id": "call"}, only(*STAFF)),
    "screening.export": ("GET", {"call_id": "call", "fmt": "csv"}, only(*STAFF)),
    "screening.recheck_duplicates": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "screening.application": ("GET", {"application_id": "application"}, only(*STAFF)),
    "screening.override_eligibility": ("POST", {"application_id": "application"}, only(*STAFF, ok=302)),
    "screening.comment": ("POST", {"application_id": "application"}, only(*STAFF)),
    "screening.remove_tag": ("POST", {"application_id": "application"}, only(*STAFF, ok=302)),
    "screening.resolve_flag": ("POST", {"flag_id": "flag"}, only(*STAFF)),
}
