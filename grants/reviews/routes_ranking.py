"""Routes of the reviews feature (routes_ranking)."""
from . import bp  # noqa: F401
