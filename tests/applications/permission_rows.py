"""Permission matrix rows for the applications feature (see tests/test_permissions.py)."""
from ..fixtures.permissions import only

ROWS = {
    "applications.dashboard": ("GET", {}, only("applicant")),
}
