"""The home page, the health check and other pages that belong to no feature."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401
