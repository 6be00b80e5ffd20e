"""Permission rows for the reviews feature (staff assignment, reviewer scoring, ranking)."""
from ..fixtures.permissions import STAFF, only

ROWS = {
    # --- staff assignment (routes_assignment.py); the world's call is open, so changes are refused by redirect
    "reviews.profiles": ("GET", {}, only(*STAFF)),
    "reviews.edit_profile": ("GET", {"user_id": "reviewer"}, only(*STAFF)),
    "reviews.assignment": ("GET", {"call_id": "call"}, only(*STAFF)),
    "reviews.assign_automatically": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "reviews.add_assignment": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "reviews.remove_assignment": ("POST", {"review_id": "review"}, only(*STAFF, ok=302)),
    "reviews.set_due_dates": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "reviews.set_review_due_date": ("POST", {"review_id": "review"}, only(*STAFF, ok=302)),
    # --- end of staff assignment rows
    # --- reviewer pages (routes_reviewer.py): the world's review belongs to another reviewer, so 404
    "reviews.home": ("GET", {}, only("reviewer")),
    "reviews.application": ("GET", {"review_id": "review"}, only("reviewer", ok=404)),
    "reviews.score": ("GET", {"review_id": "review"}, only("reviewer", ok=404)),
    "reviews.comment": ("POST", {"review_id": "review"}, only("reviewer", ok=404)),
    "reviews.declare_conflict": ("GET", {"review_id": "review"}, only("reviewer", ok=404)),
    "reviews.history": ("GET", {"review_id": "review"}, {**only(*STAFF, denied=404), "reviewer": 404}),
    # --- end of reviewer rows
    # --- ranking (routes_ranking.py); a POST without a choice of score is a malformed request
    "reviews.ranking": ("GET", {"call_id": "call"}, only(*STAFF)),
    "reviews.ranking_default": ("POST", {"call_id": "call"}, only(*STAFF, ok=400)),
    "reviews.ranking_export": ("GET", {"call_id": "call", "fmt": "csv"}, only(*STAFF)),
    # --- end of ranking rows
}
