"""Permission rows for the decisions feature (staff pages, the applicant's decision)."""
from ..fixtures.permissions import STAFF, only

ROWS = {
    # --- staff pages (routes_staff.py)
    # the world's call is open: generating is refused (redirect), promoting its approved decision too;
    # a group message without a form shows the form again with its errors
    "decisions.settings": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.proposal": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.generate": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "decisions.promote": ("POST", {"decision_id": "decision"}, only(*STAFF, ok=302)),
    "decisions.change": ("GET", {"decision_id": "decision"}, only(*STAFF)),
    "decisions.templates": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.preview": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.release": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.progress": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.progress_json": ("GET", {"call_id": "call"}, only(*STAFF)),
    "decisions.retry_failed": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "decisions.group_message": ("POST", {"call_id": "call"}, only(*STAFF)),
    # --- end of staff rows
    # --- applicant pages (routes_applicant.py)
    # the world's decision is on somebody else's application (and not released): applicants and reviewers get
    # 404; staff see the page (also before release); answering is for applicants only (others 403)
    "decisions.mine": ("GET", {"application_id": "application"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    "decisions.accept": ("POST", {"application_id": "application"}, only("applicant", ok=404)),
    "decisions.decline": ("GET", {"application_id": "application"}, only("applicant", ok=404)),
    # --- end of applicant rows
}
