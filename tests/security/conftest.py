"""Fixtures shared by the security tests: the permission matrix's `world` (the objects its URLs refer to)."""
from tests.test_permissions import world  # noqa: F401
