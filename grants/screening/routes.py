"""Routes of the screening feature."""
from . import bp  # noqa: F401
