"""Permission matrix rows for the calls feature (see tests/test_permissions.py)."""
from ..fixtures.permissions import STAFF, everyone, only

ROWS = {
    # public
    "calls.index": ("GET", {}, everyone(200)),
    "calls.show": ("GET", {"code": "call_code"}, everyone(200)),
    # staff: calls and their lifecycle (the world's call is open: refused steps flash and redirect too)
    "calls.manage": ("GET", {}, only(*STAFF)),
    "calls.new": ("GET", {}, only(*STAFF)),
    "calls.detail": ("GET", {"call_id": "call"}, only(*STAFF)),
    "calls.edit": ("GET", {"call_id": "call"}, only(*STAFF)),
    "calls.open_call": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "calls.close_call": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "calls.start_review": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "calls.mark_decided": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "calls.archive": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    # staff: rubric and required documents (a move without a direction is a malformed request)
    "calls.criteria": ("GET", {"call_id": "call"}, only(*STAFF)),
    "calls.edit_criterion": ("GET", {"criterion_id": "criterion"}, only(*STAFF)),
    "calls.delete_criterion": ("POST", {"criterion_id": "criterion"}, only(*STAFF, ok=302)),
    "calls.move_criterion": ("POST", {"criterion_id": "criterion"}, only(*STAFF, ok=400)),
    "calls.documents": ("GET", {"call_id": "call"}, only(*STAFF)),
    "calls.edit_document": ("GET", {"document_id": "required_document"}, only(*STAFF)),
    "calls.delete_document": ("POST", {"document_id": "required_document"}, only(*STAFF, ok=302)),
    "calls.move_document": ("POST", {"document_id": "required_document"}, only(*STAFF, ok=400)),
    # staff: place and sector lists (sector 1 is one of the sectors the migration seeds)
    "calls.places": ("GET", {}, only(*STAFF)),
    "calls.edit_place": ("GET", {"place_id": "place"}, only(*STAFF)),
    "calls.sectors": ("GET", {}, only(*STAFF)),
    "calls.edit_sector": ("GET", {"sector_id": 1}, only(*STAFF)),
}
