"""Routes of the reviews feature (routes_reviewer)."""
from . import bp  # noqa: F401
