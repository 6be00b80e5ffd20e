"""Permission matrix rows for the calls feature (see tests/test_permissions.py)."""
from ..fixtures.permissions import STAFF, everyone, only

ROWS = {
    "calls.index": ("GET", {}, everyone(200)),
    "calls.manage": ("GET", {}, only(*STAFF)),
}
