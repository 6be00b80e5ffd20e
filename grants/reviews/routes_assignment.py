"""Routes of the reviews feature (routes_assignment)."""
from . import bp  # noqa: F401
