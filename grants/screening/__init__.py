"""Screening: staff list, search, check and export the applications of a call."""
from flask import Blueprint

bp = Blueprint("screening", __name__, url_prefix="/staff")

from . import routes  # noqa: E402,F401
